/**
 * Scenario `http`: GET of a small JSON object and POST of a Zod-validated JSON body, served by a
 * plugin through the real app (`deno task start` on a temp copy), against a bare Hono app and a
 * raw `Deno.serve` handler doing the same work. Load from `wrk` over loopback; the server and
 * wrk run on different cores. Reports req/s, p50/p99 latency and server CPU per request.
 * @module
 */
import { ITEM_BODY } from "./fixtures/item.ts";
import { canReadCpu, cpuMs, DENO, type Proc, SERVER_CPU, spawn } from "./proc.ts";
import { projectWith, removeProject, startApp } from "./project.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { round } from "./stats.ts";
import { ensureWrk, wrk, type WrkResult } from "./wrk.ts";

const HELLO = `import { BasePlugin } from "@core";
import type { HttpTool } from "@tools/http/mod.ts";

export default class Hello extends BasePlugin {
  constructor(private http: HttpTool) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/hello", "GET", () => ({ success: true, message: "hi" }));
  }
}
`;

const ITEMS = `import { BasePlugin } from "@core";
import type { HttpTool } from "@tools/http/mod.ts";
import { z } from "zod";

const Item = z.object({ name: z.string().min(1), price: z.number().positive() });

export default class Items extends BasePlugin {
  constructor(private http: HttpTool) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/items", "POST", (data) => ({ success: true, data }), { body: Item });
  }
}
`;

interface Server {
  name: string;
  url: string;
  proc: Proc;
  cleanup?: () => Promise<void>;
}

const REPO = decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");

async function baseline(kind: "hono" | "hono-rid" | "raw" | "tool"): Promise<Server> {
  const script = kind === "tool"
    ? `${REPO}/tools/http/bench_http.ts` // the http tool alone (its own bench's server)
    : `${REPO}/bench/servers/http_baselines.ts`;
  const args = kind === "tool"
    ? ["run", "--allow-net=127.0.0.1", "--allow-env", "--allow-read", script, "serve", "tool"]
    : ["run", "--allow-net=127.0.0.1", script, kind];
  const proc = await spawn(DENO, args, { cwd: REPO, cpu: SERVER_CPU });
  const line = await proc.waitForLine(/PORT \d+/, 30_000).catch(async (e) => {
    await proc.stop(500);
    throw e;
  });
  const name = {
    hono: "bare Hono",
    "hono-rid": "Hono + requestId()",
    raw: "raw Deno.serve",
    tool: "http tool alone",
  }[kind];
  return { name, url: `http://127.0.0.1:${/PORT (\d+)/.exec(line)![1]}`, proc };
}

async function kernelApp(): Promise<Server> {
  const dir = await projectWith(0);
  await Deno.mkdir(`${dir}/domains/bench/plugins`, { recursive: true });
  await Deno.writeTextFile(`${dir}/domains/bench/plugins/hello.ts`, HELLO);
  await Deno.writeTextFile(`${dir}/domains/bench/plugins/items.ts`, ITEMS);
  const app = await startApp(dir, "start", { cpu: SERVER_CPU })
    .catch(async (e) => {
      await removeProject(dir);
      throw e;
    });
  return { name: "kernel + plugin", url: app.url, proc: app, cleanup: () => removeProject(dir) };
}

interface Measured extends WrkResult {
  /** Server CPU per request (µs), NaN when /proc is not readable. */
  cpuUs: number;
}

async function measure(
  s: Server,
  path: string,
  post: boolean,
  o: BenchOptions,
): Promise<Measured> {
  const url = s.url + path;
  const opts = { connections: 32, postJson: post ? ITEM_BODY : undefined };
  await wrk(url, { ...opts, durationS: o.quick ? 1 : 2 }); // warm-up (JIT, pools)
  const cpu0 = await canReadCpu(s.proc.pid) ? await cpuMs(s.proc.pid) : NaN;
  const r = await wrk(url, { ...opts, durationS: o.quick ? 2 : 5 });
  const cpu = Number.isNaN(cpu0) ? NaN : await cpuMs(s.proc.pid) - cpu0;
  if (r.non2xx || r.socketErrors) {
    throw new Error(`${s.name} ${path}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
  }
  return { ...r, cpuUs: (cpu * 1000) / r.requests };
}

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  await ensureWrk();
  const rounds = o.quick ? 1 : 3;
  const servers: Server[] = [];
  try {
    servers.push(
      await kernelApp(),
      await baseline("hono"),
      await baseline("hono-rid"),
      await baseline("raw"),
    );
    const tool = await baseline("tool").catch((e) => {
      o.log(`http tool alone: skipped (${(e as Error).message.split("\n")[0]})`);
      return undefined;
    });
    if (tool) servers.push(tool);
    const best = new Map<string, Measured>();
    for (
      const [label, path, post] of [["GET", "/hello", false], ["POST", "/items", true]] as const
    ) {
      for (let r = 0; r < rounds; r++) {
        // Alternate the order so drift on a shared machine hits every server alike.
        const order = r % 2 ? [...servers].reverse() : servers;
        for (const s of order) {
          const m = await measure(s, path, post, o);
          o.log(
            `${label} ${s.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ` +
              `${round(m.cpuUs)} µs CPU/req`,
          );
          const key = `${label} ${s.name}`;
          if (!best.has(key) || best.get(key)!.rps < m.rps) best.set(key, m);
        }
      }
    }
    return { rows: rows(best, rounds, servers), details: Object.fromEntries(best) };
  } finally {
    for (const s of servers) {
      await s.proc.stop();
      await s.cleanup?.();
    }
  }
}

function rows(best: Map<string, Measured>, rounds: number, servers: Server[]): Row[] {
  const out: Row[] = [];
  for (const label of ["GET", "POST"]) {
    const k = best.get(`${label} kernel + plugin`)!;
    const hono = best.get(`${label} bare Hono`)!;
    const raw = best.get(`${label} raw Deno.serve`)!;
    const rid = best.get(`${label} Hono + requestId()`)!;
    const what = label === "GET" ? "GET small JSON" : "POST validated JSON";
    const samples = `best of ${rounds}; ${k.requests.toLocaleString("en-US")} req`;
    const ratio = k.rps / hono.rps;
    out.push(
      {
        scenario: "http",
        case: `${what}: req/s, kernel vs bare Hono`,
        value: k.rps,
        unit: "req/s",
        baseline: { name: "bare Hono", value: hono.rps },
        ratio,
        target: "≥ 0.90×",
        pass: ratio >= 0.9,
        samples,
      },
      {
        // Like for like: our tool sends an x-request-id on every response, which takes Deno's
        // responses off their fastest path; so does Hono's own request-id middleware.
        scenario: "http",
        case: `${what}: req/s, kernel vs Hono + its requestId() middleware`,
        value: k.rps,
        unit: "req/s",
        baseline: { name: "Hono + requestId()", value: rid.rps },
        ratio: k.rps / rid.rps,
        samples,
      },
      {
        scenario: "http",
        case: `${what}: req/s, kernel vs raw Deno.serve`,
        value: k.rps,
        unit: "req/s",
        baseline: { name: "raw Deno.serve", value: raw.rps },
        ratio: k.rps / raw.rps,
        samples,
      },
      {
        scenario: "http",
        case: `${what}: p50 latency (32 conns)`,
        value: k.p50,
        unit: "ms",
        baseline: { name: "bare Hono", value: hono.p50 },
        ratio: k.p50 / hono.p50,
        samples,
      },
      {
        scenario: "http",
        case: `${what}: p99 latency (32 conns)`,
        value: k.p99,
        unit: "ms",
        baseline: { name: "bare Hono", value: hono.p99 },
        ratio: k.p99 / hono.p99,
        samples,
      },
      {
        scenario: "http",
        case: `${what}: server CPU per request`,
        value: k.cpuUs,
        unit: "µs",
        baseline: { name: "bare Hono", value: hono.cpuUs },
        ratio: k.cpuUs / hono.cpuUs,
        samples,
        note: `raw Deno.serve ${round(raw.cpuUs)} µs`,
      },
    );
    const tool = best.get(`${label} http tool alone`);
    if (tool && servers.some((s) => s.name === "http tool alone")) {
      out.push({
        scenario: "http",
        case: `${what}: req/s, http tool alone (no kernel) vs bare Hono`,
        value: tool.rps,
        unit: "req/s",
        baseline: { name: "bare Hono", value: hono.rps },
        ratio: tool.rps / hono.rps,
        samples: `best of ${rounds}`,
      });
    }
  }
  return out;
}
