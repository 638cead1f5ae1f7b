/**
 * The files `deno task new` writes. Each template gives code that passes `deno fmt`, `deno lint`,
 * `deno check` and its own test as generated.
 * @module
 */

/** `create_order` → `CreateOrder`. */
export function pascal(name: string): string {
  return name.split(/[_-]/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

/** What a new plugin does. */
export interface PluginSpec {
  domain: string;
  name: string;
  /** `{ method, path }` of the route it serves, if any. */
  route?: { method: string; path: string };
  /** With a route: the event it publishes after handling; without: the event it reacts to. */
  event?: string;
}

/** The plugin file. */
export function pluginFile(s: PluginSpec): string {
  const cls = `${pascal(s.name)}Plugin`;
  const publishes = s.route && s.event ? s.event : undefined;
  const subscribes = !s.route && s.event ? s.event : undefined;
  const tools: [string, string, string][] = []; // [param, type, module]
  if (s.route) tools.push(["http", "Http", "@tools/http/mod.ts"]);
  if (s.event) tools.push(["event_bus", "EventBus", "@tools/event_bus/mod.ts"]);
  if (!s.route) tools.push(["logger", "Logger", "@tools/logger/mod.ts"]);

  const imports = [
    `import { BasePlugin } from "@core";`,
    ...tools.map(([, type, mod]) => `import type { ${type} } from "${mod}";`),
  ];
  const what = s.route
    ? `\`${s.route.method} ${s.route.path}\`: TODO say what this feature does.`
    : subscribes
    ? `Reacts to \`${subscribes}\`: TODO say what this feature does.`
    : "TODO say what this feature does.";

  let body: string[];
  if (s.route) {
    body = [
      `    this.http.addEndpoint("${s.route.path}", "${s.route.method}", (data) => {`,
      ...(publishes ? [`      this.event_bus.publish("${publishes}", data);`] : []),
      "      return { success: true, data };",
      `    }, { summary: "TODO: one line for the API docs" });`,
    ];
  } else if (subscribes) {
    body = [
      `    this.event_bus.subscribe("${subscribes}", (event) => {`,
      `      this.logger.info("${subscribes} received", { payload: event.payload });`,
      "    });",
    ];
  } else {
    body = [`    this.logger.info("booted");`];
  }

  return [
    ...imports,
    "",
    `/** ${what} */`,
    `export default class ${cls} extends BasePlugin {`,
    `  constructor(${tools.map(([p, t]) => `private ${p}: ${t}`).join(", ")}) {`,
    "    super();",
    "  }",
    "",
    "  override onBoot() {",
    ...body,
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * A domain's contract (`domains/<domain>/events.ts`) declaring the event a new plugin publishes,
 * written when the domain has none yet: the bus refuses undeclared events in dev and test.
 */
export function contractFile(event: string): string {
  return [
    `import { z } from "zod";`,
    `import { defineContract } from "@tools/event_bus/mod.ts";`,
    "",
    "/** What this domain publishes (and answers); payloads are checked in dev and test. */",
    "export default defineContract({",
    "  publishes: {",
    "    // TODO: the payload's fields, e.g. z.object({ id: z.number().int() })",
    `    "${event}": z.record(z.string(), z.unknown()),`,
    "  },",
    "});",
    "",
  ].join("\n");
}

/**
 * The plugin's test, beside it, written with the test kit (`@microcore/testing`): the plugin
 * boots alone in a test-mode kernel with hermetic tools (no port, in-memory db).
 */
export function pluginTestFile(s: PluginSpec): string {
  const cls = `${pascal(s.name)}Plugin`;
  const publishes = s.route && s.event ? s.event : undefined;
  const subscribes = !s.route && s.event ? s.event : undefined;
  const lines = [
    `import assert from "node:assert/strict";`,
    `import { bootPlugin } from "@microcore/testing";`,
    `import ${cls} from "./${s.name}.ts";`,
    "",
    `Deno.test("${s.domain}/${s.name} boots and releases everything on unload", async () => {`,
    `  await using t = await bootPlugin(${cls});`,
    `  assert.equal(t.status?.state, "ready");`,
    ...(!s.route && !s.event ? [`  assert.deepEqual(t.logs.messages("info"), ["booted"]);`] : []),
    "  await t.unload();",
    "  await t.assertReleased();",
    "});",
    "",
  ];
  if (s.route) {
    const path = s.route.path.replace(/:(\w+)/g, "1").replace(/\{(\w+)\}/g, "1");
    const hasBody = ["POST", "PUT", "PATCH"].includes(s.route.method);
    lines.push(
      `Deno.test("${s.route.method} ${s.route.path} answers${
        publishes ? ` and publishes ${publishes}` : ""
      }", async () => {`,
      `  await using t = await bootPlugin(${cls});`,
      `  const res = await t.http.request("${s.route.method}", "${path}"${
        hasBody ? `, { name: "test" }` : ""
      });`,
      "  assert.equal(res.status, 200);",
      "  assert.equal(res.body.success, true);",
      ...(publishes ? [`  assert.equal(t.bus.payloads("${publishes}").length, 1);`] : []),
      "});",
      "",
    );
  }
  if (subscribes) {
    lines.push(
      `Deno.test("handles ${subscribes}", async () => {`,
      `  await using t = await bootPlugin(${cls});`,
      `  await t.bus.deliver("${subscribes}", { test: true });`,
      `  assert.deepEqual(t.logs.messages("info"), ["${subscribes} received"]);`,
      "});",
      "",
    );
  }
  return lines.join("\n");
}

/**
 * A domain's first migration, in two files: `001_create_<domain>.sql` runs on every engine
 * but PostgreSQL, where `001_create_<domain>.postgres.sql` replaces it (only the id column
 * differs). Both are one migration, applied once.
 */
export function migrationFiles(domain: string): { sql: string; postgres: string } {
  const head = (engine: string) => [
    `-- First migration of the ${domain} domain (${engine}). Files here run once each, in number`,
    "-- order, before the domain's plugins load; add changes as new files (002_..., 003_...).",
    "-- NNN_name.sql runs on every engine unless NNN_name.postgres.sql (or .sqlite.sql) is beside",
    "-- it: write portable SQL, and a per-engine file only where the engines differ (here the id).",
    "-- Read a new id with INSERT ... RETURNING id (db.queryOne), which both engines support.",
  ];
  const table = (id: string) => [
    `CREATE TABLE ${domain} (`,
    `  id ${id},`,
    "  name TEXT NOT NULL,",
    "  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP",
    ");",
    "",
  ];
  return {
    sql: [
      ...head("SQLite; PostgreSQL runs the .postgres.sql file"),
      ...table("INTEGER PRIMARY KEY"),
    ]
      .join("\n"),
    postgres: [
      ...head("PostgreSQL"),
      ...table("INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    ].join("\n"),
  };
}

/** A tool's public face: the class the kernel discovers and the type plugins import. */
export function toolModFile(name: string): string {
  const p = pascal(name);
  return [
    "/**",
    ` * The \`${name}\` tool: TODO say what it is for.`,
    " *",
    " * @example",
    " * ```ts",
    ` * import { BasePlugin } from "@core";`,
    ` * import type { ${p} } from "@tools/${name}/mod.ts";`,
    " *",
    ` * export default class Uses${p} extends BasePlugin {`,
    ` *   constructor(private ${name}: ${p}) {`,
    " *     super();",
    " *   }",
    " *   override onBoot() {",
    ` *     this.${name}.register("greeting", "hello");`,
    " *   }",
    " * }",
    " * ```",
    " * @module",
    " */",
    `import { ${p}Tool } from "./tool.ts";`,
    "",
    `export { ${p}Tool } from "./tool.ts";`,
    `export type { ${p} } from "./types.ts";`,
    "",
    "/** The tool class; the kernel makes one instance per kernel. */",
    `export default ${p}Tool;`,
    "",
  ].join("\n");
}

/** The types plugins see. */
export function toolTypesFile(name: string): string {
  const p = pascal(name);
  return [
    "/**",
    ` * What a plugin holds when it asks for \`${name}\`.`,
    " * @module",
    " */",
    "",
    `/** The \`${name}\` API a plugin receives; everything it registers is owned by the plugin. */`,
    `export interface ${p} {`,
    "  /** Register `value` under `key`; it goes away with the plugin. */",
    "  register(key: string, value: unknown): void;",
    "  /** The live value under `key`, if any plugin registered one. */",
    "  lookup(key: string): unknown;",
    "}",
    "",
  ].join("\n");
}

/** The tool itself: its lifecycle, with owned registrations released per plugin. */
export function toolFile(name: string): string {
  const p = pascal(name);
  const env = `${name.toUpperCase()}_GREETING`;
  return [
    "/**",
    ` * The \`${name}\` tool's lifecycle. Everything a plugin registers is recorded against it`,
    " * (an OwnedRegistry), so that a reload switches at once and an unload removes exactly its part.",
    " * @module",
    " */",
    `import { type LogSink, OwnedRegistry, type Owner, type Tool, type ToolContext } from "@core";`,
    `import type { ${p} } from "./types.ts";`,
    "",
    "interface Item {",
    "  key: string;",
    "  value: unknown;",
    "}",
    "",
    `/** The \`${name}\` tool; plugins receive its {@link ${p}} API through {@link ${p}Tool.forOwner}. */`,
    `export class ${p}Tool implements Tool {`,
    `  readonly name = "${name}";`,
    `  readonly description = "TODO: one line saying what ${name} is for";`,
    "  /** The settings this tool reads with `ctx.env` (reading any other throws). */",
    "  readonly env = {",
    `    ${env}: "TODO: what this setting does (default hello)",`,
    "  } as const;",
    "  #items = new OwnedRegistry<Item>();",
    "  #log: LogSink | undefined;",
    `  #greeting = "hello";`,
    "",
    "  /** Open connections, read settings. A throw marks this tool failed, and only it. */",
    "  setup(ctx: ToolContext): void {",
    "    this.#log = ctx.log;",
    `    this.#greeting = ctx.env("${env}") ?? this.#greeting;`,
    `    this.#log.debug(\`${name} ready (\${this.#greeting})\`);`,
    "  }",
    "",
    "  /** The per-plugin API: every registration is owned by `owner`. */",
    `  forOwner(owner: Owner): ${p} {`,
    "    return {",
    "      register: (key, value) => void this.#items.add(owner, { key, value }),",
    "      lookup: (key) => this.lookup(key),",
    "    };",
    "  }",
    "",
    "  /** The live value under `key` (the latest registration wins). */",
    "  lookup(key: string): unknown {",
    "    return this.#items.live().findLast((i) => i.key === key)?.value;",
    "  }",
    "",
    "  /** Make this generation of the plugin live; older ones are dropped in the same step. */",
    "  activate(owner: Owner): void {",
    "    this.#items.activate(owner);",
    "  }",
    "",
    "  /** Drop a plugin's registrations (one generation, or all). */",
    "  release(ownerId: string, generation?: number): void {",
    "    this.#items.release(ownerId, generation);",
    "  }",
    "",
    "  /** What the status page shows for a plugin. */",
    "  describeOwner(ownerId: string): Record<string, unknown> | undefined {",
    "    const keys = this.#items.itemsOf(ownerId).map((i) => i.key);",
    `    return keys.length ? { ${name}: keys } : undefined;`,
    "  }",
    "",
    "  /** What the status page shows for the tool. */",
    "  describe(): Record<string, unknown> {",
    "    return { registered: this.#items.live().length };",
    "  }",
    "",
    "  /** Close connections; called after every plugin has shut down. */",
    "  shutdown(): void {",
    "    this.#items = new OwnedRegistry<Item>();",
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The tool's test: registrations are staged until activate and released with their owner. */
export function toolTestFile(name: string): string {
  const p = pascal(name);
  return [
    `import assert from "node:assert/strict";`,
    `import { standaloneContext } from "@microcore/testing/standalone.ts";`,
    `import { ${p}Tool } from "./tool.ts";`,
    "",
    `Deno.test("${name}: registrations are owned, staged until activate, released", () => {`,
    `  const tool = new ${p}Tool();`,
    `  tool.setup(standaloneContext({ env: { ${name.toUpperCase()}_GREETING: "hi" } }));`,
    `  const gen1 = { id: "d/p", generation: 1 };`,
    `  const gen2 = { id: "d/p", generation: 2 };`,
    `  tool.forOwner(gen1).register("k", 1);`,
    `  assert.equal(tool.lookup("k"), undefined);`,
    "  tool.activate(gen1);",
    `  assert.equal(tool.lookup("k"), 1);`,
    `  tool.forOwner(gen2).register("k", 2);`,
    `  assert.equal(tool.lookup("k"), 1);`,
    "  tool.activate(gen2);",
    `  assert.equal(tool.lookup("k"), 2);`,
    `  assert.deepEqual(tool.describeOwner("d/p"), { ${name}: ["k"] });`,
    `  tool.release("d/p");`,
    `  assert.equal(tool.lookup("k"), undefined);`,
    "});",
    "",
  ].join("\n");
}
