/**
 * `deno task permissions`: the `start`, `migrate` and `dev` permission sets of `deno.json`, made
 * from what the app declares (tools' `env` and `permissions`, the keys plugins read through
 * `config`) and the settings' values at generation time. See docs/permissions.md.
 * @module
 */
export { configReads, type Declared, type HiddenRead, readDeclared } from "./declared.ts";
export { diffSets, GENERATED_SETS, readDenoJson, withSets, writeSets } from "./deno_json.ts";
export {
  DEV_LOOPBACK,
  DEV_WRITES,
  type GeneratedSets,
  OTLP_ENDPOINTS,
  otlpHosts,
  type PermissionSet,
  permissionSets,
  type SetInputs,
} from "./sets.ts";
