/**
 * The error the scheduler throws at a plugin that used it wrongly.
 * @module
 */

/** What went wrong, for code that tells cases apart. */
export type SchedulerErrorKind =
  /** A bad cron expression, time zone, interval, option or name. */
  | "invalid"
  /** The name is already taken (by this plugin, or a job by another plugin). */
  | "conflict"
  /** `enqueue` of a name no plugin declared. */
  | "unknown_job"
  /** `enqueue` of a payload the job's schema refuses. */
  | "invalid_payload"
  /** Background jobs need the db tool, which is missing or failed. */
  | "no_database";

/** Thrown (or rejected with) by the `scheduler` tool; `kind` says what went wrong. */
export class SchedulerError extends Error {
  override name = "SchedulerError";
  /** What went wrong. */
  readonly kind: SchedulerErrorKind;
  constructor(message: string, kind: SchedulerErrorKind, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}
