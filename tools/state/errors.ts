/**
 * The state tool's errors when the store behind it cannot answer (a lost or slow Redis).
 * @module
 */

/**
 * Why a state call failed although the call itself was fine:
 * - `unavailable`: the store cannot be reached now (Redis down, connection lost, reconnecting);
 *   the call failed at once, without waiting. The tool reconnects by itself.
 * - `timeout`: the store took longer than `STATE_TIMEOUT_MS` to answer this call.
 *
 * The http tool answers both with a JSON `503` the client may retry.
 */
export type StateErrorKind = "unavailable" | "timeout";

/**
 * A state call that failed because the store could not answer, not because of what was asked
 * (bad keys and values throw a `StateValueError`). `cause` is the client's original error.
 *
 * @example
 * ```ts
 * try {
 *   await state.increment("visits");
 * } catch (e) {
 *   if (e instanceof StateError) return { visits: null }; // Redis is away: degrade the answer
 *   throw e;
 * }
 * ```
 */
export class StateError extends Error {
  /** Always `StateError`. */
  override name = "StateError";
  /** What went wrong: `unavailable` or `timeout`. */
  readonly kind: StateErrorKind;
  /** An error of `kind`; `message` says what is unreachable and what happens next. */
  constructor(kind: StateErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}
