/**
 * Routes and the route table: what a registered route is, its path forms and conflict key, and
 * the immutable Hono router built from the live routes (swapped as a whole when they change).
 * @module
 */
import type { Generation, Owner } from "@core";
import type { Router } from "@hono/hono/router";
import { SmartRouter } from "@hono/hono/router/smart-router";
import { RegExpRouter } from "@hono/hono/router/reg-exp-router";
import { TrieRouter } from "@hono/hono/router/trie-router";
import type { RequestId } from "./context.ts";
import type { ResponseHeaders } from "./secure_headers.ts";
import type { RouteSeries } from "./telemetry.ts";
import type { Schema } from "./types.ts";

/** Runs a matched route. `path` is the raw (undecoded) pathname. */
export type RunFn = (
  req: Request,
  params: Record<string, string>,
  search: string,
  path: string,
  rid: RequestId,
) => Response | Promise<Response>;

/** One registered route, as stored in the OwnedRegistry. */
export interface RouteDef {
  kind: "endpoint" | "sse" | "ws" | "static" | "builtin";
  /** Upper-case method, or `ALL`. */
  method: string;
  /** Hono path (`/users/:id`, `/assets/*`). */
  path: string;
  /** OpenAPI path (`/users/{id}`) or the mount prefix. */
  docPath: string;
  /** Conflict key: method and path shape (param names dropped). */
  key: string;
  /** The plugin generation that registered it. */
  owner: Owner;
  /** In-flight work and open streams of the owner generation that registered it. */
  gen: Generation;
  run: RunFn;
  summary?: string;
  description?: string;
  tags?: string[];
  body?: Schema;
  query?: Schema;
  params?: Schema;
  response?: Schema;
  /** Declared answers by status (`EndpointOptions.responses`). */
  responses?: Readonly<Record<number, Schema>>;
  /** Registered with `auth:` (OpenAPI marks it with the bearer scheme). */
  auth?: boolean;
  /** Whether its requests go into the causal trees (set on first use, see telemetry.ts). */
  traced?: boolean;
  /** Its request-duration series, once a request was counted (see telemetry.ts). */
  series?: RouteSeries;
  /** The route's response headers (security defaults and its overrides), for its errors too. */
  headers?: ResponseHeaders;
}

/** A route as registration describes it; the tool adds owner, generation, key and doc path. */
export type NewRoute = Omit<RouteDef, "owner" | "gen" | "key" | "docPath" | "traced" | "series">;

/** A route table match. */
export interface Match {
  route: RouteDef;
  params: Record<string, string>;
}

const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** 0 for fixed paths, 1 with params, 2 with a wildcard: fixed paths win over `:id` and `*`. */
function rank(r: RouteDef): number {
  return r.path.includes("*") ? 2 : r.path.includes(":") ? 1 : 0;
}

/** Routes of one version of the live set, compiled into a Hono router. */
export class RouteTable {
  readonly #router: Router<RouteDef>;
  readonly size: number;

  /** Tables built in this process (compiling routes is the costly part: tests count it). */
  static builds = 0;

  constructor(routes: readonly RouteDef[], readonly version: number) {
    RouteTable.builds++;
    this.#router = new SmartRouter<RouteDef>({
      routers: [new RegExpRouter(), new TrieRouter()],
    });
    const sorted = [...routes].sort((a, b) => rank(a) - rank(b));
    for (const r of sorted) this.#router.add(r.method, r.path, r);
    this.size = routes.length;
  }

  /** Find the route for `method` and raw `path`; HEAD falls back to GET. */
  match(method: string, path: string): Match | undefined {
    const m = this.#one(method, path);
    return m ?? (method === "HEAD" ? this.#one("GET", path) : undefined);
  }

  /** Methods that would match `path` (for 405 answers). */
  allowed(path: string): string[] {
    const out: string[] = [];
    for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE"]) if (this.#one(m, path)) out.push(m);
    return out;
  }

  #one(method: string, path: string): Match | undefined {
    if (this.size === 0) return undefined;
    // Hono routers return [[handler, params][]] or [[handler, paramIndexMap][], stash].
    const res = this.#router.match(method, path) as unknown as [
      [RouteDef, Record<string, string | number>][],
      string[] | undefined,
    ];
    const hit = res[0][0];
    if (!hit) return undefined;
    const [route, pm] = hit;
    const stash = res[1];
    let params = EMPTY;
    for (const k in pm) {
      if (params === EMPTY) params = {};
      const raw = stash ? stash[pm[k] as number] : pm[k] as string;
      if (raw === undefined) continue;
      // Stryker disable next-line StringLiteral: a fast path; decoding a value without % gives it back
      params[k] = raw.includes("%") ? safeDecode(raw) : raw;
    }
    return { route, params };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Normalise a plugin's path: `{id}` → `:id`, leading `/`, no trailing `/`. */
export function honoPath(path: string): string {
  let p = path.trim().replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ":$1");
  if (!p.startsWith("/")) p = "/" + p;
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/** OpenAPI form of a Hono path: `:id{[0-9]+}` → `{id}`. */
export function docPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)(\{[^}]*\})?\??/g, "{$1}");
}

/** Conflict key of a route: method and the path with param names dropped. */
export function routeKey(method: string, path: string): string {
  return `${method} ${path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, ":")}`;
}
