import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EesError, parsePage } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import { parseChangesetBody } from '../../src/http/commit-body.js';
import { openApiDocument } from '../../src/http/openapi/document.js';
import { openApiDocument as generateDocument } from '../../tools/openapi/document.js';
import { ChangesetBody, PageQuery } from '../../tools/openapi/schemas.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { FC_SEED } from '../setup/fast-check.js';

const LIMITS = { maxChangesetBytes: 1_000_000, maxEventsPerChangeset: 1000 };

/** Whether the commit route's own check accepts `body` (anything else is a 4xx EesError). */
function accepted(body: unknown): boolean {
  try {
    parseChangesetBody('s', JSON.stringify(body), LIMITS);
    return true;
  } catch (error) {
    if (error instanceof EesError) return false;
    throw error;
  }
}

/** JSON values of every kind, bodies and near-bodies among them. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const bodyLike = fc.oneof(
  json,
  fc.record(
    { events: fc.oneof(json, fc.array(json, { maxLength: 3 })), metadata: json },
    { requiredKeys: [] },
  ),
);

describe('the commit body check and the documented ChangesetBody schema', () => {
  it('agree on every body: the document describes what the route accepts', () => {
    fc.assert(
      fc.property(bodyLike, (body) => {
        expect(accepted(body)).toBe(ChangesetBody.safeParse(body).success);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it('agree on the edge cases', () => {
    for (const body of [
      { events: [{}] },
      { events: [{ a: 1 }], metadata: {} },
      { events: [] },
      { events: [[]] },
      { events: [{}, null] },
      { events: [{}], metadata: null },
      { events: [{}], metadata: [] },
      { events: {} },
      { metadata: {} },
      [],
      'text',
      { events: [{}], extra: 1 },
    ]) {
      expect([body, accepted(body)]).toEqual([body, ChangesetBody.safeParse(body).success]);
    }
  });
});

describe('the query parameters of the document and of the server', () => {
  it('agree on which limits a page takes', () => {
    for (const limit of ['', '0', '00', '1', '01', '10', '1000', 'x', '-1', '1.5', ' 1']) {
      const serverTakes = (() => {
        try {
          parsePage({ checkpoint: undefined, limit });
          return true;
        } catch {
          return false;
        }
      })();
      expect([limit, PageQuery.safeParse({ limit }).success]).toEqual([limit, serverTakes]);
    }
  });
});

describe('the served OpenAPI document', () => {
  it.each([false, true])(
    'is the one the zod schemas generate (bearer %s): run npm run openapi if not',
    (bearer) => {
      const options = { version: '1.2.3', bearer };
      expect(openApiDocument(options)).toEqual(generateDocument(options));
    },
  );
});

describe('GET /openapi.json', () => {
  // Its paths are checked by the contract suite (test/http/contract.ts).
  it('is served with the server version, the same each time', async () => {
    const app = createApp({ store: createMemoryStore(), version: '9.9.9' });
    const first = await (await app.request('/openapi.json')).text();
    const second = await (await app.request('/openapi.json')).text();
    expect(second).toBe(first);
    const doc = JSON.parse(first) as { info: { version: string } };
    expect(doc.info.version).toBe('9.9.9');
  });
});
