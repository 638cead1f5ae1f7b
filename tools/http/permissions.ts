/**
 * What the http tool needs from Deno's permissions: to listen on `HOST:PORT`.
 * @module
 */
import type { PermissionNeeds, PermissionSettings } from "@core";

/**
 * `net` for the listener: `HOST:PORT`, or only `HOST` when `PORT` is 0 (any free port: Deno checks
 * port 0 itself, which only a host-wide grant allows). Defaults as the tool's: `0.0.0.0:8000`.
 * @example
 * httpPermissions({ env: (k) => ({ HOST: "127.0.0.1", PORT: "8080" })[k], dataDir: "." });
 * // { net: ["127.0.0.1:8080"] }
 */
export function httpPermissions(settings: PermissionSettings): PermissionNeeds {
  const host = settings.env("HOST") ?? "0.0.0.0";
  const port = Number(settings.env("PORT") ?? 8000);
  const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return { net: [port === 0 ? name : `${name}:${port}`] };
}
