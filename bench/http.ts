/**
 * Scenario `http`: GET of a small JSON object and POST of a Zod-validated JSON body, served by a
 * plugin through the real app (`deno task start` on a temp copy), against a bare Hono app and a
 * raw `Deno.serve` handler doing the same work, and a Hono app sending the same three security
 * headers the kernel sends on every response (the like-for-like baseline since the kernel is
 * secure by default); and the app with `HTTP_REQUEST_ID=always` (an id
 * on every response) against bare Hono and Hono with its own `requestId()` middleware, and with
 * metrics off (`TELEMETRY_METRICS=off`) against the default (on). Load from
 * `wrk` over loopback; the server and wrk run on different cores. Each round runs every server
 * back to back (alternating the order); a ratio is the median of the per-round ratios. Reports
 * req/s, p50/p99 latency and server CPU per request.
 * @module
 */
import { projectRoot as REPO } from "@core";
import { ITEM_BODY } from "./fixtures/item.ts";
import { canReadCpu, cpuMs, DENO, type Proc, SERVER_CPU, spawn } from "./proc.ts";
import { projectWith, removeProject, startApp } from "./project.ts";
import type { Row } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario.ts";
import { median, round } from "./stats.ts";
import { ensureWrk, wrk, type WrkResult } from "./wrk.ts";

const HELLO = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

export default class Hello extends BasePlugin {
  constructor(private http: Http) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/hello", "GET", () => ({ success: true, message: "hi" }));
  }
}
`;

const ITEMS = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";
import { z } from "zod";

const Item = z.object({ name: z.string().min(1), price: z.number().positive() });

export default class Items extends BasePlugin {
  constructor(private http: Http) {
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

const BASELINES = {
  hono: "bare Hono",
  "hono-secure": "Hono + the same security headers",
  "hono-rid": "Hono + requestId()",
  raw: "raw Deno.serve",
} as const;

async function baseline(kind: keyof typeof BASELINES): Promise<Server> {
  const script = `${REPO}/bench/servers/http_baselines.ts`;
  const proc = await spawn(DENO, ["run", "--allow-net=127.0.0.1", script, kind], {
    cwd: REPO,
    cpu: SERVER_CPU,
  });
  const line = await proc.waitForLine(/PORT \d+/, 30_000).catch(async (e) => {
    await proc.stop(500);
    throw e;
  });
  return { name: BASELINES[kind], url: `http://127.0.0.1:${/PORT (\d+)/.exec(line)![1]}`, proc };
}

/** The real app (`deno task start`) with the two bench plugins; `env` on top of the defaults. */
async function kernelApp(name: string, env: Record<string, string> = {}): Promise<Server> {
  const dir = await projectWith(0);
  await Deno.mkdir(`${dir}/domains/bench/plugins`, { recursive: true });
  await Deno.writeTextFile(`${dir}/domains/bench/plugins/hello.ts`, HELLO);
  await Deno.writeTextFile(`${dir}/domains/bench/plugins/items.ts`, ITEMS);
  const app = await startApp(dir, "start", { cpu: SERVER_CPU, env })
    .catch(async (e) => {
      await removeProject(dir);
      throw e;
    });
  return { name, url: app.url, proc: app, cleanup: () => removeProject(dir) };
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
  warm: boolean,
): Promise<Measured> {
  const url = s.url + path;
  const opts = { connections: 32, postJson: post ? ITEM_BODY : undefined };
  if (warm) await wrk(url, { ...opts, durationS: o.quick ? 1 : 2 }); // JIT, pools
  const cpu0 = await canReadCpu(s.proc.pid) ? await cpuMs(s.proc.pid) : NaN;
  const r = await wrk(url, { ...opts, durationS: o.quick ? 2 : 4 });
  const cpu = Number.isNaN(cpu0) ? NaN : await cpuMs(s.proc.pid) - cpu0;
  if (r.non2xx || r.socketErrors) {
    throw new Error(`${s.name} ${path}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
  }
  return { ...r, cpuUs: (cpu * 1000) / r.requests };
}

const KERNEL = "kernel + plugin";
const ALWAYS = "kernel, HTTP_REQUEST_ID=always";
const NO_METRICS = "kernel, TELEMETRY_METRICS=off";

/** Runs the scenario. */
export async function run(o: BenchOptions): Promise<ScenarioResult> {
  await ensureWrk();
  const rounds = o.quick ? 1 : 4;
  const servers: Server[] = [];
  try {
    servers.push(
      await kernelApp(KERNEL),
      await kernelApp(ALWAYS, { HTTP_REQUEST_ID: "always" }),
      await kernelApp(NO_METRICS, { TELEMETRY_METRICS: "off" }),
      await baseline("hono"),
      await baseline("hono-secure"),
      await baseline("hono-rid"),
      await baseline("raw"),
    );
    const runs = new Map<string, Measured[]>();
    for (
      const [label, path, post] of [["GET", "/hello", false], ["POST", "/items", true]] as const
    ) {
      for (let r = 0; r < rounds; r++) {
        // Alternate the order so drift on a shared machine hits every server alike.
        const order = r % 2 ? [...servers].reverse() : servers;
        for (const s of order) {
          const m = await measure(s, path, post, o, r === 0);
          o.log(
            `${label} ${s.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ` +
              `${round(m.cpuUs)} µs CPU/req`,
          );
          const key = `${label} ${s.name}`;
          runs.set(key, [...runs.get(key) ?? [], m]);
        }
      }
    }
    return { rows: rows(runs, rounds), details: Object.fromEntries(runs) };
  } finally {
    for (const s of servers) {
      await s.proc.stop();
      await s.cleanup?.();
    }
  }
}

/** Median of one field over a server's rounds. */
function med(runs: Measured[], f: (m: Measured) => number): number {
  return median(runs.map(f));
}

/** Median over rounds of the per-round ratio a/b (each round measured a and b back to back). */
function ratioOf(a: Measured[], b: Measured[]): number {
  return median(a.map((m, i) => m.rps / b[i].rps));
}

function rows(runs: Map<string, Measured[]>, rounds: number): Row[] {
  const out: Row[] = [];
  for (const label of ["GET", "POST"]) {
    const get = (name: string) => runs.get(`${label} ${name}`)!;
    const k = get(KERNEL), always = get(ALWAYS), noMetrics = get(NO_METRICS);
    const hono = get(BASELINES.hono), rid = get(BASELINES["hono-rid"]), raw = get(BASELINES.raw);
    const secure = get(BASELINES["hono-secure"]);
    const what = label === "GET" ? "GET small JSON" : "POST validated JSON";
    const requests = k.reduce((n, m) => n + m.requests, 0);
    const samples = `median of ${rounds}; ${requests.toLocaleString("en-US")} req`;
    const rps = (xs: Measured[]) => med(xs, (m) => m.rps);
    const ratio = ratioOf(k, hono);
    out.push(
      {
        scenario: "http",
        case: `${what}: req/s, kernel vs bare Hono`,
        value: rps(k),
        unit: "req/s",
        baseline: { name: "bare Hono", value: rps(hono) },
        ratio,
        target: "≥ 0.90×",
        pass: ratio >= 0.9,
        samples,
      },
      {
        // The telemetry tool counts every request (GET /metrics); this is what that costs.
        scenario: "http",
        case: `${what}: req/s, metrics on vs off (TELEMETRY_METRICS=off)`,
        value: rps(k),
        unit: "req/s",
        baseline: { name: "metrics off", value: rps(noMetrics) },
        ratio: ratioOf(k, noMetrics),
        target: "≥ 0.95×",
        pass: ratioOf(k, noMetrics) >= 0.95,
        samples,
      },
      {
        // Every kernel response carries three security headers (secure by default), which takes
        // it off Deno's fastest response path: this is the like-for-like comparison.
        scenario: "http",
        case: `${what}: req/s, kernel vs Hono sending the same security headers`,
        value: rps(k),
        unit: "req/s",
        baseline: { name: BASELINES["hono-secure"], value: rps(secure) },
        ratio: ratioOf(k, secure),
        target: "≥ 0.90×",
        pass: ratioOf(k, secure) >= 0.9,
        samples,
      },
      {
        // Every response stamped with x-request-id takes Deno off its fastest response path;
        // Hono's own request-id middleware pays the same, so it is the like-for-like baseline.
        scenario: "http",
        case: `${what}: req/s, kernel with HTTP_REQUEST_ID=always vs bare Hono`,
        value: rps(always),
        unit: "req/s",
        baseline: { name: "bare Hono", value: rps(hono) },
        ratio: ratioOf(always, hono),
        samples,
      },
      {
        scenario: "http",
        case: `${what}: req/s, kernel with HTTP_REQUEST_ID=always vs Hono + requestId()`,
        value: rps(always),
        unit: "req/s",
        baseline: { name: "Hono + requestId()", value: rps(rid) },
        ratio: ratioOf(always, rid),
        samples,
      },
      {
        scenario: "http",
        case: `${what}: req/s, kernel vs raw Deno.serve`,
        value: rps(k),
        unit: "req/s",
        baseline: { name: "raw Deno.serve", value: rps(raw) },
        ratio: ratioOf(k, raw),
        samples,
      },
      {
        scenario: "http",
        case: `${what}: p50 latency (32 conns)`,
        value: med(k, (m) => m.p50),
        unit: "ms",
        baseline: { name: "bare Hono", value: med(hono, (m) => m.p50) },
        ratio: med(k, (m) => m.p50) / med(hono, (m) => m.p50),
        samples,
      },
      {
        scenario: "http",
        case: `${what}: p99 latency (32 conns)`,
        value: med(k, (m) => m.p99),
        unit: "ms",
        baseline: { name: "bare Hono", value: med(hono, (m) => m.p99) },
        ratio: med(k, (m) => m.p99) / med(hono, (m) => m.p99),
        samples,
      },
      {
        scenario: "http",
        case: `${what}: server CPU per request`,
        value: med(k, (m) => m.cpuUs),
        unit: "µs",
        baseline: { name: "bare Hono", value: med(hono, (m) => m.cpuUs) },
        ratio: med(k, (m) => m.cpuUs) / med(hono, (m) => m.cpuUs),
        samples,
        note: `raw Deno.serve ${round(med(raw, (m) => m.cpuUs))} µs`,
      },
    );
  }
  return out;
}
