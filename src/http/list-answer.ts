import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** What `listAnswer` needs to send a list read in pages. */
export interface ListParts<T> {
  readonly status: ContentfulStatusCode;
  /** The body up to the list: `{"stream_id":"…","changesets":[`. */
  readonly prefix: string;
  /** The first page, read with the page bound. */
  readonly first: readonly T[];
  /** An item as JSON. */
  readonly piece: (item: T) => string;
  /**
   * The page after `page`, whose items took `characters` as JSON, or `undefined` when `page`
   * is known to be the last.
   */
  readonly next: (page: readonly T[], characters: number) => Promise<readonly T[]> | undefined;
}

/**
 * An answer whose body is `prefix`, a list, then `]}`, the list read in pages bounded in bytes
 * (`limits.maxPageBytes`): when the first page is the whole list (nearly always) the body is
 * sent at once, otherwise it is streamed, each page read when the connection has taken the one
 * before, and memory holds about one page. A store failure after the first page can only cut
 * the body short.
 */
export function listAnswer<T>(
  c: Context,
  { status, prefix, first, piece, next }: ListParts<T>,
): Response {
  const serialise = (page: readonly T[]) => {
    const pieces = page.map(piece);
    return { text: pieces.join(','), characters: pieces.reduce((n, p) => n + p.length, 0) };
  };
  const head = serialise(first);
  let pending = next(first, head.characters);
  const headers = { 'content-type': 'application/json' };
  if (pending === undefined) return c.body(`${prefix}${head.text}]}`, status, headers);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`${prefix}${head.text}`));
    },
    async pull(controller) {
      const page = pending === undefined ? [] : await pending;
      if (page.length === 0) {
        controller.enqueue(encoder.encode(']}'));
        controller.close();
        return;
      }
      const { text, characters } = serialise(page);
      controller.enqueue(encoder.encode(`,${text}`));
      pending = next(page, characters);
    },
  });
  return c.body(body, status, headers);
}

/**
 * Whether a page read with `maxBytes` may have been cut short, judged by the JSON the answer
 * carries for it (`characters`), which holds at least every character a store counted: a
 * store counts at most 3 bytes a character (UTF-8), so a page under a third of the bound was
 * not cut, and the read is complete without asking again.
 */
export const mayBeCut = (characters: number, maxBytes: number): boolean =>
  3 * characters >= maxBytes;
