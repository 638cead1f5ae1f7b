/**
 * Scenario `reload`: save → new response, with 10 and 500 generated plugins, for a plugin edit
 * and for an edit of a model shared by a domain's 10 plugins, in the real `deno task dev`
 * (supervisor + hot reload) on a temp copy; against `deno run --watch -P=start main.ts start`
 * restarting the same app on the same copy after the same edit. Then 100 reloads under `wrk`
 * load on the plugin being reloaded: every error counts (non-2xx, socket errors, failed polls,
 * failed reloads).
 * @module
 */
import { SERVER_CPU } from "./proc.ts";
import { sleep } from "./stats.ts";
import {
  genPlugin,
  modelSource,
  PER_DOMAIN,
  pluginSource,
  projectWith,
  removeProject,
  type RunningApp,
  startApp,
} from "./project.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, percentile, round } from "./stats.ts";
import { ensureWrk, wrk } from "./wrk.ts";

/** One kind of edit: what to write, and how to tell the app serves it. */
interface Edit {
  name: string;
  /** Writes version `k` and returns [path to poll, text the new response contains]. */
  write(k: number): Promise<[string, string]>;
}

function edits(dir: string): Edit[] {
  const plugin = genPlugin(0);
  // The domain's last plugin is reloaded last after a model edit: poll it.
  const lastOfDomain = genPlugin(PER_DOMAIN - 1);
  return [
    {
      name: "plugin edit",
      async write(k) {
        await Deno.writeTextFile(`${dir}/${plugin.file}`, pluginSource(0, `v${k}`));
        return [plugin.path, `"v":"v${k}"`];
      },
    },
    {
      name: `model edit (${PER_DOMAIN} dependants)`,
      async write(k) {
        await Deno.writeTextFile(
          `${dir}/domains/${plugin.domain}/models/label.ts`,
          modelSource(`m${k}`),
        );
        return [lastOfDomain.path, `"label":"m${k}"`];
      },
    },
  ];
}

/** Polls `url` (every ~1 ms) until its body contains `want`; failed polls are counted. */
async function pollFor(
  url: string,
  want: string,
  timeoutMs: number,
  errors?: { n: number },
): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      const res = await fetch(url);
      const text = await res.text();
      if (res.status !== 200 && errors) errors.n++;
      if (text.includes(want)) return;
    } catch {
      if (errors) errors.n++;
    }
    await sleep(1);
  }
  throw new Error(`${url} did not answer with ${want} within ${timeoutMs} ms`);
}

/** Applies `count` edits of one kind, timing each save → new response. */
async function timeEdits(
  app: RunningApp,
  edit: Edit,
  from: number,
  count: number,
  gapMs: number,
  timeoutMs: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let k = from; k < from + count; k++) {
    const t0 = performance.now();
    const [path, want] = await edit.write(k);
    await pollFor(app.url + path, want, timeoutMs);
    out.push(performance.now() - t0);
    await sleep(gapMs);
  }
  return out;
}

interface CaseResult {
  plugins: number;
  edit: string;
  hot: number[];
  watch: number[];
  /** The kernel's own figure for the same reloads (its log: "changed → … (X ms)"). */
  kernelMs: number[];
}

async function runCase(n: number, o: BenchOptions, version: { k: number }) {
  const dir = await projectWith(n);
  const results: CaseResult[] = [];
  const hotSamples = o.quick ? 8 : n > 100 ? 30 : 40;
  const watchSamples = o.quick ? 2 : n > 100 ? 6 : 10;
  try {
    const app = await startApp(dir, "dev", { cpu: SERVER_CPU, timeoutMs: 120_000 });
    try {
      for (const edit of edits(dir)) {
        await timeEdits(app, edit, version.k, 3, 200, 20_000); // warm-up (first reloads)
        version.k += 3;
        const from = app.lines.length;
        const hot = await timeEdits(app, edit, version.k, hotSamples, 150, 20_000);
        version.k += hotSamples;
        await sleep(100);
        const kernelMs = app.lines.slice(from).flatMap((l) => {
          const m = /changed → .*\(([\d.]+) ms\)/.exec(l);
          return m ? [Number(m[1])] : [];
        });
        results.push({ plugins: n, edit: edit.name, hot, watch: [], kernelMs });
        o.log(
          `${n} plugins, ${edit.name}: hot reload median ${round(median(hot))} ms, ` +
            `p95 ${round(percentile(hot, 95))} ms (${hot.length} saves)`,
        );
      }
    } finally {
      await app.stop();
    }
    const watch = await startApp(dir, "watch", { cpu: SERVER_CPU, timeoutMs: 120_000 });
    try {
      for (const [i, edit] of edits(dir).entries()) {
        await timeEdits(watch, edit, version.k, 1, 500, 60_000); // warm-up
        version.k += 1;
        results[i].watch = await timeEdits(watch, edit, version.k, watchSamples, 500, 60_000);
        version.k += watchSamples;
        o.log(
          `${n} plugins, ${edit.name}: deno run --watch median ` +
            `${round(median(results[i].watch))} ms (${watchSamples} saves)`,
        );
      }
    } finally {
      await watch.stop();
    }
  } finally {
    await removeProject(dir);
  }
  return results;
}

/** wrk on `url` (16 connections) until `finish()` is called; resolves once it runs. */
async function backgroundLoad(url: string) {
  let finish!: () => void;
  const finished = new Promise<void>((r) => finish = r);
  const load = wrk(url, { connections: 16, durationS: 600, stopWhen: finished });
  await sleep(500);
  return { load, finish };
}

/** 100 reloads of a plugin while wrk hammers its route; every error is counted. */
async function underLoad() {
  await ensureWrk();
  const dir = await projectWith(10);
  const reloads = 100;
  const errors = { n: 0 };
  try {
    const app = await startApp(dir, "dev", { cpu: SERVER_CPU });
    try {
      const edit = edits(dir)[0];
      await timeEdits(app, edit, 1, 2, 100, 20_000); // warm-up
      const { load, finish } = await backgroundLoad(app.url + genPlugin(0).path);
      const from = app.lines.length;
      const times: number[] = [];
      try {
        for (let k = 10; k < 10 + reloads; k++) {
          const t0 = performance.now();
          const [path, want] = await edit.write(k);
          await pollFor(app.url + path, want, 20_000, errors);
          times.push(performance.now() - t0);
          await sleep(20);
        }
      } finally {
        await sleep(300);
        finish();
      }
      const w = await load;
      const log = app.lines.slice(from);
      const reloaded = log.filter((l) => /changed → .*reloaded/.test(l)).length;
      const failedReloads = log.filter((l) => /failed|error/i.test(l));
      return {
        reloads,
        reloaded,
        requests: w.requests,
        rps: w.rps,
        non2xx: w.non2xx,
        socketErrors: w.socketErrors,
        pollErrors: errors.n,
        failedReloads: failedReloads.slice(0, 10),
        errors: w.non2xx + w.socketErrors + errors.n + failedReloads.length,
        times,
      };
    } finally {
      await app.stop();
    }
  } finally {
    await removeProject(dir);
  }
}

/**
 * Planned restarts of `deno task dev` (a change under `tools/`, which needs a new process) while
 * wrk hammers a route: the old process keeps serving until its successor listens on the same
 * port, then hands its keep-alive clients over (dev/supervisor.ts). Every wrk error is counted.
 */
async function restartsUnderLoad(o: BenchOptions) {
  await ensureWrk();
  const dir = await projectWith(10);
  const restarts = o.quick ? 1 : 3;
  try {
    const app = await startApp(dir, "dev", { cpu: SERVER_CPU });
    try {
      const { load, finish } = await backgroundLoad(app.url + genPlugin(0).path);
      const times: number[] = [];
      try {
        for (let k = 0; k < restarts; k++) {
          const from = app.lines.length;
          const t0 = performance.now();
          const file = `${dir}/tools/config/types.ts`;
          await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + `\n// bench ${k}\n`);
          await app.waitForLine(/stopped cleanly/, 60_000, from);
          await app.waitForLine(/hot reload: watching/, 60_000, from);
          times.push(performance.now() - t0);
          await sleep(300);
        }
      } finally {
        await sleep(300);
        finish();
      }
      const w = await load;
      return {
        restarts,
        requests: w.requests,
        non2xx: w.non2xx,
        socketErrors: w.socketErrors,
        errors: w.non2xx + w.socketErrors,
        times,
      };
    } finally {
      await app.stop();
    }
  } finally {
    await removeProject(dir);
  }
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const version = { k: 1 };
  const cases = [...await runCase(10, o, version), ...await runCase(500, o, version)];
  const load = await underLoad();
  const restarts = await restartsUnderLoad(o);
  o.log(
    `restarts under load: ${restarts.restarts} restarts, ${restarts.requests} requests, ` +
      `${restarts.errors} errors (non-2xx ${restarts.non2xx}, socket ${restarts.socketErrors})`,
  );
  o.log(
    `under load: ${load.reloads} reloads, ${load.requests} requests, ${load.errors} errors ` +
      `(non-2xx ${load.non2xx}, socket ${load.socketErrors}, polls ${load.pollErrors}, ` +
      `failed reloads ${load.failedReloads.length})`,
  );
  const rows: Row[] = [];
  for (const c of cases) {
    const hotMed = median(c.hot), watchMed = median(c.watch);
    const speedup = watchMed / hotMed;
    const small = c.plugins <= 10;
    const pass = speedup >= 10 && (!small || hotMed <= 25);
    rows.push({
      scenario: "reload",
      case: `${c.plugins} plugins, ${c.edit}: save → new response, median`,
      value: hotMed,
      unit: "ms",
      baseline: { name: "deno run --watch", value: watchMed },
      ratio: speedup,
      ratioText: `${speedup.toFixed(1)}× faster`,
      target: small ? "≤ 25 ms, ≥ 10× faster" : "≥ 10× faster",
      pass,
      samples: `${c.hot.length} saves (--watch: ${c.watch.length})`,
      note: `kernel's own reload time median ${round(median(c.kernelMs))} ms`,
    });
    rows.push({
      scenario: "reload",
      case: `${c.plugins} plugins, ${c.edit}: save → new response, p95`,
      value: percentile(c.hot, 95),
      unit: "ms",
      baseline: { name: "deno run --watch", value: percentile(c.watch, 95) },
      ratio: percentile(c.watch, 95) / percentile(c.hot, 95),
      ratioText: `${(percentile(c.watch, 95) / percentile(c.hot, 95)).toFixed(1)}× faster`,
      samples: `${c.hot.length} saves (--watch: ${c.watch.length})`,
    });
  }
  rows.push({
    scenario: "reload",
    case: `errors during ${load.reloads} reloads under wrk load (16 conns)`,
    value: load.errors,
    unit: "",
    target: "= 0",
    pass: load.errors === 0,
    samples: `${load.requests.toLocaleString("en-US")} req, ${load.reloaded} reloads`,
    note: `reload median under load ${round(median(load.times))} ms`,
  });
  rows.push({
    scenario: "reload",
    case: `errors during ${restarts.restarts} planned dev restarts (tools/ changed) under wrk load`,
    value: restarts.errors,
    unit: "",
    target: "= 0",
    pass: restarts.errors === 0,
    samples: `${restarts.requests.toLocaleString("en-US")} req`,
    note: `save → new process serving, median ${round(median(restarts.times))} ms`,
  });
  rows.push({
    scenario: "reload",
    case: "10 plugins, plugin edit under load: save → new response, median",
    value: median(load.times),
    unit: "ms",
    samples: `${load.times.length} saves`,
  });
  return { rows, details: { cases, underLoad: load, restarts } };
}
