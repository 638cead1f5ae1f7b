import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import { type Http, ok } from "@tools/http/mod.ts";
import type { Scheduler } from "@tools/scheduler/mod.ts";
import { z } from "zod";

const Report = z.object({ threshold: z.number().int().min(1) });

/**
 * `POST /inventory/reports` answers 202 at once and leaves the work to the background job
 * `inventory.stock_report`, which counts products below the threshold and keeps one row per job
 * in `stock_reports` (idempotent by job id: delivery is at least once).
 */
export default class StockReportPlugin extends BasePlugin {
  constructor(private db: Db, private http: Http, private scheduler: Scheduler) {
    super();
  }

  override onBoot() {
    const report = this.scheduler.job("inventory.stock_report", {
      schema: Report,
      retries: 3,
      handler: async (job) => {
        const row = await this.db.queryOne<{ n: number }>(
          "SELECT COUNT(*) AS n FROM stock WHERE quantity < $1",
          [job.payload.threshold],
        );
        await this.db.execute(
          "INSERT INTO stock_reports (job_id, threshold, low_count) VALUES ($1, $2, $3) " +
            "ON CONFLICT (job_id) DO NOTHING",
          [job.id, job.payload.threshold, Number(row?.n ?? 0)],
        );
      },
    });
    this.http.addEndpoint("/inventory/reports", "POST", async (data, ctx) => {
      const jobId = await report.enqueue({ threshold: data.threshold });
      ctx.setStatus(202);
      return { success: true, data: { jobId } };
    }, {
      body: Report,
      responses: { 202: ok(z.object({ jobId: z.string() })) },
      tags: ["inventory"],
      summary: "Start a stock report in the background",
    });
  }
}
