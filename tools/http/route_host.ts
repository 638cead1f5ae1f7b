/**
 * What the per-owner API (`owner_api.ts`) needs from the tool: the narrow door between
 * registration and the tool's state, so neither file imports the other.
 * @module
 */
import type { Generation, Owner } from "@core";
import type { RequestId } from "./context.ts";
import type { NewRoute } from "./route_table.ts";
import type { AuthGate } from "./types.ts";

/** The tool as registration sees it; the tool hands one to each per-owner API. */
export interface RouteHost {
  /**
   * Add a route owned by `owner` (staged until the owner is activated).
   * @throws if another plugin holds the same method and path, or `owner` registered it already.
   */
  register(owner: Owner, route: NewRoute): void;
  /** In-flight work and open streams (SSE, sockets) of one owner generation. */
  generation(owner: Owner): Generation;
  /** The max request body size in bytes (HTTP_BODY_LIMIT), read per request. */
  bodyLimit(): number;
  /** The project root, where relative static folders resolve. */
  root(): string;
  /** The auth tool's verifier, when an auth tool is set up (`auth:` routes need it). */
  auth(): AuthGate | undefined;
  /** Whether handlers' answers are checked against their `responses` (dev and test). */
  checksResponses(): boolean;
  /** Log a failure of `owner`'s code (`what` names the route), with the request id. */
  logError(owner: Owner, rid: RequestId, err: unknown, what: string): void;
}
