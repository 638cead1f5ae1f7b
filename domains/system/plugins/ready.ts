import { BasePlugin, type StatusEntry, type StatusRegistry } from "@core";
import { failure, type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";

/** One reason the app is not ready. */
interface Problem {
  kind: StatusEntry["kind"];
  id: string;
  state: StatusEntry["state"];
  error?: string;
}

/** Entries that make the app unready: a failed or degraded tool, a failed plugin. */
function problems(status: StatusRegistry): Problem[] {
  return status.list()
    .filter((e) =>
      e.kind === "tool" ? e.state === "failed" || e.state === "degraded" : e.state === "failed"
    )
    .map((e) => ({ kind: e.kind, id: e.id, state: e.state, error: e.error?.message }));
}

/**
 * `GET /health/ready`: readiness, what Kubernetes and load balancers probe before sending
 * traffic. 200 when every tool is ready and no plugin failed; 503 naming each tool that failed or
 * cannot reach its service (degraded) and each plugin that failed. `/health` stays liveness.
 */
export default class ReadyPlugin extends BasePlugin {
  constructor(private http: Http, private status: StatusRegistry) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/health/ready", "GET", (_data, ctx) => {
      const found = problems(this.status);
      if (found.length === 0) return { success: true, data: { status: "ready" } };
      ctx.setStatus(503);
      ctx.setHeader("retry-after", "5");
      const said = found.map((p) =>
        `${p.kind} ${p.id} ${p.state}${p.error ? ` (${p.error})` : ""}`
      );
      return {
        success: false,
        error: `not ready: ${said.join("; ")}`,
        details: { problems: found },
      };
    }, {
      responses: { 200: ok(z.object({ status: z.literal("ready") })), 503: failure },
      tags: ["system"],
      summary: "Readiness check (503 names what is failed or degraded)",
    });
  }
}
