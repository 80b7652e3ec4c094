import type { Database } from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Changeset } from '../../core/index.js';
import { EMPTY_STREAM, followInOrder } from '../../core/index.js';
import type { InsertParams } from './commit.js';
import { insertChangesetSql } from './commit.js';
import { BUSY_TIMEOUT_MS } from './open.js';
import { isBusy, toStoreError } from './sqlite-errors.js';
import { prepareStreamHead } from './stream-head.js';

/** How long to wait before trying again when another connection holds the write lock. */
const BUSY_PAUSE_MS = 10;

/**
 * `EventStore.appendInOrder`: one `BEGIN IMMEDIATE` transaction (the write lock taken before
 * the heads are read), the changesets checked by the core's `followInOrder` and inserted one
 * after another, each taking the next checkpoint as a commit does. A lock held by another
 * connection is waited for off the event loop, as the group commit does, for up to
 * `BUSY_TIMEOUT_MS`.
 */
export function prepareAppendInOrder(
  db: Database,
): (changesets: readonly Changeset[]) => Promise<boolean> {
  const headOf = prepareStreamHead(db);
  const insert = db.prepare<InsertParams, number>(insertChangesetSql).pluck();
  const append = db.transaction((changesets: readonly Changeset[]): boolean => {
    if (!followInOrder(changesets, (streamId) => headOf(streamId) ?? EMPTY_STREAM)) return false;
    for (const changeset of changesets) {
      insert.get({
        streamId: changeset.streamId,
        changesetId: changeset.changesetId,
        firstEventId: changeset.firstEventId,
        lastEventId: changeset.lastEventId,
        timestamp: changeset.timestamp,
        metadata: JSON.stringify(changeset.metadata),
        events: JSON.stringify(changeset.events),
      });
    }
    return true;
  });
  return async (changesets) => {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      try {
        return append.immediate(changesets);
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw toStoreError(error);
      }
      await sleep(BUSY_PAUSE_MS);
    }
  };
}
