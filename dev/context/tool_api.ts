/**
 * Each tool's plugin-facing API, read from its public file with `deno doc --json`: the type a
 * plugin receives (`Http`, `Db`, …) and every public member with its signature and the
 * first sentence of its doc comment.
 * @module
 */
import { denoBinary } from "../supervisor.ts";
import { type DocNode, params, renderType, typeParams } from "./ts_type.ts";

/** One public member of a tool's API (overloads share one entry). */
export interface ApiMember {
  name: string;
  /** Rendered signatures, one per overload. */
  signatures: string[];
  /** First sentence of the doc comment. */
  doc: string;
}

/** The API a plugin gets when it injects a tool. */
export interface ToolApi {
  /** Type name, e.g. `Http`. */
  type: string;
  /** Where to import it from, e.g. `@tools/http/mod.ts`. */
  importFrom: string;
  /** First sentence of the module doc. */
  summary: string;
  members: ApiMember[];
}

/** Where a tool's API lives; the kernel's built-in tools are documented from `core/`. */
export interface ApiSource {
  tool: string;
  /** Project-relative file to document. */
  file: string;
  importFrom: string;
  /** The type to render; found from the module's example or the tool's name when omitted. */
  type?: string;
}

/** The kernel's built-in tools and the contract that describes them. */
export const BUILTIN_APIS: Record<string, ApiSource> = {
  status: { tool: "status", file: "core/types.ts", importFrom: "@core", type: "StatusRegistry" },
};

/** Runs `deno doc --json` over files (project-relative) and returns the parsed output. */
export type DocRunner = (root: string, files: string[]) => Promise<DocNode>;

/** The default runner: a `deno doc --json` subprocess (needs the `run` permission). */
export const denoDoc: DocRunner = async (root, files) => {
  const out = await new Deno.Command(denoBinary(), {
    args: ["doc", "--json", ...files],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    throw new Error(`deno doc failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
};

/** Reads the plugin-facing API of each source. Sources whose type cannot be found are omitted. */
export async function readToolApis(
  root: string,
  sources: ApiSource[],
  run: DocRunner = denoDoc,
): Promise<Map<string, ToolApi>> {
  const out = new Map<string, ToolApi>();
  if (!sources.length) return out;
  const files = [...new Set(sources.map((s) => s.file))].sort();
  const doc = await run(root, files);
  const nodes: Record<string, DocNode> = doc?.nodes ?? {};
  for (const src of sources) {
    const key = Object.keys(nodes).find((u) => u.endsWith(`/${src.file}`));
    if (!key) continue;
    const api = apiOf(src, nodes[key]);
    if (api) out.set(src.tool, api);
  }
  return out;
}

/** Builds one tool's API from its module's doc node. */
export function apiOf(src: ApiSource, mod: DocNode): ToolApi | undefined {
  const symbols: DocNode[] = mod.symbols ?? [];
  const moduleDoc = mod.module_doc?.jsDoc ?? mod.module_doc ?? {};
  const type = src.type ?? guessType(src.tool, moduleDoc, symbols);
  if (!type) return undefined;
  const members = membersOf(type, symbols, new Set());
  if (!members) return undefined;
  return {
    type,
    importFrom: src.importFrom,
    summary: firstSentence(moduleDoc.doc ?? ""),
    members: group(members),
  };
}

/**
 * The type a plugin declares for this tool: `constructor(private http: Http)` in the module's
 * examples, else `<Name>` (the naming rule: the class is `<Name>Tool`) when the module exports it.
 */
function guessType(tool: string, moduleDoc: DocNode, symbols: DocNode[]): string | undefined {
  const names = new Set(symbols.map((s) => s.name));
  const text = [moduleDoc.doc ?? "", ...(moduleDoc.tags ?? []).map((t: DocNode) => t.doc ?? "")]
    .join("\n");
  const re = new RegExp(`\\b${tool}\\??\\s*:\\s*([A-Z]\\w*)`, "g");
  for (const m of text.matchAll(re)) if (names.has(m[1])) return m[1];
  const pascal = tool.split(/[_-]/).map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return names.has(pascal) ? pascal : undefined;
}

interface RawMember {
  name: string;
  signature: string;
  doc: string;
}

/** Public members of a named interface, class or type alias (following extends, Pick, Omit). */
function membersOf(name: string, symbols: DocNode[], seen: Set<string>): RawMember[] | undefined {
  if (seen.has(name)) return [];
  seen.add(name);
  const sym = symbols.find((s) => s.name === name);
  if (!sym) return undefined;
  const out: RawMember[] = [];
  for (const d of sym.declarations ?? []) {
    if (d.kind === "interface") {
      for (const ext of d.def.extends ?? []) {
        const inherited = membersOf(ext.value?.typeName ?? ext.repr, symbols, seen) ?? [];
        out.push(...inherited);
      }
      out.push(...interfaceMembers(d.def));
    } else if (d.kind === "class") {
      out.push(...classMembers(d.def));
    } else if (d.kind === "typeAlias") {
      out.push(...(aliasMembers(d.def.tsType, symbols, seen) ?? []));
    }
  }
  // A later declaration (an override in an extending interface) wins over an inherited one.
  const own = new Set<string>();
  return out.reverse().filter((m) => {
    const key = `${m.name}\0${m.signature}`;
    if (own.has(key)) return false;
    own.add(key);
    return true;
  }).reverse();
}

function aliasMembers(t: DocNode, symbols: DocNode[], seen: Set<string>): RawMember[] | undefined {
  if (!t) return undefined;
  if (t.kind === "typeLiteral") return interfaceMembers(t.value);
  if (t.kind === "intersection") {
    return t.value.flatMap((x: DocNode) => aliasMembers(x, symbols, seen) ?? []);
  }
  if (t.kind !== "typeRef") return undefined;
  const { typeName, typeParams: args = [] } = t.value;
  if ((typeName === "Pick" || typeName === "Omit") && args.length === 2) {
    const base = aliasMembers(args[0], symbols, seen) ?? [];
    const keys = new Set(literals(args[1]));
    return base.filter((m) => (typeName === "Pick") === keys.has(m.name));
  }
  return membersOf(typeName, symbols, seen);
}

function literals(t: DocNode): string[] {
  if (t?.kind === "literal") return [t.value?.string ?? String(t.repr)];
  if (t?.kind === "union") return t.value.flatMap(literals);
  return [];
}

/** A member with its source line, before {@link bySourceOrder} sorts them. */
type LocatedMember = RawMember & { line: number };

/** A property of an interface or class, as a member line. */
function propertyMember(p: DocNode): LocatedMember {
  return {
    name: p.name,
    signature: `${p.readonly ? "readonly " : ""}${p.name}${p.optional ? "?" : ""}: ${
      renderType(p.tsType)
    }`,
    doc: docOf(p),
    line: p.location?.line ?? 0,
  };
}

function interfaceMembers(def: DocNode): RawMember[] {
  const props = (def.properties ?? []).map(propertyMember);
  const methods = (def.methods ?? []).map((m: DocNode) => ({
    name: m.name,
    signature: `${m.name}${m.optional ? "?" : ""}${typeParams(m.typeParams)}(${
      params(m.params)
    }): ${renderType(m.returnType)}`,
    doc: docOf(m),
    line: m.location?.line ?? 0,
  }));
  return bySourceOrder([...props, ...methods]);
}

function classMembers(def: DocNode): RawMember[] {
  const visible = (m: DocNode) =>
    !m.isStatic && !m.accessibility?.startsWith("p") && !String(m.name).startsWith("#") &&
    !String(m.name).startsWith("_") && !isInternal(m);
  const props = (def.properties ?? []).filter(visible).map(propertyMember);
  const all: DocNode[] = (def.methods ?? []).filter(visible);
  // An overloaded method's implementation signature (the one with a body) is not callable.
  const overloaded = new Set(
    all.filter((m) => !m.functionDef?.hasBody && m.kind === "method").map((m) => m.name),
  );
  const methods = all.filter((m) => !(overloaded.has(m.name) && m.functionDef?.hasBody)).map(
    (m: DocNode) => {
      const fn = m.functionDef ?? {};
      const sig = m.kind === "getter"
        ? `readonly ${m.name}: ${renderType(fn.returnType)}`
        : m.kind === "setter"
        ? `${m.name}: ${renderType(fn.params?.[0]?.tsType)}`
        : `${m.name}${m.optional ? "?" : ""}${typeParams(fn.typeParams)}(${params(fn.params)}): ${
          renderType(fn.returnType)
        }`;
      return { name: m.name, signature: sig, doc: docOf(m), line: m.location?.line ?? 0 };
    },
  );
  return bySourceOrder([...props, ...methods]);
}

function bySourceOrder(ms: LocatedMember[]): RawMember[] {
  return ms.sort((a, b) => a.line - b.line).map(({ name, signature, doc }) => ({
    name,
    signature,
    doc,
  }));
}

function isInternal(m: DocNode): boolean {
  return (m.jsDoc?.tags ?? []).some((t: DocNode) =>
    t.kind === "unsupported" && /@internal/.test(t.value) || t.kind === "internal"
  );
}

function docOf(m: DocNode): string {
  return firstSentence(m.jsDoc?.doc ?? "");
}

function group(ms: RawMember[]): ApiMember[] {
  const out = new Map<string, ApiMember>();
  for (const m of ms) {
    const cur = out.get(m.name) ?? { name: m.name, signatures: [], doc: "" };
    if (!cur.signatures.includes(m.signature)) cur.signatures.push(m.signature);
    if (!cur.doc && m.doc) cur.doc = m.doc;
    out.set(m.name, cur);
  }
  return [...out.values()];
}

/** The first sentence of a doc comment, on one line, `{@link X}` as `X`. */
export function firstSentence(doc: string): string {
  const para = doc.trim().split(/\n\s*\n/)[0] ?? "";
  const flat = para.replace(/\{@link(?:code|plain)?\s+([^}|\s]+)(?:[\s|][^}]*)?\}/g, "$1")
    .replace(/\s+/g, " ").trim();
  const m = /^(.+?(?<!\b(?:e\.g|i\.e|etc|vs))[.!?])(\s|$)/.exec(flat);
  return m ? m[1] : flat;
}
