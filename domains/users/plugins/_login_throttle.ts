/**
 * Failed-login counting for `users/login` (a helper, not a plugin: its name starts with `_`).
 * @module
 */
import type { State } from "@tools/state/mod.ts";

/** Failed logins allowed per email within one window. */
export const MAX_FAILURES = 5;
/** The window: 15 minutes from the first failure. */
export const WINDOW_MS = 15 * 60_000;

/** One login attempt, counted before the password is checked. */
export interface Attempt {
  /** Attempts in the window so far, this one included (a success resets it). */
  readonly count: number;
  /** Seconds until the window ends, when the attempt is refused (over the limit). */
  readonly retryAfter?: number;
  /** The password was right: forget the failures. */
  succeeded(): Promise<void>;
}

/**
 * Counts login attempts per email in a fixed window with `increment(key, 1, { ttlMs })`, which
 * is atomic on every state driver: concurrent attempts cannot slip past the limit, and on Redis
 * every instance counts on the same key. Each attempt is counted *before* the password is checked
 * (so at most {@link MAX_FAILURES} guesses per window are ever verified) and a success deletes the
 * key. The key is a SHA-256 of the email, so the store never holds what a user typed (people type
 * their password into the email field).
 *
 * @example
 * ```ts
 * const throttle = new LoginThrottle(state.namespace("login_failures"));
 * const attempt = await throttle.begin("ann@example.com");
 * if (attempt.retryAfter !== undefined) return tooMany(attempt.retryAfter);
 * if (passwordOk) await attempt.succeeded();
 * ```
 */
export class LoginThrottle {
  constructor(
    private store: State,
    private max = MAX_FAILURES,
    private windowMs = WINDOW_MS,
  ) {}

  /** Count an attempt for `email`; `retryAfter` is set when it must be refused. */
  async begin(email: string): Promise<Attempt> {
    const key = await digest(email);
    const count = await this.store.increment(key, 1, { ttlMs: this.windowMs });
    const succeeded = async () => void await this.store.delete(key);
    if (count <= this.max) return { count, succeeded };
    // The window was set when the key was made; it may have just ended (ttl undefined).
    const ms = await this.store.ttl(key) ?? 0;
    return { count, retryAfter: Math.max(1, Math.ceil(ms / 1000)), succeeded };
  }
}

async function digest(text: string): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}
