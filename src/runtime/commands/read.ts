import type { ClientCommand } from './context.js';
import { clientFor, integerFlag, parseCommandLine, positionals } from './context.js';
import { reportingFailures } from './failure.js';
import { changesetJson, changesetText, eventJson, eventText } from './output.js';

const widest = (ids: readonly number[]): number =>
  Math.max(0, ...ids.map((id) => String(id).length));

/**
 * `ees read <stream> [--events] [--from N] [--to N]`: a stream's changesets (or events) in an
 * inclusive range, one per line.
 */
export const read: ClientCommand = async (context) => {
  const { values, positionals: args } = parseCommandLine('read', context.args, {
    events: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
  });
  const [streamId = ''] = positionals('read', args, ['<stream>']);
  const range = { from: integerFlag('from', values.from), to: integerFlag('to', values.to) };
  const { client, url } = clientFor(context, values);
  const asJson = values.json === true;
  if (values.events === true) {
    const events = await reportingFailures(url, () =>
      client.readEvents(streamId, range, { signal: context.signal }),
    );
    const width = widest(events.map((event) => event.eventId));
    for (const event of events) {
      context.write(`${asJson ? eventJson(streamId, event) : eventText(event, width)}\n`);
    }
    return;
  }
  const changesets = await reportingFailures(url, () =>
    client.readChangesets(streamId, range, { signal: context.signal }),
  );
  const width = widest(changesets.map((changeset) => changeset.changesetId));
  for (const changeset of changesets) {
    context.write(
      `${asJson ? changesetJson(streamId, changeset) : changesetText(changeset, width)}\n`,
    );
  }
};
