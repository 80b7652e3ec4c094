import { describe, expect, it } from 'vitest';
import type { SseItem } from '../../src/client/index.js';
import { SseParser, readSseItems } from '../../src/client/index.js';

const parse = (...chunks: string[]): SseItem[] => {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
};

const message = (data: string, event = 'message', lastEventId = '') => ({
  type: 'message',
  event,
  data,
  lastEventId,
});

describe('SseParser', () => {
  it('reads the fields of a message and dispatches it on the blank line', () => {
    expect(parse('id: 3\nevent: changeset\ndata: {"a":1}\n\n')).toEqual([
      message('{"a":1}', 'changeset', '3'),
    ]);
  });

  it('names a message without an event field "message"', () => {
    expect(parse('data: x\n\n')).toEqual([message('x')]);
  });

  it('joins data lines with LF', () => {
    expect(parse('data: one\ndata: two\ndata:\ndata: three\n\n')).toEqual([
      message('one\ntwo\n\nthree'),
    ]);
  });

  it('accepts CRLF, LF and CR line ends, mixed', () => {
    expect(parse('data: a\r\n\r\ndata: b\n\ndata: c\r\rdata: d\r\n\n')).toEqual([
      message('a'),
      message('b'),
      message('c'),
      message('d'),
    ]);
  });

  it('treats a CRLF split between chunks as one line end', () => {
    expect(parse('data: a\r', '\n', 'data: b\r', '\ndata: c\r\n\r', '\n')).toEqual([
      message('a\nb\nc'),
    ]);
    // A CR that ends a chunk and a chunk that starts with something else.
    expect(parse('data: a\r', 'data: b\r', '\r')).toEqual([message('a\nb')]);
  });

  it('keeps an empty chunk from forgetting a pending CR', () => {
    expect(parse('data: a\r', '', '\n\n')).toEqual([message('a')]);
  });

  it('assembles fields and messages cut anywhere', () => {
    const text = 'retry: 1000\n: connected\n\nevent: event\ndata: {"n":"é"}\nid: 0.1\n\n';
    const whole = parse(text);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse(text.slice(0, cut), text.slice(cut))).toEqual(whole);
    }
    expect(parse(...text.split(''))).toEqual(whole);
    expect(whole).toEqual([
      { type: 'retry', ms: 1000 },
      { type: 'comment', text: 'connected' },
      message('{"n":"é"}', 'event', '0.1'),
    ]);
  });

  it('reports comments, and strips one leading space from values only', () => {
    expect(parse(': heartbeat\n:no space\ndata:  two spaces\ndata:none\n\n')).toEqual([
      { type: 'comment', text: 'heartbeat' },
      { type: 'comment', text: 'no space' },
      message(' two spaces\nnone'),
    ]);
  });

  it('keeps the last event id across messages until another id field replaces it', () => {
    expect(parse('id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n')).toEqual([
      message('a', 'message', '1'),
      message('b', 'message', '1'),
      message('c', 'message', ''),
    ]);
  });

  it('ignores an id holding NUL', () => {
    expect(parse('id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n')).toEqual([
      message('a', 'message', '1'),
      message('b', 'message', '1'),
    ]);
  });

  it('takes retry values made of digits only', () => {
    expect(parse('retry: 250\nretry: 1.5\nretry: -1\nretry: 10ms\nretry:\n\n')).toEqual([
      { type: 'retry', ms: 250 },
    ]);
  });

  it('does not dispatch a message without data, and resets its event type', () => {
    expect(parse('event: changeset\n\ndata: x\n\n')).toEqual([message('x')]);
    expect(parse('id: 9\n\ndata: x\n\n')).toEqual([message('x', 'message', '9')]);
  });

  it('treats a line without a colon as a field with an empty value, and ignores unknown fields', () => {
    expect(parse('data\ndata\nfoo: bar\nevent\n\n')).toEqual([message('\n')]);
  });

  it('keeps colons after the first one in the value', () => {
    expect(parse('data: {"a":"b:c"}\n\n')).toEqual([message('{"a":"b:c"}')]);
  });

  it('holds back a message until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.feed('data: a\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([message('a')]);
  });
});

const bodyOf = (...chunks: Uint8Array[]): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

const collect = async (body: ReadableStream<Uint8Array>): Promise<SseItem[]> => {
  const items: SseItem[] = [];
  for await (const item of readSseItems(body)) items.push(item);
  return items;
};

describe('readSseItems', () => {
  it('decodes UTF-8 split across chunks and drops a byte order mark', async () => {
    const bytes = new TextEncoder().encode('\uFEFFdata: é€😀\n\n');
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(await collect(bodyOf(...chunks))).toEqual([message('é€😀')]);
  });

  it('discards a message the stream ends in the middle of', async () => {
    const encoder = new TextEncoder();
    expect(await collect(bodyOf(encoder.encode('data: a\n\ndata: b\n')))).toEqual([message('a')]);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: a\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const item of readSseItems(body)) {
      expect(item).toEqual(message('a'));
      break;
    }
    expect(cancelled).toBe(true);
  });
});
