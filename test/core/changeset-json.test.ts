import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changesetFromJson, changesetJsonOf, utf8Length } from '../../src/core/index.js';
import { FC_SEED } from '../setup/fast-check.js';

const FIELDS = {
  streamId: 's',
  changesetId: 2,
  firstEventId: 3,
  lastEventId: 4,
  timestamp: '2026-11-27T00:00:00.000Z',
  checkpoint: 7,
};

describe('changesetFromJson', () => {
  const json = { events: '[{"n":1},{"__proto__":{"x":-1}}]', metadata: '{"by":"é"}' };

  it('reads as the parsed changeset to every reader', () => {
    const parsed = {
      ...FIELDS,
      events: JSON.parse(json.events) as unknown,
      metadata: JSON.parse(json.metadata) as unknown,
    };
    const changeset = changesetFromJson(FIELDS, json);
    expect(changeset).toEqual(parsed);
    expect({ ...changeset }).toEqual(parsed);
    expect(JSON.parse(JSON.stringify(changeset))).toEqual(parsed);
    expect(Object.keys(changeset).sort()).toEqual(Object.keys(parsed).sort());
    expect(structuredClone(changeset)).toEqual(parsed);
  });

  it('parses once, on first read, and keeps what it parsed', () => {
    const changeset = changesetFromJson(FIELDS, json);
    expect(changeset.events).toBe(changeset.events);
    expect(changeset.metadata).toBe(changeset.metadata);
    expect(Object.hasOwn(changeset.events[1] ?? {}, '__proto__')).toBe(true);
  });
});

describe('changesetJsonOf', () => {
  it('uses the JSON a request carries, or serialises its events and metadata', () => {
    const request = {
      streamId: 's',
      expectation: { kind: 'changeset', lastChangesetId: 0 } as const,
      events: [{ n: 1 }],
      metadata: { m: true },
    };
    expect(changesetJsonOf(request)).toEqual({ events: '[{"n":1}]', metadata: '{"m":true}' });
    const json = { events: '[{"n":1}]', metadata: '{}' };
    expect(changesetJsonOf({ ...request, json })).toBe(json);
  });
});

describe('utf8Length', () => {
  it('counts what TextEncoder writes, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const text of [
      '',
      'abc',
      'é',
      '€',
      '😀',
      '\ud800',
      '\udc00x',
      'a\ud83d',
      '\ud83d\ude00\ud83d',
    ]) {
      expect([text, utf8Length(text)]).toEqual([text, encoder.encode(text).byteLength]);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Length(text)).toBe(encoder.encode(text).byteLength);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });
});
