import assert from "node:assert/strict";
import { safeSegments } from "./static.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

const dir = new URL("./testdata/public", import.meta.url).pathname;

Deno.test("serveStatic serves files, index.html and HEAD; 404 for missing", async () => {
  const { tool } = makeTool();
  const o = owner("web/site");
  tool.forOwner(o).serveStatic("/site", dir);
  tool.activate(o);
  const idx = await call(tool, "GET", "/site/");
  assert.equal(idx.status, 200);
  assert.equal(idx.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await idx.text(), "<h1>home</h1>\n");
  const bare = await call(tool, "GET", "/site");
  assert.equal(await bare.text(), "<h1>home</h1>\n");
  const css = await call(tool, "GET", "/site/sub/app.css");
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(await css.text(), "body {}\n");
  const head = await call(tool, "HEAD", "/site/sub/app.css");
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), "8");
  assert.equal(head.body, null);
  const missing = await call(tool, "GET", "/site/nope.js");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("serveStatic refuses traversal (plain, encoded, double-encoded) and dotfiles", async () => {
  const { tool } = makeTool();
  const o = owner("web/site");
  tool.forOwner(o).serveStatic("/site", dir);
  tool.activate(o);
  for (
    const p of [
      "/site/../secret.txt",
      "/site/%2e%2e/secret.txt",
      "/site/%2E%2E%2Fsecret.txt",
      "/site/sub/..%2f..%2fsecret.txt",
      "/site/..%5csecret.txt",
      "/site/%252e%252e/secret.txt",
      "/site/.env",
      "/site/%2eenv",
      "/site/sub/%00app.css",
    ]
  ) {
    const res = await tool.fetch(new Request(`http://t${p}`));
    const text = await res.text();
    assert.equal(res.status, 404, p);
    assert.ok(!text.includes("top secret") && !text.includes("SECRET=1"), p);
  }
  // over a raw socket too (no client-side normalisation of `..`)
  await tool.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = Number(new URL(tool.url!).port);
    for (const p of ["/site/../secret.txt", "/site/%2e%2e/secret.txt", "/site/.env"]) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(
        new TextEncoder().encode(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      const text = await new Response(conn.readable).text();
      assert.match(text, /^HTTP\/1\.1 404/, p);
      assert.ok(!text.includes("top secret") && !text.includes("SECRET=1"), p);
    }
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("safeSegments", () => {
  assert.deepEqual(safeSegments("/a/b.css"), ["a", "b.css"]);
  assert.equal(safeSegments("/a/%2e%2e/b"), null);
  assert.equal(safeSegments("/a%2fb"), null);
  assert.equal(safeSegments("/%E0%A4%A"), null);
});

Deno.test("serveStatic needs an existing directory and is released with its owner", async () => {
  const { tool } = makeTool();
  const o = owner("web/site");
  assert.throws(() => tool.forOwner(o).serveStatic("/x", dir + "/nope"), /not found/);
  tool.forOwner(o).serveStatic("/site", dir);
  tool.activate(o);
  tool.release("web/site");
  const res = await call(tool, "GET", "/site/index.html");
  assert.equal(res.status, 404);
  await res.body?.cancel();
});
