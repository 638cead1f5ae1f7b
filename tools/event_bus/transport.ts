/**
 * The transport behind the bus: how a published envelope reaches the bus instances that fan it
 * out to their local subscribers.
 *
 * Retries, dead letters, groups within a process, counters and ownership stay in the bus; a
 * transport only carries envelopes. The in-process transport (the default) hands each envelope
 * back to the same bus asynchronously. A networked transport (see `nats_transport.ts`) publishes
 * the envelope to a broker and calls `deliver` for every envelope it receives, with the
 * {@link Audience} the broker routed it for; it learns the instance's groups and responders
 * through the optional {@link BusTransport.interest}.
 * @module
 */
import type { Envelope } from "./types.ts";

/**
 * Which local subscriptions an envelope is for: `all` (the in-process transport: every
 * ungrouped subscription and one per group), `solo` (ungrouped subscriptions only) or one
 * `group` (one of its local subscriptions; a broker already chose this instance for the group).
 */
export type Audience = "all" | "solo" | { readonly group: string };

/**
 * Called by a transport for each envelope this bus instance should fan out. For a `group`
 * audience it returns a promise that settles once the chosen subscription is done with the
 * event (handled, or failed for good and dead-lettered): the moment to acknowledge it.
 */
export type Deliver = (envelope: Envelope, audience?: Audience) => void | Promise<void>;

/** What this bus instance listens to, for transports that route at a broker. */
export interface Interest {
  /** Group name → the patterns of its live subscriptions here. */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Names that a live responder here answers. */
  readonly responders: readonly string[];
}

/** What a bus offers its transport besides `deliver`. */
export interface TransportHost {
  /**
   * Answer a request that arrived from another instance with the local responder of
   * `envelope.name`. Rejects with a `BusError` (`no_responder`, `responder_error`).
   */
  answer(envelope: Envelope): Promise<unknown>;
  /** Report a transport problem (failed publish, lost consumer) to the bus's log. */
  warn(message: string, props?: Record<string, unknown>): void;
}

/** A carrier of envelopes between publishers and bus instances. */
export interface BusTransport {
  /** Driver name for the status page, e.g. `in_process`. */
  readonly kind: string;
  /**
   * Start carrying; `deliver` receives every envelope for this instance. A networked transport
   * connects here; a rejection fails the bus's setup.
   */
  open(deliver: Deliver, host?: TransportHost): void | Promise<void>;
  /** Hand over one envelope. Must not block and must not call `deliver` synchronously. */
  send(envelope: Envelope): void;
  /** Envelopes accepted but not yet delivered (used to drain at shutdown). */
  readonly pending: number;
  /** Stop: drop what is queued, clear timers, close connections. Safe to call twice. */
  close(): void | Promise<void>;
  /**
   * Optional: told, after each change (batched per tick), which groups and responders this
   * instance has, so that a broker can route group work and requests here.
   */
  interest?(interest: Interest): void;
  /** Optional: settles once the broker reflects the latest {@link BusTransport.interest}. */
  settled?(): Promise<void>;
  /**
   * Optional: ask a responder on another instance. Rejects with a `BusError` (`no_responder`,
   * `timeout`, `responder_error`, `closed`).
   */
  request?(envelope: Envelope, timeoutMs: number): Promise<unknown>;
}

/** How the in-process transport schedules a delivery batch. */
export type Scheduler = "microtask" | "timeout";

/**
 * Delivers in the same process, batched: the first `send` after a flush schedules one flush
 * that delivers everything queued by then.
 *
 * Flushes run as microtasks (fast: no timer, no event-loop turn; measured by
 * `deno task bench bus`). So that a chain of handlers publishing to each other cannot starve I/O,
 * every 256th flush is scheduled with `setTimeout(0)` instead, which lets the event loop turn.
 */
export class InProcessTransport implements BusTransport {
  readonly kind = "in_process";
  #queue: Envelope[] = [];
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

  open(deliver: Deliver): void {
    this.#deliver = deliver;
    this.#closed = false;
  }

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

  get pending(): number {
    return this.#queue.length;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#scheduled = false;
  }

  #flush = (): void => {
    this.#timer = undefined;
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const deliver = this.#deliver;
    if (!deliver) return;
    for (let i = 0; i < batch.length; i++) deliver(batch[i]);
  };
}
