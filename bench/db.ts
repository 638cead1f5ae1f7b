/**
 * Scenario `db`: inserts/s (autocommit, and batched in one transaction) and point selects/s
 * through the db tool as a plugin receives it (`DbTool.forOwner`), against raw
 * `node:sqlite` with the tool's file settings (WAL, synchronous=NORMAL, foreign keys, busy
 * timeout); then the tool on PostgreSQL against raw postgres.js (see db_postgres.ts; skipped
 * when no server answers). Both sides run in this process, alternating rounds; medians over the
 * rounds, and the ratio is the median of the per-round ratios.
 * @module
 */
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { DatabaseSync } from "node:sqlite";
import DbTool, { type Db } from "../tools/db/mod.ts";
import { TelemetryTool } from "@tools/telemetry/tool.ts";
import type { Row } from "./report.ts";
import { postgresCases } from "./db_postgres.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, round } from "./stats.ts";

const SCHEMA =
  "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)";
const INSERT = "INSERT INTO items (name, qty) VALUES ($1, $2)";
const SELECT = "SELECT id, name, qty FROM items WHERE id = $1";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function openRaw(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(
    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; " +
      "PRAGMA foreign_keys = ON;",
  );
  db.exec(SCHEMA);
  return db;
}

/** The tool as a plugin receives it; `metrics`: with the telemetry tool's metrics (the app's default). */
async function openTool(path: string, metrics = false): Promise<{ service: DbTool; db: Db }> {
  const service = new DbTool({ path });
  const ctx = standaloneContext({ mode: "start", log: quiet });
  if (metrics) {
    const telemetry = new TelemetryTool();
    telemetry.setup(standaloneContext({ mode: "start", log: quiet }));
    await service.setup({
      ...ctx,
      tool: <T>(n: string) => (n === "telemetry" ? telemetry : undefined) as T,
    });
  } else await service.setup(ctx);
  const db = service.forOwner({ id: "bench/db", generation: 1 });
  await db.execute(SCHEMA);
  return { service, db };
}

/** One figure: the same work through the tool and raw. */
export interface Case {
  name: string;
  ops: number;
  raw: () => void | Promise<void>;
  tool: () => Promise<void>;
  /** The raw calls with one `await` each: the least any async API pays (a reference row). */
  awaited?: () => Promise<void>;
  /** The least ratio tool/raw the issue asks for (default 0.90; 0: none, a row that shows a cost). */
  goal?: number;
}

/** Where {@link measure} puts its rows and figures. */
interface MeasureOptions {
  rounds: number;
  /** What the raw side is, e.g. `raw node:sqlite`. */
  baseline: string;
  rows: Row[];
  details: Record<string, unknown>;
  log: (message: string) => void;
}

/** Each case's tool and raw sides in alternating rounds (drift hits both alike), as rows. */
export async function measure(cases: Case[], m: MeasureOptions): Promise<void> {
  const { rounds, rows, details } = m;
  for (const c of cases) {
    const rawMs: number[] = [], toolMs: number[] = [], awaitedMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      await c.raw();
      rawMs.push(performance.now() - t);
      t = performance.now();
      await c.tool();
      toolMs.push(performance.now() - t);
      if (c.awaited) {
        t = performance.now();
        await c.awaited();
        awaitedMs.push(performance.now() - t);
      }
    }
    const rawOps = c.ops / (median(rawMs) / 1000), toolOps = c.ops / (median(toolMs) / 1000);
    const ratio = median(rawMs.map((ms, i) => ms / toolMs[i]));
    details[c.name] = { rawOps, toolOps, ops: c.ops, rounds };
    m.log(`${c.name}: tool ${Math.round(toolOps)}/s, raw ${Math.round(rawOps)}/s`);
    rows.push({
      scenario: "db",
      case: c.name,
      value: toolOps,
      unit: "ops/s",
      baseline: { name: m.baseline, value: rawOps },
      ratio,
      ...(c.goal === 0 ? {} : {
        target: `≥ ${(c.goal ?? 0.9).toFixed(2)}×`,
        pass: ratio >= (c.goal ?? 0.9),
      }),
      samples: `median of ${rounds} × ${c.ops.toLocaleString("en-US")} ops`,
      note: `${round(1e6 / toolOps, 2)} µs/op vs ${round(1e6 / rawOps, 2)} µs/op`,
    });
    if (awaitedMs.length) {
      rows.push({
        scenario: "db",
        case: `${c.name}: tool vs raw with one await per call`,
        value: toolOps,
        unit: "ops/s",
        baseline: {
          name: "raw, each call awaited",
          value: c.ops / (median(awaitedMs) / 1000),
        },
        ratio: median(awaitedMs.map((ms, i) => ms / toolMs[i])),
        samples: `median of ${rounds} × ${c.ops.toLocaleString("en-US")} ops`,
      });
    }
  }
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const n = o.quick ? 4000 : 20_000;
  const rounds = o.quick ? 3 : 5;
  const dir = await Deno.makeTempDir({ prefix: "microcore-bench-db-" });
  const raw = openRaw(`${dir}/raw.db`);
  const { service, db: tool } = await openTool(`${dir}/tool.db`);
  const { service: timedService, db: timed } = await openTool(`${dir}/timed.db`, true);
  try {
    const rawInsert = raw.prepare("INSERT INTO items (name, qty) VALUES (?1, ?2)");
    const rawSelect = raw.prepare("SELECT id, name, qty FROM items WHERE id = ?1");
    const ROWS: [string, number][] = Array.from({ length: n }, (_, i) => [`item ${i}`, i]);
    const cases: Case[] = [
      {
        name: "insert, autocommit (one row per transaction)",
        ops: n / 4,
        raw: () => {
          for (let i = 0; i < n / 4; i++) rawInsert.run(`item ${i}`, i);
        },
        tool: async () => {
          for (let i = 0; i < n / 4; i++) await tool.execute(INSERT, [`item ${i}`, i]);
        },
      },
      {
        name: "insert, batched in a transaction",
        ops: n,
        goal: 0.95,
        raw: () => {
          raw.exec("BEGIN IMMEDIATE");
          for (let i = 0; i < n; i++) rawInsert.run(`item ${i}`, i);
          raw.exec("COMMIT");
        },
        tool: async () => {
          await tool.transaction(async (tx) => {
            for (let i = 0; i < n; i++) await tx.execute(INSERT, [`item ${i}`, i]);
          });
        },
        awaited: async () => {
          raw.exec("BEGIN IMMEDIATE");
          for (let i = 0; i < n; i++) await Promise.resolve(rawInsert.run(`item ${i}`, i));
          raw.exec("COMMIT");
        },
      },
      {
        // What an app pays by default: the telemetry tool's metrics time every statement.
        name: "insert, batched in a transaction, statements timed for /metrics (app default)",
        ops: n,
        goal: 0,
        raw: () => {
          raw.exec("BEGIN IMMEDIATE");
          for (let i = 0; i < n; i++) rawInsert.run(`item ${i}`, i);
          raw.exec("COMMIT");
        },
        tool: async () => {
          await timed.transaction(async (tx) => {
            for (let i = 0; i < n; i++) await tx.execute(INSERT, [`item ${i}`, i]);
          });
        },
      },
      {
        // Both sides insert the same prepared rows (the data exists before the insert).
        name: "insert, batched with executeMany",
        ops: n,
        raw: () => {
          raw.exec("BEGIN IMMEDIATE");
          for (const [name, qty] of ROWS) rawInsert.run(name, qty);
          raw.exec("COMMIT");
        },
        tool: async () => {
          await tool.executeMany(INSERT, ROWS);
        },
      },
      {
        name: "point select by primary key",
        ops: n * 2,
        raw: () => {
          for (let i = 0; i < n * 2; i++) rawSelect.get((i % n) + 1);
        },
        tool: async () => {
          for (let i = 0; i < n * 2; i++) await tool.queryOne(SELECT, [(i % n) + 1]);
        },
      },
    ];
    const rows: Row[] = [];
    const details: Record<string, unknown> = {};
    await measure(cases, { rounds, baseline: "raw node:sqlite", rows, details, log: o.log });
    const pg = await postgresCases(o);
    if (pg) {
      try {
        // A server round trip per call, and other processes' load comes and goes over seconds:
        // many short alternating rounds (~40 ms each), so that it hits both sides alike.
        const pgRounds = o.quick ? 6 : 30;
        await measure(pg.cases, {
          rounds: pgRounds,
          baseline: "raw postgres.js",
          rows,
          details,
          log: o.log,
        });
      } finally {
        await pg.close();
      }
    }
    return { rows, details };
  } finally {
    raw.close();
    await service.shutdown();
    await timedService.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
