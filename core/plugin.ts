/**
 * The plugin contract: one file, one feature.
 * @module
 */

/**
 * Base class for plugins. Declare the tools you need as constructor parameters and the kernel
 * delivers them by name; register routes, subscriptions and the like in `onBoot()`.
 *
 * @example
 * ```ts
 * import { BasePlugin } from "@core";
 * import type { Http } from "@tools/http/mod.ts";
 *
 * export default class HelloPlugin extends BasePlugin {
 *   constructor(private http: Http) {
 *     super();
 *   }
 *   override onBoot() {
 *     this.http.addEndpoint("/hello", "GET", () => ({ hello: "world" }));
 *   }
 * }
 * ```
 */
export abstract class BasePlugin {
  /** Superseded by the domain's `events.ts` contract; still shown on the status page. */
  static publishes?: readonly string[];
  /** Register what the plugin offers. May be async. A throw fails this plugin alone. */
  onBoot?(): void | Promise<void>;
  /** Release anything the plugin holds outside the tools (rarely needed). */
  shutdown?(): void | Promise<void>;
}

/** Any class the kernel can build as a plugin. */
// deno-lint-ignore no-explicit-any
export type PluginClass = (new (...args: any[]) => BasePlugin | object) & {
  publishes?: readonly string[];
};
