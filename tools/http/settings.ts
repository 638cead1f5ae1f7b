/**
 * The settings the `http` tool reads in `setup` (its `env`), each with what it does and its
 * default; AI_CONTEXT.md and `deno task permissions` read them from the tool.
 * @module
 */

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
  HTTP_MAX_CONNECTIONS:
    "guarded listener: open connections at most, more get 503 and are closed; set it below `ulimit -n` (default unset: no cap)",
} as const;
