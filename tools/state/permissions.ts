/**
 * What the state tool needs from Deno's permissions: on Redis, to reach `REDIS_URL`'s server
 * and to read the `REDIS_TLS_CA` file.
 * @module
 */
import type { PermissionNeeds, PermissionSettings } from "@core";
import { isAbsolute } from "node:path";

/**
 * With `STATE_DRIVER=redis`: `net` for `REDIS_URL`'s `host:port` (default `127.0.0.1:6379`), and
 * `read` for `REDIS_TLS_CA` when it names a file (relative to the data folder). Memory: nothing.
 */
export function statePermissions(settings: PermissionSettings): PermissionNeeds {
  if ((settings.env("STATE_DRIVER") ?? "memory").trim().toLowerCase() !== "redis") return {};
  const u = new URL(settings.env("REDIS_URL") ?? "redis://127.0.0.1:6379");
  const needs: PermissionNeeds = { net: [`${u.hostname}:${u.port || 6379}`] };
  const ca = settings.env("REDIS_TLS_CA");
  if (ca && !ca.trimStart().startsWith("-----BEGIN")) {
    needs.read = [isAbsolute(ca) ? ca : `${settings.dataDir.replace(/\/+$/, "")}/${ca}`];
  }
  return needs;
}
