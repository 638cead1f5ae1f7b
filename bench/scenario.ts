/**
 * What every scenario module exports: `run(options) → { rows, details }`.
 * @module
 */
import type { Row } from "./report.ts";

/** Options passed to each scenario. */
export interface BenchOptions {
  /** Fewer iterations and shorter runs (a smoke run, not for publishing). */
  quick: boolean;
  /** Progress line (to stderr). */
  log(message: string): void;
}

/** What a scenario returns. */
export interface ScenarioResult {
  rows: Row[];
  /** Raw figures kept in results.json (latency samples, fits…). */
  details?: unknown;
}

/** A scenario module. */
export interface Scenario {
  run(options: BenchOptions): Promise<ScenarioResult>;
}
