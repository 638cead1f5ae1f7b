/**
 * CORS: which origins may call the API from a browser.
 * @module
 */
import { errorResponse } from "./errors.ts";
import { DEFAULT_HEADERS } from "./secure_headers.ts";

/** Request headers a preflight allows unless {@link CorsOptions.allowHeaders} says otherwise. */
export const DEFAULT_ALLOW_HEADERS: readonly string[] = Object.freeze([
  "content-type",
  "authorization",
  "x-requested-with",
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VARY_ORIGIN = /(^|,)\s*origin\s*(,|$)/i;

/** Add `Origin` to `Vary` once. */
function varyOrigin(h: Headers): void {
  const v = h.get("vary");
  if (!v) h.set("vary", "Origin");
  else if (v !== "*" && !VARY_ORIGIN.test(v)) h.set("vary", `${v}, Origin`);
}

/** CORS settings. Without any, no CORS headers are sent (same-origin only). */
export interface CorsOptions {
  /** Allowed origins (`https://app.example.com`), or `"*"` for any. */
  origins: readonly string[] | "*";
  /** Send `Access-Control-Allow-Credentials: true` (not allowed with `"*"`). */
  credentials?: boolean;
  /**
   * Request headers a preflight allows (default {@link DEFAULT_ALLOW_HEADERS}: `content-type`,
   * `authorization`, `x-requested-with`). Never whatever the preflight asks for.
   */
  allowHeaders?: readonly string[];
  /** Response headers the browser may read (default: `x-request-id`). */
  exposeHeaders?: readonly string[];
  /** Seconds a preflight may be cached (default 600). */
  maxAge?: number;
}

const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

/**
 * Parse `CORS_ORIGINS` (`*` or a comma list), `CORS_CREDENTIALS` and `CORS_ALLOW_HEADERS` (a
 * comma list of header names); no origins give `undefined`.
 */
export function corsFromEnv(
  origins: string | undefined,
  credentials?: string,
  allowHeaders?: string,
): CorsOptions | undefined {
  const v = origins?.trim();
  if (!v) return undefined;
  const options: CorsOptions = {
    origins: v === "*" ? "*" : list(v),
    credentials: credentials === "true" || credentials === "1",
  };
  if (allowHeaders?.trim()) {
    const names = list(allowHeaders);
    const bad = names.find((n) => !HEADER_NAME.test(n));
    if (bad) throw new Error(`CORS_ALLOW_HEADERS must be a comma list of header names: "${bad}"`);
    options.allowHeaders = names.map((n) => n.toLowerCase());
  }
  return options;
}

/** Compiled CORS policy. */
export class Cors {
  readonly #any: boolean;
  readonly #set: Set<string>;
  readonly #expose: string;
  readonly #allowHeaders: string;
  constructor(readonly options: CorsOptions) {
    this.#any = options.origins === "*";
    if (this.#any && options.credentials) {
      throw new Error('CORS: credentials cannot be allowed for any origin ("*")');
    }
    this.#set = new Set(this.#any ? [] : options.origins as string[]);
    this.#expose = (options.exposeHeaders ?? ["x-request-id"]).join(", ");
    this.#allowHeaders = (options.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(", ");
  }

  /** The value for `Access-Control-Allow-Origin`, or null when `origin` is not allowed. */
  allow(origin: string): string | null {
    if (this.#any) return "*";
    return this.#set.has(origin) ? origin : null;
  }

  /**
   * Answer a preflight request: 204 with the allowed methods and headers (a fixed list, whatever
   * was asked), or a 403 envelope for an origin not allowed. {@link apply} adds the rest.
   */
  preflight(_req: Request, origin: string): Response {
    if (!this.allow(origin)) return errorResponse(403, "CORS: origin not allowed");
    const h = new Headers(DEFAULT_HEADERS.base);
    h.set("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
    h.set("access-control-max-age", String(this.options.maxAge ?? 600));
    if (this.#allowHeaders) h.set("access-control-allow-headers", this.#allowHeaders);
    return new Response(null, { status: 204, headers: h });
  }

  /**
   * Add the CORS headers to a response: for an allowed origin, the allow and expose headers;
   * with an origin list (not `"*"`), `Vary: Origin` once on every response, refused origins and
   * requests without one included (so a cache never serves one origin's answer to another).
   */
  apply(res: Response, origin: string | null): Response {
    const allowed = origin ? this.allow(origin) : null;
    if (!allowed && this.#any) return res;
    const set = (h: Headers) => {
      if (allowed) {
        h.set("access-control-allow-origin", allowed);
        if (this.#expose) h.set("access-control-expose-headers", this.#expose);
        if (this.options.credentials) h.set("access-control-allow-credentials", "true");
      }
      if (!this.#any) varyOrigin(h);
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
