/**
 * The migration step as a deploy pipeline runs it, on the example app: `start` with
 * `DB_AUTO_MIGRATE=false` applies nothing and says what is pending (log and `/system/status`),
 * `deno task migrate` applies it, and the next `start` has nothing pending. SQLite in the app's
 * copy (the PostgreSQL side of `deno task migrate` is in cli/migrate_test.ts).
 * @module
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { copyProject, json, startApp } from "./harness.ts";
import { onPostgres } from "./engine.ts";

interface Entry {
  kind: string;
  id: string;
  details?: { pending?: { domain: string; name: string }[] };
}

async function dbPending(url: string): Promise<string[]> {
  const status = (await json(await fetch(`${url}/system/status`))).data as { entries: Entry[] };
  const db = status.entries.find((e) => e.kind === "tool" && e.id === "db");
  return (db?.details?.pending ?? []).map((p) => `${p.domain}/${p.name}`).sort();
}

Deno.test({
  name:
    "e2e migrate: DB_AUTO_MIGRATE=false lists pending migrations; deno task migrate applies them",
  ignore: onPostgres(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    try {
      const off = await startApp("start", dir, { DB_AUTO_MIGRATE: "false" });
      try {
        const log = off.lines.join("\n");
        match(log, /db: 1 migration\(s\) pending in products: 001_create_products\.sql/);
        match(log, /apply them with `deno task migrate`/);
        deepEqual(await dbPending(off.url), [
          "inventory/001_create_stock.sql",
          "inventory/002_create_stock_reports.sql",
          "products/001_create_products.sql",
          "users/001_create_users.sql",
        ]);
      } finally {
        equal(await off.stop(), 0);
      }

      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "migrate"],
        cwd: dir,
        env: { NO_COLOR: "1", DB_PATH: `${dir}/data/app.db` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      equal(out.code, 0, text);
      match(text, /applied migration domains\/products\/migrations\/001_create_products\.sql/);
      match(text, /migrate: done, nothing pending/);

      const on = await startApp("start", dir, { DB_AUTO_MIGRATE: "false" });
      try {
        deepEqual(await dbPending(on.url), []);
        const res = await on.send("POST", "/products", { name: "tea", price: 3 });
        equal(res.status, 201);
        equal(((await json(res)).data as { id: number }).id, 1);
      } finally {
        equal(await on.stop(), 0);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("e2e migrate: plugin tests (the test kit) apply their migrations whatever DB_AUTO_MIGRATE says", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-P=test", "domains/products/plugins/create_product_test.ts"],
    env: { NO_COLOR: "1", DB_AUTO_MIGRATE: "false" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  equal(out.code, 0, text);
  match(text, /^ok \| \d+ passed \| 0 failed/m);
});
