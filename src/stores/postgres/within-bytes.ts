/**
 * The size of a changeset's JSON as stored, read from the columns' headers (no detoast): its
 * events and metadata, or its events alone. `alias` names the table in the query, if any.
 */
export const storedSizeSql = (alias = '', { eventsOnly = false } = {}): string => {
  const column = (name: string) => `octet_length(${alias === '' ? '' : `${alias}.`}${name}::text)`;
  return eventsOnly ? column('events') : `${column('events')} + ${column('metadata')}`;
};

/**
 * A read ending with the row that brings `size` to `$<parameter>` bytes: `select` is the read,
 * given a column to add to its select list (a running sum, in `order`, of the rows before each
 * one), and the rows past the bound are counted but never sent (nor detoasted). A row with a
 * NULL sum passes: the first, and a stream read's row that only says the stream exists. Without
 * `firstCounts`, the first row counts for nothing (`readEvents`, see `EventStore`). `output` is
 * what the outer query selects from the read, `page.*` (the sum included) by default.
 */
export const withinBytesSql = (options: {
  readonly select: (windowColumn: string) => string;
  readonly size: string;
  readonly order: string;
  readonly parameter: number;
  readonly firstCounts?: boolean;
  readonly output?: string;
}): string => {
  const { select, size, order, parameter, firstCounts = true, output = 'page.*' } = options;
  const first = firstCounts ? '' : ` - first_value(${size}) OVER (ORDER BY ${order})`;
  const runningSum = `,
    sum(${size}) OVER (ORDER BY ${order} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)${first}
      AS bytes_before`;
  return `
  SELECT ${output} FROM (${select(runningSum)}) AS page
  WHERE page.bytes_before IS NULL OR page.bytes_before < $${parameter}::bigint
  ORDER BY page.${order.split('.').at(-1) ?? order}
`;
};
