/**
 * Errors and how they become responses.
 * @module
 */
import { DEFAULT_HEADERS, type ResponseHeaders } from "./secure_headers.ts";

/**
 * Throw (or return) this from a handler to answer with any status and the usual envelope
 * `{ success: false, error: message, details? }`.
 *
 * @example
 * ```ts
 * import { HttpError } from "@tools/http/mod.ts";
 * throw new HttpError(403, "Not your order", { orderId: 7 });
 * ```
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    /** HTTP status to send. */
    readonly status: number,
    message: string,
    /** Extra JSON sent as `details`. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Status for errors that carry a `kind` (from the db tool, by duck typing). */
const KIND_STATUS: Record<string, number> = {
  unique_violation: 409,
  foreign_key_violation: 409,
  not_null_violation: 400,
  check_violation: 400,
  invalid_value: 400,
  not_found: 404,
  /** The auth tool's refused token (`AuthError`), thrown from a handler. */
  unauthorized: 401,
};

/**
 * Kinds that mean "a service behind a tool is unreachable right now" (the db tool's
 * `connection`, the state tool's and the bus's `unavailable`, a command's `timeout`): a 503 the
 * client may retry, with a fixed message (the engine's text names hosts and ports).
 */
const UNAVAILABLE = new Set(["connection", "unavailable", "timeout"]);

/**
 * An error turned into what the client may see. `status >= 500` means "log it" (503: one line,
 * the service is down; others: with the stack).
 */
export interface ErrorReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Map any thrown value to a status and a client-safe envelope. `id.value` (the request id) is read
 * only when the envelope includes it (5xx).
 */
export function errorReply(err: unknown, id: { readonly value: string }): ErrorReply {
  if (err instanceof HttpError) {
    const body: Record<string, unknown> = { success: false, error: err.message };
    // Stryker disable next-line ConditionalExpression: JSON leaves out a field that is undefined
    if (err.details !== undefined) body.details = err.details;
    if (err.status >= 500) body.requestId = id.value;
    return { status: err.status, body };
  }
  if (err && typeof err === "object") {
    const kind = (err as { kind?: unknown }).kind;
    if (typeof kind === "string" && UNAVAILABLE.has(kind)) {
      return {
        status: 503,
        body: {
          success: false,
          error: "Service unavailable, try again shortly",
          details: { kind },
          requestId: id.value,
        },
      };
    }
    const status = typeof kind === "string" && Object.hasOwn(KIND_STATUS, kind)
      ? KIND_STATUS[kind]
      : undefined;
    if (status) {
      const message = (err as { message?: unknown }).message;
      return {
        status,
        body: {
          success: false,
          error: typeof message === "string" && message ? message : kind,
          details: { kind },
        },
      };
    }
    if (clientGone(err)) return { status: 400, body: { success: false, error: CLIENT_GONE } };
  }
  return {
    status: 500,
    body: { success: false, error: "Internal server error", requestId: id.value },
  };
}

/** What a client that closed its side before its body was read is told. */
export const CLIENT_GONE = "Request body could not be read: the client closed the connection";

/**
 * Whether `err` is Deno failing to read a request body because the connection is gone (a
 * client that half-closed after sending: Deno drops what it had not read yet).
 */
export function clientGone(err: unknown): boolean {
  return err instanceof Deno.errors.BadResource &&
    /^Cannot read (request )?body/.test(err.message);
}

/** A JSON error response in the envelope, with the headers `h` (default: the security set). */
export function errorResponse(
  status: number,
  error: string,
  extra?: Record<string, unknown>,
  h: ResponseHeaders = DEFAULT_HEADERS,
): Response {
  return new Response(JSON.stringify({ success: false, error, ...extra }), {
    status,
    headers: h.json,
  });
}
