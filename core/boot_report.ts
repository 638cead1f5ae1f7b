/**
 * The boot log: one line per tool and plugin with its state and load time, then a summary.
 * @module
 */
import { formatError } from "./errors.ts";
import type { LogSink, StatusEntry } from "./types.ts";

/** Logs every status entry and a summary line; returns the number of failed parts. */
export function reportBoot(entries: StatusEntry[], bootMs: number, log: LogSink): number {
  const width = Math.max(...entries.map((e) => e.id.length), 10);
  let failed = 0;
  for (const e of entries) {
    const ms = e.loadMs !== undefined ? `${e.loadMs.toFixed(1)} ms` : "";
    const tools = e.tools?.length ? ` [${e.tools.join(", ")}]` : "";
    const line = `${e.kind.padEnd(6)} ${e.id.padEnd(width)} ${e.state.padEnd(7)} ${
      ms.padStart(9)
    }${tools}`;
    if (e.state === "failed" || e.state === "stale") {
      failed++;
      log.error(`${line}  ${e.error ? formatError(e.error) : ""}`);
    } else log.info(line);
  }
  const tools = entries.filter((e) => e.kind === "tool").length;
  const plugins = entries.filter((e) => e.kind === "plugin").length;
  log.info(
    `booted ${tools} tools and ${plugins} plugins in ${bootMs} ms${
      failed ? ` (${failed} failed)` : ""
    }`,
  );
  return failed;
}
