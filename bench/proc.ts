/**
 * Child processes for the benchmarks: spawn (pinned to a CPU with `taskset` when there is more
 * than one core), read their log lines, read their CPU time from `/proc`, stop them.
 * @module
 */
import { type Proc, type ProcOptions, spawnProc } from "../e2e/proc.ts";

export type { Proc };

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

/** Options of {@link spawn}. */
export interface SpawnOptions extends ProcOptions {
  /** Pin to this CPU (see {@link pinned}). */
  cpu?: number;
}

/** Spawns `cmd args` (pinned when asked) with piped output, collecting lines. */
export async function spawn(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<Proc> {
  const [c, a] = await pinned(opts.cpu, cmd, args);
  return spawnProc(c, a, opts);
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
