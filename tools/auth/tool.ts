/**
 * The `auth` tool: reads its settings, builds the token signer/verifier and the password hasher,
 * hands plugins an {@link Auth}, and gives the http tool the verifier its `auth:` routes use.
 * @module
 */
import type { Mode, PermissionNeeds, PermissionSettings, Tool, ToolContext } from "@core";
import { authPermissions } from "./permissions.ts";
import { isAbsolute, join } from "node:path";
import { AuthError } from "./errors.ts";
import { type Algorithm, ALGORITHMS, Jwt, type JwtSettings, MIN_SECRET_BYTES } from "./jwt.ts";
import { DEFAULT_HASH_QUEUE, OWASP_SCRYPT, PasswordHasher, TEST_SCRYPT } from "./password.ts";
import { keySetting } from "./pem.ts";
import { eraseSession, secondsLeft, writeSession } from "./session.ts";
import type { Auth, Claims, PasswordCheck, SessionTarget, SignOptions } from "./types.ts";

/** Options of {@link AuthTool}. */
export interface AuthToolOptions {
  /**
   * Cheap password hashing parameters (a few ms a hash instead of ~0.3 s), for tests only: the
   * test kit sets it. Never in production.
   */
  fastPasswords?: boolean;
  /** Settings used instead of `ctx.env` for keys left out there (tests). */
  jwt?: Partial<JwtSettings>;
}

/** The default token lifetime, in seconds. */
const DEFAULT_TTL = 3600;
/** The default session cookie name. */
const DEFAULT_COOKIE = "session";
/** A cookie name: an HTTP token. */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What the http tool takes to guard `auth:` routes (see its `useAuth`). */
interface HttpHook {
  useAuth?(gate: { verify(token: string): Promise<Claims>; cookie: string } | undefined): void;
}

/**
 * A PEM setting: the PEM text (`\n` escapes and surrounding quotes allowed), or a file path
 * (relative: the data folder). The value is never echoed: it may be the private key itself.
 */
async function readPem(
  name: string,
  value: string | undefined,
  dataDir: string,
): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const setting = keySetting(value);
  if ("pem" in setting) return setting.pem;
  const neither = `${name} is neither PEM text nor a readable file`;
  const how = "give the PEM text (with its -----BEGIN …----- lines; `\\n` escapes allowed) or " +
    `the path of a PEM file (relative paths are read from the data folder, ${dataDir})`;
  if ("material" in setting) throw new Error(`${neither} (bare base64?): ${how}`);
  const path = isAbsolute(setting.path) ? setting.path : join(dataDir, setting.path);
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    // The error's name only: its message holds the path, which may be key material.
    throw new Error(`${neither} (${(err as Error).name}): ${how}`);
  }
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes));
}

/** Where dev keeps its generated secret, so tokens survive the restarts a tool edit causes. */
const DEV_SECRET_FILE = ".microcore/auth-dev-secret";

/**
 * Dev without AUTH_JWT_SECRET: a random secret kept in `.microcore/` (git-ignored, dev only), so a
 * login survives the process restarts of `deno task dev`; one warning says so.
 */
async function devSecret(ctx: ToolContext): Promise<string> {
  const path = join(ctx.root, DEV_SECRET_FILE);
  let secret: string | undefined;
  try {
    secret = (await Deno.readTextFile(path)).trim();
  } catch { /* none yet */ }
  if (!secret || new TextEncoder().encode(secret).byteLength < MIN_SECRET_BYTES) {
    secret = randomSecret();
    try {
      await Deno.mkdir(join(ctx.root, ".microcore"), { recursive: true });
      await Deno.writeTextFile(path, secret + "\n", { mode: 0o600 });
    } catch (err) {
      ctx.log.warn(`cannot keep the dev secret in ${DEV_SECRET_FILE}: ${(err as Error).message}`);
    }
  }
  ctx.log.warn(
    `AUTH_JWT_SECRET is not set: dev signs with a generated secret kept in ${DEV_SECRET_FILE} ` +
      "(start mode refuses to boot without one; make it with `openssl rand -base64 32`)",
  );
  return secret;
}

/**
 * JWT sign/verify, password hashing and cookie sessions for plugins; protects the http tool's
 * `auth:` routes. See docs/auth.md.
 *
 * In `start` mode HS256 needs `AUTH_JWT_SECRET` (the boot fails otherwise); dev generates one and
 * keeps it in `.microcore/auth-dev-secret` (logins survive restarts); tests use a random one.
 */
export class AuthTool implements Tool {
  readonly name = "auth";
  readonly description =
    "JWT sign/verify (HS256, RS256, ES256, EdDSA, JWKS URL), password hashing, cookie sessions; guards http routes declared with auth:";
  /** Set up after http, so that it can hand http the verifier. */
  readonly dependsOn = ["http"];
  /** The settings the tool reads through `ctx.env` in `setup`. */
  readonly env = {
    AUTH_JWT_SECRET: `the HS256 signing secret, at least ${MIN_SECRET_BYTES} bytes ` +
      "(make one: openssl rand -base64 32); required in start mode (dev: a generated one kept " +
      "in .microcore/; tests: a random one per process)",
    AUTH_JWT_SECRET_PREVIOUS: "HS256: the secret before a rotation, still accepted (never used " +
      "to sign) until the tokens it signed expired; then unset it",
    AUTH_JWT_ALG: `the token algorithm, one of ${ALGORITHMS.join(", ")} (default HS256); the ` +
      "only one accepted",
    AUTH_JWT_PRIVATE_KEY: "RS256/ES256/EdDSA: the PKCS#8 PEM private key that signs, as the " +
      "PEM text or a file path",
    AUTH_JWT_PUBLIC_KEY: "RS256/ES256/EdDSA: the SPKI PEM public key that verifies (default: " +
      "derived from the private key), as the PEM text or a file path",
    AUTH_JWKS_URL: "verify tokens of an outside identity provider with the keys at this https " +
      "URL (cached 10 min, refetched on an unknown key id); needs AUTH_ISSUER and AUTH_AUDIENCE",
    AUTH_ISSUER: "the iss claim tokens carry and must carry (default unset: not checked; " +
      "required with AUTH_JWKS_URL)",
    AUTH_AUDIENCE: "the aud claim tokens carry and must carry (default unset: not checked; " +
      "required with AUTH_JWKS_URL)",
    AUTH_TOKEN_TTL: `seconds a signed token lives (default ${DEFAULT_TTL})`,
    AUTH_COOKIE: `the session cookie's name (default ${DEFAULT_COOKIE})`,
    AUTH_HASH_QUEUE: "password hashes that may wait for a free slot (default " +
      `${DEFAULT_HASH_QUEUE}); beyond it hashPassword/verifyPassword reject at once (a 503 with ` +
      "Retry-After), so a login flood cannot delay real logins by minutes",
  } as const;

  /** Deno permissions for these settings, for `deno task permissions` (see permissions.ts). */
  permissions(settings: PermissionSettings): PermissionNeeds {
    return authPermissions(settings);
  }

  readonly #options: AuthToolOptions;
  #jwt: Jwt | undefined;
  #passwords: PasswordHasher;
  #cookie = DEFAULT_COOKIE;
  #http: HttpHook | undefined;
  #api: Auth;

  /** A tool that must be set up before it signs or verifies (hashing works at once). */
  constructor(options: AuthToolOptions = {}) {
    this.#options = options;
    this.#passwords = new PasswordHasher(options.fastPasswords ? TEST_SCRYPT : OWASP_SCRYPT);
    this.#api = this.#makeApi();
  }

  /** Read the settings, import the keys, and give http the verifier. */
  async setup(ctx: ToolContext): Promise<void> {
    const s = await this.#settings(ctx, ctx.mode);
    this.#jwt = await Jwt.create(s);
    const queueText = ctx.env("AUTH_HASH_QUEUE");
    const queue = queueText === undefined ? DEFAULT_HASH_QUEUE : Number(queueText);
    if (queueText !== undefined && !/^\d{1,6}$/.test(queueText.trim())) {
      throw new Error(`AUTH_HASH_QUEUE must be a whole number >= 0: ${queueText}`);
    }
    this.#passwords = new PasswordHasher(this.#passwords.params, { queue });
    const cookie = ctx.env("AUTH_COOKIE") ?? DEFAULT_COOKIE;
    if (!COOKIE_NAME.test(cookie)) throw new Error(`AUTH_COOKIE is not a cookie name: ${cookie}`);
    this.#cookie = cookie;
    this.#http = ctx.tool<HttpHook>("http");
    this.#http?.useAuth?.({ verify: (t) => this.#api.verify(t), cookie });
    if (s.jwksUrl) ctx.log.info("auth verifies tokens with a JWKS URL", { url: s.jwksUrl });
  }

  async #settings(ctx: ToolContext, mode: Mode): Promise<JwtSettings> {
    const o = this.#options.jwt ?? {};
    const alg = (ctx.env("AUTH_JWT_ALG") ?? o.alg ?? "HS256") as Algorithm;
    const ttlText = ctx.env("AUTH_TOKEN_TTL");
    const ttl = ttlText === undefined ? o.ttl ?? DEFAULT_TTL : Number(ttlText);
    if (!Number.isInteger(ttl) || ttl <= 0) {
      throw new Error(`AUTH_TOKEN_TTL must be a whole number of seconds > 0: ${ttlText}`);
    }
    const s: JwtSettings = {
      ...o,
      alg,
      ttl,
      secret: ctx.env("AUTH_JWT_SECRET") ?? o.secret,
      previousSecret: ctx.env("AUTH_JWT_SECRET_PREVIOUS") ?? o.previousSecret,
      privateKey:
        await readPem("AUTH_JWT_PRIVATE_KEY", ctx.env("AUTH_JWT_PRIVATE_KEY"), ctx.dataDir) ??
          o.privateKey,
      publicKey:
        await readPem("AUTH_JWT_PUBLIC_KEY", ctx.env("AUTH_JWT_PUBLIC_KEY"), ctx.dataDir) ??
          o.publicKey,
      jwksUrl: ctx.env("AUTH_JWKS_URL") ?? o.jwksUrl,
      issuer: ctx.env("AUTH_ISSUER") ?? o.issuer,
      audience: ctx.env("AUTH_AUDIENCE") ?? o.audience,
    };
    if (ctx.env("AUTH_JWT_ALG") && s.jwksUrl) s.jwksAlgorithms = [alg];
    if (alg === "HS256" && !s.secret && !s.jwksUrl) {
      if (mode === "start") {
        throw new Error(
          "AUTH_JWT_SECRET is not set: in start mode the auth tool needs a secret of at least " +
            `${MIN_SECRET_BYTES} bytes to sign and verify tokens. Make one with ` +
            "`openssl rand -base64 32` and set AUTH_JWT_SECRET=<it> in the deployment's " +
            "environment (a secret store, not the committed .env), the same on every instance. " +
            "Or use AUTH_JWT_ALG=RS256/ES256/EdDSA with AUTH_JWT_PRIVATE_KEY, or AUTH_JWKS_URL",
        );
      }
      s.secret = mode === "dev" ? await devSecret(ctx) : randomSecret();
    }
    return s;
  }

  #makeApi(): Auth {
    const jwt = () => {
      if (!this.#jwt) {
        throw new AuthError("the auth tool is not set up (no kernel booted it)", "config");
      }
      return this.#jwt;
    };
    return {
      sign: async (claims: Claims, options?: SignOptions) =>
        await jwt().sign(claims, options?.expiresIn),
      verify: async (token: string) => await jwt().verify(token),
      hashPassword: (password: string) => this.#passwords.hash(password),
      verifyPassword: (password: string, stored: string): Promise<PasswordCheck> =>
        this.#passwords.verify(password, stored),
      setSession: (ctx: SessionTarget, token: string) =>
        writeSession(ctx, this.#cookie, token, secondsLeft(token, jwt().settings.ttl)),
      clearSession: (ctx: SessionTarget) => eraseSession(ctx, this.#cookie),
    };
  }

  /** What plugins receive (the same for every plugin). */
  forOwner(): Auth {
    return this.#api;
  }

  /** The API, for tests and scripts. */
  get auth(): Auth {
    return this.#api;
  }

  /** The algorithm, key source, cookie and password hashing, for the status page. */
  describe(): Record<string, unknown> {
    const s = this.#jwt?.settings;
    const p = this.#passwords.params;
    return {
      alg: s?.jwksUrl ? this.#jwt!.algorithms.join(",") : s?.alg,
      keys: s?.jwksUrl ? "jwks" : s?.alg === "HS256" ? "secret" : "pem",
      cookie: this.#cookie,
      passwords: `scrypt ln=${p.ln},r=${p.r},p=${p.p}`,
    };
  }

  /** Take the verifier back from http: `auth:` routes then answer 401 … until set up again. */
  shutdown(): void {
    this.#http?.useAuth?.(undefined);
  }
}
