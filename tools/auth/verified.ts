/**
 * Tokens already verified, kept until they expire: a request that repeats a token (every request
 * of a session does) skips the signature check. Only for a key fixed for the life of the process
 * (a secret or PEM keys), never for JWKS keys that rotate away.
 * @module
 */
import type { Claims } from "./types.ts";

/** Deep-freeze a claims object: every request that presents the token shares it. */
export function freeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) freeze(v);
  }
  return value;
}

/** A bounded map of token → claims; the oldest entry goes first when it is full. */
export class VerifiedTokens {
  readonly #map = new Map<string, Claims>();
  constructor(readonly max = 10_000, readonly toleranceS = 0) {}

  /** The claims of a token verified before and not expired yet (exp + tolerance), if any. */
  get(token: string, nowS = Date.now() / 1000): Claims | undefined {
    const c = this.#map.get(token);
    if (c === undefined) return undefined;
    if ((c.exp as number) + this.toleranceS < nowS) {
      this.#map.delete(token);
      return undefined;
    }
    return c;
  }

  /** Remember a verified token's (frozen) claims. */
  set(token: string, claims: Claims): void {
    if (this.#map.size >= this.max) {
      this.#map.delete(this.#map.keys().next().value!);
    }
    this.#map.set(token, claims);
  }

  /** How many tokens are kept. */
  get size(): number {
    return this.#map.size;
  }
}
