import { equal, match } from "node:assert/strict";
import { linearFit, median, percentile } from "./stats.ts";
import { table } from "./report.ts";

Deno.test("percentile interpolates between samples; median of an even count averages", () => {
  equal(median([4, 1, 3, 2]), 2.5);
  equal(percentile([10, 20, 30, 40, 50], 95), 48);
  equal(percentile([7], 99), 7);
  equal(Number.isNaN(median([])), true);
});

Deno.test("linearFit finds slope and intercept", () => {
  const { slope, intercept } = linearFit([10, 100, 1000], [15, 105, 1005]);
  equal(Math.round(slope * 1000) / 1000, 1);
  equal(Math.round(intercept), 5);
});

Deno.test("table marks missed targets and prints a custom ratio", () => {
  const text = table([
    {
      scenario: "reload",
      case: "plugin edit",
      value: 30,
      unit: "ms",
      baseline: { name: "deno run --watch", value: 300 },
      ratio: 10,
      ratioText: "10.0× faster",
      target: "≤ 25 ms",
      pass: false,
      samples: "30 saves",
    },
  ]);
  match(text, /10\.0× faster/);
  match(text, /≤ 25 ms ❌ missed/);
  match(text, /300 ms \(deno run --watch\)/);
});
