/**
 * Renders the {@link ContextModel} as AI_CONTEXT.md: how to write a plugin, the tools' APIs,
 * the domains, the event catalogue, how to test, the tasks. Pure and deterministic.
 * @module
 */
import type { ContextModel, PluginModel, RouteModel, ToolModel } from "./collect.ts";

/** The file's first line; also how `--check` recognises a generated file. */
export const HEADER = "# AI_CONTEXT.md — MicroCoreOS project map";

/** Renders the whole file. */
export function render(m: ContextModel): string {
  const out = [
    HEADER,
    "",
    "> Generated from the running code by `deno task context` (and by `deno task dev` on every change). Do not edit.",
    "",
    ...pluginGuide(m),
    ...tools(m.tools),
    ...domains(m),
    ...events(m),
    ...testing(m),
    ...tasks(m),
  ];
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

function pluginGuide(m: ContextModel): string[] {
  const out = [
    "## Writing a plugin",
    "",
    "One file = one feature: `domains/<domain>/plugins/<name>.ts` default-exports a class extending `BasePlugin` (from `@core`); its id is `<domain>/<name>`. Files named `_*` or `*_test.ts` are not plugins.",
    "",
    "- **Inject by name**: each constructor parameter is named after a tool (`private db: Db`); the kernel passes it. An unknown name fails this plugin alone; a default value makes a tool optional.",
    "- **Register in `onBoot()`** (routes, subscriptions, responders). Everything is owned by the plugin and released on unload or reload; no side effects at module level.",
    '- **Other domains only through `event_bus`** (publish/subscribe, request/respond); never import another domain\'s files. Declare what you publish: `static override publishes = ["x.created"]`.',
    "- Schemas shared by a domain's plugins live in `models/`; SQL in `migrations/NNN_name.sql`, applied in order before the domain's plugins load.",
    '- Scaffold with `deno task new plugin <domain>/<name> [--route "POST /path"] [--event <name>]`; under `deno task dev` a saved file is live at once.',
    "",
  ];
  if (m.example) {
    out.push(`Example (\`${m.example.file}\`):`, "", "```ts", m.example.text.trimEnd(), "```", "");
  }
  return out;
}

function tools(ts: ToolModel[]): string[] {
  const out = ["## Tools", ""];
  for (const t of ts) {
    const state = t.state === "ready" ? "" : ` **(${t.state})**`;
    out.push(`### ${t.name}${state}`, "");
    if (t.description) out.push(t.description, "");
    if (t.env.length) {
      out.push(
        `Settings: ${t.env.map(([k, v]) => `\`${k}\` (${v.replace(/\.$/, "")})`).join("; ")}.`,
        "",
      );
    }
    if (!t.api) continue;
    const a = t.api;
    out.push(
      `\`constructor(private ${t.name}: ${a.type})\` · \`import type { ${a.type} } from "${a.importFrom}";\``,
      "",
    );
    for (const mem of a.members) {
      const sigs = mem.signatures.map((s) => `\`${s}\``).join(" / ");
      out.push(`- ${sigs}${mem.doc ? ` — ${mem.doc}` : ""}`);
    }
    out.push("");
  }
  return out;
}

function domains(m: ContextModel): string[] {
  const out = ["## Domains", ""];
  if (!m.domains.length) out.push("None yet: `deno task new domain <name>`.", "");
  for (const d of m.domains) {
    out.push(`### ${d.name}`, "");
    const extra = [
      d.models.length ? `models: ${d.models.map(base).map(code).join(", ")}` : "",
      d.migrations.length ? `migrations: ${d.migrations.map(base).map(code).join(", ")}` : "",
    ].filter(Boolean);
    if (extra.length) out.push(extra.join(" · "), "");
    for (const p of d.plugins) out.push(...plugin(p));
    out.push("");
  }
  return out;
}

function plugin(p: PluginModel): string[] {
  const state = p.state === "ready" ? "" : ` **(${p.state})**`;
  const out = [`- **${p.id}**${state} \`${p.file}\` — tools: ${p.tools.join(", ") || "none"}`];
  for (const r of p.routes) out.push(`  - ${route(r)}`);
  if (p.publishes.length) out.push(`  - publishes ${p.publishes.map(code).join(", ")}`);
  if (p.subscribes.length) out.push(`  - subscribes ${p.subscribes.map(code).join(", ")}`);
  if (p.responds.length) out.push(`  - responds to ${p.responds.map(code).join(", ")}`);
  return out;
}

function route(r: RouteModel): string {
  const parts = [`\`${r.method} ${r.path}\``];
  if (r.summary) parts.push(r.summary);
  if (r.query) parts.push(`query \`${r.query}\``);
  if (r.body) parts.push(`body \`${r.body}\``);
  return parts.join(" — ");
}

function events(m: ContextModel): string[] {
  const plugins = m.domains.flatMap((d) => d.plugins);
  const names = new Set<string>();
  for (const p of plugins) for (const e of p.publishes) names.add(e);
  const subs = plugins.flatMap((p) =>
    p.subscribes.map((s) => ({ id: p.id, pattern: s.replace(/\s*\(.*\)$/, ""), label: s }))
  );
  for (const s of subs) if (!isWildcard(s.pattern)) names.add(s.pattern);
  const rows: string[] = [];
  for (const name of [...names].sort()) {
    const pubs = plugins.filter((p) => p.publishes.includes(name)).map((p) => p.id);
    const by = subs.filter((s) => matches(s.pattern, name)).map((s) =>
      s.label === name ? s.id : `${s.id} (\`${s.label}\`)`
    );
    rows.push(`| \`${name}\` | ${list(pubs)} | ${list(by)} |`);
  }
  for (const s of subs) {
    if (isWildcard(s.pattern) && ![...names].some((n) => matches(s.pattern, n))) {
      rows.push(`| \`${s.label}\` | — | ${s.id} |`);
    }
  }
  const out = ["## Events", ""];
  if (rows.length) {
    out.push("| event | published by | subscribed by |", "| --- | --- | --- |", ...rows, "");
  } else out.push("No events yet.", "");
  const responders = plugins.flatMap((p) => p.responds.map((r) => `| \`${r}\` | ${p.id} |`))
    .sort();
  if (responders.length) {
    out.push(
      "Request–response (`event_bus.request(name, payload)`):",
      "",
      "| request | answered by |",
      "| --- | --- |",
      ...responders,
      "",
    );
  }
  return out;
}

function testing(m: ContextModel): string[] {
  const out = [
    "## Testing a plugin",
    "",
    "Tests sit beside the plugin as `<name>_test.ts` (`Deno.test` + `node:assert/strict`); run `deno test -P=test domains/<domain>` (or `deno task test`). `deno task new plugin` writes one with the plugin.",
    "",
    'Use the test kit, `import { bootPlugin } from "@microcore/testing"`: `await using t = await bootPlugin(MyPlugin, { config: { KEY: "v" }, tools: { name: stub } })` boots the plugin alone in a real kernel (mode `test`: same injection, same errors, a `PluginBootError` if it fails) with the real tools made hermetic: no port, a private in-memory SQLite with the domain\'s migrations, config from the object, captured logs. Then:',
    "",
    "- `await t.http.request(method, path, data?)` → `{ status, body, headers }` (data: query string for GET/DELETE, JSON body otherwise); `t.http.routes()`.",
    "- `t.db` (the plugin's database, to seed and check), `await t.rows(sql, params?)` (rows as plain objects), `t.state`, `t.tool(name)`.",
    "- `t.bus.published` / `t.bus.payloads(name)` (what the plugin published), `await t.bus.deliver(name, payload)` (runs its subscribers and waits; rejects if one fails for good), `t.bus.respondTo(name, fn)` (answer its requests), `await t.bus.request(name, payload)` (ask its responder).",
    '- `t.logs.messages("info")`, `t.logs.records` (the plugin\'s), `t.logs.all`.',
    "- `await t.unload(); await t.assertReleased()`: proves no route, subscription or responder of it is left.",
    "",
  ];
  if (m.testExample) {
    out.push(
      `Example (\`${m.testExample.file}\`):`,
      "",
      "```ts",
      m.testExample.text.trimEnd(),
      "```",
      "",
    );
  }
  return out;
}

function tasks(m: ContextModel): string[] {
  const out = ["## Tasks", "", "| task | runs |", "| --- | --- |"];
  for (const [k, v] of m.tasks) out.push(`| \`deno task ${k}\` | \`${v.replace(/\|/g, "\\|")}\` |`);
  out.push("");
  if (m.permissions.length) {
    out.push("Permission sets (`deno.json` → `permissions`, used as `-P=<set>`):", "");
    for (const [k, v] of m.permissions) out.push(`- \`${k}\`: ${v}`);
    out.push("");
  }
  if (m.processEnv.length) {
    out.push(
      "Settings of the process (each tool's are under the tool; plugins read theirs with `config`):",
      "",
    );
    for (const [k, v] of m.processEnv) out.push(`- \`${k}\`: ${v}`);
    out.push("");
  }
  return out;
}

const MULTI = new Set(["**", "#"]);

function isWildcard(p: string): boolean {
  return p.split(".").some((s) => s === "*" || MULTI.has(s));
}

/** Whether event `name` matches `pattern` (`*` one segment, `**`/`#` zero or more). */
export function matches(pattern: string, name: string): boolean {
  const p = pattern.split("."), n = name.split(".");
  const go = (i: number, j: number): boolean => {
    if (i === p.length) return j === n.length;
    if (MULTI.has(p[i])) return go(i + 1, j) || (j < n.length && go(i, j + 1));
    return j < n.length && (p[i] === "*" || p[i] === n[j]) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

function list(xs: string[]): string {
  return xs.length ? xs.join(", ") : "—";
}

function code(s: string): string {
  return `\`${s}\``;
}

function base(f: string): string {
  return f.split("/").pop() ?? f;
}
