/**
 * JSON Web Tokens through `jose`: one pinned algorithm, a key from the settings (an HS256 secret,
 * PEM keys for RS256/ES256/EdDSA) or an identity provider's JWKS URL, `exp` always set and
 * required, a small clock tolerance.
 * @module
 */
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { AuthError } from "./errors.ts";
import type { Claims } from "./types.ts";
import { freeze, VerifiedTokens } from "./verified.ts";

let joseModule: Promise<typeof import("jose")> | undefined;
/**
 * `jose`, loaded at the first token signed or verified (or PEM key imported): a boot with an
 * HS256 secret does not pay its import.
 */
const jose = (): Promise<typeof import("jose")> => joseModule ??= import("jose");

/** Algorithms a local key may use. `none` and anything else is refused. */
export const ALGORITHMS = ["HS256", "RS256", "ES256", "EdDSA"] as const;
/** One of {@link ALGORITHMS}. */
export type Algorithm = typeof ALGORITHMS[number];
/** What a JWKS URL's keys may sign with when `AUTH_JWT_ALG` does not pin one. */
export const JWKS_ALGORITHMS = ["RS256", "ES256", "EdDSA"];
/** The shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at least the hash size). */
export const MIN_SECRET_BYTES = 32;
/** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_S = 5;
/** Longer tokens are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/** The message of every refused token (the reason goes to `cause`, never to the client). */
export const INVALID = "invalid or expired token";

/** How tokens are signed and checked. */
export interface JwtSettings {
  /** The algorithm tokens are signed with and the only one accepted (JWKS: see `jwksUrl`). */
  alg: Algorithm;
  /** HS256: the shared secret (at least 32 bytes). */
  secret?: string;
  /** HS256: the secret before the last rotation, still accepted (never used to sign). */
  previousSecret?: string;
  /** RS256/ES256/EdDSA: the PKCS#8 PEM private key (signing; the public key is derived). */
  privateKey?: string;
  /** RS256/ES256/EdDSA: the SPKI PEM public key (verifying only, when no private key). */
  publicKey?: string;
  /**
   * Verify with the keys of this JWKS URL (an outside identity provider) instead; `issuer` and
   * `audience` are then required.
   */
  jwksUrl?: string;
  /** With `jwksUrl`: the algorithms accepted (default {@link JWKS_ALGORITHMS}). */
  jwksAlgorithms?: string[];
  /** JWKS fetch timing (tests shorten them). */
  jwksCache?: { cacheMaxAge?: number; cooldownDuration?: number; timeoutDuration?: number };
  /** `iss` to set and require. */
  issuer?: string;
  /** `aud` to set and require. */
  audience?: string;
  /** Default lifetime of a signed token, in seconds. */
  ttl: number;
}

type SignKey = CryptoKey | Uint8Array;
type VerifyKey = CryptoKey | Uint8Array | JWTVerifyGetKey;

/** Signs and verifies tokens with one configuration. Build it with {@link Jwt.create}. */
export class Jwt {
  private constructor(
    readonly settings: JwtSettings,
    readonly signKey: SignKey | undefined,
    readonly verifyKey: VerifyKey,
    readonly algorithms: string[],
    readonly kid: string | undefined,
    /** HS256: the previous secret's key, tried when the current one does not match. */
    readonly previousKey?: Uint8Array,
  ) {}

  /** Tokens verified already (local keys only: JWKS keys may rotate away). */
  readonly #verified = new VerifiedTokens(10_000, CLOCK_TOLERANCE_S);

  /**
   * Check the settings and import the keys.
   * @throws Error naming the setting to fix (a short secret, a PEM that does not parse, …).
   */
  static async create(s: JwtSettings): Promise<Jwt> {
    if (!(ALGORITHMS as readonly string[]).includes(s.alg)) {
      throw new Error(
        `AUTH_JWT_ALG=${s.alg} is not supported: use one of ${ALGORITHMS.join(", ")}`,
      );
    }
    if (!Number.isFinite(s.ttl) || s.ttl <= 0) throw new Error(`AUTH_TOKEN_TTL must be > 0`);
    if (s.jwksUrl) return Jwt.#remote(s, await jose());
    if (s.alg === "HS256") {
      if (!s.secret) throw new Error("HS256 needs AUTH_JWT_SECRET");
      const key = secretKey("AUTH_JWT_SECRET", s.secret);
      const previous = s.previousSecret
        ? secretKey("AUTH_JWT_SECRET_PREVIOUS", s.previousSecret)
        : undefined;
      return new Jwt(s, key, key, ["HS256"], undefined, previous);
    }
    if (!s.privateKey && !s.publicKey) {
      throw new Error(
        `${s.alg} needs AUTH_JWT_PRIVATE_KEY (PKCS#8 PEM, to sign) or AUTH_JWT_PUBLIC_KEY ` +
          "(SPKI PEM, to verify only)",
      );
    }
    const { calculateJwkThumbprint, exportJWK, importPKCS8, importSPKI } = await jose();
    let signKey: CryptoKey | undefined;
    let publicPem = s.publicKey;
    if (s.privateKey) {
      signKey = await importPem(() => importPKCS8(s.privateKey!, s.alg), "AUTH_JWT_PRIVATE_KEY", s);
      const { createPublicKey } = await import("node:crypto");
      publicPem ??= createPublicKey(s.privateKey).export({ type: "spki", format: "pem" })
        .toString();
    }
    const verifyKey = await importPem(
      () => importSPKI(publicPem!, s.alg, { extractable: true }),
      "AUTH_JWT_PUBLIC_KEY",
      s,
    );
    const kid = await calculateJwkThumbprint(await exportJWK(verifyKey));
    return new Jwt(s, signKey, verifyKey, [s.alg], kid);
  }

  static #remote(s: JwtSettings, { createRemoteJWKSet }: typeof import("jose")): Jwt {
    let url: URL;
    try {
      url = new URL(s.jwksUrl!);
    } catch {
      throw new Error(`AUTH_JWKS_URL=${s.jwksUrl} is not a URL`);
    }
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new Error(`AUTH_JWKS_URL must be an https:// URL (http:// only on loopback): ${url}`);
    }
    // A shared provider signs tokens for every app it serves: without both checks, another
    // app's token (or one for the provider's own console) would pass here.
    const missing = [!s.issuer && "AUTH_ISSUER", !s.audience && "AUTH_AUDIENCE"].filter(Boolean)
      .join(" and ");
    if (missing) {
      throw new Error(
        `AUTH_JWKS_URL is set without ${missing}: set ${missing} to the values the provider ` +
          "puts in the tokens meant for this API (iss, aud); without them a token the provider " +
          "issued for any other app would be accepted",
      );
    }
    const keys = createRemoteJWKSet(url, {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: 5_000,
      ...s.jwksCache,
    });
    // The tool then only verifies (the provider signs); HS256 keys never come from a URL.
    const algorithms = s.jwksAlgorithms ?? JWKS_ALGORITHMS;
    if (algorithms.some((a) => !JWKS_ALGORITHMS.includes(a))) {
      throw new Error(
        `AUTH_JWKS_URL verifies ${JWKS_ALGORITHMS.join(", ")} tokens only: AUTH_JWT_ALG=${
          algorithms.join(",")
        } cannot come from a JWKS`,
      );
    }
    return new Jwt(s, undefined, keys, algorithms, undefined);
  }

  /** A token for `claims` that expires in `ttl` seconds (default the settings' ttl). */
  async sign(claims: Claims, ttl = this.settings.ttl): Promise<string> {
    if (!this.signKey) {
      throw new AuthError(
        "auth cannot sign tokens: set AUTH_JWT_SECRET (HS256) or AUTH_JWT_PRIVATE_KEY",
        "config",
      );
    }
    if (typeof claims?.sub !== "string" || claims.sub === "") {
      throw new TypeError("sign: claims.sub must be a non-empty string (the user id)");
    }
    if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError(`sign: expiresIn must be > 0`);
    const { iat: _iat, exp: _exp, ...rest } = claims;
    const now = Math.floor(Date.now() / 1000);
    const { SignJWT } = await jose();
    const jwt = new SignJWT(rest as JWTPayload)
      .setProtectedHeader(
        this.kid ? { alg: this.settings.alg, typ: "JWT", kid: this.kid } : {
          alg: this.settings.alg,
          typ: "JWT",
        },
      )
      .setIssuedAt(now)
      .setExpirationTime(now + Math.floor(ttl));
    if (this.settings.issuer) jwt.setIssuer(this.settings.issuer);
    if (this.settings.audience) jwt.setAudience(this.settings.audience);
    return await jwt.sign(this.signKey);
  }

  /**
   * The claims of a valid token (frozen: every request presenting the token shares them). A token
   * verified before with a local key is answered from memory until it expires.
   * @throws AuthError `unauthorized` for any refused token; `unavailable` when the JWKS URL
   * cannot be reached (the http tool answers 503, not a 401 that would log users out).
   */
  async verify(token: string): Promise<Claims> {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new AuthError(INVALID);
    }
    const local = !this.settings.jwksUrl;
    if (local) {
      const hit = this.#verified.get(token);
      if (hit) return hit;
    }
    let payload: JWTPayload;
    const options = {
      algorithms: this.algorithms,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "sub"],
    };
    const { errors, jwtVerify } = await jose();
    try {
      try {
        ({ payload } = await jwtVerify(token, this.verifyKey as CryptoKey, options));
      } catch (err) {
        // Signed before the secret's rotation: the previous secret still verifies it.
        if (!this.previousKey || !(err instanceof errors.JWSSignatureVerificationFailed)) throw err;
        ({ payload } = await jwtVerify(token, this.previousKey, options));
      }
    } catch (err) {
      if (this.settings.jwksUrl && unreachable(err, errors)) {
        throw new AuthError("identity provider unreachable", "unavailable", { cause: err });
      }
      throw new AuthError(INVALID, "unauthorized", { cause: err });
    }
    if (typeof payload.sub !== "string" || payload.sub === "") {
      throw new AuthError(INVALID, "unauthorized", { cause: new Error("sub is not a string") });
    }
    const claims = freeze(payload as Claims);
    if (local) this.#verified.set(token, claims);
    return claims;
  }
}

/** The key of an HS256 secret setting, at least {@link MIN_SECRET_BYTES} long. */
function secretKey(setting: string, secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret);
  if (key.byteLength < MIN_SECRET_BYTES) {
    throw new Error(
      `${setting} is ${key.byteLength} bytes; HS256 needs at least ${MIN_SECRET_BYTES}` +
        " (make one with: openssl rand -base64 32)",
    );
  }
  return key;
}

/** A JWKS that could not be fetched (timeout, refused, not a 200): the provider is down. */
function unreachable(err: unknown, errors: typeof import("jose").errors): boolean {
  if (err instanceof errors.JWKSTimeout) return true;
  if (err instanceof errors.JOSEError) {
    return err.code === "ERR_JOSE_GENERIC" && /JSON Web Key Set/.test(err.message);
  }
  // fetch's own errors (connection refused, DNS).
  return err instanceof TypeError;
}

async function importPem<T>(f: () => Promise<T>, setting: string, s: JwtSettings): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw new Error(
      `${setting} is not a ${s.alg} key in PEM form (${(err as Error).message}); ` +
        `see docs/auth.md for how to make one`,
      { cause: err },
    );
  }
}
