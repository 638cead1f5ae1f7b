/**
 * When a schedule runs: a cron expression (through `croner`) or a fixed interval aligned to the
 * epoch, both as "the next slot after t", so that every instance computes the same slots.
 * @module
 */
import { Cron } from "croner";
import { SchedulerError } from "./errors.ts";

/** The slots of one schedule. */
export interface Timing {
  /** What the schedule is, e.g. `cron 0 3 * * * (Europe/Paris)` or `every 60000 ms`. */
  readonly spec: string;
  /** The first slot strictly after `t` (ms since epoch), or `undefined` when there is none. */
  next(t: number): number | undefined;
}

/** Shortest interval `every` accepts. */
export const MIN_INTERVAL_MS = 1000;

/** A cron schedule; throws a `SchedulerError` naming what is wrong with the expression or zone. */
export function cronTiming(name: string, expression: string, timezone?: string): Timing {
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, paused: true });
    cron.nextRun(new Date()); // a bad time zone shows here
  } catch (e) {
    const why = (e as Error)?.message ?? String(e);
    throw new SchedulerError(
      `scheduler.cron("${name}", "${expression}"${timezone ? `, timezone "${timezone}"` : ""}): ` +
        `${why}. Give 5 fields (minute hour day month weekday), or 6 with seconds first, e.g. ` +
        `"0 3 * * *", and an IANA time zone such as "Europe/Paris"`,
      "invalid",
      { cause: e },
    );
  }
  return {
    spec: `cron ${expression}${timezone ? ` (${timezone})` : ""}`,
    next: (t) => cron.nextRun(new Date(t))?.getTime(),
  };
}

/** An interval schedule on slots `k * ms` since the epoch. */
export function intervalTiming(name: string, ms: number): Timing {
  if (!Number.isInteger(ms) || ms < MIN_INTERVAL_MS) {
    throw new SchedulerError(
      `scheduler.every("${name}", ${ms}): give a whole number of ms ≥ ${MIN_INTERVAL_MS}`,
      "invalid",
    );
  }
  return { spec: `every ${ms} ms`, next: (t) => (Math.floor(t / ms) + 1) * ms };
}
