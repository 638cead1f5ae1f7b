import { deepEqual, equal } from "node:assert/strict";
import { Status } from "./status.ts";
import type { StatusEntry, Tool } from "./types.ts";

/** An entry without its timestamp (checked to be a number), for exact comparisons. */
function bare(e: StatusEntry | undefined): Record<string, unknown> | undefined {
  if (!e) return e;
  const { updatedAt, ...rest } = e;
  equal(typeof updatedAt, "number");
  return rest;
}

Deno.test("status: the registry is a tool named status, described for AI_CONTEXT and the status page", () => {
  const s = new Status();
  equal(s.name, "status");
  equal(s.description, "Read-only view of every tool and plugin: state, errors, registrations.");
  const { summary, entries } = s.snapshot(); // no tools given: none to ask
  deepEqual(entries, []);
  deepEqual(summary.states, {});
});

Deno.test("status: set, get, update (a field patched to undefined is removed) and delete", () => {
  const s = new Status();
  const set = s.set({
    kind: "plugin",
    id: "d/a",
    state: "loading",
    file: "domains/d/plugins/a.ts",
  });
  deepEqual(bare(set), {
    kind: "plugin",
    id: "d/a",
    state: "loading",
    file: "domains/d/plugins/a.ts",
  });
  equal(s.get("plugin", "d/a"), set);
  equal(s.get("tool", "d/a"), undefined, "kinds are apart");
  s.update("plugin", "d/a", { state: "failed", error: { message: "boom" } });
  deepEqual(bare(s.get("plugin", "d/a")), {
    kind: "plugin",
    id: "d/a",
    state: "failed",
    file: "domains/d/plugins/a.ts",
    error: { message: "boom" },
  });
  s.update("plugin", "d/a", { state: "ready", error: undefined });
  const cur = s.get("plugin", "d/a")!;
  equal("error" in cur, false, "the error is gone, not set to undefined");
  deepEqual(bare(cur), {
    kind: "plugin",
    id: "d/a",
    state: "ready",
    file: "domains/d/plugins/a.ts",
  });
  s.update("plugin", "d/none", { state: "stopped" });
  equal(s.get("plugin", "d/none"), undefined, "updating an unknown entry creates none");
  deepEqual(s.list().map((e) => e.id), ["d/a"]);
  s.delete("plugin", "d/a");
  equal(s.get("plugin", "d/a"), undefined);
  deepEqual(s.list(), []);
});

Deno.test("status: list has the tools first, then the plugins, each by id", () => {
  const s = new Status();
  const added = "plugin b/x,tool http,plugin a/y,tool db,plugin a/b,plugin B/z,tool event_bus";
  for (const k of added.split(",")) {
    const [kind, id] = k.split(" ") as ["tool" | "plugin", string];
    s.set({ kind, id, state: "ready" });
  }
  deepEqual(s.list().map((e) => `${e.kind} ${e.id}`), [
    "tool db",
    "tool event_bus",
    "tool http",
    "plugin B/z",
    "plugin a/b",
    "plugin a/y",
    "plugin b/x",
  ]);
});

Deno.test("status: summary has the facts (merged), the count of each state, and memory", () => {
  const s = new Status();
  s.setFacts({ mode: "dev", bootedAt: 5 });
  s.setFacts({ reloads: 2, bootedAt: 7 });
  s.set({ kind: "tool", id: "http", state: "ready" });
  s.set({ kind: "plugin", id: "d/a", state: "ready" });
  s.set({ kind: "plugin", id: "d/b", state: "failed" });
  s.set({ kind: "plugin", id: "d/c", state: "ready" });
  const { heapUsed, rss, ...rest } = s.summary();
  deepEqual(rest, { mode: "dev", bootedAt: 7, reloads: 2, states: { ready: 3, failed: 1 } });
  equal(typeof heapUsed === "number" && heapUsed > 0, true);
  equal(typeof rss === "number" && rss > 0, true);
});

Deno.test("status: snapshot adds what each tool says about each plugin, and each tool's own details", () => {
  const tools: Tool[] = [
    {
      name: "http",
      describe: () => ({ listening: "http://127.0.0.1:8000" }),
      describeOwner: (id) => id === "d/a" ? { routes: ["GET /a"] } : undefined,
    },
    {
      name: "event_bus",
      describe: () => {
        throw new Error("broken");
      },
      describeOwner: (id) => {
        if (id === "d/b") throw new Error("broken");
        return { subscriptions: [`${id}.done`] };
      },
    },
    { name: "logger" }, // describes nothing
  ];
  const s = new Status(() => tools);
  s.set({ kind: "plugin", id: "d/b", state: "ready" });
  s.set({ kind: "plugin", id: "d/a", state: "ready" });
  for (const id of ["logger", "http", "event_bus", "db"]) {
    s.set({ kind: "tool", id, state: "ready" });
  }
  s.update("tool", "db", { state: "failed" }); // a failed tool: no tool object to ask
  const snap = s.snapshot();
  deepEqual(snap.entries.map(bare), [
    { kind: "tool", id: "db", state: "failed" },
    { kind: "tool", id: "event_bus", state: "ready" }, // its describe threw
    { kind: "tool", id: "http", state: "ready", details: { listening: "http://127.0.0.1:8000" } },
    { kind: "tool", id: "logger", state: "ready" },
    { kind: "plugin", id: "d/a", state: "ready", routes: ["GET /a"], subscriptions: ["d/a.done"] },
    { kind: "plugin", id: "d/b", state: "ready" }, // http knows nothing, the bus threw
  ]);
  deepEqual(snap.summary.states, { ready: 5, failed: 1 });
  equal("routes" in s.get("plugin", "d/a")!, false, "the registry's own entry is untouched");
});
