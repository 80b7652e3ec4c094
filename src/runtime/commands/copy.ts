import type { EventStore } from '../../core/index.js';
import type { CopyProgress } from '../copy.js';
import { CopyMismatchError, copyStore } from '../copy.js';
import { ConfigError, CopyFailedError, describeError, isStartupError } from '../errors.js';
import { redactPassword } from '../redact.js';
import { openStore } from '../stores.js';
import type { ClientCommand } from './context.js';
import { integerFlag, parseFlags, positionals } from './context.js';
import { plural } from './failure.js';

/** Least time between two progress lines, in milliseconds. */
const PROGRESS_EVERY_MS = 2000;

const summary = ({ copied, alreadyThere }: CopyProgress): string =>
  `${plural(copied, 'changeset')} copied${alreadyThere > 0 ? `, ${alreadyThere} there already` : ''}`;

/**
 * `ees copy --from <database URL> --to <database URL>`: every changeset of one store into
 * another (see `copyStore`), to move from SQLite to PostgreSQL, say. Progress goes to standard
 * error every two seconds and the outcome to standard output. Interrupted, or failed, it says
 * how far it came; run again, it goes on from there.
 */
export const copy: ClientCommand = async (context) => {
  const { values, positionals: rest } = parseFlags('copy', context.args, {
    from: { type: 'string' },
    to: { type: 'string' },
    'page-size': { type: 'string' },
  });
  positionals('copy', rest, []);
  const { from, to } = values;
  if (from === undefined || to === undefined) {
    throw new ConfigError('copy: both --from and --to are required; see "ees --help"');
  }
  if (from === to) throw new ConfigError('copy: --from and --to name the same store');
  const pageSize = integerFlag('page-size', values['page-size']);
  if (pageSize === 0) throw new ConfigError('invalid --page-size value "0": expected at least 1');

  const stores: EventStore[] = [];
  let progress: CopyProgress = { copied: 0, alreadyThere: 0, position: 0 };
  try {
    const source = await openStore(from, { existing: true });
    stores.push(source);
    const target = await openStore(to);
    stores.push(target);
    let reported = Date.now();
    const result = await copyStore(source, target, {
      ...(pageSize === undefined ? {} : { pageSize }),
      signal: context.signal,
      onProgress: (next) => {
        progress = next;
        if (Date.now() - reported < PROGRESS_EVERY_MS) return;
        reported = Date.now();
        context.report(`${summary(next)}, at checkpoint ${next.position}`);
      },
    });
    if (result.position === 0) {
      throw new CopyFailedError(
        `the source ${redactPassword(from)} holds no changesets: nothing to copy (is --from right?)`,
      );
    }
    context.write(
      `${summary(result)} from ${redactPassword(from)} to ${redactPassword(to)}` +
        (result.resumedAt > 0 ? `, going on from checkpoint ${result.resumedAt}` : '') +
        `; the source's enumeration ends at checkpoint ${result.position}\n`,
    );
  } catch (error) {
    if (progress.copied + progress.alreadyThere > 0) {
      // Run again, a copy goes on where it stopped; one refused for a mismatch would only
      // stop there again.
      const resumable = !(error instanceof CopyMismatchError);
      context.report(
        `stopped with ${summary(progress)}${resumable ? '; the same command goes on from there' : ''}`,
      );
    }
    if (isStartupError(error)) throw error;
    throw new CopyFailedError(`copy failed: ${describeError(error)}`, { cause: error });
  } finally {
    await Promise.allSettled(stores.map((store) => store.close()));
  }
};
