/**
 * Publishing to JetStream without losing what an outage interrupts: every publish is kept until
 * the server confirms it (PubAck), and sent again — with the same message id, so JetStream's
 * `Nats-Msg-Id` de-duplication stores it once — after a failed attempt or once the connection is
 * back, until a bound (`EVENT_BUS_PUBLISH_TIMEOUT_MS`). Past the bound its receipt rejects with
 * a `BusError` of kind `unavailable`; a publish the server refuses for good (a JetStream API
 * error, e.g. larger than the stream allows) rejects at once with kind `rejected`.
 * @module
 */
import { JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import { errors, type MsgHdrs } from "@nats-io/nats-core";
import type { DriverStats } from "./driver.ts";
import { BusError, errorMessage as msg } from "./errors.ts";
import { Receipt } from "./receipt.ts";
import type { Envelope } from "./types.ts";

/** What {@link NatsPublisher} needs. */
export interface PublisherSetup {
  /** The server URL(s), for error messages. */
  readonly url: string;
  /** Bound on keeping and retrying one publish, ms. */
  readonly timeoutMs: number;
  /** Bound on one attempt (one request to JetStream), ms (default min(2000, timeoutMs)). */
  readonly attemptMs?: number;
  /** A receipt nobody awaited failed. */
  readonly unobserved: (envelope: Envelope, error: unknown) => void;
  /** Called whenever a publish is done with (confirmed or given up). */
  readonly settledOne: () => void;
}

/** One publish not yet confirmed. */
interface Unconfirmed {
  readonly env: Envelope;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHdrs | undefined;
  readonly deadline: number;
  readonly receipt: Receipt;
  attempts: number;
  retryAt: number;
  lastError: unknown;
}

const TICK_MS = 50;
const MAX_BACKOFF_MS = 1000;

/** Keeps every publish until JetStream confirmed it, or its bound passed. */
export class NatsPublisher {
  readonly #s: PublisherSetup;
  readonly #attemptMs: number;
  #js: JetStreamClient | undefined;
  #up = false;
  #closed = false;
  /** Publishes between attempts: held while the connection is down, or backing off. */
  #held = new Set<Unconfirmed>();
  #inFlight = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stats = { confirmed: 0, failed: 0, retries: 0 };

  /** A publisher for `setup`; nothing is sent before {@link NatsPublisher.connected}. */
  constructor(setup: PublisherSetup) {
    this.#s = setup;
    this.#attemptMs = setup.attemptMs ?? Math.min(2000, setup.timeoutMs);
  }

  /** Publishes sent and not yet confirmed, and those held for a retry. */
  get pending(): number {
    return this.#inFlight + this.#held.size;
  }

  /** Counters for the status page. */
  stats(): DriverStats {
    return { ...this.#stats, waiting: this.pending };
  }

  /**
   * The connection is up (`js` to publish with) or down. Coming up, every held publish is sent
   * again at once.
   */
  connected(js: JetStreamClient | undefined): void {
    this.#js = js;
    this.#up = js !== undefined;
    if (!this.#up) return;
    const now = Date.now();
    for (const p of this.#held) p.retryAt = now;
    this.#tick();
  }

  /** Publish `data` on `subject` as event `env`; the receipt settles once it is confirmed. */
  publish(env: Envelope, subject: string, data: Uint8Array, headers?: MsgHdrs): Receipt {
    const receipt = new Receipt((e) => this.#s.unobserved(env, e));
    if (this.#closed) {
      receipt.reject(new BusError("closed", `event "${env.name}": the event bus is closed`));
      return receipt;
    }
    const now = Date.now();
    const p: Unconfirmed = {
      env,
      subject,
      data,
      headers,
      deadline: now + this.#s.timeoutMs,
      receipt,
      attempts: 0,
      retryAt: now,
      lastError: undefined,
    };
    this.#attempt(p);
    return receipt;
  }

  /** Stop: held publishes fail with `closed`; those in flight still settle. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
    for (const p of this.#held) {
      this.#giveUp(p, new BusError("closed", `event "${p.env.name}": the event bus closed first`));
    }
    this.#held.clear();
  }

  #attempt(p: Unconfirmed): void {
    const js = this.#js;
    const left = p.deadline - Date.now();
    if (left <= 0) return this.#giveUp(p, this.#unavailable(p));
    if (!this.#up || !js) return this.#hold(p);
    if (p.attempts++ > 0) this.#stats.retries++;
    this.#inFlight++;
    js.publish(p.subject, p.data, {
      msgID: p.env.id,
      headers: p.headers,
      timeout: Math.max(1, Math.min(this.#attemptMs, left)),
    }).then(
      () => {
        this.#inFlight--;
        this.#stats.confirmed++;
        p.receipt.resolve();
        this.#s.settledOne();
      },
      (e) => {
        this.#inFlight--;
        if (refused(e)) {
          this.#giveUp(
            p,
            new BusError("rejected", `NATS refused event "${p.env.name}": ${msg(e)}`, { cause: e }),
          );
          return;
        }
        p.lastError = e;
        p.retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 50 * 2 ** (p.attempts - 1));
        this.#hold(p);
      },
    );
  }

  #hold(p: Unconfirmed): void {
    if (this.#closed) {
      return this.#giveUp(p, new BusError("closed", `event "${p.env.name}": the bus closed`));
    }
    this.#held.add(p);
    // Not unref'd: a held publish keeps the process alive until it is confirmed or given up.
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS);
  }

  /** Give up on what passed its bound; send again what is due (when the connection is up). */
  #tick(): void {
    const now = Date.now();
    for (const p of this.#held) {
      if (now >= p.deadline) {
        this.#held.delete(p);
        this.#giveUp(p, this.#unavailable(p));
      } else if (this.#up && now >= p.retryAt) {
        this.#held.delete(p);
        this.#attempt(p);
      }
    }
    if (this.#held.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #unavailable(p: Unconfirmed): BusError {
    const why = p.lastError === undefined ? "not connected" : msg(p.lastError);
    return new BusError(
      "unavailable",
      `NATS at ${this.#s.url} did not confirm event "${p.env.name}" (${p.env.id}) within ` +
        `${this.#s.timeoutMs} ms: ${why}`,
      p.lastError === undefined ? undefined : { cause: p.lastError },
    );
  }

  #giveUp(p: Unconfirmed, e: BusError): void {
    this.#stats.failed++;
    p.receipt.reject(e);
    this.#s.settledOne();
  }
}

/** A failure that another attempt cannot fix: the server answered with an error. */
function refused(e: unknown): boolean {
  return e instanceof JetStreamApiError || e instanceof errors.InvalidArgumentError;
}
