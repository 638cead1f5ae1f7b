/**
 * The Redis driver through faults, against the real server (127.0.0.1:6379, or REDIS_URL) behind
 * a TCP proxy each test owns: cut (Redis gone), stall (network partition), restore, and a boot
 * while Redis is unreachable. The server itself is never touched. Skipped when no server answers.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Kernel } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { TcpProxy } from "@microcore/testing/tcp_proxy.ts";
import { StateError } from "./errors.ts";
import { RedisDriver } from "./redis_driver.ts";
import { State } from "./store.ts";
import { StateTool } from "./tool.ts";

const SERVER = new URL(Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379");
/** Long enough that "fails fast" (under half of it) stays clear of it on a loaded machine. */
const TIMEOUT = 1000;
const run = Math.random().toString(36).slice(2, 8);

async function reachable(): Promise<boolean> {
  const d = await RedisDriver.connect(SERVER.href, { timeoutMs: 1000 });
  await d.close();
  return d.health.state === "ready";
}
const up = await reachable();

/** A proxy to the server, a tool on it recording its health reports, and cleanup. */
async function rig(name: string, opts: { cutFirst?: boolean; stallFirst?: boolean } = {}) {
  const proxy = await TcpProxy.start({
    hostname: SERVER.hostname,
    port: Number(SERVER.port || 6379),
  });
  if (opts.cutFirst) proxy.cut();
  if (opts.stallFirst) proxy.stall();
  const reports: [string, string | undefined][] = [];
  const tool = new StateTool();
  const url = new URL(SERVER.href);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  await tool.setup(standaloneContext({
    env: { STATE_DRIVER: "redis", REDIS_URL: url.href, STATE_TIMEOUT_MS: String(TIMEOUT) },
    health: (state, reason) => reports.push([state, reason]),
  }));
  const state = tool.forOwner().namespace(`mctest-${run}-${name}`);
  return {
    proxy,
    tool,
    state,
    reports,
    last: () => reports.at(-1),
    async [Symbol.asyncDispose]() {
      proxy.restore();
      await until(() => tool.driver.health?.state === "ready", 5000).catch(() => {});
      await state.clear().catch(() => {});
      await tool.shutdown();
      await proxy.close();
    },
  };
}

async function until(ok: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

/** How long `p` took to reject, and with what. */
async function rejection(p: Promise<unknown>): Promise<{ ms: number; err: StateError }> {
  const t0 = performance.now();
  const err = await p.then(() => assert.fail("expected a rejection"), (e) => e);
  assert.ok(err instanceof StateError, `a StateError, got ${err}`);
  return { ms: performance.now() - t0, err };
}

const works = (s: State) => async () => {
  try {
    return (await s.increment("probe")) > 0;
  } catch (e) {
    if (e instanceof StateError) return false;
    throw e;
  }
};

describe("state, redis driver through faults", { skip: !up }, () => {
  it("cut: calls fail fast as unavailable, degraded; restored: ready again by itself", async () => {
    await using r = await rig("cut");
    await r.state.set("k", 1);
    assert.deepEqual(r.last(), undefined, "no report while all is well");
    r.proxy.cut();
    // The first call may meet the dying socket; every one fails well under the timeout.
    for (let i = 0; i < 3; i++) {
      const { ms, err } = await rejection(r.state.get("k"));
      assert.equal(err.kind, "unavailable");
      assert.match(err.message, /^Redis at 127\.0\.0\.1:\d+ unreachable: \w.*; GET /);
      assert.ok(ms < TIMEOUT / 2, `rejected after ${ms} ms`);
    }
    const { err } = await rejection(r.state.set("k", 2));
    assert.match(err.message, /Redis at 127\.0\.0\.1:\d+ unreachable: .*retry shortly/);
    assert.equal(r.last()?.[0], "degraded");
    assert.match(r.last()?.[1] ?? "", /^Redis at 127\.0\.0\.1:\d+ unreachable: /);
    r.proxy.restore();
    const back = await until(works(r.state), 3000);
    assert.ok(back < 3000, `recovered in ${back} ms`);
    assert.deepEqual(r.last(), ["ready", undefined]);
    assert.equal(await r.state.get("k"), 1, "the data is Redis's, untouched");
  });

  it("stall: a call times out at the bound as timeout; restored: it works again", async () => {
    await using r = await rig("stall");
    await r.state.set("k", 1);
    r.proxy.stall();
    const { ms, err } = await rejection(r.state.get("k"));
    assert.equal(err.kind, "timeout");
    assert.match(err.message, /did not answer GET within 1000 ms \(STATE_TIMEOUT_MS\)/);
    assert.ok(ms >= TIMEOUT - 5 && ms < TIMEOUT + 1000, `timed out after ${ms} ms`);
    // The silent connection is dropped: calls now fail fast instead of each waiting.
    assert.equal(r.last()?.[0], "degraded");
    assert.match(r.last()?.[1] ?? "", /no answer within 1000 ms/);
    const next = await rejection(r.state.get("k"));
    assert.equal(next.err.kind, "unavailable");
    assert.ok(next.ms < TIMEOUT / 2, `then rejected after ${next.ms} ms`);
    r.proxy.restore();
    await until(works(r.state), 3000);
    assert.deepEqual(r.last(), ["ready", undefined]);
    assert.equal(await r.state.get("k"), 1);
  });

  it("a long stall: a connection hung in its handshake is replaced after the bound", async () => {
    await using r = await rig("longstall");
    await r.state.set("k", 1);
    const opened = r.proxy.connections;
    r.proxy.stall();
    assert.equal((await rejection(r.state.get("k"))).err.kind, "timeout");
    await new Promise((res) => setTimeout(res, TIMEOUT * 2.5));
    // One reopen after the timeout, then one per bound while the new one hangs.
    assert.ok(r.proxy.connections - opened >= 3, `${r.proxy.connections - opened} new connections`);
    assert.equal(r.last()?.[0], "degraded");
    r.proxy.restore();
    await until(works(r.state), 3000);
    assert.deepEqual(r.last(), ["ready", undefined], JSON.stringify(r.reports));
  });

  it("a call in flight when the connection is cut fails as unavailable, not a hang", async () => {
    await using r = await rig("inflight");
    await r.state.set("k", 1);
    r.proxy.stall();
    const pending = rejection(r.state.get("k"));
    await new Promise((res) => setTimeout(res, 50));
    r.proxy.cut();
    const { ms, err } = await pending;
    assert.equal(err.kind, "unavailable");
    assert.match(err.message, /may or may not have been applied/);
    assert.ok(ms < TIMEOUT, `rejected after ${ms} ms`);
  });

  it("boot while Redis is unreachable: setup starts degraded, then connects by itself", async () => {
    const t0 = performance.now();
    await using r = await rig("boot", { cutFirst: true });
    const setupMs = performance.now() - t0;
    assert.ok(setupMs < TIMEOUT, `setup took ${setupMs} ms`);
    assert.equal(r.tool.driver.health?.state, "degraded");
    assert.match(r.tool.driver.health?.reason ?? "", /^Redis at 127\.0\.0\.1:\d+ unreachable: /);
    // The kernel ignores reports during setup: onBootComplete repeats the state.
    r.reports.length = 0;
    r.tool.onBootComplete();
    assert.equal(r.last()?.[0], "degraded");
    const { ms, err } = await rejection(r.state.get("k"));
    assert.equal(err.kind, "unavailable");
    assert.match(err.message, /GET was not run/);
    assert.ok(ms < TIMEOUT / 2, `rejected after ${ms} ms`);
    r.proxy.restore();
    await until(works(r.state), 3000);
    assert.deepEqual(r.last(), ["ready", undefined]);
  });

  it("boot while the network stalls: setup waits at most the bound, then starts degraded", async () => {
    const t0 = performance.now();
    await using r = await rig("bootstall", { stallFirst: true });
    const setupMs = performance.now() - t0;
    assert.ok(setupMs >= TIMEOUT - 5 && setupMs < TIMEOUT + 1000, `setup took ${setupMs} ms`);
    assert.match(r.tool.driver.health?.reason ?? "", /unreachable: no answer within 1000 ms/);
    assert.equal((await rejection(r.state.get("k"))).err.kind, "unavailable");
    // The hung handshake is replaced after each bound, as after a stall at run time.
    await new Promise((res) => setTimeout(res, TIMEOUT * 1.5));
    assert.ok(r.proxy.connections >= 2, `${r.proxy.connections} connections`);
    r.proxy.restore();
    await until(works(r.state), 3000);
    assert.deepEqual(r.last(), ["ready", undefined]);
  });

  it("reports each change once, not once per failed reconnect attempt", async () => {
    await using r = await rig("once");
    r.proxy.cut();
    await new Promise((res) => setTimeout(res, 1200)); // several reconnect attempts
    // "connection closed", then "connection refused" by every attempt after: two reports.
    assert.deepEqual(r.reports.map(([s, why]) => `${s}: ${why?.replace(/.*: /, "")}`), [
      "degraded: connection closed",
      "degraded: connection refused",
    ]);
    r.proxy.restore();
    await until(() => r.last()?.[0] === "ready", 3000);
    assert.equal(r.reports.length, 3);
  });

  it("in a kernel: status tells the truth through a boot without Redis, its return, a cut", async () => {
    await using proxy = await TcpProxy.start({
      hostname: SERVER.hostname,
      port: Number(SERVER.port || 6379),
    });
    proxy.cut();
    const tool = new StateTool();
    const env: Record<string, string> = {
      STATE_DRIVER: "redis",
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      STATE_TIMEOUT_MS: String(TIMEOUT),
    };
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const kernel = new Kernel({
      root: ".",
      mode: "test",
      source: { tools: [], domains: [], plugins: [] },
      tools: [tool],
      env: (k) => env[k],
      log: quiet,
    });
    try {
      await kernel.boot();
      const status = () => kernel.status.get("tool", "state");
      assert.equal(status()?.state, "degraded", "booted, degraded");
      assert.match(status()?.error?.message ?? "", /^Redis at 127\.0\.0\.1:\d+ unreachable: /);
      proxy.restore();
      await until(() => status()?.state === "ready", 3000);
      assert.equal(status()?.error, undefined);
      proxy.cut();
      await until(() => status()?.state === "degraded", 1000);
    } finally {
      await kernel.shutdown(2000);
    }
  });
});
