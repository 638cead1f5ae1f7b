import assert from "node:assert/strict";
import type { ToolContext } from "@core";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import AuthToolDefault, { AuthError, type Claims } from "./mod.ts";
import { AuthTool } from "./tool.ts";

interface AuthGateLike {
  verify(token: string): Promise<Claims>;
  cookie: string;
}

const SECRET = "0123456789abcdef0123456789abcdef";

function ctxWith(
  opts: Parameters<typeof standaloneContext>[0] = {},
  http: { gate?: AuthGateLike; calls: number } = { calls: 0 },
): ToolContext {
  const base = standaloneContext(opts);
  const fakeHttp = {
    useAuth(g: AuthGateLike | undefined) {
      http.calls++;
      http.gate = g;
    },
  };
  return { ...base, tool: <T>(name: string) => (name === "http" ? fakeHttp as T : undefined) };
}

Deno.test("the tool is named auth, depends on http, and declares its settings", () => {
  const t = new AuthToolDefault();
  assert.equal(t.name, "auth");
  assert.deepEqual(t.dependsOn, ["http"]);
  assert.deepEqual(Object.keys(t.env), [
    "AUTH_JWT_SECRET",
    "AUTH_JWT_SECRET_PREVIOUS",
    "AUTH_JWT_ALG",
    "AUTH_JWT_PRIVATE_KEY",
    "AUTH_JWT_PUBLIC_KEY",
    "AUTH_JWKS_URL",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
    "AUTH_TOKEN_TTL",
    "AUTH_COOKIE",
    "AUTH_HASH_QUEUE",
  ]);
});

Deno.test("start mode without AUTH_JWT_SECRET fails the setup, saying what to set and how to make one", async () => {
  const tool = new AuthTool();
  await assert.rejects(
    tool.setup(ctxWith({ mode: "start" })),
    (e: Error) => {
      assert.match(e.message, /^AUTH_JWT_SECRET is not set: in start mode/);
      assert.match(e.message, /`openssl rand -base64 32`/);
      assert.match(e.message, /AUTH_JWT_SECRET=<it>/);
      return true;
    },
  );
});

Deno.test("start mode with a secret: tokens verify across two tools with the same secret", async () => {
  const a = new AuthTool();
  const b = new AuthTool();
  await a.setup(ctxWith({ mode: "start", env: { AUTH_JWT_SECRET: SECRET } }));
  await b.setup(ctxWith({ mode: "start", env: { AUTH_JWT_SECRET: SECRET } }));
  const token = await a.auth.sign({ sub: "7" });
  assert.equal((await b.auth.verify(token)).sub, "7");
});

Deno.test("dev without a secret: a generated secret kept in .microcore/ (tokens survive a restart) and one warning; test mode: random and silent", async () => {
  const root = await Deno.makeTempDir();
  try {
    const log = recordingLog();
    const a = new AuthTool();
    await a.setup(ctxWith({ mode: "dev", log, root }));
    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0].level, "warn");
    assert.match(
      log.lines[0].message,
      /^AUTH_JWT_SECRET is not set: dev signs with a generated secret kept in \.microcore\/auth-dev-secret/,
    );
    const kept = await Deno.readTextFile(`${root}/.microcore/auth-dev-secret`);
    assert.match(kept, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal((await Deno.stat(`${root}/.microcore/auth-dev-secret`)).mode! & 0o777, 0o600);
    // The next dev process (a restart) accepts the first one's tokens.
    const token = await a.auth.sign({ sub: "1" });
    const b = new AuthTool();
    await b.setup(ctxWith({ mode: "dev", root }));
    assert.equal((await b.auth.verify(token)).sub, "1");
    // A test-mode tool has its own random secret and says nothing.
    const c = new AuthTool();
    const quiet = recordingLog();
    await c.setup(ctxWith({ mode: "test", log: quiet, root }));
    assert.deepEqual(quiet.lines, []);
    await assert.rejects(c.auth.verify(token), AuthError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("dev: a kept secret that is too short is replaced", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/.microcore`);
    await Deno.writeTextFile(`${root}/.microcore/auth-dev-secret`, "short\n");
    const a = new AuthTool();
    await a.setup(ctxWith({ mode: "dev", root }));
    const kept = await Deno.readTextFile(`${root}/.microcore/auth-dev-secret`);
    assert.match(kept, /^[A-Za-z0-9+/]{43}=\n$/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("setup hands http a gate that verifies with the tool, and names the cookie", async () => {
  const http = { calls: 0 } as { gate?: AuthGateLike; calls: number };
  const tool = new AuthTool();
  await tool.setup(ctxWith({ env: { AUTH_COOKIE: "sid" } }, http));
  assert.equal(http.calls, 1);
  assert.equal(http.gate!.cookie, "sid");
  const token = await tool.auth.sign({ sub: "3", roles: ["a"] });
  assert.deepEqual((await http.gate!.verify(token)).roles, ["a"]);
  const err = await http.gate!.verify("x").then(() => undefined, (e) => e);
  assert.equal(err.kind, "unauthorized");
  tool.shutdown();
  assert.equal(http.calls, 2);
  assert.equal(http.gate, undefined);
});

Deno.test("bad settings fail the setup with the setting named", async () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ AUTH_TOKEN_TTL: "soon" }, /AUTH_TOKEN_TTL must be a whole number of seconds > 0: soon/],
    [{ AUTH_TOKEN_TTL: "-5" }, /AUTH_TOKEN_TTL must be/],
    [{ AUTH_COOKIE: "a b" }, /AUTH_COOKIE is not a cookie name: a b/],
    [{ AUTH_JWT_SECRET: "short" }, /AUTH_JWT_SECRET is 5 bytes/],
    [{ AUTH_JWT_ALG: "HS512" }, /AUTH_JWT_ALG=HS512 is not supported/],
    [{ AUTH_JWT_ALG: "RS256" }, /RS256 needs AUTH_JWT_PRIVATE_KEY/],
    [
      { AUTH_JWT_ALG: "ES256", AUTH_JWT_PRIVATE_KEY: "keys/nope.pem" },
      /AUTH_JWT_PRIVATE_KEY is neither PEM text nor a readable file \((NotFound|NotCapable)\): give/,
    ],
    [{ AUTH_JWKS_URL: "http://idp.example.com/jwks" }, /AUTH_JWKS_URL must be an https:\/\/ URL/],
    [{ AUTH_JWKS_URL: "::" }, /AUTH_JWKS_URL=:: is not a URL/],
    [{ AUTH_HASH_QUEUE: "many" }, /AUTH_HASH_QUEUE must be a whole number >= 0: many/],
    [{ AUTH_HASH_QUEUE: "-1" }, /AUTH_HASH_QUEUE must be a whole number >= 0: -1/],
  ];
  for (const [env, why] of bad) {
    await assert.rejects(
      new AuthTool().setup(ctxWith({ env, root: "/tmp" })),
      why,
      JSON.stringify(env),
    );
  }
});

Deno.test("PEM keys from the setting's text (with \\n escapes) or a file", async () => {
  const { exportPKCS8, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = await exportPKCS8(privateKey);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/key.pem`, pem);
    const fromFile = new AuthTool();
    await fromFile.setup(ctxWith({
      env: { AUTH_JWT_ALG: "ES256", AUTH_JWT_PRIVATE_KEY: "key.pem" },
      dataDir: dir,
    }));
    const fromText = new AuthTool();
    await fromText.setup(ctxWith({
      env: { AUTH_JWT_ALG: "ES256", AUTH_JWT_PRIVATE_KEY: pem.replace(/\n/g, "\\n") },
    }));
    const token = await fromFile.auth.sign({ sub: "1" });
    assert.equal((await fromText.auth.verify(token)).sub, "1");
    assert.deepEqual(fromText.describe(), {
      alg: "ES256",
      keys: "pem",
      cookie: "session",
      passwords: "scrypt ln=17,r=8,p=1",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AUTH_TOKEN_TTL sets exp; sign's expiresIn wins", async () => {
  const tool = new AuthTool();
  await tool.setup(ctxWith({ env: { AUTH_TOKEN_TTL: "120" } }));
  const c = await tool.auth.verify(await tool.auth.sign({ sub: "1" }));
  assert.equal(c.exp! - c.iat!, 120);
  const d = await tool.auth.verify(await tool.auth.sign({ sub: "1" }, { expiresIn: 30 }));
  assert.equal(d.exp! - d.iat!, 30);
});

Deno.test("before setup: sign and verify throw a config AuthError; hashing works", async () => {
  const tool = new AuthTool({ fastPasswords: true });
  await assert.rejects(tool.auth.sign({ sub: "1" }), /the auth tool is not set up/);
  await assert.rejects(tool.auth.verify("x"), /the auth tool is not set up/);
  const h = await tool.auth.hashPassword("pw");
  assert.deepEqual(await tool.auth.verifyPassword("pw", h), { ok: true });
  assert.deepEqual(await tool.auth.verifyPassword("pw", "garbage"), { ok: false });
});

Deno.test("setSession writes the HttpOnly session cookie and a readable csrf cookie for the token's lifetime; clearSession expires both", async () => {
  const tool = new AuthTool();
  await tool.setup(ctxWith({ env: { AUTH_COOKIE: "sid" } }));
  const token = await tool.auth.sign({ sub: "1" }, { expiresIn: 600 });
  const set: [string, string, Record<string, unknown> | undefined][] = [];
  const ctx = {
    setCookie: (n: string, v: string, o?: Record<string, unknown>) => set.push([n, v, o]),
  };
  tool.auth.setSession(ctx, token);
  assert.equal(set.length, 2);
  const [session, csrf] = set;
  assert.equal(session[0], "sid");
  assert.equal(session[1], token);
  assert.ok((session[2]!.maxAge as number) >= 599 && (session[2]!.maxAge as number) <= 600);
  assert.deepEqual({ ...session[2], maxAge: 0 }, {
    maxAge: 0,
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
  });
  assert.equal(csrf[0], "csrf");
  assert.match(csrf[1], /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual({ ...csrf[2], maxAge: 0 }, {
    maxAge: 0,
    httpOnly: false,
    secure: true,
    sameSite: "Lax",
  });
  set.length = 0;
  tool.auth.clearSession(ctx);
  assert.deepEqual(set.map(([n, v, o]) => [n, v, o!.maxAge, o!.httpOnly]), [
    ["sid", "", 0, true],
    ["csrf", "", 0, false],
  ]);
});

Deno.test("AUTH_HASH_QUEUE bounds the hashes waiting: beyond it hashPassword rejects at once (kind unavailable)", async () => {
  const { MAX_CONCURRENT_HASHES } = await import("./password.ts");
  const tool = new AuthTool({ fastPasswords: true });
  await tool.setup(ctxWith({ env: { AUTH_HASH_QUEUE: "0" } }));
  const settled = await Promise.allSettled(
    Array.from({ length: MAX_CONCURRENT_HASHES + 1 }, () => tool.auth.hashPassword("pw")),
  );
  assert.deepEqual(settled.map((s) => s.status), [
    ...Array(MAX_CONCURRENT_HASHES).fill("fulfilled"),
    "rejected",
  ]);
  assert.equal((settled.at(-1) as PromiseRejectedResult).reason.kind, "unavailable");
  // The default lets them wait.
  const dflt = new AuthTool({ fastPasswords: true });
  await dflt.setup(ctxWith());
  const all = await Promise.allSettled(
    Array.from({ length: MAX_CONCURRENT_HASHES + 1 }, () => dflt.auth.hashPassword("pw")),
  );
  assert.ok(all.every((s) => s.status === "fulfilled"));
});

Deno.test("a PEM key in quotes (docker --env-file keeps them) is PEM text; bare base64 or an unreadable path is refused without echoing the value", async () => {
  const { exportPKCS8, generateKeyPair } = await import("jose");
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const pem = await exportPKCS8(privateKey);
  const escaped = pem.replace(/\n/g, "\\n");
  for (const quoted of [`"${escaped}"`, `'${escaped}'`, `"${pem}"`]) {
    const tool = new AuthTool();
    await tool.setup(ctxWith({ env: { AUTH_JWT_ALG: "ES256", AUTH_JWT_PRIVATE_KEY: quoted } }));
    assert.equal((await tool.auth.verify(await tool.auth.sign({ sub: "1" }))).sub, "1");
  }
  const base64 = pem.replace(/-----[A-Z ]+-----|\n/g, "");
  for (const value of [base64, `"${base64}"`, "/etc/no/such/key.pem"]) {
    const err = await new AuthTool().setup(
      ctxWith({ env: { AUTH_JWT_ALG: "ES256", AUTH_JWT_PRIVATE_KEY: value }, dataDir: "/tmp" }),
    ).then(() => undefined, (e) => e);
    assert.ok(err instanceof Error, value);
    assert.match(err.message, /^AUTH_JWT_PRIVATE_KEY is neither PEM text nor a readable file/);
    const said = JSON.stringify([err.message, err.stack, String(err.cause ?? "")]);
    assert.ok(!said.includes(base64.slice(10, 40)), said);
    assert.ok(!said.includes("no/such"), said);
  }
});
