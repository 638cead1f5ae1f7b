/**
 * HTTP in a plugin test: requests go to the real http tool in-process (`fetch(Request)`), so
 * routing, validation, status codes, error envelopes and headers are the production ones, with
 * no socket and no port.
 * @module
 */
import type { HttpTool, RouteInfo } from "@tools/http/mod.ts";

/** A response, read: status, parsed body, headers. */
export interface HttpReply<T = unknown> {
  status: number;
  /** Parsed JSON when the response is JSON, else its text; `null` when it has no body. */
  body: T;
  headers: Headers;
}

const NO_BODY = new Set(["GET", "HEAD", "DELETE", "OPTIONS"]);

/**
 * Calls a plugin's endpoints without a server.
 *
 * @example
 * ```ts
 * const res = await t.http.request("POST", "/products", { name: "Tea", price: 3 });
 * assert.equal(res.status, 201);
 * const page = await t.http.request("GET", "/products", { limit: 10 }); // data → query string
 * ```
 */
export class TestHttp {
  readonly #tool: HttpTool;
  readonly #owner: string;

  /** A client of `tool`; `owner` is the plugin whose routes {@link routes} lists. */
  constructor(tool: HttpTool, owner: string) {
    this.#tool = tool;
    this.#owner = owner;
  }

  /**
   * Send `method path`. `data` goes to the query string for GET, HEAD, DELETE and OPTIONS and
   * as a JSON body otherwise (a string or `FormData` body is sent as is). `init.token` is sent
   * as `Authorization: Bearer <token>` (make one with `t.token({ sub: "1" })`).
   *
   * @example
   * ```ts
   * const token = await t.token({ sub: "1", roles: ["admin"] });
   * const res = await t.http.request("GET", "/users/me", undefined, { token });
   * ```
   */
  // deno-lint-ignore no-explicit-any
  async request<T = any>(
    method: string,
    path: string,
    data?: unknown,
    init: { headers?: Record<string, string>; token?: string } = {},
  ): Promise<HttpReply<T>> {
    const headers = init.token === undefined
      ? init.headers
      : { ...init.headers, authorization: `Bearer ${init.token}` };
    const res = await this.fetch(toRequest(method.toUpperCase(), path, data, headers));
    return { status: res.status, body: await readBody(res) as T, headers: res.headers };
  }

  /** Send a raw `Request` (or a path) and get the raw `Response`. */
  fetch(request: Request | string): Promise<Response> {
    const req = typeof request === "string" ? new Request(`http://test.local${request}`) : request;
    return this.#tool.fetch(req);
  }

  /** The routes the plugin registered (method, path, kind, summary). */
  routes(): RouteInfo[] {
    return (this.#tool.describeOwner(this.#owner)?.routes as RouteInfo[] | undefined) ?? [];
  }
}

function toRequest(
  method: string,
  path: string,
  data: unknown,
  headers: Record<string, string> = {},
): Request {
  const url = new URL(path, "http://test.local");
  const init: RequestInit = { method, headers: { ...headers } };
  if (data !== undefined && NO_BODY.has(method)) {
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
  } else if (data !== undefined) {
    if (typeof data === "string" || data instanceof FormData) init.body = data;
    else {
      init.body = JSON.stringify(data);
      const h = init.headers as Record<string, string>;
      if (!Object.keys(h).some((k) => k.toLowerCase() === "content-type")) {
        h["content-type"] = "application/json";
      }
    }
  }
  return new Request(url, init);
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === "") return null;
  const type = res.headers.get("content-type") ??
    // Stryker disable next-line StringLiteral: any text without "json" reads the body as text, as "" does
    "";
  return /[/+]json\b/.test(type) ? JSON.parse(text) : text;
}
