/**
 * Password hashing: scrypt from `node:crypto` (off the event loop) at OWASP's parameters, stored
 * as a self-describing PHC string (`$scrypt$ln=17,r=8,p=1$<salt>$<hash>`), compared in constant
 * time, with a `rehash` when the stored parameters are not the current ones. See docs/auth.md for
 * the measurements behind the choice.
 * @module
 */
import { Buffer } from "node:buffer";
import { AuthError } from "./errors.ts";
import type { PasswordCheck } from "./types.ts";

/** scrypt cost: N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/** OWASP Password Storage Cheat Sheet: N=2^17 (128 MiB with r=8), r=8, p=1. */
export const OWASP_SCRYPT: Readonly<ScryptParams> = Object.freeze({ ln: 17, r: 8, p: 1 });
/** Cheap parameters for tests only (a few ms a hash): never in production. */
export const TEST_SCRYPT: Readonly<ScryptParams> = Object.freeze({ ln: 10, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** The longest password hashed (longer ones are refused: hashing costs are per byte). */
export const MAX_PASSWORD_BYTES = 1024;
/** Bounds of the parameters accepted from a stored hash (a forged one must not cost a minute). */
const MAX_LN = 20;
const MAX_R = 16;
const MAX_P = 4;

const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,64})\$([A-Za-z0-9+/]{43})$/;

/**
 * Hashes that run at once, at most (each takes 128·N·r bytes, 128 MiB at OWASP's N=2^17, and a
 * core): more wait their turn, so a burst of logins cannot take the memory of the process.
 * Measured: 8 at once peaked at 1,065 MiB of RSS, one at 168 MiB (docs/auth.md).
 */
export const MAX_CONCURRENT_HASHES = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));

/**
 * Hashes that may wait for a slot, by default: beyond them `hashPassword` and `verifyPassword`
 * reject at once (kind `unavailable`, a 503 with `Retry-After`), so a flood of logins for unknown
 * emails cannot push real logins minutes back (`AUTH_HASH_QUEUE`).
 */
export const DEFAULT_HASH_QUEUE = 32;

/** What a hash refused for a full queue rejects with (kind `unavailable`: the http tool's 503). */
function busy(): AuthError {
  return new AuthError("too many password hashes waiting, try again shortly", "unavailable");
}

/**
 * A counting semaphore: `run(f)` starts `f` when fewer than `max` run; when `maxWaiting` jobs
 * already wait, it rejects at once (kind `unavailable`) without running `f`.
 */
export class Gate {
  #running = 0;
  /** Jobs started since the gate was made. */
  started = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(readonly max: number) {}

  /** How many run now, how many wait. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  async run<T>(f: () => Promise<T>, maxWaiting = Infinity): Promise<T> {
    if (this.#running >= this.max) {
      if (this.#waiting.length >= maxWaiting) throw busy();
      await new Promise<void>((r) => this.#waiting.push(r));
    } else this.#running++;
    this.started++;
    try {
      return await f();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes on as is
      else this.#running--;
    }
  }
}

const hashing = new Gate(MAX_CONCURRENT_HASHES);

let nodeCrypto: Promise<typeof import("node:crypto")> | undefined;
/** `node:crypto`, loaded at the first hash: its import alone costs a boot 10–30 ms. */
const crypto_ = () => nodeCrypto ??= import("node:crypto");

/** scrypt runs started in this process (tests count them). */
export function hashesRun(): number {
  return hashing.started;
}

function derive(
  password: string,
  salt: Uint8Array,
  p: ScryptParams,
  len: number,
  queue: number,
) {
  const N = 2 ** p.ln;
  return hashing.run(async () => {
    const { scrypt } = await crypto_();
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(password, salt, len, { N, r: p.r, p: p.p, maxmem: 256 * N * p.r }, (err, key) => {
        if (err) reject(err);
        else resolve(key);
      });
    });
  }, queue);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}

function checkPassword(password: string): void {
  if (typeof password !== "string") throw new TypeError("password must be a string");
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new RangeError(`password longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
}

/** A full queue is not a wrong password: it propagates (a 503), other scrypt errors do not. */
function rethrowBusy(err: unknown): void {
  if (err instanceof AuthError && err.kind === "unavailable") throw err;
}

/** The salt of the stand-in hash a malformed stored hash costs. */
const DUMMY_SALT = new Uint8Array(SALT_BYTES);

/** A stored PHC string's parameters, salt and key, when it is one this hasher can check. */
function parse(
  stored: unknown,
): { params: ScryptParams; salt: Buffer; expected: Buffer } | undefined {
  const m = typeof stored === "string" ? PHC.exec(stored) : null;
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (
    params.ln < 1 || params.ln > MAX_LN || params.r < 1 || params.r > MAX_R || params.p < 1 ||
    params.p > MAX_P
  ) return undefined;
  // Exactly a 32-byte key: a truncated hash must not verify with fewer bits.
  const expected = Buffer.from(m[5], "base64");
  if (expected.length !== KEY_BYTES) return undefined;
  return { params, salt: Buffer.from(m[4], "base64"), expected };
}

/** Options of {@link PasswordHasher}. */
export interface PasswordHasherOptions {
  /** Hashes that may wait for a slot before more are refused (default {@link DEFAULT_HASH_QUEUE}). */
  queue?: number;
}

/**
 * Hashes passwords with one set of parameters; verifies hashes made with any sane set. At most
 * {@link MAX_CONCURRENT_HASHES} run at once in the process and `queue` wait; beyond that both
 * methods reject at once with an `AuthError` of kind `unavailable`.
 */
export class PasswordHasher {
  /** Hashes that may wait for a slot before more are refused. */
  readonly queue: number;
  constructor(
    readonly params: Readonly<ScryptParams> = OWASP_SCRYPT,
    options: PasswordHasherOptions = {},
  ) {
    this.queue = options.queue ?? DEFAULT_HASH_QUEUE;
  }

  /** The PHC string of `password` with a fresh random salt. */
  async hash(password: string): Promise<string> {
    checkPassword(password);
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    const key = await derive(password, salt, this.params, KEY_BYTES, this.queue);
    const { ln, r, p } = this.params;
    return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
  }

  /**
   * Whether `password` matches `stored` (constant-time compare); `rehash` when it does and
   * `stored` used other parameters. A malformed or foreign `stored` (or an over-long password) is
   * `ok: false` after a stand-in hash of the same cost; it throws only when the queue is full
   * (kind `unavailable`).
   */
  async verify(password: string, stored: string): Promise<PasswordCheck> {
    const parsed = typeof password === "string" && Buffer.byteLength(password) <= MAX_PASSWORD_BYTES
      ? parse(stored)
      : undefined;
    if (!parsed) {
      // As long as a real check: an app that passes "" for an unknown account does not tell
      // "no such account" apart from "wrong password" by the answer's timing.
      await derive("", DUMMY_SALT, this.params, KEY_BYTES, this.queue).catch(rethrowBusy);
      return { ok: false };
    }
    const { params, salt, expected } = parsed;
    let key: Buffer;
    try {
      key = await derive(password, salt, params, KEY_BYTES, this.queue);
    } catch (err) {
      rethrowBusy(err);
      return { ok: false };
    }
    const { timingSafeEqual } = await crypto_();
    if (key.length !== KEY_BYTES || !timingSafeEqual(key, expected)) return { ok: false };
    const same = params.ln === this.params.ln && params.r === this.params.r &&
      params.p === this.params.p;
    return same ? { ok: true } : { ok: true, rehash: await this.hash(password) };
  }
}
