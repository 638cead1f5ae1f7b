/**
 * The driver behind the bus (chosen by `EVENT_BUS_DRIVER`): how a published envelope reaches
 * the bus instances that fan it out to their local subscribers.
 *
 * Retries, dead letters, groups within a process, counters and ownership stay in the bus; a
 * driver only carries envelopes. The in-process driver (the default) hands each envelope back
 * to the same bus asynchronously. A networked driver (see `nats_driver.ts`) publishes the
 * envelope to a broker and calls `deliver` for every envelope it receives, with the
 * {@link Audience} the broker routed it for; it learns the instance's groups and responders
 * through the optional {@link BusDriver.interest}.
 * @module
 */
import type { PublishReceipt } from "./receipt.ts";
import type { Envelope } from "./types.ts";

/**
 * Which local subscriptions an envelope is for: `all` (the in-process driver: every
 * ungrouped subscription and one per group), `solo` (ungrouped subscriptions only) or one
 * `group` (one of its local subscriptions; a broker already chose this instance for the group).
 */
export type Audience = "all" | "solo" | { readonly group: string };

/**
 * Called by a driver for each envelope this bus instance should fan out. For a `group`
 * audience it returns a promise that settles once the chosen subscription is done with the
 * event (handled, or failed for good and dead-lettered): the moment to acknowledge it.
 */
export type Deliver = (envelope: Envelope, audience?: Audience) => void | Promise<void>;

/** What this bus instance listens to, for drivers that route at a broker. */
export interface Interest {
  /** Group name → the patterns of its live subscriptions here. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Names that a live responder here answers. */
  readonly responders: readonly string[];
  /** Whether a live subscription here has no group (so this instance needs every event). */
  readonly solo: boolean;
}

/** What a bus offers its driver besides `deliver`. */
export interface DriverHost {
  /**
   * Answer a request that arrived from another instance with the local responder of
   * `envelope.name`. Rejects with a `BusError` (`no_responder`, `responder_error`).
   */
  answer(envelope: Envelope): Promise<unknown>;
  /** Report a driver problem (failed publish, lost consumer) to the bus's log. */
  warn(message: string, props?: Record<string, unknown>): void;
  /**
   * Optional: the broker was lost (`degraded`, with what is wrong, naming its address) or is
   * back (`ready`); the bus passes it to the status page (`ToolContext.health`).
   */
  health?(state: "ready" | "degraded", reason?: string): void;
  /** Optional: a receipt nobody awaited failed (the bus logs it). */
  unconfirmed?(envelope: Envelope, error: unknown): void;
}

/** What a durable driver counts, for the status page. */
export interface DriverStats {
  /** Publishes the broker confirmed. */
  confirmed: number;
  /** Publishes waiting for a confirmation (sent, or held while the broker is away). */
  waiting: number;
  /** Publishes given up: not confirmed within the bound, or refused by the broker. */
  failed: number;
  /** Publish attempts repeated after a failure or an outage. */
  retries: number;
}

/** A carrier of envelopes between publishers and bus instances. */
export interface BusDriver {
  /** Driver name for the status page, e.g. `in_process`. */
  readonly kind: string;
  /**
   * Optional: the driver may hand an event over more than once (a broker redelivers): the bus
   * then skips an event id a subscription (or group) was already handed.
   */
  readonly atLeastOnce?: boolean;
  /**
   * Start carrying; `deliver` receives every envelope for this instance. A networked driver
   * connects here; a rejection fails the bus's setup.
   */
  open(deliver: Deliver, host?: DriverHost): void | Promise<void>;
  /**
   * Hand over one envelope. Must not block and must not call `deliver` synchronously. A durable
   * driver returns a receipt that resolves once the broker stored it (see {@link PublishReceipt});
   * `void` means "accepted, nothing more to promise" (in memory).
   */
  send(envelope: Envelope): PublishReceipt | void;
  /** Optional: counters of a durable driver (see {@link DriverStats}). */
  stats?(): DriverStats;
  /** Envelopes accepted but not yet delivered (used to drain at shutdown). */
  readonly pending: number;
  /**
   * Settles once {@link BusDriver.pending} is 0 (at once if it is; also when the driver
   * closes). What `quiesce` waits on instead of polling.
   */
  idle(): Promise<void>;
  /** Stop: drop what is queued, clear timers, close connections. Safe to call twice. */
  close(): void | Promise<void>;
  /**
   * Optional: told, after each change (batched per tick), which groups and responders this
   * instance has, so that a broker can route group work and requests here.
   */
  interest?(interest: Interest): void;
  /** Optional: settles once the broker reflects the latest {@link BusDriver.interest}. */
  settled?(): Promise<void>;
  /**
   * Optional: ask a responder on another instance. Rejects with a `BusError` (`no_responder`,
   * `timeout`, `responder_error`, `closed`).
   */
  request?(envelope: Envelope, timeoutMs: number): Promise<unknown>;
}

/** How the in-process driver schedules a delivery batch. */
export type Scheduler = "microtask" | "timeout";

/**
 * Delivers in the same process, batched: the first `send` after a flush schedules one flush
 * that delivers everything queued by then.
 *
 * Flushes run as microtasks (fast: no timer, no event-loop turn; measured by
 * `deno task bench bus`). So that a chain of handlers publishing to each other cannot starve I/O,
 * every 256th flush is scheduled with `setTimeout(0)` instead, which lets the event loop turn.
 */
export class InProcessDriver implements BusDriver {
  /** Driver name for the status page. */
  readonly kind = "in_process";
  #queue: Envelope[] = [];
  /** Callers of {@link InProcessDriver.idle} waiting for the queue to empty. */
  #idle: (() => void)[] | undefined;
  #deliver: Deliver | undefined;
  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushes = 0;
  #closed = false;
  readonly #scheduler: Scheduler;

  /** `scheduler`: how a delivery batch is scheduled (default `microtask`). */
  constructor(scheduler: Scheduler = "microtask") {
    this.#scheduler = scheduler;
  }

  /** Start delivering to `deliver`. */
  open(deliver: Deliver): void {
    this.#deliver = deliver;
    this.#closed = false;
  }

  /** Queue `envelope`; the first send after a flush schedules the next flush. */
  send(envelope: Envelope): void {
    if (this.#closed) return;
    this.#queue.push(envelope);
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#scheduler === "timeout" || (++this.#flushes & 255) === 0) {
      this.#timer = setTimeout(this.#flush, 0);
    } else {
      queueMicrotask(this.#flush);
    }
  }

  /** Envelopes queued for the next flush. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Settles once the queue is empty (after the flush that empties it, or at close). */
  idle(): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle ??= []).push(resolve));
  }

  /** Drop what is queued and cancel a scheduled flush. */
  close(): void {
    this.#closed = true;
    // Stryker disable next-line CallExpression: the flush it cancels would find the queue empty (no timer is left running for long either way)
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#scheduled = false;
    this.#wake();
  }

  #flush = (): void => {
    this.#timer = undefined;
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const deliver = this.#deliver;
    if (deliver) { for (let i = 0; i < batch.length; i++) deliver(batch[i]); }
    // Handlers may have published again: idle only once nothing is queued.
    if (this.#idle !== undefined && this.#queue.length === 0) this.#wake();
  };

  #wake(): void {
    const waiters = this.#idle;
    this.#idle = undefined;
    if (waiters) { for (const w of waiters) w(); }
  }
}
