/**
 * JSON Schema (as found in an OpenAPI document) to a compact TypeScript-like shape, e.g.
 * `{ name: string, price: number, stock?: integer }`.
 * @module
 */

/** A JSON Schema node (loosely typed). */
// deno-lint-ignore no-explicit-any
export type JsonSchema = Record<string, any>;

const MAX_DEPTH = 4;

/** Renders a schema compactly; `$ref`s to `#/components/schemas/X` render as `X`. */
export function compactSchema(s: JsonSchema, doc?: JsonSchema, depth = 0): string {
  if (!s || typeof s !== "object") return "unknown";
  if (typeof s.$ref === "string") return s.$ref.split("/").pop() ?? "unknown";
  if ("const" in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join(" | ");
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union)) {
    return union.map((x: JsonSchema) => compactSchema(x, doc, depth)).join(" | ");
  }
  if (Array.isArray(s.allOf)) {
    return s.allOf.map((x: JsonSchema) => compactSchema(x, doc, depth)).join(" & ");
  }
  if (Array.isArray(s.type)) {
    return s.type.map((t: string) => compactSchema({ ...s, type: t }, doc, depth)).join(" | ");
  }
  switch (s.type) {
    case "string":
    case "number":
    case "integer":
    case "boolean":
    case "null":
      return s.type;
    case "array": {
      const item = s.items ? compactSchema(s.items, doc, depth + 1) : "unknown";
      return item.includes(" ") && !item.startsWith("{") ? `(${item})[]` : `${item}[]`;
    }
    case "object":
    case undefined: {
      const props = s.properties as Record<string, JsonSchema> | undefined;
      if (!props) {
        if (s.additionalProperties && typeof s.additionalProperties === "object") {
          return `Record<string, ${compactSchema(s.additionalProperties, doc, depth + 1)}>`;
        }
        return s.type === "object" ? "object" : "unknown";
      }
      if (depth >= MAX_DEPTH) return "object";
      const required = new Set<string>(s.required ?? []);
      const fields = Object.entries(props).map(([k, v]) =>
        `${k}${required.has(k) ? "" : "?"}: ${compactSchema(v, doc, depth + 1)}`
      );
      return `{ ${fields.join(", ")} }`;
    }
    default:
      return String(s.type);
  }
}
