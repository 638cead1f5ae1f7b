/**
 * The dev supervisor: runs the app as a child process and starts a new one when the child asks
 * for a restart (exit code {@link RESTART_CODE}: `core/`, `tools/`, `dev/`, `main.ts` or `deno.json`
 * changed, or the reload memory budget is spent). Signals are passed on, so Ctrl-C still shuts
 * down cleanly; a signal while no child runs (after a crash) exits at once.
 * @module
 */
import { existsSync } from "@core";

/** Exit code by which the app asks its supervisor for a fresh process. */
export const RESTART_CODE = 75;

/**
 * This process's own `deno` when the `run` permission covers it, else `deno` from PATH: the dev
 * set grants `run: ["deno"]`, which Deno resolves through PATH (a symlink to the binary, say,
 * is not the binary's own path).
 */
export function denoBinary(): string {
  try {
    const exe = Deno.execPath();
    return Deno.permissions.querySync({ name: "run", command: exe }).state === "granted"
      ? exe
      : "deno";
  } catch {
    return "deno";
  }
}

/** Runs `deno run -P=dev --no-code-cache <entry> --child` until it exits for good. */
export async function supervise(root: string, entry: string): Promise<never> {
  let child: Deno.ChildProcess | undefined;
  let stopRequested: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => stopRequested = resolve);
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      stopping = true;
      if (!child) return stopRequested(0);
      try {
        child.kill(sig);
      } catch { /* already gone */ }
    });
  }
  while (true) {
    child = new Deno.Command(denoBinary(), {
      args: [
        "run",
        "-P=dev",
        "--no-code-cache",
        `--config=${root}/deno.json`,
        entry,
        "--child",
      ],
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const { code } = await child.status;
    child = undefined;
    if (stopping) Deno.exit(code);
    if (code === RESTART_CODE) continue;
    // A clean stop the supervisor did not ask for (a signal sent to the app alone): done too.
    if (code === 0) Deno.exit(0);
    console.error(
      `[supervisor] the app exited with code ${code}; fix the error, then save any file to restart`,
    );
    const watcher = Deno.watchFs(
      ["core", "tools", "domains", "dev", "main.ts", "deno.json"].map((p) => `${root}/${p}`)
        .filter(existsSync),
    );
    const changed = (async () => {
      for await (const _ of watcher) return -1;
      return -1;
    })();
    const result = await Promise.race([changed, stopped]);
    watcher.close();
    if (result !== -1 || stopping) Deno.exit(0);
  }
}
