/**
 * The per-request handler context and turning a handler's result into a Response.
 * @module
 */
import type { AuthClaims, CookieOptions, HttpContext } from "./types.ts";

// These exact values (and a lone content-type header in a plain object) keep Deno's cheapest
// path for building a response; `application/json` takes no charset parameter (RFC 8259).
const JSON_CT = "application/json";
const TEXT_CT = "text/plain;charset=UTF-8";
const JSON_INIT: ResponseInit = Object.freeze({
  headers: Object.freeze({ "content-type": JSON_CT }),
});
const TEXT_INIT: ResponseInit = Object.freeze({
  headers: Object.freeze({ "content-type": TEXT_CT }),
});

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

  setStatus(status: number): void {
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`Invalid HTTP status ${status}`);
    }
    this.status = status;
  }

  setHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    const list = this.extra ??= [];
    const i = list.findIndex(([n]) => n === lower);
    if (i >= 0) list[i] = [lower, value];
    else list.push([lower, value]);
  }

  setCookie(name: string, value: string, o: CookieOptions = {}): void {
    let c = `${encodeURIComponent(name)}=${encodeURIComponent(value)}; Path=${o.path ?? "/"}`;
    if (o.maxAge !== undefined) c += `; Max-Age=${Math.floor(o.maxAge)}`;
    if (o.expires) c += `; Expires=${o.expires.toUTCString()}`;
    if (o.domain) c += `; Domain=${o.domain}`;
    if (o.httpOnly ?? true) c += "; HttpOnly";
    if (o.secure ?? true) c += "; Secure";
    c += `; SameSite=${o.sameSite ?? "Lax"}`;
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
 * Turn a handler's return value into a Response.
 *
 * Status: `ctx.status` when set; else 400 for an object with `success: false`; else 200
 * (204 for `undefined`/`null`).
 */
export function toResponse(result: unknown, ctx: RequestContext): Response {
  if (result instanceof Response) {
    if (result.type === "error") {
      throw new TypeError("The handler returned Response.error(); throw or return a status");
    }
    if (ctx.extra) return withHeaders(result, ctx.extra);
    return result;
  }
  let body: BodyInit | null;
  let type: string | undefined;
  let status = ctx.status;
  if (result === undefined || result === null) {
    body = null;
    status ||= 204;
  } else if (typeof result === "string") {
    body = result;
    type = TEXT_CT;
  } else if (result instanceof Uint8Array) {
    body = result as Uint8Array<ArrayBuffer>;
    type = "application/octet-stream";
  } else {
    body = JSON.stringify(result);
    type = JSON_CT;
    if (!status) {
      status = (result as { success?: unknown }).success === false ? 400 : 200;
    }
  }
  status ||= 200;
  if (!ctx.extra) {
    // A 200 with only one of these content types stays on Deno's cheapest response path.
    if (status === 200 && (type === JSON_CT || type === TEXT_CT)) {
      return new Response(body, type === JSON_CT ? JSON_INIT : TEXT_INIT);
    }
    return new Response(body, { status, headers: type ? { "content-type": type } : undefined });
  }
  const headers = new Headers();
  if (type) headers.set("content-type", type);
  for (const [k, v] of ctx.extra) {
    if (k === "set-cookie") headers.append(k, v);
    else headers.set(k, v);
  }
  return new Response(body, { status, headers });
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
