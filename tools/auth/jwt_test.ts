import assert from "node:assert/strict";
import { exportPKCS8, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { AuthError } from "./errors.ts";
import { type Algorithm, INVALID, Jwt, type JwtSettings } from "./jwt.ts";

const SECRET = "0123456789abcdef0123456789abcdef"; // 32 bytes
const hs = (extra: Partial<JwtSettings> = {}) =>
  Jwt.create({ alg: "HS256", secret: SECRET, ttl: 3600, ...extra });

async function refused(p: Promise<unknown>, why?: RegExp): Promise<AuthError> {
  const err = await p.then(() => undefined, (e) => e);
  assert.ok(err instanceof AuthError, `expected an AuthError, got ${err}`);
  assert.equal(err.message, INVALID);
  assert.equal(err.kind, "unauthorized");
  if (why) assert.match(String((err.cause as Error)?.message ?? err.cause), why);
  return err;
}

async function pem(alg: Algorithm) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey: await exportPKCS8(privateKey), publicKey: await exportSPKI(publicKey) };
}

Deno.test("HS256: sign then verify gives the claims back, with iat and exp set", async () => {
  const jwt = await hs();
  const before = Math.floor(Date.now() / 1000);
  const token = await jwt.sign({ sub: "42", roles: ["admin"], name: "Ada" });
  const c = await jwt.verify(token);
  assert.equal(c.sub, "42");
  assert.deepEqual(c.roles, ["admin"]);
  assert.equal(c.name, "Ada");
  assert.ok(c.iat! >= before && c.iat! <= before + 1);
  assert.equal(c.exp, c.iat! + 3600);
  const header = JSON.parse(atob(token.split(".")[0]));
  assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
});

Deno.test("sign: ignores iat/exp given in the claims, honours expiresIn, needs a sub", async () => {
  const jwt = await hs();
  const c = await jwt.verify(await jwt.sign({ sub: "1", iat: 1, exp: 2 }, 60));
  assert.equal(c.exp! - c.iat!, 60);
  assert.ok(c.iat! > 1_700_000_000);
  await assert.rejects(jwt.sign({ sub: "" }), /claims.sub must be a non-empty string/);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(jwt.sign({ sub: 1 as any }), /claims.sub/);
  await assert.rejects(jwt.sign({ sub: "1" }, 0), /expiresIn must be > 0/);
});

Deno.test("verify refuses: another secret, a tampered payload, garbage, an empty or huge token", async () => {
  const jwt = await hs();
  const other = await hs({ secret: SECRET.replace("0", "x") });
  const token = await other.sign({ sub: "1" });
  await refused(jwt.verify(token), /signature verification failed/);
  const good = await jwt.sign({ sub: "1", roles: ["user"] });
  const [h, , s] = good.split(".");
  const forged = btoa(JSON.stringify({ sub: "1", roles: ["admin"], exp: 9999999999 }))
    .replace(/=+$/, "");
  await refused(jwt.verify(`${h}.${forged}.${s}`));
  await refused(jwt.verify("not.a.token"));
  await refused(jwt.verify(""));
  await refused(jwt.verify("a".repeat(8193)));
  // deno-lint-ignore no-explicit-any
  await refused(jwt.verify(undefined as any));
});

Deno.test("verify refuses an expired token (beyond the 5 s tolerance), takes one within it", async () => {
  const jwt = await hs();
  const now = Math.floor(Date.now() / 1000);
  const key = new TextEncoder().encode(SECRET);
  const old = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(now - 100).setExpirationTime(now - 10).sign(key);
  await refused(jwt.verify(old), /"exp" claim timestamp check failed/);
  const recent = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(now - 100).setExpirationTime(now - 2).sign(key);
  assert.equal((await jwt.verify(recent)).sub, "1");
});

Deno.test("verify refuses a token without exp or without sub", async () => {
  const jwt = await hs();
  const key = new TextEncoder().encode(SECRET);
  const noExp = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" }).sign(key);
  await refused(jwt.verify(noExp), /missing required "exp" claim/);
  const noSub = await new SignJWT({}).setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h").sign(key);
  await refused(jwt.verify(noSub), /missing required "sub" claim/);
  const numSub = await new SignJWT({ sub: 7 as unknown as string }).setProtectedHeader({
    alg: "HS256",
  }).setExpirationTime("1h").sign(key);
  await refused(jwt.verify(numSub));
});

Deno.test("verify refuses alg none and any algorithm but the pinned one", async () => {
  const jwt = await hs();
  const none = new UnsecuredJWT({ sub: "1" }).setExpirationTime("1h").encode();
  await refused(jwt.verify(none));
  const hs384 = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS384" })
    .setExpirationTime("1h").sign(new TextEncoder().encode(SECRET + SECRET));
  await refused(jwt.verify(hs384), /"alg" \(Algorithm\) Header Parameter value not allowed/);
});

Deno.test("alg confusion: an RS256 verifier refuses an HS256 token keyed with its public key", async () => {
  const keys = await pem("RS256");
  const jwt = await Jwt.create({ alg: "RS256", publicKey: keys.publicKey, ttl: 60 });
  const confused = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("1h").sign(new TextEncoder().encode(keys.publicKey));
  await refused(jwt.verify(confused), /not allowed/);
});

for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
  Deno.test(`${alg}: a private key signs, its derived public key verifies; a public key alone only verifies`, async () => {
    const keys = await pem(alg);
    const signer = await Jwt.create({ alg, privateKey: keys.privateKey, ttl: 60 });
    const token = await signer.sign({ sub: "9" });
    const header = JSON.parse(atob(token.split(".")[0]));
    assert.equal(header.alg, alg);
    assert.match(header.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await signer.verify(token)).sub, "9");
    const verifier = await Jwt.create({ alg, publicKey: keys.publicKey, ttl: 60 });
    assert.equal((await verifier.verify(token)).sub, "9");
    const err = await verifier.sign({ sub: "9" }).then(() => undefined, (e) => e);
    assert.ok(err instanceof AuthError);
    assert.equal(err.kind, "config");
    assert.match(err.message, /cannot sign tokens: set AUTH_JWT_SECRET .* or AUTH_JWT_PRIVATE_KEY/);
    // Another key pair's token is refused.
    const stranger = await Jwt.create({ alg, privateKey: (await pem(alg)).privateKey, ttl: 60 });
    await refused(verifier.verify(await stranger.sign({ sub: "9" })));
  });
}

Deno.test("issuer and audience: set on sign, required on verify", async () => {
  const a = await hs({ issuer: "https://app", audience: "api" });
  const c = await a.verify(await a.sign({ sub: "1" }));
  assert.equal(c.iss, "https://app");
  assert.equal(c.aud, "api");
  const plain = await hs();
  await refused(a.verify(await plain.sign({ sub: "1" })), /"iss" claim/);
  const otherAud = await hs({ issuer: "https://app", audience: "web" });
  await refused(a.verify(await otherAud.sign({ sub: "1" })), /"aud" claim/);
});

Deno.test("create: clear errors for a short secret, a missing key, a bad PEM, a bad alg", async () => {
  await assert.rejects(
    hs({ secret: "short" }),
    /AUTH_JWT_SECRET is 5 bytes; HS256 needs at least 32 \(make one with: openssl rand -base64 32\)/,
  );
  await assert.rejects(hs({ secret: undefined }), /HS256 needs AUTH_JWT_SECRET/);
  await assert.rejects(
    Jwt.create({ alg: "RS256", ttl: 60 }),
    /RS256 needs AUTH_JWT_PRIVATE_KEY \(PKCS#8 PEM, to sign\) or AUTH_JWT_PUBLIC_KEY/,
  );
  await assert.rejects(
    Jwt.create({ alg: "ES256", publicKey: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END", ttl: 60 }),
    /AUTH_JWT_PUBLIC_KEY is not a ES256 key in PEM form/,
  );
  const rsa = await pem("RS256");
  await assert.rejects(
    Jwt.create({ alg: "ES256", privateKey: rsa.privateKey, ttl: 60 }),
    /AUTH_JWT_PRIVATE_KEY is not a ES256 key in PEM form/,
  );
  await assert.rejects(
    Jwt.create({ alg: "none" as Algorithm, secret: SECRET, ttl: 60 }),
    /AUTH_JWT_ALG=none is not supported: use one of HS256, RS256, ES256, EdDSA/,
  );
  await assert.rejects(hs({ ttl: 0 }), /AUTH_TOKEN_TTL must be > 0/);
});

Deno.test("a token verified once is answered from memory (the same frozen claims); a tampered copy is not", async () => {
  const jwt = await hs();
  const token = await jwt.sign({ sub: "1", roles: ["user"] });
  const a = await jwt.verify(token);
  const b = await jwt.verify(token);
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.roles));
  await refused(jwt.verify(token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA")));
  await refused(jwt.verify(token + "x"));
});

Deno.test("secret rotation: AUTH_JWT_SECRET_PREVIOUS still verifies the old secret's tokens; signing uses the new one", async () => {
  const NEW = "fedcba9876543210fedcba9876543210";
  const old = await hs();
  const oldToken = await old.sign({ sub: "1" });
  const rotated = await hs({ secret: NEW, previousSecret: SECRET });
  assert.equal((await rotated.verify(oldToken)).sub, "1");
  const newToken = await rotated.sign({ sub: "2" });
  assert.equal((await (await hs({ secret: NEW })).verify(newToken)).sub, "2");
  await refused(old.verify(newToken), /signature verification failed/);
  // Without the previous secret the old tokens are refused; a stranger's token is refused either way.
  await refused((await hs({ secret: NEW })).verify(oldToken), /signature verification failed/);
  const stranger = await hs({ secret: "x".repeat(32) });
  await refused(rotated.verify(await stranger.sign({ sub: "3" })), /signature verification failed/);
  // An expired old token is not given a second chance by the previous secret.
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ sub: "1" }).setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(now - 60).sign(new TextEncoder().encode(SECRET));
  await refused(rotated.verify(expired), /"exp" claim timestamp check failed/);
  await assert.rejects(
    hs({ previousSecret: "short" }),
    /AUTH_JWT_SECRET_PREVIOUS is 5 bytes; HS256 needs at least 32/,
  );
});
