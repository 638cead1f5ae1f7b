/**
 * The per-plugin face of the `http` tool: `addEndpoint`, `addSse`, `addWebSocket` and
 * `serveStatic`, each registration owned by one plugin generation.
 * @module
 */
import type { Owner } from "@core";
import { RequestContext, type RequestId, toResponse } from "./context.ts";
import type { RouteHost } from "./route_host.ts";
import { honoPath, type RunFn } from "./route_table.ts";
import { sseResponse } from "./sse.ts";
import { staticHandler } from "./static.ts";
import type {
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
} from "./types.ts";
import { check, type FieldIssue, parseQuery, validationError, withBody } from "./validation.ts";
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
  return proto === Object.prototype || proto === null;
}

function normMethod(method: string): HttpMethod {
  const m = method.toUpperCase();
  if (!METHODS.has(m)) throw new Error(`Unknown HTTP method "${method}"`);
  return m as HttpMethod;
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
    handler: Handler<any>,
    options: EndpointOptions<Schema | undefined, Schema | undefined, Schema | undefined> = {},
  ): void {
    if (typeof handler !== "function") {
      throw new TypeError("addEndpoint: handler must be a function");
    }
    const m = normMethod(method);
    const host = this.#host;
    const { body, query, params: pSchema, rawBody } = options;
    const readsBody = !rawBody && !NO_BODY.has(m);
    const validates = !!(body || query || pSchema);
    const hPath = honoPath(path);
    // Without query schema, params and a query string, the (fresh) body object is the data.
    const bodyOnly = !query && !pSchema && !/[:*]/.test(hPath);
    const finish = (
      req: Request,
      params: Record<string, string>,
      search: string,
      rid: RequestId,
      b: Record<string, unknown> | undefined,
    ): Response | Promise<Response> => {
      const q = search ? parseQuery(search) : EMPTY_QUERY;
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
      const out = handler(data, ctx);
      return out instanceof Promise ? out.then((r) => toResponse(r, ctx)) : toResponse(out, ctx);
    };
    const run: RunFn = readsBody
      ? (req, params, search, _path, rid) =>
        withBody(req, host.bodyLimit(), (b) => finish(req, params, search, rid, b))
      : (req, params, search, _path, rid) => finish(req, params, search, rid, undefined);
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
    });
  }

  addSse(
    path: string,
    // deno-lint-ignore no-explicit-any
    handler: SseHandler<any>,
    options: SseOptions<Schema | undefined> = {},
  ): void {
    const host = this.#host;
    const owner = this.#owner;
    const query = options.query;
    const heartbeatMs = options.heartbeatMs ?? 15000;
    const gen = host.generation(owner);
    const run: RunFn = async (req, params, search, _path, rid) => {
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
      const source = await handler(Object.assign({}, qv, params), ctx);
      const { response, close } = sseResponse(source, abort, {
        heartbeatMs,
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
    });
  }

  addWebSocket(
    path: string,
    // deno-lint-ignore no-explicit-any
    handlers: WebSocketHandlers<any>,
    options: { summary?: string; description?: string; tags?: string[] } = {},
  ): void {
    const host = this.#host;
    const owner = this.#owner;
    const gen = host.generation(owner);
    const run: RunFn = (req, params, search, _path, rid) => {
      const q = search ? parseQuery(search) : EMPTY_QUERY;
      const ctx = new RequestContext(req, params, q, rid);
      return upgrade(req, handlers, Object.assign({}, q, params), ctx, (close) => {
        gen.closers.add(close);
        return () => gen.closers.delete(close);
      }, (e) => host.logError(owner, rid, e, `WebSocket ${path}`));
    };
    host.register(owner, {
      kind: "ws",
      method: "GET",
      path: honoPath(path),
      run,
      summary: options.summary,
      description: options.description,
      tags: options.tags,
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
    const run: RunFn = (req, _params, _search, path) => serve(req, path);
    const path = prefix === "/" ? "/*" : `${prefix}/*`;
    this.#host.register(this.#owner, { kind: "static", method: "GET", path, run });
    if (prefix !== "/") {
      this.#host.register(this.#owner, { kind: "static", method: "GET", path: prefix, run });
    }
  }
}
