import assert from "node:assert/strict";
import { DOCS_CSP, ResponseHeaders, SECURITY_HEADERS } from "./secure_headers.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

const dir = new URL("./testdata/public", import.meta.url).pathname;

/** The three security headers of `res`, by name. */
function security(res: Response): Record<string, string | null> {
  return Object.fromEntries(Object.keys(SECURITY_HEADERS).map((k) => [k, res.headers.get(k)]));
}

Deno.test("every kind of response carries the security headers", async () => {
  const { tool } = makeTool();
  const o = owner("web/all");
  const http = tool.forOwner(o);
  http.addEndpoint("/json", "GET", () => ({ success: true }));
  http.addEndpoint("/text", "GET", () => "hi");
  http.addEndpoint("/bytes", "GET", () => new Uint8Array([1]));
  http.addEndpoint("/none", "GET", () => undefined);
  http.addEndpoint("/created", "POST", (_d, ctx) => {
    ctx.setStatus(201);
    ctx.setHeader("x-own", "1");
    return { success: true };
  });
  http.addEndpoint(
    "/own",
    "GET",
    () => new Response("x", { headers: { "x-frame-options": "SAMEORIGIN" } }),
  );
  http.addEndpoint("/fetched", "GET", async () => await fetch("data:text/plain,hi"));
  http.addEndpoint("/redirect", "GET", (_d, ctx) => ctx.redirect("/json"));
  http.addEndpoint("/boom", "GET", () => {
    throw new Error("boom");
  });
  http.addEndpoint("/bad", "POST", () => ({ success: true }), {
    body: (await import("zod")).z.object({ n: (await import("zod")).z.number() }),
  });
  http.addSse("/events", async function* () {
    yield { data: 1 };
  });
  http.serveStatic("/site", dir);
  tool.activate(o);
  tool.cors({ origins: ["https://app.example"] });
  const cases: [string, string, number][] = [
    ["GET", "/json", 200],
    ["GET", "/text", 200],
    ["GET", "/bytes", 200],
    ["GET", "/none", 204],
    ["POST", "/created", 201],
    ["GET", "/redirect", 302],
    ["GET", "/fetched", 200],
    ["GET", "/boom", 500],
    ["POST", "/bad", 400],
    ["GET", "/events", 200],
    ["GET", "/site/index.html", 200],
    ["HEAD", "/site/index.html", 200],
    ["GET", "/site/nope.css", 404],
    ["GET", "/nowhere", 404],
    ["DELETE", "/json", 405],
    ["HEAD", "/json", 200],
    ["GET", "/openapi.json", 200],
    ["GET", "/docs", 200],
    ["GET", "/docs/init.js", 200],
    ["GET", "/docs/nope.js", 404],
  ];
  for (const [method, path, status] of cases) {
    const res = await call(tool, method, path, method === "POST" ? {} : undefined);
    assert.equal(res.status, status, `${method} ${path}`);
    assert.deepEqual(security(res), SECURITY_HEADERS, `${method} ${path}`);
    await res.body?.cancel();
  }
  const pre = await call(tool, "OPTIONS", "/json", undefined, {
    origin: "https://app.example",
    "access-control-request-method": "GET",
  });
  assert.equal(pre.status, 204);
  assert.deepEqual(security(pre), SECURITY_HEADERS);
  const own = await call(tool, "GET", "/own");
  assert.equal(own.headers.get("x-frame-options"), "SAMEORIGIN", "a handler's own header wins");
  assert.equal(own.headers.get("x-content-type-options"), "nosniff");
  await own.body?.cancel();
  await tool.quiesce(1000);
  const down = await call(tool, "GET", "/json");
  assert.equal(down.status, 503);
  assert.deepEqual(security(down), SECURITY_HEADERS);
  await down.body?.cancel();
});

Deno.test("401 and 403 of protected routes carry the route's headers", async () => {
  const { tool } = makeTool();
  tool.useAuth({
    cookie: "session",
    verify: (t) =>
      t === "user" ? Promise.resolve({ sub: "1", roles: ["user"] }) : Promise.reject(
        Object.assign(new Error("invalid or expired token"), { kind: "unauthorized" }),
      ),
  });
  const o = owner("web/auth");
  const http = tool.forOwner(o);
  http.addEndpoint("/mine", "GET", () => ({ success: true }), { auth: true });
  http.addEndpoint("/admin", "GET", () => ({ success: true }), {
    auth: { roles: ["admin"] },
    headers: { "referrer-policy": "same-origin" },
  });
  http.addSse("/feed", async function* () {
    yield "x";
  }, { auth: true });
  tool.activate(o);
  for (
    const [path, token, status, referrer] of [
      ["/mine", undefined, 401, "no-referrer"],
      ["/mine", "bad", 401, "no-referrer"],
      ["/admin", "user", 403, "same-origin"],
      ["/feed", undefined, 401, "no-referrer"],
    ] as const
  ) {
    const res = await call(
      tool,
      "GET",
      path,
      undefined,
      token ? { authorization: `Bearer ${token}` } : {},
    );
    assert.equal(res.status, status, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(res.headers.get("x-frame-options"), "DENY", path);
    assert.equal(res.headers.get("referrer-policy"), referrer, path);
    await res.body?.cancel();
  }
});

Deno.test("a route overrides the security headers, for its errors too; others keep them", async () => {
  const { tool } = makeTool();
  const o = owner("web/frame");
  const http = tool.forOwner(o);
  const headers = {
    "X-Frame-Options": null,
    "content-security-policy": "frame-ancestors https://app.example",
    "referrer-policy": "same-origin",
  };
  http.addEndpoint("/widget", "GET", (_d, ctx) => {
    if (ctx.query.fail) throw new Error("boom");
    return { success: true };
  }, { headers });
  http.addEndpoint("/plain", "GET", () => ({ success: true }));
  http.addSse("/feed", async function* () {
    yield "x";
  }, { headers });
  http.serveStatic("/site", dir, { headers: { "x-frame-options": "SAMEORIGIN" } });
  tool.activate(o);
  const want = {
    "x-content-type-options": "nosniff",
    "x-frame-options": null,
    "referrer-policy": "same-origin",
  };
  for (const path of ["/widget", "/widget?fail=1", "/feed"]) {
    const res = await call(tool, "GET", path);
    assert.deepEqual(security(res), want, path);
    assert.equal(res.headers.get("content-security-policy"), headers["content-security-policy"]);
    await res.body?.cancel();
  }
  for (const path of ["/site/index.html", "/site/missing.css"]) {
    const res = await call(tool, "GET", path);
    assert.equal(res.headers.get("x-frame-options"), "SAMEORIGIN", path);
    await res.body?.cancel();
  }
  const plain = await call(tool, "GET", "/plain");
  assert.deepEqual(security(plain), SECURITY_HEADERS);
  assert.equal(plain.headers.get("content-security-policy"), null);
  await plain.body?.cancel();
});

Deno.test("a bad header override fails at registration, naming it", () => {
  const { tool } = makeTool();
  const http = tool.forOwner(owner("web/bad"));
  assert.throws(
    () => http.addEndpoint("/a", "GET", () => "", { headers: { "x-a": "1\r\nx-b: 2" } }),
    /headers: invalid header "x-a"/,
  );
  assert.throws(
    () => http.addEndpoint("/b", "GET", () => "", { headers: { "bad name": "1" } }),
    /headers: invalid header "bad name"/,
  );
  assert.throws(
    () => http.addEndpoint("/c", "GET", () => "", { headers: { "Content-Type": "text/html" } }),
    /headers: Content-Type is set per response/,
  );
});

Deno.test("the fast path's frozen init holds the content type and the security headers", () => {
  const h = new ResponseHeaders();
  assert.deepEqual(h.jsonInit, {
    headers: { "content-type": "application/json", ...SECURITY_HEADERS },
  });
  assert.ok(Object.isFrozen(h.jsonInit) && Object.isFrozen(h.jsonInit.headers));
  assert.deepEqual(h.textInit.headers, {
    "content-type": "text/plain;charset=UTF-8",
    ...SECURITY_HEADERS,
  });
});

Deno.test("/docs: a CSP allowing this origin only, and a page that needs nothing else", async () => {
  const { tool } = makeTool();
  const page = await call(tool, "GET", "/docs");
  assert.equal(page.headers.get("content-security-policy"), DOCS_CSP);
  const html = await page.text();
  // No inline script or style, no other origin: every src/href is a /docs/ asset.
  assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son\w+=/i);
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(refs, ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"]);
  for (const ref of refs) {
    const res = await call(tool, "GET", ref);
    assert.equal(res.status, 200, ref);
    assert.equal(res.headers.get("content-security-policy"), DOCS_CSP, ref);
    const body = await res.text();
    if (ref.endsWith("bundle.js")) {
      // Nothing the CSP would refuse: no eval, no <style> or rules injected at run time.
      assert.doesNotMatch(body, /[^.\w]eval\(|createElement\(["']style["']\)|insertRule/);
    }
    if (ref.endsWith(".css")) {
      // The stylesheet's images are data: URLs (allowed by img-src), nothing from elsewhere.
      const urls = [...body.matchAll(/url\(\s*["']?([^"')]+)/g)].map((m) => m[1]);
      assert.ok(urls.length > 0 && urls.every((u) => u.startsWith("data:")), urls.join());
    }
  }
  // The online validator badge (an image from another origin) is turned off.
  const init = await (await call(tool, "GET", "/docs/init.js")).text();
  assert.match(init, /validatorUrl: null/);
  assert.match(DOCS_CSP, /default-src 'none'/);
  assert.match(DOCS_CSP, /frame-ancestors 'none'/);
  assert.doesNotMatch(DOCS_CSP, /unsafe|https?:|\*/);
});

Deno.test("static mounts serve an allow-list of extensions, and .well-known/ as is", async () => {
  const { tool } = makeTool();
  const o = owner("web/site");
  tool.forOwner(o).serveStatic("/site", dir);
  tool.forOwner(o).serveStatic("/raw", dir, { extensions: ["sql"] });
  tool.activate(o);
  const get = async (path: string) => {
    const res = await call(tool, "GET", path);
    return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
  };
  for (const path of ["/site/dump.sql", "/site/app.ts", "/site/LICENSE_SECRET", "/site/.env"]) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.equal(r.text, '{"success":false,"error":"Not found"}', path);
  }
  assert.deepEqual(await get("/site/.well-known/security.txt"), {
    status: 200,
    text: "Contact: mailto:security@example.com\n",
    type: "text/plain; charset=utf-8",
  });
  assert.deepEqual(await get("/site/.well-known/acme-challenge/token-abc"), {
    status: 200,
    text: "token-abc.key\n",
    type: "application/octet-stream",
  });
  // only a .well-known at the mount's root; no dotfile inside it
  assert.equal((await get("/site/sub/.well-known/x.txt")).status, 404);
  assert.equal((await get("/site/.well-known/.hidden")).status, 404);
  // the option replaces the list
  assert.equal((await get("/raw/dump.sql")).text, "SELECT secret;\n");
  assert.equal((await get("/raw/index.html")).status, 404);
  assert.equal((await get("/raw/")).status, 404, "index.html is not on the list either");
  assert.equal((await get("/site/")).status, 200);
  // a name like an Object.prototype member is just an unknown extension
  assert.equal((await get("/site/x.constructor")).status, 404);
});
