/** One message of a text/event-stream, as the tests look at it. */
export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  /** Comment lines (`: ...`) of the frame, without the colon. */
  readonly comments: readonly string[];
  readonly retry?: string;
}

/** Reads frames off an event-stream response body, one `next()` at a time. */
export function sseFrames(response: Response): { next(): Promise<SseFrame>; cancel(): void } {
  if (response.body === null) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<SseFrame> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: Record<string, string> = {};
        const comments: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            frame[field] =
              field === 'data' && frame.data !== undefined ? `${frame.data}\n${value}` : value;
          }
        }
        return { ...frame, comments };
      }
      const { done, value } = await reader.read();
      if (done) throw new Error(`stream ended; unread: ${JSON.stringify(buffer)}`);
      buffer += value;
    }
  };
  return {
    next,
    cancel: () => {
      void reader.cancel().catch(() => undefined);
    },
  };
}
