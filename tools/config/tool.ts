/**
 * The `config` tool: the plugins' door to the environment. It reads any key a plugin asks for
 * from its source (`Deno.env`, or an object in tests) and records which keys each plugin read.
 * @module
 */
import type { Owner, Tool } from "@core";
import { ConfigError } from "./errors.ts";
import type { Config, ConfigSource } from "./types.ts";

/** Options of {@link ConfigTool}. */
export interface ConfigToolOptions {
  /** Values to read instead of `Deno.env` (tests). */
  source?: Record<string, string | undefined> | ConfigSource;
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);
const INT = /^[+-]?\d+$/;

const denoEnv: ConfigSource = {
  get(key) {
    try {
      return Deno.env.get(key);
    } catch (e) {
      throw new ConfigError(
        key,
        `Cannot read environment variable ${key}: ${(e as Error).message}. The \`start\` ` +
          `permission set grants the keys plugins read as literals (config.get("${key}")): ` +
          `run \`deno task permissions\` after adding a setting (docs/permissions.md).`,
      );
    }
  },
};

function toSource(src: ConfigToolOptions["source"]): ConfigSource {
  if (!src) return denoEnv;
  if (typeof (src as ConfigSource).get === "function") return src as ConfigSource;
  const obj = src as Record<string, string | undefined>;
  return { get: (key) => (Object.hasOwn(obj, key) ? obj[key] : undefined) };
}

/**
 * Read-only access to configuration (environment variables). The `dev` task loads `.env`
 * through Deno's own `--env-file`, so plugins never parse files.
 *
 * An empty value (`KEY=` in `.env`) counts as unset everywhere: `has()` is false and getters
 * return their fallback.
 *
 * Plugins receive a {@link Config} view of it that records the keys they read.
 */
export class ConfigTool implements Tool, Config {
  readonly name = "config";
  readonly description = "Typed access to environment variables (.env in dev)";
  #source: ConfigSource;
  /** Keys each owner read, for the status page and AI_CONTEXT.md (never values). */
  #reads: Map<string, Set<string>>;
  #owner?: string;

  /** Reads `options.source`, or the environment when there is none. */
  constructor(options: ConfigToolOptions = {}) {
    this.#source = toSource(options.source);
    this.#reads = new Map();
  }

  /** A config tool that reads `values` instead of the environment (tests). */
  static fromObject(values: Record<string, string | undefined>): ConfigTool {
    return new ConfigTool({ source: values });
  }

  /** The raw string, or `fallback` when unset or empty. */
  get(key: string): string | undefined;
  get(key: string, fallback: string): string;
  get(key: string, fallback?: string): string | undefined {
    return this.#raw(key) ?? fallback;
  }

  /** The raw string; throws a {@link ConfigError} naming the key when unset or empty. */
  require(key: string): string {
    const v = this.#raw(key);
    if (v === undefined) {
      throw new ConfigError(
        key,
        `Missing required configuration ${key}: set it in the environment ` +
          `(e.g. add ${key}=... to .env in dev, or export ${key} before \`deno task start\`).`,
      );
    }
    return v;
  }

  /** Whether `key` is set to a non-empty value. */
  has(key: string): boolean {
    return this.#raw(key) !== undefined;
  }

  /** An integer (`42`, `-7`); throws naming key and value when the value is not one. */
  int(key: string): number | undefined;
  int(key: string, fallback: number): number;
  int(key: string, fallback?: number): number | undefined {
    const v = this.#raw(key);
    if (v === undefined) return fallback;
    const n = Number(v.trim());
    if (!INT.test(v.trim()) || !Number.isSafeInteger(n)) {
      throw new ConfigError(
        key,
        `Configuration ${key} must be an integer, got ${JSON.stringify(v)}`,
      );
    }
    return n;
  }

  /**
   * A boolean: `true/false`, `1/0`, `yes/no`, `on/off` (any case). Anything else throws,
   * naming key and value.
   */
  bool(key: string): boolean | undefined;
  bool(key: string, fallback: boolean): boolean;
  bool(key: string, fallback?: boolean): boolean | undefined {
    const v = this.#raw(key);
    if (v === undefined) return fallback;
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
    throw new ConfigError(
      key,
      `Configuration ${key} must be a boolean (true/false, 1/0, yes/no, on/off), ` +
        `got ${JSON.stringify(v)}`,
    );
  }

  /** A comma-separated list, items trimmed, empty items dropped (`"a, b,,c"` → `[a,b,c]`). */
  list(key: string): string[] | undefined;
  list(key: string, fallback: string[]): string[];
  list(key: string, fallback?: string[]): string[] | undefined {
    const v = this.#raw(key);
    if (v === undefined) return fallback;
    return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }

  /** A view of this tool that records which keys `owner` reads. */
  forOwner(owner: Owner): Config {
    const view = new ConfigTool({ source: this.#source });
    view.#reads = this.#reads;
    view.#owner = owner.id;
    return view;
  }

  /** Drop what was recorded about an owner once it is unloaded. */
  release(ownerId: string, generation?: number): void {
    if (generation === undefined) this.#reads.delete(ownerId);
  }

  /** The configuration keys an owner read (names only, never values). */
  describeOwner(ownerId: string): Record<string, unknown> | undefined {
    const keys = this.#reads.get(ownerId);
    return keys?.size ? { config: [...keys].sort() } : undefined;
  }

  #raw(key: string): string | undefined {
    if (this.#owner !== undefined) {
      let keys = this.#reads.get(this.#owner);
      if (!keys) this.#reads.set(this.#owner, keys = new Set());
      keys.add(key);
    }
    const v = this.#source.get(key);
    return v === undefined || v === "" ? undefined : v;
  }
}
