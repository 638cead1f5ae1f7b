import assert from "node:assert/strict";
import { parseRoute, plan, scaffold, UsageError } from "./new.ts";
import { copyProject } from "../dev/testdata/project_copy.ts";

Deno.test("new: validates names, routes and events", () => {
  for (
    const args of [
      ["plugin", "Orders/create"],
      ["plugin", "orders/create-order"],
      ["plugin", "orders"],
      ["plugin", "orders/a/b"],
      ["plugin", "orders/x", "--route", "FETCH /x"],
      ["plugin", "orders/x", "--route", "GET x"],
      ["plugin", "orders/x", "--event", "Bad Event"],
      ["plugin", "orders/x", "--nope"],
      ["domain", "9lives"],
      ["tool", "my-tool"],
      ["widget", "x"],
      [],
    ]
  ) assert.throws(() => plan(args), UsageError, args.join(" "));
  assert.deepEqual(parseRoute("post /orders/:id"), { method: "POST", path: "/orders/:id" });
  assert.deepEqual(plan(["plugin", "orders/create_order"]).map((f) => f.path), [
    "domains/orders/plugins/create_order.ts",
    "domains/orders/plugins/create_order_test.ts",
  ]);
});

Deno.test("new: refuses to overwrite and writes nothing then", async () => {
  const root = await Deno.makeTempDir({ prefix: "microcore-new-" });
  try {
    await Deno.mkdir(`${root}/domains/shop/plugins`, { recursive: true });
    await Deno.writeTextFile(`${root}/domains/shop/plugins/buy_test.ts`, "// mine");
    await assert.rejects(() => scaffold(root, ["plugin", "shop/buy"]), /already exists/);
    await assert.rejects(() => Deno.stat(`${root}/domains/shop/plugins/buy.ts`));
    await assert.rejects(() => scaffold(root, ["domain", "shop"]), /already exists/);
    assert.deepEqual(await scaffold(root, ["domain", "blog"]), [
      "domains/blog/plugins/.gitkeep",
      "domains/blog/models/.gitkeep",
      "domains/blog/migrations/001_create_blog.sql",
      "domains/blog/migrations/001_create_blog.postgres.sql",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("new: every scaffold passes fmt, lint, check and its own test as generated", async () => {
  await using p = await copyProject();
  const commands = [
    ["plugin", "zz_orders/create_order", "--route", "POST /orders", "--event", "order.created"],
    ["plugin", "zz_orders/get_order", "--route", "GET /orders/:id"],
    ["plugin", "zz_orders/on_order", "--event", "order.created"],
    ["plugin", "zz_orders/plain"],
    ["domain", "zz_billing"],
    ["tool", "zz_mailer"],
  ];
  for (const c of commands) {
    const r = await p.deno("task", "new", ...c);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /wrote /);
  }
  const again = await p.deno("task", "new", "plugin", "zz_orders/plain");
  assert.equal(again.code, 2);
  assert.match(again.out, /already exists/);

  const paths = ["domains/zz_orders", "domains/zz_billing", "tools/zz_mailer"];
  for (const args of [["fmt", "--check"], ["lint"], ["check"]]) {
    const r = await p.deno(...args, ...paths);
    assert.equal(r.code, 0, `deno ${args.join(" ")}: ${r.out}`);
  }
  const t = await p.deno("test", "-P=test", ...paths);
  assert.equal(t.code, 0, t.out);
  assert.match(t.out, /ok \| 8 passed \| 0 failed/);
  // The scaffolds follow the layering rules and the tool anatomy (mod.ts, tool.ts, types.ts).
  const arch = await p.deno("test", "-P=test", "core/architecture_test.ts");
  assert.equal(arch.code, 0, arch.out);

  // The new plugins and the new tool's API show up in AI_CONTEXT.md.
  assert.equal((await p.deno("task", "context")).code, 0);
  const ctx = await p.read("AI_CONTEXT.md");
  assert.ok(ctx.includes("`POST /orders`"));
  assert.ok(
    ctx.includes(
      "| `order.created` | `Record<string, unknown>` | zz_orders/create_order | zz_orders/on_order |",
    ),
    ctx,
  );
  assert.ok(ctx.includes("`register(key: string, value: unknown): void`"));
  assert.ok(ctx.includes('`import type { ZzMailer } from "@tools/zz_mailer/mod.ts";`'), ctx);
  assert.ok(ctx.includes("`ZZ_MAILER_GREETING`"), "its declared setting is listed");
});
