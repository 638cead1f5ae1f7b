/**
 * The per-plugin face of the `http` tool: `addEndpoint`, `addSse`, `addWebSocket` and
 * `serveStatic`, each registration owned by one plugin generation.
 * @module
 */
import type { Owner } from "@core";
import { checkResponse } from "./responses.ts";
import { RequestContext, type RequestId, toResponse } from "./context.ts";
import { admit, type Guard, guardOf, refusalResponse, refused, refuseSocket } from "./guard.ts";
import type { RouteHost } from "./route_host.ts";
import { honoPath, type RunFn } from "./route_table.ts";
import { responseHeaders } from "./secure_headers.ts";
import { sseResponse } from "./sse.ts";
import { staticHandler } from "./static.ts";
import type {
  AuthClaims,
  AuthRule,
  EndpointOptions,
  Handler,
  Http,
  HttpMethod,
  MethodName,
  Schema,
  SseHandler,
  SseOptions,
  StaticOptions,
  WebSocketHandlers,
  WebSocketOptions,
} from "./types.ts";
import {
  check,
  checkParams,
  type FieldIssue,
  parseQuery,
  validationError,
  withBody,
} from "./validation.ts";
import { upgrade } from "./ws.ts";

const METHODS = new Set<string>([
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
  "ALL",
]);
const NO_BODY = new Set<string>(["GET", "HEAD", "OPTIONS"]);
const EMPTY_QUERY: Record<string, string | string[]> = Object.freeze({}) as Record<
  string,
  string
>;

/** A plain object (what a body parses or validates to), safe to hand over as the data. */
function isPlain(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  // Stryker disable next-line LogicalOperator: when not "plain", the data is a copy of the same fields instead
  return proto === Object.prototype || proto === null;
}

function normMethod(method: string): HttpMethod {
  const m = method.toUpperCase();
  if (!METHODS.has(m)) throw new Error(`Unknown HTTP method "${method}"`);
  return m as HttpMethod;
}

/**
 * The guard of a route registered with `auth:`, or `undefined` for a public one. Fails closed:
 * `auth:` without an auth tool set up throws, so the plugin fails to load.
 */
function guardFor(host: RouteHost, rule: AuthRule | undefined, what: string): Guard | undefined {
  const guard = guardOf(rule, what);
  if (guard && !host.auth()) {
    throw new Error(
      `${what} is registered with auth: but no auth tool is set up: add tools/auth (the \`auth\` ` +
        "tool) and check it booted (in start mode it needs AUTH_JWT_SECRET)",
    );
  }
  return guard;
}

/** What `forOwner` returns: registration bound to one owner, through the tool's {@link RouteHost}. */
export class OwnerApi implements Http {
  readonly #host: RouteHost;
  readonly #owner: Owner;

  /** Registers routes owned by `owner` with `host`. */
  constructor(host: RouteHost, owner: Owner) {
    this.#host = host;
    this.#owner = owner;
  }

  addEndpoint(
    path: string,
    method: MethodName,
    // deno-lint-ignore no-explicit-any
    handler: Handler<any, any>,
    options: EndpointOptions<Schema | undefined, Schema | undefined, Schema | undefined> = {},
  ): void {
    if (typeof handler !== "function") {
      throw new TypeError("addEndpoint: handler must be a function");
    }
    const m = normMethod(method);
    const host = this.#host;
    const { body, query, params: pSchema, rawBody } = options;
    const guard = guardFor(host, options.auth, `addEndpoint ${m} ${path}`);
    const readsBody = !rawBody && !NO_BODY.has(m);
    const validates = !!(body || query || pSchema);
    const hPath = honoPath(path);
    const headers = responseHeaders(options.headers);
    const answers = options.responses && host.checksResponses() ? options.responses : undefined;
    // Without query schema, params and a query string, the (fresh) body object is the data.
    const bodyOnly = !query && !pSchema && !/[:*]/.test(hPath);
    const finish = (
      req: Request,
      params: Record<string, string>,
      search: string,
      rid: RequestId,
      b: Record<string, unknown> | undefined,
      claims: AuthClaims | undefined,
    ): Response | Promise<Response> => {
      const q = search ? parseQuery(search) : EMPTY_QUERY;
      checkParams(params);
      let data: Record<string, unknown>;
      if (validates) {
        const issues: FieldIssue[] = [];
        const qv = query ? check(query, q, "query", issues) : q;
        const pv = pSchema ? check(pSchema, params, "params", issues) : params;
        const bv = body ? check(body, b ?? {}, "body", issues) : b;
        if (issues.length) throw validationError(issues);
        data = bodyOnly && !search && isPlain(bv)
          ? bv as Record<string, unknown>
          : Object.assign({}, qv, pv, bv);
      } else {
        data = bodyOnly && !search && b ? b : Object.assign({}, q, params, b);
      }
      const ctx = new RequestContext(req, params, q, rid);
      if (claims) ctx.auth = claims;
      const out = handler(data, ctx);
      const send = answers
        ? (
          r: unknown,
        ) => (checkResponse(`${m} ${path}`, answers, r, ctx), toResponse(r, ctx, headers))
        : (r: unknown) => toResponse(r, ctx, headers);
      return out instanceof Promise ? out.then(send) : send(out);
    };
    const open = readsBody
      ? (
        req: Request,
        params: Record<string, string>,
        search: string,
        rid: RequestId,
        claims: AuthClaims | undefined,
      ) => withBody(req, host.bodyLimit(), (b) => finish(req, params, search, rid, b, claims))
      : (
        req: Request,
        params: Record<string, string>,
        search: string,
        rid: RequestId,
        claims: AuthClaims | undefined,
      ) => finish(req, params, search, rid, undefined, claims);
    // A guarded route answers 401/403 before its body is read or validated.
    const run: RunFn = guard
      ? (req, params, search, _path, rid) =>
        admit(req, guard, host.auth()).then((a) =>
          refused(a) ? headers.fill(refusalResponse(a)) : open(req, params, search, rid, a.claims)
        )
      : (req, params, search, _path, rid) => open(req, params, search, rid, undefined);
    host.register(this.#owner, {
      kind: "endpoint",
      method: m,
      path: hPath,
      run,
      summary: options.summary,
      description: options.description,
      tags: options.tags,
      body,
      query,
      params: pSchema,
      response: options.response,
      responses: options.responses,
      auth: !!guard,
      headers,
    });
  }

  addSse(
    path: string,
    // deno-lint-ignore no-explicit-any
    handler: SseHandler<any, any>,
    options: SseOptions<Schema | undefined> = {},
  ): void {
    const host = this.#host;
    const owner = this.#owner;
    const query = options.query;
    const heartbeatMs = options.heartbeatMs ?? 15000;
    const headers = responseHeaders(options.headers);
    const gen = host.generation(owner);
    const guard = guardFor(host, options.auth, `addSse ${path}`);
    const run: RunFn = async (req, params, search, _path, rid) => {
      let claims: AuthClaims | undefined;
      if (guard) {
        const a = await admit(req, guard, host.auth());
        if (refused(a)) return headers.fill(refusalResponse(a));
        claims = a.claims;
      }
      const q = search ? parseQuery(search) : EMPTY_QUERY;
      let qv: unknown = q;
      if (query) {
        const issues: FieldIssue[] = [];
        qv = check(query, q, "query", issues);
        if (issues.length) throw validationError(issues);
      }
      const abort = new AbortController();
      // The stream's errors are logged after the response left: it carries the id up front
      // (one header on a long-lived response costs nothing that matters).
      void rid.value;
      // The client leaving cancels the stream, which aborts this signal (see sse.ts).
      const ctx = new RequestContext(req, params, q, rid, abort.signal);
      ctx.auth = claims;
      const source = await handler(Object.assign({}, qv, params), ctx);
      const { response, close } = sseResponse(source, abort, {
        heartbeatMs,
        headers,
        onClose: () => gen.closers.delete(close),
        onError: (e) => host.logError(owner, rid, e, `SSE ${path}`),
      });
      gen.closers.add(close);
      return response;
    };
    host.register(owner, {
      kind: "sse",
      method: "GET",
      path: honoPath(path),
      run,
      summary: options.summary,
      description: options.description,
      tags: options.tags,
      query,
      auth: !!guard,
      headers,
    });
  }

  addWebSocket(
    path: string,
    // deno-lint-ignore no-explicit-any
    handlers: WebSocketHandlers<any, any>,
    options: WebSocketOptions = {},
  ): void {
    const host = this.#host;
    const owner = this.#owner;
    const gen = host.generation(owner);
    const guard = guardFor(host, options.auth, `addWebSocket ${path}`);
    const connect = (
      req: Request,
      params: Record<string, string>,
      search: string,
      rid: RequestId,
      claims: AuthClaims | undefined,
    ) => {
      let q = search ? parseQuery(search) : EMPTY_QUERY;
      if (claims && "token" in q) {
        // The credential stays out of the data and ctx.query handlers see (and might log).
        q = { ...q };
        delete (q as Record<string, unknown>).token;
      }
      const ctx = new RequestContext(req, params, q, rid);
      ctx.auth = claims;
      return upgrade(req, handlers, Object.assign({}, q, params), ctx, (close) => {
        gen.closers.add(close);
        return () => gen.closers.delete(close);
      }, (e) => host.logError(owner, rid, e, `WebSocket ${path}`));
    };
    // A refused socket is upgraded and closed with 1008 before any handler runs.
    const run: RunFn = guard
      ? async (req, params, search, _path, rid) => {
        if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return connect(req, params, search, rid, undefined); // the 426
        }
        const a = await admit(req, guard, host.auth(), { search });
        if (refused(a)) return refuseSocket(req, a);
        return connect(req, params, search, rid, a.claims);
      }
      : (req, params, search, _path, rid) => connect(req, params, search, rid, undefined);
    host.register(owner, {
      kind: "ws",
      method: "GET",
      path: honoPath(path),
      run,
      summary: options.summary,
      description: options.description,
      tags: options.tags,
      auth: !!guard,
    });
  }

  serveStatic(urlPrefix: string, dir: string, options?: StaticOptions): void {
    const prefix = honoPath(urlPrefix);
    const root = dir.startsWith("/") ? dir : `${this.#host.root()}/${dir}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(root);
    } catch {
      throw new Error(`serveStatic: directory not found: ${root}`);
    }
    if (!info.isDirectory) throw new Error(`serveStatic: not a directory: ${root}`);
    const serve = staticHandler(prefix, root, options);
    const headers = responseHeaders(options?.headers);
    const run: RunFn = (req, _params, _search, path) => serve(req, path);
    const path = prefix === "/" ? "/*" : `${prefix}/*`;
    this.#host.register(this.#owner, { kind: "static", method: "GET", path, run, headers });
    if (prefix !== "/") {
      this.#host.register(this.#owner, {
        kind: "static",
        method: "GET",
        path: prefix,
        run,
        headers,
      });
    }
  }
}
