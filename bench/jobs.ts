/**
 * Scenario `jobs`: background jobs through the scheduler tool (`enqueue` → the worker claims →
 * the handler starts) against a bare loop over the same table with the same SQL (`JobStore`:
 * insert, claim, delete; no schema check, owner, timers or wake-ups), same run, on SQLite (a file,
 * WAL) and on PostgreSQL at `PG_BENCH_URL` (default 127.0.0.1:5432/test) when it answers (a
 * schema of its own, dropped after).
 *
 * - latency: one job at a time, from the call to `enqueue` to its handler starting (bare: from
 *   the INSERT to the claim returning it); median and p95;
 * - throughput: N jobs enqueued at once, until the last handler ran (bare: N inserts at once,
 *   then claims of up to `concurrency` rows and a DELETE each until none is left); jobs/s.
 *
 * - once across instances: what a scheduled run pays for its slot row (the winner's conditional
 *   UPDATE + the UPDATE freeing it; a loser's UPDATE that changes nothing), µs.
 *
 * Alternating rounds; medians; ratios are medians of the per-round ratios.
 * @module
 */
import { benchSchema, PG_URL } from "./pg_schema.ts";
import { z } from "zod";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import DbTool from "../tools/db/mod.ts";
import { SchedulerTool } from "../tools/scheduler/mod.ts";
import { JobStore, type SqlDb } from "@tools/scheduler/store.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, percentile, round } from "./stats.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const CONCURRENCY = 5;
const LEASE_MS = 60_000;

interface Engine {
  name: string;
  db: DbTool;
  env: Record<string, string>;
  close(): Promise<void>;
}

async function sqlite(): Promise<Engine> {
  const dir = await Deno.makeTempDir({ prefix: "microcore-bench-jobs-" });
  const db = new DbTool({ path: `${dir}/app.db` });
  await db.setup(standaloneContext({ mode: "start", log: quiet }));
  return {
    name: "sqlite",
    db,
    env: {},
    close: async () => {
      await db.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

async function pg(o: BenchOptions): Promise<Engine | undefined> {
  const pgSchema = await benchSchema("bench_jobs", o.log);
  if (!pgSchema) return undefined;
  const schema = pgSchema.schema;
  const env = { DATABASE_URL: PG_URL, DB_SCHEMA: schema };
  const db = new DbTool();
  await db.setup(standaloneContext({ mode: "start", log: quiet, env }));
  return {
    name: "postgres",
    db,
    env,
    close: async () => {
      await db.shutdown();
      await pgSchema.drop();
    },
  };
}

/** The tool on `engine`'s database, one plugin declaring `bench.job` whose handler calls `started`. */
async function scheduler(engine: Engine, started: (i: number) => void) {
  const tool = new SchedulerTool();
  const ctx = standaloneContext({ mode: "start", log: quiet, env: { SCHEDULER_POLL_MS: "1000" } });
  await tool.setup({ ...ctx, tool: <T>() => engine.db as T });
  const owner = { id: "bench/jobs", generation: 1 };
  const s = tool.forOwner(owner);
  const job = s.job("bench.job", {
    schema: z.object({ i: z.number() }),
    handler: (j) => started(j.payload.i),
    concurrency: CONCURRENCY,
  });
  tool.activate(owner);
  tool.onBootComplete();
  return { tool, job };
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const rounds = o.quick ? 3 : 7;
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const open of [sqlite, pg]) {
    const engine = await open(o);
    if (!engine) continue;
    const name = engine.name;
    const nLat = o.quick ? 100 : 400;
    const nThr = Math.round((o.quick ? 1000 : 4000) / (name === "sqlite" ? 1 : 4));
    let waiting: ((i: number) => void) | undefined;
    const { tool, job } = await scheduler(engine, (i) => waiting?.(i));
    const store = new JobStore(engine.db.api as unknown as SqlDb);
    try {
      let seq = 0;
      const toolLatency = async (): Promise<number[]> => {
        const out: number[] = [];
        for (let k = 0; k < nLat; k++) {
          const i = ++seq;
          const t0 = performance.now();
          const ran = new Promise<void>((r) => waiting = (j) => j === i && r());
          await job.enqueue({ i });
          await ran;
          out.push(performance.now() - t0);
        }
        return out;
      };
      const bareLatency = async (): Promise<number[]> => {
        const out: number[] = [];
        for (let k = 0; k < nLat; k++) {
          const id = `b${++seq}`;
          const t0 = performance.now();
          const now = Date.now();
          await store.insert(id, "bare.job", JSON.stringify({ i: seq }), now, 4, now);
          const [row] = await store.claim("bare.job", 1, Date.now(), Date.now() + LEASE_MS, "b");
          out.push(performance.now() - t0);
          await store.done(row.id, "b");
        }
        return out;
      };
      const toolThroughput = async (): Promise<number> => {
        let left = nThr;
        const all = new Promise<void>((r) => waiting = () => --left === 0 && r());
        const t0 = performance.now();
        await Promise.all(Array.from({ length: nThr }, () => job.enqueue({ i: ++seq })));
        await all;
        return performance.now() - t0;
      };
      const bareThroughput = async (): Promise<number> => {
        const t0 = performance.now();
        const now = Date.now();
        await Promise.all(
          Array.from({ length: nThr }, () => {
            const id = `b${++seq}`;
            return store.insert(id, "bare.job", JSON.stringify({ i: seq }), now, 4, now);
          }),
        );
        for (;;) {
          const batch = await store.claim(
            "bare.job",
            CONCURRENCY,
            Date.now(),
            Date.now() + LEASE_MS,
            "b",
          );
          if (batch.length === 0) break;
          await Promise.all(batch.map((r) => store.done(r.id, "b")));
        }
        return performance.now() - t0;
      };
      await toolLatency(); // warm up: statements prepared, pages in cache
      await bareLatency();
      const lat = { tool: [] as number[], bare: [] as number[] };
      const thr = { tool: [] as number[], bare: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        lat.tool.push(...await toolLatency());
        lat.bare.push(...await bareLatency());
        thr.tool.push(await toolThroughput());
        thr.bare.push(await bareThroughput());
      }
      // What "once across instances" costs a scheduled run: the winner's claim + free, and a
      // losing instance's claim (same slot, changes nothing).
      const nSlots = o.quick ? 200 : 1000;
      let slot = 1;
      const claimUs = { won: [] as number[], lost: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        let t0 = performance.now();
        for (let k = 0; k < nSlots; k++, slot++) {
          await store.claimSlot("bench:tick", slot, Date.now(), Date.now() + LEASE_MS, "w");
          await store.freeSlot("bench:tick", "w");
        }
        claimUs.won.push(((performance.now() - t0) * 1000) / nSlots);
        t0 = performance.now();
        for (let k = 0; k < nSlots; k++) {
          await store.claimSlot("bench:tick", slot - 1, Date.now(), Date.now() + LEASE_MS, "l");
        }
        claimUs.lost.push(((performance.now() - t0) * 1000) / nSlots);
      }
      for (const k of ["won", "lost"] as const) {
        rows.push({
          scenario: "jobs",
          case: `${name}: once across instances, a scheduled run's ${
            k === "won" ? "claim + free (the instance that runs it)" : "claim on a losing instance"
          }`,
          value: round(median(claimUs[k]), 1),
          unit: "µs",
          samples: `median of ${rounds} × ${nSlots} slots`,
        });
      }
      o.log(
        `${name} slot claim: won ${round(median(claimUs.won), 1)} µs, lost ${
          round(median(claimUs.lost), 1)
        } µs`,
      );
      details[name] = { nLat, nThr, rounds, concurrency: CONCURRENCY, throughputMs: thr, claimUs };
      const p = (xs: number[], q: number) => round(percentile(xs, q), 2);
      o.log(
        `${name} enqueue → start: median ${p(lat.tool, 50)} ms (bare ${p(lat.bare, 50)}), ` +
          `p95 ${p(lat.tool, 95)} ms (bare ${p(lat.bare, 95)})`,
      );
      for (const q of [50, 95]) {
        rows.push({
          scenario: "jobs",
          case: `${name}: enqueue → handler start, ${q === 50 ? "median" : "p95"}`,
          value: p(lat.tool, q),
          unit: "ms",
          baseline: { name: "bare INSERT + claim, same SQL", value: p(lat.bare, q) },
          ratio: percentile(lat.tool, q) / percentile(lat.bare, q),
          samples: `${rounds} × ${nLat} jobs, one at a time`,
        });
      }
      const jps = (ms: number[]) => nThr / (median(ms) / 1000);
      o.log(
        `${name} throughput: ${Math.round(jps(thr.tool))} jobs/s (bare ${
          Math.round(jps(thr.bare))
        })`,
      );
      rows.push({
        scenario: "jobs",
        case: `${name}: ${nThr} jobs enqueued at once until all ran (concurrency ${CONCURRENCY})`,
        value: jps(thr.tool),
        unit: "jobs/s",
        baseline: { name: "bare insert/claim/delete loop, same SQL", value: jps(thr.bare) },
        ratio: median(thr.bare.map((b, i) => b / thr.tool[i])),
        samples: `median of ${rounds} rounds`,
      });
    } finally {
      await tool.quiesce(1000);
      await tool.shutdown();
      await engine.close();
    }
  }
  return { rows, details };
}
