/**
 * The Prometheus text exposition format (version 0.0.4): families with HELP and TYPE, label
 * values escaped, histograms as cumulative `_bucket{le}` lines with `_sum` and `_count`.
 * @module
 */
import type { Histogram } from "./histogram.ts";

/** The content type of the text format. */
export const PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label names and values of one series, in order. */
export type Labels = readonly (readonly [string, string])[];

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(labels: Labels, extra?: string): string {
  const parts = labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(n: number): string {
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return Number.isNaN(n) ? "NaN" : String(n);
}

/** Builds one exposition, family by family. */
export class Exposition {
  readonly #lines: string[] = [];

  /** Start a family (each name once). */
  family(name: string, type: "counter" | "gauge" | "histogram", help: string): this {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    return this;
  }

  /** One sample of a counter or gauge. */
  sample(name: string, labels: Labels, value: number): this {
    this.#lines.push(`${name}${labelText(labels)} ${num(value)}`);
    return this;
  }

  /** One histogram series: cumulative buckets, `+Inf`, sum and count. */
  histogram(name: string, labels: Labels, h: Histogram): this {
    let acc = 0;
    for (let i = 0; i <= h.bounds.length; i++) {
      acc += h.counts[i];
      const le = i < h.bounds.length ? num(h.bounds[i]) : "+Inf";
      this.#lines.push(`${name}_bucket${labelText(labels, `le="${le}"`)} ${acc}`);
    }
    this.#lines.push(`${name}_sum${labelText(labels)} ${num(h.sum)}`);
    this.#lines.push(`${name}_count${labelText(labels)} ${h.count}`);
    return this;
  }

  /** The text, ending with a newline. */
  text(): string {
    return this.#lines.join("\n") + "\n";
  }
}
