/**
 * `deno task dev`: the app with hot reload. This process supervises; the app runs in a child
 * (`--child`) that it restarts when the kernel, a tool or the config changed. The child boots
 * the kernel like `main.ts` does, then watches `domains/`: a saved plugin is reloaded and rebound
 * in place, and AI_CONTEXT.md and microcore.gen.ts follow the code.
 * @module
 */
import { manifestOrWalk, projectRoot as root } from "@core";
import { App, notAProject } from "../main.ts";
import { contextUpdater } from "./context/mod.ts";
import { checksReporter } from "./checks.ts";
import { HotReloader } from "./hot_reload.ts";
import { writeManifest } from "./manifest.ts";
import { originalPath } from "./module_graph.ts";
import { HANDOVER, READY, RESTART_CODE, supervise, tellSupervisor } from "./supervisor.ts";
import { cliArgs } from "../cli/args.ts";

const { flags } = cliArgs({
  usage: `usage: deno task dev
  serve the app with hot reload: save a plugin file under domains/ and it is live a moment
  later; AI_CONTEXT.md and microcore.gen.ts follow the code. Settings come from .env.
  HOT_RELOAD_MAX_RELOADS (1000) and HOT_RELOAD_HEAP_MB (512) bound a process before a restart.
  Ctrl-C stops it cleanly; production: deno task start`,
  booleans: ["--child", "--successor"],
  strings: ["--control"],
});
const notProject = notAProject(root);
if (notProject) {
  console.error(notProject);
  Deno.exit(1);
}
if (!flags["--child"]) await supervise(root, import.meta.url);

const env = (key: string) => Deno.env.get(key);
const app = new App({
  root,
  mode: "dev",
  rewritePath: originalPath,
  source: () => manifestOrWalk(root),
});
const kernel = app.kernel;
// Under the supervisor on Linux, a restart hands the port over: this process keeps serving
// until its successor listens, then the supervisor stops it (see dev/supervisor.ts).
const control = Number(flags["--control"] ?? 0);
const handOver = control > 0;
const askForSuccessor = () => {
  tellSupervisor(control, HANDOVER).catch(() => app.stop("restart", RESTART_CODE));
  // Never stranded: without a successor within a minute, restart the plain way.
  const fallback = setTimeout(() => app.stop("restart", RESTART_CODE), 60_000);
  Deno.unrefTimer(fallback);
};
// The generated files follow the code: rewritten at boot and after each reload, when changed.
const updateContext = contextUpdater(kernel);
const reportChecks = checksReporter(kernel); // architecture findings, live (dev/checks.ts)
const updateGenerated = async () => {
  await updateContext();
  await reportChecks();
  if (await writeManifest(root).catch(() => false)) kernel.log.info("microcore.gen.ts updated");
};
const reloader = new HotReloader(kernel, {
  maxReloads: Number(env("HOT_RELOAD_MAX_RELOADS") ?? 1000),
  heapBudgetMb: Number(env("HOT_RELOAD_HEAP_MB") ?? 512),
  onRestart: () => handOver ? askForSuccessor() : app.stop("restart", RESTART_CODE),
  onChanged: updateGenerated,
});
app.onStop(() => reloader.stop());
await app.boot();
if (handOver) {
  if ((kernel.tools.get("http") as { url?: string } | undefined)?.url) {
    await tellSupervisor(control, READY).catch(() => {});
  } else if (flags["--successor"]) {
    // It cannot take over (the http tool failed): leave the port to the process serving it.
    await app.stop("the new process could not listen", 1);
  }
}
updateGenerated();
// The MCP server for assistants (docs/mcp.md) at /mcp on the same listener, MCP=off skips it.
// Loaded after boot, beside the watcher: its SDK takes ~300 ms to load, the listener need not wait.
const mcp = import("./mcp/http.ts").then(async ({ MCP_PATH, mountMcp }) => {
  const mounted = await mountMcp(kernel);
  if (!mounted) return;
  app.onStop(() => mounted.close());
  const url = (kernel.tools.get("http") as { url?: string } | undefined)?.url ?? "";
  kernel.log.info(`mcp: ${url.replace("0.0.0.0", "127.0.0.1")}${MCP_PATH}`);
}).catch((e) => kernel.log.warn(`mcp: not served: ${e instanceof Error ? e.message : e}`));
await reloader.start();
await mcp;
