/**
 * The result rows every scenario returns, the printed table and the JSON file.
 * @module
 */
import { fmt } from "./stats.ts";

/** One measured figure, with its baseline from the same run when there is one. */
export interface Row {
  /** Scenario name (`http`, `reload`, `boot`, `memory`, `db`, `bus`). */
  scenario: string;
  /** What was measured, e.g. `GET /hello req/s`. */
  case: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, e.g. `{ name: "bare Hono", value: 41000 }`. */
  baseline?: { name: string; value: number };
  /** value / baseline, unless `ratioText` says otherwise (e.g. a speed-up). */
  ratio?: number;
  /** How to print the ratio when it is not value/baseline (e.g. `14.2× faster`). */
  ratioText?: string;
  /** The target for this row, in words (e.g. `≥ 0.90×`). */
  target?: string;
  /** Whether the target was met (absent when the row has no target). */
  pass?: boolean;
  /** How many samples (requests, reloads, runs…) the figure rests on. */
  samples: string;
  note?: string;
}

/** Column text for a row's ratio. */
function ratioText(r: Row): string {
  if (r.ratioText) return r.ratioText;
  return r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`;
}

/** The table as aligned plain text (also valid Markdown). */
export function table(rows: Row[]): string {
  const head = ["scenario", "case", "value", "baseline", "ratio", "target", "samples"];
  const body = rows.map((r) => [
    r.scenario,
    r.case,
    fmt(r.value, r.unit),
    r.baseline ? `${fmt(r.baseline.value, r.unit)} (${r.baseline.name})` : "",
    ratioText(r),
    r.target ? `${r.target} ${r.pass ? "✅" : "❌ missed"}` : "",
    r.samples,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

/** What a whole run wrote to `bench/results.json`. */
export interface Results {
  date: string;
  machine: { deno: string; v8: string; os: string; cpus: number; loadavg?: number[] };
  scenarios: string[];
  durationS: number;
  /** A `--quick` smoke run (fewer iterations). */
  quick: boolean;
  rows: Row[];
  /** Per-scenario raw details (latency lists, growth fits…). */
  details: Record<string, unknown>;
  errors: Record<string, string>;
}
