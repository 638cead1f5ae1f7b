import assert from "node:assert/strict";
import { type LogSink, projectRoot as root } from "@core";
import { bootForContext, generateContext, HEADER } from "./context/mod.ts";
import { compactSchema } from "./context/schema.ts";
import { matches } from "./context/render.ts";
import { firstSentence } from "./context/tool_api.ts";
import { copyProject } from "./testdata/project_copy.ts";

const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

Deno.test("AI_CONTEXT.md lists every tool method, plugin, route and event of the app", async () => {
  const kernel = await bootForContext(root, quiet);
  try {
    const text = await generateContext({ root, kernel });
    assert.ok(text.startsWith(HEADER));
    // The budget (docs/tasks.md): an assistant reads all of it.
    assert.ok(text.length / 4 <= 5000, `AI_CONTEXT.md is ~${Math.round(text.length / 4)} tokens`);
    // A route's declared answers, the usual envelope shown as its data.
    assert.ok(text.includes(
      "`POST /products` — Create a product — body `{ name: string, price: number, stock?: integer }` → 201 `{ id: integer }`",
    ));
    assert.ok(text.includes(
      "| `product.created` | `{ id: integer, name: string, stock: integer }` | products/create_product |",
    ));
    // Sections, in the order the issue asks for.
    const order = [
      "## Writing a plugin",
      "## Tools",
      "## Domains",
      "## Events",
      "## Testing",
      "## The running app over MCP",
    ]
      .map((h) => text.indexOf(h));
    assert.ok(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1])), `order ${order}`);

    const { entries } = kernel.status.snapshot();
    for (const e of entries) {
      if (e.kind === "tool") {
        assert.match(text, new RegExp(`^### ${e.id}\\b`, "m"), `tool ${e.id}`);
        continue;
      }
      // By name in Domains, or (a plugin with events only) in the Events tables.
      assert.ok(text.includes(`**${e.id}**`) || text.includes(`| ${e.id}`), `plugin ${e.id}`);
      for (const r of (e.routes ?? []) as { method: string; path: string }[]) {
        assert.ok(text.includes(`\`${r.method} ${r.path}\``), `route ${r.method} ${r.path}`);
      }
      for (const entry of [...(e.publishes ?? []), ...((e.subscribes ?? []) as string[])]) {
        const name = entry.replace(/ \(group [^)]+\)$/, ""); // a grouped subscription says its group
        assert.ok(text.includes(`| \`${name}\` |`), `event ${name} in the catalogue`);
      }
      for (const name of (e.responds ?? []) as string[]) {
        assert.match(
          text,
          new RegExp(`^\\| \`${name}\` \\| .* \\| ${e.id} \\|`, "m"),
          `responder ${name}`,
        );
      }
    }
    // A protected route (`auth:`, OpenAPI `security`) says it needs a token; a public one does not.
    const doc = (kernel.tools.get("http") as unknown as {
      openapi(): { paths: Record<string, Record<string, { security?: unknown[] }>> };
    }).openapi();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const line = text.split("\n").find((l) =>
          l.includes(`\`${method.toUpperCase()} ${path}\``)
        );
        assert.equal(line?.includes("needs a token (`auth:`)"), !!op.security, `${method} ${path}`);
      }
    }
    // Tool methods come from the tools' own source (deno doc), with signatures.
    for (
      const sig of [
        "addEndpoint<Path, B, Q, P, A>(path: Path, method: MethodName",
        "publish<N>(name: N, payload: PayloadOf<N>",
        "subscribe<N>(name: N, handler: EventHandler<PayloadOf<N>>",
        "respond<N>(name: N, handler: RequestHandler<RequestOf<N>, ResponseOf<N>>)",
        "query<T>(sql: string, params?: Params): Promise<T[]>",
        "transaction<T>(fn: (tx: Db) => T | Promise<T>): Promise<T>",
        "int(key: string, fallback: number): number",
        "increment(key: string",
        "child(name: string): Logger",
        "list(): StatusEntry[]",
      ]
    ) assert.ok(text.includes(sig), `signature ${sig}`);
    // Deterministic and free of machine paths and timestamps.
    assert.equal(await generateContext({ root, kernel }), text);
    assert.equal(await generateContext({ root, log: quiet }), text, "a second, own boot");
    assert.ok(!text.includes(root), "no absolute paths");
    assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}T\d{2}:/);
  } finally {
    await kernel.shutdown();
  }
});

Deno.test("deno task context: --check fails when stale; adding and removing a plugin changes the file", async () => {
  await using p = await copyProject();
  let r = await p.deno("task", "context");
  assert.equal(r.code, 0, r.out);
  const before = await p.read("AI_CONTEXT.md");
  assert.equal((await p.deno("task", "context", "--check")).code, 0);

  await p.write(
    "domains/zz_probe/plugins/probe.ts",
    `import { BasePlugin } from "@core";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";

export default class Probe extends BasePlugin {
  static override publishes = ["probe.pinged"];
  constructor(private http: Http, private event_bus: EventBus) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/zz/probe", "PUT", () => ({ ok: true }), { summary: "Probe it" });
    // Two methods on one path, one of them without a summary: every route is listed.
    this.http.addEndpoint("/zz/probe/:id", "GET", () => ({ ok: true }), { summary: "Read one" });
    this.http.addEndpoint("/zz/probe/:id", "DELETE", () => ({ ok: true }));
    this.event_bus.subscribe("probe.*", () => {});
  }
}
`,
  );
  r = await p.deno("task", "context", "--check");
  assert.equal(r.code, 1, "a stale file must fail --check");
  assert.match(r.out, /stale/);
  assert.equal((await p.deno("task", "context")).code, 0);
  const after = await p.read("AI_CONTEXT.md");
  assert.ok(after.includes("**zz_probe/probe**"));
  assert.ok(after.includes("  - `PUT /zz/probe` — Probe it\n"), "a route with a summary");
  assert.ok(
    after.includes("  - `GET /zz/probe/{id}` — Read one\n"),
    "a second route of the plugin",
  );
  assert.ok(after.includes("  - `DELETE /zz/probe/{id}`\n"), "its other method, without a summary");
  assert.ok(
    after.includes(
      "| `probe.pinged` | **undeclared** | zz_probe/probe | zz_probe/probe (`probe.*`) |",
    ),
  );

  await p.remove("domains/zz_probe");
  assert.equal((await p.deno("task", "context")).code, 0);
  assert.equal(await p.read("AI_CONTEXT.md"), before);
});

Deno.test("helpers: first sentences, compact schemas, event patterns", () => {
  assert.equal(firstSentence("Run a write (e.g. INSERT).\nMore."), "Run a write (e.g. INSERT).");
  assert.equal(firstSentence("See {@link HttpError} for 4xx"), "See HttpError for 4xx");
  assert.equal(
    compactSchema({
      type: "object",
      properties: { name: { type: "string" }, tags: { type: "array", items: { type: "string" } } },
      required: ["name"],
    }),
    "{ name: string, tags?: string[] }",
  );
  assert.equal(compactSchema({ enum: ["a", "b"] }), '"a" | "b"');
  assert.ok(matches("product.*", "product.created"));
  assert.ok(!matches("product.*", "product.created.v2"));
  assert.ok(matches("product.**", "product.created.v2"));
  assert.ok(matches("#", "anything.at.all"));
});

Deno.test("AI_CONTEXT.md's examples: never a scaffold stub; a plugin or test tagged @contextExample wins", async () => {
  await using p = await copyProject();
  const example = (text: string) =>
    [...text.matchAll(/^Example \(`([^`]+)`\):/gm)].map((m) => m[1]);
  const before = example(await p.read("AI_CONTEXT.md"));
  assert.equal(before.length, 2);
  // The shortest plugin with a route and an event, and the shortest test: a fresh scaffold.
  let r = await p.deno(
    "task",
    "new",
    "plugin",
    "aa/tiny",
    "--route",
    "GET /tiny",
    "--event",
    "t.x",
  );
  assert.equal(r.code, 0, r.out);
  assert.equal((await p.deno("task", "context")).code, 0);
  assert.deepEqual(example(await p.read("AI_CONTEXT.md")), before, "the stub is not the example");

  const file = "domains/products/plugins/list_products.ts";
  const test = "domains/products/plugins/list_products_test.ts";
  await p.write(
    file,
    `/** The example AI_CONTEXT.md teaches with. @contextExample */\n${await p.read(file)}`,
  );
  await p.write(test, `// @contextExample\n${await p.read(test)}`);
  r = await p.deno("task", "context");
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(example(await p.read("AI_CONTEXT.md")), [file, test]);
});
