/**
 * What `publish` returns: a receipt that settles once the event is durable. Awaiting it is
 * optional; a receipt nobody awaits never becomes an unhandled rejection (its failure goes to the
 * bus's log instead).
 * @module
 */

/**
 * The receipt of one `publish`: resolves once the event is durable, rejects with a `BusError`
 * when it cannot be made so.
 *
 * - In-process driver: resolves at once (the event is in memory only; see mod.ts).
 * - NATS driver: resolves when JetStream confirmed it (PubAck); while NATS is unreachable the
 *   bus retries it (same message id, so JetStream stores it once) up to
 *   `EVENT_BUS_PUBLISH_TIMEOUT_MS`, then rejects with code/kind `unavailable` (`rejected` if
 *   the server refused it for good).
 * - Inside a database transaction with an outbox: resolves at once; the event commits with the
 *   transaction and is relayed after the commit.
 *
 * `await event_bus.publish(...)` in an HTTP handler turns a broker outage into a JSON 503: a 2xx
 * then means the event is stored. Ignoring the receipt keeps the old fire-and-forget behaviour.
 */
export type PublishReceipt = PromiseLike<void>;

/** A {@link PublishReceipt} the bus settles; logs its failure if nobody is listening. */
export class Receipt implements PromiseLike<void> {
  #state: "pending" | "ok" | "failed" = "pending";
  #error: unknown;
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((e: unknown) => void) | undefined;
  readonly #unobserved: (e: unknown) => void;

  /** `unobserved`: called with the error of a failure nobody listened to. */
  constructor(unobserved: (e: unknown) => void) {
    this.#unobserved = unobserved;
  }

  /** `pending` until {@link Receipt.resolve} or {@link Receipt.reject}. */
  get state(): "pending" | "ok" | "failed" {
    return this.#state;
  }

  /** Listen to the outcome (what `await` calls). */
  then<A = void, B = never>(
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    if (!this.#promise) {
      if (this.#state === "ok") this.#promise = Promise.resolve();
      else if (this.#state === "failed") this.#promise = Promise.reject(this.#error);
      else {
        this.#promise = new Promise<void>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
    }
    return this.#promise.then(onFulfilled, onRejected);
  }

  /** The event is durable. */
  resolve(): void {
    if (this.#state !== "pending") return;
    this.#state = "ok";
    this.#resolve?.();
  }

  /** The event could not be made durable: listeners get `error`, else it is logged. */
  reject(error: unknown): void {
    if (this.#state !== "pending") return;
    this.#state = "failed";
    this.#error = error;
    if (this.#reject) this.#reject(error);
    else this.#unobserved(error);
  }
}

/** The receipt of an event that is as durable as it will get at once (resolved). */
export const DONE: PublishReceipt = Object.freeze({
  then<A = void, B = never>(
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return Promise.resolve().then(onFulfilled, onRejected);
  },
});
