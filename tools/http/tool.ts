/**
 * The `http` tool: one `Deno.serve` listener, a route table rebuilt lazily from owned routes.
 * @module
 */
import { OwnedRegistry } from "@core/owned.ts";
import type { LogSink, Mode, Owner, Tool, ToolContext } from "@core/types.ts";
import { RequestId, withHeaders } from "./context.ts";
import { Cors, corsFromEnv, type CorsOptions } from "./cors.ts";
import { docsAsset, docsPage } from "./docs_assets.ts";
import { errorReply, errorResponse } from "./errors.ts";
import { buildOpenApi } from "./openapi.ts";
import { OwnerApi } from "./owner_api.ts";
import {
  docPath,
  GenState,
  type RouteDef,
  routeKey,
  RouteTable,
  type RunFn,
} from "./route_table.ts";
import type { HttpTool, RouteInfo } from "./types.ts";

const SELF: Owner = { id: "http", generation: 1, file: "tools/http/mod.ts" };
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

/** The request-id policy; see {@link HttpToolImpl.requestIds}. */
export interface RequestIdOptions {
  /**
   * When responses carry `x-request-id`: `auto` (default) when the id can be looked up (an
   * error, a logged access line, an id the handler read or the client's header supplied),
   * `always` on every response. The header takes a response off Deno's fastest path.
   */
  send?: "auto" | "always";
  /**
   * An incoming header to adopt the id from (e.g. `x-request-id` set by your proxy), or `false`
   * (default) to always make a new one. Adopting lets any caller choose the id in your logs.
   */
  from?: string | false;
}

/** A header name we may read: an HTTP token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Options of {@link HttpToolImpl.listen}. */
export interface ListenOptions {
  hostname?: string;
  /** 0 picks a free port. */
  port?: number;
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Options of the {@link HttpToolImpl} constructor. */
export interface HttpToolOptions {
  /** Where the tool reads HOST, PORT, HTTP_BODY_LIMIT, … (default: `Deno.env.get`). */
  env?: (name: string) => string | undefined;
}

function where(o: Owner): string {
  return o.file ?? o.id;
}

/** The tool instance; plugins see only {@link HttpTool} through `forOwner`. */
export class HttpToolImpl implements Tool {
  readonly name = "http";
  readonly description =
    "HTTP server: owned routes with Zod validation, OpenAPI at /openapi.json, docs at /docs, SSE, WebSocket, static files";

  #routes = new OwnedRegistry<RouteDef>();
  #table = new RouteTable([], -1);
  #gens = new Map<string, GenState>();
  #log: LogSink = SILENT;
  /** The kernel's error locator (user file and line, hot-reload copies mapped back). */
  #errorInfo: ToolContext["errorInfo"] | undefined;
  #logs: LevelCheck | undefined = levelCheck(SILENT);
  #mode: Mode = "test";
  #root = Deno.cwd();
  #bodyLimit = 1024 * 1024;
  #alwaysId = false;
  /** Incoming header an id is adopted from (lower case), if any. */
  #idFrom: string | undefined;
  #cors: Cors | undefined;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #url: string | undefined;
  #accepting = true;
  #inflight = new GenState("*");
  #openapi: { version: number; doc: Record<string, unknown> } | undefined;
  #title = "MicroCoreOS API";

  #env: (name: string) => string | undefined;

  constructor(options: HttpToolOptions = {}) {
    this.#env = options.env ?? envGet;
    this.#builtins();
  }

  /**
   * Read configuration (HTTP_BODY_LIMIT, HTTP_REQUEST_ID, HTTP_REQUEST_ID_HEADER, CORS_ORIGINS,
   * CORS_CREDENTIALS, APP_NAME); HOST and PORT are read when listening starts.
   */
  setup(ctx: ToolContext): void {
    this.#log = ctx.log;
    this.#errorInfo = ctx.errorInfo;
    this.#logs = levelCheck(ctx.log);
    this.#mode = ctx.mode;
    this.#root = ctx.root;
    const limit = this.#env("HTTP_BODY_LIMIT");
    if (limit) {
      const n = Number(limit);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`HTTP_BODY_LIMIT must be > 0: ${limit}`);
      this.#bodyLimit = n;
    }
    const send = this.#env("HTTP_REQUEST_ID");
    if (send && send !== "auto" && send !== "always") {
      throw new Error(`HTTP_REQUEST_ID must be "auto" or "always": ${send}`);
    }
    const from = this.#env("HTTP_REQUEST_ID_HEADER");
    if (from !== undefined && from !== "" && !HEADER_NAME.test(from)) {
      throw new Error(`HTTP_REQUEST_ID_HEADER must be a header name: ${from}`);
    }
    this.requestIds({ send: send === "always" ? "always" : "auto", from: from || false });
    const cors = corsFromEnv(this.#env("CORS_ORIGINS"), this.#env("CORS_CREDENTIALS"));
    if (cors) this.#cors = new Cors(cors);
    const title = this.#env("APP_NAME");
    if (title) this.#title = title;
  }

  /** The max body size in bytes (HTTP_BODY_LIMIT). */
  set bodyLimit(n: number) {
    this.#bodyLimit = n;
  }

  /**
   * Set the request-id policy (replaces HTTP_REQUEST_ID / HTTP_REQUEST_ID_HEADER); options left
   * out keep their value.
   */
  requestIds(options: RequestIdOptions): void {
    if (options.send !== undefined) this.#alwaysId = options.send === "always";
    if (options.from !== undefined) {
      if (options.from !== false && !HEADER_NAME.test(options.from)) {
        throw new TypeError(`requestIds: not a header name: ${options.from}`);
      }
      this.#idFrom = options.from ? options.from.toLowerCase() : undefined;
    }
  }

  /** Configure CORS (replaces CORS_ORIGINS); `undefined` turns it off. */
  cors(options: CorsOptions | undefined): void {
    this.#cors = options ? new Cors(options) : undefined;
  }

  /** Start listening (in `start`/`dev` mode; tests call {@link listen} themselves). */
  async onBootComplete(): Promise<void> {
    if (this.#mode === "test" || this.#server) return;
    const port = Number(this.#env("PORT") ?? 8000);
    await this.listen({ hostname: this.#env("HOST") ?? "0.0.0.0", port });
  }

  /** Open the listener; returns its URL. Logs `listening on http://HOST:PORT`. */
  listen(options: ListenOptions = {}): Promise<string> {
    if (this.#server) return Promise.resolve(this.#url!);
    const hostname = options.hostname ?? "0.0.0.0";
    this.#accepting = true;
    const server = Deno.serve(
      { hostname, port: options.port ?? 8000, onListen() {} },
      (req) => this.#dispatch(req),
    );
    this.#server = server;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    this.#url = `http://${host}:${server.addr.port}`;
    this.#log.info(`listening on ${this.#url}`, { url: this.#url });
    return Promise.resolve(this.#url);
  }

  /** The listener's URL, once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Handle a request in-process (no socket): what the listener does for each request. */
  fetch(request: Request): Promise<Response> {
    return Promise.resolve(this.#dispatch(request));
  }

  /** The per-plugin API. */
  forOwner(owner: Owner): HttpTool {
    return new OwnerApi(this, owner);
  }

  activate(owner: Owner): void {
    this.#closeStreams(this.#routes.activate(owner));
  }

  release(ownerId: string, generation?: number): void {
    const dropped = this.#routes.release(ownerId, generation);
    this.#closeStreams(dropped);
    for (const [key, g] of this.#gens) {
      if (
        key.startsWith(ownerId + "#") &&
        (generation === undefined || key === `${ownerId}#${generation}`)
      ) {
        g.released = true;
        g.closeAll();
        if (g.inflight === 0) this.#gens.delete(key);
      }
    }
  }

  async drain(ownerId: string, generation: number, timeoutMs: number): Promise<void> {
    const g = this.#gens.get(`${ownerId}#${generation}`);
    if (!g || g.inflight === 0) return;
    await bounded(g.idle(), timeoutMs);
    if (g.released && g.inflight === 0) this.#gens.delete(g.key);
  }

  describeOwner(ownerId: string): Record<string, unknown> | undefined {
    const items = this.#routes.itemsOf(ownerId);
    if (!items.length) return undefined;
    const routes: RouteInfo[] = items.map((r) => ({
      method: r.method,
      path: r.kind === "static" ? r.docPath : r.docPath,
      summary: r.summary,
      kind: r.kind as RouteInfo["kind"],
    }));
    return { routes };
  }

  describe(): Record<string, unknown> {
    const routes = this.#routes.live().filter((r) => r.kind !== "builtin").length;
    return { listening: this.#url ?? null, routes, inflight: this.#inflight.inflight };
  }

  /** Stop accepting, close streams and sockets, wait (bounded) for requests in flight. */
  async quiesce(timeoutMs: number): Promise<void> {
    this.#accepting = false;
    for (const g of this.#gens.values()) g.closeAll();
    const deadline = Date.now() + timeoutMs;
    const server = this.#server;
    if (server) {
      await bounded(server.shutdown(), timeoutMs);
    }
    await bounded(this.#inflight.idle(), Math.max(0, deadline - Date.now()));
  }

  async shutdown(): Promise<void> {
    this.#accepting = false;
    const server = this.#server;
    if (server) await bounded(server.shutdown(), 1000);
  }

  // ---- registration (called through OwnerApi) ----

  /** @internal */
  register(owner: Owner, def: Omit<RouteDef, "owner" | "gen" | "key" | "docPath">): void {
    const key = routeKey(def.method, def.path);
    for (const [o, r] of this.#routes.entries()) {
      if (r.key !== key) continue;
      if (o.id !== owner.id) {
        throw new Error(
          `Route ${def.method} ${def.path} of ${
            where(owner)
          } conflicts with ${r.method} ${r.path} ` +
            `already registered by ${where(o)}`,
        );
      }
      if (o.generation === owner.generation) {
        throw new Error(`Route ${def.method} ${def.path} registered twice by ${where(owner)}`);
      }
    }
    const route: RouteDef = {
      ...def,
      owner,
      gen: this.forGen(owner),
      key,
      docPath: def.kind === "static" ? def.path.replace(/\/\*$/, "") || "/" : docPath(def.path),
    };
    this.#routes.add(owner, route);
  }

  /** @internal */
  get bodyLimitBytes(): number {
    return this.#bodyLimit;
  }

  /** @internal */
  get root(): string {
    return this.#root;
  }

  /** @internal */
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

  /** @internal In-flight and stream bookkeeping of one owner generation. */
  forGen(owner: Owner): GenState {
    const key = `${owner.id}#${owner.generation}`;
    let g = this.#gens.get(key);
    if (!g) this.#gens.set(key, g = new GenState(key));
    return g;
  }

  #closeStreams(dropped: RouteDef[]): void {
    const seen = new Set<GenState>();
    for (const r of dropped) {
      if (seen.has(r.gen)) continue;
      seen.add(r.gen);
      r.gen.released = true;
      r.gen.closeAll();
      if (r.gen.inflight === 0) this.#gens.delete(r.gen.key);
    }
  }

  // ---- the hot path ----

  #dispatch(req: Request): Response | Promise<Response> {
    const t0 = Date.now();
    const url = req.url;
    const start = url.indexOf("/", url.indexOf("://") + 3);
    const q = url.indexOf("?", start);
    const path = start < 0 ? "/" : q < 0 ? url.slice(start) : url.slice(start, q);
    const search = q < 0 ? "" : url.slice(q + 1);
    const method = req.method;
    // Reading any request header costs every request a little, so only when configured.
    const rid = new RequestId(this.#idFrom ? req.headers.get(this.#idFrom) : null);

    if (this.#routes.version !== this.#table.version) {
      this.#table = new RouteTable(this.#routes.live(), this.#routes.version);
    }
    const origin = this.#cors ? req.headers.get("origin") : null;

    if (!this.#accepting) {
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
        this.#cors!.preflight(req, origin),
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
      const res = allow.length
        ? errorResponse(405, `Method ${method} not allowed on ${path}`)
        : errorResponse(404, `No route for ${method} ${path}`);
      if (allow.length) res.headers.set("allow", allow.join(", "));
      return this.#after(res, method, path, rid, origin, t0);
    }
    const route = m.route;
    route.gen.inflight++;
    this.#inflight.inflight++;
    let out: Response | Promise<Response>;
    try {
      out = route.run(req, m.params, search, path, rid);
    } catch (err) {
      out = this.#failed(route, err, rid, method, path);
    }
    if (out instanceof Promise) {
      return out.then(
        (res) => this.#after(res, method, path, rid, origin, t0, route),
        (err) =>
          this.#after(
            this.#failed(route, err, rid, method, path),
            method,
            path,
            rid,
            origin,
            t0,
            route,
          ),
      );
    }
    return this.#after(out, method, path, rid, origin, t0, route);
  }

  #failed(route: RouteDef, err: unknown, rid: RequestId, method: string, path: string) {
    const reply = errorReply(err, rid);
    if (reply.status >= 500) this.logError(route.owner, rid, err, `${method} ${path}`);
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "content-type": "application/json" },
    });
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
  ): Response {
    if (route) {
      const gen = route.gen;
      gen.done();
      this.#inflight.done();
      if (gen.released && gen.inflight === 0) this.#gens.delete(gen.key);
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
      if (logged || status >= 400 || rid.used || this.#alwaysId) {
        res = withHeaders(res, [["x-request-id", rid.value]]);
      }
      if (origin) res = this.#cors!.apply(res, origin);
    }
    if (logged) {
      const ms = Date.now() - t0;
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

  // ---- built-in routes: /openapi.json, /docs ----

  #builtins(): void {
    const json = (body: unknown) =>
      new Response(JSON.stringify(body), {
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    const add = (path: string, run: RunFn) =>
      this.register(SELF, { kind: "builtin", method: "GET", path, run });
    add("/openapi.json", () => json(this.openapi()));
    add("/docs", () =>
      new Response(docsPage(this.#title), {
        headers: { "content-type": "text/html; charset=utf-8" },
      }));
    add("/docs/:asset", async (_req, params) => {
      const a = await docsAsset(params.asset);
      if (!a) return errorResponse(404, "Not found");
      return new Response(a.body, {
        headers: { "content-type": a.type, "cache-control": "public, max-age=86400" },
      });
    });
    this.#routes.activate(SELF);
  }

  /** The OpenAPI 3.1 document of every live route (cached per route-set version). */
  openapi(): Record<string, unknown> {
    const v = this.#routes.version;
    if (this.#openapi?.version !== v) {
      this.#openapi = {
        version: v,
        doc: buildOpenApi(this.#routes.live(), { title: this.#title, version: "1.0.0" }),
      };
    }
    return this.#openapi.doc;
  }
}

function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.then(() => {}, () => {}),
    new Promise<void>((r) => timer = setTimeout(r, ms)),
  ]).finally(() => clearTimeout(timer));
}
