/**
 * Copying payloads so that no two parties share a mutable object.
 * @module
 */

const MAX_DEPTH = 200;
const FALLBACK = Symbol("fallback");

/**
 * A deep copy of `value`, deep-frozen, when it is plain data (primitives, plain objects,
 * arrays); otherwise a `structuredClone` (not frozen, since `Map`, `Date` or typed arrays can't
 * be frozen usefully). A frozen result can be shared safely; an unfrozen one must be cloned
 * again per consumer (see {@link isShareable}).
 *
 * The plain-data path is several times faster than `structuredClone` for small objects.
 * @throws {DOMException} `DataCloneError` for values `structuredClone` rejects (functions, …).
 */
export function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "symbol") return structuredClone(value);
    return value;
  }
  try {
    return copyPlain(value, 0) as T;
  } catch (e) {
    if (e !== FALLBACK) throw e;
    return structuredClone(value);
  }
}

/** Whether a payload produced by {@link frozenCopy} can be handed to several consumers. */
export function isShareable(value: unknown): boolean {
  return value === null || typeof value !== "object" || Object.isFrozen(value);
}

function copyPlain(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== "object") {
    if (typeof v === "function" || typeof v === "symbol") throw FALLBACK;
    return v;
  }
  if (depth > MAX_DEPTH) throw FALLBACK; // maybe a cycle: structuredClone handles those
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) throw FALLBACK;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyPlain(v[i], depth + 1);
    return Object.freeze(out);
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw FALLBACK;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (k === "__proto__") throw FALLBACK;
    out[k] = copyPlain((v as Record<string, unknown>)[k], depth + 1);
  }
  return Object.freeze(out);
}
