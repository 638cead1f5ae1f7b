/**
 * Proof that an unloaded plugin left nothing behind in any tool.
 * @module
 */
import type { Kernel } from "@core";
import type { HttpTool, RouteInfo } from "@tools/http/mod.ts";

/** Thrown by {@link assertReleased}; `leaks` lists what is still registered. */
export class LeakError extends Error {
  override name = "LeakError";
  /** One line per leftover registration. */
  readonly leaks: string[];
  constructor(id: string, leaks: string[]) {
    super(`plugin ${id} is unloaded but still holds:\n  - ${leaks.join("\n  - ")}`);
    this.leaks = leaks;
  }
}

/**
 * A concrete path for a route path, documented (`/products/{id}`) or in Hono's form
 * (`/products/:id{[0-9]+}`, `:id?`): each parameter becomes `1`.
 */
function samplePath(path: string): string {
  return path.replace(/:[A-Za-z_]\w*(\{[^}]*\})?\??/g, "1").replace(/\{[^}]+\}/g, "1");
}

/**
 * Throws a {@link LeakError} unless plugin `id` holds nothing any more: the kernel no longer
 * lists it, every tool's `describeOwner(id)` is empty, the event bus has no subscription or
 * responder of it, and each of `routes` (the routes it had) now answers 404 or 405.
 */
export async function assertReleased(
  kernel: Kernel,
  id: string,
  routes: readonly RouteInfo[] = [],
): Promise<void> {
  const leaks: string[] = [];
  if (kernel.pluginIds().includes(id)) leaks.push("the kernel still serves it (unload it first)");
  if (kernel.status.get("plugin", id)) leaks.push("an entry in the status registry");
  for (const [name, tool] of kernel.tools) {
    let owned: Record<string, unknown> | undefined;
    try {
      owned = tool.describeOwner?.(id);
    } catch (e) {
      leaks.push(`${name}: describeOwner threw ${(e as Error)?.message ?? e}`);
      continue;
    }
    const held = Object.entries(owned ?? {}).filter(([, v]) =>
      Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null
    );
    for (const [k, v] of held) leaks.push(`${name}: ${k} ${JSON.stringify(v)}`);
  }
  const bus = kernel.tools.get("event_bus");
  const d = bus?.describe?.() as
    | { subscriptions?: { owner: string; pattern: string }[]; responders?: Record<string, string> }
    | undefined;
  // Stryker disable next-line ArrayDeclaration: a string in the list has no owner, so it is never the plugin's
  for (const s of d?.subscriptions ?? []) {
    if (s.owner === id) leaks.push(`event_bus: subscription "${s.pattern}"`);
  }
  for (const [name, owner] of Object.entries(d?.responders ?? {})) {
    if (owner === id) leaks.push(`event_bus: responder "${name}"`);
  }
  const http = kernel.tools.get("http") as HttpTool | undefined;
  if (http && typeof http.fetch === "function") {
    for (const r of routes) {
      const method = r.method === "ALL" || r.kind !== "endpoint" ? "GET" : r.method;
      const path = samplePath(r.path);
      const res = await http.fetch(new Request(`http://test.local${path}`, { method }));
      await res.body?.cancel();
      if (res.status !== 404 && res.status !== 405) {
        leaks.push(`http: ${method} ${path} still answers ${res.status}`);
      }
    }
  }
  if (leaks.length) throw new LeakError(id, leaks);
}
