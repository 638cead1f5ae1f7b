/**
 * The guarded listener, used when a connection limit is set (HTTP_HEADER_TIMEOUT_MS,
 * HTTP_IDLE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS): the tool accepts connections itself
 * (`Deno.listen`) and hands each one to Deno's HTTP engine. That lets it
 *
 * - close a connection whose first request's headers are not complete within the header timeout
 *   (a slowloris client, or one that connects and says nothing);
 * - close a keep-alive connection idle for the idle timeout after its last response was delivered
 *   (this also bounds a follow-up request trickled slowly);
 * - answer `503` and close when the cap of open connections is reached;
 * - keep accepting when `accept` fails (EMFILE, "Too many open files"): it waits (50 ms doubling
 *   to 1 s) and retries; connections wait in the kernel's backlog meanwhile.
 *
 * Deno 2.9 has no public API that serves HTTP on an accepted connection (`Deno.serveHttp` was
 * removed from Deno 2's API), so this uses `Deno[Deno.internal].serveHttpOnConnection`, an
 * internal function the Deno namespace exposes. It costs about 10 % CPU per request on keep-alive connections
 * and 60 % per new connection (docs/limits.md), and a WebSocket upgrade does not survive on it in
 * Deno 2.9 (the connection closes right after the `101`), so upgrade requests are refused with
 * `501` here. When Deno lacks the function, {@link serveGuarded} throws and says what to unset.
 * @module
 */
import type { LogSink } from "@core";
import { type Handle, reason, type ServeAt, type Served } from "./listener.ts";
import { SECURITY_HEADERS } from "./secure_headers.ts";

/** Connection limits; 0 turns one off. */
export interface Limits {
  /** A new connection must deliver its first request's headers within this (ms). */
  headerTimeoutMs: number;
  /** A connection with no request in progress is closed after this (ms). */
  idleTimeoutMs: number;
  /** Open connections at most; one more is answered `503` and closed. */
  maxConnections: number;
}

/** Counters of a guarded listener (on `GET /system/status` through the tool's describe). */
export interface GuardStats extends Record<string, number> {
  /** Connections open now. */
  open: number;
  /** Closed because their headers did not arrive within the header timeout. */
  headerTimeouts: number;
  /** Closed after the idle timeout. */
  idleTimeouts: number;
  /** Answered 503 because the cap was reached. */
  shed: number;
  /** `accept` failures (e.g. EMFILE) survived. */
  acceptErrors: number;
}

type ServeOn = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
  onError: (e: unknown) => Response,
  onListen: () => void,
) => Deno.HttpServer;

/** Deno's per-connection HTTP server, when this Deno has it. */
export function serveOnConnection(): ServeOn | undefined {
  const d = Deno as unknown as Record<symbol, Record<string, unknown> | undefined>;
  const internal = (Deno as unknown as { internal?: symbol }).internal;
  const f = internal ? d[internal]?.serveHttpOnConnection : undefined;
  return typeof f === "function" ? f as ServeOn : undefined;
}

const JSON_HEAD = "content-type: application/json\r\n" +
  Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join("");
const BUSY_BODY = JSON.stringify({
  success: false,
  error: "Server busy: too many open connections, try again shortly",
});
const BUSY = new TextEncoder().encode(
  `HTTP/1.1 503 Service Unavailable\r\n${JSON_HEAD}retry-after: 1\r\nconnection: close\r\n` +
    `content-length: ${BUSY_BODY.length}\r\n\r\n${BUSY_BODY}`,
);
/** Shed connections being answered at once; beyond, a connection is closed without an answer. */
const MAX_SHEDDING = 64;
/** A shed connection is closed this long after its 503 at the latest (ms). */
const SHED_LINGER_MS = 1000;
/** One warning per kind at most this often (ms). */
const WARN_EVERY_MS = 10_000;

function noWebSocket(): Response {
  return Response.json({
    success: false,
    error: "WebSocket is not available while HTTP_HEADER_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS or " +
      "HTTP_MAX_CONNECTIONS is set (Deno 2.9 cannot upgrade a connection the tool accepted); " +
      "unset them to serve WebSocket routes",
  }, { status: 501, headers: SECURITY_HEADERS });
}

/** One connection's bookkeeping; the handler and its `completed` bump the counts, the sweeper reads them. */
interface Conn {
  /** Requests received, responses delivered (or failed). */
  n: number;
  d: number;
  /** The counts at the last sweep that saw them change, and when (first: when accepted). */
  seenN: number;
  seenD: number;
  stamp: number;
  /** Counts a delivered response; passed to `info.completed`, made once per connection. */
  delivered: () => void;
  abort: AbortController;
  server: Deno.HttpServer | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serve `handle` on `at` with `limits`; see the module doc. */
export function serveGuarded(at: ServeAt, limits: Limits, handle: Handle, log: LogSink): Served {
  const serveOn = serveOnConnection();
  if (!serveOn) {
    throw new Error(
      `This Deno (${Deno.version.deno}) cannot serve HTTP on an accepted connection, which ` +
        `HTTP_HEADER_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS and HTTP_MAX_CONNECTIONS need: unset them ` +
        `(the tool then uses Deno.serve, without these limits)`,
    );
  }
  const retry = at.retryMs ?? { first: 50, max: 1000 };
  const listener = Deno.listen({ hostname: at.hostname, port: at.port, reusePort: at.reusePort });
  const live = new Set<Conn>();
  const stats: GuardStats = {
    open: 0,
    headerTimeouts: 0,
    idleTimeouts: 0,
    shed: 0,
    acceptErrors: 0,
  };
  const warned = new Map<string, number>();
  const warn = (kind: string, message: string) => {
    const now = Date.now();
    if (now - (warned.get(kind) ?? -Infinity) < WARN_EVERY_MS) return;
    warned.set(kind, now);
    log.warn(message, { ...stats });
  };
  let stopped = false;
  let shedding = 0;

  const expire = (c: Conn, why: "header" | "idle") => {
    live.delete(c);
    if (why === "header") {
      stats.headerTimeouts++;
      warn(
        "header",
        `closed connections that sent no complete request headers within ` +
          `${limits.headerTimeoutMs} ms (HTTP_HEADER_TIMEOUT_MS): ${stats.headerTimeouts} so far`,
      );
    } else stats.idleTimeouts++;
    c.abort.abort();
  };

  const sweep = () => {
    const now = Date.now();
    for (const c of live) {
      if (c.n !== c.seenN || c.d !== c.seenD) {
        c.seenN = c.n;
        c.seenD = c.d;
        c.stamp = now;
      } else if (c.n === 0) {
        if (limits.headerTimeoutMs && now - c.stamp >= limits.headerTimeoutMs) expire(c, "header");
      } else if (
        limits.idleTimeoutMs && c.d === c.n && now - c.stamp >= limits.idleTimeoutMs
      ) {
        expire(c, "idle"); // every response delivered and nothing new since
      }
    }
  };
  const timeouts = [limits.headerTimeoutMs, limits.idleTimeoutMs].filter((t) => t > 0);
  const tick = Math.min(1000, Math.max(20, Math.min(...timeouts, 4000) / 4));
  const sweeper = timeouts.length ? setInterval(sweep, tick) : undefined;

  const shed = async (conn: Deno.Conn) => {
    stats.shed++;
    warn(
      "shed",
      `${stats.open} connections open (HTTP_MAX_CONNECTIONS=${limits.maxConnections}): ` +
        `answering 503 to new ones (${stats.shed} so far)`,
    );
    if (shedding >= MAX_SHEDDING) return conn.close();
    shedding++;
    const linger = setTimeout(() => conn.close(), SHED_LINGER_MS);
    try {
      await conn.write(BUSY);
      await conn.closeWrite();
      // Read what the client sent until it closes, so the close does not reset the connection
      // before the client read the 503.
      const buf = new Uint8Array(4096);
      while (await conn.read(buf) !== null) { /* discard */ }
      conn.close();
    } catch { /* closed by the linger timer or the client */ }
    clearTimeout(linger);
    shedding--;
  };

  const open = (conn: Deno.Conn) => {
    const c: Conn = {
      n: 0,
      d: 0,
      seenN: 0,
      seenD: 0,
      stamp: Date.now(),
      delivered: () => {
        c.d++;
      },
      abort: new AbortController(),
      server: undefined,
    };
    live.add(c);
    stats.open++;
    const server = serveOn(
      conn,
      c.abort.signal,
      (req, info) => {
        c.n++;
        // Only read during the handler does `completed` ever settle.
        info.completed.then(c.delivered, c.delivered);
        const up = req.headers.get("upgrade");
        if (up !== null && up.toLowerCase() === "websocket") return noWebSocket();
        return handle(req, info);
      },
      (e) => {
        log.error(`http request failed: ${reason(e)}`, { error: reason(e) });
        return Response.json({ success: false, error: "Internal server error" }, { status: 500 });
      },
      () => {},
    );
    c.server = server;
    const closed = () => {
      live.delete(c);
      stats.open--;
    };
    server.finished.then(closed, closed);
  };

  const accepting = (async () => {
    let delay = retry.first;
    while (!stopped) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (e) {
        if (stopped || e instanceof Deno.errors.BadResource) return;
        stats.acceptErrors++;
        warn(
          "accept",
          `accepting a connection failed: ${reason(e)}; retrying (new connections wait). ` +
            `Raise the open-files limit (ulimit -n) or lower HTTP_MAX_CONNECTIONS`,
        );
        await sleep(delay);
        delay = Math.min(delay * 2, retry.max);
        continue;
      }
      delay = retry.first;
      if (limits.maxConnections && stats.open >= limits.maxConnections) shed(conn);
      else open(conn);
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    stats: () => ({ ...stats }),
    async shutdown() {
      stopped = true;
      if (sweeper !== undefined) clearInterval(sweeper);
      listener.close();
      await accepting;
      const done: Promise<void>[] = [];
      for (const c of live) {
        // A connection that never sent a request has nothing to finish.
        if (c.n === 0) c.abort.abort();
        else if (c.server) done.push(c.server.shutdown().catch(() => {}));
      }
      await Promise.all(done);
    },
  };
}
