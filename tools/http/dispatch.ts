/**
 * The hot path: request → route match → run → bookkeeping (in-flight counts, request id, CORS,
 * HEAD, the access log line). Everything here runs per request, so it allocates nothing and
 * reads no header that the settings do not ask for.
 * @module
 */
import type { Generation, LogSink, OwnedRegistry, Owner, ToolContext } from "@core";
import { RequestId, withHeaders } from "./context.ts";
import type { Cors } from "./cors.ts";
import { errorReply, errorResponse } from "./errors.ts";
import { type RouteDef, RouteTable } from "./route_table.ts";
import { DEFAULT_HEADERS } from "./secure_headers.ts";
import {
  type CauseNode,
  type CauseRecorder,
  type MetricsSink,
  observe,
  recorder,
  type TelemetryTool,
  traced,
  type Tracing,
} from "./telemetry.ts";

const SILENT: LogSink & { isEnabled(level: string): boolean } = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  isEnabled: () => false,
};

/** The logger tool's sinks can say whether a level is on (so the access line can be skipped). */
type LevelCheck = (level: "debug" | "info" | "warn") => boolean;

function levelCheck(log: LogSink): LevelCheck | undefined {
  const f = (log as { isEnabled?: unknown }).isEnabled;
  return typeof f === "function" ? (level) => f.call(log, level) : undefined;
}

/**
 * Answers requests from the live routes of an {@link OwnedRegistry}, rebuilding its
 * {@link RouteTable} lazily when the route set changed. The tool owns one and sets its knobs.
 */
export class Dispatcher {
  /** False once the tool quiesces: every request then gets a 503. */
  accepting = true;
  /**
   * Handing the port over to a new process (`HTTP_REUSE_PORT`): every response asks its client
   * to reconnect (`connection: close`), so keep-alive clients move to the new listener.
   */
  draining = false;
  /** Stamp `x-request-id` on every response (`HTTP_REQUEST_ID=always`). */
  alwaysId = false;
  /** Incoming header an id is adopted from (lower case), if any. */
  idFrom: string | undefined;
  /**
   * What `GET /` answers when no route owns it (JSON text pointing to the docs and the status;
   * set in dev), or `undefined` for the usual 404.
   */
  home: string | undefined;
  /** The CORS policy; without one no `origin` header is read. */
  cors: Cors | undefined;
  /** The telemetry tool's causal trees, when present and on (each traced request is a root). */
  causes: CauseRecorder | undefined;
  /** The telemetry tool's metrics, when present and on (every request is counted). */
  metrics: MetricsSink | undefined;
  /** OpenTelemetry spans, when a tracer provider is registered. */
  tracing: Tracing | undefined;

  #log: LogSink = SILENT;
  #logs: LevelCheck | undefined = levelCheck(SILENT);
  /** The kernel's error locator (user file and line, hot-reload copies mapped back). */
  #errorInfo: ToolContext["errorInfo"] | undefined;
  #table = new RouteTable([], -1);
  readonly #routes: OwnedRegistry<RouteDef>;
  readonly #all: Generation;

  /** `routes` holds the live routes; `all` counts every request in flight. */
  constructor(routes: OwnedRegistry<RouteDef>, all: Generation) {
    this.#routes = routes;
    this.#all = all;
  }

  /** Log through `log` (its `isEnabled`, if it has one, gates the access line). */
  useLog(log: LogSink, errorInfo?: ToolContext["errorInfo"]): void {
    this.#log = log;
    this.#logs = levelCheck(log);
    this.#errorInfo = errorInfo;
  }

  /** Record into the telemetry tool, if any; `inflight` counts the requests in flight. */
  useTelemetry(t: TelemetryTool | undefined, inflight: () => number): void {
    this.causes = recorder(t);
    this.metrics = t?.metrics;
    this.tracing = t?.tracing;
    if (this.metrics) this.metrics.inflight = inflight;
  }

  /** The tool's log sink. */
  get log(): LogSink {
    return this.#log;
  }

  /** Answer one request (what the listener and `fetch` call). */
  handle(req: Request): Response | Promise<Response> {
    const t0 = performance.now();
    const url = req.url;
    const start = url.indexOf("/", url.indexOf("://") + 3);
    const q = url.indexOf("?", start);
    // Stryker disable next-line EqualityOperator: a URL starts with its scheme, so `start` is never 0
    const path = start < 0 ? "/" : q < 0 ? url.slice(start) : url.slice(start, q);
    const search = q < 0 ? "" : url.slice(q + 1);
    const method = req.method;
    // Reading any request header costs every request a little, so only when configured.
    const rid = new RequestId(this.idFrom ? req.headers.get(this.idFrom) : null);

    if (this.#routes.version !== this.#table.version) {
      this.#table = new RouteTable(this.#routes.live(), this.#routes.version);
    }
    const origin = this.cors ? req.headers.get("origin") : null;

    if (!this.accepting) {
      return this.#after(
        errorResponse(503, "Server is shutting down"),
        method,
        path,
        rid,
        origin,
        t0,
      );
    }
    if (origin && method === "OPTIONS" && req.headers.has("access-control-request-method")) {
      return this.#after(
        this.cors!.preflight(req, origin),
        method,
        path,
        rid,
        origin,
        t0,
      );
    }
    const m = this.#table.match(method, path);
    if (!m) {
      const allow = this.#table.allowed(path);
      if (this.home && path === "/" && !allow.length && (method === "GET" || method === "HEAD")) {
        const res = new Response(method === "GET" ? this.home : null, {
          headers: DEFAULT_HEADERS.json,
        });
        return this.#after(res, method, path, rid, origin, t0);
      }
      const res = allow.length
        ? errorResponse(405, `Method ${method} not allowed on ${path}`)
        : errorResponse(404, `No route for ${method} ${path}`);
      if (allow.length) res.headers.set("allow", allow.join(", "));
      return this.#after(res, method, path, rid, origin, t0);
    }
    const route = m.route;
    route.gen.begin();
    this.#all.begin();
    let out: Response | Promise<Response>;
    this.tracing?.route(method, route.path);
    const causes = this.causes;
    // Traced: the handler runs inside the request's node, so what it publishes names it.
    const node = causes && traced(route)
      ? causes.request(rid, method, route.path, route.owner.id, t0)
      : undefined;
    try {
      out = node
        ? causes!.run(node, () => route.run(req, m.params, search, path, rid))
        : route.run(req, m.params, search, path, rid);
    } catch (err) {
      out = this.#failed(route, err, rid, method, path, node);
    }
    if (out instanceof Promise) {
      return out.then(
        (res) => this.#after(res, method, path, rid, origin, t0, route, node),
        (err) =>
          this.#after(
            this.#failed(route, err, rid, method, path, node),
            method,
            path,
            rid,
            origin,
            t0,
            route,
            node,
          ),
      );
    }
    return this.#after(out, method, path, rid, origin, t0, route, node);
  }

  /** Log a failure of `owner`'s code at its file and line, with the request id. */
  logError(owner: Owner, rid: RequestId, err: unknown, what: string): void {
    const info = this.#errorInfo?.(err, owner.file);
    const at = info?.file
      ? `${info.file}${info.line ? `:${info.line}:${info.column}` : ""}`
      : owner.file;
    this.#log.error(`${what} failed in ${owner.id} (${at}): ${(err as Error)?.message ?? err}`, {
      plugin: owner.id,
      file: owner.file,
      requestId: rid.value,
      stack: info ? info.stack : (err as Error)?.stack,
    });
  }

  #failed(
    route: RouteDef,
    err: unknown,
    rid: RequestId,
    method: string,
    path: string,
    node?: CauseNode,
  ) {
    const reply = errorReply(err, rid);
    if (node) node.error = (err as Error)?.message ?? String(err);
    const h = route.headers ?? DEFAULT_HEADERS;
    if (reply.status === 503) {
      // A service is down: one line per request, no stack (the tool's status says more).
      this.#log.warn(`${method} ${path}: 503, ${(err as Error)?.message ?? err}`, {
        plugin: route.owner.id,
        requestId: rid.value,
      });
      return new Response(JSON.stringify(reply.body), {
        status: 503,
        headers: { ...h.json, "retry-after": "1" },
      });
    }
    if (reply.status >= 500) this.logError(route.owner, rid, err, `${method} ${path}`);
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: h.json });
  }

  /** Bookkeeping after a request: counters, request id, CORS, HEAD, one log line. */
  #after(
    res: Response,
    method: string,
    path: string,
    rid: RequestId,
    origin: string | null,
    t0: number,
    route?: RouteDef,
    node?: CauseNode,
  ): Response {
    if (route) {
      // A released generation is forgotten when its last request ends.
      route.gen.end();
      this.#all.end();
      if (method === "HEAD" && res.body && route.kind !== "static") {
        res = new Response(null, res);
      }
    }
    const status = res.status;
    const level = status >= 500 ? "warn" : status >= 400 ? "info" : "debug";
    // The access line is built only when its level is on (or the sink cannot tell).
    const logged = this.#logs === undefined || this.#logs(level);
    if (status !== 101) {
      // The id goes out when it can be looked up: errors, logged lines, ids the handler used.
      if (logged || status >= 400 || rid.used || this.alwaysId) {
        res = withHeaders(res, [["x-request-id", rid.value]]);
      }
      // With an origin list, every answer varies by origin (refused ones and those without one).
      if (this.cors) res = this.cors.apply(res, origin);
      if (this.draining) res = withHeaders(res, [["connection", "close"]]);
    }
    const metrics = this.metrics;
    // One clock read serves the trace, the histogram and the access line.
    const now = node || metrics || logged ? performance.now() : 0;
    if (node) {
      node.status = status;
      node.finish(now);
    }
    if (metrics !== undefined) observe(metrics, route, method, status, now - t0);
    if (logged) {
      const ms = Math.round(now - t0);
      this.#log[level](`${method} ${path} ${status} ${ms}ms`, {
        method,
        path,
        status,
        ms,
        plugin: route?.owner.id ?? "-",
        requestId: rid.value,
      });
    }
    return res;
  }
}
