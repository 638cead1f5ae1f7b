/**
 * Scheduled jobs (`cron`, `every`): owned per plugin generation, with their run state kept per
 * plugin and name across generations, so that a reload neither runs a slot twice nor misses
 * one, and a run never overlaps the previous one (in this process, and through the store's
 * slot row across instances).
 * @module
 */
import { OwnedRegistry, type Owner } from "@core";
import { SchedulerError } from "./errors.ts";
import { backoff, type Failure, type SchedulerShared } from "./shared.ts";
import type { Timing } from "./timing.ts";
import type { RunHandler, ScheduledRun, ScheduleOptions } from "./types.ts";

/** One schedule as one plugin generation registered it. */
export interface ScheduleEntry {
  readonly owner: Owner;
  readonly name: string;
  readonly timing: Timing;
  readonly handler: RunHandler<ScheduledRun>;
  readonly overlap: "skip" | "queue";
  readonly retries: number;
  readonly backoffMs: number;
  readonly perInstance: boolean;
}

/** The run state of one schedule (`<plugin id>:<name>`), kept across reloads. */
interface RunState {
  entry: ScheduleEntry;
  key: string;
  /** The next slot. */
  nextAt: number | undefined;
  /** Claiming or running (or waiting for a retry): no other run starts. */
  busy: boolean;
  /** A slot due while busy, with `overlap: "queue"`. */
  queued: number | undefined;
  /** A retry waiting: its slot, attempt and time. */
  retry: { slot: number; attempt: number; at: number } | undefined;
  /** The claim token holding the slot row, while busy. */
  holder: string | undefined;
  lastRun: number | undefined;
  lastError: Failure | undefined;
  runs: number;
  failures: number;
  skipped: number;
  /** Slots another instance ran. */
  elsewhere: number;
}

/** The scheduled jobs of every plugin. */
export class Schedules {
  readonly #s: SchedulerShared;
  readonly #registry = new OwnedRegistry<ScheduleEntry>();
  readonly #states = new Map<string, RunState>();
  /** Runs in flight (for `runDue` and quiesce). */
  readonly #inflight = new Set<Promise<void>>();
  /** Called when the next due time may have changed (re-arm the timer). */
  changed: () => void = () => {};

  constructor(shared: SchedulerShared) {
    this.#s = shared;
  }

  /** Register `entry` for its owner generation (staged until activation). */
  add(entry: ScheduleEntry): void {
    const { owner, name } = entry;
    if (this.#registry.itemsOf(owner.id, owner.generation).some((e) => e.name === name)) {
      throw new SchedulerError(
        `${owner.id} already has a schedule named "${name}": give each one its own name`,
        "conflict",
      );
    }
    if (this.#registry.add(owner, entry) && this.#registry.isLive(owner)) {
      this.#adopt(entry, this.#s.clock.now()); // registered after onBoot: runs at once
      this.changed();
    }
  }

  /** Make `entry` the one that runs under its key, keeping the key's slots and state. */
  #adopt(entry: ScheduleEntry, now: number): string {
    const key = `${entry.owner.id}:${entry.name}`;
    const st = this.#states.get(key);
    if (st) {
      if (st.entry.timing.spec !== entry.timing.spec) st.nextAt = entry.timing.next(now);
      st.entry = entry;
    } else {
      this.#states.set(key, {
        entry,
        key,
        nextAt: entry.timing.next(now),
        busy: false,
        queued: undefined,
        retry: undefined,
        holder: undefined,
        lastRun: undefined,
        lastError: undefined,
        runs: 0,
        failures: 0,
        skipped: 0,
        elsewhere: 0,
      });
    }
    return key;
  }

  /** The new generation's schedules take over; slots and run state carry over by name. */
  activate(owner: Owner): void {
    this.#registry.activate(owner);
    const now = this.#s.clock.now();
    const keep = new Set<string>();
    for (const entry of this.#registry.itemsOf(owner.id)) keep.add(this.#adopt(entry, now));
    for (const key of this.#keysOf(owner.id)) if (!keep.has(key)) this.#states.delete(key);
    this.changed();
  }

  /** Drop one generation, or (unloaded) all: its schedules stop, pending retries are dropped. */
  release(ownerId: string, generation?: number): void {
    this.#registry.release(ownerId, generation);
    if (generation === undefined) {
      for (const key of this.#keysOf(ownerId)) this.#states.delete(key);
    }
    this.changed();
  }

  #keysOf(ownerId: string): string[] {
    return [...this.#states.keys()].filter((k) => k.startsWith(`${ownerId}:`));
  }

  /** The earliest time something is due (a slot or a retry), if any. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const st of this.#states.values()) {
      for (const t of [st.nextAt, st.retry?.at]) {
        if (t !== undefined && (min === undefined || t < min)) min = t;
      }
    }
    return min;
  }

  /** Start every run due now; returns how many started. */
  tick(): number {
    if (this.#s.state !== "open") return 0;
    const now = this.#s.clock.now();
    let started = 0;
    for (const st of this.#states.values()) {
      if (st.retry && st.retry.at <= now) {
        const { slot, attempt } = st.retry;
        st.retry = undefined;
        this.#track(this.#run(st, slot, attempt));
        started++;
      }
      if (st.nextAt === undefined || st.nextAt > now) continue;
      const slot = st.nextAt;
      st.nextAt = st.entry.timing.next(now);
      if (st.busy) {
        if (st.entry.overlap === "queue") st.queued = slot;
        else {
          st.skipped++;
          this.#s.log.warn(
            `scheduled job ${st.entry.name} of ${st.entry.owner.id}: slot ${
              new Date(slot).toISOString()
            } skipped, the previous run is still going (overlap: "skip")`,
          );
        }
        continue;
      }
      this.#track(this.#claimAndRun(st, slot));
      started++;
    }
    return started;
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    p.finally(() => this.#inflight.delete(p));
  }

  /** Resolves once no run is in flight. */
  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
  }

  async #claimAndRun(st: RunState, slot: number): Promise<void> {
    st.busy = true;
    const store = this.#s.store;
    if (store && !st.entry.perInstance) {
      const holder = this.#s.token();
      const now = this.#s.clock.now();
      let got: boolean | undefined;
      try {
        got = await store.claimSlot(st.key, slot, now, now + this.#s.leaseMs, holder);
      } catch (e) {
        st.failures++;
        st.lastError = {
          message: `slot ${new Date(slot).toISOString()} not run, the database did not answer: ${
            (e as Error)?.message ?? e
          }`,
          at: this.#s.clock.now(),
        };
        this.#s.log.warn(
          `scheduled job ${st.entry.name} of ${st.entry.owner.id}: ${st.lastError.message}`,
        );
      }
      if (!got) {
        if (got === false) st.elsewhere++;
        return this.#after(st);
      }
      st.holder = holder;
    }
    await this.#run(st, slot, 1);
  }

  async #run(st: RunState, slot: number, attempt: number): Promise<void> {
    const e = st.entry;
    const gen = this.#s.gens.of(e.owner);
    st.busy = true;
    gen.begin();
    this.#s.gens.all.begin();
    st.lastRun = this.#s.clock.now();
    try {
      await e.handler({ name: e.name, slot, attempt });
      st.runs++;
    } catch (err) {
      st.failures++;
      st.lastError = this.#s.failed(e.owner, err, `scheduled job ${e.name}`, {
        job: e.name,
        slot: new Date(slot).toISOString(),
        attempt,
      });
      if (attempt <= e.retries && this.#states.get(st.key) === st) {
        st.retry = {
          slot,
          attempt: attempt + 1,
          at: this.#s.clock.now() + backoff(e.backoffMs, attempt),
        };
      }
    } finally {
      gen.end();
      this.#s.gens.all.end();
    }
    if (!st.retry) await this.#after(st);
    this.changed();
  }

  /** A run (or a claim) ended: free the slot row, and run a queued slot. */
  async #after(st: RunState): Promise<void> {
    const holder = st.holder;
    st.holder = undefined;
    if (holder) {
      await this.#s.store?.freeSlot(st.key, holder).catch((e) =>
        this.#s.log.warn(`scheduled job ${st.entry.name}: could not free its slot: ${e?.message}`)
      );
    }
    st.busy = false;
    const q = st.queued;
    st.queued = undefined;
    if (q !== undefined && this.#states.get(st.key) === st && this.#s.state === "open") {
      this.#track(this.#claimAndRun(st, q));
    }
    this.changed();
  }

  /** Renew the slot rows of long runs (called every lease / 3). */
  async renew(): Promise<void> {
    const until = this.#s.clock.now() + this.#s.leaseMs;
    for (const st of this.#states.values()) {
      if (st.holder) await this.#s.store?.renewSlot(st.key, st.holder, until).catch(() => {});
    }
  }

  /** The schedules of one plugin, for its status entry. */
  describeOwner(ownerId: string): Record<string, unknown>[] {
    return this.#registry.itemsOf(ownerId).map((e) => {
      const st = this.#states.get(`${ownerId}:${e.name}`);
      const iso = (t: number | undefined) =>
        t === undefined ? undefined : new Date(t).toISOString();
      return {
        name: e.name,
        schedule: e.timing.spec,
        ...(e.perInstance ? { perInstance: true } : {}),
        nextRun: iso(st?.nextAt),
        lastRun: iso(st?.lastRun),
        lastError: st?.lastError?.message,
        running: st?.busy ?? false,
        runs: st?.runs ?? 0,
        failures: st?.failures ?? 0,
        skipped: st?.skipped ?? 0,
        ranElsewhere: st?.elsewhere ?? 0,
      };
    });
  }

  /** Number of live schedules. */
  get size(): number {
    return this.#registry.live().length;
  }
}

/** Check the options shared by `cron` and `every`; returns the entry's settings. */
export function scheduleSettings(
  name: string,
  o: ScheduleOptions,
): Pick<ScheduleEntry, "overlap" | "retries" | "backoffMs" | "perInstance"> {
  const bad = (why: string) => new SchedulerError(`schedule "${name}": ${why}`, "invalid");
  if (o.overlap !== undefined && o.overlap !== "skip" && o.overlap !== "queue") {
    throw bad(`overlap must be "skip" or "queue", not ${JSON.stringify(o.overlap)}`);
  }
  if (o.retries !== undefined && !(Number.isInteger(o.retries) && o.retries >= 0)) {
    throw bad(`retries must be a whole number ≥ 0, not ${JSON.stringify(o.retries)}`);
  }
  if (o.backoffMs !== undefined && !(Number.isInteger(o.backoffMs) && o.backoffMs >= 1)) {
    throw bad(`backoffMs must be a whole number ≥ 1, not ${JSON.stringify(o.backoffMs)}`);
  }
  return {
    overlap: o.overlap ?? "skip",
    retries: o.retries ?? 0,
    backoffMs: o.backoffMs ?? 1000,
    perInstance: o.perInstance ?? false,
  };
}
