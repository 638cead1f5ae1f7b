/** The plugin-facing types of the `http` tool. @module */
import type { z } from "zod";
import type { AuthClaims, AuthRule } from "./auth_types.ts";
import type { Peer } from "./peer.ts";
import type { HeaderOverrides } from "./secure_headers.ts";

export type { AuthClaims, AuthGate, AuthRule } from "./auth_types.ts";
export type { HeaderOverrides };

/** HTTP methods a route can answer. `ALL` answers every method. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" | "ALL";

/** Method names as plugins may write them (any case). */
export type MethodName = HttpMethod | Lowercase<HttpMethod>;

/** Any Zod 4 schema. */
export type Schema = z.ZodType;

/** Options of a cookie set with {@link HttpContext.setCookie}. */
export interface CookieOptions {
  /** Seconds until the cookie expires. */
  maxAge?: number;
  expires?: Date;
  /** Defaults to `/`. */
  path?: string;
  domain?: string;
  /** Defaults to `true`. */
  httpOnly?: boolean;
  /** Defaults to `true`. */
  secure?: boolean;
  /** Defaults to `Lax`. */
  sameSite?: "Strict" | "Lax" | "None";
}

/**
 * What a handler receives beside its `data`: the raw request and ways to shape the response.
 *
 * @example
 * ```ts
 * http.addEndpoint("/login", "POST", (data, ctx) => {
 *   ctx.setCookie("session", "abc", { maxAge: 3600 });
 *   ctx.setStatus(201);
 *   return { success: true };
 * });
 * ```
 */
export interface HttpContext extends Peer {
  /** The raw request. Its body has already been read unless the route set `rawBody`. */
  readonly request: Request;
  /** Request headers. */
  readonly headers: Headers;
  /** Path parameters (decoded strings). */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters; a repeated key gives an array. */
  readonly query: Readonly<Record<string, string | string[]>>;
  /**
   * This request's id: a new one made on first read, or the incoming one when
   * `HTTP_REQUEST_ID_HEADER` names a header to adopt it from (1–128 visible ASCII characters).
   * Reading it before the handler returns makes the response carry it as `x-request-id`, so a
   * log line that records it can be found from the response (read it up front when a streamed
   * body or later work logs it). SSE responses always carry it.
   */
  readonly requestId: string;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /**
   * The verified token claims on a route registered with `auth:` (`ctx.auth.sub` is the user
   * id); `undefined` on a public route.
   */
  readonly auth?: AuthClaims;
  /** Set the response status (wins over every default). */
  setStatus(status: number): void;
  /** Set (replace) a response header. */
  setHeader(name: string, value: string): void;
  /** Add a `Set-Cookie` header. Defaults: `Path=/; HttpOnly; Secure; SameSite=Lax`. */
  setCookie(name: string, value: string, options?: CookieOptions): void;
  /** Read a request cookie. */
  getCookie(name: string): string | undefined;
  /** A redirect response to return from the handler (default 302). */
  redirect(location: string, status?: 301 | 302 | 303 | 307 | 308): Response;
}

/** Path parameters named in a path template (`/users/:id` or `/users/{id}`). */
export type PathParams<P extends string> = string extends P ? Record<string, string>
  : P extends `${infer Head}/${infer Tail}` ? ParamOf<Head> & PathParams<Tail>
  : ParamOf<P>;

type ParamOf<S extends string> = S extends `:${infer N}{${string}}` ? { [K in N]: string }
  : S extends `:${infer N}?` ? { [K in N]?: string }
  : S extends `:${infer N}` ? { [K in N]: string }
  : S extends `{${infer N}}` ? { [K in N]: string }
  // deno-lint-ignore ban-types
  : {};

type Out<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;

/**
 * The `data` a handler receives: query, then path params, then body, merged (later wins).
 * Each part is typed by its schema when one is given; without any schema the body is free-form.
 */
export type HandlerData<Path extends string, B, Q, P> =
  & Out<Q, Record<string, unknown>>
  & Out<P, PathParams<Path>>
  & Out<B, Record<string, unknown>>;

/** The response envelope the tool uses for its own errors and that handlers are asked to use. */
export interface Envelope<T = unknown> {
  success: boolean;
  data?: T;
  error?: string;
  details?: unknown;
  [key: string]: unknown;
}

/** What a handler may return. */
export type HandlerResult =
  | Response
  | Record<string, unknown>
  | unknown[]
  | string
  | Uint8Array
  | null
  | undefined
  | void;

/** A route handler. */
export type Handler<D, C extends HttpContext = HttpContext> = (
  data: D,
  ctx: C,
) => HandlerResult | Promise<HandlerResult>;

/** The context of a route registered with `auth:`: `ctx.auth` is always there. */
export type AuthedContext = HttpContext & { readonly auth: AuthClaims };

/** The handler's context for an `auth` option `A`: {@link AuthedContext} when it protects. */
export type ContextFor<A> = [A] extends [true | { roles?: unknown; allow?: unknown }]
  ? AuthedContext
  : HttpContext;

/** Options of {@link Http.addEndpoint}. */
export interface EndpointOptions<
  B = undefined,
  Q = undefined,
  P = undefined,
  A extends AuthRule | undefined = AuthRule | undefined,
> {
  /** Schema of the JSON/form body. A failing body gives 400 and the handler is not called. */
  body?: B;
  /** Schema of the query parameters (strings: use `z.coerce` for numbers). */
  query?: Q;
  /** Schema of the path parameters. */
  params?: P;
  /** Schema of a successful response (documentation only; `responses` also checks). */
  response?: Schema;
  /** Answers by status, `{ 201: ok(Created) }`: in OpenAPI, checked in dev/test (responses.ts). */
  responses?: Readonly<Record<number, Schema>>;
  /** OpenAPI tags. */
  tags?: string[];
  summary?: string;
  description?: string;
  /** Leave the body unread so the handler can read `ctx.request` itself (webhooks, uploads). */
  rawBody?: boolean;
  /**
   * Require a valid token (`true`), one with any of `roles`, or one `allow` accepts; see
   * {@link AuthRule}. The handler reads the claims as `ctx.auth`. Needs the `auth` tool.
   */
  auth?: A;
  /**
   * Response headers of this route, over the security headers every response carries
   * (`X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`):
   * a string sets or replaces one, `null` drops one. They apply to the route's errors too;
   * `ctx.setHeader` and a returned `Response`'s own headers win over them.
   *
   * @example
   * ```ts
   * // a page another site of yours may frame, with its own CSP
   * { headers: { "x-frame-options": null, "content-security-policy": "frame-ancestors https://app.example" } }
   * ```
   */
  headers?: HeaderOverrides;
}

/** One Server-Sent Event. A plain string or object is sent as `data`. */
export interface SseEvent {
  data: unknown;
  event?: string;
  id?: string;
  /** Reconnection time hint in ms. */
  retry?: number;
}

/** An SSE handler: returns (or is) an async iterable of events; its `finally` runs on close. */
export type SseHandler<D, C extends HttpContext = HttpContext> = (
  data: D,
  ctx: C,
) => AsyncIterable<SseEvent | string> | Promise<AsyncIterable<SseEvent | string>>;

/** Options of {@link Http.addSse}. */
export interface SseOptions<Q = undefined, A extends AuthRule | undefined = AuthRule | undefined> {
  query?: Q;
  tags?: string[];
  summary?: string;
  description?: string;
  /** Milliseconds between keep-alive comments (default 15000, 0 = none). */
  heartbeatMs?: number;
  /** Require a token, as {@link EndpointOptions.auth}: refused streams get the 401/403 JSON. */
  auth?: A;
  /** Response headers over the security defaults, as in {@link EndpointOptions.headers}. */
  headers?: HeaderOverrides;
}

/** Options of {@link Http.addWebSocket}. */
export interface WebSocketOptions<A extends AuthRule | undefined = AuthRule | undefined> {
  summary?: string;
  description?: string;
  tags?: string[];
  /**
   * Require a token, as {@link EndpointOptions.auth}, from `Authorization: Bearer`, `?token=` or
   * the session cookie (same origin only); a refused socket is closed with 1008 before `onOpen`.
   */
  auth?: A;
}

/** Callbacks of a WebSocket endpoint. A throw in one is logged; the socket is closed (1011). */
export interface WebSocketHandlers<
  D = Record<string, unknown>,
  C extends HttpContext = HttpContext,
> {
  /**
   * The socket is open. `data` holds the query and path params of the upgrade request; on a
   * protected endpoint `ctx.auth` holds the verified claims.
   */
  onOpen?(socket: WebSocket, data: D, ctx: C): void | Promise<void>;
  onMessage?(
    socket: WebSocket,
    message: string | ArrayBuffer | Blob,
    data: D,
  ): void | Promise<void>;
  onClose?(socket: WebSocket, code: number, reason: string): void | Promise<void>;
}

/** Options of {@link Http.serveStatic}. */
export interface StaticOptions {
  /** Serve `index.html` for a directory (default true). */
  index?: boolean;
  /** `Cache-Control` header value (default `public, max-age=300`). */
  cacheControl?: string;
  /**
   * File extensions served (lower case, no dot), replacing the default allow-list
   * `STATIC_EXTENSIONS` (web pages, styles, scripts, source maps, JSON/XML/text, images, fonts,
   * media, wasm, pdf). Other files are 404, so a `.ts`, `.sql`, `.db` or `.bak` left in the folder
   * is never served. Files under `.well-known/` are served whatever their name.
   *
   * @example
   * ```ts
   * import { STATIC_EXTENSIONS } from "@tools/http/mod.ts";
   * http.serveStatic("/models", "domains/web/models", { extensions: [...STATIC_EXTENSIONS, "glb"] });
   * ```
   */
  extensions?: readonly string[];
  /**
   * Response headers over the security defaults, as in {@link EndpointOptions.headers} (a
   * site's pages often want a `content-security-policy` of their own).
   */
  headers?: HeaderOverrides;
}

/** A live route as shown by `describeOwner`. */
export interface RouteInfo {
  method: string;
  path: string;
  summary?: string;
  kind: "endpoint" | "sse" | "ws" | "static";
}

/**
 * What a plugin receives when it asks for `http`: routes it registers are owned by it and go
 * away when it is unloaded or reloaded.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Http } from "@tools/http/mod.ts";
 * import { z } from "zod";
 *
 * export default class CreateProduct extends BasePlugin {
 *   constructor(private http: Http) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.http.addEndpoint("/products", "POST", (data) => {
 *       return { success: true, data: { name: data.name, price: data.price } };
 *     }, { body: z.object({ name: z.string(), price: z.number() }), tags: ["products"] });
 *   }
 * }
 * ```
 */
export interface Http {
  /**
   * Register a route; `options.auth` (`true`, `{ roles: ["admin"] }` or `{ allow: (claims) => … }`)
   * makes it answer 401/403 without a valid token and hands the handler the claims as `ctx.auth`.
   *
   * Path params are written `:id` (Hono) or `{id}` (OpenAPI); both work.
   *
   * The handler gets `data` — query params, path params and the JSON or form body merged into
   * one object (later wins), validated and typed by the schemas in `options` — and an
   * {@link HttpContext}.
   *
   * Responses: a `Response` is sent as is; a string as `text/plain`; `undefined`/`null` as 204;
   * anything else as JSON. Status: whatever `ctx.setStatus` set, else **400 when the result is
   * an object with `success: false`**, else 200. Throw {@link HttpError} for any 4xx; an error
   * with a `kind` (`unique_violation`, `not_found`, …) maps to 409/400/404; anything else is a
   * 500 `{ success: false, error: "Internal server error", requestId }` (the stack is logged).
   *
   * Protect it with `auth: true` (any valid token), `auth: { roles: ["admin"] }` or
   * `auth: { allow: (claims) => … }`: the handler then reads the verified claims as `ctx.auth`,
   * and a request without a valid token gets a 401 (403 without the role) before its body is
   * read or validated. See {@link AuthRule}.
   *
   * @example
   * ```ts
   * http.addEndpoint("/orders", "POST", (data, ctx) => {
   *   return { success: true, data: { owner: ctx.auth.sub, item: data.item } };
   * }, { body: z.object({ item: z.string() }), auth: { roles: ["customer"] } });
   * ```
   *
   * @throws if another plugin already owns the same method and path (both files are named), or
   * `auth` is given and no auth tool is set up (tools/auth).
   */
  addEndpoint<
    const Path extends string,
    B extends Schema | undefined = undefined,
    Q extends Schema | undefined = undefined,
    P extends Schema | undefined = undefined,
    A extends AuthRule | undefined = AuthRule | undefined,
  >(
    path: Path,
    method: MethodName,
    handler: Handler<HandlerData<Path, B, Q, P>, ContextFor<A>>,
    options?: EndpointOptions<B, Q, P, A>,
  ): void;

  /**
   * Register a Server-Sent Events endpoint (GET), public or protected by `options.auth`.
   *
   * The handler returns an async iterable; every
   * value becomes one event. The stream ends when the iterable ends, the client leaves or the
   * plugin is released (the iterator's `finally` runs in every case).
   *
   * @example
   * ```ts
   * http.addSse("/ticks", async function* () {
   *   for (let i = 0; i < 3; i++) yield { event: "tick", data: { i } };
   * });
   * ```
   */
  addSse<
    const Path extends string,
    Q extends Schema | undefined = undefined,
    A extends AuthRule | undefined = AuthRule | undefined,
  >(
    path: Path,
    handler: SseHandler<HandlerData<Path, undefined, Q, undefined>, ContextFor<A>>,
    options?: SseOptions<Q, A>,
  ): void;

  /**
   * Register a WebSocket endpoint; with `options.auth` a socket without a valid token (from
   * `Authorization: Bearer`, `?token=` or the session cookie) is closed with 1008 before `onOpen`.
   *
   * Open sockets are closed (1001) when the plugin is released.
   *
   * @example
   * ```ts
   * http.addWebSocket("/echo", { onMessage: (ws, msg) => ws.send(msg) });
   * ```
   */
  addWebSocket<
    const Path extends string,
    A extends AuthRule | undefined = AuthRule | undefined,
  >(
    path: Path,
    handlers: WebSocketHandlers<HandlerData<Path, undefined, undefined, undefined>, ContextFor<A>>,
    options?: WebSocketOptions<A>,
  ): void;

  /**
   * Serve the files of `dir` (relative to the project root, or absolute) under `urlPrefix`.
   * Only extensions on an allow-list are served (see {@link StaticOptions.extensions}); dotfiles
   * (but `.well-known/`) and anything outside `dir` (`..`, encoded or not) are 404.
   *
   * @example
   * ```ts
   * http.serveStatic("/assets", "domains/web/public");
   * ```
   */
  serveStatic(urlPrefix: string, dir: string, options?: StaticOptions): void;
}
