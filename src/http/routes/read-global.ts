import {
  NEXT_CHECKPOINT_HEADER,
  nextCheckpoint,
  parsePage,
  readGlobalText,
} from '../../core/index.js';
import type { RouteModule } from '../deps.js';
import { enumeratedChangesetJson } from '../../push/index.js';

export const readGlobalRoute: RouteModule = (app, { store, limits }) => {
  app.get('/changesets', async (c) => {
    const { checkpoint, limit } = parsePage({
      checkpoint: c.req.query('checkpoint'),
      limit: c.req.query('limit'),
    });
    const page = await readGlobalText(
      store,
      checkpoint,
      Math.min(limit, limits.maxPageSize),
      limits.maxPageBytes,
    );
    const next = nextCheckpoint(checkpoint, page);
    // What `c.json({ checkpoint, limit, changesets, next_checkpoint })` would send, with each
    // changeset's stored JSON spliced in rather than parsed and serialised again. The header
    // repeats `next_checkpoint` ahead of the body, so a reader can ask for the next page while
    // this one is still arriving (the client SDK's `enumerate` does).
    return c.body(
      `{"checkpoint":${checkpoint},"limit":${limit},"changesets":[${page.map(enumeratedChangesetJson).join(',')}],"next_checkpoint":${next}}`,
      200,
      { 'content-type': 'application/json', [NEXT_CHECKPOINT_HEADER]: String(next) },
    );
  });
};
