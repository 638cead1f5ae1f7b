/**
 * The contracts part of the project model: each domain's declared events and requests with their
 * shapes (from `events.ts`, as the event bus loaded them), the tables its migrations create
 * (columns from the live, migrated schema, engine-neutral), and who publishes and asks what (read
 * from the plugin files: `.publish("name"`, `.request("name"`).
 * @module
 */
import type { Kernel } from "@core";
import { z } from "zod";
import { compactSchema } from "./schema.ts";

/** A declared event. */
export interface EventContract {
  name: string;
  domain: string;
  /** Compact payload shape, e.g. `{ id: integer }`. */
  payload: string;
}

/** A declared request. */
export interface RequestContract {
  name: string;
  domain: string;
  request: string;
  response: string;
}

/** A table a domain's migrations create, as the live schema has it. */
export interface TableModel {
  name: string;
  domain: string;
  /** `id int pk`, `name text!` (`!` = NOT NULL), `product_id int → products.id`. */
  columns: string[];
  unique: string[][];
}

interface ContractLike {
  publishes: Record<string, z.ZodType>;
  responds: Record<string, { request: z.ZodType; response: z.ZodType }>;
}

/** A Zod schema as a compact shape (`unknown` when it has no JSON Schema form). */
export function shapeOf(schema: z.ZodType): string {
  try {
    return compactSchema(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
  } catch {
    return "unknown";
  }
}

/** Declared events and requests, sorted by name. */
export function contractsOf(
  kernel: Kernel,
): { events: EventContract[]; requests: RequestContract[] } {
  const bus = kernel.tools.get("event_bus") as { contracts?: () => Map<string, ContractLike> };
  const all = typeof bus?.contracts === "function" ? bus.contracts() : new Map();
  const events: EventContract[] = [];
  const requests: RequestContract[] = [];
  for (const [domain, c] of all as Map<string, ContractLike>) {
    for (const [name, s] of Object.entries(c.publishes)) {
      events.push({ name, domain, payload: shapeOf(s) });
    }
    for (const [name, r] of Object.entries(c.responds)) {
      requests.push({ name, domain, request: shapeOf(r.request), response: shapeOf(r.response) });
    }
  }
  const byName = (a: { name: string }, b: { name: string }) => a.name < b.name ? -1 : 1;
  return { events: events.sort(byName), requests: requests.sort(byName) };
}

/** Names a plugin's source passes literally to `.publish(` and `.request(`. */
export function callsIn(text: string): { publishes: string[]; requests: string[] } {
  const names = (method: string) =>
    [...text.matchAll(
      new RegExp(`\\.${method}\\s*(?:<[^>]*>)?\\(\\s*["'\`]([^"'\`$]+)["'\`]`, "g"),
    )]
      .map((m) => m[1]);
  return { publishes: names("publish"), requests: names("request") };
}

/** `CREATE TABLE [IF NOT EXISTS] name` in SQL text. */
export function createdTables(sql: string): string[] {
  return [...sql.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?["`]?([A-Za-z_][\w]*)/gi)]
    .map((m) => m[1]);
}

interface SchemaLike {
  name: string;
  columns: {
    name: string;
    type: string;
    notNull: boolean;
    primaryKey: number;
    references?: string;
  }[];
  unique?: string[][];
}

/**
 * The tables of each domain (named by its migrations' CREATE TABLE), with the columns the db
 * tool's `describeSchema` reports; none when there is no db tool.
 */
export async function tablesOf(
  kernel: Kernel,
  migrations: Record<string, string[]>,
): Promise<TableModel[]> {
  const db = kernel.tools.get("db") as { forOwner?: (o: unknown) => unknown } | undefined;
  const api = db?.forOwner?.({ id: "context", generation: 1, domain: "context" }) as
    | { describeSchema?: () => Promise<SchemaLike[]> }
    | undefined;
  if (typeof api?.describeSchema !== "function") return [];
  let live: SchemaLike[];
  try {
    live = await api.describeSchema();
  } catch {
    return [];
  }
  const out: TableModel[] = [];
  for (const [domain, files] of Object.entries(migrations)) {
    const names = new Set<string>();
    for (const f of files) {
      const sql = await Deno.readTextFile(`${kernel.root}/${f}`).catch(() => "");
      for (const t of createdTables(sql)) names.add(t);
    }
    for (const t of live.filter((t) => names.has(t.name))) {
      out.push({
        name: t.name,
        domain,
        columns: t.columns.map((c) =>
          `${c.name} ${c.type}${c.primaryKey ? " pk" : c.notNull ? "!" : ""}${
            c.references ? ` → ${c.references}` : ""
          }`
        ),
        unique: t.unique ?? [],
      });
    }
  }
  return out;
}
