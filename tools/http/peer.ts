/**
 * The address of the client a request came from, as the listener saw it. Kept beside the
 * request (a `Request` has no field for it) and read by `ctx.remoteAddr`.
 * @module
 */

const peers = new WeakMap<Request, Deno.NetAddr>();

/** What a handler's context tells of the client (part of `HttpContext`). */
export interface Peer {
  /**
   * The client's address as the listener saw it: behind a reverse proxy, the proxy's (then trust
   * a token, not the address). `undefined` for a request made in-process (`http.fetch`, tests).
   */
  readonly remoteAddr: Deno.NetAddr | undefined;
}

/**
 * Records that `request` came from `addr` and returns the request. The listener calls it for
 * each request; a test calls it to make an in-process request look like a client's.
 * @example
 * const req = setRemoteAddr(new Request("http://test.local/system/status"), {
 *   transport: "tcp", hostname: "203.0.113.7", port: 40000,
 * });
 * await t.http.fetch(req); // ctx.remoteAddr is 203.0.113.7
 */
export function setRemoteAddr(request: Request, addr: Deno.NetAddr): Request {
  peers.set(request, addr);
  return request;
}

/**
 * The client's address (behind a reverse proxy: the proxy's), or `undefined` for a request made
 * in-process (`http.fetch`, plugin tests), which no client sent.
 */
export function remoteAddrOf(request: Request): Deno.NetAddr | undefined {
  return peers.get(request);
}

/** `handle` as a listener's handler: it records each request's client address first. */
export function withPeer<R>(
  handle: (req: Request) => R,
): (req: Request, info?: Deno.ServeHandlerInfo) => R {
  return (req, info) => handle(info ? setRemoteAddr(req, info.remoteAddr as Deno.NetAddr) : req);
}
