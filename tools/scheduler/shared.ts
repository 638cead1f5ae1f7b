/**
 * What the scheduler's parts share: the clock, the log, the store, this instance's name, and
 * how a failure is written down (at the plugin's file:line).
 * @module
 */
import { type ErrorInfo, Generations, type LogSink, type Owner } from "@core";
import type { Clock } from "./clock.ts";
import type { JobStore } from "./store.ts";

/** The last failure of a schedule or job, as the status shows it. */
export interface Failure {
  /** The message, with the plugin's file:line. */
  message: string;
  /** When (ms since epoch). */
  at: number;
}

/** State shared by the scheduler's parts. */
export class SchedulerShared {
  log: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
  errorInfo: ((err: unknown, prefer?: string) => ErrorInfo) | undefined;
  /** Where slots and jobs are kept; undefined without a db tool (this process only). */
  store: JobStore | undefined;
  /** How long a run holds its slot or job before another instance may take it over. */
  leaseMs = 60_000;
  /** Work in flight per owner generation (drain waits for it). */
  readonly gens = new Generations();
  /** This instance, in claims: a random id. */
  readonly instance = crypto.randomUUID().slice(0, 8);
  #claims = 0;
  /** `closed` after quiesce: nothing new starts. */
  state: "open" | "closed" = "open";

  constructor(public clock: Clock) {}

  /** A new claim token: this instance plus a counter. */
  token(): string {
    return `${this.instance}-${(++this.#claims).toString(36)}`;
  }

  /**
   * Log a failed run at the plugin's file:line (like a failed request) and return the line the
   * status keeps.
   */
  failed(owner: Owner, err: unknown, what: string, props: Record<string, unknown>): Failure {
    const info = this.errorInfo?.(err, owner.file);
    const at = info?.file
      ? `${info.file}${info.line ? `:${info.line}:${info.column}` : ""}`
      : owner.file ?? owner.id;
    const msg = (err as Error)?.message ?? String(err);
    this.log.error(`${what} failed in ${owner.id} (${at}): ${msg}`, {
      plugin: owner.id,
      file: owner.file,
      ...props,
      stack: info ? info.stack : (err as Error)?.stack,
    });
    return { message: `${msg} (${at})`, at: this.clock.now() };
  }
}

/** Wait before retry `attempt` (1 for the first retry): `base * 2^(attempt-1)`, at most 1 h. */
export function backoff(base: number, attempt: number): number {
  return Math.min(base * 2 ** (attempt - 1), 3_600_000);
}

/** A whole number ≥ `min`, or the default; else a SchedulerError-worthy message. */
export function checkCount(what: string, v: unknown, min: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    return `${what} must be a whole number ≥ ${min}, not ${JSON.stringify(v)}`;
  }
}
