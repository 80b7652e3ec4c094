import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Changeset } from '../../src/core/index.js';
import { snsChangesetMessage, snsEventMessages, messageGroupId } from '../../src/push/sns/index.js';

const changeset = (overrides: Partial<Changeset> = {}): Changeset => ({
  streamId: 'account-42',
  changesetId: 2,
  events: [{ type: 'withdrawn', amount: 30 }, { type: 'closed' }],
  metadata: { by: 'ana' },
  timestamp: '2026-01-01T00:00:00.000Z',
  firstEventId: 4,
  lastEventId: 5,
  checkpoint: null,
  ...overrides,
});

describe('SNS push messages', () => {
  it('groups by the hex SHA-224 of the stream id', () => {
    // The FIPS 180-2 test vector.
    expect(messageGroupId('abc')).toBe('23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7');
    expect(messageGroupId('café')).toBe(createHash('sha224').update('café', 'utf8').digest('hex'));
    expect(snsChangesetMessage(changeset({ streamId: 'abc' })).groupId).toBe(messageGroupId('abc'));
  });

  it('publishes a changeset as the contract spells it', () => {
    const message = snsChangesetMessage(changeset());
    expect(message.channel).toBe('changesets');
    expect(JSON.parse(message.body)).toEqual({
      stream_id: 'account-42',
      changeset_id: 2,
      events: [{ type: 'withdrawn', amount: 30 }, { type: 'closed' }],
      metadata: { by: 'ana' },
    });
  });

  it('publishes one message per event, numbered across the stream', () => {
    const messages = snsEventMessages(changeset());
    expect(messages.map((m) => m.channel)).toEqual(['events', 'events']);
    expect(messages.map((m) => JSON.parse(m.body) as unknown)).toEqual([
      {
        stream_id: 'account-42',
        changeset_id: 2,
        event_id: 4,
        data: { type: 'withdrawn', amount: 30 },
      },
      { stream_id: 'account-42', changeset_id: 2, event_id: 5, data: { type: 'closed' } },
    ]);
    expect(new Set(messages.map((m) => m.groupId))).toEqual(
      new Set([messageGroupId('account-42')]),
    );
  });

  it('derives deduplication ids from what the message is, never from when it is sent', () => {
    const once = [snsChangesetMessage(changeset()), ...snsEventMessages(changeset())];
    const again = [
      snsChangesetMessage(changeset({ timestamp: 'later' })),
      ...snsEventMessages(changeset()),
    ];
    expect(again.map((m) => m.deduplicationId)).toEqual(once.map((m) => m.deduplicationId));

    const others = [
      snsChangesetMessage(changeset({ changesetId: 3 })),
      snsChangesetMessage(changeset({ streamId: 'account-43' })),
      ...snsEventMessages(changeset({ changesetId: 3, firstEventId: 6, lastEventId: 7 })),
    ];
    const ids = [...once, ...others].map((m) => m.deduplicationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps ids within SNS limits whatever the stream id', () => {
    const long = changeset({ streamId: '☕'.repeat(5000) });
    for (const message of [snsChangesetMessage(long), ...snsEventMessages(long)]) {
      expect(message.groupId).toMatch(/^[0-9a-f]{56}$/);
      expect(message.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('does not confuse stream ids that only differ in how parts would be joined', () => {
    const a = snsEventMessages(
      changeset({ streamId: 'a:1', changesetId: 1, firstEventId: 1, events: [{}] }),
    );
    const b = snsEventMessages(
      changeset({ streamId: 'a', changesetId: 11, firstEventId: 1, events: [{}] }),
    );
    expect(a[0]?.deduplicationId).not.toBe(b[0]?.deduplicationId);
  });
});
