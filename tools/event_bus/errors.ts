/**
 * The bus's one error type, and how the bus reads any thrown value for its logs and answers.
 * @module
 */

/** What went wrong, machine-readable. */
export type BusErrorCode =
  | "timeout"
  | "no_responder"
  | "responder_conflict"
  | "responder_error"
  | "invalid_name"
  | "closed"
  /** The broker could not be reached in time: a publish was not confirmed within its bound. */
  | "unavailable"
  /** The broker refused the event for good (e.g. larger than the stream allows). */
  | "rejected"
  /** A plugin published (or responded to) a name its domain's `events.ts` does not declare. */
  | "undeclared"
  /** A payload, request or response does not match its declared schema. */
  | "invalid_payload";

/**
 * An error raised by the event bus; check `code` rather than the message.
 *
 * @example
 * ```ts
 * import { BusError } from "@tools/event_bus/mod.ts";
 * try {
 *   await bus.request("stock.level", { sku: "A1" }, { timeout: 500 });
 * } catch (e) {
 *   if (e instanceof BusError && e.code === "no_responder") {
 *     // nobody answers stock.level right now
 *   }
 * }
 * ```
 */
export class BusError extends Error {
  /** Always `BusError`. */
  override name = "BusError";
  /** What went wrong. */
  readonly code: BusErrorCode;
  /** An error with a machine-readable `code`. */
  constructor(code: BusErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /**
   * The same as `code`, under the name the other tools' errors use (`DbError.kind`): the http
   * tool answers kinds `unavailable` and `timeout` with a JSON 503 the client may retry.
   */
  get kind(): BusErrorCode {
    return this.code;
  }
}

/** The name and message of anything thrown (a non-`Error` is stringified). */
export function errInfo(e: unknown): { name: string; message: string } {
  return e instanceof Error
    ? { name: e.name, message: e.message }
    : { name: "Error", message: String(e) };
}

/** The message of anything thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
