/**
 * Child processes for the benchmarks: spawn (pinned to a CPU with `taskset` when there is more
 * than one core), read their log lines, read their CPU time from `/proc`, stop them.
 * @module
 */
import { sleep } from "./stats.ts";

/** CPUs of this machine. */
export const CPUS = navigator.hardwareConcurrency ?? 1;
/** Core for servers under test. */
export const SERVER_CPU = 0;
/** Core for the load generator / poller (the same core when there is only one). */
export const LOAD_CPU = CPUS > 1 ? 1 : 0;

let tasksetOk: boolean | undefined;

/** Whether `taskset` (util-linux) can be run. */
export async function hasTaskset(): Promise<boolean> {
  if (tasksetOk !== undefined) return tasksetOk;
  try {
    const out = await new Deno.Command("taskset", { args: ["-V"], stdout: "null", stderr: "null" })
      .output();
    tasksetOk = out.success;
  } catch {
    tasksetOk = false;
  }
  return tasksetOk;
}

/** `[cmd, args]` prefixed with `taskset -c <cpu>` when pinning is possible and useful. */
export async function pinned(
  cpu: number | undefined,
  cmd: string,
  args: string[],
): Promise<[string, string[]]> {
  if (cpu === undefined || CPUS < 2 || !(await hasTaskset())) return [cmd, args];
  return ["taskset", ["-c", String(cpu), cmd, ...args]];
}

/** A running child with its captured output. */
export interface Proc {
  child: Deno.ChildProcess;
  pid: number;
  /** Every line printed so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line (from index `from` on) that matches `re`. */
  waitForLine(re: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<Deno.CommandStatus>;
}

/** Options of {@link spawn}. */
export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Pin to this CPU (see {@link pinned}). */
  cpu?: number;
  /** Keep at most this many lines (long runs print a line per reload). Default 5000. */
  keepLines?: number;
}

/** Spawns `cmd args` with piped output, collecting lines. */
export async function spawn(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<Proc> {
  const [c, a] = await pinned(opts.cpu, cmd, args);
  const child = new Deno.Command(c, {
    args: a,
    cwd: opts.cwd,
    env: { NO_COLOR: "1", ...opts.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let dropped = 0;
  const keep = opts.keepLines ?? 5000;
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts);
      if (lines.length > keep) {
        const n = lines.length - keep;
        lines.splice(0, n);
        dropped += n;
      }
      for (const w of waiters) w();
    }
    if (buf) lines.push(buf);
    for (const w of waiters) w();
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  const exited = child.status;
  let gone = false;
  exited.then(() => gone = true);

  const waitForLine = (re: RegExp, timeoutMs = 30_000, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = lines.slice(Math.max(0, from - dropped)).find((l) => re.test(l));
        if (hit !== undefined) {
          done();
          resolve(hit);
        } else if (gone) {
          done();
          reject(new Error(`process exited before printing ${re}:\n${lines.join("\n")}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no line matching ${re} within ${timeoutMs} ms:\n${lines.join("\n")}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      exited.then(check);
      check();
    });

  return {
    child,
    pid: child.pid,
    lines,
    waitForLine,
    exited,
    async stop(graceMs = 5000) {
      if (!gone) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        const t = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, graceMs);
        await exited;
        clearTimeout(t);
      }
      await pumps;
    },
  };
}

/** Deno's own executable, for child processes. */
export const DENO = Deno.execPath();

/**
 * CPU time (user + system, ms) a process has used so far, from `/proc/<pid>/stat` (Linux).
 * Read with `cat`: Deno asks for all permissions to read `/proc` directly.
 */
export async function cpuMs(pid: number): Promise<number> {
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stderr: "null" })
    .output();
  if (!out.success) throw new Error(`cannot read /proc/${pid}/stat`);
  const stat = new TextDecoder().decode(out.stdout);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name; ticks of
  // 1/100 s on Linux (CLK_TCK = 100).
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Whether the CPU time of `pid` can be read (Linux with `cat`). */
export async function canReadCpu(pid: number): Promise<boolean> {
  try {
    await cpuMs(pid);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port that was free a moment ago. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Polls `fn` every `everyMs` until it returns true; throws after `timeoutMs`. Returns ms taken. */
export async function until(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 2,
): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (await fn().catch(() => false)) return performance.now() - t0;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** GET `url` and return the body text when the status is 200 (else undefined). */
export async function get200(url: string): Promise<string | undefined> {
  const res = await fetch(url);
  const text = await res.text();
  return res.status === 200 ? text : undefined;
}
