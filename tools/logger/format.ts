/**
 * Turning a {@link LogEntry} into one line: JSON for machines, colour for humans.
 * @module
 */
import type { Level, LogEntry } from "./types.ts";

/** An Error as plain data. */
function errorData(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  if (e.stack) out.stack = e.stack;
  if (e.cause !== undefined) out.cause = e.cause instanceof Error ? errorData(e.cause) : e.cause;
  return out;
}

/** JSON.stringify that never throws: errors become data, bigints strings, cycles a marker. */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Error) return errorData(v);
      if (typeof v === "function") return `[Function ${v.name || "anonymous"}]`;
      if (typeof v === "symbol") return v.toString();
      if (v !== null && typeof v === "object") {
        if (seen.has(v)) return "[Circular]";
        seen.add(v);
      }
      return v;
    }) ?? "null";
  } catch (e) {
    return JSON.stringify(`[unserializable: ${(e as Error).message}]`);
  }
}

/**
 * One JSON object per line: `time` (ISO 8601), `level`, `owner`, `category` (dotted),
 * `message`, and `props` (omitted when empty).
 *
 * @example
 * ```ts
 * jsonLine({ time: 0, level: "info", owner: "users/login", category: ["users/login"],
 *   message: "signed in", props: { user: 7 } });
 * // {"time":"1970-01-01T00:00:00.000Z","level":"info","owner":"users/login",
 * //  "category":"users/login","message":"signed in","props":{"user":7}}
 * ```
 */
export function jsonLine(e: LogEntry): string {
  const head = `{"time":"${new Date(e.time).toISOString()}","level":"${e.level}","owner":${
    JSON.stringify(e.owner)
  },"category":${JSON.stringify(e.category.join("."))},"message":${JSON.stringify(e.message)}`;
  for (const _ in e.props) return `${head},"props":${safeJson(e.props)}}`;
  return head + "}";
}

const COLORS: Record<Level, string> = {
  debug: "\x1b[90m",
  info: "\x1b[32m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
};
const LABEL: Record<Level, string> = { debug: "DBG", info: "INF", warn: "WRN", error: "ERR" };
const DIM = "\x1b[2m";
const CYAN = "\x1b[36m";
const RESET = "\x1b[0m";

function pad(n: number, w = 2) {
  return String(n).padStart(w, "0");
}

function propValue(v: unknown): string {
  if (typeof v === "string") return /^[\w./:@-]*$/.test(v) && v !== "" ? v : JSON.stringify(v);
  if (v instanceof Error) return JSON.stringify(`${v.name}: ${v.message}`);
  return safeJson(v);
}

/**
 * A human line for the terminal: `12:03:04.567 INF users/login  signed in user=7`, coloured
 * unless `color` is false. Error props add their stack on the lines below.
 */
export function prettyLine(e: LogEntry, color = true): string {
  const d = new Date(e.time);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${
    pad(d.getMilliseconds(), 3)
  }`;
  const c = (code: string, s: string) => (color ? code + s + RESET : s);
  let line = `${c(DIM, time)} ${c(COLORS[e.level], LABEL[e.level])} ${
    c(CYAN, e.category.join("."))
  }  ${e.message}`;
  const stacks: string[] = [];
  for (const [k, v] of Object.entries(e.props)) {
    // A stack (an error's, or one passed as text) goes below the line, one frame per line.
    if (k === "stack" && typeof v === "string") {
      stacks.push(v);
      continue;
    }
    line += " " + c(DIM, `${k}=`) + propValue(v);
    if (v instanceof Error && v.stack) stacks.push(v.stack);
  }
  for (const s of stacks) line += "\n" + c(DIM, s.replace(/^/gm, "    "));
  return line;
}
