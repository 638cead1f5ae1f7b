/**
 * Boots MicroCoreOS: `deno task dev` (watch and hot-reload) or `deno task start` (production).
 * SIGINT/SIGTERM shut down gracefully: in-flight work finishes, tools close, exit code 0.
 * @module
 */
import { Kernel, type Mode } from "./core/mod.ts";
import { reportBoot } from "./core/boot_report.ts";
import { HotReloader, originalPath } from "./core/hot_reload.ts";
import { RESTART_CODE, supervise } from "./core/supervisor.ts";
import { compiledSource, isCompiled } from "./cli/compiled.ts";
import { contextUpdater } from "./cli/context/mod.ts";
import { manifestOrWalk, writeManifest } from "./cli/manifest.ts";

const mode: Mode = Deno.args[0] === "dev" ? "dev" : "start";
const root = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");
const env = (key: string) => Deno.env.get(key);

// In dev, this process only supervises; the app runs in a child it can restart.
if (mode === "dev" && !Deno.args.includes("--child")) await supervise(root, import.meta.url);

// A `deno compile` binary boots from the generated manifest; otherwise the folders are walked
// (and the manifest used as a fast path when it matches them).
const compiled = isCompiled();
const source = compiled ? () => compiledSource(root) : () => manifestOrWalk(root);
const kernel = new Kernel({ root, mode, rewritePath: originalPath, source });
// In dev, the generated files follow the code: AI_CONTEXT.md and the compile manifest are
// rewritten at boot and after each reload, when their content changed.
const updateContext = mode === "dev" && !compiled ? contextUpdater(kernel) : undefined;
const updateGenerated = updateContext && (async () => {
  await updateContext();
  if (await writeManifest(root).catch(() => false)) kernel.log.info("microcore.gen.ts updated");
});
const reloader = mode === "dev"
  ? new HotReloader(kernel, {
    maxReloads: Number(env("HOT_RELOAD_MAX_RELOADS") ?? 1000),
    heapBudgetMb: Number(env("HOT_RELOAD_HEAP_MB") ?? 512),
    onRestart: () => stop("restart", RESTART_CODE),
    onChanged: updateGenerated,
  })
  : undefined;
let stopping = false;
let booted: Promise<void> = Promise.resolve();
/** Graceful stop: the watcher, then the kernel (drains in-flight work), then exit. */
async function stop(why: string, code = 0) {
  if (stopping) {
    // A second Ctrl-C: the user does not want to wait for the drain.
    if (why.endsWith("received")) Deno.exit(130);
    return;
  }
  stopping = true;
  await booted.catch(() => {});
  kernel.log.info(`${why}: shutting down`);
  const t = performance.now();
  await reloader?.stop();
  await kernel.shutdown(Number(env("SHUTDOWN_TIMEOUT_MS") ?? 10_000));
  console.log(`[kernel] stopped cleanly in ${Math.round(performance.now() - t)} ms`);
  Deno.exit(code);
}
// Listen for signals from the start, so a signal during boot still shuts down cleanly.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(sig, () => stop(`${sig} received`));
}
await (booted = kernel.boot());
reportBoot(kernel.status.list(), kernel.status.summary().bootMs as number, kernel.log);

// In production a failed tool is a deployment error (a taken port, an unreachable database):
// exit non-zero so the supervisor or orchestrator notices, instead of half-serving.
const failedTools = kernel.status.list().filter((e) => e.kind === "tool" && e.state === "failed");
if (mode === "start" && failedTools.length && env("ALLOW_FAILED_TOOLS") !== "1") {
  kernel.log.error(
    `exiting: tool(s) ${
      failedTools.map((t) => t.id).join(", ")
    } failed (ALLOW_FAILED_TOOLS=1 serves anyway)`,
  );
  await stop("boot failed", 1);
}
updateGenerated?.();
if (reloader) await reloader.start();
else kernel.log.info(`hot reload off (${compiled ? "compiled binary" : "start mode"})`);
