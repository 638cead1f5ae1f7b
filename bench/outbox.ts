/**
 * Scenario `outbox`: what the transactional outbox costs a transactional insert. Through the db
 * tool as a plugin holds it, `transaction(insert one row)` against `transaction(insert one row +
 * enlist one event)` (what `event_bus.publish` does inside a transaction), and the same followed
 * by removing the event once "sent" (one DELETE per event: the relay's worst case), on SQLite (a
 * file, WAL) and on PostgreSQL at `PG_BENCH_URL` (default 127.0.0.1:5432/test) when it answers
 * (a schema of its own, dropped after). On SQLite also raw `node:sqlite` making the same two
 * inserts per transaction: the floor any outbox pays there (one more b-tree page per commit).
 * Alternating rounds; medians; ratios are medians of the per-round ratios.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { benchSchema, PG_URL } from "./pg_schema.ts";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import DbTool, { type Db } from "../tools/db/mod.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, round } from "./stats.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const INSERT = "INSERT INTO items (name, qty) VALUES ($1, $2)";
const TABLE = "CREATE TABLE items (id BIGINT, name TEXT NOT NULL, qty INTEGER)";
/** An event envelope of a typical size (about 200 bytes). */
const body = (id: string) =>
  JSON.stringify({
    id,
    name: "product.created",
    payload: { id: 42, name: "green tea, 100 g", stock: 12 },
    time: new Date().toISOString(),
    source: "products/create_product",
    correlationId: crypto.randomUUID(),
  });

interface Engine {
  name: string;
  tool: DbTool;
  /** `n` transactions of one row + one event, with the engine's client alone. */
  raw?(n: number): void;
  close(): Promise<void>;
}

async function sqlite(_o: BenchOptions): Promise<Engine> {
  const dir = await Deno.makeTempDir({ prefix: "microcore-bench-outbox-" });
  const tool = new DbTool({ path: `${dir}/app.db` });
  await tool.setup(standaloneContext({ mode: "start", log: quiet }));
  // The tool's file (one WAL, the same checkpoints), in tables of its own.
  const raw = new DatabaseSync(`${dir}/app.db`);
  raw.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
  raw.exec(
    "CREATE TABLE raw_items (id BIGINT, name TEXT NOT NULL, qty INTEGER); CREATE TABLE " +
      "raw_outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at BIGINT NOT NULL) WITHOUT ROWID",
  );
  const row = raw.prepare("INSERT INTO raw_items (name, qty) VALUES (?, ?)");
  const event = raw.prepare("INSERT INTO raw_outbox (id, body, created_at) VALUES (?, ?, ?)");
  let seq = 0;
  return {
    name: "sqlite",
    tool,
    raw: (n) => {
      for (let i = 0; i < n; i++) {
        raw.exec("BEGIN IMMEDIATE");
        row.run("tea", i);
        const id = `r${++seq}`;
        event.run(id, body(id), Date.now());
        raw.exec("COMMIT");
      }
    },
    close: async () => {
      raw.close();
      await tool.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

async function pg(o: BenchOptions): Promise<Engine | undefined> {
  const pgSchema = await benchSchema("bench_outbox", o.log);
  if (!pgSchema) return undefined;
  const schema = pgSchema.schema;
  const tool = new DbTool();
  const env = { DATABASE_URL: PG_URL, DB_SCHEMA: schema };
  await tool.setup(standaloneContext({ mode: "start", log: quiet, env }));
  return {
    name: "postgres",
    tool,
    close: async () => {
      await tool.shutdown();
      await pgSchema.drop();
    },
  };
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const rounds = o.quick ? 3 : 7;
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  for (const open of [sqlite, pg]) {
    const engine = await open(o);
    if (!engine) continue;
    try {
      const { name, tool } = engine;
      const n = Math.round((o.quick ? 500 : 3000) / (name === "sqlite" ? 1 : 5));
      const db: Db = tool.forOwner({ id: "bench/outbox", generation: 1 });
      await db.execute(TABLE);
      let seq = 0;
      const cases = {
        plain: async () => {
          for (let i = 0; i < n; i++) await db.transaction((tx) => tx.execute(INSERT, ["tea", i]));
        },
        event: async () => {
          for (let i = 0; i < n; i++) {
            await db.transaction(async (tx) => {
              await tx.execute(INSERT, ["tea", i]);
              const id = `e${++seq}`;
              tool.outbox.enlist({ id, body: body(id) });
            });
          }
        },
        relayed: async () => {
          for (let i = 0; i < n; i++) {
            const id = `e${++seq}`;
            await db.transaction(async (tx) => {
              await tx.execute(INSERT, ["tea", i]);
              tool.outbox.enlist({ id, body: body(id) });
            });
            await tool.outbox.remove([id]);
          }
        },
        raw: () => engine.raw?.(n),
      };
      await cases.plain(); // warm up: statements prepared, pages in cache
      await cases.relayed();
      const ms: Record<keyof typeof cases, number[]> = {
        plain: [],
        event: [],
        relayed: [],
        raw: [],
      };
      for (let r = 0; r < rounds; r++) {
        for (const k of Object.keys(cases) as (keyof typeof cases)[]) {
          const t = performance.now();
          await cases[k]();
          ms[k].push(performance.now() - t);
        }
      }
      const ops = (k: keyof typeof cases) => n / (median(ms[k]) / 1000);
      const us = (k: keyof typeof cases) => (median(ms[k]) * 1000) / n;
      details[name] = { n, rounds, ms };
      if (engine.raw) {
        rows.push({
          scenario: "outbox",
          case: `${name}: one row + one event, the tool against raw node:sqlite doing the same`,
          value: ops("event"),
          unit: "tx/s",
          baseline: { name: "raw node:sqlite", value: ops("raw") },
          ratio: median(ms.raw.map((p, i) => p / ms.event[i])),
          samples: `median of ${rounds} × ${n} transactions`,
          note: `raw ${round(us("raw"), 1)} µs per transaction`,
        });
      }
      for (const k of ["event", "relayed"] as const) {
        const what = k === "event" ? "one row + one event" : "one row + one event, then removed";
        o.log(`${name} ${what}: ${Math.round(ops(k))}/s vs ${Math.round(ops("plain"))}/s`);
        rows.push({
          scenario: "outbox",
          case: `${name}: transactional insert, ${what} (outbox)`,
          value: ops(k),
          unit: "tx/s",
          baseline: { name: "one row alone", value: ops("plain") },
          ratio: median(ms.plain.map((p, i) => p / ms[k][i])),
          samples: `median of ${rounds} × ${n} transactions`,
          note: `+${round(us(k) - us("plain"), 1)} µs per transaction (${round(us("plain"), 1)} → ${
            round(us(k), 1)
          } µs)`,
        });
      }
    } finally {
      await engine.close();
    }
  }
  return { rows, details };
}
