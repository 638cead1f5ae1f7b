/**
 * Driving the scheduler by hand (mode `test`: the test kit's `t.jobs.runDue()` and
 * `t.clock.advance(ms)`): run what is due at the manual clock's time, and move the clock forward
 * stopping at each moment something comes due.
 * @module
 */
import { ManualClock } from "./clock.ts";
import type { JobQueue } from "./queue.ts";
import type { Schedules } from "./schedules.ts";
import type { SchedulerShared } from "./shared.ts";

/** Rounds of `runDue` before it decides jobs keep enqueueing each other forever. */
const MAX_ROUNDS = 1000;

/** Run due slots and retries, then due jobs, until none is left; count what ran. */
export async function runDue(
  schedules: Schedules,
  queue: JobQueue,
): Promise<{ scheduled: number; jobs: number }> {
  let scheduled = 0, jobs = 0;
  for (let round = 0;; round++) {
    if (round >= MAX_ROUNDS) {
      throw new Error(
        `runDue: still finding due work after ${MAX_ROUNDS} rounds: do jobs enqueue each ` +
          "other without a delay, forever?",
      );
    }
    const s = schedules.tick();
    await schedules.idle();
    const j = await queue.pump();
    await queue.idle();
    scheduled += s;
    jobs += j;
    if (s === 0 && j === 0) break;
  }
  await queue.refreshDepth();
  return { scheduled, jobs };
}

/** Move the manual clock `ms` forward, running what comes due at each moment on the way. */
export async function advance(
  s: SchedulerShared,
  schedules: Schedules,
  queue: JobQueue,
  ms: number,
): Promise<void> {
  const clock = s.clock;
  if (!(clock instanceof ManualClock)) {
    throw new Error("advance() needs the manual clock (mode test, or options.clock)");
  }
  if (!(ms >= 0)) throw new RangeError(`advance(${ms}): give a number of ms ≥ 0`);
  const target = clock.now() + ms;
  await runDue(schedules, queue);
  for (;;) {
    const now = clock.now();
    const jobAt = await s.store?.nextAfter(now);
    const next = [schedules.nextDue(), jobAt]
      .filter((t): t is number => t !== undefined && t > now && t <= target)
      .sort((a, b) => a - b)[0];
    if (next === undefined) break;
    clock.set(next);
    await runDue(schedules, queue);
  }
  if (target > clock.now()) clock.set(target);
  await runDue(schedules, queue);
}
