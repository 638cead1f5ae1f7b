/**
 * The layering rules of the whole tree, read from every file's imports: the kernel is blind,
 * tools are independent, plugins reach other domains only through the bus, the runtime never
 * loads the dev layer, and each layer is imported through its one public face.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { exists, projectRoot as root } from "./fs.ts";

/** Import-map names of packages (deno.json `imports` minus our own folders). */
const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
const PACKAGES = Object.keys(config.imports).filter((k) =>
  !k.startsWith("@core") && !k.startsWith("@tools") && !k.startsWith("@microcore")
);

const SPEC =
  /(?:^|[;\n}])\s*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*(["'])([^"'\n]+)\1|\bimport\s*\(\s*(["'])([^"'\n]+)\3\s*\)/g;

async function* sources(dir: string): AsyncGenerator<string> {
  if (!(await exists(`${root}/${dir}`))) return; // a copy of the project may leave e2e/ out
  for await (const e of Deno.readDir(`${root}/${dir}`)) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory && !e.name.startsWith(".")) yield* sources(rel);
    else if (e.isFile && /\.[mc]?[jt]sx?$/.test(e.name)) yield rel;
  }
}

/** Every static and literal dynamic import of a file, with comments and strings of code blanked. */
async function importsOf(rel: string): Promise<string[]> {
  const text = (await Deno.readTextFile(`${root}/${rel}`))
    .replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    // Template literals hold generated code (fixtures, scaffolds), not this file's imports.
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, "``");
  return [...text.matchAll(SPEC)].map((m) => m[2] ?? m[4]);
}

const isPackage = (s: string) =>
  s.startsWith("node:") || s.startsWith("npm:") ||
  PACKAGES.some((p) => s === p || (p.endsWith("/") && s.startsWith(p)));
const isTest = (rel: string) =>
  /_test\.[mc]?[jt]sx?$|\/test_helpers\.ts$/.test(rel) || rel.includes("/testdata/");

/** `from` resolved against `rel`, project-relative (or the specifier when not relative). */
function resolve(rel: string, spec: string): string {
  if (!spec.startsWith(".")) return spec;
  return decodeURIComponent(new URL(spec, `file:///${rel}`).pathname.slice(1));
}

/** Test-kit modules that import nothing of the kit: a tool's own tests may use them. */
const KIT_LEAVES = [
  "@microcore/testing/standalone.ts",
  "@microcore/testing/tcp_proxy.ts",
  "@microcore/testing/keepalive_load.ts",
];

/** The rule for one file: undefined when `spec` is allowed, else why not. */
function violation(rel: string, spec: string): string | undefined {
  const [top, second] = rel.split("/");
  const target = resolve(rel, spec);
  const within = (prefix: string) => spec.startsWith(".") && target.startsWith(prefix);
  if (isPackage(spec)) return undefined;
  if (top === "core") {
    if (within("core/")) return undefined;
    return "core/ imports only core/ and packages (the kernel is blind)";
  }
  if (/^(dev|cli)\//.test(target) || /(^|\/)(dev|cli)\//.test(spec)) {
    if (["dev", "cli", "bench", "e2e"].includes(top)) return undefined;
    return "only dev/, cli/, bench/ and e2e/ may import the dev layer";
  }
  if (spec.startsWith("@core/")) {
    return isTest(rel) && spec.startsWith("@core/testdata/")
      ? undefined
      : 'outside core/, import core as "@core" (its public face)';
  }
  if (/(^|\/)core\//.test(target) && spec.startsWith(".")) {
    return 'outside core/, import core as "@core", not by a relative path';
  }
  if (top === "tools") {
    if (spec === "@core") return undefined;
    if (within(`tools/${second}/`)) return undefined;
    // Its tests may set it up alone, and put a TCP proxy before its service (the kit's leaf
    // modules, not the kit, which loads every tool).
    if (isTest(rel) && KIT_LEAVES.includes(spec)) return undefined;
    return `a tool imports only its own folder, "@core" and packages (not ${spec})`;
  }
  if (top === "domains") {
    if (spec === "@core" || /^@tools\/[^/]+\/mod\.ts$/.test(spec)) return undefined;
    if (within(`domains/${second}/`)) return undefined;
    if (isTest(rel) && spec === "@microcore/testing") return undefined;
    return "a plugin imports its own domain, @core and @tools/<tool>/mod.ts (other domains: the bus)";
  }
  // Benchmarks may measure a tool's parts (a driver) directly.
  if (spec.startsWith("@tools/") && !/^@tools\/[^/]+\/mod\.ts$/.test(spec) && top !== "bench") {
    return "import a tool through its mod.ts";
  }
  if (/^tools\/[^/]+\/(?!mod\.ts$)/.test(target) && spec.startsWith(".")) {
    return "import a tool through its mod.ts";
  }
  if (rel === "main.ts" && !["@core", "./microcore.gen.ts"].includes(spec)) {
    return "main.ts imports only @core and the generated manifest";
  }
  return undefined;
}

Deno.test("architecture: every import follows the layering rules", async () => {
  const bad: string[] = [];
  const files = ["main.ts"];
  for (const dir of ["core", "tools", "domains", "dev", "cli", "testing", "bench", "e2e"]) {
    for await (const f of sources(dir)) files.push(f);
  }
  for (const rel of files) {
    for (const spec of await importsOf(rel)) {
      const why = violation(rel, spec);
      if (why) bad.push(`${rel}: "${spec}": ${why}`);
    }
  }
  deepEqual(bad, []);
  ok(files.length > 100, "the scan found the tree");
});

Deno.test("architecture: the rules catch what they are for", () => {
  equal(violation("core/kernel.ts", "../tools/http/mod.ts") !== undefined, true);
  equal(violation("core/kernel.ts", "@tools/http/mod.ts") !== undefined, true);
  equal(violation("tools/http/tool.ts", "../db/mod.ts") !== undefined, true);
  equal(violation("tools/http/tool.ts", "../../core/types.ts") !== undefined, true);
  equal(violation("tools/http/tool.ts", "@core/types.ts") !== undefined, true);
  equal(violation("tools/http/tool.ts", "@core"), undefined);
  equal(violation("tools/http/tool.ts", "./dispatch.ts"), undefined);
  equal(violation("domains/shop/plugins/a.ts", "../../blog/models/post.ts") !== undefined, true);
  equal(violation("domains/shop/plugins/a.ts", "../models/item.ts"), undefined);
  equal(violation("domains/shop/plugins/a.ts", "@tools/http/route_table.ts") !== undefined, true);
  equal(violation("main.ts", "./dev/main.ts") !== undefined, true);
  equal(violation("testing/mod.ts", "../dev/hot_reload.ts") !== undefined, true);
  equal(violation("tools/db/tool.ts", "zod"), undefined);
  equal(violation("tools/db/tool_test.ts", "@microcore/testing/standalone.ts"), undefined);
  equal(violation("tools/db/fault_test.ts", "@microcore/testing/tcp_proxy.ts"), undefined);
  equal(violation("tools/db/tool.ts", "@microcore/testing/tcp_proxy.ts") !== undefined, true);
  equal(violation("tools/db/tool_test.ts", "@microcore/testing") !== undefined, true);
});

Deno.test("architecture: main.ts's module graph (start, the compiled binary) holds no dev layer", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const ours = graph.modules.map((m) => m.specifier).filter((s) => s.startsWith(`file://${root}/`))
    .map((s) => s.slice(`file://${root}/`.length));
  ok(ours.includes("core/kernel.ts") && ours.includes("tools/http/mod.ts"), "graph was read");
  deepEqual(ours.filter((f) => /^(dev|cli)\//.test(f)), []);
});

Deno.test("architecture: core/ stays small and runtime-only; no tool file is a god file", async () => {
  let coreLines = 0;
  for await (const rel of sources("core")) {
    if (isTest(rel)) continue;
    const text = await Deno.readTextFile(`${root}/${rel}`);
    // Under mutation testing (`deno task mutate`) the files carry Stryker's instrumentation.
    if (text.includes("__stryker__")) return;
    ok(!/Deno\.watchFs|Deno\.Command/.test(text), `${rel}: no watcher or subprocess in core/`);
    coreLines += text.split("\n").length;
  }
  // ~1,600 after the restructuring; the production contracts (a tool's health, the outbox) added
  // ~100, most of it JSDoc on the types tools implement.
  ok(coreLines <= 1_750, `core/ has ${coreLines} lines without tests (budget 1,750)`);
  for await (const rel of sources("tools")) {
    if (isTest(rel)) continue;
    const lines = (await Deno.readTextFile(`${root}/${rel}`)).split("\n").length;
    ok(lines <= 400, `${rel} has ${lines} lines (at most ~400: split it by idea)`);
  }
});
