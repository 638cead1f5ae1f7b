/**
 * A tiny fake ToolContext and helpers for the db tool's tests.
 * @module
 */
import type { DomainInfo, LogSink, Mode, ToolContext } from "../../core/types.ts";
import { type LogLine, recordingLog, standaloneContext } from "../../core/standalone.ts";

export { recordingLog };

/** A log sink that records every line. */
export type RecordingLog = LogSink & { lines: LogLine[] };

export function fakeContext(
  root: string,
  opts: { mode?: Mode; domains?: DomainInfo[]; log?: LogSink } = {},
): ToolContext {
  return standaloneContext({ root, ...opts, log: opts.log ?? recordingLog() });
}

/** Write `files` (path relative to `root` → content). */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
}
