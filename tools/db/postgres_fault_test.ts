/**
 * The db tool when PostgreSQL goes away, through a TCP proxy the test owns (the server itself is
 * never touched): statements fail fast with kind `connection` (a JSON 503 from the http tool),
 * the tool reports itself degraded once, and ready again by itself once the server answers.
 * @module
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { TcpProxy } from "@microcore/testing/tcp_proxy.ts";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { isDbError } from "./errors.ts";
import { ConnectionHealth } from "./health.ts";
import { DbTool } from "./tool.ts";
import { PG_TEST_URL, pgReachable } from "./test_helpers.ts";

const URL_ = new URL(PG_TEST_URL);
// The test's permissions read the OS user name; name it, as a deployment's URL does.
if (!URL_.username) URL_.username = Deno.env.get("PGUSER") || Deno.env.get("USER") || "postgres";
const ignore = !(await pgReachable(URL_.toString()));

/** A db tool on PostgreSQL through a proxy of the test's own (closed with it by the caller). */
async function dbThroughProxy(
  settings: Record<string, string> = {},
  health?: (state: string, reason?: string) => void,
): Promise<{ proxy: TcpProxy; tool: DbTool }> {
  const proxy = await TcpProxy.start({
    hostname: URL_.hostname,
    port: Number(URL_.port || 5432),
  });
  const via = new URL(URL_);
  via.host = `127.0.0.1:${proxy.port}`;
  const tool = new DbTool();
  await tool.setup(standaloneContext({
    mode: "start",
    env: { DB_DRIVER: "postgres", DATABASE_URL: via.toString(), ...settings },
    health,
  }));
  return { proxy, tool };
}

async function until(what: string, cond: () => boolean, ms = 8_000): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

Deno.test({
  name: "db on PostgreSQL: cut → fast connection errors and degraded; back → ready by itself",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const schema = `microcore_fault_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const reports: string[] = [];
    const { proxy, tool } = await dbThroughProxy(
      { DB_SCHEMA: schema },
      (state, reason) => void reports.push(reason ? `${state}: ${reason}` : state),
    );
    await using _proxy = proxy;
    const db = tool.api;
    try {
      await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
      await db.execute("INSERT INTO t VALUES (1)");
      assert.deepEqual(reports, []);

      proxy.cut();
      const t0 = performance.now();
      const err = await db.query("SELECT id FROM t").catch((e) => e);
      assert.ok(isDbError(err, "connection"), `kind connection, got ${err?.kind}: ${err}`);
      const failMs = performance.now() - t0;
      assert.ok(failMs < 3_000, "fails fast, no long hang");
      await db.transaction((tx) => tx.query("SELECT 1")).catch(() => {});
      assert.equal(reports.length, 1, `one report for the outage: ${reports.join(" | ")}`);
      assert.match(
        reports[0],
        /^degraded: PostgreSQL at postgres:\/\/.*127\.0\.0\.1:\d+.* unreachable: /,
      );
      assert.doesNotMatch(reports[0], /password/);

      proxy.restore();
      await until("ready again", () => reports.at(-1) === "ready");
      assert.deepEqual(await db.query("SELECT id FROM t"), [{ id: 1 }]);
      assert.equal(reports.length, 2);
    } finally {
      await tool.shutdown();
      const admin = postgres(URL_.toString(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end({ timeout: 1 });
    }
  },
});

Deno.test({
  name: "db on PostgreSQL: a transaction on a connection the cut closed fails cleanly, no crash",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // postgres.js 3.4.9 wrote to the closed socket from a setImmediate and ended the process
    // (porsager/postgres#1208); the vendored copy settles the write with CONNECTION_CLOSED.
    const { proxy, tool } = await dbThroughProxy();
    await using _proxy = proxy;
    const crashes: unknown[] = [];
    const onError = (e: ErrorEvent) => {
      crashes.push(e.error);
      e.preventDefault();
    };
    globalThis.addEventListener("error", onError);
    try {
      await tool.api.query("SELECT 1");
      proxy.cut();
      for (let i = 0; i < 5; i++) {
        const err = await tool.api.transaction((tx) => tx.query("SELECT 1")).catch((e) => e);
        assert.ok(isDbError(err, "connection"), `kind connection, got ${err}`);
      }
      await new Promise((r) => setTimeout(r, 50)); // the queued writes' turn
      assert.deepEqual(crashes.map(String), [], "no uncaught error");
      proxy.restore();
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        ok = await tool.api.transaction((tx) => tx.query("SELECT 1")).then(() => true, () => false);
        if (!ok) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(ok, "a transaction works again after the return");
    } finally {
      globalThis.removeEventListener("error", onError);
      await tool.shutdown();
    }
  },
});

Deno.test({
  name: "db on PostgreSQL: transactions and pool queries through repeated cuts: none waits forever",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // postgres.js 3.4.9 lost a waiting reserve() after an outage (each transaction takes one):
    // the vendored copy keeps it queued (vendor/postgres/README.md).
    const { proxy, tool } = await dbThroughProxy();
    await using _proxy = proxy;
    const db = tool.api;
    let running = true;
    let started = 0;
    const waiting = new Map<number, number>(); // call → start time
    const worker = async () => {
      while (running) {
        const i = started++;
        waiting.set(i, performance.now());
        const call = i % 2 === 0
          ? db.transaction((tx) => tx.query("SELECT 1"))
          : db.query("SELECT 1");
        await call.catch(() => {});
        waiting.delete(i);
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    try {
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, 300));
        proxy.cut();
        await new Promise((r) => setTimeout(r, 600));
        proxy.restore();
      }
      await new Promise((r) => setTimeout(r, 2_500));
      const now = performance.now();
      const stuck = [...waiting.values()].filter((t) => now - t > 2_000);
      assert.equal(stuck.length, 0, `${stuck.length} of ${started} calls still waiting`);
      assert.ok(started > 100, `calls went through (${started})`);
    } finally {
      running = false;
      await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, 2_000))]);
      await tool.shutdown();
    }
  },
});

Deno.test("connection health: one report each way; probes until the server answers", async () => {
  const reports: string[] = [];
  let answers = false;
  let probes = 0;
  const h = new ConnectionHealth({
    report: (state, reason) => void reports.push(reason ? `${state}: ${reason}` : state),
    probe: () => {
      probes++;
      return answers ? Promise.resolve() : Promise.reject(new Error("refused"));
    },
    what: "PostgreSQL at postgres://db:5432/app",
    intervalMs: 10,
  });
  try {
    h.lost(new Error("connect ECONNREFUSED"));
    h.lost(new Error("again"));
    assert.equal(h.degraded, true);
    assert.deepEqual(reports, [
      "degraded: PostgreSQL at postgres://db:5432/app unreachable: connect ECONNREFUSED",
    ]);
    await until("a few probes", () => probes >= 3, 2_000);
    assert.equal(reports.length, 1, "failed probes report nothing");
    answers = true;
    await until("ready", () => reports.length === 2, 2_000);
    assert.equal(reports[1], "ready");
    assert.equal(h.degraded, false);
    h.lost(new Error("lost again"));
    assert.equal(reports.length, 3, "a new outage is reported again");
  } finally {
    h.close();
  }
  // A probe that never answers (a wedged connection) does not stop the probing.
  const hung: string[] = [];
  let calls = 0;
  const h2 = new ConnectionHealth({
    report: (state) => void hung.push(state),
    probe: () => ++calls === 1 ? new Promise(() => {}) : Promise.resolve(),
    what: "PostgreSQL at x",
    intervalMs: 10,
  });
  try {
    h2.lost(new Error("cut"));
    await until("ready after a hung probe", () => hung.at(-1) === "ready", 3_000);
    assert.equal(calls, 2);
  } finally {
    h2.close();
  }
  const before = probes;
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(probes, before, "closed: no more probes");
});
