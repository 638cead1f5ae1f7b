/**
 * One vocabulary for column types on every engine, so that `describeSchema` (and AI_CONTEXT.md)
 * say the same of a table on SQLite and on PostgreSQL.
 * @module
 */

/** A column's type, engine-neutral. `other` for what none of these fits (e.g. an enum). */
export type ColumnType =
  | "text"
  | "int"
  | "float"
  | "bool"
  | "timestamp"
  | "json"
  | "blob"
  | "other";

/**
 * The {@link ColumnType} of a declared type as SQLite (`INTEGER`, `VARCHAR(20)`, ``) or
 * PostgreSQL (`integer`, `character varying`, `timestamp with time zone`) reports it: the names
 * both engines share first, then SQLite's affinity rules (a type containing INT is an integer…,
 * no type at all is a blob).
 */
export function normalizeType(declared: string): ColumnType {
  const t = declared.trim().toLowerCase().replace(/\(.*$/, "").trim();
  if (t === "") return "blob";
  if (/^(bool|boolean)$/.test(t)) return "bool";
  if (/^(json|jsonb)$/.test(t)) return "json";
  if (/^(timestamp|datetime|date|time)\b/.test(t)) return "timestamp";
  if (/^(bytea|blob)$/.test(t)) return "blob";
  if (/^(uuid|citext|name)$/.test(t) || t.endsWith("[]") || t === "array") {
    return t === "uuid" || t === "citext" || t === "name" ? "text" : "other";
  }
  if (t.includes("int") || t.includes("serial")) return "int";
  if (/char|clob|text/.test(t)) return "text";
  if (/real|floa|doub|numeric|decimal/.test(t)) return "float";
  return "other";
}

/** Column sets in a stable order (by their joined names); sorts in place and returns `sets`. */
export function sortSets(sets: string[][]): string[][] {
  const key = (s: string[]) => s.join(",");
  return sets.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}
