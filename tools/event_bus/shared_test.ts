/**
 * What the parts of the bus share: error stacks in the log (mapped by the kernel when it can),
 * thenables as async results, and registrations made before a generation goes live.
 * @module
 */
import assert from "node:assert/strict";
import type { ErrorInfo } from "@core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { EventBusTool } from "./tool.ts";
import { makeBus, owner, tick } from "./test_helpers.ts";

Deno.test("shared: a handler's error is logged with the kernel's mapped stack, else its own", async () => {
  const asked: [unknown, string | undefined][] = [];
  const bus = new EventBusTool();
  const log = recordingLog();
  const mapped: Record<string, ErrorInfo> = {
    withStack: { message: "m1", stack: "mapped stack" },
    noStack: { message: "only a message" },
  };
  bus.setup({
    ...standaloneContext({ log }),
    errorInfo: (err, prefer) => {
      asked.push([err, prefer]);
      return mapped[(err as Error).message];
    },
  });
  const o = { ...owner("b/sub"), file: "domains/b/sub.ts" };
  const api = bus.forOwner(o);
  bus.activate(o);
  const errors = [new Error("withStack"), new Error("noStack")];
  for (const e of errors) api.subscribe(e.message, () => Promise.reject(e));
  api.publish("withStack");
  api.publish("noStack");
  await tick();
  assert.deepEqual(log.lines.map((l) => l.props?.error), ["mapped stack", "only a message"]);
  assert.deepEqual(asked, [[errors[0], "domains/b/sub.ts"], [errors[1], "domains/b/sub.ts"]]);
  await bus.shutdown();
});

Deno.test("shared: without the kernel's mapping: the stack, else the message, else the value", async () => {
  const { bus, log, live } = makeBus();
  const s = live("b/sub");
  const bare = new Error("no stack here");
  bare.stack = undefined;
  const withStack = new Error("has stack");
  s.subscribe("a", () => {
    throw bare;
  });
  s.subscribe("b", () => {
    throw withStack;
  });
  s.subscribe("c", () => {
    throw 42;
  });
  for (const n of ["a", "b", "c"]) s.publish(n);
  await tick();
  assert.deepEqual(log.lines.map((l) => l.props?.error), ["no stack here", withStack.stack, "42"]);
  await bus.shutdown();
});

Deno.test("shared: null and plain values are sync results; any thenable is awaited", async () => {
  const { bus, live } = makeBus();
  const s = live("b/sub");
  s.subscribe("null", () => null as unknown as void);
  s.subscribe("obj", () => ({ then: 1 }) as unknown as void);
  const rejecting = (_ok: unknown, fail: (e: Error) => void) => fail(new Error("thenable no"));
  s.subscribe("thenable", () => ({ then: rejecting }) as unknown as Promise<void>);
  s.subscribe("fn", () => Object.assign(() => {}, { then: rejecting }) as unknown as Promise<void>);
  for (const n of ["null", "obj", "thenable", "fn"]) s.publish(n);
  await tick();
  const ev = bus.describe().events as Record<string, Record<string, number>>;
  assert.deepEqual(
    ["null", "obj", "thenable", "fn"].map((n) => [ev[n].delivered, ev[n].errors]),
    [[1, 0], [1, 0], [0, 1], [0, 1]],
  );
  await bus.shutdown();
});

Deno.test("shared: a first generation registers in its boot, before it goes live", async () => {
  const { bus, log, live } = makeBus();
  const p = live("a/pub");
  const o = owner("b/new", 1);
  const api = bus.forOwner(o);
  const got: string[] = [];
  api.subscribe("e", () => void got.push("e"));
  api.respond("q", () => "answer");
  p.publish("e");
  await tick();
  assert.deepEqual(got, [], "staged until activated");
  bus.activate(o);
  p.publish("e");
  await tick();
  assert.deepEqual(got, ["e"]);
  assert.equal(await p.request("q"), "answer");
  assert.deepEqual(log.lines, []);
  await bus.shutdown();
});

Deno.test("shared: a replaced generation's subscribe is ignored with a warning", async () => {
  const { bus, log, live } = makeBus();
  const old = live("b/sub", 3);
  live("b/sub", 4);
  old.subscribe("e", () => {});
  assert.deepEqual(bus.describe().subscriptions, []);
  assert.deepEqual(log.lines.map((l) => [l.level, l.message, l.props]), [[
    "warn",
    'ignored subscribe("e") from a replaced generation of b/sub',
    { plugin: "b/sub", generation: 3, live: 4 },
  ]]);
  await bus.shutdown();
});
