// Generated with microcore.gen.ts: do not edit. Merges each domain's events.ts into the
// event bus's types (deno.json → compilerOptions.types lists this file).
import type { EventsOf, RequestsOf } from "@tools/event_bus/contracts.ts";
import type $inventory from "./domains/inventory/events.ts";
import type $products from "./domains/products/events.ts";
import type $users from "./domains/users/events.ts";

declare module "@tools/event_bus/contracts.ts" {
  interface DeclaredEvents extends EventsOf<typeof $inventory> {}
  interface DeclaredRequests extends RequestsOf<typeof $inventory> {}
  interface DeclaredEvents extends EventsOf<typeof $products> {}
  interface DeclaredRequests extends RequestsOf<typeof $products> {}
  interface DeclaredEvents extends EventsOf<typeof $users> {}
  interface DeclaredRequests extends RequestsOf<typeof $users> {}
}
