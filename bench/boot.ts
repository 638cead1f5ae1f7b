/**
 * Scenario `boot`: process start → first successful response from the last generated plugin's
 * route, with 10, 100 and 1,000 generated plugins, running the app as `deno task start` does;
 * against a bare Hono app with the same number of routes; and where the app's boot time goes
 * (runtime, import, setup, migrations, plugins, listen: the app's own `boot:` log line). Each size gets one warm-up run (fills
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

/**
 * Where one boot's time goes (ms per phase, from the app's `boot:` log line: runtime, import,
 * setup, migrations, plugins, listen). A separate run at log level info: the timed runs log only
 * warnings, as a deployment would.
 */
async function bootPhases(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Record<string, number>> {
  const proc = await spawn(DENO, args, {
    cwd,
    cpu: SERVER_CPU,
    env: { ...env, LOG_LEVEL: "info", PORT: String(freePort()), HOST: "127.0.0.1" },
  });
  try {
    const line = await proc.waitForLine(/"boot: /, 60_000);
    return JSON.parse(line).props.bootPhasesMs;
  } finally {
    await proc.stop();
  }
}

/** The median of each phase over several runs, in the phases' order. */
function medianPhases(runs: Record<string, number>[]): Record<string, number> {
  return Object.fromEntries(
    Object.keys(runs[0] ?? {}).map((k) => [k, round(median(runs.map((r) => r[k])))]),
  );
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const sizes = [10, 100, 1000];
  const runs = o.quick ? 2 : 7;
  const app: Record<number, number[]> = {};
  const hono: Record<number, number[]> = {};
  const phases: Record<number, Record<string, number>> = {};
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
      const split = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        split.push(await bootPhases(appArgs("start"), dir, appEnv));
      }
      phases[n] = medianPhases(split);
      o.log(
        `${n} plugins: app ${round(median(app[n]))} ms, bare Hono ${round(median(hono[n]))} ms ` +
          `(median of ${runs}); boot: ${phaseText(phases[n])} (median of ${split.length})`,
      );
    } finally {
      await removeProject(dir);
    }
  }
  const m = (n: number) => median(app[n]);
  const rows: Row[] = sizes.flatMap((n) => [{
    scenario: "boot",
    case: `${n} plugins: start → first response`,
    value: m(n),
    unit: "ms",
    baseline: { name: `bare Hono, ${n} routes`, value: median(hono[n]) },
    ratio: m(n) / median(hono[n]),
    // Issue 22: the example app (with 10 plugins) ≤ 2× bare Hono; 1,000 plugins ≤ 300 ms.
    ...(n === 10 ? { target: "≤ 2× bare Hono", pass: m(n) <= 2 * median(hono[n]) } : {}),
    ...(n === 1000 ? { target: "≤ 300 ms", pass: m(n) <= 300 } : {}),
    samples: `median of ${runs} runs`,
  }, {
    scenario: "boot",
    case: `${n} plugins: where boot goes (process start → listening)`,
    value: Object.values(phases[n]).reduce((a, b) => a + b, 0),
    unit: "ms",
    samples: `${phaseText(phases[n])} (medians of ${Math.min(runs, 3)} runs at log level info)`,
  }]);
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
  return { rows, details: { app, hono, phases } };
}

/** `runtime 14 ms, import 48 ms, …` */
function phaseText(p: Record<string, number>): string {
  return Object.entries(p).map(([k, ms]) => `${k} ${ms} ms`).join(", ");
}
