/**
 * The transactional outbox, on the bus's side. The db tool offers an {@link Outbox}: an event
 * published inside `db.transaction` is written in that transaction ({@link OutboxRelay.enlist})
 * instead of being sent, so it commits with the data or not at all. Once the transaction has
 * committed, the relay sends its events; each record is removed once the driver confirmed it
 * (NATS: JetStream's PubAck) or, in-process, once it was delivered and its handlers are done.
 * What a crash or a broker outage left in the outbox is sent again after boot and every
 * `sweepMs` ({@link OutboxRelay.sweep}), then removed.
 *
 * A record's body is the envelope as JSON, so payloads published inside a transaction must be
 * JSON data (objects, arrays, strings, numbers, booleans, null); anything else (a `Map`, a
 * `Date`, a `bigint`) fails the outbox write with a `TypeError`, and so the transaction. A record may be sent more
 * than once (a crash between the send and the removal): consumers remove duplicates by event
 * id, and JetStream by message id within its duplicate window (2 min).
 * @module
 */
import type { Outbox, OutboxRecord } from "@core";
import { frozenCopy, isShareable } from "./copy.ts";
import { errorMessage as msg } from "./errors.ts";
import type { Envelope } from "./types.ts";

/** What the relay needs from the bus. */
export interface RelayBus {
  /** Send one envelope; settles once it is durable (or, in-process, delivered and handled). */
  send(envelope: Envelope): PromiseLike<void>;
  /** Report a failure to the bus's log. */
  warn(message: string, props?: Record<string, unknown>): void;
}

/** Tuning of {@link OutboxRelay}. */
export interface RelayOptions {
  /** How often what is left in the outbox is sent again (default 5000 ms). */
  sweepMs?: number;
  /** A record is "left" once it is this old (default 5000 ms): younger ones are being relayed. */
  olderThanMs?: number;
  /** Records read per page of a sweep (default 256). */
  batch?: number;
}

/** Counters for the status page. */
export interface RelayStats {
  /** Events written in a transaction instead of being sent. */
  enlisted: number;
  /** Events the relay sent (after a commit, or from a sweep). */
  relayed: number;
  /** Records removed once confirmed. */
  removed: number;
  /** Sends that failed (the record stays for the next sweep). */
  failed: number;
}

/** Relays the events of committed transactions from an {@link Outbox} to the bus. */
export class OutboxRelay {
  readonly #outbox: Outbox;
  readonly #bus: RelayBus;
  readonly #opts: Required<RelayOptions>;
  /** Ids being sent now: a sweep leaves them alone. */
  readonly #inFlight = new Set<string>();
  #work = new Set<Promise<void>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<number> | undefined;
  #closed = false;
  readonly #stats: RelayStats = { enlisted: 0, relayed: 0, removed: 0, failed: 0 };

  /** Relay from `outbox` to `bus`; listens to the outbox's commits at once. */
  constructor(outbox: Outbox, bus: RelayBus, options: RelayOptions = {}) {
    this.#outbox = outbox;
    this.#bus = bus;
    this.#opts = {
      sweepMs: options.sweepMs ?? 5000,
      olderThanMs: options.olderThanMs ?? 5000,
      batch: options.batch ?? 256,
    };
    outbox.onCommit((records) => {
      if (!this.#closed) this.#track(this.#relay(records));
    });
  }

  /** Counters: enlisted, relayed, removed, failed. */
  stats(): RelayStats {
    return { ...this.#stats };
  }

  /**
   * Inside a transaction: write `env` in it and return `true` (it is sent after the commit).
   * Outside one: `false`, and the caller sends it now.
   * A payload that is not JSON data fails the outbox's write (and the transaction) with a
   * `TypeError`.
   */
  enlist(env: Envelope): boolean {
    let body: string | undefined;
    const record: OutboxRecord = {
      id: env.id,
      // Read by the outbox only inside a transaction: no JSON text for the publishes outside.
      get body(): string {
        if (body !== undefined) return body;
        if (!isShareable(env.payload)) {
          throw new TypeError(
            `event "${env.name}": a payload published inside a transaction must be JSON data ` +
              "(no Map, Date, bigint, typed array)",
          );
        }
        return body = JSON.stringify(env);
      },
    };
    if (!this.#outbox.enlist(record)) return false;
    this.#stats.enlisted++;
    return true;
  }

  /** Sweep now (what a crash left), then every `sweepMs`. */
  start(): Promise<number> {
    if (this.#timer === undefined && !this.#closed) {
      this.#timer = setInterval(() => void this.sweep(), this.#opts.sweepMs);
      Deno.unrefTimer(this.#timer);
    }
    return this.sweep();
  }

  /**
   * Send again every record older than `olderThanMs` that is not being sent now, page by page;
   * resolves with how many were sent. One sweep at a time.
   */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweep().finally(() => this.#sweeping = undefined);
    return this.#sweeping;
  }

  /** Settles once every relay in progress (and a running sweep) is done. */
  async idle(): Promise<void> {
    while (this.#work.size > 0 || this.#sweeping) {
      await Promise.all([...this.#work, this.#sweeping]);
    }
  }

  /** Stop sweeping and listening; records left stay in the outbox for the next start. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #sweep(): Promise<number> {
    let sent = 0;
    try {
      while (!this.#closed) {
        const page = await this.#outbox.pending(this.#opts.batch, this.#opts.olderThanMs);
        const fresh = page.filter((r) => !this.#inFlight.has(r.id));
        if (fresh.length === 0) break;
        const ok = await this.#relay(fresh);
        sent += fresh.length;
        // Stop when the page was the last, or nothing got through (the broker is away).
        if (page.length < this.#opts.batch || ok === 0) break;
      }
    } catch (e) {
      this.#bus.warn(`outbox: could not read pending events: ${msg(e)}`, { error: msg(e) });
    }
    return sent;
  }

  /** Send `records`, remove those confirmed; resolves with how many were. */
  async #relay(records: readonly OutboxRecord[]): Promise<number> {
    const sends: Promise<string | undefined>[] = [];
    for (const r of records) {
      if (this.#inFlight.has(r.id)) continue;
      let env: Envelope;
      try {
        env = parse(r.body);
      } catch (e) {
        this.#bus.warn(`outbox: record ${r.id} is no event; removed`, { error: msg(e) });
        sends.push(Promise.resolve(r.id));
        continue;
      }
      this.#inFlight.add(r.id);
      this.#stats.relayed++;
      sends.push(
        Promise.resolve(this.#bus.send(env)).then(
          () => r.id,
          (e) => {
            this.#stats.failed++;
            this.#bus.warn(`outbox: event "${env.name}" (${r.id}) not relayed yet: ${msg(e)}`, {
              event: env.name,
              eventId: r.id,
              error: msg(e),
            });
            return undefined;
          },
        ),
      );
    }
    const ids = (await Promise.all(sends)).filter((id): id is string => id !== undefined);
    try {
      if (ids.length > 0) await this.#outbox.remove(ids);
      this.#stats.removed += ids.length;
    } catch (e) {
      this.#bus.warn(`outbox: could not remove ${ids.length} relayed event(s): ${msg(e)}`, {
        error: msg(e),
      });
    } finally {
      for (const r of records) this.#inFlight.delete(r.id);
    }
    return ids.length;
  }

  #track(p: Promise<unknown>): void {
    const done = p.then(() => {}, () => {}).finally(() => this.#work.delete(done));
    this.#work.add(done);
  }
}

/** The envelope in a record's body (frozen, as the bus hands them out). */
function parse(body: string): Envelope {
  const env = frozenCopy(JSON.parse(body)) as Envelope;
  if (typeof env?.id !== "string" || typeof env.name !== "string") {
    throw new Error("not a MicroCore envelope");
  }
  return env;
}
