/**
 * Boots MicroCoreOS: `deno task dev` (watch and hot-reload) or `deno task start` (production).
 * SIGINT/SIGTERM shut down gracefully: in-flight work finishes, tools close, exit code 0.
 * @module
 */
import { Kernel, type Mode } from "./core/mod.ts";
import { reportBoot } from "./core/boot_report.ts";

const mode: Mode = Deno.args[0] === "dev" ? "dev" : "start";
const root = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");

const kernel = new Kernel({ root, mode });
await kernel.boot();
reportBoot(kernel.status.list(), kernel.status.summary().bootMs as number, kernel.log);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  kernel.log.info(`${signal} received: shutting down`);
  const t = performance.now();
  await kernel.shutdown(Number(Deno.env.get("SHUTDOWN_TIMEOUT_MS") ?? 10_000));
  console.log(`[kernel] stopped cleanly in ${Math.round(performance.now() - t)} ms`);
  Deno.exit(0);
}
for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => stop(sig));
