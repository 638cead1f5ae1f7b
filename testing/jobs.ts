/**
 * The test kit's handle on the `scheduler` tool: a manual clock, and due jobs run on demand.
 * @module
 */
import type { DeadJob, SchedulerTool } from "@tools/scheduler/mod.ts";

/**
 * The scheduler's clock in a plugin test (`t.clock`). It starts at the boot's `now` (default:
 * the real time at boot) and moves only when the test says; moving it runs what came due.
 *
 * @example
 * ```ts
 * await using t = await bootPlugin(LowStockPlugin, { now: "2026-01-01T00:00:00Z" });
 * await t.clock.advance(5 * 60_000); // a one-minute job runs 5 times, in order
 * ```
 */
export class TestClock {
  readonly #tool: SchedulerTool;
  constructor(tool: SchedulerTool) {
    this.#tool = tool;
  }
  /** The scheduler's time (ms since epoch). */
  now(): number {
    return this.#tool.clock.now();
  }
  /**
   * Move forward `ms`, stopping at each moment a slot, a retry or a delayed job is due and
   * running it (and what it enqueues) to the end; resolves when all of it ended.
   */
  advance(ms: number): Promise<void> {
    return this.#tool.advance(ms);
  }
  /** Move forward to `time` (never backwards), running what comes due on the way. */
  advanceTo(time: Date | string | number): Promise<void> {
    const t = new Date(time).getTime();
    if (Number.isNaN(t) || t < this.now()) {
      throw new RangeError(
        `advanceTo(${String(time)}): give a time not before ${new Date(this.now()).toISOString()}`,
      );
    }
    return this.#tool.advance(t - this.now());
  }
}

/** Background jobs in a plugin test (`t.jobs`): run what is due, read the queue. */
export class TestJobs {
  readonly #tool: SchedulerTool;
  constructor(tool: SchedulerTool) {
    this.#tool = tool;
  }
  /**
   * Run everything due at the clock's time, scheduled runs and background jobs, until nothing
   * due is left (a job may enqueue another); resolves with how many ran.
   *
   * @example
   * ```ts
   * await t.http.request("POST", "/inventory/reports", {});
   * assert.deepEqual(await t.jobs.runDue(), { scheduled: 0, jobs: 1 });
   * ```
   */
  runDue(): Promise<{ scheduled: number; jobs: number }> {
    return this.#tool.runDue();
  }
  /** Jobs of `name` that failed for good, with their last error. */
  dead(name: string): Promise<DeadJob[]> {
    return this.#tool.forOwner({ id: "test-kit", generation: 1 }).deadJobs(name);
  }
  /** The jobs of `name` waiting (queued, or retrying later), oldest first, as stored. */
  queued(
    name: string,
  ): Promise<{ id: string; payload: unknown; attempts: number; runAt: number }[]> {
    return this.#tool.queuedJobs(name);
  }
}
