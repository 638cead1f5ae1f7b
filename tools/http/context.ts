/**
 * The per-request handler context and turning a handler's result into a Response.
 * @module
 */
import { DEFAULT_HEADERS, type ResponseHeaders } from "./secure_headers.ts";
import type { AuthClaims, CookieOptions, HttpContext } from "./types.ts";
import { remoteAddrOf } from "./peer.ts";

/** What a cookie attribute value may not hold: `;` (a new attribute), controls (CR, LF, NUL). */
// deno-lint-ignore no-control-regex
const COOKIE_UNSAFE = /[;\x00-\x1f\x7f]/;
const SAME_SITE = new Set(["Strict", "Lax", "None"]);
/** A header name (an HTTP token) and what a header value may not hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE_BAD = /[\r\n\0]/;

function cookieAttr(what: string, value: string): string {
  if (typeof value !== "string" || COOKIE_UNSAFE.test(value)) {
    throw new TypeError(
      `setCookie: ${what} must be a string without ";", CR, LF or other control characters: ` +
        JSON.stringify(value),
    );
  }
  return value;
}

const ID_PREFIX = crypto.randomUUID().slice(0, 8);
let idCounter = 0;

/** A new request id: a random per-process prefix and a counter (cheaper than a UUID each). */
export function nextRequestId(): string {
  return `${ID_PREFIX}-${(++idCounter).toString(36)}`;
}

/** An incoming id we adopt: 1–128 visible ASCII characters (nothing that could forge a log). */
const VALID_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The id of one request: the incoming one (from the header named by `HTTP_REQUEST_ID_HEADER`)
 * when it is a sane value, else a new one made the first time something reads it. `used` says
 * whether the id went anywhere (a log line, an error body, the handler), which is when the
 * response should carry it.
 */
export class RequestId {
  #value: string | undefined;
  /** True once the id was read, or when the client sent it (it is echoed back). */
  used = false;

  constructor(incoming: string | null) {
    if (incoming !== null && VALID_ID.test(incoming)) {
      this.#value = incoming;
      this.used = true;
    }
  }

  /** The id (made now if needed) without marking it used: for a trace, not the response. */
  peek(): string {
    return this.#value ??= nextRequestId();
  }

  /** The id (made now if needed); marks it used. */
  get value(): string {
    this.used = true;
    return this.#value ??= nextRequestId();
  }
}

/** The {@link HttpContext} implementation: small, with lazily made parts. */
export class RequestContext implements HttpContext {
  /** Status set by the handler, 0 when none. */
  status = 0;
  /** Extra response headers, when the handler set any. */
  extra: [string, string][] | undefined;
  /** The verified token claims, on a route with `auth:`. */
  auth: AuthClaims | undefined;
  #cookies: Map<string, string> | undefined;

  constructor(
    readonly request: Request,
    readonly params: Readonly<Record<string, string>>,
    readonly query: Readonly<Record<string, string | string[]>>,
    readonly rid: RequestId,
    readonly ownSignal?: AbortSignal,
  ) {}

  /** Made on first read; reading it makes the response carry it as `x-request-id`. */
  get requestId(): string {
    return this.rid.value;
  }

  /** Read lazily: touching `request.signal` costs an allocation per request. */
  get signal(): AbortSignal {
    return this.ownSignal ?? this.request.signal;
  }

  get headers(): Headers {
    return this.request.headers;
  }

  /** Looked up only when read: most handlers never need it. */
  get remoteAddr(): Deno.NetAddr | undefined {
    return remoteAddrOf(this.request);
  }

  setStatus(status: number): void {
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`Invalid HTTP status ${status}`);
    }
    this.status = status;
  }

  setHeader(name: string, value: string): void {
    if (!HEADER_NAME.test(name) || typeof value !== "string" || HEADER_VALUE_BAD.test(value)) {
      throw new TypeError(
        `setHeader: invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)} ` +
          "(a token name and a string value without CR, LF or NUL)",
      );
    }
    const lower = name.toLowerCase();
    const list = this.extra ??= [];
    const i = list.findIndex(([n]) => n === lower);
    if (i >= 0) list[i] = [lower, value];
    else list.push([lower, value]);
  }

  setCookie(name: string, value: string, o: CookieOptions = {}): void {
    let c = `${encodeURIComponent(name)}=${encodeURIComponent(value)}; Path=${
      cookieAttr("path", o.path ?? "/")
    }`;
    if (o.maxAge !== undefined) {
      if (!Number.isFinite(o.maxAge)) {
        throw new TypeError(`setCookie: maxAge must be a finite number of seconds: ${o.maxAge}`);
      }
      c += `; Max-Age=${Math.floor(o.maxAge)}`;
    }
    if (o.expires) {
      if (!(o.expires instanceof Date) || Number.isNaN(o.expires.getTime())) {
        throw new TypeError(`setCookie: expires must be a valid Date: ${o.expires}`);
      }
      c += `; Expires=${o.expires.toUTCString()}`;
    }
    if (o.domain) c += `; Domain=${cookieAttr("domain", o.domain)}`;
    if (o.httpOnly ?? true) c += "; HttpOnly";
    if (o.secure ?? true) c += "; Secure";
    const sameSite = o.sameSite ?? "Lax";
    if (!SAME_SITE.has(sameSite)) {
      throw new TypeError(
        `setCookie: sameSite must be "Strict", "Lax" or "None": ${JSON.stringify(sameSite)}`,
      );
    }
    c += `; SameSite=${sameSite}`;
    (this.extra ??= []).push(["set-cookie", c]);
  }

  getCookie(name: string): string | undefined {
    if (!this.#cookies) {
      this.#cookies = new Map();
      for (const part of (this.request.headers.get("cookie") ?? "").split(";")) {
        const i = part.indexOf("=");
        if (i < 0) continue;
        const k = part.slice(0, i).trim();
        const v = part.slice(i + 1).trim();
        try {
          this.#cookies.set(decodeURIComponent(k), decodeURIComponent(v));
        } catch {
          this.#cookies.set(k, v);
        }
      }
    }
    return this.#cookies.get(name);
  }

  redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): Response {
    return new Response(null, { status, headers: { location } });
  }
}

/**
 * Turn a handler's return value into a Response carrying the route's headers `h` (the security
 * headers, or the route's overrides of them).
 *
 * Status: `ctx.status` when set; else 400 for an object with `success: false`; else 200
 * (204 for `undefined`/`null`).
 */
export function toResponse(
  result: unknown,
  ctx: RequestContext,
  h: ResponseHeaders = DEFAULT_HEADERS,
): Response {
  if (result instanceof Response) {
    if (result.type === "error") {
      throw new TypeError("The handler returned Response.error(); throw or return a status");
    }
    // The handler's own headers win; the route's fill what it left out.
    return h.fill(ctx.extra ? withHeaders(result, ctx.extra) : result);
  }
  let body: BodyInit | null;
  let headers: Readonly<Record<string, string>>;
  let status = ctx.status;
  if (result === undefined || result === null) {
    body = null;
    headers = h.base;
    status ||= 204;
  } else if (typeof result === "string") {
    body = result;
    headers = h.text;
  } else if (result instanceof Uint8Array) {
    body = result as Uint8Array<ArrayBuffer>;
    headers = h.bytes;
  } else {
    body = JSON.stringify(result);
    headers = h.json;
    if (!status) {
      status = (result as { success?: unknown }).success === false ? 400 : 200;
    }
  }
  status ||= 200;
  if (!ctx.extra) {
    // A 200 JSON or text answer reuses one frozen init: Deno's cheapest response path.
    // Stryker disable next-line LogicalOperator: a fast path; the general one below sends the same status and headers
    if (status === 200 && (headers === h.json || headers === h.text)) {
      return new Response(body, headers === h.json ? h.jsonInit : h.textInit);
    }
    return new Response(body, { status, headers });
  }
  return new Response(body, { status, headers: merged(headers, ctx.extra) });
}

/** `base` with the handler's headers applied (`set-cookie` appends, others replace). */
function merged(base: Readonly<Record<string, string>>, extra: [string, string][]): Headers {
  const headers = new Headers(base);
  for (const [k, v] of extra) {
    if (k === "set-cookie") headers.append(k, v);
    else headers.set(k, v);
  }
  return headers;
}

/** Add headers to a response, copying it when its headers are immutable. */
export function withHeaders(res: Response, extra: [string, string][]): Response {
  try {
    for (const [k, v] of extra) {
      if (k === "set-cookie") res.headers.append(k, v);
      else res.headers.set(k, v);
    }
    return res;
  } catch {
    const copy = new Response(res.body, res);
    for (const [k, v] of extra) {
      if (k === "set-cookie") copy.headers.append(k, v);
      else copy.headers.set(k, v);
    }
    return copy;
  }
}
