import { SETTINGS } from './settings.js';

/**
 * The text of `ees --help`, generated from the settings table so that every flag and
 * environment variable is listed with its real default.
 */
export function helpText(version: string): string {
  const usage = (s: (typeof SETTINGS)[number]): string => `--${s.flag} <${s.placeholder}>`;
  const flagColumn = Math.max(...SETTINGS.map((s) => usage(s).length));
  const settings = SETTINGS.flatMap((s) => [
    `  ${usage(s).padEnd(flagColumn)}  ${s.description}`,
    `  ${''.padEnd(flagColumn)}  env ${s.env}, default ${s.defaultText}`,
  ]);
  return [
    `ees ${version}: the Elastic Event Store HTTP server`,
    '',
    'Usage:',
    '  ees serve [options]   serve the HTTP API until SIGTERM or SIGINT',
    '  ees help, ees --help  show this text',
    '  ees --version         print the version',
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
    'Exit codes: 0 after a graceful shutdown, 1 when the store or the port cannot be opened,',
    '2 for an invalid setting or command line.',
    '',
  ].join('\n');
}
