/**
 * Contract tests: the kit's stand-ins must behave like the real tools. Each case runs against
 * the kit's version and the real tool; both must pass.
 * - `logger`: CaptureLoggerTool (a fake: no LogTape) vs LoggerTool (LogTape, writing entries).
 * - `event_bus`: RecordingEventBus (the real bus + recording) vs EventBusTool.
 * The other tools in a plugin test are the real ones (see testing/tools.ts).
 */
import assert from "node:assert/strict";
import type { Owner, Tool } from "@core";
import { standaloneContext } from "./standalone.ts";
import {
  BusError,
  type Envelope,
  type EventBusOptions,
  EventBusTool,
  type UntypedEventBus,
} from "@tools/event_bus/mod.ts";
import { type Level, type LogEntry, type Logger, LoggerTool } from "@tools/logger/mod.ts";
import { CaptureLoggerTool, RecordingEventBus } from "./mod.ts";

const owner = (id: string, generation = 1): Owner => ({ id, generation, domain: "d" });
const tick = () => new Promise((r) => setTimeout(r, 0));

// ---- logger ----------------------------------------------------------------------------------

interface LoggerUnderTest {
  logger(id: string): Logger;
  records(): LogEntry[];
  close(): Promise<void>;
}

const loggers: Record<string, (level: Level) => Promise<LoggerUnderTest>> = {
  "kit CaptureLoggerTool": (level) => {
    const tool = new CaptureLoggerTool({ level });
    return Promise.resolve({
      logger: (id) => tool.forOwner(owner(id)),
      records: () => tool.capture.records,
      close: () => Promise.resolve(),
    });
  },
  "real LoggerTool": async (level) => {
    const records: LogEntry[] = [];
    const tool = new LoggerTool({ level, write: (_line, e) => records.push(e) });
    await tool.setup(standaloneContext({ mode: "test" }));
    return {
      logger: (id) => tool.forOwner(owner(id)),
      records: () => records,
      close: () => tool.shutdown(),
    };
  },
};

for (const [name, make] of Object.entries(loggers)) {
  Deno.test(`logger contract (${name}): records, levels, child, with, lazy props`, async () => {
    const l = await make("debug");
    try {
      const log = l.logger("shop/buy");
      log.info("bought", { id: 1 });
      log.child("sql").with({ req: "r1" }).warn("slow", () => ({ ms: 90 }));
      log.error("failed");
      log.debug("detail");
      const got = l.records().map(({ level, owner, category, message, props }) => ({
        level,
        owner,
        category: [...category],
        message,
        props,
      }));
      assert.deepEqual(got, [
        {
          level: "info",
          owner: "shop/buy",
          category: ["shop/buy"],
          message: "bought",
          props: { id: 1 },
        },
        {
          level: "warn",
          owner: "shop/buy",
          category: ["shop/buy", "sql"],
          message: "slow",
          props: { req: "r1", ms: 90 },
        },
        { level: "error", owner: "shop/buy", category: ["shop/buy"], message: "failed", props: {} },
        { level: "debug", owner: "shop/buy", category: ["shop/buy"], message: "detail", props: {} },
      ]);
      assert.ok(l.records().every((r) => typeof r.time === "number"));
    } finally {
      await l.close();
    }
  });

  Deno.test(`logger contract (${name}): the level filters records and isEnabled`, async () => {
    const l = await make("warn");
    try {
      const log = l.logger("shop/buy");
      let computed = false;
      log.info("dropped", () => (computed = true, {}));
      log.warn("kept");
      assert.equal(computed, false);
      assert.deepEqual(l.records().map((r) => r.message), ["kept"]);
      assert.equal(log.isEnabled("info"), false);
      assert.equal(log.isEnabled("error"), true);
    } finally {
      await l.close();
    }
  });
}

// ---- event_bus -------------------------------------------------------------------------------

const buses: Record<string, (o?: EventBusOptions) => EventBusTool> = {
  "kit RecordingEventBus": (o) => new RecordingEventBus(o),
  "real EventBusTool": (o) => new EventBusTool(o),
};

function live(bus: Tool, id: string): UntypedEventBus {
  const o = owner(id);
  const api = bus.forOwner!(o) as UntypedEventBus;
  bus.activate!(o);
  return api;
}

for (const [name, make] of Object.entries(buses)) {
  Deno.test(`event_bus contract (${name}): publish delivers a frozen copy to matches`, async () => {
    const bus = make();
    try {
      const a = live(bus, "d/a"), b = live(bus, "d/b");
      const got: Envelope[] = [];
      b.subscribe("product.*", (e) => void got.push(e));
      const payload = { id: 1, tags: ["x"] };
      a.publish("product.created", payload);
      a.publish("order.created", {});
      payload.tags.push("changed");
      assert.equal(got.length, 0, "delivery is asynchronous");
      await tick();
      assert.equal(got.length, 1);
      assert.deepEqual(got[0].payload, { id: 1, tags: ["x"] });
      assert.equal(got[0].source, "d/a");
      assert.ok(Object.isFrozen(got[0].payload));
      assert.throws(() => a.publish("bad..name"), BusError);
    } finally {
      await bus.shutdown();
    }
  });

  Deno.test(`event_bus contract (${name}): request/respond, conflicts, release`, async () => {
    const bus = make();
    try {
      const a = live(bus, "d/a"), b = live(bus, "d/b");
      b.respond<number, number>("double", ({ payload }) => payload * 2);
      assert.equal(await a.request("double", 4), 8);
      assert.throws(() => a.respond("double", () => 0), /already has a responder/);
      await assert.rejects(
        a.request("nobody"),
        (e) => e instanceof BusError && e.code === "no_responder",
      );
      let n = 0;
      b.subscribe("x", () => void n++);
      bus.release("d/b");
      a.publish("x");
      await tick();
      assert.equal(n, 0);
      await assert.rejects(a.request("double", 1), (e) => (e as BusError).code === "no_responder");
      assert.equal(bus.describeOwner("d/b"), undefined);
    } finally {
      await bus.shutdown();
    }
  });
}
