/**
 * The dev supervisor: runs the app as a child process and starts a new one when the child asks
 * for a restart (exit code {@link RESTART_CODE}: `core/`, `tools/` or `deno.json` changed, or the
 * reload memory budget is spent). Signals are passed on, so Ctrl-C still shuts down cleanly.
 * @module
 */

/** Exit code by which the app asks its supervisor for a fresh process. */
export const RESTART_CODE = 75;

/** Runs `deno run -P=dev --no-code-cache main.ts dev --child` until it exits for good. */
export async function supervise(root: string, entry: string): Promise<never> {
  let stopping = false;
  let child: Deno.ChildProcess | undefined;
  const forward = (sig: Deno.Signal) => () => {
    stopping = true;
    try {
      child?.kill(sig);
    } catch { /* already gone */ }
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, forward(sig));
  while (true) {
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-P=dev",
        "--no-code-cache",
        `--config=${root}/deno.json`,
        entry,
        "dev",
        "--child",
      ],
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const { code } = await child.status;
    if (stopping) Deno.exit(code);
    if (code === RESTART_CODE) continue;
    console.error(
      `[supervisor] the app exited with code ${code}; fix the error, then save any file to restart`,
    );
    await nextChange(root);
  }
}

async function nextChange(root: string): Promise<void> {
  const watcher = Deno.watchFs(
    ["core", "tools", "domains", "main.ts", "deno.json"].map((p) => `${root}/${p}`),
  );
  for await (const _ of watcher) break;
  watcher.close();
}
