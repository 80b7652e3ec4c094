import type { Database } from 'better-sqlite3';
import type { Changeset } from '../../core/index.js';
import { EMPTY_STREAM, followInOrder } from '../../core/index.js';
import type { InsertParams } from './commit.js';
import { insertChangesetSql } from './commit.js';
import { writeWhenUnlocked } from './open.js';
import { toStoreError } from './sqlite-errors.js';
import { prepareStreamHead } from './stream-head.js';

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
    try {
      return await writeWhenUnlocked(() => append.immediate(changesets));
    } catch (error) {
      throw toStoreError(error);
    }
  };
}
