/**
 * The settings the `http` tool reads in `setup` (its `env`), each with what it does and its
 * default; AI_CONTEXT.md and `deno task permissions` read them from the tool.
 * @module
 */
import type { ToolContext } from "@core";
import type { Limits } from "./guarded_listener.ts";

/** Every variable the http tool reads. */
export const HTTP_SETTINGS = {
  HOST: "interface to listen on (default 0.0.0.0)",
  PORT: "port to listen on; 0 = any free port (default 8000)",
  HTTP_BODY_LIMIT: "largest request body in bytes, larger gets 413 (default 1048576, 1 MiB)",
  HTTP_REQUEST_ID:
    "`auto`: x-request-id on errors, logged requests, SSE and ids the handler read; `always`: on every response (default auto)",
  HTTP_REQUEST_ID_HEADER:
    "incoming header to adopt request ids from and echo, e.g. x-request-id behind a proxy that sets it (default unset: always a new id)",
  CORS_ORIGINS: "`*` or a comma list of origins allowed from a browser (default unset: no CORS)",
  CORS_CREDENTIALS: "`true` to allow credentials; not with `*` (default false)",
  CORS_ALLOW_HEADERS:
    "comma list of request headers a CORS preflight allows (default content-type, authorization, x-requested-with)",
  APP_NAME: "the OpenAPI and /docs title (default MicroCoreOS API)",
  HTTP_HEADER_TIMEOUT_MS:
    "guarded listener: close a new connection whose request headers are not complete within this (default unset: plain Deno.serve, no deadline; 10000 once any limit is set; 0 = off)",
  HTTP_IDLE_TIMEOUT_MS:
    "guarded listener: close a keep-alive connection idle this long after its last response (default 75000 once any limit is set; 0 = off)",
  HTTP_REUSE_PORT:
    "`true`: listen with SO_REUSEPORT (Linux) so a second process can take over the port; at shutdown the old one hands its clients over (set by deno task dev; for rolling restarts, docs/production.md) (default false)",
  HTTP_DRAIN_MS:
    "with HTTP_REUSE_PORT, how long a stopping process keeps answering (each response asking its client to reconnect) before it closes its listener (default 500)",
  HTTP_MAX_CONNECTIONS:
    "guarded listener: open connections at most, more get 503 and are closed; set it below `ulimit -n` (default unset: no cap)",
} as const;

/** Defaults of the guarded listener's limits (docs/limits.md). */
export const LIMIT_DEFAULTS: Limits = {
  headerTimeoutMs: 10_000,
  idleTimeoutMs: 75_000,
  maxConnections: 0,
};

export const LIMIT_ENV = {
  headerTimeoutMs: "HTTP_HEADER_TIMEOUT_MS",
  idleTimeoutMs: "HTTP_IDLE_TIMEOUT_MS",
  maxConnections: "HTTP_MAX_CONNECTIONS",
} as const;

/** The limits to listen with, or `undefined` for plain `Deno.serve`. */
export function effectiveLimits(given: Partial<Limits> | false | undefined): Limits | undefined {
  if (!given) return undefined;
  const set = Object.values(given).some((v) => v !== undefined && v > 0);
  return set ? { ...LIMIT_DEFAULTS, ...given } : undefined;
}

/** `GET /` in dev, when no plugin owns it. */
export const DEV_HOME = JSON.stringify({
  success: true,
  data: {
    message: "MicroCoreOS is running in dev mode. No plugin answers GET / yet.",
    docs: "/docs",
    openapi: "/openapi.json",
    system: "/system (a live page)",
    status: "/system/status",
    ready: "/health/ready",
    mcp: "/mcp (for your assistant: docs/mcp.md)",
    newPlugin: 'deno task new plugin <domain>/<name> --route "GET /"',
  },
});

/** A header name we may read: an HTTP token. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The listener's settings, read and checked in `setup`. */
export interface ListenSettings {
  limits: Partial<Limits>;
  reusePort: boolean;
  drainMs: number;
}

/**
 * Read HTTP_HEADER_TIMEOUT_MS, HTTP_IDLE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS, HTTP_REUSE_PORT and
 * HTTP_DRAIN_MS.
 */
export function listenSettings(ctx: Pick<ToolContext, "env">): ListenSettings {
  const limits: Partial<Limits> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof Limits, string][]) {
    const v = ctx.env(name);
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${name} must be a whole number >= 0 (0 = off): ${v}`);
    }
    limits[key] = n;
  }
  const reuse = ctx.env("HTTP_REUSE_PORT");
  if (reuse !== undefined && reuse !== "true" && reuse !== "false") {
    throw new Error(`HTTP_REUSE_PORT must be true or false: ${reuse}`);
  }
  const drain = Number(ctx.env("HTTP_DRAIN_MS") ?? 500);
  if (!Number.isInteger(drain) || drain < 0) {
    throw new Error(`HTTP_DRAIN_MS must be a whole number of ms >= 0: ${ctx.env("HTTP_DRAIN_MS")}`);
  }
  return { limits, reusePort: reuse === "true", drainMs: drain };
}
