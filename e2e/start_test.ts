import { deepEqual, equal, match, ok } from "node:assert/strict";
import { copyProject, generatePermissions, json, startApp } from "./harness.ts";
import { E2E_JWT_SECRET } from "./proc.ts";

Deno.test({
  name: "e2e start: boot log, the example domains over HTTP, clean SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const app = await startApp("start", dir);
    try {
      const log = app.lines.join("\n");
      for (const id of ["products/create_product", "inventory/track_stock", "system/health"]) {
        match(log, new RegExp(`plugin\\s+${id.replace("/", "\\/")}\\s+ready`));
      }
      match(log, /tool\s+http\s+ready/);
      await app.waitForLine(/hot reload off \(start mode\)/);

      // At the default level (info) a 200 leaves no log line, so it carries no request id; an
      // error does. A client's own id is not adopted unless HTTP_REQUEST_ID_HEADER says so.
      const health = await fetch(app.url + "/health", { headers: { "x-request-id": "forged" } });
      equal(health.status, 200);
      equal(health.headers.get("x-request-id"), null);
      await health.body?.cancel();
      const missing = await fetch(app.url + "/no/such/route", {
        headers: { "x-request-id": "forged" },
      });
      equal(missing.status, 404);
      match(missing.headers.get("x-request-id") ?? "", /^[0-9a-f]{8}-[0-9a-z]+$/);
      await missing.body?.cancel();
      let res = await app.send("POST", "/products", { name: "apple", price: 1.5, stock: 7 });
      equal(res.status, 201);
      const id = ((await json(res)).data as { id: number }).id;
      ok(id > 0);

      // inventory heard product.created and answers inventory.stock for the products domain
      let product: Record<string, unknown> = {};
      for (let i = 0; i < 50 && product.stock !== 7; i++) {
        product = (await json(await app.get(`/products/${id}`))).data as Record<string, unknown>;
        await new Promise((r) => setTimeout(r, 10));
      }
      equal(product.stock, 7);

      res = await app.send("POST", "/products", { name: "apple", price: 2 });
      equal(res.status, 409, "a unique violation is a 409");
      await res.body?.cancel();
      res = await app.send("POST", "/products", { name: "", price: -1 });
      equal(res.status, 400);
      const bad = await json(res);
      deepEqual(
        (bad.details as { field: string }[]).map((d) => d.field).sort(),
        ["name", "price"],
      );

      equal((await app.send("PATCH", `/products/${id}`, { price: 3 })).status, 200);
      const list = (await json(await app.get("/products?limit=10"))).data as {
        items: { price: number }[];
        total: number;
      };
      equal(list.total, 1);
      equal(list.items[0].price, 3);
      equal((await app.send("DELETE", `/products/${id}`)).status, 200);
      const gone = await app.get(`/products/${id}`);
      equal(gone.status, 404);
      await gone.body?.cancel();

      const status = (await json(await app.get("/system/status"))).data as {
        entries: { id: string; state: string; routes?: unknown[] }[];
      };
      ok(status.entries.every((e) => e.state === "ready"));
      ok(status.entries.find((e) => e.id === "products/get_product")?.routes?.length);
    } finally {
      const code = await app.stop();
      equal(code, 0, app.lines.join("\n"));
      match(app.lines.join("\n"), /stopped cleanly/);
      // start logs JSON lines, its last line included (Deno's own "Task"/"Warning" lines aside).
      const ours = app.lines.filter((l) => l.trim() && !/^(Task|Warning) /.test(l));
      for (const line of ours) {
        ok(/^\{.*\}$/.test(line), `not a JSON line: ${line}`);
        JSON.parse(line);
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "e2e start: a taken port fails the boot with a non-zero exit and says why",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const settings = {
        PORT: String((taken.addr as Deno.NetAddr).port),
        HOST: "127.0.0.1",
        DB_PATH: `${dir}/data/app.db`,
      };
      // Allowed to listen there: the boot fails because the port is taken, not for permission.
      await generatePermissions(dir, settings);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "start"],
        cwd: dir,
        env: { ...settings, NO_COLOR: "1", AUTH_JWT_SECRET: E2E_JWT_SECRET },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      equal(out.code, 1, log);
      match(log, /exiting: tool\(s\) http failed/);
      match(log, /already in use/i);
      match(log, /plugin\s+system\/health\s+failed/);
    } finally {
      taken.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "e2e start: a failed plugin is loud in the log and makes the instance not ready",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    await Deno.mkdir(`${dir}/domains/shop/plugins`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/domains/shop/plugins/broken.ts`,
      `import { BasePlugin } from "@core";
export default class Broken extends BasePlugin {
  override onBoot() {
    throw new Error("cannot start: no PAYMENT_KEY");
  }
}
`,
    );
    const app = await startApp("start", dir);
    try {
      match(app.lines.join("\n"), /\(1 failed\): NOT READY, GET \/health\/ready answers 503/);
      const live = await app.get("/health");
      equal(live.status, 200, "liveness: the process serves");
      await live.body?.cancel();
      const ready = await app.get("/health/ready");
      equal(ready.status, 503);
      const body = await json(ready);
      match(String(body.error), /plugin shop\/broken failed \(cannot start: no PAYMENT_KEY\)/);
      const products = await app.get("/products");
      equal(products.status, 200, "the other plugins serve");
      await products.body?.cancel();
    } finally {
      equal(await app.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
