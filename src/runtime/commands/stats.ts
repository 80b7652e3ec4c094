import type { ClientCommand } from './context.js';
import { clientFor, parseCommandLine, positionals } from './context.js';
import { reportingFailures } from './failure.js';
import { statisticsJson, statisticsText } from './output.js';

/**
 * `ees stats`: the server's statistics. Before the projector's first run there are none yet,
 * which is not an error: the text says so and `--json` prints `null`.
 */
export const stats: ClientCommand = async (context) => {
  const { values, positionals: args } = parseCommandLine('stats', context.args, {});
  positionals('stats', args, []);
  const { client, url } = clientFor(context, values);
  const statistics = await reportingFailures(url, () =>
    client.statistics({ signal: context.signal }),
  );
  if (values.json === true) {
    context.write(`${statistics === undefined ? 'null' : statisticsJson(statistics)}\n`);
  } else {
    context.write(
      statistics === undefined ? 'statistics are not yet generated\n' : statisticsText(statistics),
    );
  }
};
