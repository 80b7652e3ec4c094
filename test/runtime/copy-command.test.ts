import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_STREAM } from '../../src/core/index.js';
import { openSqliteStore } from '../../src/stores/sqlite/index.js';
import {
  POSTGRES_URL,
  describePostgres,
  dropSchemas,
  uniqueSchema,
  withAdmin,
} from '../stores/postgres-database.js';
import { runEes } from './cli-process.js';
import { waitFor } from './wait-for.js';

/** `ees copy` as a user runs it: the built command, on real files and a real PostgreSQL. */

let dir: string;
let source: string;

/** Runs `ees <args>` to its end. */
async function ees(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const run = runEes(args);
  const { code } = await run.exited;
  return { code, out: run.stdout(), err: run.stderr() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ees-copy-'));
  source = `sqlite:${join(dir, 'source.db')}`;
  const store = openSqliteStore({ filename: join(dir, 'source.db') });
  for (const streamId of ['a', 'b', 'a']) {
    const [existing] = (await store.readChangesets(streamId, {})) ?? [];
    await store.commit({
      streamId,
      expectation: existing === undefined ? NEW_STREAM : { kind: 'changeset', lastChangesetId: 1 },
      events: [{ type: 'made', streamId }],
      metadata: {},
    });
  }
  await store.close();
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ees copy', () => {
  it('copies a SQLite file into another, and says there is nothing left on a second run', async () => {
    const target = `sqlite:${join(dir, 'target.db')}`;
    expect(await ees(['copy', '--from', source, '--to', target])).toEqual({
      code: 0,
      out: `3 changesets copied from ${source} to ${target}; the source's enumeration ends at checkpoint 3\n`,
      err: '',
    });
    expect(await ees(['copy', '--from', source, '--to', target])).toEqual({
      code: 0,
      out: `0 changesets copied from ${source} to ${target}, going on from checkpoint 3; the source's enumeration ends at checkpoint 3\n`,
      err: '',
    });
  });

  it('refuses a target that is not a copy of the source, exit code 1', async () => {
    const target = join(dir, 'other.db');
    const other = openSqliteStore({ filename: target });
    await other.commit({ streamId: 'b', expectation: NEW_STREAM, events: [{}], metadata: {} });
    await other.close();
    const result = await ees(['copy', '--from', source, '--to', `sqlite:${target}`]);
    expect(result).toEqual({
      code: 1,
      out: '',
      err:
        'ees: stopped with 1 changeset copied\n' +
        'ees: copy failed: The target holds a different changeset 1 of stream "b": it is not a copy of the source.\n',
    });
  });

  it('stops at Ctrl-C saying how far it came, and a second run goes on from there', async () => {
    const big = join(dir, 'big.db');
    const store = openSqliteStore({ filename: big });
    await Promise.all(
      Array.from({ length: 3000 }, (_, index) =>
        store.commit({
          streamId: `s-${index}`,
          expectation: NEW_STREAM,
          events: [{ index }],
          metadata: {},
        }),
      ),
    );
    await store.close();
    const target = join(dir, 'big-copy.db');
    // A page per changeset, each its own transaction, for a copy slow enough to interrupt.
    const run = runEes([
      'copy',
      '--from',
      `sqlite:${big}`,
      '--to',
      `sqlite:${target}`,
      '--page-size',
      '1',
    ]);
    // Interrupted once the copy is under way: the target's file holds a first changeset.
    const copiedSoFar = (): number => {
      const copy = new Database(target, { readonly: true, fileMustExist: true });
      try {
        return (copy.prepare('SELECT count(*) AS n FROM changesets').get() as { n: number }).n;
      } finally {
        copy.close();
      }
    };
    // A missing file or table throws, which counts as "not yet".
    await waitFor(() => Promise.resolve().then(() => copiedSoFar() > 0));
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 130, signal: null });
    const stopped =
      /^ees: stopped with (\d+) changesets? copied; the same command goes on from there\nees: interrupted\n$/.exec(
        run.stderr(),
      );
    expect(stopped, run.stderr()).not.toBeNull();
    const copied = Number(stopped?.[1]);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(3000);

    const again = await ees(['copy', '--from', `sqlite:${big}`, '--to', `sqlite:${target}`]);
    expect(again).toEqual({
      code: 0,
      out: `${3000 - copied} changesets copied from sqlite:${big} to sqlite:${target}, going on from checkpoint ${copied}; the source's enumeration ends at checkpoint 3000\n`,
      // On a slow machine the copy takes long enough for a progress line or two.
      err: expect.stringMatching(/^(ees: \d+ changesets copied, at checkpoint \d+\n)*$/) as unknown,
    });
  }, 60_000);

  it('says so when the source holds nothing, exit code 1', async () => {
    await openSqliteStore({ filename: join(dir, 'empty.db') }).close();
    const empty = `sqlite:${join(dir, 'empty.db')}`;
    const result = await ees(['copy', '--from', empty, '--to', `sqlite:${join(dir, 'x.db')}`]);
    expect(result).toEqual({
      code: 1,
      out: '',
      err: `ees: the source ${empty} holds no changesets: nothing to copy (is --from right?)\n`,
    });
  });

  it('refuses a source file that does not exist, and does not make one, exit code 1', async () => {
    const missing = join(dir, 'missing.db');
    const result = await ees([
      'copy',
      '--from',
      `sqlite:${missing}`,
      '--to',
      `sqlite:${join(dir, 'y.db')}`,
    ]);
    expect(result).toEqual({
      code: 1,
      out: '',
      err: `ees: cannot open database URL "sqlite:${missing}": no file "${missing}"\n`,
    });
    expect(existsSync(missing)).toBe(false);
  });

  it.each([
    [['--from', 'sqlite:x.db'], 'copy: both --from and --to are required; see "ees --help"'],
    [['--from', 'sqlite:x.db', '--to', 'sqlite:x.db'], 'copy: --from and --to name the same store'],
    [['--from', 'a', '--to', 'b', 'extra'], 'copy: unexpected argument "extra"; see "ees --help"'],
    [
      ['--from', 'sqlite:a', '--to', 'sqlite:b', '--page-size', '0'],
      'invalid --page-size value "0": expected at least 1',
    ],
  ])('refuses %j with exit code 2', async (args, message) => {
    expect(await ees(['copy', ...args])).toEqual({ code: 2, out: '', err: `ees: ${message}\n` });
  });
});

describePostgres('ees copy into PostgreSQL', () => {
  const schema = uniqueSchema('ees_copy_cli');
  afterAll(() => dropSchemas(schema));

  it('copies the file into a schema, the password left out of what it prints', async () => {
    const url = new URL(POSTGRES_URL);
    url.password = 'not-shown';
    url.searchParams.set('schema', schema);
    const shown = url.href.replace(':not-shown@', ':***@');
    expect(await ees(['copy', '--from', source, '--to', url.href])).toEqual({
      code: 0,
      out: `3 changesets copied from ${source} to ${shown}; the source's enumeration ends at checkpoint 3\n`,
      err: '',
    });
  });

  it('refuses a source schema that does not exist, and does not make one', async () => {
    const missing = uniqueSchema('ees_copy_missing');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', missing);
    const result = await ees(['copy', '--from', url.href, '--to', `sqlite:${join(dir, 'z.db')}`]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`The schema "${missing}" does not exist.`);
    const found = await withAdmin((client) =>
      client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [missing]),
    );
    expect(found.rowCount).toBe(0);
  });
});
