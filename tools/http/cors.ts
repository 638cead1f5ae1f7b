/**
 * CORS: which origins may call the API from a browser.
 * @module
 */

/** CORS settings. Without any, no CORS headers are sent (same-origin only). */
export interface CorsOptions {
  /** Allowed origins (`https://app.example.com`), or `"*"` for any. */
  origins: readonly string[] | "*";
  /** Send `Access-Control-Allow-Credentials: true` (not allowed with `"*"`). */
  credentials?: boolean;
  /** Allowed request headers (default: whatever the preflight asks for). */
  allowHeaders?: readonly string[];
  /** Response headers the browser may read (default: `x-request-id`). */
  exposeHeaders?: readonly string[];
  /** Seconds a preflight may be cached (default 600). */
  maxAge?: number;
}

/** Parse `CORS_ORIGINS` (`*` or a comma list); empty gives `undefined`. */
export function corsFromEnv(
  origins: string | undefined,
  credentials?: string,
): CorsOptions | undefined {
  const v = origins?.trim();
  if (!v) return undefined;
  return {
    origins: v === "*" ? "*" : v.split(",").map((s) => s.trim()).filter(Boolean),
    credentials: credentials === "true" || credentials === "1",
  };
}

/** Compiled CORS policy. */
export class Cors {
  readonly #any: boolean;
  readonly #set: Set<string>;
  readonly #expose: string;
  constructor(readonly options: CorsOptions) {
    this.#any = options.origins === "*";
    if (this.#any && options.credentials) {
      throw new Error('CORS: credentials cannot be allowed for any origin ("*")');
    }
    this.#set = new Set(this.#any ? [] : options.origins as string[]);
    this.#expose = (options.exposeHeaders ?? ["x-request-id"]).join(", ");
  }

  /** The value for `Access-Control-Allow-Origin`, or null when `origin` is not allowed. */
  allow(origin: string): string | null {
    if (this.#any) return "*";
    return this.#set.has(origin) ? origin : null;
  }

  /** Answer a preflight request. */
  preflight(req: Request, origin: string): Response {
    const allowed = this.allow(origin);
    if (!allowed) return new Response(null, { status: 403, headers: { vary: "Origin" } });
    const h = new Headers({
      "access-control-allow-origin": allowed,
      "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
      "access-control-max-age": String(this.options.maxAge ?? 600),
      vary: "Origin",
    });
    const asked = req.headers.get("access-control-request-headers");
    const headers = this.options.allowHeaders?.join(", ") ?? asked;
    if (headers) h.set("access-control-allow-headers", headers);
    if (this.options.credentials) h.set("access-control-allow-credentials", "true");
    return new Response(null, { status: 204, headers: h });
  }

  /** Add CORS headers to a response for an allowed origin. */
  apply(res: Response, origin: string): Response {
    const allowed = this.allow(origin);
    if (!allowed) return res;
    const set = (h: Headers) => {
      h.set("access-control-allow-origin", allowed);
      if (this.#expose) h.set("access-control-expose-headers", this.#expose);
      if (this.options.credentials) h.set("access-control-allow-credentials", "true");
      if (!this.#any) h.append("vary", "Origin");
    };
    try {
      set(res.headers);
      return res;
    } catch {
      const copy = new Response(res.body, res);
      set(copy.headers);
      return copy;
    }
  }
}
