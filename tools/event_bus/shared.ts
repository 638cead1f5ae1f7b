/**
 * What the parts of one bus share: its lifecycle state, driver and log, the counters, the work
 * in flight per owner generation, the deadlines, the live generation of each owner, and how an
 * envelope is stamped and handed to the driver.
 * @module
 */
import { type Generation, Generations, type LogSink, type Owner, type ToolContext } from "@core";
import { Deadlines } from "./deadlines.ts";
import type { BusDriver } from "./driver.ts";
import { EventIds, TickClock } from "./stamps.ts";
import { EventStats } from "./stats.ts";
import type { CauseRecorder, Tracing } from "./telemetry.ts";
import type { Envelope } from "./types.ts";

/** `open`; `draining` while `quiesce` waits; `closed` once publishes are dropped. */
export type BusState = "open" | "draining" | "closed";

const consoleLog: LogSink = {
  debug: () => {},
  info: (m, p) => console.info(`[event_bus] ${m}`, p ?? ""),
  warn: (m, p) => console.warn(`[event_bus] ${m}`, p ?? ""),
  error: (m, p) => console.error(`[event_bus] ${m}`, p ?? ""),
};

/** Whether `v` is a promise or promise-like (what an async handler returns). */
// deno-lint-ignore no-explicit-any
export const isThenable = (v: any): v is PromiseLike<unknown> =>
  v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";

/** The state one bus's parts (delivery, requests, interest) and its tool share. */
export class BusShared {
  /** Where the bus is in its shutdown. */
  state: BusState = "open";
  /** The carrier of envelopes (replaced in setup when the settings choose another). */
  driver: BusDriver;
  /** The tool's log (the console until setup). */
  log: LogSink = consoleLog;
  /**
   * Skip deliveries of an event id a subscription (or group) was already handed: on for a
   * broker (at-least-once) and with an outbox (a record may be relayed twice).
   */
  dedupe = false;
  /** The kernel's error locator (hot-reload copies mapped back to the user's file). */
  errorInfo: ToolContext["errorInfo"] | undefined;
  /** The telemetry tool's causal trees, when present and recording. */
  causes: CauseRecorder | undefined;
  /** OpenTelemetry spans, when a tracer provider is registered. */
  tracing: Tracing | undefined;
  /** Counters per event name. */
  readonly stats: EventStats = new EventStats();
  /** Async handlers, retries and requests in flight, per owner generation and in all. */
  readonly generations: Generations = new Generations();
  /** Handler and request timeouts, on one timer. */
  readonly deadlines: Deadlines = new Deadlines();
  readonly #ids = new EventIds();
  readonly #clock = new TickClock();
  readonly #liveGen = new Map<string, number>();

  /** Shared state around `driver`. */
  constructor(driver: BusDriver) {
    this.driver = driver;
  }

  /** A new envelope: a fresh id and time; the correlation id defaults to the id. */
  envelope(
    name: string,
    payload: unknown,
    source: string,
    correlationId?: string,
    parentId?: string,
    ttlMs?: number,
  ): Envelope {
    const id = this.#ids.next();
    const env: Envelope = {
      id,
      name,
      payload,
      time: this.#clock.now(),
      source,
      correlationId: correlationId ?? id,
    };
    if (parentId !== undefined) (env as { parentId?: string }).parentId = parentId;
    if (ttlMs !== undefined) (env as { expiresAt?: number }).expiresAt = env.time + ttlMs;
    return Object.freeze(env);
  }

  /** Stamp an envelope (`payload` already copied) and hand it to the driver. */
  send(name: string, payload: unknown, source: string, correlationId?: string): void {
    this.driver.send(this.envelope(name, payload, source, correlationId));
  }

  /** One unit of work of `g` begins (counted in `generations.all` too). */
  begin(g: Generation): void {
    g.begin();
    this.generations.all.begin();
  }

  /** One unit of work of `g` ended. */
  end(g: Generation): void {
    g.end();
    this.generations.all.end();
  }

  /** A handler error's stack for the log, pointing at the user's files. */
  stack(err: unknown, file?: string): string {
    const info = this.errorInfo?.(err, file);
    if (info) return info.stack ?? info.message;
    return err instanceof Error ? (err.stack ?? err.message) : String(err);
  }

  /** `owner.generation` is now the live one of `owner.id`. */
  activated(owner: Owner): void {
    this.#liveGen.set(owner.id, owner.generation);
  }

  /** Every generation of `ownerId` is gone. */
  forget(ownerId: string): void {
    this.#liveGen.delete(ownerId);
  }

  /**
   * Whether `owner` is older than the live generation of its id: what it registers would never
   * be released, so it is ignored (with a warning naming `what`).
   */
  stale(owner: Owner, what: string): boolean {
    const live = this.#liveGen.get(owner.id);
    if (live === undefined || owner.generation >= live) return false;
    this.log.warn(`ignored ${what} from a replaced generation of ${owner.id}`, {
      plugin: owner.id,
      generation: owner.generation,
      live,
    });
    // Stryker disable next-line BooleanLiteral: the registries refuse a generation older than the live one too; this only skips the work
    return true;
  }
}

/** Deactivate registrations that were replaced or released, and release their generations. */
export function retire(items: readonly { active: boolean; readonly gen: Generation }[]): void {
  for (const it of items) {
    it.active = false;
    it.gen.release();
  }
}
