/**
 * Event contracts: what a domain publishes and the requests it answers, declared with Zod in
 * `domains/<domain>/events.ts`. The file holds schemas only, so the bus, `deno task check` and
 * `AI_CONTEXT.md` read it without running any plugin code.
 *
 * - **Types.** The generated `events.gen.ts` (written with `microcore.gen.ts`, listed in
 *   `deno.json` → `compilerOptions.types`) merges every domain's contract into
 *   {@link DeclaredEvents} and {@link DeclaredRequests}: `publish` of a declared name takes its
 *   payload type, a subscriber of it gets `Envelope<payload>`, `request` and `respond` are typed
 *   both ways.
 * - **Run time** (dev and test; `EVENT_BUS_VALIDATE=true` in start): a plugin may publish only
 *   what its own domain declares, and respond only to what its domain declares it answers; the
 *   payload (request, response) must match the schema. Payloads are validated, not transformed:
 *   subscribers receive what was published, so keep defaults and transforms out of these schemas.
 *
 * @example
 * ```ts
 * // domains/inventory/events.ts
 * import { z } from "zod";
 * import { defineContract } from "@tools/event_bus/mod.ts";
 *
 * export default defineContract({
 *   publishes: {
 *     "stock.changed": z.object({ productId: z.number().int(), quantity: z.number().int() }),
 *   },
 *   responds: {
 *     "inventory.stock": {
 *       request: z.object({ productId: z.number().int() }),
 *       response: z.object({ quantity: z.number().int() }),
 *     },
 *   },
 * });
 * ```
 * @module
 */
import type { z } from "zod";

/** The two schemas of a request a domain answers. */
export interface RequestContract<Q extends z.ZodType = z.ZodType, A extends z.ZodType = z.ZodType> {
  /** The payload the requester sends. */
  readonly request: Q;
  /** What the responder answers. */
  readonly response: A;
}

/** What a domain declares: events it publishes, requests it answers. */
export interface Contract<
  P extends Record<string, z.ZodType> = Record<string, z.ZodType>,
  R extends Record<string, RequestContract> = Record<string, RequestContract>,
> {
  /** Event name → payload schema. */
  readonly publishes: P;
  /** Request name → its request and response schemas. */
  readonly responds: R;
}

/**
 * A domain's contract, the default export of `domains/<domain>/events.ts`. Both parts are
 * optional; names are dot-separated, without wildcards.
 */
export function defineContract<
  const P extends Record<string, z.ZodType> = Record<never, z.ZodType>,
  const R extends Record<string, RequestContract> = Record<never, RequestContract>,
>(contract: { publishes?: P; responds?: R }): Contract<P, R> {
  return Object.freeze({
    publishes: Object.freeze({ ...(contract.publishes ?? {}) }) as P,
    responds: Object.freeze({ ...(contract.responds ?? {}) }) as R,
  });
}

/**
 * Every event name declared in the app → its payload type. Filled by the generated
 * `events.gen.ts` (module augmentation); empty in a project without contracts.
 */
// deno-lint-ignore no-empty-interface
export interface DeclaredEvents {}

/** Every request name declared in the app → `{ request; response }` types (see above). */
// deno-lint-ignore no-empty-interface
export interface DeclaredRequests {}

/** The payload types of a contract's events (for `events.gen.ts`). */
export type EventsOf<C> = C extends Contract<infer P, infer _R> ? { [K in keyof P]: z.input<P[K]> }
  : never;

/** The request and response types of a contract's requests (for `events.gen.ts`). */
export type RequestsOf<C> = C extends Contract<infer _P, infer R> ? {
    [K in keyof R]: { request: z.input<R[K]["request"]>; response: z.input<R[K]["response"]> };
  }
  : never;

/** A declared event name. */
export type DeclaredEvent = keyof DeclaredEvents & string;
/** A declared request name. */
export type DeclaredRequest = keyof DeclaredRequests & string;
/** The payload type of declared event `N`. */
export type PayloadOf<N extends DeclaredEvent> = DeclaredEvents[N];
/** What requester `N` sends. */
export type RequestOf<N extends DeclaredRequest> = DeclaredRequests[N] extends { request: infer Q }
  ? Q
  : never;
/** What responder `N` answers. */
export type ResponseOf<N extends DeclaredRequest> = DeclaredRequests[N] extends
  { response: infer A } ? A : never;
