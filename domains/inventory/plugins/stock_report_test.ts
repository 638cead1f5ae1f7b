import assert from "node:assert/strict";
import { bootPlugin } from "@microcore/testing";
import StockReportPlugin from "./stock_report.ts";

Deno.test("POST /inventory/reports answers 202 and the job writes the report once run", async () => {
  await using t = await bootPlugin(StockReportPlugin);
  await t.db.execute("INSERT INTO stock (product_id, quantity) VALUES (1, 2), (2, 9), (3, 0)");
  const res = await t.http.request("POST", "/inventory/reports", { threshold: 5 });
  assert.equal(res.status, 202);
  const { jobId } = res.body.data;
  assert.deepEqual(await t.rows("SELECT job_id FROM stock_reports"), []); // not run yet
  assert.deepEqual(await t.jobs.runDue(), { scheduled: 0, jobs: 1 });
  assert.deepEqual(await t.rows("SELECT job_id, threshold, low_count FROM stock_reports"), [
    { job_id: jobId, threshold: 5, low_count: 2 },
  ]);
});

Deno.test("a bad body is refused with 400 and nothing is enqueued", async () => {
  await using t = await bootPlugin(StockReportPlugin);
  const res = await t.http.request("POST", "/inventory/reports", { threshold: 0 });
  assert.equal(res.status, 400);
  assert.deepEqual(await t.jobs.queued("inventory.stock_report"), []);
});
