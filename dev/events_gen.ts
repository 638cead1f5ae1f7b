/**
 * Writing `events.gen.ts`: the types of every domain's contract (`domains/<d>/events.ts`)
 * merged into the event bus's `DeclaredEvents` and `DeclaredRequests`, so that `publish`,
 * `subscribe`, `request` and `respond` are typed by them in every file. `deno.json` lists it in
 * `compilerOptions.types`; it is written with `microcore.gen.ts` (dev, `deno task manifest`,
 * `deno task new`), and only a new or removed `events.ts` changes it.
 * @module
 */
import { exists } from "@core";

/** The generated file, at the project root. */
export const EVENTS_GEN_FILE = "events.gen.ts";

/** Domains (sorted) that have an `events.ts`. */
export async function contractDomains(root: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const d of Deno.readDir(`${root}/domains`)) {
      if (!d.isDirectory || /^[._]/.test(d.name)) continue;
      if (await exists(`${root}/domains/${d.name}/events.ts`)) out.push(d.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** The text of `events.gen.ts` for these domains (formatted as `deno fmt` would). */
export function renderEventTypes(domains: readonly string[]): string {
  const id = (d: string) => `$${d.replace(/[^A-Za-z0-9_$]/g, "_")}`;
  const imports = domains.map((d) => `import type ${id(d)} from "./domains/${d}/events.ts";`);
  // One declaration per domain (interfaces merge): short lines, stable under `deno fmt`.
  const body = domains.length
    ? domains.map((d) =>
      `  interface DeclaredEvents extends EventsOf<typeof ${id(d)}> {}\n` +
      `  interface DeclaredRequests extends RequestsOf<typeof ${id(d)}> {}\n`
    ).join("")
    : "  interface DeclaredEvents {}\n  interface DeclaredRequests {}\n";
  const ignore = domains.length ? "" : "// deno-lint-ignore-file no-empty-interface\n";
  return `// Generated with microcore.gen.ts: do not edit. Merges each domain's events.ts into the
// event bus's types (deno.json → compilerOptions.types lists this file).
${ignore}import type { EventsOf, RequestsOf } from "@tools/event_bus/contracts.ts";
${imports.join("\n")}${imports.length ? "\n" : ""}
declare module "@tools/event_bus/contracts.ts" {
${body}}
`;
}

/** The text the tree under `root` calls for. */
export async function wantedEventTypes(root: string): Promise<string> {
  return renderEventTypes(await contractDomains(root));
}

/** Writes `events.gen.ts` if it changed; returns whether it did. */
export async function writeEventTypes(root: string): Promise<boolean> {
  const wanted = await wantedEventTypes(root);
  const path = `${root}/${EVENTS_GEN_FILE}`;
  const current = await Deno.readTextFile(path).catch(() => undefined);
  if (current === wanted) return false;
  await Deno.writeTextFile(path, wanted);
  return true;
}
