/**
 * The example `users` domain over a real socket: calls of its public contract, shared by the
 * e2e tests that start the app.
 * @module
 */
import type { App } from "./harness.ts";

/** A response, read: status, headers and the JSON body (`null` when empty). */
export interface Reply {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** `method path` on `app` with an optional JSON body, bearer token and headers, read whole. */
export async function call(
  app: App,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(app.url + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** `POST /auth/register`. */
export const register = (app: App, email: string, password: string): Promise<Reply> =>
  call(app, "POST", "/auth/register", { body: { email, password } });

/** `POST /auth/login`. */
export const login = (app: App, email: string, password: string): Promise<Reply> =>
  call(app, "POST", "/auth/login", { body: { email, password } });
