/**
 * When PostgreSQL drops a connection, postgres.js rejects every query queued on it, including
 * some that no caller awaits (seen under load through a cut: `Uncaught (in promise) Error: write
 * CONNECTION_CLOSED`). An unhandled rejection ends a Deno process, so one outage would take the
 * app down with it. Nobody waits for such a query, so nothing is lost by keeping it quiet: the
 * guard logs it and lets the process live. Any other unhandled rejection is left alone.
 * @module
 */

const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
]);

let installed = false;
let warn: ((message: string) => void) | undefined;
/** Ports of the PostgreSQL servers the db tool connects to. */
const ports = new Set<number>();

/**
 * Whether `reason` is a connection error of ours: rejected by postgres.js itself, or a socket
 * error (as Deno's `node:net` makes it) for the port of a PostgreSQL server the tool uses.
 */
export function isOrphanedConnectionError(reason: unknown, serverPorts = ports): boolean {
  const e = reason as { code?: unknown; stack?: unknown; port?: unknown } | null;
  if (typeof e?.code !== "string" || !CONNECTION_CODES.has(e.code)) return false;
  if (typeof e.stack === "string" && /[/\\]postgres[/\\]src[/\\]connection\.js/.test(e.stack)) {
    return true;
  }
  return typeof e.port === "number" && serverPorts.has(e.port);
}

/**
 * Install the guard once per process, for the server at `port` (more may be added); `log`
 * receives a line each time it keeps one quiet.
 */
export function guardOrphanedConnectionErrors(log: (message: string) => void, port?: number): void {
  warn = log;
  if (port !== undefined) ports.add(port);
  if (installed) return;
  installed = true;
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (!isOrphanedConnectionError(event.reason)) return;
    event.preventDefault();
    warn?.(`db: a query nobody awaited failed as its connection closed (${event.reason.code})`);
  });
}
