import assert, { deepEqual, equal } from "node:assert/strict";
import { RouteTable } from "./route_table.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("release removes exactly one owner's routes", async () => {
  const { tool } = makeTool();
  const a = owner("shop/a");
  const b = owner("shop/b");
  tool.forOwner(a).addEndpoint("/a", "GET", () => ({ success: true }));
  tool.forOwner(b).addEndpoint("/b", "GET", () => ({ success: true }));
  tool.activate(a);
  tool.activate(b);
  assert.equal((await call(tool, "GET", "/a")).status, 200);
  tool.release("shop/a");
  assert.equal((await call(tool, "GET", "/a")).status, 404);
  assert.equal((await call(tool, "GET", "/b")).status, 200);
  assert.equal(tool.describeOwner("shop/a"), undefined);
  assert.deepEqual(tool.describeOwner("shop/b"), {
    routes: [{ method: "GET", path: "/b", summary: undefined, kind: "endpoint" }],
  });
  assert.equal(tool.describe().routes, 1);
});

Deno.test("a staged generation is invisible until activate, then the old one is gone", async () => {
  const { tool } = makeTool();
  const g1 = owner("shop/p", 1);
  const g2 = owner("shop/p", 2);
  tool.forOwner(g1).addEndpoint("/v", "GET", () => ({ v: 1 }));
  tool.forOwner(g1).addEndpoint("/old-only", "GET", () => ({ v: 1 }));
  tool.activate(g1);
  tool.forOwner(g2).addEndpoint("/v", "GET", () => ({ v: 2 }));
  tool.forOwner(g2).addEndpoint("/new-only", "GET", () => ({ v: 2 }));
  assert.deepEqual(await (await call(tool, "GET", "/v")).json(), { v: 1 });
  assert.equal((await call(tool, "GET", "/new-only")).status, 404);
  tool.activate(g2);
  assert.deepEqual(await (await call(tool, "GET", "/v")).json(), { v: 2 });
  assert.equal((await call(tool, "GET", "/new-only")).status, 200);
  assert.equal((await call(tool, "GET", "/old-only")).status, 404);
});

Deno.test("a failed staged generation can be released without touching the live one", async () => {
  const { tool } = makeTool();
  const g1 = owner("shop/p", 1);
  const g2 = owner("shop/p", 2);
  tool.forOwner(g1).addEndpoint("/v", "GET", () => ({ v: 1 }));
  tool.activate(g1);
  tool.forOwner(g2).addEndpoint("/v", "GET", () => ({ v: 2 }));
  tool.release("shop/p", 2);
  assert.deepEqual(await (await call(tool, "GET", "/v")).json(), { v: 1 });
});

Deno.test("in-flight requests finish on the generation that took them; drain waits", async () => {
  const { tool } = makeTool();
  const g1 = owner("shop/slow", 1);
  const g2 = owner("shop/slow", 2);
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  tool.forOwner(g1).addEndpoint("/slow", "GET", async () => {
    await gate;
    return { v: 1 };
  });
  tool.activate(g1);
  const pending = call(tool, "GET", "/slow");
  await new Promise((r) => setTimeout(r, 5));
  tool.forOwner(g2).addEndpoint("/slow", "GET", () => ({ v: 2 }));
  tool.activate(g2);
  assert.deepEqual(await (await call(tool, "GET", "/slow")).json(), { v: 2 });
  let drained = false;
  const d = tool.drain("shop/slow", 1, 2000).then(() => drained = true);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(drained, false);
  release();
  assert.deepEqual(await (await pending).json(), { v: 1 });
  await d;
  assert.equal(drained, true);
});

Deno.test("drain and quiesce are bounded", async () => {
  const { tool } = makeTool();
  const o = owner("shop/stuck");
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  tool.forOwner(o).addEndpoint("/stuck", "GET", async () => {
    await gate;
    return {};
  });
  tool.activate(o);
  const p = call(tool, "GET", "/stuck");
  await new Promise((r) => setTimeout(r, 5));
  const t0 = Date.now();
  await tool.drain("shop/stuck", 1, 30);
  await tool.quiesce(30);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal((await call(tool, "GET", "/stuck")).status, 503);
  release();
  await (await p).body?.cancel();
});

Deno.test("many owners booting cause one rebuild on the next request", async () => {
  const { tool } = makeTool();
  const builds = () => RouteTable.builds;
  await call(tool, "GET", "/nothing-yet");
  const before = builds();
  for (let i = 0; i < 1000; i++) {
    const o = owner(`d${i % 10}/p${i}`);
    tool.forOwner(o).addEndpoint(`/r${i}/:id`, "GET", (d) => ({ i, id: d.id }));
    tool.activate(o);
  }
  equal(builds(), before, "activations alone build nothing");
  const t0 = performance.now();
  assert.deepEqual(await (await call(tool, "GET", "/r999/x")).json(), { i: 999, id: "x" });
  assert.ok(performance.now() - t0 < 1000);
  equal(builds(), before + 1, "one table for the 1,000 activations");
  assert.deepEqual(await (await call(tool, "GET", "/r0/y")).json(), { i: 0, id: "y" });
  equal(builds(), before + 1, "no rebuild while the route set is unchanged");
  assert.equal(tool.describe().routes, 1000);
});

Deno.test("unloading one owner closes its streams only; the other's stay open and drain waits", async () => {
  const { tool } = makeTool();
  const a = owner("shop/a");
  const b = owner("shop/b");
  let finish!: () => void;
  const gate = new Promise<void>((r) => finish = r);
  tool.forOwner(b).addEndpoint("/b/slow", "GET", async () => {
    await gate;
    return { done: true };
  });
  for (const o of [a, b]) {
    tool.forOwner(o).addSse(`/${o.id.split("/")[1]}/events`, async function* () {
      yield { data: "hello" };
      await new Promise(() => {}); // stays open until closed
    }, { heartbeatMs: 60_000 });
    tool.activate(o);
  }
  const readerA = (await call(tool, "GET", "/a/events")).body!.getReader();
  const readerB = (await call(tool, "GET", "/b/events")).body!.getReader();
  /** Reads what the stream has; "ended" once it is done, "open" if nothing comes for `ms`. */
  const state = async (r: ReadableStreamDefaultReader<Uint8Array>, ms: number) => {
    for (;;) {
      const next = await Promise.race([
        r.read(),
        new Promise<"open">((res) => setTimeout(() => res("open"), ms)),
      ]);
      if (next === "open") return "open";
      if (next.done) return "ended";
    }
  };
  equal(await state(readerA, 50), "open");
  equal(await state(readerB, 50), "open");

  const slow = call(tool, "GET", "/b/slow"); // in flight on b while a is released

  tool.release("shop/a");
  equal(await state(readerA, 500), "ended", "the released owner's stream ended");
  equal(await state(readerB, 100), "open", "the other owner's stream was not closed");

  let drained = false;
  const d = tool.drain("shop/b", 1, 2000).then(() => drained = true);
  await new Promise((r) => setTimeout(r, 20));
  equal(drained, false, "drain of the other owner still waits for its request in flight");
  finish();
  deepEqual(await (await slow).json(), { done: true });
  await d;
  equal(drained, true);
  tool.release("shop/b");
  equal(await state(readerB, 500), "ended");
});
