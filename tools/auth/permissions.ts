/**
 * What the auth tool needs from Deno's permissions: an outside identity provider's JWKS URL, and
 * the PEM key files it is given by path.
 * @module
 */
import type { PermissionNeeds, PermissionSettings } from "@core";
import { isAbsolute } from "node:path";
import { keySetting } from "./pem.ts";

/**
 * `net` for `AUTH_JWKS_URL`'s `host:port` (443 for https), and `read` for `AUTH_JWT_PRIVATE_KEY`
 * and `AUTH_JWT_PUBLIC_KEY` when they are file paths (relative to the data folder), not PEM text.
 */
export function authPermissions(settings: PermissionSettings): PermissionNeeds {
  const needs: PermissionNeeds = {};
  const jwks = settings.env("AUTH_JWKS_URL");
  if (jwks) {
    let u: URL;
    try {
      u = new URL(jwks);
    } catch {
      throw new Error(`AUTH_JWKS_URL=${JSON.stringify(jwks)} is not a URL: use https://…`);
    }
    needs.net = [`${u.hostname}:${u.port || (u.protocol === "http:" ? 80 : 443)}`];
  }
  const files = ["AUTH_JWT_PRIVATE_KEY", "AUTH_JWT_PUBLIC_KEY"].flatMap((k) => {
    const v = settings.env(k);
    const setting = v ? keySetting(v) : undefined;
    return setting && "path" in setting ? [setting.path] : [];
  });
  if (files.length) {
    const dir = settings.dataDir.replace(/\/+$/, "");
    needs.read = files.map((f) => (isAbsolute(f) ? f : `${dir}/${f}`));
  }
  return needs;
}
