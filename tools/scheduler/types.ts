/**
 * What a plugin sees of the `scheduler` tool: the {@link Scheduler} it receives, the options of
 * its schedules and jobs, and what a handler is handed.
 * @module
 */
import type { z } from "zod";

/** A handler of a scheduled run or a background job; may be async. A throw counts as a failure. */
export type RunHandler<C> = (run: C) => void | PromiseLike<void>;

/** What a scheduled handler receives. */
export interface ScheduledRun {
  /** The job's name, as registered. */
  readonly name: string;
  /**
   * The slot this run is for (ms since epoch): the instant the schedule said, the same on every
   * instance, even when the run starts a little later. Key idempotent work on it.
   */
  readonly slot: number;
  /** 1 for the first attempt of this slot, then one more per retry. */
  readonly attempt: number;
}

/** What a background job's handler receives. */
export interface JobRun<T> {
  /** The job's id: unique, kept across retries and restarts; remove duplicates by it. */
  readonly id: string;
  /** The job's name, as declared. */
  readonly name: string;
  /** The payload, checked against the declared schema. */
  readonly payload: T;
  /**
   * 1 for the first attempt, then one more per retry, and per run a crash or `kill -9`
   * interrupted (delivery is at least once).
   */
  readonly attempt: number;
  /** When it was enqueued (ms since epoch). */
  readonly enqueuedAt: number;
}

/** Options shared by {@link Scheduler.cron} and {@link Scheduler.every}. */
export interface ScheduleOptions {
  /**
   * What happens when a run is due while the previous one still runs: `skip` (default) drops
   * that run; `queue` runs once more as soon as the previous one ends (at most one waits).
   */
  overlap?: "skip" | "queue";
  /** Extra attempts after a failed run, within the same slot (default 0). */
  retries?: number;
  /** Wait before the first retry, doubling with each one, ms (default 1000). */
  backoffMs?: number;
  /**
   * `false` (default): with several instances on one database, each slot runs on one instance
   * only. `true`: every instance runs it (e.g. refreshing a per-process cache).
   */
  perInstance?: boolean;
}

/** Options of {@link Scheduler.cron}. */
export interface CronOptions extends ScheduleOptions {
  /** IANA time zone the expression is read in, e.g. `Europe/Paris` (default UTC). */
  timezone?: string;
}

/** Options of {@link Scheduler.job}. */
export interface JobOptions<S extends z.ZodType> {
  /** The payload's shape: `enqueue` rejects a payload that does not match, naming the field. */
  schema: S;
  /** Runs each job; a throw or rejection fails the attempt. */
  handler: RunHandler<JobRun<z.output<S>>>;
  /** Extra attempts after a failure, unless `enqueue` says otherwise (default 3). */
  retries?: number;
  /** Wait before the first retry, doubling with each one, ms (default 1000; at most 1 h). */
  backoffMs?: number;
  /** Jobs of this name run at once on one instance (default 5). */
  concurrency?: number;
}

/** Options of {@link Scheduler.enqueue}. */
export interface EnqueueOptions {
  /** Start no earlier than this many ms from now (default 0). */
  delay?: number;
  /** Extra attempts after a failure (default: the declaration's `retries`). */
  retries?: number;
  /**
   * The job's id, to enqueue at most once: a second `enqueue` with the same id does nothing and
   * returns it (default: a new random id).
   */
  id?: string;
}

/** A background job as {@link Scheduler.job} declared it: enqueue with its payload type. */
export interface JobHandle<T> {
  /** The job's name. */
  readonly name: string;
  /** Same as {@link Scheduler.enqueue} with this job's name and payload type. */
  enqueue(payload: T, options?: EnqueueOptions): Promise<string>;
}

/** A job that failed for good, kept in the database (state `dead`). */
export interface DeadJob {
  id: string;
  name: string;
  payload: unknown;
  attempts: number;
  /** The last failure's message, with the plugin's file:line. */
  error: string;
  enqueuedAt: number;
}

/**
 * What a plugin receives when it asks for `scheduler`: work on a clock (`cron`, `every`) and
 * work deferred out of the request (`job`, `enqueue`). Everything registered in `onBoot` is
 * owned by the plugin: a reload replaces it without a double or a missed run, an unload stops it.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Scheduler } from "@tools/scheduler/mod.ts";
 * import { z } from "zod";
 *
 * export default class Reports extends BasePlugin {
 *   constructor(private scheduler: Scheduler) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.scheduler.cron("nightly", "0 3 * * *", () => this.report(), {
 *       timezone: "Europe/Paris",
 *     });
 *     this.scheduler.job("report.mail", {
 *       schema: z.object({ to: z.email() }),
 *       handler: (job) => this.mail(job.payload.to),
 *       retries: 5,
 *     });
 *   }
 * }
 * ```
 */
export interface Scheduler {
  /**
   * Run `handler` on a cron expression: 5 fields (minute hour day month weekday) or 6 (seconds
   * first), read in `options.timezone` (default UTC). Throws a `SchedulerError` on a bad
   * expression or time zone, or a name this plugin already used.
   * @example
   * ```ts
   * this.scheduler.cron("cleanup", "*\/15 * * * *", async () => {
   *   await this.db.execute("DELETE FROM sessions WHERE expires_at < $1", [Date.now()]);
   * });
   * ```
   */
  cron(
    name: string,
    expression: string,
    handler: RunHandler<ScheduledRun>,
    options?: CronOptions,
  ): void;
  /**
   * Run `handler` every `ms` milliseconds (at least 1000), on slots aligned to the epoch (every
   * 60 000 ms: at each minute), so that every instance agrees on them.
   * @example
   * ```ts
   * this.scheduler.every("low-stock", 60_000, () => this.check());
   * ```
   */
  every(
    name: string,
    ms: number,
    handler: RunHandler<ScheduledRun>,
    options?: ScheduleOptions,
  ): void;
  /**
   * Declare the background job `name` (one plugin per name) and handle it. Returns a handle whose
   * `enqueue` takes the schema's type.
   * @example
   * ```ts
   * const mail = this.scheduler.job("order.mail", {
   *   schema: z.object({ orderId: z.number() }),
   *   handler: (job) => this.send(job.payload.orderId),
   * });
   * // later, in a route:
   * await mail.enqueue({ orderId: 7 }, { delay: 5_000 });
   * ```
   */
  job<S extends z.ZodType>(name: string, options: JobOptions<S>): JobHandle<z.output<S>>;
  /**
   * Add a job for the plugin that declared `name`, kept in the database until it ran (at least
   * once, through restarts and crashes). Inside `db.transaction` it commits with the
   * transaction. Resolves with the job's id. Rejects with a `SchedulerError` when no plugin
   * declared `name` or the payload does not match its schema.
   * @example
   * ```ts
   * const id = await this.scheduler.enqueue("order.mail", { orderId: 7 }, { retries: 2 });
   * ```
   */
  enqueue(name: string, payload: unknown, options?: EnqueueOptions): Promise<string>;
  /** Jobs of `name` that failed for good (newest first, at most `limit`, default 50). */
  deadJobs(name: string, limit?: number): Promise<DeadJob[]>;
}
