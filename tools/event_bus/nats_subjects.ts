/**
 * How bus names map to NATS subjects, consumer names and filters.
 *
 * Event `product.created` on prefix `microcore` is subject `microcore.product.created`; a request
 * for `stock.level` goes to `microcore_rpc.stock.level` (outside the stream). A segment with
 * characters NATS does not allow in a token (anything but letters, digits, `_` and `-`) is
 * percent-encoded byte by byte, so every bus name has exactly one subject and the number of
 * segments is kept (`*` filters still line up).
 * @module
 */

const SAFE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const UNSAFE_CHAR = /[^A-Za-z0-9_-]/gu;
const utf8 = new TextEncoder();

/** One name segment as a NATS token. */
export function token(segment: string): string {
  return segment.replace(
    UNSAFE_CHAR,
    (c) =>
      Array.from(utf8.encode(c), (b) => "%" + b.toString(16).toUpperCase().padStart(2, "0")).join(
        "",
      ),
  );
}

/** The subject of event (or request) `name` under `prefix`. */
export function subjectOf(prefix: string, name: string): string {
  if (SAFE_NAME.test(name)) return `${prefix}.${name}`;
  return `${prefix}.${name.split(".").map(token).join(".")}`;
}

/**
 * The consumer filter for one bus pattern: `*` stays `*`; a pattern with `**` (zero or more
 * segments, which NATS `>` — one or more — cannot express exactly) takes the whole prefix, and
 * the bus matches locally.
 */
export function filterOf(prefix: string, pattern: string): string {
  const segs = pattern.split(".");
  if (segs.some((s) => s === "**" || s === "#")) return `${prefix}.>`;
  return `${prefix}.${segs.map((s) => s === "*" ? "*" : token(s)).join(".")}`;
}

/** The filter of a group's consumer: exact for one pattern, the whole prefix for several. */
export function groupFilter(prefix: string, patterns: readonly string[]): string {
  return patterns.length === 1 ? filterOf(prefix, patterns[0]) : `${prefix}.>`;
}

/** A durable consumer name for a group (letters, digits, `_`, `-`; distinct per group). */
export function consumerName(group: string): string {
  const clean = group.replace(/[^A-Za-z0-9_-]/g, "_");
  if (clean === group) return `g_${group}`;
  let h = 0x811c9dc5; // FNV-1a, so that "a.b" and "a_b" get different consumers
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193);
  return `g_${clean}_${(h >>> 0).toString(36)}`;
}
