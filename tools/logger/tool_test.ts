/**
 * The logger tool: JSON and pretty lines, levels and format from its settings, LogTape routing.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import type { LogSink, Mode } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import defaultTool, { type LogEntry, LoggerTool, prettyLine } from "./mod.ts";

const kernel = { id: "kernel", generation: 0 };
const plugin = { id: "users/create_user", generation: 1, domain: "users" };

/** A logger tool set up for `mode`, writing into `lines`. */
async function started(
  mode: Mode,
  env: Record<string, string> = {},
  extra: { format?: "json" | "pretty" } = {},
) {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const tool = new LoggerTool({
    ...extra,
    color: false,
    write: (line, entry) => {
      lines.push(line);
      entries.push(entry);
    },
  });
  await tool.setup(standaloneContext({ mode, env }));
  return { tool, lines, entries };
}

describe("logger tool", () => {
  it("is the tool named logger", () => {
    assert.equal(new defaultTool().name, "logger");
  });

  it("writes one JSON line per record in start mode, with time, level, owner, category, message, props", async () => {
    const { tool, lines } = await started("start");
    try {
      const log = tool.forOwner(plugin);
      log.info("user created", { id: 7, email: "a@b.c" });
      log.child("sql").warn("slow query", { ms: 812 });
      log.error("no props");
      assert.equal(lines.length, 3);
      const [a, b, c] = lines.map((l) => JSON.parse(l));
      assert.deepEqual(Object.keys(a), ["time", "level", "owner", "category", "message", "props"]);
      assert.match(a.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(a.time) - Date.now()) < 5000);
      assert.equal(a.level, "info");
      assert.equal(a.owner, "users/create_user");
      assert.equal(a.category, "users/create_user");
      assert.equal(a.message, "user created");
      assert.deepEqual(a.props, { id: 7, email: "a@b.c" });
      assert.equal(b.level, "warn");
      assert.equal(b.owner, "users/create_user");
      assert.equal(b.category, "users/create_user.sql");
      assert.deepEqual(b.props, { ms: 812 });
      assert.equal(c.level, "error");
      assert.equal("props" in c, false);
      for (const l of lines) assert.equal(l.includes("\n"), false);
    } finally {
      await tool.shutdown();
    }
  });

  it("serves the kernel as a LogSink", async () => {
    const { tool, lines } = await started("start");
    try {
      const sink: LogSink = tool.forOwner(kernel);
      sink.info("booted", { plugins: 3 });
      const rec = JSON.parse(lines[0]);
      assert.equal(rec.owner, "kernel");
      assert.equal(rec.message, "booted");
    } finally {
      await tool.shutdown();
    }
  });

  it("keeps messages verbatim: braces are not template placeholders", async () => {
    const { tool, lines } = await started("start");
    try {
      tool.forOwner(plugin).info("Unexpected token { in {json}", { json: "x" });
      assert.equal(JSON.parse(lines[0]).message, "Unexpected token { in {json}");
    } finally {
      await tool.shutdown();
    }
  });

  it("turns Errors, bigints and cycles in props into JSON without throwing", async () => {
    const { tool, lines } = await started("start");
    try {
      const cyc: Record<string, unknown> = { a: 1 };
      cyc.self = cyc;
      tool.forOwner(plugin).error("failed", { err: new TypeError("bad"), n: 10n, cyc });
      const rec = JSON.parse(lines[0]);
      assert.equal(rec.props.err.name, "TypeError");
      assert.equal(rec.props.err.message, "bad");
      assert.match(rec.props.err.stack, /TypeError: bad/);
      assert.equal(rec.props.n, "10");
      assert.equal(rec.props.cyc.self, "[Circular]");
    } finally {
      await tool.shutdown();
    }
  });

  it("prints human lines in dev mode", async () => {
    const { tool, lines } = await started("dev");
    try {
      tool.forOwner(plugin).info("user created", { id: 7, name: "Ann Lee" });
      assert.match(
        lines[0],
        /^\d\d:\d\d:\d\d\.\d{3} INF users\/create_user {2}user created id=7 name="Ann Lee"$/,
      );
    } finally {
      await tool.shutdown();
    }
  });

  it("colours pretty lines unless told not to", () => {
    const entry: LogEntry = {
      time: 0,
      level: "error",
      owner: "x",
      category: ["x"],
      message: "m",
      props: {},
    };
    assert.ok(prettyLine(entry, true).includes("\x1b[31mERR"));
    assert.equal(prettyLine(entry, false).includes("\x1b"), false);
  });

  it("LOG_FORMAT=json overrides the dev default", async () => {
    const { tool, lines } = await started("dev", { LOG_FORMAT: "json" });
    try {
      tool.forOwner(plugin).info("x");
      assert.equal(JSON.parse(lines[0]).message, "x");
    } finally {
      await tool.shutdown();
    }
  });

  it("honours LOG_LEVEL, accepting warning and warn", async () => {
    for (const value of ["warning", "WARN"]) {
      const { tool, entries } = await started("start", { LOG_LEVEL: value });
      try {
        const log = tool.forOwner(plugin);
        log.debug("d");
        log.info("i");
        log.warn("w");
        log.error("e");
        assert.deepEqual(entries.map((e) => e.message), ["w", "e"]);
        assert.equal(tool.level, "warn");
      } finally {
        await tool.shutdown();
      }
    }
    const { tool, entries } = await started("start", { LOG_LEVEL: "debug" });
    try {
      tool.forOwner(plugin).debug("d");
      assert.deepEqual(entries.map((e) => e.message), ["d"]);
    } finally {
      await tool.shutdown();
    }
  });

  it("defaults to info, and warns about an unknown LOG_LEVEL", async () => {
    const { tool, entries } = await started("start", { LOG_LEVEL: "loud" });
    try {
      tool.forOwner(plugin).debug("hidden");
      tool.forOwner(plugin).info("shown");
      assert.equal(entries.length, 2);
      assert.equal(entries[0].owner, "logger");
      assert.match(entries[0].message, /LOG_LEVEL=loud/);
      assert.equal(entries[1].message, "shown");
    } finally {
      await tool.shutdown();
    }
  });

  it("is quiet in test mode unless LOG_LEVEL is set", async () => {
    const quiet = await started("test");
    try {
      quiet.tool.forOwner(plugin).error("nobody hears this");
      assert.equal(quiet.lines.length, 0);
      assert.equal(quiet.tool.level, "silent");
    } finally {
      await quiet.tool.shutdown();
    }
    const loud = await started("test", { LOG_LEVEL: "error" });
    try {
      loud.tool.forOwner(plugin).error("heard");
      assert.equal(loud.lines.length, 1);
    } finally {
      await loud.tool.shutdown();
    }
  });

  it("does not compute lazy props when the level is off", async () => {
    const { tool, entries } = await started("start");
    try {
      let calls = 0;
      const log = tool.forOwner(plugin);
      log.debug("skip", () => (calls++, { big: 1 }));
      assert.equal(calls, 0);
      assert.equal(log.isEnabled("debug"), false);
      log.info("take", () => (calls++, { big: 1 }));
      assert.equal(calls, 1);
      assert.deepEqual(entries[0].props, { big: 1 });
    } finally {
      await tool.shutdown();
    }
  });

  it("with() binds props to every record", async () => {
    const { tool, entries } = await started("start");
    try {
      const req = tool.forOwner(plugin).with({ requestId: "r1" });
      req.info("a", { x: 1 });
      req.child("db").info("b");
      assert.deepEqual(entries[0].props, { requestId: "r1", x: 1 });
      assert.deepEqual(entries[1].props, { requestId: "r1" });
      assert.deepEqual(entries[1].category, ["users/create_user", "db"]);
    } finally {
      await tool.shutdown();
    }
  });

  it("routes records of other LogTape users through the same sink", async () => {
    const { tool, lines } = await started("start");
    try {
      getLogger(["somelib", "net"]).warn("retrying {n}", { n: 2 });
      const rec = JSON.parse(lines[0]);
      assert.equal(rec.owner, "somelib");
      assert.equal(rec.category, "somelib.net");
      assert.equal(rec.message, "retrying 2");
    } finally {
      await tool.shutdown();
    }
  });

  it("still writes after shutdown, so the kernel's last lines are not lost", async () => {
    const { tool, lines } = await started("start");
    await tool.shutdown();
    await tool.shutdown(); // safe twice
    tool.forOwner(kernel).info("bye");
    assert.equal(JSON.parse(lines[0]).message, "bye");
  });

  it("never throws into the caller, even when lazy props throw", async () => {
    const { tool, entries } = await started("start");
    try {
      tool.forOwner(plugin).info("x", () => {
        throw new Error("boom");
      });
      assert.deepEqual(entries[0].props, { propsError: "boom" });
    } finally {
      await tool.shutdown();
    }
  });

  it("reads only the settings it declares", async () => {
    const tool = new LoggerTool({ write: () => {} });
    const read: string[] = [];
    const ctx = standaloneContext({ mode: "start" });
    await tool.setup({ ...ctx, env: (k) => (read.push(k), ctx.env(k)) });
    await tool.shutdown();
    assert.deepEqual(read.sort(), ["LOG_FORMAT", "LOG_LEVEL"]);
    for (const key of read) assert.ok(Object.hasOwn(tool.env, key), `${key} is not declared`);
  });
});
