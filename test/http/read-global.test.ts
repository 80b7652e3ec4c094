import { describe, expect, it } from 'vitest';
import type { EventStore, JsonObject } from '../../src/core/index.js';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';

/** JSON that a careless text path would alter: escapes, non-ASCII, `__proto__`, exponents. */
const TRICKY = JSON.parse(
  '{"q":"\\"\\\\\\n\\u2028","u":"é😀\\ud800","__proto__":{"x":[]},"n":[1e21,-0,0.1,-12.5]}',
) as JsonObject;

/**
 * `GET /changesets` splices the stored JSON text into its answer rather than parsing and
 * serialising it again (SQLite), or serialises what the store parsed (memory). Both must send
 * the characters `c.json` would send for the contract's object: the same keys in the same
 * order, compact, byte for byte.
 */
describe.each([
  ['SQLite (stored text)', () => openSqliteStore({ filename: ':memory:' })],
  ['memory (serialised)', () => createMemoryStore()],
])('GET /changesets on %s', (_name, open: () => EventStore) => {
  async function seeded() {
    const store = open();
    await commitChangeset(store, {
      streamId: 'a/é',
      expectation: NEW_STREAM,
      events: [TRICKY, { n: 1 }],
      metadata: { by: 'ünï', tricky: TRICKY },
    });
    await commitChangeset(store, {
      streamId: 'b',
      expectation: NEW_STREAM,
      events: [{ n: 2 }],
      metadata: {},
    });
    return createApp({ store, version: '1' });
  }

  it('answers exactly what JSON.stringify writes for the contract object', async () => {
    const app = await seeded();
    const response = await app.request('/changesets?checkpoint=0&limit=5');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(
      JSON.stringify({
        checkpoint: 0,
        limit: 5,
        changesets: [
          {
            stream_id: 'a/é',
            changeset_id: 1,
            events: [TRICKY, { n: 1 }],
            metadata: { by: 'ünï', tricky: TRICKY },
            checkpoint: 0,
          },
          { stream_id: 'b', changeset_id: 1, events: [{ n: 2 }], metadata: {}, checkpoint: 1 },
        ],
        next_checkpoint: 2,
      }),
    );
  });

  it('repeats next_checkpoint in the EES-Next-Checkpoint header', async () => {
    const app = await seeded();
    for (const [query, next] of [
      ['checkpoint=0&limit=1', 1],
      ['checkpoint=1&limit=10', 2],
      ['checkpoint=2', 2],
      ['checkpoint=40', 40],
    ] as const) {
      const response = await app.request(`/changesets?${query}`);
      const body = (await response.json()) as { next_checkpoint: number };
      expect([response.headers.get('ees-next-checkpoint'), body.next_checkpoint]).toEqual([
        String(next),
        next,
      ]);
    }
  });
});
