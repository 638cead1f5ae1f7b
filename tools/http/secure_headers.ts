/**
 * The security headers every response of the http tool carries, and their per-route form: a
 * route's set is compiled once, at registration, into frozen header objects that already hold
 * the content type, so a response costs the same one `new Response(body, init)` as before.
 * @module
 */

/** Headers on every response unless a route overrides them (see {@link HeaderOverrides}). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
});

/**
 * The Content-Security-Policy of `/docs`: Swagger UI's page, script, styles and the OpenAPI
 * document from this origin only (its icons are `data:` images in its CSS, an image a "Try it out"
 * call returns is a `blob:` URL it made), never framed.
 */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

/**
 * Response headers for one route, over {@link SECURITY_HEADERS}: a string sets (or replaces)
 * a header, `null` drops a default. Names are case-insensitive.
 */
export type HeaderOverrides = Readonly<Record<string, string | null>>;

// These exact values, in a frozen init built once, keep Deno's cheapest path for building a
// response; `application/json` takes no charset parameter (RFC 8259).
const JSON_CT = "application/json";
const TEXT_CT = "text/plain;charset=UTF-8";

function frozen(type: string | undefined, base: Record<string, string>): Record<string, string> {
  return Object.freeze(type ? { "content-type": type, ...base } : { ...base });
}

/**
 * One route's compiled header set: frozen objects and inits to build responses from, and the
 * pairs to add to a response built elsewhere (a handler's own `Response`).
 */
export class ResponseHeaders {
  /** The security headers alone. */
  readonly base: Readonly<Record<string, string>>;
  /** `base` as name/value pairs. */
  readonly pairs: readonly (readonly [string, string])[];
  /** `base` plus `content-type: application/json`. */
  readonly json: Readonly<Record<string, string>>;
  /** `base` plus `content-type: text/plain;charset=UTF-8`. */
  readonly text: Readonly<Record<string, string>>;
  /** `base` plus `content-type: application/octet-stream`. */
  readonly bytes: Readonly<Record<string, string>>;
  /** A 200 JSON response's init (`{ headers: json }`), shared and frozen. */
  readonly jsonInit: ResponseInit;
  /** A 200 text response's init, shared and frozen. */
  readonly textInit: ResponseInit;

  /** The defaults with `overrides` applied; throws a TypeError naming a bad name or value. */
  constructor(
    overrides?: HeaderOverrides,
    defaults: Readonly<Record<string, string>> = SECURITY_HEADERS,
  ) {
    const base: Record<string, string> = { ...defaults };
    for (const [name, value] of Object.entries(overrides ?? {})) {
      const k = name.toLowerCase();
      if (k === "content-type" || k === "content-length") {
        throw new TypeError(`headers: ${name} is set per response, not per route`);
      }
      if (value === null) {
        delete base[k];
        continue;
      }
      try {
        new Headers([[k, value]]);
      } catch {
        throw new TypeError(
          `headers: invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)} ` +
            "(a token name and a value without CR, LF or NUL)",
        );
      }
      base[k] = value;
    }
    this.base = Object.freeze(base);
    this.pairs = Object.freeze(
      Object.entries(base).map(([k, v]) => Object.freeze([k, v] as const)),
    );
    this.json = frozen(JSON_CT, base);
    this.text = frozen(TEXT_CT, base);
    this.bytes = frozen("application/octet-stream", base);
    this.jsonInit = Object.freeze({ headers: this.json });
    this.textInit = Object.freeze({ headers: this.text });
  }

  /** `base` with a content type, as a new (mutable) object. */
  typed(type: string): Record<string, string> {
    return { "content-type": type, ...this.base };
  }

  /**
   * Add the headers `res` lacks (a handler's own Response keeps what it set), copying the
   * response when its headers are immutable (one from `fetch`).
   */
  fill(res: Response): Response {
    let h = res.headers;
    for (const [k, v] of this.pairs) {
      if (h.has(k)) continue;
      try {
        h.set(k, v);
      } catch {
        res = new Response(res.body, res);
        h = res.headers;
        h.set(k, v);
      }
    }
    return res;
  }
}

/** The set of a route without overrides (and of the tool's own answers: 404, 405, 503, CORS). */
export const DEFAULT_HEADERS: ResponseHeaders = new ResponseHeaders();

/** The compiled set for `overrides`: the shared default when there are none. */
export function responseHeaders(overrides?: HeaderOverrides): ResponseHeaders {
  return overrides && Object.keys(overrides).length
    ? new ResponseHeaders(overrides)
    : DEFAULT_HEADERS;
}
