/**
 * The `scheduler` tool: its lifecycle (setup, activate, release, drain, quiesce, shutdown), its
 * status, the API each plugin receives (`forOwner`), and the timers that drive the parts
 * (`schedules.ts`, `queue.ts`) in real time — or, in mode `test`, a manual clock the test kit
 * moves (`runDue`, `advance`).
 * @module
 */
import { type Owner, settleWithin, type Tool, type ToolContext } from "@core";
import { AsyncLocalStorage } from "node:async_hooks";
import type { z } from "zod";
import { type Clock, ManualClock, systemClock } from "./clock.ts";
import { SchedulerError } from "./errors.ts";
import { advance, runDue } from "./manual.ts";
import { JobQueue } from "./queue.ts";
import { Schedules, scheduleSettings } from "./schedules.ts";
import { checkCount, SchedulerShared } from "./shared.ts";
import { JobStore, type SqlDb } from "./store.ts";
import { cronTiming, intervalTiming } from "./timing.ts";
import type { JobOptions, JobRun, RunHandler, Scheduler } from "./types.ts";

/** Options of {@link SchedulerTool}. */
export interface SchedulerToolOptions {
  /**
   * The clock (default: the real one; in mode `test` a {@link ManualClock} started at boot,
   * moved only by {@link SchedulerTool.advance}).
   */
  clock?: Clock;
}

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_POLL_MS = 1000;
/** The longest a timer waits before looking at the clock again (it may have jumped). */
const MAX_SLEEP_MS = 30_000;

/**
 * Jobs on a clock and background jobs, owned by plugins; each slot runs once across instances
 * sharing the database. See mod.ts.
 */
export class SchedulerTool implements Tool {
  /** The name plugins ask for. */
  readonly name = "scheduler";
  /** One line for AI_CONTEXT.md and the status page. */
  readonly description =
    "Cron and fixed-interval jobs (once across instances) and durable background jobs " +
    "(enqueue, retries, dead jobs), owned by plugins";
  /** The database keeps slots and background jobs (without it: this process only). */
  readonly dependsOn = ["db"];
  /** The settings the tool reads through `ctx.env`. */
  readonly env = {
    SCHEDULER_LEASE_MS: "how long a run holds its slot or job before another instance may " +
      `take it over (renewed every third of it while it runs; default ${DEFAULT_LEASE_MS})`,
    SCHEDULER_POLL_MS: "how often the worker looks for due background jobs in the database " +
      `(one enqueued in this instance starts at once; default ${DEFAULT_POLL_MS})`,
  } as const;

  readonly #s: SchedulerShared;
  readonly #schedules: Schedules;
  readonly #queue: JobQueue;
  #manual: boolean;
  #pollMs = DEFAULT_POLL_MS;
  #started = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #waking = false;
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #lastDepth = 0;
  /**
   * Runs a function in the context the tool was made in: timers would otherwise carry the async
   * context of whoever set them (an `enqueue` inside `db.transaction`), and the worker's claims and
   * the jobs' handlers would join that caller's transaction.
   */
  readonly #outside = AsyncLocalStorage.snapshot();

  /** A scheduler on `options.clock` (see {@link SchedulerToolOptions}). */
  constructor(options: SchedulerToolOptions = {}) {
    this.#manual = options.clock instanceof ManualClock;
    this.#s = new SchedulerShared(options.clock ?? systemClock);
    this.#schedules = new Schedules(this.#s);
    this.#queue = new JobQueue(this.#s);
    this.#schedules.changed = () => this.#arm();
    this.#queue.wake = () => this.#wake();
  }

  /** Read the settings and create the tables in the db tool's database. */
  async setup(ctx: ToolContext): Promise<void> {
    this.#s.log = ctx.log;
    this.#s.errorInfo = ctx.errorInfo;
    if (ctx.mode === "test" && !(this.#s.clock instanceof ManualClock)) {
      if (this.#s.clock === systemClock) this.#s.clock = new ManualClock();
      this.#manual = this.#s.clock instanceof ManualClock;
    }
    this.#s.leaseMs = positive(ctx.env("SCHEDULER_LEASE_MS"), "SCHEDULER_LEASE_MS") ??
      DEFAULT_LEASE_MS;
    this.#pollMs = positive(ctx.env("SCHEDULER_POLL_MS"), "SCHEDULER_POLL_MS") ?? DEFAULT_POLL_MS;
    const api = ctx.tool<{ api?: unknown }>("db") as { api?: SqlDb } | undefined;
    let db: SqlDb | undefined;
    try {
      db = api?.api;
    } catch { /* the db tool is not set up */ }
    if (db && typeof db.execute === "function" && db.driver) {
      const store = new JobStore(db);
      await store.attach();
      this.#s.store = store;
    } else {
      ctx.log.warn(
        "scheduler: no database; schedules run in this process only, and enqueue fails",
      );
    }
  }

  /** Start the timers (real time) once every plugin of the boot is live. */
  onBootComplete(): void {
    this.#started = true;
    if (this.#manual) return;
    this.#arm();
    this.#poll();
    this.#renewTimer = setInterval(() =>
      this.#outside(() => {
        this.#schedules.renew();
        this.#queue.renew();
      }), Math.max(100, Math.floor(this.#s.leaseMs / 3)));
    Deno.unrefTimer(this.#renewTimer);
  }

  /** The {@link Scheduler} a plugin receives; everything it registers is owned by `owner`. */
  forOwner(owner: Owner): Scheduler {
    return {
      cron: (name, expression, handler, options = {}) => {
        checkName("cron", name, handler);
        this.#schedules.add({
          owner,
          name,
          timing: cronTiming(name, expression, options.timezone),
          handler,
          ...scheduleSettings(name, options),
        });
      },
      every: (name, ms, handler, options = {}) => {
        checkName("every", name, handler);
        this.#schedules.add({
          owner,
          name,
          timing: intervalTiming(name, ms),
          handler,
          ...scheduleSettings(name, options),
        });
      },
      job: (name, options) => {
        const o = (options ?? {}) as Partial<JobOptions<z.ZodType>>;
        checkName("job", name, o.handler as RunHandler<never>);
        if (typeof (o.schema as { safeParse?: unknown } | undefined)?.safeParse !== "function") {
          throw new SchedulerError(
            `scheduler.job("${name}"): give a Zod schema of the payload, e.g. ` +
              "{ schema: z.object({ id: z.number() }), handler }",
            "invalid",
          );
        }
        const bad = checkCount("retries", o.retries, 0) ??
          checkCount("backoffMs", o.backoffMs, 1) ?? checkCount("concurrency", o.concurrency, 1);
        if (bad) throw new SchedulerError(`scheduler.job("${name}"): ${bad}`, "invalid");
        this.#queue.add({
          owner,
          name,
          schema: o.schema!,
          handler: o.handler as RunHandler<JobRun<unknown>>,
          retries: o.retries ?? 3,
          backoffMs: o.backoffMs ?? 1000,
          concurrency: o.concurrency ?? 5,
        });
        return { name, enqueue: (payload, opts) => this.#queue.enqueue(name, payload, opts) };
      },
      enqueue: (name, payload, options) => this.#queue.enqueue(name, payload, options),
      deadJobs: (name, limit) => this.#queue.dead(name, limit),
    };
  }

  /** Switch `owner.id` to `owner.generation`: its schedules and jobs take over. */
  activate(owner: Owner): void {
    this.#schedules.activate(owner);
    this.#queue.activate(owner);
  }

  /** Stop the schedules and jobs of one generation of `ownerId`, or of all of them. */
  release(ownerId: string, generation?: number): void {
    this.#schedules.release(ownerId, generation);
    this.#queue.release(ownerId, generation);
    this.#s.gens.release(ownerId, generation);
  }

  /** Wait (bounded) until the runs of one owner generation have ended. */
  async drain(ownerId: string, generation: number, timeoutMs: number): Promise<void> {
    await this.#s.gens.drain(ownerId, generation, timeoutMs);
  }

  /** The schedules and jobs of one plugin: next run, last run, last error, queue depth. */
  describeOwner(ownerId: string): Record<string, unknown> | undefined {
    const schedules = this.#schedules.describeOwner(ownerId);
    const jobs = this.#queue.describeOwner(ownerId);
    if (!schedules.length && !jobs.length) return undefined;
    return { schedules, jobs };
  }

  /** Where slots and jobs are kept, this instance's id, the settings and the queue depth. */
  describe(): Record<string, unknown> {
    return {
      store: this.#s.store?.kind ?? "memory (this process only)",
      instance: this.#s.instance,
      clock: this.#manual ? "manual (test)" : "system",
      leaseMs: this.#s.leaseMs,
      pollMs: this.#pollMs,
      schedules: this.#schedules.size,
      jobs: this.#queue.names().sort(),
      running: this.#s.gens.all.inflight,
      queue: this.#queue.depth(),
    };
  }

  /**
   * Stop starting runs, then wait (at most `timeoutMs`) for those running; background jobs still
   * running then go back to the queue, due at once for another instance. (A schedule still
   * running keeps its row until its lease passes: the next slot never overlaps it.)
   */
  async quiesce(timeoutMs: number): Promise<void> {
    this.#s.state = "closed";
    this.#stopTimers();
    await settleWithin(Promise.all([this.#schedules.idle(), this.#queue.idle()]), timeoutMs);
    const n = await this.#queue.giveBack();
    if (n > 0) {
      this.#s.log.warn(
        `scheduler: ${n} background job(s) still running at shutdown, given back to the queue ` +
          "(they run again, on this or another instance)",
      );
    }
  }

  /** Stop the timers. */
  shutdown(): void {
    this.#s.state = "closed";
    this.#stopTimers();
  }

  // ---- the test clock ----

  /** The clock the scheduler reads (a {@link ManualClock} in mode `test`). */
  get clock(): Clock {
    return this.#s.clock;
  }

  /**
   * Run what is due now: scheduled runs and retries whose time came, then background jobs, again
   * until nothing due is left (a job may enqueue another); resolves once they all ended.
   */
  runDue(): Promise<{ scheduled: number; jobs: number }> {
    return runDue(this.#schedules, this.#queue);
  }

  /**
   * Move the manual clock `ms` forward, stopping at each moment something is due on the way
   * and running it ({@link runDue}): advancing 5 minutes runs a one-minute job 5 times.
   */
  advance(ms: number): Promise<void> {
    return advance(this.#s, this.#schedules, this.#queue, ms);
  }

  /** Jobs of `name` waiting (queued or between retries), oldest first: for tests and tools. */
  async queuedJobs(
    name: string,
  ): Promise<{ id: string; payload: unknown; attempts: number; runAt: number }[]> {
    const rows = await this.#s.store?.queued(name) ?? [];
    return rows.map((r) => ({
      id: r.id,
      payload: JSON.parse(r.payload),
      attempts: Number(r.attempts),
      runAt: Number(r.run_at),
    }));
  }

  // ---- real time ----

  /** Set the timer to the next due slot or retry. */
  #arm(): void {
    if (this.#manual || !this.#started || this.#s.state !== "open") return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#schedules.nextDue();
    if (next === undefined) return;
    const wait = Math.min(Math.max(0, next - this.#s.clock.now()), MAX_SLEEP_MS);
    this.#timer = setTimeout(() =>
      this.#outside(() => {
        this.#timer = undefined;
        this.#schedules.tick();
        this.#arm();
      }), wait);
  }

  /** Look for due background jobs now and every poll interval. */
  #poll(): void {
    if (this.#manual || !this.#started || this.#s.state !== "open") return;
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() =>
      this.#outside(async () => {
        this.#pollTimer = undefined;
        await this.#pumpLogged();
        const now = Date.now();
        if (now - this.#lastDepth >= 2000) {
          this.#lastDepth = now;
          await this.#queue.refreshDepth().catch(() => {});
        }
        this.#poll();
      }), this.#pollMs);
  }

  /**
   * A job was enqueued here or ended: look for work in a microtask (a timer would add a
   * millisecond or more to every job), once for all the wake-ups of one synchronous run.
   */
  #wake(): void {
    if (this.#manual || !this.#started || this.#s.state !== "open") return;
    if (this.#waking) return;
    this.#waking = true;
    queueMicrotask(() =>
      this.#outside(() => {
        this.#waking = false;
        this.#pumpLogged();
      })
    );
  }

  async #pumpLogged(): Promise<void> {
    try {
      await this.#queue.pump();
    } catch (e) {
      this.#s.log.warn(`scheduler: could not look for due jobs: ${(e as Error)?.message ?? e}`);
    }
  }

  #stopTimers(): void {
    for (const t of [this.#timer, this.#pollTimer]) {
      if (t !== undefined) clearTimeout(t);
    }
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer);
    this.#timer = this.#pollTimer = this.#renewTimer = undefined;
  }
}

/** A setting that must be a whole number of ms ≥ 1, or unset. */
function positive(v: string | undefined, key: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${key}=${JSON.stringify(v)}: give a whole number of milliseconds ≥ 1`);
  }
  return n;
}

function checkName(what: string, name: unknown, handler: unknown): void {
  if (typeof name !== "string" || !name.trim()) {
    throw new SchedulerError(`scheduler.${what}: give a name (a non-empty string)`, "invalid");
  }
  if (typeof handler !== "function") {
    throw new SchedulerError(
      `scheduler.${what}("${name}"): give a handler function`,
      "invalid",
    );
  }
}
