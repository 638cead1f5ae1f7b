/**
 * Benchmark: the db tool vs raw `node:sqlite` doing the same work on the same file settings.
 *
 *   deno run -A tools/db/bench_db.ts [--n=20000]
 *
 * Prints operations per second and the ratio tool/raw (target ≥ 0.90×).
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { Database } from "./database.ts";
import { SqliteDriver } from "./sqlite_driver.ts";

const N = Number(Deno.args.find((a) => a.startsWith("--n="))?.slice(4) ?? 20000);
const ROUNDS = 5;
const dir = await Deno.makeTempDir({ prefix: "microcore_bench_" });
const SCHEMA =
  "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)";

function openRaw(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(
    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
  );
  db.exec(SCHEMA);
  return db;
}

async function openTool(path: string): Promise<Database> {
  const db = new Database(new SqliteDriver({ path }));
  await db.execute(SCHEMA);
  return db;
}

type Case = {
  name: string;
  ops: number;
  raw: () => Promise<void> | void;
  tool: () => Promise<void>;
};

const raw = openRaw(`${dir}/raw.db`);
const tool = await openTool(`${dir}/tool.db`);
const rawInsert = raw.prepare("INSERT INTO items (name, qty) VALUES (?1, ?2)");
const rawSelect = raw.prepare("SELECT id, name, qty FROM items WHERE id = ?1");
const INSERT = "INSERT INTO items (name, qty) VALUES ($1, $2)";
const SELECT = "SELECT id, name, qty FROM items WHERE id = $1";
const batchRows = Array.from({ length: N }, (_, i) => [`item ${i}`, i]);

const cases: Case[] = [
  {
    name: "insert (autocommit)",
    ops: N / 4,
    raw: () => {
      for (let i = 0; i < N / 4; i++) rawInsert.run(`item ${i}`, i);
    },
    tool: async () => {
      for (let i = 0; i < N / 4; i++) await tool.execute(INSERT, [`item ${i}`, i]);
    },
  },
  {
    name: "insert (batched, executeMany)",
    ops: N,
    raw: () => {
      raw.exec("BEGIN IMMEDIATE");
      for (const r of batchRows) rawInsert.run(r[0], r[1]);
      raw.exec("COMMIT");
    },
    tool: async () => {
      await tool.executeMany(INSERT, batchRows);
    },
  },
  {
    name: "insert (transaction, await each)",
    ops: N,
    raw: () => {
      raw.exec("BEGIN IMMEDIATE");
      for (let i = 0; i < N; i++) rawInsert.run(`item ${i}`, i);
      raw.exec("COMMIT");
    },
    tool: async () => {
      await tool.transaction(async (tx) => {
        for (let i = 0; i < N; i++) await tx.execute(INSERT, [`item ${i}`, i]);
      });
    },
  },
  {
    name: "point select",
    ops: N * 2,
    raw: () => {
      for (let i = 0; i < N * 2; i++) rawSelect.get((i % N) + 1);
    },
    tool: async () => {
      for (let i = 0; i < N * 2; i++) await tool.queryOne(SELECT, [(i % N) + 1]);
    },
  },
];

async function time(f: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

console.log(`db bench: N=${N}, best of ${ROUNDS} rounds, files in ${dir}`);
console.log(
  "case".padEnd(34),
  "raw ops/s".padStart(12),
  "tool ops/s".padStart(12),
  "ratio".padStart(7),
);
for (const c of cases) {
  let bestRaw = Infinity, bestTool = Infinity;
  for (let r = 0; r < ROUNDS; r++) { // alternate so drift affects both sides alike
    bestRaw = Math.min(bestRaw, await time(c.raw));
    bestTool = Math.min(bestTool, await time(c.tool));
  }
  const rawOps = c.ops / (bestRaw / 1000), toolOps = c.ops / (bestTool / 1000);
  console.log(
    c.name.padEnd(34),
    Math.round(rawOps).toLocaleString("en").padStart(12),
    Math.round(toolOps).toLocaleString("en").padStart(12),
    `${(toolOps / rawOps).toFixed(2)}×`.padStart(7),
  );
}

raw.close();
await tool.close();
await Deno.remove(dir, { recursive: true });
