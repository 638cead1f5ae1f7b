/**
 * WebSocket endpoints on top of `Deno.upgradeWebSocket`.
 * @module
 */
import { HttpError } from "./errors.ts";
import type { WebSocketHandlers } from "./types.ts";
import type { RequestContext } from "./context.ts";

/**
 * Upgrade `req` and wire `handlers`. `track(close)` records the socket's closer with its owner;
 * the returned untrack runs when the socket closes.
 */
export function upgrade(
  req: Request,
  handlers: WebSocketHandlers<Record<string, unknown>>,
  data: Record<string, unknown>,
  ctx: RequestContext,
  track: (close: () => void) => () => void,
  onError: (err: unknown) => void,
): Response {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(426, "This endpoint expects a WebSocket upgrade");
  }
  const { socket, response } = Deno.upgradeWebSocket(req);
  const untrack = track(() => {
    try {
      socket.close(1001, "endpoint released");
    } catch { /* already closing */ }
  });
  const guard = (fn: () => void | Promise<void>) => {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(fail);
    } catch (e) {
      fail(e);
    }
  };
  const fail = (e: unknown) => {
    onError(e);
    try {
      socket.close(1011, "internal error");
    } catch { /* ignore */ }
  };
  socket.onopen = () => handlers.onOpen && guard(() => handlers.onOpen!(socket, data, ctx));
  socket.onmessage = (e) =>
    handlers.onMessage && guard(() => handlers.onMessage!(socket, e.data, data));
  socket.onclose = (e) => {
    untrack();
    if (handlers.onClose) guard(() => handlers.onClose!(socket, e.code, e.reason));
  };
  socket.onerror = () => {};
  return response;
}
