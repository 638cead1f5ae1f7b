/**
 * A child process whose output is collected line by line, with a way to wait for a line: what
 * the end-to-end tests and the benchmarks run the app with.
 * @module
 */

/** A running child with its captured output. */
export interface Proc {
  child: Deno.ChildProcess;
  pid: number;
  /** Every line printed so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first line (from index `from` on) that matches `re`. */
  waitForLine(re: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once all output is in. */
  stop(graceMs?: number): Promise<number>;
  exited: Promise<Deno.CommandStatus>;
}

/** The AUTH_JWT_SECRET of the apps the tests and benchmarks start (32 bytes). */
export const E2E_JWT_SECRET = "e2e-only-secret-0123456789abcdef";

/** The processes whose parent is `pid`, and theirs. */
export async function descendants(pid: number): Promise<number[]> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] }).output();
  } catch {
    return []; // no `ps`, or not allowed to run it (the bench set): the child alone is killed
  }
  const kids = new TextDecoder().decode(out.stdout).trim().split(/\s+/).filter(Boolean)
    .map(Number);
  return [...kids, ...(await Promise.all(kids.map(descendants))).flat()];
}

/**
 * Send `signal` to `proc` and every process under it. `deno task` runs the app as a child and
 * cannot pass a SIGKILL on: killing the task alone would leave the app running (orphaned).
 */
export async function killTree(proc: Pick<Proc, "pid" | "child">, signal: Deno.Signal) {
  for (const pid of await descendants(proc.pid)) {
    try {
      Deno.kill(pid, signal);
    } catch { /* gone */ }
  }
  try {
    proc.child.kill(signal);
  } catch { /* gone */ }
}

/** Options of {@link spawnProc}. */
export interface ProcOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Keep at most this many lines (long runs print a line per reload). Default 5000. */
  keepLines?: number;
}

/** Spawns `cmd args` with piped output, collecting its lines. */
export function spawnProc(cmd: string, args: string[], opts: ProcOptions = {}): Proc {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    // `start` needs a JWT secret (the auth tool); apps under test get a fixed one, as a deployment
    // gets its own. A test of the missing-secret error sets it to "" (unset).
    env: { NO_COLOR: "1", AUTH_JWT_SECRET: E2E_JWT_SECRET, ...opts.env },
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
        // Past the grace, the whole tree: a SIGKILL to `deno task` alone orphans the app.
        const t = setTimeout(() => killTree({ pid: child.pid, child }, "SIGKILL"), graceMs);
        await exited;
        clearTimeout(t);
      }
      await pumps;
      return (await exited).code;
    },
  };
}
