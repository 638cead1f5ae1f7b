/**
 * Runs `wrk` (the load generator) and parses its report.
 * @module
 */
import { LOAD_CPU, pinned } from "./proc.ts";

/** How to install wrk when it is missing. */
export const WRK_HELP = "wrk is not installed. Install it with `sudo apt-get install -y wrk` " +
  "(Debian/Ubuntu), `brew install wrk` (macOS) or build it from https://github.com/wg/wrk.";

/** Throws with install instructions when `wrk` cannot be run. */
export async function ensureWrk(): Promise<void> {
  try {
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
  } catch {
    throw new Error(WRK_HELP);
  }
}

/** What one wrk run measured. */
export interface WrkResult {
  rps: number;
  requests: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  /** Socket errors (connect + read + write + timeout). */
  socketErrors: number;
  non2xx: number;
  seconds: number;
  raw: string;
}

/** Options of a wrk run. */
export interface WrkOptions {
  connections?: number;
  threads?: number;
  durationS?: number;
  /** POST this JSON text (with `content-type: application/json`). */
  postJson?: string;
  /** Request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** Stop early: wrk is interrupted (SIGINT) when this resolves, and still reports. */
  stopWhen?: Promise<unknown>;
}

const UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function ms(text: string, label: string): number {
  const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s|m)\\b`).exec(text);
  return m ? Number(m[1]) * UNIT[m[2]] : NaN;
}

/** Parses wrk's `--latency` report. */
export function parseWrk(text: string): WrkResult {
  const req = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN),
    requests: Number(req?.[1] ?? 0),
    seconds: req ? Number(req[2]) * UNIT[req[3]] / 1000 : NaN,
    p50: ms(text, "50%"),
    p99: ms(text, "99%"),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: Number(non2xx?.[1] ?? 0),
    raw: text,
  };
}

/** Runs wrk against `url` on the load CPU and returns its parsed report. */
export async function wrk(url: string, o: WrkOptions = {}): Promise<WrkResult> {
  const args = [
    `-t${o.threads ?? 1}`,
    `-c${o.connections ?? 32}`,
    `-d${o.durationS ?? 5}s`,
    "--latency",
  ];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  let script: string | undefined;
  if (o.postJson) {
    script = await Deno.makeTempFile({ prefix: "microcore-bench-", suffix: ".lua" });
    await Deno.writeTextFile(
      script,
      `wrk.method = "POST"\nwrk.body = '${o.postJson}'\n` +
        `wrk.headers["Content-Type"] = "application/json"\n`,
    );
    args.push("-s", script);
  }
  args.push(url);
  const [cmd, a] = await pinned(LOAD_CPU, "wrk", args);
  try {
    const child = new Deno.Command(cmd, { args: a, stdout: "piped", stderr: "piped" }).spawn();
    o.stopWhen?.then(() => {
      try {
        child.kill("SIGINT");
      } catch { /* already done */ }
    });
    const out = await child.output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const r = parseWrk(text);
    if (!Number.isFinite(r.rps)) throw new Error(`wrk failed:\n${text}`);
    return r;
  } finally {
    if (script) await Deno.remove(script).catch(() => {});
  }
}
