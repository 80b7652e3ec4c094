import { describe, expect, it } from 'vitest';
import { NEW_STREAM, commitChangeset } from '../../src/core/index.js';
import { createApiHandler, createStatisticsHandler } from '../../src/lambda/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { httpApiEvent, responseOf } from './api-events.js';

async function storeWith(count: number) {
  const store = createMemoryStore();
  for (let n = 0; n < count; n++) {
    await commitChangeset(store, {
      streamId: `s${n % 3}`,
      expectation: n < 3 ? NEW_STREAM : { kind: 'changeset', lastChangesetId: Math.floor(n / 3) },
      events: [{ n }, { n }],
      metadata: {},
    });
  }
  return store;
}

const scheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-27T09:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/ees-statistics'],
  detail: {},
};

describe('the statistics function', () => {
  it('brings GET /streams up to date, one pass per scheduled event', async () => {
    const store = await storeWith(7);
    const api = createApiHandler({ store, version: '0.1.0' });
    const statistics = () => api(httpApiEvent({ method: 'GET', path: '/streams' }));
    expect(responseOf(await statistics()).status).toBe(404);

    const handler = createStatisticsHandler({ store, pageSize: 2 });
    const context = { getRemainingTimeInMillis: () => 60_000 };
    expect(await handler(scheduledEvent, context)).toEqual({
      checkpoint: 7,
      state: { totalStreams: 3, totalChangesets: 7, totalEvents: 14, maxStreamLength: 3 },
    });
    expect(responseOf(await statistics()).body).toEqual({
      total_streams: 3,
      total_changesets: 7,
      total_events: 14,
      max_stream_length: 3,
      statistics_version: 7,
    });
  });

  it('stops before the function times out and lets the next run go on', async () => {
    const store = await storeWith(5);
    const handler = createStatisticsHandler({ store, pageSize: 1, stopBeforeTimeoutMs: 10_000 });
    // Already within the margin: the pass stops before reading anything.
    expect(
      (await handler(scheduledEvent, { getRemainingTimeInMillis: () => 5_000 })).checkpoint,
    ).toBe(0);
    expect(await store.readProjection('statistics')).toBeUndefined();
    expect(
      (await handler(scheduledEvent, { getRemainingTimeInMillis: () => 60_000 })).checkpoint,
    ).toBe(5);
  });

  it('counts nothing twice when two runs overlap', async () => {
    const store = await storeWith(9);
    const handler = createStatisticsHandler({ store, pageSize: 1 });
    const [a, b] = await Promise.all([handler(scheduledEvent), handler(scheduledEvent)]);
    expect(a).toEqual(b);
    expect(a.state).toMatchObject({ totalChangesets: 9, totalEvents: 18 });
  });
});
