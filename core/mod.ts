/**
 * MicroCoreOS core: the runtime micro-kernel and the contracts plugins and tools build on.
 *
 * Plugin authors need {@link BasePlugin}; tool authors need {@link Tool}, {@link Owner},
 * {@link OwnedRegistry} and {@link Generations}. Outside `core/`, import it as `@core` only.
 * @module
 */
export { BasePlugin, type PluginClass } from "./plugin.ts";
export { OwnedRegistry } from "./owned.ts";
export { Generation, Generations } from "./generation.ts";
export { settleWithin, withTimeout } from "./timeout.ts";
export { exists, existsSync, pathOf, projectRoot } from "./fs.ts";
export { Kernel, type KernelOptions, type LoadResult } from "./kernel.ts";
export { type Injection, InjectionError, readInjection, type Wanted } from "./inject.ts";
export {
  type AppSource,
  fileUrl,
  fromManifest,
  isPluginPath,
  type Manifest,
  MANIFEST_FILE,
  manifestOrWalk,
  type Module,
  PLUGIN_EXTENSIONS,
  pluginFromFile,
  pluginIdentity,
  type PluginSource,
  type ToolSource,
  walkProject,
} from "./discovery.ts";
export { didYouMean, errorInfo, formatError } from "./errors.ts";
export { Status, type StatusView } from "./status.ts";
export type {
  DomainInfo,
  ErrorInfo,
  LifecycleState,
  LogSink,
  Mode,
  Outbox,
  OutboxRecord,
  Owner,
  PermissionNeeds,
  PermissionSettings,
  StatusEntry,
  StatusRegistry,
  Tool,
  ToolContext,
} from "./types.ts";
