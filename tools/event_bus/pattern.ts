/**
 * Event names and subscription patterns.
 *
 * A name is one or more non-empty segments separated by dots. In a pattern, a `*` segment matches
 * exactly one segment and a `**` (or `#`) segment matches zero or more.
 * @module
 */
import { BusError } from "./errors.ts";

/** Tests whether an event name matches a compiled pattern. */
export type Matcher = (name: string) => boolean;

const MULTI = new Set(["**", "#"]);

/** Throws `invalid_name` unless `name` is a valid event name (no wildcards). */
export function assertName(name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new BusError("invalid_name", `event name must be a non-empty string, got ${name}`);
  }
  for (const seg of name.split(".")) {
    if (seg === "" || seg === "*" || MULTI.has(seg)) {
      throw new BusError(
        "invalid_name",
        `invalid event name "${name}": segments must be non-empty and without wildcards`,
      );
    }
  }
}

/** Whether `pattern` holds a wildcard segment. */
export function isWildcard(pattern: string): boolean {
  return pattern.split(".").some((s) => s === "*" || MULTI.has(s));
}

/**
 * Compile a pattern into a matcher.
 * @throws {BusError} `invalid_name` for an empty pattern or an empty segment.
 */
export function compilePattern(pattern: string): Matcher {
  if (typeof pattern !== "string" || pattern === "") {
    throw new BusError("invalid_name", `pattern must be a non-empty string, got ${pattern}`);
  }
  const segs = pattern.split(".");
  if (segs.some((s) => s === "")) {
    throw new BusError("invalid_name", `invalid pattern "${pattern}": empty segment`);
  }
  // Stryker disable next-line ConditionalExpression: a fast path; segment by segment gives the same answer for an exact name
  if (!isWildcard(pattern)) return (name) => name === pattern;
  if (!segs.some((s) => MULTI.has(s))) {
    // Only single-segment wildcards: compare segment by segment.
    return (name) => {
      const parts = name.split(".");
      if (parts.length !== segs.length) return false;
      for (let i = 0; i < segs.length; i++) {
        if (segs[i] !== "*" && segs[i] !== parts[i]) return false;
      }
      return true;
    };
  }
  return (name) => matchFrom(segs, 0, name.split("."), 0);
}

function matchFrom(p: string[], i: number, n: string[], j: number): boolean {
  while (i < p.length) {
    const seg = p[i];
    if (MULTI.has(seg)) {
      if (i === p.length - 1) return true; // trailing ** eats the rest
      for (let k = j; k <= n.length; k++) if (matchFrom(p, i + 1, n, k)) return true;
      return false;
    }
    if (j >= n.length || (seg !== "*" && seg !== n[j])) return false;
    i++;
    j++;
  }
  return j === n.length;
}
