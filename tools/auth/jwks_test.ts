/**
 * Verifying an outside identity provider's tokens through its JWKS URL: a local server plays the
 * provider and rotates its keys.
 * @module
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { AuthError } from "./errors.ts";
import { Jwt } from "./jwt.ts";
import { AuthTool } from "./tool.ts";

/** A key of the fake provider: its private key and public JWK. */
interface ProviderKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function providerKey(kid: string, alg: "RS256" | "ES256" = "ES256"): Promise<ProviderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** A JWKS server on a free loopback port: `keys` is what it publishes now; `fetches` counts GETs. */
function provider() {
  const state = { keys: [] as ProviderKey[], fetches: 0, down: false };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    state.fetches++;
    if (state.down) return new Response("maintenance", { status: 503 });
    return Response.json({ keys: state.keys.map((k) => k.jwk) });
  });
  const url = `http://127.0.0.1:${server.addr.port}/.well-known/jwks.json`;
  return { state, url, close: () => server.shutdown() };
}

function token(k: ProviderKey, claims: Record<string, unknown> = { sub: "u1" }, alg = "ES256") {
  return new SignJWT(claims).setProtectedHeader({ alg, kid: k.kid }).setIssuedAt()
    .setIssuer("https://idp.test").setAudience("my-api").setExpirationTime("5m")
    .sign(k.privateKey);
}

const remote = (url: string, cooldownDuration = 0) =>
  Jwt.create({
    alg: "HS256",
    ttl: 60,
    jwksUrl: url,
    issuer: "https://idp.test",
    audience: "my-api",
    jwksCache: { cooldownDuration },
  });

Deno.test("JWKS: verifies the provider's tokens; the key set is fetched once and cached", async () => {
  const idp = provider();
  try {
    const a = await providerKey("a");
    idp.state.keys = [a];
    const jwt = await remote(idp.url);
    assert.equal(idp.state.fetches, 0, "nothing fetched before the first token");
    for (let i = 0; i < 5; i++) {
      assert.equal((await jwt.verify(await token(a, { sub: `u${i}` }))).sub, `u${i}`);
    }
    assert.equal(idp.state.fetches, 1);
  } finally {
    await idp.close();
  }
});

Deno.test("JWKS: key rotation — a new kid is fetched, the retired key's tokens are refused", async () => {
  const idp = provider();
  try {
    const a = await providerKey("a");
    const b = await providerKey("b");
    idp.state.keys = [a];
    const jwt = await remote(idp.url);
    const oldToken = await token(a);
    assert.equal((await jwt.verify(oldToken)).sub, "u1");
    // The provider rotates: b is published, a is retired.
    idp.state.keys = [b];
    assert.equal((await jwt.verify(await token(b, { sub: "u2" }))).sub, "u2");
    assert.equal(idp.state.fetches, 2, "the unknown kid made one refetch");
    // Verified before, yet refused now: JWKS tokens are never answered from memory.
    const err = await jwt.verify(oldToken).then(() => undefined, (e) => e);
    assert.ok(err instanceof AuthError);
    assert.equal(err.kind, "unauthorized");
  } finally {
    await idp.close();
  }
});

Deno.test("JWKS: an unknown kid within the cooldown is refused without hammering the provider", async () => {
  const idp = provider();
  try {
    const a = await providerKey("a");
    const stranger = await providerKey("zzz");
    idp.state.keys = [a];
    const jwt = await remote(idp.url, 30_000);
    await jwt.verify(await token(a));
    for (let i = 0; i < 5; i++) {
      await assert.rejects(jwt.verify(await token(stranger)), { kind: "unauthorized" });
    }
    assert.equal(idp.state.fetches, 1);
  } finally {
    await idp.close();
  }
});

Deno.test("JWKS: issuer, audience and the algorithm list are enforced; HS256 and none are never accepted", async () => {
  const idp = provider();
  try {
    const a = await providerKey("a");
    idp.state.keys = [a];
    const jwt = await remote(idp.url);
    const wrongAud = await new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "ES256", kid: "a" })
      .setIssuer("https://idp.test").setAudience("other").setExpirationTime("5m")
      .sign(a.privateKey);
    await assert.rejects(jwt.verify(wrongAud), { kind: "unauthorized" });
    const hs = await new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "HS256", kid: "a" })
      .setIssuer("https://idp.test").setAudience("my-api").setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(a.jwk)));
    await assert.rejects(jwt.verify(hs), { kind: "unauthorized" });
    // Pinned to RS256: an ES256 token of the provider is refused.
    const pinned = await Jwt.create({
      alg: "RS256",
      ttl: 60,
      jwksUrl: idp.url,
      issuer: "https://idp.test",
      audience: "my-api",
      jwksAlgorithms: ["RS256"],
    });
    await assert.rejects(pinned.verify(await token(a)), { kind: "unauthorized" });
    await assert.rejects(
      Jwt.create({
        alg: "HS256",
        ttl: 60,
        jwksUrl: idp.url,
        issuer: "https://idp.test",
        audience: "my-api",
        jwksAlgorithms: ["HS256"],
      }),
      /AUTH_JWKS_URL verifies RS256, ES256, EdDSA tokens only: AUTH_JWT_ALG=HS256 cannot come/,
    );
  } finally {
    await idp.close();
  }
});

Deno.test("JWKS: a provider that is down or unreachable is kind unavailable (a 503), not a 401", async () => {
  const idp = provider();
  const a = await providerKey("a");
  idp.state.down = true;
  const jwt = await remote(idp.url);
  const err = await jwt.verify(await token(a)).then(() => undefined, (e) => e);
  assert.ok(err instanceof AuthError);
  assert.equal(err.kind, "unavailable");
  assert.equal(err.message, "identity provider unreachable");
  await idp.close();
  const gone = await remote(idp.url);
  await assert.rejects(gone.verify(await token(a)), { kind: "unavailable" });
});

Deno.test("JWKS through the tool: AUTH_JWKS_URL with AUTH_ISSUER/AUTH_AUDIENCE; no secret needed in start; sign says it cannot", async () => {
  const idp = provider();
  try {
    const a = await providerKey("a", "RS256");
    idp.state.keys = [a];
    const tool = new AuthTool();
    await tool.setup(standaloneContext({
      mode: "start",
      env: {
        AUTH_JWKS_URL: idp.url,
        AUTH_ISSUER: "https://idp.test",
        AUTH_AUDIENCE: "my-api",
        AUTH_JWT_ALG: "RS256",
      },
    }));
    const claims = await tool.auth.verify(await token(a, { sub: "ext", roles: ["r"] }, "RS256"));
    assert.deepEqual([claims.sub, claims.roles], ["ext", ["r"]]);
    await assert.rejects(tool.auth.sign({ sub: "1" }), /auth cannot sign tokens/);
    assert.deepEqual(tool.describe(), {
      alg: "RS256",
      keys: "jwks",
      cookie: "session",
      passwords: "scrypt ln=17,r=8,p=1",
    });
  } finally {
    await idp.close();
  }
});

Deno.test("JWKS without AUTH_AUDIENCE or AUTH_ISSUER fails the setup, naming what is missing (another app's tokens would pass)", async () => {
  const url = "https://idp.example.com/.well-known/jwks.json";
  const cases: [Record<string, string>, string][] = [
    [{}, "AUTH_ISSUER and AUTH_AUDIENCE"],
    [{ AUTH_ISSUER: "https://idp.test" }, "AUTH_AUDIENCE"],
    [{ AUTH_AUDIENCE: "my-api" }, "AUTH_ISSUER"],
  ];
  for (const [env, missing] of cases) {
    const err = await new AuthTool().setup(
      standaloneContext({ mode: "start", env: { AUTH_JWKS_URL: url, ...env } }),
    ).then(() => undefined, (e) => e);
    assert.ok(err instanceof Error, JSON.stringify(env));
    assert.equal(
      err.message,
      `AUTH_JWKS_URL is set without ${missing}: set ${missing} to the values the provider puts ` +
        "in the tokens meant for this API (iss, aud); without them a token the provider issued " +
        "for any other app would be accepted",
    );
  }
  await assert.rejects(
    Jwt.create({ alg: "RS256", ttl: 60, jwksUrl: url, issuer: "https://idp.test" }),
    /AUTH_JWKS_URL is set without AUTH_AUDIENCE/,
  );
});
