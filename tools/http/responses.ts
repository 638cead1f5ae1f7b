/**
 * Response contracts: `addEndpoint(…, { responses: { 201: Created, 404: Missing } })`. OpenAPI
 * documents exactly these statuses and shapes (`openapi.ts`); in dev and test a handler's answer
 * is checked against them (this file): a status they do not list, or a JSON body that does not
 * match its schema, is a 500 whose logged error names the difference. Start checks nothing.
 * @module
 */
import { z } from "zod";
import type { RequestContext } from "./context.ts";
import type { Schema } from "./types.ts";

/**
 * The schema of the usual answer, `{ success: true, data }`, for `responses`.
 *
 * @example
 * ```ts
 * http.addEndpoint("/orders", "POST", handler, {
 *   body: OrderInput,
 *   responses: { 201: ok(z.object({ id: z.number().int() })) },
 * });
 * ```
 */
export function ok<T extends Schema>(
  data: T,
): z.ZodObject<{ success: z.ZodLiteral<true>; data: T }> {
  return z.object({ success: z.literal(true), data });
}

/** The status `toResponse` will send for `result` (see context.ts), without building it. */
export function statusOf(result: unknown, ctx: RequestContext): number {
  if (result instanceof Response) return result.status;
  if (ctx.status) return ctx.status;
  if (result === undefined || result === null) return 204;
  if (typeof result === "object" && (result as { success?: unknown }).success === false) {
    return 400;
  }
  return 200;
}

/**
 * The schema of an error answer a handler returns, `{ success: false, error }` (more fields
 * allowed), for `responses`: `{ 200: ok(Token), 401: failure }`.
 */
export const failure: z.ZodObject<
  { success: z.ZodLiteral<false>; error: z.ZodString },
  z.core.$loose
> = z.looseObject({ success: z.literal(false), error: z.string() });

/**
 * Check a handler's answer against the route's `responses`.
 * @throws {Error} naming the route, the status and what differs.
 */
export function checkResponse(
  route: string,
  responses: Readonly<Record<number, Schema>>,
  result: unknown,
  ctx: RequestContext,
): void {
  const status = statusOf(result, ctx);
  const schema = responses[status];
  if (!schema) {
    throw new Error(
      `${route} answered ${status}, which its responses do not declare (${
        Object.keys(responses).join(", ")
      }): add ${status} to responses, or set the intended status with ctx.setStatus`,
    );
  }
  const plain = result !== null && typeof result === "object" && !(result instanceof Response) &&
    !(result instanceof Uint8Array);
  if (!plain) return; // a Response, text or bytes: only the status is checked
  const r = schema.safeParse(result);
  if (r.success) return;
  const issues = r.error.issues.slice(0, 5).map((i) =>
    `${i.path.length ? i.path.map(String).join(".") : "(the body)"}: ${
      i.message.replace(/^Invalid input: /, "")
    }`
  );
  throw new Error(
    `${route} answered ${status} with a body that does not match responses[${status}]: ${
      issues.join("; ")
    }`,
  );
}
