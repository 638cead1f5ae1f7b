/**
 * Connection health on its own: how long one probe may take. (Reports and probing until the
 * server answers: postgres_fault_test.ts.)
 * @module
 */
import assert from "node:assert/strict";
import { ConnectionHealth } from "./health.ts";

Deno.test("connection health: a probe may take up to intervalMs when that is over 1 s", async () => {
  const reports: string[] = [];
  let probes = 0;
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => ready = r);
  const h = new ConnectionHealth({
    report: (state) => {
      reports.push(state);
      if (state === "ready") ready();
    },
    // slower than the 1 s floor, faster than intervalMs: within the bound
    probe: () => (probes++, new Promise((r) => setTimeout(r, 1_100))),
    what: "PostgreSQL at x",
    intervalMs: 1_200,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    h.lost(new Error("cut"));
    const late = new Promise((r) => timer = setTimeout(() => r("late"), 4_000));
    assert.equal(await Promise.race([isReady.then(() => "ready"), late]), "ready");
    assert.deepEqual([reports, probes], [["degraded", "ready"], 1]);
  } finally {
    clearTimeout(timer);
    h.close();
  }
});
