/**
 * The status registry: every tool and plugin with its state, error, file, domain and declared
 * tools. The kernel writes it; tools and plugins read it (plugins inject it as `status`).
 * @module
 */
import type { StatusEntry, StatusRegistry, Tool } from "./types.ts";

/** A status entry enriched by the tools (e.g. a plugin's routes, its subscriptions). */
export type StatusView = StatusEntry & Record<string, unknown>;

/** The kernel's status registry, also offered to plugins as the `status` tool. */
export class Status implements StatusRegistry, Tool {
  readonly name = "status";
  readonly description = "Read-only view of every tool and plugin: state, errors, registrations.";
  #entries = new Map<string, StatusEntry>();
  #facts: Record<string, unknown> = {};
  #tools: () => Iterable<Tool>;

  // Stryker disable next-line ArrayDeclaration: a string as the only "tool" describes nothing either
  constructor(tools: () => Iterable<Tool> = () => []) {
    this.#tools = tools;
  }

  /** Create or update an entry (kernel use). */
  set(entry: Omit<StatusEntry, "updatedAt">): StatusEntry {
    const key = `${entry.kind}:${entry.id}`;
    const next = { ...entry, updatedAt: Date.now() } as StatusEntry;
    this.#entries.set(key, next);
    return next;
  }

  /** Patch an existing entry (kernel use). */
  update(kind: StatusEntry["kind"], id: string, patch: Partial<StatusEntry>): void {
    const key = `${kind}:${id}`;
    const cur = this.#entries.get(key);
    if (!cur) return;
    const next = { ...cur, ...patch, updatedAt: Date.now() };
    for (const k of Object.keys(patch) as (keyof StatusEntry)[]) {
      if (patch[k] === undefined) delete next[k];
    }
    this.#entries.set(key, next);
  }

  /** Remove an entry (an unloaded plugin). */
  delete(kind: StatusEntry["kind"], id: string): void {
    this.#entries.delete(`${kind}:${id}`);
  }

  /** Record process-wide facts (mode, boot time, reloads…). */
  setFacts(facts: Record<string, unknown>): void {
    Object.assign(this.#facts, facts);
  }

  list(): StatusEntry[] {
    const sorted = [...this.#entries.keys()].sort().map((k) => this.#entries.get(k)!); // ids in order
    return [...sorted.filter((e) => e.kind === "tool"), ...sorted.filter((e) => e.kind !== "tool")];
  }

  get(kind: "tool" | "plugin", id: string): StatusEntry | undefined {
    return this.#entries.get(`${kind}:${id}`);
  }

  summary(): Record<string, unknown> {
    const mem = Deno.memoryUsage();
    const counts: Record<string, number> = {};
    for (const e of this.#entries.values()) counts[e.state] = (counts[e.state] ?? 0) + 1;
    return { ...this.#facts, states: counts, heapUsed: mem.heapUsed, rss: mem.rss };
  }

  /**
   * Every entry with what the tools know about it (routes, subscriptions, schema…), and a
   * summary: what `/system/status` serves.
   */
  snapshot(): { summary: Record<string, unknown>; entries: StatusView[] } {
    // Stryker disable OptionalChaining: safe() turns calling a missing method into undefined too
    const tools = [...this.#tools()];
    const entries = this.list().map((e) => {
      const view: StatusView = { ...e };
      if (e.kind === "plugin") {
        for (const t of tools) Object.assign(view, safe(() => t.describeOwner?.(e.id)));
      } else {
        const t = tools.find((t) => t.name === e.id);
        const extra = t && safe(() => t.describe?.());
        if (extra) view.details = extra;
      }
      return view;
    });
    return { summary: this.summary(), entries };
  }
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    // a tool that fails to describe itself adds nothing
  }
}
