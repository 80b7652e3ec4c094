import { DEFAULT_URL } from './commands/index.js';
import type { Setting } from './settings.js';
import { SETTINGS } from './settings.js';

/**
 * The text of `ees --help`, generated from the settings table so that every flag and
 * environment variable is listed with its real default.
 */
export function helpText(version: string): string {
  const usage = (s: Setting): string =>
    s.placeholder === undefined ? `--${s.flag}` : `--${s.flag} <${s.placeholder}>`;
  const flagColumn = Math.max(...SETTINGS.map((s) => usage(s).length));
  const settings = SETTINGS.flatMap((s: Setting) => [
    `  ${usage(s).padEnd(flagColumn)}  ${s.description}`,
    `  ${''.padEnd(flagColumn)}  env ${s.env}, default ${s.defaultText === '' ? 'none' : s.defaultText}`,
  ]);
  return [
    `ees ${version}: the Elastic Event Store HTTP server and its command-line client`,
    '',
    'Usage:',
    '  ees serve [options]   serve the HTTP API until SIGTERM or SIGINT',
    '  ees append <stream> [--expected-changeset N | --expected-event N] [--metadata JSON]',
    '             <events JSON | ->',
    '                        commit a changeset: a JSON array of events, or one event object',
    '                        (- reads them from stdin); without an expectation the stream',
    '                        must not exist yet',
    '  ees read <stream> [--events] [--from N] [--to N]',
    "                        print a stream's changesets (or events) in an inclusive range",
    '  ees tail [<stream>] [--events] [--checkpoint N | --from N]',
    '                        print every changeset (or event) from the start, or from',
    '                        checkpoint N (a stream: from changeset or event N), then each new',
    '                        one as it is committed, until Ctrl-C',
    '  ees stats             print the statistics (GET /streams)',
    '  ees copy --from <database-url> --to <database-url> [--page-size N]',
    '                        copy every changeset of one store into another (e.g. SQLite',
    '                        to PostgreSQL) with their numbers and timestamps; run again,',
    '                        it goes on where it stopped',
    '  ees help, ees --help  show this text',
    '  ees --version         print the version',
    '',
    'Options of append, read, tail and stats:',
    '  --url <url>      the server; env EES_URL, default ' + DEFAULT_URL,
    '  --token <token>  sent as "Authorization: Bearer <token>"; env EES_TOKEN (preferred:',
    '                   flags are visible to other users of the machine)',
    "  --json           one JSON object per line, in the HTTP API's snake_case shapes",
    '',
    'Options of ees serve (a flag wins over its environment variable):',
    ...settings,
    '',
    'Database URLs:',
    '  sqlite:<file>     a SQLite file, relative to the working directory or absolute;',
    '                    missing directories are created',
    '  sqlite::memory:   a throwaway SQLite database',
    '  memory:           the in-memory reference store (nothing survives a restart)',
    '  postgres://user:password@host:5432/database?schema=ees&pool_size=10',
    '                    PostgreSQL (also postgresql://); the schema is created and migrated',
    '                    on start; other query parameters go to node-postgres (sslmode=...)',
    '  dynamodb://<table>?region=<region>&endpoint=<url>&create=true',
    '                    DynamoDB (parameters optional; credentials from the AWS environment);',
    '                    create=true creates a missing table; the server indexes its stream',
    '',
    'Access control:',
    '  With any API token set, every endpoint but /version and /health/* needs',
    '  "Authorization: Bearer <token>"; a read token may not commit. Bound to an address',
    '  other than loopback (127.0.0.0/8, ::1, localhost) without tokens, ees serve refuses',
    '  to start unless --insecure is given.',
    '',
    'Exit codes: 0 after a graceful shutdown, 1 when the store or the port cannot be opened,',
    '2 for an invalid setting or command line. Client commands: 0 on success (tail: after',
    'Ctrl-C), 1 when the server refuses the request or cannot be reached, 2 for an invalid',
    'command line, 130 (Ctrl-C) or 143 (SIGTERM) when interrupted before the answer came.',
    '',
  ].join('\n');
}
