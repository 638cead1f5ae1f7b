/**
 * The `http` tool: routes, validation, OpenAPI, docs, SSE, WebSocket and static files for
 * plugins, each registration owned by the plugin that made it.
 *
 * Plugins ask for it by naming a constructor parameter `http` and get an {@link HttpTool}.
 *
 * Configuration (env): `HOST` (0.0.0.0), `PORT` (8000; 0 = any free port), `HTTP_BODY_LIMIT`
 * (bytes, default 1 MiB), `HTTP_REQUEST_ID` (`auto`: `x-request-id` on errors, logged requests,
 * SSE streams, ids the handler read and adopted incoming ids; `always`: on every response),
 * `HTTP_REQUEST_ID_HEADER` (an incoming header to adopt ids from and echo, e.g. `x-request-id`
 * behind a proxy that sets it; unset = always a new id), `CORS_ORIGINS` (`*` or a comma list;
 * unset = no CORS), `CORS_CREDENTIALS` (`true` to allow credentials; not with `*`), `APP_NAME`
 * (the OpenAPI title).
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import { HttpError, type HttpTool } from "@tools/http/mod.ts";
 *
 * export default class GetProduct extends BasePlugin {
 *   constructor(private http: HttpTool) {
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
import { HttpToolImpl } from "./tool.ts";

export {
  HttpToolImpl,
  type HttpToolOptions,
  type ListenOptions,
  type RequestIdOptions,
} from "./tool.ts";
export { HttpError } from "./errors.ts";
export type { CorsOptions } from "./cors.ts";
export type { FieldIssue } from "./validation.ts";
export type {
  CookieOptions,
  EndpointOptions,
  Envelope,
  Handler,
  HandlerData,
  HandlerResult,
  HttpContext,
  HttpMethod,
  HttpTool,
  MethodName,
  PathParams,
  RouteInfo,
  SseEvent,
  SseHandler,
  SseOptions,
  StaticOptions,
  WebSocketHandlers,
} from "./types.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default HttpToolImpl;
