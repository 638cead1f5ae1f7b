/**
 * Server-Sent Events: an async iterable turned into a `text/event-stream` response.
 * @module
 */
import type { ResponseHeaders } from "./secure_headers.ts";
import type { SseEvent } from "./types.ts";

const enc = new TextEncoder();

/** Format one event in the SSE wire format. */
export function formatEvent(ev: SseEvent | string): string {
  if (typeof ev === "string") return dataLines(ev) + "\n";
  let out = "";
  if (ev.event) out += `event: ${ev.event.replace(/[\r\n]/g, "")}\n`;
  if (ev.id !== undefined) out += `id: ${String(ev.id).replace(/[\r\n]/g, "")}\n`;
  if (ev.retry !== undefined) out += `retry: ${Math.floor(ev.retry)}\n`;
  const data = typeof ev.data === "string" ? ev.data : JSON.stringify(ev.data);
  return out + dataLines(data) + "\n";
}

function dataLines(s: string): string {
  return s.split(/\r\n|\r|\n/).map((l) => `data: ${l}\n`).join("");
}

/** Options of {@link sseResponse}. */
export interface SseStreamOptions {
  heartbeatMs: number;
  /** The route's headers (the security set, or its overrides). */
  headers: ResponseHeaders;
  /** Called once when the stream ends, for whatever reason. */
  onClose(): void;
  /** Called when the iterable throws. */
  onError(err: unknown): void;
}

/**
 * Stream `source` as SSE. Returns the response and a `close()` that ends the stream and
 * returns the iterator (so a generator's `finally` runs).
 */
export function sseResponse(
  source: AsyncIterable<SseEvent | string>,
  abort: AbortController,
  o: SseStreamOptions,
): { response: Response; close: () => void } {
  const it = source[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let ctrl: ReadableStreamDefaultController<Uint8Array> | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clearInterval(timer);
    abort.abort();
    try {
      ctrl?.close();
    } catch { /* already closed */ }
    Promise.resolve(it.return?.()).catch(o.onError);
    o.onClose();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
      c.enqueue(enc.encode(": connected\n\n"));
      if (o.heartbeatMs > 0) {
        timer = setInterval(() => {
          if (!closed) c.enqueue(enc.encode(": ping\n\n"));
        }, o.heartbeatMs);
      }
    },
    async pull(c) {
      try {
        const r = await it.next();
        if (closed) return;
        if (r.done) return close();
        c.enqueue(enc.encode(formatEvent(r.value)));
      } catch (e) {
        if (!closed) o.onError(e);
        close();
      }
    },
    cancel() {
      close();
    },
  });
  const response = new Response(stream, {
    headers: {
      ...o.headers.base,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
  return { response, close };
}
