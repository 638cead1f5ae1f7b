/**
 * Small statistics and formatting helpers shared by the scenarios.
 * @module
 */

/** The `p`-th percentile (0–100) of `xs`, linear interpolation; NaN when empty. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p / 100;
  const lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

/** The median of `xs`. */
export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Rounds to `d` decimals. */
export function round(x: number, d = 1): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Least-squares slope and intercept of y over x. */
export function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  const slope = den ? num / den : 0;
  return { slope, intercept: my - slope * mx };
}

/** A number for a table: thousands separators, fewer decimals as it grows. */
export function fmt(x: number | undefined, unit = ""): string {
  if (x === undefined || Number.isNaN(x)) return "–";
  const abs = Math.abs(x);
  const d = abs >= 1000 ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const s = x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: 0 });
  return unit ? `${s} ${unit}` : s;
}

/** Promise-based sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
