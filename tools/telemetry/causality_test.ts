import assert from "node:assert/strict";
import { MAX_NODES_PER_TREE, TraceStore } from "./causality.ts";

Deno.test("TraceStore keeps the last `max` trees, newest first", () => {
  const store = new TraceStore(3);
  for (let i = 1; i <= 5; i++) store.request(`r${i}`, "GET", "/x", "a/b").finish();
  assert.deepEqual(store.list().map((t) => t.id), ["r5", "r4", "r3"]);
  assert.deepEqual(store.list({ limit: 2 }).map((t) => t.id), ["r5", "r4"]);
});

Deno.test("TraceStore: an event outside any work is a root; inside, a child of the current node", async () => {
  const store = new TraceStore(10);
  store.event("e1", "a.b", "x/y");
  const req = store.request("r1", "POST", "/o", "x/y");
  await store.run(req, async () => {
    await Promise.resolve();
    assert.equal(store.current(), req);
    store.event("e2", "c.d", "x/y");
  });
  assert.equal(store.current(), undefined);
  const d = store.delivery("e2", "c.d", "p/q");
  assert.equal(d.root, req);
  assert.deepEqual(store.list().map((t) => [t.id, t.children?.map((c) => c.id)]), [
    ["r1", ["e2"]],
    ["e1", undefined],
  ]);
  // A delivery of an event never seen here (another instance's) starts its own tree.
  assert.equal(store.delivery("elsewhere", "c.d", "p/q").root.id, "elsewhere");
});

Deno.test("TraceStore: a tree holds at most MAX_NODES_PER_TREE nodes; the rest are counted", async () => {
  const store = new TraceStore(1);
  const req = store.request("r", "GET", "/", "x/y");
  await store.run(req, () => {
    for (let i = 0; i < MAX_NODES_PER_TREE + 10; i++) store.event(`e${i}`, "n", "x/y");
  });
  const [t] = store.list();
  assert.equal(t.children?.length, MAX_NODES_PER_TREE - 1);
  assert.equal(t.dropped, 11);
});

Deno.test("TraceStore(0) keeps nothing", () => {
  const store = new TraceStore(0);
  assert.equal(store.on, false);
  store.request("r", "GET", "/", "x/y");
  assert.deepEqual(store.list(), []);
});

Deno.test("TraceStore: deliveries find the last 4096 events; an older one starts its own tree", () => {
  const store = new TraceStore(10);
  for (let i = 0; i <= 4096; i++) store.event(`e${i}`, "n", "x/y");
  store.event("e1", "n", "x/y"); // seen again: keeps its place, the node is the new one
  assert.equal(store.delivery("e0", "n", "p/q").root.id, "e0", "forgotten: its own tree");
  const d1 = store.delivery("e1", "n", "p/q");
  assert.equal(d1.root.kind, "event", "the second event is still known");
  assert.equal(store.delivery("e4096", "n", "p/q").root.kind, "event");
  store.event("e4097", "n", "x/y"); // pushes out e1, the oldest kept
  assert.equal(store.delivery("e1", "n", "p/q").root.kind, "delivery");
  assert.equal(store.delivery("e2", "n", "p/q").root.kind, "event");
});
