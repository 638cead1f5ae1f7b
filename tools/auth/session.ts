/**
 * Cookie sessions: the token in an `HttpOnly; Secure; SameSite=Lax` cookie, and a `csrf` cookie
 * the page's script can read and echo as `X-CSRF-Token` (the double-submit CSRF check the http
 * tool makes on cookie-authenticated mutations).
 * @module
 */
import type { SessionTarget } from "./types.ts";

/** The cookie the page's script reads and sends back as the `X-CSRF-Token` header. */
export const CSRF_COOKIE = "csrf";

/** A random CSRF token: 32 bytes, base64url. */
export function csrfToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Seconds until `token` expires (its `exp` claim, read without verifying), at least 0. */
export function secondsLeft(token: string, fallback: number): number {
  try {
    const part = token.split(".")[1];
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    if (typeof exp === "number") return Math.max(0, Math.floor(exp - Date.now() / 1000));
  } catch { /* not a JWT: the fallback */ }
  return fallback;
}

/** Write the session cookie `name` holding `token`, and a fresh `csrf` cookie, both for `maxAge` s. */
export function writeSession(ctx: SessionTarget, name: string, token: string, maxAge: number) {
  ctx.setCookie(name, token, { maxAge, httpOnly: true, secure: true, sameSite: "Lax" });
  ctx.setCookie(CSRF_COOKIE, csrfToken(), {
    maxAge,
    httpOnly: false,
    secure: true,
    sameSite: "Lax",
  });
}

/** Expire the session cookie `name` and the `csrf` cookie. */
export function eraseSession(ctx: SessionTarget, name: string): void {
  const gone = { maxAge: 0, expires: new Date(0), secure: true, sameSite: "Lax" as const };
  ctx.setCookie(name, "", { ...gone, httpOnly: true });
  ctx.setCookie(CSRF_COOKIE, "", { ...gone, httpOnly: false });
}
