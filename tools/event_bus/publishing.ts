/**
 * The publishing side of one bus: the first publish of a name (validated, recorded for the
 * status page), every publish (copy, stamp, then the outbox inside a transaction or the driver),
 * its receipt, what was dropped, and the outbox relay (`outbox_relay.ts`).
 * @module
 */
import type { Owner, ToolContext } from "@core";
import { frozenCopy } from "./copy.ts";
import { BusError, errorMessage } from "./errors.ts";
import { OutboxRelay } from "./outbox_relay.ts";
import { assertName } from "./pattern.ts";
import { DONE, type PublishReceipt, Receipt } from "./receipt.ts";
import type { BusShared } from "./shared.ts";
import type { EventCounters } from "./stats.ts";
import { TRACEPARENTS } from "./telemetry.ts";
import type { Envelope, PublishOptions } from "./types.ts";

/** Publishes of one bus. */
export class Publishing {
  readonly #s: BusShared;
  readonly #ctx: () => ToolContext | undefined;
  readonly #handled: (env: Envelope) => Promise<void>;
  #publishedBy = new Map<string, Set<string>>();
  #published = 0;
  #dropped = 0;
  /** The outbox relay, once looked for (`null`: no tool offers an outbox). */
  #relay: OutboxRelay | null | undefined;

  /**
   * Publishes on `shared`; `ctx` is the tool context once set up; `handled` delivers an event
   * in this process and settles once its subscribers are done (the in-process outbox relay).
   */
  constructor(
    shared: BusShared,
    ctx: () => ToolContext | undefined,
    handled: (env: Envelope) => Promise<void>,
  ) {
    this.#s = shared;
    this.#ctx = ctx;
    this.#handled = handled;
  }

  /** Whether events go through an outbox (a record may then be relayed twice). */
  get relaying(): boolean {
    return !!this.#relay;
  }

  /** Validate and record the first publish (or request) of `name` by `owner`. */
  first(owner: Owner, name: string, known: Map<string, EventCounters>): EventCounters {
    assertName(name);
    const c = this.#s.stats.of(name);
    c.publishers.add(owner.id);
    let names = this.#publishedBy.get(owner.id);
    if (!names) this.#publishedBy.set(owner.id, names = new Set());
    if (names.size < 200) names.add(name);
    if (known.size >= 1000) known.clear();
    known.set(name, c);
    return c;
  }

  /** Publish: inside a transaction into the outbox, else to the driver; returns the receipt. */
  publish(
    owner: Owner,
    c: EventCounters,
    name: string,
    payload: unknown,
    options?: PublishOptions,
  ): PublishReceipt {
    const s = this.#s;
    const ttl = options?.ttlMs;
    if (ttl !== undefined && !(ttl > 0)) {
      throw new TypeError(`publish("${name}"): ttlMs must be a positive number of ms: ${ttl}`);
    }
    if (s.state === "closed") return this.#drop(owner, name);
    const copy = frozenCopy(payload);
    c.published++;
    this.#published++;
    const causes = s.causes;
    const parent = causes?.current();
    const env = s.envelope(
      name,
      copy,
      owner.id,
      options?.correlationId,
      parent?.id,
      options?.ttlMs,
    );
    causes?.event(env.id, name, owner.id);
    const tp = s.tracing?.publish(name, env.id, owner.id);
    if (tp) TRACEPARENTS.set(env, tp);
    const relay = this.#relay === undefined ? this.#outboxRelay() : this.#relay;
    if (relay?.enlist(env)) return DONE; // sent once the transaction commits
    return s.driver.send(env) ?? DONE;
  }

  /** Names `ownerId` published (at most 200). */
  namesOf(ownerId: string): string[] {
    return [...this.#publishedBy.get(ownerId) ?? []];
  }

  /** `ownerId` is gone. */
  forget(ownerId: string): void {
    this.#publishedBy.delete(ownerId);
  }

  /** Published, confirmed / waiting / retries (durable drivers), dropped, the outbox's counts. */
  counts(): Record<string, unknown> {
    const d = this.#s.driver.stats?.();
    return {
      published: this.#published,
      ...(d ? { confirmed: d.confirmed, waiting: d.waiting, retries: d.retries } : {}),
      dropped: this.#dropped + (d?.failed ?? 0),
      ...(this.#relay ? { outbox: this.#relay.stats() } : {}),
    };
  }

  /** After boot: start the relay, if a tool offers an outbox (sends what was left). */
  async startRelay(): Promise<void> {
    if (this.#relay === null) this.#relay = undefined; // an outbox offered since: look again
    await this.#outboxRelay()?.start();
  }

  /** Wait for the relay's work; `false` when there is no relay. */
  async relayIdle(): Promise<boolean> {
    if (!this.#relay) return false;
    await this.#relay.idle();
    return true;
  }

  /** Stop the relay's sweeps. */
  closeRelay(): void {
    this.#relay?.close();
  }

  /** A receipt nobody awaited failed: the event may be lost, say so. */
  unconfirmed(env: Envelope, e: unknown): void {
    this.#s.log.error(`event "${env.name}" (${env.id}) was not stored: ${errorMessage(e)}`, {
      event: env.name,
      eventId: env.id,
      source: env.source,
      error: errorMessage(e),
    });
  }

  /** The outbox relay, made the first time a tool offers an outbox (after setup). */
  #outboxRelay(): OutboxRelay | null | undefined {
    if (this.#relay) return this.#relay;
    const ctx = this.#ctx();
    if (!ctx) return undefined; // not set up yet: look again later
    const outbox = ctx.outbox();
    if (!outbox) return this.#relay = null;
    this.#s.dedupe = true; // a record may be relayed twice
    return this.#relay = new OutboxRelay(outbox, {
      // In-process: delivered here, removed once its subscribers are done (not when the whole
      // bus is idle, which a busy process may never be). A broker: once it confirmed the event.
      send: (env) => {
        const driver = this.#s.driver;
        if (driver.kind === "in_process") return Promise.resolve(env).then(this.#handled);
        return driver.send(env) ?? Promise.resolve();
      },
      warn: (message, props) => this.#s.log.warn(message, props),
    });
  }

  #drop(owner: Owner, name: string): PublishReceipt {
    if (this.#dropped++ === 0) {
      this.#s.log.warn("event published after the bus closed; dropped", {
        plugin: owner.id,
        event: name,
      });
    }
    const r = new Receipt(() => {}); // counted and warned above
    r.reject(new BusError("closed", `event "${name}" published after the bus closed`));
    return r;
  }
}
