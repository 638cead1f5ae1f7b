/**
 * Scenario `memory`: heap and RSS of the dev app (`deno task dev` on a temp copy with 10
 * generated plugins) after 0, 100 and 1,000 reloads of one plugin, read from the
 * `/system/status` summary (`heapUsed`, `rss`), and the memory left behind per reload. The
 * reload and heap budgets are raised so that the budget restart does not kick in.
 * @module
 */
import { SERVER_CPU } from "./proc.ts";
import { genPlugin, pluginSource, projectWith, removeProject, startApp } from "./project.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { round, sleep } from "./stats.ts";

const MiB = 2 ** 20;

interface Reading {
  reloads: number;
  heapUsed: number;
  rss: number;
}

/** The lowest heap and RSS over a few readings after a short rest (fewer GC artefacts). */
async function read(url: string, reloads: number): Promise<Reading> {
  await sleep(1000);
  let heapUsed = Infinity, rss = Infinity;
  for (let i = 0; i < 3; i++) {
    const body = await (await fetch(`${url}/system/status`)).json();
    const s = body.data.summary as { heapUsed: number; rss: number; reloads: number };
    if (s.reloads < reloads) throw new Error(`status counts ${s.reloads} reloads, want ${reloads}`);
    heapUsed = Math.min(heapUsed, s.heapUsed);
    rss = Math.min(rss, s.rss);
    await sleep(300);
  }
  return { reloads, heapUsed, rss };
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const marks = o.quick ? [0, 50, 200] : [0, 100, 1000];
  const dir = await projectWith(10);
  const readings: Reading[] = [];
  const g = genPlugin(0);
  try {
    const app = await startApp(dir, "dev", {
      cpu: SERVER_CPU,
      env: { HOT_RELOAD_MAX_RELOADS: "1000000", HOT_RELOAD_HEAP_MB: "1000000" },
    }).catch(() => undefined);
    if (!app) throw new Error("dev app did not start");
    try {
      await sleep(1500); // boot-time generated files settle
      let done = 0;
      const t0 = performance.now();
      for (const mark of marks) {
        for (; done < mark; done++) {
          const v = `r${done + 1}`;
          await Deno.writeTextFile(`${dir}/${g.file}`, pluginSource(0, v));
          const deadline = performance.now() + 20_000;
          while (!(await (await fetch(app.url + g.path)).text()).includes(`"v":"${v}"`)) {
            if (performance.now() > deadline) throw new Error(`reload ${done + 1} not served`);
            await sleep(1);
          }
        }
        const r = await read(app.url, mark);
        readings.push(r);
        o.log(
          `after ${mark} reloads: heap ${round(r.heapUsed / MiB)} MiB, rss ${
            round(r.rss / MiB)
          } MiB (${round((performance.now() - t0) / 1000)} s)`,
        );
      }
    } finally {
      await app.stop();
    }
  } finally {
    await removeProject(dir);
  }
  const [r0, r1, r2] = readings;
  const perReload = (a: Reading, b: Reading, k: "heapUsed" | "rss") =>
    (b[k] - a[k]) / (b.reloads - a.reloads) / 1024;
  const rows: Row[] = (["heapUsed", "rss"] as const).flatMap((k) =>
    readings.map((r) => ({
      scenario: "memory",
      case: `${k === "rss" ? "RSS" : "heap used"} after ${r.reloads} reloads`,
      value: r[k] / MiB,
      unit: "MiB",
      samples: "min of 3 readings",
    }))
  );
  rows.push(
    {
      scenario: "memory",
      case: `heap left per reload (${r1.reloads}→${r2.reloads})`,
      value: perReload(r1, r2, "heapUsed"),
      unit: "KiB",
      samples: `${r2.reloads - r1.reloads} reloads`,
      note: `0→${r2.reloads}: ${round(perReload(r0, r2, "heapUsed"))} KiB`,
    },
    {
      scenario: "memory",
      case: `RSS left per reload (${r1.reloads}→${r2.reloads})`,
      value: perReload(r1, r2, "rss"),
      unit: "KiB",
      samples: `${r2.reloads - r1.reloads} reloads`,
      note: `0→${r2.reloads}: ${round(perReload(r0, r2, "rss"))} KiB`,
    },
  );
  return { rows, details: { readings } };
}
