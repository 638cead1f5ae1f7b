/**
 * `scheduler`: work on a clock and work deferred out of the request, owned by plugins.
 *
 * - **Schedules.** `cron(name, "0 3 * * *", handler, { timezone })` (through the `croner`
 *   parser: 5 fields, or 6 with seconds first) and `every(name, ms, handler)` (slots aligned to
 *   the epoch). Registered in `onBoot`, they belong to the plugin: a reload replaces the handler
 *   and keeps the next slot (no double run, no missed run), an unload stops them. A run never
 *   overlaps the previous one: a slot due meanwhile is skipped (`overlap: "skip"`, default) or
 *   run right after (`"queue"`). A failing run is logged at the plugin's file:line and retried
 *   `retries` times with backoff (`backoffMs` doubling).
 * - **Once across instances.** With the db tool (SQLite file or PostgreSQL), an instance runs a
 *   slot only after moving the schedule's row in `_microcore_schedules` to that slot in one
 *   conditional UPDATE, and only while no run holds the row: N instances, one run per slot, and
 *   no overlap between instances. A run holds the row for `SCHEDULER_LEASE_MS` (renewed while
 *   it runs), so a crashed instance delays the next slot by at most that. `perInstance: true`
 *   opts out (every instance runs it).
 * - **Background jobs.** `job(name, { schema, handler, retries })` declares a job (one plugin
 *   per name) with a Zod schema; `enqueue(name, payload, { delay, retries, id })` checks the
 *   payload and writes it to `_microcore_jobs` (inside `db.transaction`, with the transaction).
 *   Workers claim due jobs with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so a job runs
 *   at least once through restarts and `kill -9`; the handler gets `id` (remove duplicates by
 *   it) and `attempt`. After its retries a job is `dead`: kept with its last error, counted in
 *   the status, listed by `deadJobs(name)`.
 * - **Visible.** `/system/status` lists each plugin's schedules (next run, last run, last error,
 *   runs, skipped) and jobs (queued, running, dead, last error); AI_CONTEXT.md lists them per
 *   plugin.
 * - **Testable.** In mode `test` the clock is manual: the test kit's `t.clock.advance(ms)` moves
 *   it and runs what came due, `t.jobs.runDue()` runs what is due now. No real time passes.
 *
 * See docs/jobs.md.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Scheduler } from "@tools/scheduler/mod.ts";
 * import type { EventBus } from "@tools/event_bus/mod.ts";
 *
 * export default class LowStock extends BasePlugin {
 *   constructor(private scheduler: Scheduler, private event_bus: EventBus) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.scheduler.every("low-stock", 60_000, async () => {
 *       // declared in domains/inventory/events.ts
 *       await this.event_bus.publish("inventory.low_stock", { at: "…", products: [] });
 *     });
 *   }
 * }
 * ```
 * @module
 */
import { SchedulerTool } from "./tool.ts";

export { SchedulerTool, type SchedulerToolOptions } from "./tool.ts";
export type {
  CronOptions,
  DeadJob,
  EnqueueOptions,
  JobHandle,
  JobOptions,
  JobRun,
  RunHandler,
  ScheduledRun,
  ScheduleOptions,
  Scheduler,
} from "./types.ts";
export { SchedulerError, type SchedulerErrorKind } from "./errors.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { JOBS_TABLE, SCHEDULES_TABLE } from "./store.ts";

/** The tool class; the kernel makes one instance per kernel (so tests can boot several). */
export default SchedulerTool;
