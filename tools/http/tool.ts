/**
 * The `http` tool's lifecycle: settings, listening, routes owned per plugin generation
 * (activate, release, drain), describe, quiesce and shutdown. Requests are answered by
 * `dispatch.ts`; plugins register through `owner_api.ts`, which reaches the tool only through
 * the {@link RouteHost} the tool hands it.
 * @module
 */
import {
  Generations,
  type Mode,
  OwnedRegistry,
  type Owner,
  settleWithin,
  type Tool,
  type ToolContext,
} from "@core";
import { httpPermissions } from "./permissions.ts";
import {
  DEV_HOME,
  effectiveLimits,
  HEADER_NAME,
  HTTP_SETTINGS,
  LIMIT_DEFAULTS,
  listenSettings,
} from "./settings.ts";
import { withPeer } from "./peer.ts";
import { ApiDocs, SELF } from "./builtins.ts";
import { Cors, corsFromEnv, type CorsOptions } from "./cors.ts";
import { Dispatcher } from "./dispatch.ts";
import { type Limits, serveGuarded } from "./guarded_listener.ts";

export { LIMIT_DEFAULTS };
import { reusePortError, type Served, serveSupervised } from "./listener.ts";
import { OwnerApi } from "./owner_api.ts";
import type { RouteHost } from "./route_host.ts";
import { docPath, type NewRoute, type RouteDef, routeKey } from "./route_table.ts";
import type { TelemetryTool } from "./telemetry.ts";
import type { AuthGate, Http, RouteInfo } from "./types.ts";

/** The request-id policy; see {@link HttpTool.requestIds}. */
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

/** Options of {@link HttpTool.listen}. */
export interface ListenOptions {
  /** Interface to listen on (default `0.0.0.0`). */
  hostname?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Connection limits (replace HTTP_HEADER_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS,
   * HTTP_MAX_CONNECTIONS). Any of them above 0 switches to the guarded listener (docs/limits.md):
   * what is left out then gets the default (header 10 s, idle 75 s, no cap); `false` turns them
   * off.
   */
  limits?: Partial<Limits> | false;
  /** SO_REUSEPORT, so a new process can take the port over (HTTP_REUSE_PORT; Linux). */
  reusePort?: boolean;
}

function where(o: Owner): string {
  return o.file ?? o.id;
}

/** The tool instance; plugins see only {@link Http} through `forOwner`. */
export class HttpTool implements Tool {
  /** The name plugins ask for. */
  readonly name = "http";
  /** One line for the status page and AI_CONTEXT.md. */
  readonly description =
    "HTTP server: owned routes with Zod validation, OpenAPI at /openapi.json, docs at /docs, SSE, WebSocket, static files";
  /** Records into `telemetry` when present: causal trees, request metrics. */
  readonly uses = ["telemetry"];
  /** The settings the tool reads in `setup` (settings.ts). */
  readonly env = HTTP_SETTINGS;

  /** Deno permissions for these settings, for `deno task permissions` (see permissions.ts). */
  readonly permissions = httpPermissions;

  readonly #routes = new OwnedRegistry<RouteDef>();
  /**
   * Routes by key, so that a new route's conflict check does not walk every route (quadratic at
   * boot: ~35 ms of 1,000 plugins'). May hold routes gone since: each is checked in `#routes`.
   */
  readonly #byKey = new Map<string, Set<RouteDef>>();
  readonly #gens = new Generations();
  readonly #dispatch = new Dispatcher(this.#routes, this.#gens.all);
  readonly #docs = new ApiDocs(this.#routes);
  /** What `owner_api.ts` may do to the tool (see {@link RouteHost}). */
  readonly #host: RouteHost = {
    register: (owner, route) => this.#register(owner, route),
    generation: (owner) => this.#gens.of(owner),
    bodyLimit: () => this.#bodyLimit,
    root: () => this.#root,
    logError: (owner, rid, err, what) => this.#dispatch.logError(owner, rid, err, what),
    auth: () => this.#auth,
    checksResponses: () => this.#mode !== "start",
  };
  #auth: AuthGate | undefined;
  #mode: Mode = "test";
  #root = Deno.cwd();
  #bodyLimit = 1024 * 1024;
  #hostname = "0.0.0.0";
  #port = 8000;
  #limits: Partial<Limits> | false = false;
  #reusePort = false;
  #drainMs = 500;
  #server: Served | undefined;
  #url: string | undefined;

  /** A tool with the built-in routes (`/openapi.json`, `/docs`) and default settings. */
  constructor() {
    for (const route of this.#docs.routes()) this.#register(SELF, route);
    this.#routes.activate(SELF);
  }

  /** Read the settings (see {@link HttpTool.env}); HOST and PORT are used when listening. */
  setup(ctx: ToolContext): void {
    this.#dispatch.useLog(ctx.log, ctx.errorInfo);
    this.#dispatch.useTelemetry(
      ctx.tool<TelemetryTool>("telemetry"),
      () => this.#gens.all.inflight,
    );
    this.#mode = ctx.mode;
    // In dev, `/` says where things are instead of a bare 404 (until a plugin takes `/`).
    this.#dispatch.home = ctx.mode === "dev" ? DEV_HOME : undefined;
    this.#root = ctx.root;
    const limit = ctx.env("HTTP_BODY_LIMIT");
    if (limit) {
      const n = Number(limit);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`HTTP_BODY_LIMIT must be > 0: ${limit}`);
      this.#bodyLimit = n;
    }
    const send = ctx.env("HTTP_REQUEST_ID");
    if (send && send !== "auto" && send !== "always") {
      throw new Error(`HTTP_REQUEST_ID must be "auto" or "always": ${send}`);
    }
    const from = ctx.env("HTTP_REQUEST_ID_HEADER");
    if (from && !HEADER_NAME.test(from)) {
      throw new Error(`HTTP_REQUEST_ID_HEADER must be a header name: ${from}`);
    }
    // Stryker disable next-line StringLiteral: requestIds only compares `send` with "always"
    this.requestIds({ send: send === "always" ? "always" : "auto", from: from || false });
    const cors = corsFromEnv(
      ctx.env("CORS_ORIGINS"),
      ctx.env("CORS_CREDENTIALS"),
      ctx.env("CORS_ALLOW_HEADERS"),
    );
    if (cors) this.#dispatch.cors = new Cors(cors);
    const title = ctx.env("APP_NAME");
    if (title) this.#docs.title = title;
    const listen = listenSettings(ctx);
    this.#limits = listen.limits;
    this.#reusePort = listen.reusePort;
    this.#drainMs = listen.drainMs;
    this.#hostname = ctx.env("HOST") ?? "0.0.0.0";
    this.#port = Number(ctx.env("PORT") ?? 8000);
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
    if (options.send !== undefined) this.#dispatch.alwaysId = options.send === "always";
    if (options.from !== undefined) {
      if (options.from !== false && !HEADER_NAME.test(options.from)) {
        throw new TypeError(`requestIds: not a header name: ${options.from}`);
      }
      this.#dispatch.idFrom = options.from ? options.from.toLowerCase() : undefined;
    }
  }

  /**
   * Install the token verifier that `auth:` routes use (the auth tool does, in its setup);
   * `undefined` removes it (protected routes then answer 401). Without one, registering a route
   * with `auth:` throws.
   */
  useAuth(gate: AuthGate | undefined): void {
    this.#auth = gate;
  }

  /** Configure CORS (replaces CORS_ORIGINS); `undefined` turns it off. */
  cors(options: CorsOptions | undefined): void {
    this.#dispatch.cors = options ? new Cors(options) : undefined;
  }

  /** Start listening on HOST:PORT (in `start`/`dev` mode; tests call {@link listen} themselves). */
  async onBootComplete(): Promise<void> {
    if (this.#mode === "test" || this.#server) return;
    await this.listen({
      hostname: this.#hostname,
      port: this.#port,
      limits: this.#limits,
      reusePort: this.#reusePort,
    });
  }

  /**
   * Open the listener; returns its URL. Logs `listening on http://HOST:PORT`. The listener
   * survives running out of file descriptors; with {@link ListenOptions.limits} it also enforces
   * a header deadline, an idle timeout and a connection cap (docs/limits.md).
   */
  listen(options: ListenOptions = {}): Promise<string> {
    if (this.#server) return Promise.resolve(this.#url!);
    const hostname = options.hostname ?? "0.0.0.0";
    const dispatch = this.#dispatch;
    dispatch.accepting = true;
    const at = { hostname, port: options.port ?? 8000, reusePort: options.reusePort };
    const handle = withPeer((req) => dispatch.handle(req));
    const limits = effectiveLimits(options.limits);
    let server: Served;
    try {
      server = limits
        ? serveGuarded(at, limits, handle, dispatch.log)
        : serveSupervised(at, handle, dispatch.log);
    } catch (err) {
      // A promise, as callers await it: a refusal rejects, never throws.
      const flag = reusePortError(err);
      if (flag) return Promise.reject(flag);
      if (err instanceof Deno.errors.AddrInUse) {
        return Promise.reject(
          new Error(
            `port ${at.port} on ${hostname} is already in use by another process: stop it, or ` +
              "set PORT to another port (PORT=0 picks a free one)",
          ),
        );
      }
      return Promise.reject(err);
    }
    this.#server = server;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    this.#url = `http://${host}:${server.addr.port}`;
    // A wildcard address is no link a browser opens: name localhost, and the docs.
    const local = hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
    const open = `http://${local ? "localhost" : host}:${server.addr.port}`;
    dispatch.log.info(`listening on ${this.#url} (open ${open}, API docs at ${open}/docs)`, {
      url: this.#url,
      ...(limits ? { limits } : {}),
    });
    return Promise.resolve(this.#url);
  }

  /** The listener's URL, once listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Handle a request in-process (no socket): what the listener does for each request. */
  fetch(request: Request): Promise<Response> {
    return Promise.resolve(this.#dispatch.handle(request));
  }

  /** The per-plugin API. */
  forOwner(owner: Owner): Http {
    return new OwnerApi(this.#host, owner);
  }

  /** Make `owner`'s generation live; the generations it replaces are released. */
  activate(owner: Owner): void {
    this.#releaseGens(this.#routes.activate(owner));
  }

  /** Drop one generation of `ownerId`, or all: its routes go, its streams and sockets close. */
  release(ownerId: string, generation?: number): void {
    this.#releaseGens(this.#routes.release(ownerId, generation));
    this.#gens.release(ownerId, generation);
  }

  /** Wait, at most `timeoutMs`, for the requests of one generation to finish. */
  drain(ownerId: string, generation: number, timeoutMs: number): Promise<void> {
    return this.#gens.drain(ownerId, generation, timeoutMs);
  }

  /** `{ routes }` of one owner's live generation, or `undefined` when it has none. */
  describeOwner(ownerId: string): Record<string, unknown> | undefined {
    const items = this.#routes.itemsOf(ownerId);
    if (!items.length) return undefined;
    const routes: RouteInfo[] = items.map((r) => ({
      method: r.method,
      path: r.docPath,
      summary: r.summary,
      kind: r.kind as RouteInfo["kind"],
    }));
    return { routes };
  }

  /** Where it listens, how many plugin routes are live, how many requests are in flight. */
  describe(): Record<string, unknown> {
    const routes = this.#routes.live().filter((r) => r.kind !== "builtin").length;
    const connections = this.#server?.stats?.();
    return {
      listening: this.#url ?? null,
      routes,
      inflight: this.#gens.all.inflight,
      ...(connections ? { connections } : {}),
    };
  }

  /** Stop accepting, close streams and sockets, wait (bounded) for requests in flight. */
  async quiesce(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#gens.closeAll();
    const server = this.#server;
    if (server && this.#reusePort && this.#drainMs > 0) {
      // Another process may be listening on this port: keep answering for a moment, every
      // response asking its client to reconnect, so keep-alive clients move over instead of
      // finding their connection closed under a request (what a bare shutdown does to them).
      this.#dispatch.draining = true;
      await new Promise((r) => setTimeout(r, Math.min(this.#drainMs, timeoutMs)));
    }
    if (server) await settleWithin(server.shutdown(), Math.max(0, deadline - Date.now()));
    this.#dispatch.accepting = false;
    await settleWithin(this.#gens.all.idle(), Math.max(0, deadline - Date.now()));
  }

  /** Stop the listener (bounded). */
  async shutdown(): Promise<void> {
    this.#dispatch.accepting = false;
    const server = this.#server;
    if (server) await settleWithin(server.shutdown(), 1000);
  }

  /** The OpenAPI 3.1 document of every live route (cached per route-set version). */
  openapi(): Record<string, unknown> {
    return this.#docs.openapi();
  }

  #register(owner: Owner, def: NewRoute): void {
    const key = routeKey(def.method, def.path);
    const same = this.#byKey.get(key) ?? new Set();
    for (const r of same) {
      const o = r.owner;
      if (!this.#routes.itemsOf(o.id, o.generation).includes(r)) {
        same.delete(r);
        continue;
      }
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
      gen: this.#gens.of(owner),
      key,
      docPath: def.kind === "static" ? def.path.replace(/\/\*$/, "") || "/" : docPath(def.path),
    };
    // A generation already replaced or released registers nothing: forget its bookkeeping too.
    if (!this.#routes.add(owner, route)) route.gen.release();
    else this.#byKey.set(key, same.add(route));
  }

  /** Releases the generations of routes that went away: their streams and sockets close. */
  #releaseGens(dropped: RouteDef[]): void {
    const seen = new Set<RouteDef["gen"]>();
    for (const r of dropped) {
      const same = this.#byKey.get(r.key);
      if (same?.delete(r) && same.size === 0) this.#byKey.delete(r.key);
      if (seen.has(r.gen)) continue;
      seen.add(r.gen);
      r.gen.release();
    }
  }
}
