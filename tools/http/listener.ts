/**
 * The default listener: `Deno.serve`, supervised. When Deno's accept loop fails (the process ran
 * out of file descriptors: `accept` gets EMFILE "Too many open files"), `Deno.serve` closes its
 * listener and rejects `server.finished`; unobserved, that rejection ends the process with exit
 * code 1. Here it is logged and the listener is reopened on the same address (50 ms, doubling to
 * 1 s, until it works). Closing the listener also closes the connections that never sent a byte,
 * which frees their descriptors; requests in flight, keep-alive connections and WebSockets carry
 * on. The guarded listener (`guarded_listener.ts`) adds a header deadline and a connection cap.
 * @module
 */
import type { LogSink } from "@core";

/** What serves HTTP on an address: {@link serveSupervised} or `serveGuarded`. */
export interface Served {
  /** The bound address (the real port when 0 was asked for). */
  readonly addr: Deno.NetAddr;
  /** Stop accepting, let requests in flight finish; resolves when every connection is done. */
  shutdown(): Promise<void>;
  /** Connection counters (the guarded listener only). */
  stats?(): Record<string, number>;
}

/** Where and how to listen. */
export interface ServeAt {
  hostname: string;
  port: number;
  /** Reopen backoff: first delay and cap (ms). */
  retryMs?: { first: number; max: number };
  /**
   * Bind with SO_REUSEPORT (Linux), so that another process may listen on the same port and
   * take over (a restart that drops nothing). Needs Deno's `--unstable-net` flag.
   */
  reusePort?: boolean;
}

/** `Deno.serve`/`Deno.listen` refuse `reusePort` without this flag: say which one to add. */
export function reusePortError(err: unknown): Error | undefined {
  return err instanceof Error && /--unstable-net/.test(err.message)
    ? new Error(
      "HTTP_REUSE_PORT=true needs Deno's --unstable-net flag (deno task dev and start pass it; " +
        "add it where you run deno yourself)",
    )
    : undefined;
}

/** The request handler the listener calls. */
export type Handle = (
  req: Request,
  info?: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

/** The error's own message (Deno wraps the accept error in `Deno.errors.Http`). */
export function reason(e: unknown): string {
  return e instanceof Error ? e.message.replace(/^Error: /, "") : String(e);
}

/** `Deno.serve` on `at`, reopened whenever its accept loop dies; see the module doc. */
export function serveSupervised(at: ServeAt, handle: Handle, log: LogSink): Served {
  const retry = at.retryMs ?? { first: 50, max: 1000 };
  const serve = (port: number) =>
    Deno.serve(
      { hostname: at.hostname, port, reusePort: at.reusePort, onListen() {} },
      (req, info) => handle(req, info),
    );
  let server = serve(at.port);
  const addr = server.addr;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const watch = (s: Deno.HttpServer<Deno.NetAddr>) => {
    s.finished.catch((e) => {
      if (stopped) return;
      const since = Date.now();
      log.error(
        `http listener failed: ${reason(e)}; reopening it. New connections are refused ` +
          `meanwhile. Raise the open-files limit (ulimit -n) or set HTTP_MAX_CONNECTIONS`,
        { error: reason(e) },
      );
      const attempt = (delay: number) => {
        timer = setTimeout(() => {
          timer = undefined;
          if (stopped) return;
          try {
            server = serve(addr.port);
          } catch {
            return attempt(Math.min(delay * 2, retry.max));
          }
          log.info(`http listener reopened after ${Date.now() - since} ms`, {
            downMs: Date.now() - since,
          });
          watch(server);
        }, delay);
      };
      attempt(retry.first);
    });
  };
  watch(server);

  return {
    addr,
    async shutdown() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await server.shutdown();
    },
  };
}
