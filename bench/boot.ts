/**
 * Scenario `boot`: process start → first successful response from the last generated plugin's
 * route, with 10, 100 and 1,000 generated plugins, running the app as `deno task start` does;
 * against a bare Hono app with the same number of routes. Each size gets one warm-up run (fills
 * Deno's module cache), then alternating measured runs; the median is reported.
 * @module
 */
import { projectRoot as REPO } from "@core";
import { appArgs, benchPermissions, genPlugin, projectWith, removeProject } from "./project.ts";
import { DENO, freePort, SERVER_CPU, spawn } from "./proc.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, round, sleep } from "./stats.ts";

/** Spawns a server and returns ms from spawn to the first 200 on `path`. */
async function timeBoot(
  args: string[],
  cwd: string,
  path: string,
  env: Record<string, string>,
): Promise<number> {
  const port = freePort();
  const t0 = performance.now();
  const proc = await spawn(DENO, args, {
    cwd,
    cpu: SERVER_CPU,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1" },
  });
  try {
    const url = `http://127.0.0.1:${port}${path}`;
    while (true) {
      try {
        const res = await fetch(url);
        await res.body?.cancel();
        if (res.status === 200) return performance.now() - t0;
      } catch { /* not listening yet */ }
      if (performance.now() - t0 > 60_000) {
        throw new Error(`no 200 from ${path} within 60 s:\n${proc.lines.join("\n")}`);
      }
      await sleep(2);
    }
  } finally {
    await proc.stop();
  }
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const sizes = [10, 100, 1000];
  const runs = o.quick ? 2 : 7;
  const app: Record<number, number[]> = {};
  const hono: Record<number, number[]> = {};
  for (const n of sizes) {
    const dir = await projectWith(n);
    try {
      const path = genPlugin(n - 1).path;
      const appEnv = { DB_PATH: `${dir}/data/app.db`, LOG_LEVEL: "warn" };
      await benchPermissions(dir, appEnv);
      const appRun = () => timeBoot(appArgs("start"), dir, path, appEnv);
      const honoArgs = [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-env=PORT",
        `${REPO}/bench/servers/hono_routes.ts`,
        String(n),
      ];
      const honoRun = () => timeBoot(honoArgs, REPO, path, {});
      await appRun(); // warm-up: module cache
      await honoRun();
      app[n] = [];
      hono[n] = [];
      for (let i = 0; i < runs; i++) {
        app[n].push(await appRun());
        hono[n].push(await honoRun());
      }
      o.log(
        `${n} plugins: app ${round(median(app[n]))} ms, bare Hono ${round(median(hono[n]))} ms ` +
          `(median of ${runs})`,
      );
    } finally {
      await removeProject(dir);
    }
  }
  const m = (n: number) => median(app[n]);
  const rows: Row[] = sizes.map((n) => ({
    scenario: "boot",
    case: `${n} plugins: start → first response`,
    value: m(n),
    unit: "ms",
    baseline: { name: `bare Hono, ${n} routes`, value: median(hono[n]) },
    ratio: m(n) / median(hono[n]),
    ...(n === 1000 ? { target: "≤ 1,500 ms", pass: m(n) <= 1500 } : {}),
    samples: `median of ${runs} runs`,
  }));
  // Growth: the cost of each further plugin should not rise with the number of plugins.
  const early = (m(100) - m(10)) / 90;
  const late = (m(1000) - m(100)) / 900;
  rows.push({
    scenario: "boot",
    case: "ms per added plugin, 100→1,000 vs 10→100",
    value: late,
    unit: "ms",
    baseline: { name: "10→100", value: early },
    ratio: late / early,
    target: "no worse than linear (≤ 1.5×)",
    // Below 0.1 ms per plugin either way the difference is noise.
    pass: late <= Math.max(1.5 * early, 0.1),
    samples: `medians of ${runs} runs`,
  });
  return { rows, details: { app, hono } };
}
