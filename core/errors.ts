/**
 * Error helpers: where an error arose (file and line inside the project), and "did you mean".
 * @module
 */
import type { ErrorInfo } from "./types.ts";

/** Levenshtein distance, for suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The closest candidate to `name`, if one is close enough to be a likely typo. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** ANSI colour codes, which Deno puts inside some error messages (module-not-found…). */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Turns anything thrown into an {@link ErrorInfo} whose file and line point at the user's code:
 * a location in `prefer` (the plugin file being loaded) if the error has one, else the first one
 * under `domains/`, else `prefer` without a line; only for errors with neither (a tool's own
 * failure) the first location under `root`. `rewrite` maps internal paths (hot-reload copies)
 * back to the user's file.
 */
export function errorInfo(
  err: unknown,
  root: string,
  rewrite: (path: string) => string = (p) => p,
  prefer?: string,
): ErrorInfo {
  const e = err instanceof Error ? err : new Error(String(err));
  const message = e.message.replace(ANSI, "");
  const stack = e.stack?.replace(ANSI, "");
  const prefix = `file://${root.endsWith("/") ? root : root + "/"}`;
  const frames: { file: string; line: number; column: number }[] = [];
  for (const m of `${message}\n${stack}`.matchAll(/file:\/\/[^\s)'"]+?:(\d+):(\d+)/g)) {
    const url = m[0].slice(0, m[0].length - m[1].length - m[2].length - 2);
    const path = rewrite(decodeURIComponent(url)).split("?")[0];
    if (path.startsWith(prefix) && !path.includes("/node_modules/")) {
      frames.push({ file: path.slice(prefix.length), line: Number(m[1]), column: Number(m[2]) });
    }
  }
  const at = frames.find((f) => f.file === prefer) ??
    frames.find((f) => f.file.startsWith("domains/")) ??
    (prefer ? { file: prefer, line: undefined, column: undefined } : frames[0]);
  return {
    message: rewriteText(message, rewrite),
    ...(at?.file ? { file: at.file } : {}),
    ...(at?.line ? { line: at.line, column: at.column } : {}),
    stack: stack ? rewriteText(stack, rewrite) : undefined,
  };
}

function rewriteText(text: string, rewrite: (p: string) => string): string {
  return text.replace(/file:\/\/[^\s)'"]+?(?=:\d+:\d|[\s)'"]|$)/g, (u) => rewrite(u));
}

/** `file:line:col` for a log line, or just the message. */
export function formatError(info: ErrorInfo): string {
  const where = info.file
    ? `${info.file}${info.line ? `:${info.line}:${info.column ?? 0}` : ""}`
    : "";
  return where ? `${where}: ${info.message}` : info.message;
}

/**
 * For Deno's permission error ("Requires write access to "x", run again with the --allow-write
 * flag"), what to change instead of a flag: the permission set of `deno.json` the app runs under.
 */
export function permissionHint(message: string, set: string): string | undefined {
  const m = /^Requires (\w+) access to ("[^"]*"|\S+?)(?:,|$)/.exec(message);
  if (!m) return undefined;
  const head = `deno.json's "${set}" permission set does not grant ${m[1]} access to ${m[2]}`;
  return ["start", "migrate", "dev"].includes(set) // generated: docs/permissions.md
    ? `${head}: run \`deno task permissions\` with the settings that need it, then restart`
    : `${head}: add it to "permissions" → "${set}" → "${m[1]}" in deno.json, then restart`;
}
