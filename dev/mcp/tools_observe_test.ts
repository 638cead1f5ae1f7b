import assert from "node:assert/strict";
import { Recorder } from "./recorder.ts";
import { CAUSAL_NOTE, getTraces, TRACE_GAPS } from "./tools_observe.ts";

Deno.test("get_traces: the telemetry tool's causal trees when it runs, with the query passed on", () => {
  const rec = new Recorder();
  const asked: unknown[] = [];
  const tree = { kind: "request", id: "r-1", children: [{ kind: "event", id: "e-1" }] };
  const causal = (q: { id?: string; limit?: number }) => {
    asked.push(q);
    return [tree];
  };
  const one = getTraces(rec, { request_id: "r-1" }, causal);
  assert.deepEqual(one.causal, [tree]);
  assert.equal(one.note, CAUSAL_NOTE);
  const recent = getTraces(rec, { limit: 5 }, causal);
  assert.deepEqual(recent.causal, [tree]);
  assert.deepEqual(asked, [{ id: "r-1", limit: 20 }, { id: undefined, limit: 5 }]);
  // Without the telemetry tool: what the MCP server recorded, and what is missing.
  const bare = getTraces(rec, { request_id: "r-1" });
  assert.equal("causal" in bare, false);
  assert.equal(bare.note, TRACE_GAPS);
});
