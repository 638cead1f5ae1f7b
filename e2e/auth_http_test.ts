/**
 * Protected routes over a real socket: the real http and auth tools, `listen({ port: 0 })`, and
 * plain `fetch`/`WebSocket` clients. 401/403 before the body is read, cookie sessions and CSRF,
 * SSE and WebSocket (1008) protection; and `start` without a secret.
 * @module
 */
import assert from "node:assert/strict";
import type { ToolContext } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import AuthTool, { type Auth } from "@tools/auth/mod.ts";
import HttpTool, { type Http } from "@tools/http/mod.ts";
import { z } from "zod";
import { copyProject, generatePermissions } from "./harness.ts";

const SECRET = "socket-test-secret-0123456789abcdef";
const OWNER = { id: "shop/orders", generation: 1, domain: "shop", file: "orders.ts" };

/** http + auth set up as the kernel would (auth hands http its verifier), listening on a free port. */
async function serve(register: (http: Http, auth: Auth) => void) {
  const http = new HttpTool();
  const ctx = standaloneContext({ env: { AUTH_JWT_SECRET: SECRET } });
  http.setup(ctx);
  const auth = new AuthTool({ fastPasswords: true });
  const withHttp: ToolContext = {
    ...ctx,
    tool: <T>(n: string) => (n === "http" ? http as T : undefined),
  };
  await auth.setup(withHttp);
  register(http.forOwner(OWNER), auth.auth);
  http.activate(OWNER);
  const url = await http.listen({ hostname: "127.0.0.1", port: 0 });
  return {
    url,
    auth: auth.auth,
    [Symbol.asyncDispose]: async () => {
      await http.quiesce(500);
      await http.shutdown();
    },
  };
}

async function json(res: Response) {
  return { status: res.status, body: await res.json() };
}

Deno.test("socket: 401 missing / 401 invalid / 403 role / 200 with ctx.auth; 401 comes before a too-large body", async () => {
  let ran = 0;
  await using app = await serve((http) => {
    http.addEndpoint("/orders", "POST", (data, ctx) => {
      ran++;
      return { success: true, data: { by: ctx.auth!.sub, item: data.item } };
    }, { body: z.object({ item: z.string() }), auth: { roles: ["customer"] } });
  });
  const post = (headers: Record<string, string>, body: string) =>
    fetch(`${app.url}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const missing = await post({}, '{"item":"tea"}');
  assert.equal(missing.headers.get("www-authenticate"), "Bearer");
  // Refusals carry the secure headers every response of the http tool carries.
  assert.equal(missing.headers.get("x-content-type-options"), "nosniff");
  assert.deepEqual(await json(missing), {
    status: 401,
    body: { success: false, error: "missing token" },
  });
  // 2 MiB (over the 1 MiB limit) of invalid JSON: still a 401, the body is never read.
  const huge = await post({}, "x".repeat(2 * 1024 * 1024));
  assert.deepEqual(await json(huge), {
    status: 401,
    body: { success: false, error: "missing token" },
  });
  const bad = await post({ authorization: "Bearer abc.def.ghi" }, '{"item":5}');
  assert.deepEqual(await json(bad), {
    status: 401,
    body: { success: false, error: "invalid or expired token" },
  });
  const nobody = await app.auth.sign({ sub: "2", roles: ["staff"] });
  const forbidden = await post({ authorization: `Bearer ${nobody}` }, '{"item":5}');
  assert.deepEqual(await json(forbidden), {
    status: 403,
    body: { success: false, error: "forbidden" },
  });
  const customer = await app.auth.sign({ sub: "1", roles: ["customer"] });
  const invalid = await post({ authorization: `Bearer ${customer}` }, '{"item":5}');
  assert.equal(invalid.status, 400, "validation runs once the caller is let in");
  await invalid.body?.cancel();
  const ok = await post({ authorization: `Bearer ${customer}` }, '{"item":"tea"}');
  assert.deepEqual(await json(ok), {
    status: 200,
    body: { success: true, data: { by: "1", item: "tea" } },
  });
  assert.equal(ran, 1);
});

Deno.test("socket: cookie session — login sets it, GET works, a mutation needs the CSRF header, logout clears it", async () => {
  await using app = await serve((http, auth) => {
    http.addEndpoint("/login", "POST", async (_d, ctx) => {
      auth.setSession(ctx, await auth.sign({ sub: "7" }));
      return { success: true };
    });
    http.addEndpoint("/logout", "POST", (_d, ctx) => {
      auth.clearSession(ctx);
      return { success: true };
    }, { auth: true });
    http.addEndpoint("/me", "GET", (_d, ctx) => ({ success: true, data: ctx.auth!.sub }), {
      auth: true,
    });
    http.addEndpoint("/cart", "PUT", (_d, ctx) => ({ success: true, data: ctx.auth!.sub }), {
      auth: true,
    });
  });
  const login = await fetch(`${app.url}/login`, { method: "POST" });
  await login.body?.cancel();
  const set = login.headers.getSetCookie();
  assert.equal(set.length, 2);
  assert.match(
    set[0],
    /^session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=3\d{3}; HttpOnly; Secure; SameSite=Lax$/,
  );
  assert.match(set[1], /^csrf=[\w-]{43}; Path=\/; Max-Age=3\d{3}; Secure; SameSite=Lax$/);
  const jar = set.map((c) => c.split(";")[0]).join("; ");
  const csrf = set[1].split(";")[0].slice("csrf=".length);

  const me = await fetch(`${app.url}/me`, { headers: { cookie: jar } });
  assert.deepEqual(await json(me), { status: 200, body: { success: true, data: "7" } });
  const noHeader = await fetch(`${app.url}/cart`, { method: "PUT", headers: { cookie: jar } });
  assert.equal(noHeader.status, 403);
  assert.match((await noHeader.json()).error, /^CSRF check failed: /);
  const wrong = await fetch(`${app.url}/cart`, {
    method: "PUT",
    headers: { cookie: jar, "x-csrf-token": csrf.replace(/^./, (c) => (c === "a" ? "b" : "a")) },
  });
  assert.equal(wrong.status, 403);
  await wrong.body?.cancel();
  const double = await fetch(`${app.url}/cart`, {
    method: "PUT",
    headers: { cookie: jar, "x-csrf-token": csrf },
  });
  assert.deepEqual(await json(double), { status: 200, body: { success: true, data: "7" } });
  const xrw = await fetch(`${app.url}/cart`, {
    method: "PUT",
    headers: { cookie: jar, "x-requested-with": "XMLHttpRequest" },
  });
  assert.equal(xrw.status, 200);
  await xrw.body?.cancel();
  const logout = await fetch(`${app.url}/logout`, {
    method: "POST",
    headers: { cookie: jar, "x-requested-with": "fetch" },
  });
  await logout.body?.cancel();
  assert.deepEqual(logout.headers.getSetCookie().map((c) => c.split(";").slice(0, 3).join(";")), [
    "session=; Path=/; Max-Age=0",
    "csrf=; Path=/; Max-Age=0",
  ]);
});

Deno.test("socket: a protected SSE stream answers 401 JSON without a token and streams with one", async () => {
  await using app = await serve((http) => {
    http.addSse("/feed", async function* (_d, ctx) {
      yield { event: "hello", data: { sub: ctx.auth!.sub } };
    }, { auth: true, heartbeatMs: 0 });
  });
  const none = await fetch(`${app.url}/feed`);
  assert.equal(none.headers.get("content-type"), "application/json");
  assert.deepEqual(await json(none), {
    status: 401,
    body: { success: false, error: "missing token" },
  });
  const token = await app.auth.sign({ sub: "s1" });
  const res = await fetch(`${app.url}/feed`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(await res.text(), ': connected\n\nevent: hello\ndata: {"sub":"s1"}\n\n');
});

/** Open a WebSocket and collect what happens until it closes. */
function socket(url: string, init?: { headers?: Record<string, string> }) {
  // Deno's WebSocket takes headers (the browser's cannot: it uses ?token= or the cookie).
  const ws = new WebSocket(url, init as unknown as string[]);
  const messages: string[] = [];
  ws.onmessage = (e) => messages.push(String(e.data));
  const closed = new Promise<{ code: number; reason: string; messages: string[] }>((resolve) => {
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, messages });
  });
  return { ws, closed };
}

Deno.test("socket: a protected WebSocket is closed with 1008 before onOpen without a valid token; a token in the header, ?token= or a same-origin cookie opens it", async () => {
  const opened: unknown[] = [];
  await using app = await serve((http) => {
    http.addWebSocket("/live", {
      onOpen(ws, data, ctx) {
        opened.push({ sub: ctx.auth!.sub, data });
        ws.send(`hi ${ctx.auth!.sub}`);
        ws.close(1000, "bye");
      },
    }, { auth: { roles: ["viewer"] } });
  });
  const ws = app.url.replace("http", "ws") + "/live";
  const token = await app.auth.sign({ sub: "v1", roles: ["viewer"] });
  const noRole = await app.auth.sign({ sub: "v2" });

  assert.deepEqual(await socket(ws).closed, { code: 1008, reason: "missing token", messages: [] });
  assert.deepEqual(await socket(`${ws}?token=nope`).closed, {
    code: 1008,
    reason: "invalid or expired token",
    messages: [],
  });
  assert.deepEqual(await socket(`${ws}?token=${noRole}`).closed, {
    code: 1008,
    reason: "forbidden",
    messages: [],
  });
  // A cookie from another origin (cross-site WebSocket hijacking) is refused.
  const foreign = await socket(ws, {
    headers: { cookie: `session=${token}`, origin: "https://evil.example" },
  }).closed;
  assert.equal(foreign.code, 1008);
  assert.match(foreign.reason, /^CSRF check failed/);
  assert.deepEqual(opened, []);

  assert.deepEqual(await socket(`${ws}?token=${token}&room=7`).closed, {
    code: 1000,
    reason: "bye",
    messages: ["hi v1"],
  });
  assert.deepEqual(
    (await socket(ws, { headers: { authorization: `Bearer ${token}` } }).closed).messages,
    ["hi v1"],
  );
  const host = new URL(app.url).host;
  assert.deepEqual(
    (await socket(ws, { headers: { cookie: `session=${token}`, origin: `http://${host}` } }).closed)
      .messages,
    ["hi v1"],
  );
  // The ?token= credential is not in the data the handler sees.
  assert.deepEqual(opened[0], { sub: "v1", data: { room: "7" } });
  assert.equal(opened.length, 3);
});

Deno.test({
  name: "start without AUTH_JWT_SECRET exits 1 and says what to set and how to make one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    try {
      const settings = { PORT: "0", HOST: "127.0.0.1", DB_PATH: `${dir}/data/app.db` };
      await generatePermissions(dir, settings); // the boot fails for the secret alone
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "start"],
        cwd: dir,
        env: { ...settings, NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 1, log);
      assert.match(log, /AUTH_JWT_SECRET is not set: in start mode the auth tool needs a secret/);
      assert.match(log, /openssl rand -base64 32/);
      assert.match(log, /exiting: tool\(s\) auth failed \(/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
