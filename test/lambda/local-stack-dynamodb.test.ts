import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/lambda/local/index.js';
import { startLocalStack } from '../../src/lambda/local/index.js';
import { dynamoDbLocalEndpoint, suiteTitle } from '../setup/dynamodb-tables.js';

/*
 * The "try it without AWS" stack: the four handlers on DynamoDB Local and fauxqs behind a real
 * local HTTP port, driven with plain HTTP as a user would with curl.
 */

const endpoint = dynamoDbLocalEndpoint();

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(endpoint === undefined)(suiteTitle('the local serverless stack', endpoint), () => {
  let stack: LocalStack;
  const lines: string[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      host: '127.0.0.1',
      version: '0.1.0',
      statsIntervalMs: 200,
      pollIntervalMs: 100,
      dynamoDbEndpoint: endpoint,
      log: (line) => lines.push(line),
    });
  });
  afterAll(async () => {
    await stack.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers the contract over HTTP, indexes in the background and prints what it pushes', async () => {
    expect(await call('GET', '/version')).toEqual({ status: 200, body: { version: '0.1.0' } });
    const streamId = 'account/ü-1';
    const path = `/streams/${encodeURIComponent(streamId)}`;
    expect(await call('POST', path, { events: [{ type: 'opened' }, { n: 2 }] })).toEqual({
      status: 200,
      body: { stream_id: streamId, changeset_id: 1 },
    });
    expect((await call('POST', path, { events: [{ late: 1 }] })).status).toBe(409);

    const page = await eventually(
      () => call('GET', '/changesets'),
      (r) => (r.body.changesets as unknown[]).length === 1,
    );
    expect(page.body.changesets).toEqual([
      {
        stream_id: streamId,
        changeset_id: 1,
        events: [{ type: 'opened' }, { n: 2 }],
        metadata: {},
        checkpoint: 0,
      },
    ]);
    const statistics = await eventually(
      () => call('GET', '/streams'),
      (r) => r.status === 200 && r.body.statistics_version === 1,
    );
    expect(statistics.body).toMatchObject({
      total_streams: 1,
      total_events: 2,
      statistics_version: 1,
    });

    await eventually(
      () => Promise.resolve(lines.filter((line) => line.startsWith('push '))),
      (pushed) => pushed.length === 3,
    );
    const pushed = lines.filter((line) => line.startsWith('push '));
    expect(pushed).toContain(
      `push changesets ${JSON.stringify({ stream_id: streamId, changeset_id: 1, events: [{ type: 'opened' }, { n: 2 }], metadata: {} })}`,
    );
    expect(pushed.filter((line) => line.startsWith('push events'))).toEqual([
      `push events ${JSON.stringify({ stream_id: streamId, changeset_id: 1, event_id: 1, data: { type: 'opened' } })}`,
      `push events ${JSON.stringify({ stream_id: streamId, changeset_id: 1, event_id: 2, data: { n: 2 } })}`,
    ]);
    expect(lines.filter((line) => !line.startsWith('push '))).toEqual([]);
  });
});
