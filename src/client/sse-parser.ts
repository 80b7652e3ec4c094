/**
 * What a `text/event-stream` yields, in order: dispatched messages, `retry` advice and
 * comments (which servers send as heartbeats).
 *
 * @example
 * ```ts
 * for (const item of new SseParser().feed(text)) {
 *   if (item.type === 'message') console.log(item.event, item.lastEventId, item.data);
 * }
 * ```
 */
export type SseItem =
  | {
      readonly type: 'message';
      /** The `event` field, `message` when the message named none. */
      readonly event: string;
      /** The message's `data` lines joined by `\n`. */
      readonly data: string;
      /**
       * The last event id when the message was dispatched: the message's own `id` field, or
       * the one before it (an id stays until another `id` field replaces it); `''` if none.
       */
      readonly lastEventId: string;
    }
  | { readonly type: 'retry'; readonly ms: number }
  | { readonly type: 'comment'; readonly text: string };

const DIGITS = /^[0-9]+$/;

/**
 * An incremental parser of the `text/event-stream` format as the HTML standard defines it
 * (the one a browser's `EventSource` implements): lines end in CRLF, LF or CR, even when a
 * chunk ends between the CR and the LF; `data` lines accumulate; `id` persists across
 * messages and ignores values holding NUL; `retry` takes digits only; unknown fields are
 * ignored; a message without data is not dispatched; a message still open when the stream
 * ends is discarded. Feed it decoded text (the byte order mark is the decoder's business).
 *
 * @example
 * ```ts
 * const parser = new SseParser();
 * parser.feed('id: 7\nevent: changeset\ndata: {"a":');
 * parser.feed('1}\n\n');
 * // → [{ type: 'message', event: 'changeset', data: '{"a":1}', lastEventId: '7' }]
 * ```
 */
export class SseParser {
  /** The current line, while its end has not arrived. */
  private partialLine = '';
  /** The previous chunk ended in CR: a LF starting the next chunk belongs to that line end. */
  private skipLineFeed = false;
  private data = '';
  private hasData = false;
  private eventType = '';
  private lastEventId = '';

  /** Parses the next piece of the stream; returns what it completed, in order. */
  feed(chunk: string): SseItem[] {
    const items: SseItem[] = [];
    let start = 0;
    if (this.skipLineFeed && chunk.length > 0) {
      this.skipLineFeed = false;
      if (chunk.startsWith('\n')) start = 1;
    }
    const lineEnd = /[\r\n]/g;
    lineEnd.lastIndex = start;
    for (let match = lineEnd.exec(chunk); match !== null; match = lineEnd.exec(chunk)) {
      const end = match.index;
      this.line(this.partialLine + chunk.slice(start, end), items);
      this.partialLine = '';
      start = end + 1;
      if (chunk[end] === '\r') {
        if (end + 1 === chunk.length) this.skipLineFeed = true;
        else if (chunk[end + 1] === '\n') start = end + 2;
      }
      lineEnd.lastIndex = start;
    }
    this.partialLine += chunk.slice(start);
    return items;
  }

  private line(line: string, items: SseItem[]): void {
    if (line === '') {
      this.dispatch(items);
      return;
    }
    if (line.startsWith(':')) {
      items.push({ type: 'comment', text: withoutLeadingSpace(line.slice(1)) });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : withoutLeadingSpace(line.slice(colon + 1));
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data = this.hasData ? `${this.data}\n${value}` : value;
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (DIGITS.test(value)) items.push({ type: 'retry', ms: Number(value) });
        break;
      default:
      // Unknown fields are ignored, as the standard says.
    }
  }

  private dispatch(items: SseItem[]): void {
    if (this.hasData) {
      items.push({
        type: 'message',
        event: this.eventType === '' ? 'message' : this.eventType,
        data: this.data,
        lastEventId: this.lastEventId,
      });
    }
    this.data = '';
    this.hasData = false;
    this.eventType = '';
  }
}

const withoutLeadingSpace = (value: string): string =>
  value.startsWith(' ') ? value.slice(1) : value;

/**
 * The items of an event stream's body, read as they arrive. Ending the iteration early
 * (`break`, `return`) cancels the body, which closes the connection.
 *
 * @example
 * ```ts
 * const response = await fetch(url, { headers: { accept: 'text/event-stream' } });
 * for await (const item of readSseItems(response.body!)) console.log(item);
 * ```
 */
export async function* readSseItems(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<SseItem, void, undefined> {
  const reader = body.getReader();
  // Decodes UTF-8 across chunk boundaries and drops a leading byte order mark.
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        yield* parser.feed(decoder.decode());
        return;
      }
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    // Closes the connection when the consumer stops early; harmless once the body ended.
    reader.cancel().catch(() => undefined);
  }
}
