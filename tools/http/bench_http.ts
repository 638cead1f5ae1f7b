/**
 * Throughput of the http tool against a bare Hono app (`Deno.serve(app.fetch)`) doing the same
 * work.
 *
 *   deno run -A tools/http/bench_http.ts [--duration=5] [--connections=64] [--rounds=5]
 *     [--warmup=3] [--max-foreign=0.1] [--retries=3] [--no-pin] [--json]
 *   deno run -A tools/http/bench_http.ts serve bare|tool     # one server; prints `PORT <n>`
 *
 * Each server runs in its own child process (`… bench_http.ts serve bare|tool`); the load comes
 * from `wrk` (`apt-get install -y wrk`). Two cases: `GET /hello` (a small JSON object) and
 * `POST /items` whose JSON body is validated with Zod (through a plugin's `addEndpoint` on the
 * tool). The tool's log sink behaves like the logger tool at its default level (`info`): the
 * per-request debug line is off.
 *
 * To make the numbers trustworthy on a small box: when `taskset` exists and the machine has two
 * or more cores, the servers are pinned to core 0 and `wrk` (one thread) to core 1; each server
 * is warmed up first; then rounds alternate bare/tool (ABBA order, so drift cancels) and the
 * reported ratio is the median of the per-round ratios tool/bare. Per run: req/s, p50/p99
 * latency (wrk `--latency`), server CPU per request (utime+stime from `/proc/<pid>/stat`, all
 * threads, divided by the requests of the run) and the CPU (in cores) that other processes
 * took; a round where that is above `--max-foreign` is run again (up to
 * `--retries` times), and counted as `disturbed` if it stays noisy. `cpuRatio` (median of bare
 * CPU/request over tool CPU/request) is the number least moved by other load on the machine.
 *
 * Importable: {@link benchHttp} runs the whole thing and returns {@link HttpBenchResult}.
 * @module
 */
import { Hono } from "@hono/hono";
import { z } from "zod";
import { HttpToolImpl } from "./tool.ts";
import type { LogSink } from "@core/types.ts";
import { standaloneContext } from "@core/standalone.ts";

const Item = z.object({ name: z.string().min(1), price: z.number().positive() });
const BODY = JSON.stringify({ name: "tea", price: 3.5 });

function serveBare(): number {
  const app = new Hono();
  app.get("/hello", (c) => c.json({ success: true, message: "hi" }));
  app.post("/items", async (c) => {
    const r = Item.safeParse(await c.req.json());
    if (!r.success) return c.json({ success: false, error: r.error.message }, 400);
    return c.json({ success: true, data: r.data });
  });
  const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  return s.addr.port;
}

async function serveTool(): Promise<number> {
  // Like the logger tool at its default level (info): the per-request debug line is off.
  const quiet: LogSink & { isEnabled(level: string): boolean } = {
    debug() {},
    info() {},
    warn() {},
    error() {},
    isEnabled: (level) => level !== "debug",
  };
  const tool = new HttpToolImpl();
  tool.setup(standaloneContext({ mode: "start", log: quiet }));
  const owner = { id: "bench/plugin", generation: 1 };
  const http = tool.forOwner(owner);
  http.addEndpoint("/hello", "GET", () => ({ success: true, message: "hi" }));
  http.addEndpoint("/items", "POST", (data) => ({ success: true, data }), { body: Item });
  tool.activate(owner);
  const url = await tool.listen({ hostname: "127.0.0.1", port: 0 });
  return Number(new URL(url).port);
}

/** Options of {@link benchHttp}. */
export interface HttpBenchOptions {
  /** Seconds per measured wrk run (default 5). */
  duration?: number;
  /** wrk connections (default 64). */
  connections?: number;
  /** Measured rounds per case; each round runs bare and tool once (default 5). */
  rounds?: number;
  /** Seconds of warm-up load per server and case before measuring (default 3). */
  warmup?: number;
  /** Pin servers to core 0 and wrk to core 1 with taskset when possible (default true). */
  pin?: boolean;
  /**
   * A round (one bare and one tool run) is run again, up to {@link retries} times, when other
   * processes used more than this many cores during either run (default 0.1).
   */
  maxForeign?: number;
  /** How many times a disturbed round is run again (default 3). */
  retries?: number;
  /** Called with a line of progress (default: nothing). */
  progress?: (line: string) => void;
}

/** One wrk run against one server. */
export interface HttpRun {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user+system, all threads) per request, in microseconds; NaN without /proc. */
  cpuUsPerReq: number;
  /**
   * CPU that other processes used during the run, in cores (user+system time of all cores minus
   * the server's, wrk's and the bench's own, over the wall time). High means a disturbed run.
   */
  foreign: number;
}

/** Medians over the rounds of one server in one case. */
export interface HttpSide {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  runs: HttpRun[];
}

/** One case (`GET /hello` or `POST /items`). */
export interface HttpBenchCase {
  name: string;
  /** Median of the per-round ratios tool rps / bare rps. */
  ratio: number;
  ratios: number[];
  /** Median of the per-round ratios bare CPU per request / tool CPU per request. */
  cpuRatio: number;
  /** Rounds run again because another process disturbed them. */
  retried: number;
  /** Rounds kept although still disturbed after every retry. */
  disturbed: number;
  bare: HttpSide;
  tool: HttpSide;
}

/** What {@link benchHttp} returns. */
export interface HttpBenchResult {
  /** Whether servers and wrk were pinned to separate cores. */
  pinned: boolean;
  duration: number;
  connections: number;
  rounds: number;
  cases: HttpBenchCase[];
}

/** The median of a list of numbers (NaN when empty). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function hasCommand(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** CPU time (user+system, all threads) of a process in seconds, NaN when unknown. */
function cpuSeconds(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the `(comm)`: state is field 3; utime 14, stime 15 (1-based).
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** CPU time of this process and its reaped children (wrk), in seconds; NaN when unknown. */
function selfSeconds(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

/** User+nice+system time of one core (`cpu0`…) or all (`cpu`) in seconds, NaN when unknown. */
function coreBusySeconds(core: string): number {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n").find((l) =>
      l.startsWith(core + " ")
    );
    if (!line) return NaN;
    const f = line.trim().split(/\s+/);
    return (Number(f[1]) + Number(f[2]) + Number(f[3])) / 100;
  } catch {
    return NaN;
  }
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === "us" ? n / 1000 : unit === "ms" ? n : unit === "s" ? n * 1000 : NaN;
}

/** Parse wrk's output (with `--latency`). */
export function parseWrk(text: string): Omit<HttpRun, "cpuUsPerReq" | "foreign"> {
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const requests = Number(text.match(/(\d+) requests in/)?.[1]);
  const p = (pct: string) => {
    const m = text.match(new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m"));
    return m ? toMs(m[1], m[2]) : NaN;
  };
  return { rps, requests, p50Ms: p("50"), p99Ms: p("99") };
}

/**
 * Run the benchmark: start both servers as child processes, load them with wrk, compare.
 *
 * @example
 * ```ts
 * import { benchHttp } from "@tools/http/bench_http.ts";
 * const r = await benchHttp({ duration: 5, rounds: 5 });
 * for (const c of r.cases) console.log(c.name, c.ratio.toFixed(3));
 * ```
 */
export async function benchHttp(options: HttpBenchOptions = {}): Promise<HttpBenchResult> {
  const duration = options.duration ?? 5;
  const connections = options.connections ?? 64;
  const rounds = options.rounds ?? 5;
  const warmup = options.warmup ?? 3;
  const progress = options.progress ?? (() => {});
  const maxForeign = options.maxForeign ?? 0.1;
  const retries = options.retries ?? 3;
  const pinned = (options.pin ?? true) && navigator.hardwareConcurrency >= 2 &&
    hasCommand("taskset");
  const pin = (core: number, cmd: string, args: string[]): [string, string[]] =>
    pinned ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];

  const script = await Deno.makeTempFile({ suffix: ".lua" });
  await Deno.writeTextFile(
    script,
    `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );

  const start = async (kind: "bare" | "tool") => {
    const [cmd, args] = pin(0, Deno.execPath(), [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "serve",
      kind,
    ]);
    const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "inherit" }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/PORT \d+/.test(out)) {
      const r = await reader.read();
      if (r.done) throw new Error(`${kind} server did not start`);
      out += r.value;
    }
    reader.releaseLock();
    return { child, port: Number(out.match(/PORT (\d+)/)![1]) };
  };

  const wrk = async (pid: number, url: string, post: boolean, seconds: number) => {
    const wargs = [`-t1`, `-c${connections}`, `-d${seconds}s`, "--latency", url];
    if (post) wargs.unshift("-s", script);
    const [cmd, args] = pin(1, "wrk", wargs);
    const cpu0 = cpuSeconds(pid);
    const busy0 = coreBusySeconds("cpu");
    const self0 = selfSeconds();
    const t0 = performance.now();
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const cpu1 = cpuSeconds(pid);
    const busy1 = coreBusySeconds("cpu");
    const self1 = selfSeconds();
    const wall = (performance.now() - t0) / 1000;
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const text = new TextDecoder().decode(out.stdout);
    if (/Non-2xx|Socket errors/.test(text)) throw new Error(`errors under load:\n${text}`);
    const run = parseWrk(text);
    // Busy time of all cores minus the server, wrk (a reaped child) and this process.
    const foreign = Math.max(0, (busy1 - busy0 - (cpu1 - cpu0) - (self1 - self0)) / wall);
    return { ...run, cpuUsPerReq: (cpu1 - cpu0) * 1e6 / run.requests, foreign };
  };

  const servers = { bare: await start("bare"), tool: await start("tool") };
  const cases: HttpBenchCase[] = [];
  try {
    for (const name of ["GET /hello", "POST /items"]) {
      const [method, path] = name.split(" ");
      const post = method === "POST";
      const go = (kind: "bare" | "tool", seconds: number) =>
        wrk(
          servers[kind].child.pid,
          `http://127.0.0.1:${servers[kind].port}${path}`,
          post,
          seconds,
        );
      if (warmup > 0) { for (const kind of ["bare", "tool"] as const) await go(kind, warmup); }
      const runs = { bare: [] as HttpRun[], tool: [] as HttpRun[] };
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      let retried = 0;
      let disturbed = 0;
      for (let i = 0; i < rounds; i++) {
        // ABBA order: drift over time weighs on both sides alike.
        const order = i % 2 ? ["tool", "bare"] as const : ["bare", "tool"] as const;
        let pair: Record<"bare" | "tool", HttpRun>;
        for (let attempt = 0;; attempt++) {
          pair = {} as Record<"bare" | "tool", HttpRun>;
          for (const kind of order) pair[kind] = await go(kind, duration);
          const noisy = Math.max(pair.bare.foreign, pair.tool.foreign) > maxForeign;
          if (!noisy) break;
          if (attempt >= retries) {
            disturbed++;
            break;
          }
          retried++;
          progress(
            `${name} round ${i + 1}: disturbed (others used ${
              Math.max(pair.bare.foreign, pair.tool.foreign).toFixed(2)
            } cores), again`,
          );
        }
        runs.bare.push(pair.bare);
        runs.tool.push(pair.tool);
        const ratio = pair.tool.rps / pair.bare.rps;
        ratios.push(ratio);
        cpuRatios.push(pair.bare.cpuUsPerReq / pair.tool.cpuUsPerReq);
        progress(
          `${name} round ${i + 1}/${rounds}: bare ${pair.bare.rps.toFixed(0)} tool ${
            pair.tool.rps.toFixed(0)
          } ratio ${ratio.toFixed(3)}`,
        );
      }
      const side = (rs: HttpRun[]): HttpSide => ({
        rps: median(rs.map((r) => r.rps)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
        runs: rs,
      });
      cases.push({
        name,
        ratio: median(ratios),
        ratios,
        cpuRatio: median(cpuRatios),
        retried,
        disturbed,
        bare: side(runs.bare),
        tool: side(runs.tool),
      });
    }
  } finally {
    for (const s of Object.values(servers)) {
      s.child.kill("SIGTERM");
      await s.child.status;
    }
    await Deno.remove(script);
  }
  return { pinned, duration, connections, rounds, cases };
}

/** A human-readable table of a result. */
export function formatHttpBench(r: HttpBenchResult): string {
  const lines = [
    `http tool vs bare Hono: ${r.rounds} rounds x ${r.duration}s, ${r.connections} connections, ${
      r.pinned ? "server on core 0, wrk on core 1" : "not pinned"
    }`,
  ];
  const f = (n: number, d = 0) => n.toFixed(d);
  for (const c of r.cases) {
    lines.push(
      `${c.name.padEnd(12)} ratio ${f(c.ratio, 3)} (rounds ${
        c.ratios.map((x) => f(x, 3)).join(" ")
      })  cpu ratio ${f(c.cpuRatio, 3)}  retried ${c.retried}, disturbed ${c.disturbed}`,
    );
    for (const kind of ["bare", "tool"] as const) {
      const s = c[kind];
      lines.push(
        `  ${kind}  ${f(s.rps).padStart(7)} req/s  p50 ${f(s.p50Ms, 3)}ms  p99 ${
          f(s.p99Ms, 3)
        }ms  cpu ${f(s.cpuUsPerReq, 2)}us/req`,
      );
    }
  }
  return lines.join("\n");
}

if (import.meta.main) {
  if (Deno.args[0] === "serve") {
    const port = Deno.args[1] === "bare" ? serveBare() : await serveTool();
    console.log(`PORT ${port}`);
  } else {
    const arg = (name: string) => {
      const v = Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
      return v === undefined ? undefined : Number(v);
    };
    const json = Deno.args.includes("--json");
    const result = await benchHttp({
      duration: arg("duration"),
      connections: arg("connections"),
      rounds: arg("rounds"),
      warmup: arg("warmup"),
      maxForeign: arg("max-foreign"),
      retries: arg("retries"),
      pin: !Deno.args.includes("--no-pin"),
      progress: json ? undefined : (l) => console.error(l),
    });
    console.log(json ? JSON.stringify(result, null, 2) : formatHttpBench(result));
  }
}
