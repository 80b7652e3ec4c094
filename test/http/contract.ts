import { Buffer } from 'node:buffer';
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from './client.js';
import { documentedClient } from './documented.js';

/** What the contract suite runs against: an HTTP client and a way to refresh statistics. */
export interface ContractTarget {
  readonly client: HttpClient;
  /** Runs the statistics projector once, as the periodic one would. */
  readonly refreshStatistics: () => Promise<void>;
  readonly close: () => Promise<void>;
}

const PACKAGE_VERSION = '0.1.0';

const json = (value: unknown) => JSON.stringify(value);
const e = encodeURIComponent;

/**
 * Every case of ../shared/api-contract.md, compared as whole bodies, the way existing clients
 * compare them. Run against each store and each way of serving the app.
 */
export function testContract(name: string, target: () => Promise<ContractTarget>): void {
  describe(`HTTP contract: ${name}`, () => {
    let t: ContractTarget;
    let call: HttpClient;
    /** Answers the OpenAPI document does not describe, checked after each test. */
    let undocumented: string[] = [];
    beforeEach(async () => {
      t = await target();
      undocumented = [];
      call = documentedClient(t.client, (reason) => undocumented.push(reason));
    });
    afterEach(async () => {
      await t.close();
      expect(undocumented, 'answers missing from GET /openapi.json').toEqual([]);
    });

    const commit = async (streamId: string, events: unknown[], query = '', metadata?: unknown) =>
      call(
        'POST',
        `/streams/${e(streamId)}${query}`,
        json(metadata === undefined ? { events } : { events, metadata }),
      );

    /** A stream whose first changeset has 2 events and second has 3 (events 1..5). */
    const seedAccount = async (streamId = 'account-1') => {
      await commit(streamId, [{ type: 'opened' }, { type: 'deposited', amount: 10 }], '', {
        by: 'alice',
      });
      await commit(
        streamId,
        [{ type: 'withdrawn', amount: 3 }, { type: 'deposited', amount: 7 }, { type: 'closed' }],
        '?expected_last_changeset=1',
        { by: 'bob' },
      );
    };
    const first = {
      changeset_id: 1,
      events: [{ type: 'opened' }, { type: 'deposited', amount: 10 }],
      metadata: { by: 'alice' },
    };
    const second = {
      changeset_id: 2,
      events: [
        { type: 'withdrawn', amount: 3 },
        { type: 'deposited', amount: 7 },
        { type: 'closed' },
      ],
      metadata: { by: 'bob' },
    };

    const expectNothingWritten = async (streamId: string) => {
      expect(await call('GET', `/streams/${e(streamId)}/changesets`)).toMatchObject({
        status: 404,
      });
      expect((await call('GET', '/changesets')).body).toMatchObject({ changesets: [] });
    };

    describe('GET /version', () => {
      it('answers the package version', async () => {
        expect(await call('GET', '/version')).toEqual({
          status: 200,
          contentType: 'application/json',
          body: { version: PACKAGE_VERSION },
        });
      });
    });

    describe('POST /streams/{stream_id}', () => {
      it('commits the first changeset of a new stream without any expectation', async () => {
        expect(await commit('s', [{ a: 1 }])).toEqual({
          status: 200,
          contentType: 'application/json',
          body: { stream_id: 's', changeset_id: 1 },
        });
      });

      it('treats both parameters given as empty strings as a new-stream expectation', async () => {
        const response = await commit(
          's',
          [{ a: 1 }],
          '?expected_last_changeset=&expected_last_event=',
        );
        expect(response).toMatchObject({ status: 200, body: { stream_id: 's', changeset_id: 1 } });
        const again = await commit(
          's',
          [{ a: 2 }],
          '?expected_last_changeset=&expected_last_event=',
        );
        expect(again).toMatchObject({
          status: 409,
          body: { error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION' },
        });
      });

      it('uses the non-empty parameter when the other is an empty string', async () => {
        await commit('s', [{ a: 1 }]);
        expect(
          await commit('s', [{ a: 2 }], '?expected_last_changeset=1&expected_last_event='),
        ).toMatchObject({ status: 200, body: { changeset_id: 2 } });
        expect(
          await commit('s', [{ a: 3 }], '?expected_last_changeset=&expected_last_event=2'),
        ).toMatchObject({ status: 200, body: { changeset_id: 3 } });
      });

      it('commits by expected last changeset and by expected last event', async () => {
        await seedAccount();
        expect(await commit('account-1', [{ x: 1 }], '?expected_last_changeset=2')).toMatchObject({
          status: 200,
          body: { stream_id: 'account-1', changeset_id: 3 },
        });
        expect(await commit('account-1', [{ x: 2 }], '?expected_last_event=6')).toMatchObject({
          status: 200,
          body: { stream_id: 'account-1', changeset_id: 4 },
        });
        expect(await commit('fresh', [{ x: 1 }], '?expected_last_event=0')).toMatchObject({
          status: 200,
          body: { stream_id: 'fresh', changeset_id: 1 },
        });
      });

      it('stores an omitted metadata as {}', async () => {
        await commit('s', [{ a: 1 }]);
        expect((await call('GET', '/streams/s/changesets')).body).toEqual({
          stream_id: 's',
          changesets: [{ changeset_id: 1, events: [{ a: 1 }], metadata: {} }],
        });
      });

      it('rejects both expectations at once', async () => {
        expect(
          await commit('s', [{ a: 1 }], '?expected_last_changeset=1&expected_last_event=1'),
        ).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 's',
            error: 'BOTH_EXPECTED_CHANGESET_AND_EVENT_ARE_SET',
            message:
              'Cannot use both "last_changeset_id" and "last_event_id" for concurrency management. Specify only one value.',
          },
        });
        await expectNothingWritten('s');
      });

      it.each(['abc', '-1', '1.5', '1e3', '0x10', '99999999999999999999'])(
        'rejects an invalid expected changeset %j with the raw value',
        async (raw) => {
          expect(await commit('s', [{ a: 1 }], `?expected_last_changeset=${e(raw)}`)).toEqual({
            status: 400,
            contentType: 'application/json',
            body: {
              stream_id: 's',
              error: 'INVALID_EXPECTED_CHANGESET_ID',
              message: `The specified expected changeset id("${raw}") is invalid. Expected a positive integer.`,
            },
          });
          await expectNothingWritten('s');
        },
      );

      it.each(['abc', '-5', '2.0'])(
        'rejects an invalid expected event %j with the raw value',
        async (raw) => {
          expect(await commit('s', [{ a: 1 }], `?expected_last_event=${e(raw)}`)).toEqual({
            status: 400,
            contentType: 'application/json',
            body: {
              stream_id: 's',
              error: 'INVALID_EXPECTED_EVENT_ID',
              message: `The specified expected event id("${raw}") is invalid. Expected a positive integer.`,
            },
          });
        },
      );

      it('answers a stale changeset expectation with 409 and every changeset after it', async () => {
        await seedAccount();
        expect(await commit('account-1', [{ late: true }], '?expected_last_changeset=1')).toEqual({
          status: 409,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
            message:
              'The expected last changeset (1) is outdated, review the changeset(s) appended after it.',
            forthcoming_changesets: [second],
          },
        });
      });

      it('answers an expectation of 0 on an existing stream with the stream from changeset 1', async () => {
        await seedAccount();
        expect(await commit('account-1', [{ late: true }])).toEqual({
          status: 409,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
            message:
              'The expected last changeset (0) is outdated, review the changeset(s) appended after it.',
            forthcoming_changesets: [first, second],
          },
        });
      });

      it('answers a stale event expectation with every changeset holding a later event', async () => {
        await seedAccount();
        // Event 4 is inside changeset 2 (events 3..5): changeset 2 holds events after it.
        expect(await commit('account-1', [{ late: true }], '?expected_last_event=4')).toEqual({
          status: 409,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'OPTIMISTIC_CONCURRENCY_EXCEPTION',
            message:
              'The expected last event (4) is outdated, review the changeset(s) appended after it.',
            forthcoming_changesets: [second],
          },
        });
        expect(
          (await commit('account-1', [{ late: true }], '?expected_last_event=2')).body,
        ).toMatchObject({
          forthcoming_changesets: [second],
        });
        expect(
          (await commit('account-1', [{ late: true }], '?expected_last_event=1')).body,
        ).toMatchObject({
          forthcoming_changesets: [first, second],
        });
      });

      it('rejects a changeset expectation ahead of the stream', async () => {
        await seedAccount();
        expect(await commit('account-1', [{ a: 1 }], '?expected_last_changeset=7')).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'INVALID_EXPECTED_CHANGESET_ID',
            message:
              'The specified expected changeset(7) doesn\'t exist. The "account-1" stream\'s most recent changeset is 2.',
          },
        });
      });

      it('rejects an event expectation ahead of the stream, keeping the changeset code', async () => {
        await seedAccount();
        expect(await commit('account-1', [{ a: 1 }], '?expected_last_event=9')).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'INVALID_EXPECTED_CHANGESET_ID',
            message:
              'The specified expected event(9) doesn\'t exist. The "account-1" stream\'s most recent event is 5.',
          },
        });
      });

      it('rejects an expectation on a stream that does not exist', async () => {
        expect(await commit('ghost', [{ a: 1 }], '?expected_last_changeset=3')).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 'ghost',
            error: 'INVALID_EXPECTED_CHANGESET_ID',
            message:
              'The specified expected changeset(3) doesn\'t exist. The "ghost" stream\'s most recent changeset is 0.',
          },
        });
        await expectNothingWritten('ghost');
      });

      it('answers an empty stream id with MISSING_STREAM_ID', async () => {
        expect(await call('POST', '/streams/', json({ events: [{ a: 1 }] }))).toEqual({
          status: 400,
          contentType: 'application/json',
          body: { error: 'MISSING_STREAM_ID', message: 'stream_id is a required value' },
        });
      });

      const badBodies: [string, string | undefined, string][] = [
        ['not JSON', '{"events": [', 'INVALID_JSON'],
        ['empty', '', 'INVALID_JSON'],
        ['absent', undefined, 'INVALID_JSON'],
        ['a JSON array', '[{"a":1}]', 'INVALID_BODY'],
        ['a JSON string', '"events"', 'INVALID_BODY'],
        ['null', 'null', 'INVALID_BODY'],
        ['without events', '{"metadata":{}}', 'MISSING_EVENTS'],
        ['with empty events', '{"events":[]}', 'INVALID_EVENTS'],
        ['with events not an array', '{"events":{"a":1}}', 'INVALID_EVENTS'],
        ['with a non-object event', '{"events":[{"a":1},2]}', 'INVALID_EVENTS'],
        ['with an array event', '{"events":[[1]]}', 'INVALID_EVENTS'],
        ['with a null event', '{"events":[null]}', 'INVALID_EVENTS'],
        ['with array metadata', '{"events":[{"a":1}],"metadata":[]}', 'INVALID_METADATA'],
        ['with string metadata', '{"events":[{"a":1}],"metadata":"x"}', 'INVALID_METADATA'],
        ['with null metadata', '{"events":[{"a":1}],"metadata":null}', 'INVALID_METADATA'],
        [
          'with an integer a float rounds',
          '{"events":[{"a":1},{"id":12345678901234567890}]}',
          'INVALID_EVENTS',
        ],
        ['with a number beyond a float', '{"events":[{"n":[1,-1e400]}]}', 'INVALID_EVENTS'],
        ['with a number a float makes 0', '{"events":[{"n":1e-400}]}', 'INVALID_EVENTS'],
        [
          'with an inexact number in metadata',
          '{"events":[{"a":1}],"metadata":{"n":9007199254740993}}',
          'INVALID_METADATA',
        ],
      ];
      it.each(badBodies)('rejects a body %s with 400 and writes nothing', async (_, body, code) => {
        const response = await call('POST', '/streams/s', body);
        expect(response).toEqual({
          status: 400,
          contentType: 'application/json',
          body: { stream_id: 's', error: code, message: expect.any(String) as string },
        });
        await expectNothingWritten('s');
      });

      it('says which event holds a number it cannot keep exactly', async () => {
        const body =
          '{"events":[{"a":"12345678901234567890"},{"b":{"c":[0.1,1.2345678901234567891]}}]}';
        expect(await call('POST', '/streams/s', body)).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 's',
            error: 'INVALID_EVENTS',
            message:
              'events[1] holds the number 1.2345678901234567891, which a 64-bit float cannot keep exactly: send it as a string.',
          },
        });
        await expectNothingWritten('s');
      });

      it('keeps every number a float holds exactly, and ignores fields it does not store', async () => {
        const body =
          '{"ignored":1e400,"events":[{"max":9007199254740991,"pow":9007199254740992,"e":1E21,"f":0.1,"g":1.0,"neg":-0,"tiny":5e-324,"text":"1e400"}]}';
        expect(await call('POST', '/streams/numbers', body)).toMatchObject({ status: 200 });
        expect((await call('GET', '/streams/numbers/events')).body).toEqual({
          stream_id: 'numbers',
          events: [
            {
              id: 1,
              data: {
                max: 9007199254740991,
                pow: 9007199254740992,
                e: 1e21,
                f: 0.1,
                g: 1,
                neg: 0,
                tiny: 5e-324,
                text: '1e400',
              },
            },
          ],
        });
      });

      it('rejects a body that is not UTF-8 with INVALID_JSON and writes nothing', async () => {
        const body = Buffer.concat([
          Buffer.from('{"events":[{"a":"'),
          Buffer.from([0xc3, 0x28]),
          Buffer.from('"}]}'),
        ]);
        expect(await call('POST', '/streams/s', new Uint8Array(body))).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 's',
            error: 'INVALID_JSON',
            message: 'The request body is not valid JSON: the body is not UTF-8',
          },
        });
        await expectNothingWritten('s');
      });

      it('rejects a changeset over 400 KB with 413 and writes nothing', async () => {
        const response = await commit('s', [{ blob: 'x'.repeat(400 * 1024) }]);
        expect(response).toEqual({
          status: 413,
          contentType: 'application/json',
          body: {
            stream_id: 's',
            error: 'CHANGESET_TOO_LARGE',
            message: expect.any(String) as string,
          },
        });
        await expectNothingWritten('s');
      });

      it('rejects a request body far over the limit before reading it whole', async () => {
        const response = await call('POST', '/streams/s', ' '.repeat(2 * 1024 * 1024));
        expect(response).toMatchObject({ status: 413, body: { error: 'CHANGESET_TOO_LARGE' } });
        await expectNothingWritten('s');
      });

      it('accepts and returns intact a changeset just under 400 KB', async () => {
        const events = [{ blob: 'é'.repeat(100 * 1024) }, { blob: 'x'.repeat(190 * 1024) }];
        expect(await commit('big', events)).toMatchObject({ status: 200 });
        expect((await call('GET', '/streams/big/changesets')).body).toEqual({
          stream_id: 'big',
          changesets: [{ changeset_id: 1, events, metadata: {} }],
        });
      });

      it.each(['a/b', 'ünïcødé 流 🚀', 'with space', '%41', '100%', 'quote"\'', '?#&='])(
        'accepts the stream id %j, URL-encoded',
        async (streamId) => {
          expect(await commit(streamId, [{ a: 1 }])).toMatchObject({
            status: 200,
            body: { stream_id: streamId, changeset_id: 1 },
          });
          expect((await call('GET', `/streams/${e(streamId)}/events`)).body).toEqual({
            stream_id: streamId,
            events: [{ id: 1, data: { a: 1 } }],
          });
          expect((await call('GET', '/changesets')).body).toMatchObject({
            changesets: [{ stream_id: streamId, checkpoint: 0 }],
          });
        },
      );
    });

    describe('GET /streams/{stream_id}/changesets', () => {
      beforeEach(async () => {
        await seedAccount();
        await commit('account-1', [{ n: 6 }], '?expected_last_changeset=2');
      });
      const third = { changeset_id: 3, events: [{ n: 6 }], metadata: {} };
      const read = (query: string) => call('GET', `/streams/account-1/changesets${query}`);

      it.each([
        ['', [first, second, third]],
        ['?from=2', [second, third]],
        ['?to=2', [first, second]],
        ['?from=2&to=2', [second]],
        ['?from=&to=', [first, second, third]],
        ['?from=0&to=1', [first]],
        ['?from=4', []],
        ['?from=9&to=12', []],
      ])('reads %j', async (query, changesets) => {
        expect(await read(query)).toEqual({
          status: 200,
          contentType: 'application/json',
          body: { stream_id: 'account-1', changesets },
        });
      });

      it('answers an unknown stream with 404', async () => {
        expect(await call('GET', '/streams/nobody/changesets')).toEqual({
          status: 404,
          contentType: 'application/json',
          body: {
            stream_id: 'nobody',
            error: 'STREAM_NOT_FOUND',
            message: "The specified stream(nobody) doesn't exist",
          },
        });
      });

      it.each(['?from=a', '?to=1.5', '?from=-1', '?from=1&to=x'])(
        'rejects the bound %j',
        async (query) => {
          expect(await read(query)).toEqual({
            status: 400,
            contentType: 'application/json',
            body: {
              stream_id: 'account-1',
              error: 'INVALID_CHANGESET_FILTERING_PARAMS',
              message: 'The filtering params(from, to) have to be positive integer values',
            },
          });
        },
      );

      it('rejects from > to', async () => {
        expect(await read('?from=3&to=2')).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'INVALID_CHANGESET_FILTERING_PARAMS',
            message: 'The higher boundary cannot be lower than the lower boundary: 3(from) > 2(to)',
          },
        });
      });

      it('answers an empty stream id with MISSING_STREAM_ID', async () => {
        expect(await call('GET', '/streams//changesets')).toEqual({
          status: 400,
          contentType: 'application/json',
          body: { error: 'MISSING_STREAM_ID', message: 'stream_id is a required value' },
        });
      });
    });

    describe('GET /streams/{stream_id}/events', () => {
      beforeEach(async () => {
        await seedAccount();
      });
      const all = [
        { id: 1, data: { type: 'opened' } },
        { id: 2, data: { type: 'deposited', amount: 10 } },
        { id: 3, data: { type: 'withdrawn', amount: 3 } },
        { id: 4, data: { type: 'deposited', amount: 7 } },
        { id: 5, data: { type: 'closed' } },
      ];
      const read = (query: string) => call('GET', `/streams/account-1/events${query}`);

      it.each([
        ['', all],
        ['?from=2&to=4', all.slice(1, 4)],
        ['?from=4', all.slice(3)],
        ['?to=1', all.slice(0, 1)],
        ['?from=3&to=3', all.slice(2, 3)],
        ['?from=2&to=2', all.slice(1, 2)],
        ['?from=6', []],
        ['?from=&to=', all],
      ])('reads exactly the events in %j, even inside changesets', async (query, events) => {
        expect(await read(query)).toEqual({
          status: 200,
          contentType: 'application/json',
          body: { stream_id: 'account-1', events },
        });
      });

      it('answers an unknown stream with 404', async () => {
        expect(await call('GET', '/streams/nobody/events')).toMatchObject({
          status: 404,
          body: { stream_id: 'nobody', error: 'STREAM_NOT_FOUND' },
        });
      });

      it('rejects bad bounds with INVALID_EVENT_FILTERING_PARAMS', async () => {
        expect((await read('?from=x')).body).toEqual({
          stream_id: 'account-1',
          error: 'INVALID_EVENT_FILTERING_PARAMS',
          message: 'The filtering params(from, to) have to be positive integer values',
        });
        expect(await read('?from=5&to=1')).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            stream_id: 'account-1',
            error: 'INVALID_EVENT_FILTERING_PARAMS',
            message: 'The higher boundary cannot be lower than the lower boundary: 5(from) > 1(to)',
          },
        });
      });

      it('answers an empty stream id with MISSING_STREAM_ID', async () => {
        expect(await call('GET', '/streams//events')).toMatchObject({
          status: 400,
          body: { error: 'MISSING_STREAM_ID', message: 'stream_id is a required value' },
        });
      });
    });

    describe('GET /changesets', () => {
      const commitFive = async () => {
        await commit('a', [{ n: 1 }]);
        await commit('b', [{ n: 2 }, { n: 3 }]);
        await commit('a', [{ n: 4 }], '?expected_last_changeset=1');
        await commit('c', [{ n: 5 }], '', { m: true });
        await commit('b', [{ n: 6 }], '?expected_last_event=2');
      };

      it('enumerates with the defaults: checkpoint 0, limit 10, no repeats on a short page', async () => {
        await commitFive();
        const response = await call('GET', '/changesets');
        expect(response).toEqual({
          status: 200,
          contentType: 'application/json',
          body: {
            checkpoint: 0,
            limit: 10,
            changesets: [
              { stream_id: 'a', changeset_id: 1, events: [{ n: 1 }], metadata: {}, checkpoint: 0 },
              {
                stream_id: 'b',
                changeset_id: 1,
                events: [{ n: 2 }, { n: 3 }],
                metadata: {},
                checkpoint: 1,
              },
              { stream_id: 'a', changeset_id: 2, events: [{ n: 4 }], metadata: {}, checkpoint: 2 },
              {
                stream_id: 'c',
                changeset_id: 1,
                events: [{ n: 5 }],
                metadata: { m: true },
                checkpoint: 3,
              },
              { stream_id: 'b', changeset_id: 2, events: [{ n: 6 }], metadata: {}, checkpoint: 4 },
            ],
            next_checkpoint: 5,
          },
        });
      });

      it('pages by checkpoint and limit', async () => {
        await commitFive();
        const page = await call('GET', '/changesets?checkpoint=1&limit=2');
        expect(page.body).toMatchObject({
          checkpoint: 1,
          limit: 2,
          changesets: [{ checkpoint: 1 }, { checkpoint: 2 }],
          next_checkpoint: 3,
        });
        const seen: number[] = [];
        let checkpoint = 0;
        for (;;) {
          const { body } = await call('GET', `/changesets?checkpoint=${checkpoint}&limit=2`);
          const { changesets, next_checkpoint } = body as {
            changesets: { checkpoint: number }[];
            next_checkpoint: number;
          };
          if (changesets.length === 0) {
            expect(next_checkpoint).toBe(checkpoint);
            break;
          }
          seen.push(...changesets.map((c) => c.checkpoint));
          checkpoint = next_checkpoint;
        }
        expect(seen).toEqual([0, 1, 2, 3, 4]);
      });

      it('answers a checkpoint past the end with an empty page and the same checkpoint', async () => {
        await commitFive();
        expect((await call('GET', '/changesets?checkpoint=17&limit=3')).body).toEqual({
          checkpoint: 17,
          limit: 3,
          changesets: [],
          next_checkpoint: 17,
        });
      });

      it.each(['-1', 'x', '1.5', ' 1'])('rejects the checkpoint %j', async (raw) => {
        expect(await call('GET', `/changesets?checkpoint=${e(raw)}`)).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            error: 'INVALID_CHECKPOINT',
            message: `"${raw}" is an invalid checkpoint value. Expected a positive integer value.`,
          },
        });
      });

      it.each(['0', '-3', 'ten', '2.5'])('rejects the limit %j', async (raw) => {
        expect(await call('GET', `/changesets?limit=${e(raw)}`)).toEqual({
          status: 400,
          contentType: 'application/json',
          body: {
            error: 'INVALID_LIMIT',
            message: `"${raw}" is an invalid limit value. Expected an integer value greater than 0.`,
          },
        });
      });
    });

    describe('GET /streams (statistics)', () => {
      it('answers 404 before the first run', async () => {
        expect(await call('GET', '/streams')).toEqual({
          status: 404,
          contentType: 'application/json',
          body: { error: 'Statistics are not yet generated' },
        });
      });

      it('answers zeros after a run over an empty store', async () => {
        await t.refreshStatistics();
        expect((await call('GET', '/streams')).body).toEqual({
          total_streams: 0,
          total_changesets: 0,
          total_events: 0,
          max_stream_length: 0,
          statistics_version: 0,
        });
      });

      it('reports totals up to the checkpoint reached, and only after a refresh', async () => {
        await seedAccount('x');
        await commit('y', [{ a: 1 }]);
        await t.refreshStatistics();
        expect(await call('GET', '/streams')).toEqual({
          status: 200,
          contentType: 'application/json',
          body: {
            total_streams: 2,
            total_changesets: 3,
            total_events: 6,
            max_stream_length: 2,
            statistics_version: 3,
          },
        });
        await commit('y', [{ a: 2 }], '?expected_last_changeset=1');
        await commit('y', [{ a: 3 }], '?expected_last_changeset=2');
        expect((await call('GET', '/streams')).body).toMatchObject({ total_changesets: 3 });
        await t.refreshStatistics();
        expect((await call('GET', '/streams')).body).toEqual({
          total_streams: 2,
          total_changesets: 5,
          total_events: 8,
          max_stream_length: 3,
          statistics_version: 5,
        });
      });
    });

    describe('anything else', () => {
      it.each([
        ['GET', '/'],
        ['GET', '/nothing'],
        ['GET', '/streams/s'],
        ['GET', '/streams/s/other'],
        ['PUT', '/streams/s'],
        ['DELETE', '/streams/s'],
        ['POST', '/changesets'],
        ['POST', '/version'],
        ['GET', '/version/'],
      ])('answers %s %s with 404 Invalid endpoint', async (method, path) => {
        expect(await call(method, path)).toEqual({
          status: 404,
          contentType: 'application/json',
          body: { message: 'Invalid endpoint' },
        });
      });
    });

    describe('GET /openapi.json', () => {
      it('describes every endpoint in OpenAPI 3.1', async () => {
        const { status, body } = await call('GET', '/openapi.json');
        expect(status).toBe(200);
        const doc = body as { openapi: string; paths: Record<string, Record<string, unknown>> };
        expect(doc.openapi).toBe('3.1.0');
        expect(Object.keys(doc.paths).sort()).toEqual([
          '/changesets',
          '/events',
          '/health/live',
          '/health/ready',
          '/openapi.json',
          '/streams',
          '/streams/{stream_id}',
          '/streams/{stream_id}/changesets',
          '/streams/{stream_id}/events',
          '/version',
        ]);
        expect(Object.keys(doc.paths['/streams/{stream_id}'] ?? {})).toEqual(['post']);
        // The subscriptions are described with the resources they live on.
        const contentOf = (path: string) =>
          Object.keys(
            (
              doc.paths[path]?.get as {
                responses: Record<string, { content: Record<string, unknown> }>;
              }
            ).responses['200']?.content ?? {},
          );
        for (const path of ['/changesets', '/streams/{stream_id}/changesets']) {
          expect(contentOf(path)).toEqual(['application/json', 'text/event-stream']);
        }
        expect(contentOf('/events')).toEqual(['text/event-stream']);
      });
    });
  });
}
