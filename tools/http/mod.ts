/**
 * The `http` tool: routes, validation, OpenAPI, docs, SSE, WebSocket and static files for
 * plugins, each registration owned by the plugin that made it.
 *
 * Plugins ask for it by naming a constructor parameter `http` and get an {@link Http}.
 *
 * Settings (environment, read once at setup; each is described in `HttpTool.env`): `HOST`,
 * `PORT`, `HTTP_BODY_LIMIT`, `HTTP_REQUEST_ID`, `HTTP_REQUEST_ID_HEADER`, `CORS_ORIGINS`,
 * `CORS_CREDENTIALS`, `APP_NAME`.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import { HttpError, type Http } from "@tools/http/mod.ts";
 *
 * export default class GetProduct extends BasePlugin {
 *   constructor(private http: Http) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.http.addEndpoint("/products/:id", "GET", (data) => {
 *       if (data.id !== "1") throw new HttpError(404, "No such product");
 *       return { success: true, data: { id: 1, name: "Tea" } };
 *     });
 *   }
 * }
 * ```
 * @module
 */
import { HttpTool } from "./tool.ts";

export { HttpTool, type ListenOptions, type RequestIdOptions } from "./tool.ts";
export { HttpError } from "./errors.ts";
export { failure, ok } from "./responses.ts";
export { type CorsOptions, DEFAULT_ALLOW_HEADERS } from "./cors.ts";
export { SECURITY_HEADERS } from "./secure_headers.ts";
export { STATIC_EXTENSIONS } from "./static.ts";
export { remoteAddrOf, setRemoteAddr } from "./peer.ts";
export type { FieldIssue } from "./validation.ts";
export type {
  AuthClaims,
  AuthedContext,
  AuthGate,
  AuthRule,
  ContextFor,
  CookieOptions,
  EndpointOptions,
  Envelope,
  Handler,
  HandlerData,
  HandlerResult,
  HeaderOverrides,
  Http,
  HttpContext,
  HttpMethod,
  MethodName,
  PathParams,
  RouteInfo,
  SseEvent,
  SseHandler,
  SseOptions,
  StaticOptions,
  WebSocketHandlers,
  WebSocketOptions,
} from "./types.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default HttpTool;
