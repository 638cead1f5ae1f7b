/**
 * A tiny fake ToolContext and helpers for the db tool's tests.
 * @module
 */
import type { DomainInfo, LogSink, Mode, StatusRegistry, ToolContext } from "../../core/types.ts";

/** A log sink that records every line. */
export interface RecordingLog extends LogSink {
  lines: { level: string; message: string; props?: Record<string, unknown> }[];
}

export function recordingLog(): RecordingLog {
  const lines: RecordingLog["lines"] = [];
  const rec = (level: string) => (message: string, props?: Record<string, unknown>) => {
    lines.push({ level, message, props });
  };
  return { lines, debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
}

const status: StatusRegistry = {
  list: () => [],
  get: () => undefined,
  summary: () => ({}),
};

export function fakeContext(
  root: string,
  opts: { mode?: Mode; domains?: DomainInfo[]; log?: LogSink } = {},
): ToolContext {
  return {
    root,
    mode: opts.mode ?? "test",
    status,
    domains: opts.domains ?? [],
    tool: () => undefined,
    log: opts.log ?? recordingLog(),
  };
}

/** Write `files` (path relative to `root` → content). */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
}
