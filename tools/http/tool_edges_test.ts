/**
 * The tool's settings and bookkeeping at their edges: a bad HTTP_BODY_LIMIT, request-id options
 * left out, the port asked for, CORS_CREDENTIALS=1, a route registered twice, a static folder
 * relative to the project root, content types, the streams of a replaced generation, heartbeats.
 * @module
 */
import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { corsFromEnv } from "./cors.ts";
import { contentType } from "./static.ts";
import { HttpTool } from "./tool.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

Deno.test("tool: HTTP_BODY_LIMIT must be a positive number", () => {
  for (const bad of ["0", "-5", "lots"]) {
    const tool = new HttpTool();
    const ctx = standaloneContext({ log: recordingLog(), env: { HTTP_BODY_LIMIT: bad } });
    assert.throws(() => tool.setup(ctx), new Error(`HTTP_BODY_LIMIT must be > 0: ${bad}`));
  }
});

Deno.test("tool: requestIds options left out keep their value (the adopted header stays)", async () => {
  const { tool } = makeTool();
  const o = owner("shop/id");
  tool.forOwner(o).addEndpoint("/x", "GET", () => ({ success: true }));
  tool.activate(o);
  tool.requestIds({ from: "x-request-id" });
  tool.requestIds({ send: "always" });
  const r = await call(tool, "GET", "/x", undefined, { "x-request-id": "proxy-7" });
  await r.body?.cancel();
  assert.equal(r.headers.get("x-request-id"), "proxy-7");
});

Deno.test("tool: listen uses the port asked for", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const { tool } = makeTool();
  try {
    assert.equal(await tool.listen({ hostname: "127.0.0.1", port }), `http://127.0.0.1:${port}`);
  } finally {
    await tool.shutdown();
  }
});

Deno.test("tool: CORS_CREDENTIALS accepts true or 1, nothing else", () => {
  assert.equal(corsFromEnv("https://a.example", "1")?.credentials, true);
  assert.equal(corsFromEnv("https://a.example", "true")?.credentials, true);
  assert.equal(corsFromEnv("https://a.example", "yes")?.credentials, false);
});

Deno.test("tool: a route registered twice by one generation names it", () => {
  const { tool } = makeTool();
  const api = tool.forOwner(owner("shop/twice"));
  api.addEndpoint("/t", "GET", () => ({}));
  assert.throws(
    () => api.addEndpoint("/t", "GET", () => ({})),
    new Error("Route GET /t registered twice by domains/shop/plugins/twice.ts"),
  );
});

Deno.test("tool: serveStatic resolves a relative folder against the project root", async () => {
  const root = await Deno.makeTempDir({ prefix: "microcore_static_" });
  try {
    await Deno.mkdir(`${root}/public`);
    await Deno.writeTextFile(`${root}/public/a.css`, "b{}");
    const tool = new HttpTool();
    tool.setup(standaloneContext({ root, log: recordingLog() }));
    const o = owner("shop/site");
    tool.forOwner(o).serveStatic("/s", "public");
    tool.activate(o);
    const r = await call(tool, "GET", "/s/a.css");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "b{}");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("tool: content types by extension; a dotfile's name is not an extension", () => {
  assert.equal(contentType("a/font.woff"), "font/woff");
  assert.equal(contentType("a/font.WOFF2"), "font/woff2");
  assert.equal(contentType("a/.css"), "application/octet-stream");
  assert.equal(contentType("a/README"), "application/octet-stream");
});

/** "ended" once the stream is done, "open" if nothing comes for `ms`; pings counted. */
/** What `r` gives within `ms` (in total: a stream that keeps sending is still bounded). */
async function watch(r: ReadableStreamDefaultReader<Uint8Array>, ms: number) {
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"open">((res) => timer = setTimeout(() => res("open"), ms));
  try {
    for (;;) {
      const next = await Promise.race([r.read(), deadline]);
      if (next === "open") return { state: "open", text };
      if (next.done) return { state: "ended", text };
      text += new TextDecoder().decode(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("tool: a reload (new generation live) ends the old generation's streams", async () => {
  const { tool } = makeTool();
  const add = (gen: number) => {
    const o = owner("shop/feed", gen);
    tool.forOwner(o).addSse("/feed", async function* () {
      yield { data: `gen ${gen}` };
      await new Promise(() => {});
    }, { heartbeatMs: 0 });
    tool.activate(o);
  };
  add(1);
  const old = (await call(tool, "GET", "/feed")).body!.getReader();
  assert.equal((await watch(old, 50)).state, "open");
  add(2);
  assert.equal((await watch(old, 1000)).state, "ended");
  const fresh = (await call(tool, "GET", "/feed")).body!.getReader();
  const now = await watch(fresh, 50);
  assert.deepEqual([now.state, /gen 2/.test(now.text)], ["open", true]);
  tool.release("shop/feed");
  assert.equal((await watch(fresh, 1000)).state, "ended");
});

Deno.test("tool: an SSE stream sends heartbeat comments every heartbeatMs", async () => {
  const { tool } = makeTool();
  const o = owner("shop/beat");
  tool.forOwner(o).addSse("/beat", async function* () {
    await new Promise(() => {}); // nothing but heartbeats
    yield { data: "never" };
  }, { heartbeatMs: 10 });
  tool.activate(o);
  const r = (await call(tool, "GET", "/beat")).body!.getReader();
  let text = "";
  for (let i = 0; i < 50 && !text.includes(": ping"); i++) {
    text += (await watch(r, 20)).text;
  }
  tool.release("shop/beat");
  await watch(r, 1000);
  assert.match(text, /^: connected\n\n(: ping\n\n)+$/);
});

Deno.test("tool: a fixed path wins over :param and * whatever the registration order", async () => {
  const { tool } = makeTool();
  const o = owner("shop/order");
  const api = tool.forOwner(o);
  api.addEndpoint("/items/*", "GET", () => ({ route: "wild" }));
  api.addEndpoint("/items/:id", "GET", () => ({ route: "param" }));
  api.addEndpoint("/items/new", "GET", () => ({ route: "fixed" }));
  tool.activate(o);
  const route = async (path: string) => (await (await call(tool, "GET", path)).json()).route;
  assert.equal(await route("/items/new"), "fixed");
  assert.equal(await route("/items/7"), "param");
  assert.equal(await route("/items/7/x"), "wild");
});

Deno.test("tool: quiesce waits for a request in flight", async () => {
  const { tool } = makeTool();
  const o = owner("shop/slow");
  let finish!: () => void;
  const gate = new Promise<void>((r) => finish = r);
  tool.forOwner(o).addEndpoint("/slow", "GET", async () => {
    await gate;
    return { done: true };
  });
  tool.activate(o);
  const slow = call(tool, "GET", "/slow");
  await new Promise((r) => setTimeout(r, 10));
  let quiet = false;
  const q = tool.quiesce(2000).then(() => quiet = true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(quiet, false, "still waiting for /slow");
  finish();
  assert.deepEqual(await (await slow).json(), { done: true });
  await q;
  assert.equal(quiet, true);
});

Deno.test("tool: a static file the system cannot read (a link loop) is a 500, not a 404", async () => {
  const root = await Deno.makeTempDir({ prefix: "microcore_loop_" });
  try {
    await Deno.symlink(`${root}/b.css`, `${root}/a.css`);
    await Deno.symlink(`${root}/a.css`, `${root}/b.css`);
    const { tool } = makeTool();
    const o = owner("shop/loop");
    tool.forOwner(o).serveStatic("/s", root);
    tool.activate(o);
    const r = await call(tool, "GET", "/s/a.css");
    assert.equal(r.status, 500);
    await r.body?.cancel();
    const missing = await call(tool, "GET", "/s/none.css");
    assert.equal(missing.status, 404, "the twin: a missing file is a 404");
    await missing.body?.cancel();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("tool: serveStatic at / leaves GET / to a plugin that wants it", async () => {
  const { tool } = makeTool();
  const site = owner("web/site");
  tool.forOwner(site).serveStatic("/", new URL("./testdata/public", import.meta.url).pathname);
  tool.activate(site);
  const home = owner("web/home");
  tool.forOwner(home).addEndpoint("/", "GET", () => ({ page: "home" }));
  tool.activate(home);
  assert.deepEqual(await (await call(tool, "GET", "/")).json(), { page: "home" });
  const file = await call(tool, "GET", "/index.html");
  assert.equal(file.status, 200, "the files are still served");
  await file.body?.cancel();
});
