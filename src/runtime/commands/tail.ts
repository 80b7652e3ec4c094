import type { ReconnectInfo } from '../../client/index.js';
import { ConfigError } from '../errors.js';
import type { ClientCommand } from './context.js';
import { clientFor, integerFlag, parseCommandLine, positionals } from './context.js';
import { describeFailure, reportingFailures } from './failure.js';
import {
  changesetMessageJson,
  changesetMessageText,
  eventMessageJson,
  eventMessageText,
} from './output.js';

/**
 * `ees tail [<stream>] [--events] [--checkpoint N | --from N]`: every changeset (or event) from
 * the start (or the given checkpoint, or a stream's changeset or event number) on, then each
 * new one as it is committed, until Ctrl-C. Lost connections are reported on stderr and
 * resumed where they stopped.
 */
export const tail: ClientCommand = async (context) => {
  const { values, positionals: args } = parseCommandLine('tail', context.args, {
    events: { type: 'boolean' },
    from: { type: 'string' },
    checkpoint: { type: 'string' },
  });
  const [streamId] = positionals('tail', args, ['<stream>'], 1);
  if (values.from !== undefined && values.checkpoint !== undefined) {
    throw new ConfigError('tail: give --from or --checkpoint, not both');
  }
  if (streamId !== undefined && values.checkpoint !== undefined) {
    throw new ConfigError(
      'tail: --checkpoint is a position in the global enumeration; use --from with a stream',
    );
  }
  const start = integerFlag(
    values.checkpoint === undefined ? 'from' : 'checkpoint',
    values.checkpoint ?? values.from,
  );
  const { client, url } = clientFor(context, values);
  // A server that cannot be reached at all is an error; once tailing, a lost connection is not.
  await reportingFailures(url, () => client.version({ signal: context.signal }));

  const options = {
    signal: context.signal,
    onReconnect: ({ delayMs, error }: ReconnectInfo) => {
      context.report(
        `connection lost (${describeFailure(error)}); reconnecting in ${(delayMs / 1000).toFixed(1)} s`,
      );
    },
  };
  const asJson = values.json === true;
  await reportingFailures(url, async () => {
    if (values.events === true) {
      const messages =
        streamId === undefined
          ? client.subscribeEvents({ ...options, checkpoint: start })
          : client.subscribeStreamEvents(streamId, { ...options, from: start });
      for await (const message of messages) {
        context.write(`${asJson ? eventMessageJson(message) : eventMessageText(message)}\n`);
      }
    } else {
      const messages =
        streamId === undefined
          ? client.subscribe({ ...options, checkpoint: start })
          : client.subscribeStream(streamId, { ...options, from: start });
      for await (const message of messages) {
        context.write(
          `${asJson ? changesetMessageJson(message) : changesetMessageText(message)}\n`,
        );
      }
    }
  });
};
