import assert from "node:assert/strict";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { TelemetryTool } from "./tool.ts";
import type { Tracing } from "./otel.ts";

Deno.test("telemetry settings: trees kept by default in dev and tests, none in start unless asked", () => {
  const kept = (mode: "dev" | "start" | "test", env: Record<string, string> = {}) => {
    const t = new TelemetryTool();
    t.setup(standaloneContext({ mode, env }));
    return [t.traceStore.max, t.metrics ? "on" : "off"];
  };
  assert.deepEqual(kept("dev"), [200, "on"]);
  assert.deepEqual(kept("test"), [200, "on"]);
  assert.deepEqual(kept("start"), [0, "on"]);
  assert.deepEqual(kept("start", { TELEMETRY_TRACES: "50", TELEMETRY_METRICS: "off" }), [
    50,
    "off",
  ]);
  assert.deepEqual(kept("dev", { TELEMETRY_TRACES: "0" }), [0, "on"]);
});

Deno.test("telemetry settings: a bad value fails setup, saying what is allowed", () => {
  const setup = (env: Record<string, string>) =>
    new TelemetryTool().setup(standaloneContext({ mode: "start", env }));
  assert.throws(
    () => setup({ TELEMETRY_TRACES: "-1" }),
    /TELEMETRY_TRACES must be a whole number from 0/,
  );
  assert.throws(() => setup({ TELEMETRY_TRACES: "lots" }), /TELEMETRY_TRACES/);
  assert.throws(
    () => setup({ TELEMETRY_METRICS: "yes" }),
    /TELEMETRY_METRICS must be "on" or "off": yes/,
  );
});

Deno.test("OpenTelemetry: off without a tracer provider; a reload (generation > 1) is a span", () => {
  const plain = new TelemetryTool();
  plain.setup(standaloneContext({}));
  assert.equal(plain.tracing, undefined, "no OTEL_DENO in tests: no spans, the tools skip them");
  const reloads: unknown[][] = [];
  const tracing = { reload: (...a: unknown[]) => void reloads.push(a) } as unknown as Tracing;
  const t = new TelemetryTool({ tracing });
  t.setup(standaloneContext({}));
  t.activate({ id: "shop/orders", generation: 1 });
  t.activate({ id: "shop/orders", generation: 2 });
  assert.deepEqual(reloads, [["shop/orders", 0, true]]);
});
