/**
 * MicroCoreOS core: the micro-kernel and the contracts plugins and tools build on.
 *
 * Plugin authors need {@link BasePlugin}; tool authors need {@link Tool}, {@link Owner} and
 * {@link OwnedRegistry}.
 * @module
 */
export { BasePlugin, type PluginClass } from "./plugin.ts";
export { OwnedRegistry } from "./owned.ts";
export { Kernel, type KernelOptions, type LoadResult } from "./kernel.ts";
export { type Injection, InjectionError, readInjection, type Wanted } from "./inject.ts";
export {
  type AppSource,
  fromManifest,
  isPluginPath,
  type Manifest,
  type PluginSource,
  type ToolSource,
  walkProject,
} from "./discovery.ts";
export { Status, type StatusView } from "./status.ts";
export { type LogLine, recordingLog, standaloneContext } from "./standalone.ts";
export type {
  DomainInfo,
  ErrorInfo,
  LogSink,
  Mode,
  Owner,
  State,
  StatusEntry,
  StatusRegistry,
  Tool,
  ToolContext,
} from "./types.ts";
