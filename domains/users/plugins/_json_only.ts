/**
 * The credential routes' content-type rule (a helper, not a plugin: its name starts with `_`).
 * @module
 */
import { type HttpContext, HttpError } from "@tools/http/mod.ts";

/**
 * Refuse (415) a request whose body is not `application/json`. A page on another site can post a
 * form (`application/x-www-form-urlencoded`, `multipart/form-data`) to any URL without asking,
 * but a JSON post from another origin needs a CORS preflight this API does not grant: so taking
 * JSON only stops a cross-site page from logging the victim's browser in as the attacker (login
 * CSRF), or registering accounts through it. The http tool parses forms for every route; these
 * routes add this check.
 */
export function requireJson(ctx: HttpContext): void {
  const type = ctx.headers.get("content-type") ?? "";
  const semi = type.indexOf(";");
  if ((semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() !== "application/json") {
    throw new HttpError(415, "send the credentials as JSON (content-type: application/json)");
  }
}
