/**
 * Checking that a value is plain JSON, the only thing the state store keeps (so any driver,
 * memory or Redis, can hold it).
 * @module
 */
import type { Json } from "./types.ts";

/** Thrown when a value cannot be stored: the message names the key and where the value is bad. */
export class StateValueError extends TypeError {
  /** `message` names the key and where the value is bad. */
  constructor(message: string) {
    super(message);
    this.name = "StateValueError";
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `a function${v.name ? ` (${v.name})` : ""}`;
  if (typeof v === "bigint") return "a bigint";
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "number") return String(v);
  const proto = Object.getPrototypeOf(v);
  return `a ${proto?.constructor?.name ?? "non-plain object"}`;
}

/**
 * Throw a {@link StateValueError} unless `value` is plain JSON: null, booleans, finite numbers,
 * strings, arrays and plain objects of those, without cycles. Dates, Maps, class instances,
 * functions and `undefined` (also inside objects) are refused rather than silently changed.
 */
export function assertJson(value: unknown, key: string): asserts value is Json {
  const stack = new Set<object>();
  const walk = (v: unknown, path: string): void => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (Number.isFinite(v)) return;
        break;
      case "object": {
        if (v === null) return;
        if (stack.has(v)) {
          throw new StateValueError(
            `State value for "${key}" is cyclic at ${path}: values must be plain JSON`,
          );
        }
        if (Array.isArray(v)) {
          stack.add(v);
          for (let i = 0; i < v.length; i++) walk(v[i], `${path}[${i}]`);
          stack.delete(v);
          return;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) break;
        stack.add(v);
        for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], `${path}.${k}`);
        stack.delete(v);
        return;
      }
    }
    const hint = v instanceof Date ? " (store date.toISOString() instead)" : "";
    throw new StateValueError(
      `State value for "${key}" is not JSON-serializable: ${describe(v)} at ${path}${hint}`,
    );
  };
  walk(value, "$");
}
