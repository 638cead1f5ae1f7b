/**
 * Boots the project in mode "test" and prints what it registered (tools, plugins, routes,
 * subscriptions…) as JSON, without timings: `deno run -P=test cli/boot_snapshot.ts [--manifest]`.
 * With `--manifest` the file list comes from `microcore.gen.ts`, as in a compiled binary;
 * without, from the folder walk. The compile tests compare the two.
 * @module
 */
import { fromManifest, Kernel, type LogSink, type Manifest, projectRoot } from "@core";

const VOLATILE = /^(updatedAt|startedAt|appliedAt|at|ms|bootMs|heapUsed|rss|uptimeMs)$|Ms$|At$/;

/** A copy of `value` without the keys that change from run to run (times, memory). */
export function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([k]) => !VOLATILE.test(k)).map(([k, v]) => [k, stable(v)]),
    );
  }
  return value;
}

/** Boots, snapshots, shuts down. */
export async function bootSnapshot(useManifest: boolean): Promise<unknown> {
  const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
  const root = projectRoot;
  const source = useManifest
    ? async () => fromManifest(root, (await import("../microcore.gen.ts")).default as Manifest)
    : undefined;
  const kernel = new Kernel({ root, mode: "test", log: quiet, source });
  await kernel.boot();
  const { entries } = kernel.status.snapshot();
  await kernel.shutdown(5_000);
  return stable(entries);
}

if (import.meta.main) {
  console.log(JSON.stringify(await bootSnapshot(Deno.args.includes("--manifest")), null, 1));
}
