import assert from "node:assert/strict";
import { z } from "zod";
import { csrfProblem, findToken, guardOf, readCookie } from "./guard.ts";
import { call, makeTool, owner } from "./test_helpers.ts";
import type { AuthClaims, AuthGate } from "./types.ts";

/** A gate that knows three tokens: `user`, `admin` and `expired`. */
function fakeGate(calls: string[] = []): AuthGate {
  const known: Record<string, AuthClaims> = {
    user: { sub: "1", roles: ["user"] },
    admin: { sub: "2", roles: ["admin"] },
    bare: { sub: "3" },
  };
  return {
    cookie: "session",
    verify(token) {
      calls.push(token);
      const c = known[token];
      if (c) return Promise.resolve(c);
      return Promise.reject(Object.assign(new Error("invalid or expired token"), {
        kind: "unauthorized",
      }));
    },
  };
}

function setUp(gate: AuthGate | null = fakeGate()) {
  const { tool, log } = makeTool();
  tool.useAuth(gate ?? undefined);
  const o = owner("shop/orders");
  const api = tool.forOwner(o);
  return { tool, api, log, activate: () => tool.activate(o) };
}

async function reply(res: Response) {
  return { status: res.status, body: await res.json() };
}

Deno.test("auth: true — no token is a 401 'missing token' with WWW-Authenticate: Bearer", async () => {
  const { tool, api, activate } = setUp();
  let ran = 0;
  api.addEndpoint("/orders", "GET", () => {
    ran++;
    return { success: true };
  }, { auth: true });
  activate();
  const res = await call(tool, "GET", "/orders");
  assert.equal(res.headers.get("www-authenticate"), "Bearer");
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await reply(res), {
    status: 401,
    body: { success: false, error: "missing token" },
  });
  assert.equal(ran, 0);
});

Deno.test("auth: true — a bad token is a 401 'invalid or expired token'", async () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/orders", "GET", () => ({ success: true }), { auth: true });
  activate();
  const res = await call(tool, "GET", "/orders", undefined, { authorization: "Bearer nope" });
  assert.equal(res.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.deepEqual(await reply(res), {
    status: 401,
    body: { success: false, error: "invalid or expired token" },
  });
});

Deno.test("auth: true — a valid token reaches the handler with ctx.auth; a public route has none", async () => {
  const { tool, api, activate } = setUp();
  const seen: unknown[] = [];
  api.addEndpoint("/orders", "GET", (_d, ctx) => {
    seen.push(ctx.auth);
    return { success: true, data: ctx.auth?.sub };
  }, { auth: true });
  api.addEndpoint("/public", "GET", (_d, ctx) => {
    seen.push(ctx.auth);
    return { success: true };
  });
  activate();
  const res = await call(tool, "GET", "/orders", undefined, { authorization: "bearer user" });
  assert.deepEqual(await reply(res), { status: 200, body: { success: true, data: "1" } });
  const pub = await call(tool, "GET", "/public", undefined, { authorization: "Bearer user" });
  assert.equal(pub.status, 200);
  await pub.body?.cancel();
  assert.deepEqual(seen, [{ sub: "1", roles: ["user"] }, undefined]);
});

Deno.test("auth comes before validation and before the body is read: 401, not 400", async () => {
  const calls: string[] = [];
  const { tool, api, activate } = setUp(fakeGate(calls));
  api.addEndpoint("/orders", "POST", () => ({ success: true }), {
    body: z.object({ item: z.string() }),
    auth: true,
  });
  activate();
  const bad = await call(tool, "POST", "/orders", "{not json", {
    "content-type": "application/json",
  });
  assert.deepEqual(await reply(bad), {
    status: 401,
    body: { success: false, error: "missing token" },
  });
  const wrong = await call(tool, "POST", "/orders", { item: 5 }, { authorization: "Bearer x" });
  assert.deepEqual(await reply(wrong), {
    status: 401,
    body: { success: false, error: "invalid or expired token" },
  });
  // With a valid token the body is validated as usual.
  const ok = await call(tool, "POST", "/orders", { item: 5 }, { authorization: "Bearer user" });
  assert.equal(ok.status, 400);
  await ok.body?.cancel();
  assert.deepEqual(calls, ["x", "user"]);
});

Deno.test("auth: { roles } — any of the roles lets in, none is a 403 'forbidden'", async () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/admin", "DELETE", () => undefined, { auth: { roles: ["admin", "owner"] } });
  activate();
  const user = await call(tool, "DELETE", "/admin", undefined, { authorization: "Bearer user" });
  assert.deepEqual(await reply(user), {
    status: 403,
    body: { success: false, error: "forbidden" },
  });
  const bare = await call(tool, "DELETE", "/admin", undefined, { authorization: "Bearer bare" });
  assert.equal(bare.status, 403);
  await bare.body?.cancel();
  const admin = await call(tool, "DELETE", "/admin", undefined, { authorization: "Bearer admin" });
  assert.equal(admin.status, 204);
});

Deno.test("auth: { allow } — the predicate decides; with roles both must pass", async () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/users/:id", "GET", () => ({ success: true }), {
    auth: { allow: (c) => c.sub === "1" },
  });
  api.addEndpoint("/both", "GET", () => ({ success: true }), {
    auth: { roles: ["admin"], allow: (c) => c.sub === "1" },
  });
  activate();
  const h = (t: string) => ({ authorization: `Bearer ${t}` });
  assert.equal((await call(tool, "GET", "/users/1", undefined, h("user"))).status, 200);
  assert.equal((await call(tool, "GET", "/users/1", undefined, h("admin"))).status, 403);
  assert.equal((await call(tool, "GET", "/both", undefined, h("admin"))).status, 403);
  assert.equal((await call(tool, "GET", "/both", undefined, h("user"))).status, 403);
});

Deno.test("a cookie session authenticates; a mutation by cookie needs X-Requested-With or a matching X-CSRF-Token", async () => {
  const { tool, api, activate } = setUp();
  let ran = 0;
  api.addEndpoint("/orders", "POST", () => {
    ran++;
    return { success: true };
  }, { auth: true });
  api.addEndpoint("/orders", "GET", (_d, ctx) => ({ success: true, data: ctx.auth?.sub }), {
    auth: true,
  });
  activate();
  const cookie = "session=user; csrf=abc123";
  const get = await call(tool, "GET", "/orders", undefined, { cookie });
  assert.deepEqual(await reply(get), { status: 200, body: { success: true, data: "1" } });
  const none = await call(tool, "POST", "/orders", {}, { cookie });
  assert.equal(none.status, 403);
  assert.match((await none.json()).error, /^CSRF check failed: /);
  const wrong = await call(tool, "POST", "/orders", {}, { cookie, "x-csrf-token": "abc124" });
  assert.deepEqual(await reply(wrong), {
    status: 403,
    body: {
      success: false,
      error: "CSRF check failed: X-CSRF-Token does not match the csrf cookie",
    },
  });
  assert.equal(ran, 0);
  const xrw = await call(tool, "POST", "/orders", {}, { cookie, "x-requested-with": "fetch" });
  assert.equal(xrw.status, 200);
  await xrw.body?.cancel();
  const dbl = await call(tool, "POST", "/orders", {}, { cookie, "x-csrf-token": "abc123" });
  assert.equal(dbl.status, 200);
  await dbl.body?.cancel();
  // A Bearer token needs no CSRF defense, even with a cookie beside it.
  const bearer = await call(tool, "POST", "/orders", {}, { cookie, authorization: "Bearer admin" });
  assert.equal(bearer.status, 200);
  await bearer.body?.cancel();
  assert.equal(ran, 3);
});

Deno.test("registering auth: without an auth tool throws, naming tools/auth (fail closed)", () => {
  const { api } = setUp(null);
  assert.throws(
    () => api.addEndpoint("/orders", "GET", () => ({}), { auth: true }),
    /addEndpoint GET \/orders is registered with auth: but no auth tool is set up: add tools\/auth/,
  );
  assert.throws(() => api.addSse("/feed", async function* () {}, { auth: true }), /tools\/auth/);
  assert.throws(() => api.addWebSocket("/ws", {}, { auth: true }), /tools\/auth/);
  // Public routes need no auth tool.
  api.addEndpoint("/open", "GET", () => ({}));
  api.addEndpoint("/open2", "GET", () => ({}), { auth: false });
});

Deno.test("a malformed auth rule throws at registration", () => {
  const { api } = setUp();
  assert.throws(
    () => api.addEndpoint("/a", "GET", () => ({}), { auth: { roles: [] } }),
    /auth.roles must be a non-empty array/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => api.addEndpoint("/b", "GET", () => ({}), { auth: "admin" as any }),
    /auth must be true or \{ roles\?, allow\? \}/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => api.addEndpoint("/c", "GET", () => ({}), { auth: { role: "admin" } as any }),
    /addEndpoint GET \/c: auth has unknown key\(s\) role: use \{ roles\?, allow\? \}/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => api.addEndpoint("/d", "GET", () => ({}), { auth: { roles: "admin" } as any }),
    /auth.roles must be a non-empty array of role names/,
  );
});

Deno.test("the gate removed after registration: protected routes answer 401, never run", async () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/orders", "GET", () => ({ success: true }), { auth: true });
  activate();
  tool.useAuth(undefined);
  const res = await call(tool, "GET", "/orders", undefined, { authorization: "Bearer user" });
  assert.equal(res.status, 401);
  await res.body?.cancel();
});

Deno.test("an identity provider down (a gate error that is not a refusal) is a 503, not a 401", async () => {
  const { tool, api, activate } = setUp({
    cookie: "session",
    verify: () => Promise.reject(Object.assign(new Error("down"), { kind: "unavailable" })),
  });
  api.addEndpoint("/orders", "GET", () => ({ success: true }), { auth: true });
  activate();
  const res = await call(tool, "GET", "/orders", undefined, { authorization: "Bearer user" });
  assert.equal(res.status, 503);
  await res.body?.cancel();
});

Deno.test("OpenAPI: protected routes carry the bearer security scheme; public ones none", () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/orders", "GET", () => ({}), { auth: true });
  api.addEndpoint("/open", "GET", () => ({}));
  activate();
  const doc = tool.openapi() as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: Record<string, unknown>;
  };
  assert.deepEqual(doc.paths["/orders"].get.security, [{ bearerAuth: [] }]);
  assert.deepEqual(Object.keys(doc.paths["/orders"].get.responses as object), [
    "200",
    "401",
    "403",
    "500",
  ]);
  assert.equal(doc.paths["/open"].get.security, undefined);
  assert.deepEqual((doc.components.securitySchemes as Record<string, unknown>).bearerAuth, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A token from the app's login (the auth tool's sign); sent as Authorization: Bearer",
  });
});

Deno.test("OpenAPI without protected routes has no securitySchemes", () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/open", "GET", () => ({}));
  activate();
  const doc = tool.openapi() as { components: Record<string, unknown> };
  assert.deepEqual(Object.keys(doc.components), ["schemas"]);
});

Deno.test("findToken: Bearer first, then the cookie, then ?token= (when given)", () => {
  const req = (h: Record<string, string>) => new Request("http://x/", { headers: h });
  assert.deepEqual(findToken(req({ authorization: "Bearer a", cookie: "s=b" }), "s", "token=c"), {
    token: "a",
    source: "header",
  });
  assert.deepEqual(findToken(req({ authorization: "Basic a", cookie: "s=b" }), "s", undefined), {
    token: "b",
    source: "cookie",
  });
  assert.deepEqual(findToken(req({}), "s", "x=1&token=c"), { token: "c", source: "query" });
  assert.equal(findToken(req({ authorization: "Bearer " }), "s", undefined), undefined);
  assert.equal(findToken(req({}), "s", "token="), undefined);
  assert.equal(findToken(req({ cookie: "ss=b" }), "s", undefined), undefined);
});

Deno.test("readCookie and csrfProblem", () => {
  assert.equal(readCookie("a=1; b=x%20y; c", "b"), "x y");
  assert.equal(readCookie("a=1", "b"), undefined);
  assert.equal(readCookie(null, "b"), undefined);
  assert.equal(readCookie("b=%zz", "b"), "%zz");
  const r = (method: string, h: Record<string, string>) =>
    new Request("http://x/", { method, headers: h });
  assert.equal(csrfProblem(r("GET", {})), undefined);
  assert.equal(csrfProblem(r("HEAD", {})), undefined);
  assert.equal(csrfProblem(r("OPTIONS", {})), undefined);
  assert.match(csrfProblem(r("DELETE", {}))!, /must send X-Requested-With or X-CSRF-Token/);
  assert.match(csrfProblem(r("PUT", { "x-csrf-token": "a" }))!, /does not match/);
  assert.equal(csrfProblem(r("PUT", { "x-csrf-token": "a", cookie: "csrf=a" })), undefined);
  assert.match(csrfProblem(r("PUT", { "x-csrf-token": "", cookie: "csrf=" }))!, /does not match/);
});

Deno.test("guardOf normalises the rule", () => {
  assert.equal(guardOf(undefined, "x"), undefined);
  assert.equal(guardOf(false, "x"), undefined);
  assert.deepEqual(guardOf(true, "x"), { roles: undefined, allow: undefined });
  assert.deepEqual(guardOf({ roles: ["a"] }, "x"), { roles: ["a"], allow: undefined });
  assert.deepEqual(guardOf({}, "x"), { roles: undefined, allow: undefined });
});

Deno.test("/docs keeps the Authorize button's token across reloads (persistAuthorization)", async () => {
  const { tool } = setUp();
  const init = await call(tool, "GET", "/docs/init.js");
  assert.match(await init.text(), /persistAuthorization: true/);
});

Deno.test("a handler that lets the auth tool's refusal escape (kind unauthorized) answers 401", async () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/check", "POST", () => {
    throw Object.assign(new Error("invalid or expired token"), { kind: "unauthorized" });
  });
  activate();
  const res = await call(tool, "POST", "/check", {});
  assert.deepEqual(await reply(res), {
    status: 401,
    body: { success: false, error: "invalid or expired token", details: { kind: "unauthorized" } },
  });
});

Deno.test("types: with auth: the handler's ctx.auth is always there; without, it may be undefined", async () => {
  const { tool, api, activate } = setUp();
  api.addEndpoint("/a", "GET", (_d, ctx) => ({ success: true, data: ctx.auth.sub }), {
    auth: true,
  });
  api.addEndpoint("/b", "GET", (_d, ctx) => ({ success: true, data: ctx.auth.roles }), {
    auth: { roles: ["user"] },
  });
  api.addSse("/c", async function* (_d, ctx) {
    yield { data: ctx.auth.sub };
  }, { auth: true, heartbeatMs: 0 });
  api.addWebSocket("/ws", { onOpen: (ws, _d, ctx) => ws.send(ctx.auth.sub) }, { auth: true });
  // @ts-expect-error: a public socket's ctx.auth may be undefined
  api.addWebSocket("/ws2", { onOpen: (ws, _d, ctx) => ws.send(ctx.auth.sub) });
  // @ts-expect-error: a public route's ctx.auth may be undefined
  api.addEndpoint("/d", "GET", (_d, ctx) => ({ success: true, data: ctx.auth.sub }));
  // @ts-expect-error: auth: false protects nothing
  api.addEndpoint("/e", "GET", (_d, ctx) => ({ data: ctx.auth.sub }), { auth: false });
  activate();
  const h = { authorization: "Bearer user" };
  assert.deepEqual(await reply(await call(tool, "GET", "/a", undefined, h)), {
    status: 200,
    body: { success: true, data: "1" },
  });
  assert.deepEqual((await reply(await call(tool, "GET", "/b", undefined, h))).body.data, ["user"]);
});
