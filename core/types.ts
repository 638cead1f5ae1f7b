/**
 * The contracts between the kernel, tools and plugins.
 *
 * The kernel is blind: it knows tools and plugins only through these shapes, never through
 * HTTP, SQL or business rules.
 * @module
 */

/** How the process was started: `dev` watches and hot-reloads, `start` never does. */
export type Mode = "dev" | "start" | "test";

/**
 * Who registered something. Every route, subscription, responder or timer a plugin makes
 * through a tool is recorded against its owner, so that exactly that owner's registrations can
 * be released later.
 *
 * `id` is stable across reloads (`<domain>/<file stem>`); `generation` grows with every load of
 * the same file, so a reload can stage a new generation beside the live one and switch at once.
 */
export interface Owner {
  /** Stable plugin id, `<domain>/<file stem>` (or `kernel`, or a tool's name). */
  readonly id: string;
  /** 1 for the first load, then one more per reload of the same plugin. */
  readonly generation: number;
  /** The plugin's domain, when the owner is a plugin. */
  readonly domain?: string;
  /** Path of the plugin file relative to the project root, when the owner is a plugin. */
  readonly file?: string;
}

/** A minimal logging surface; the `logger` tool provides a richer one. */
export interface LogSink {
  debug(message: string, props?: Record<string, unknown>): void;
  info(message: string, props?: Record<string, unknown>): void;
  warn(message: string, props?: Record<string, unknown>): void;
  error(message: string, props?: Record<string, unknown>): void;
}

/** A domain folder as the kernel found it. */
export interface DomainInfo {
  /** Folder name under `domains/`. */
  readonly name: string;
  /** Absolute path of the domain folder. */
  readonly dir: string;
}

/** What the kernel hands a tool in `setup()`. */
export interface ToolContext {
  /** Absolute project root. */
  readonly root: string;
  /** How the process runs. */
  readonly mode: Mode;
  /** The status registry, readable by everyone. */
  readonly status: StatusRegistry;
  /** The domains found at boot (more may appear later in dev; see {@link Tool.prepareDomain}). */
  readonly domains: readonly DomainInfo[];
  /** A tool named in `dependsOn` or `uses` (others throw); `undefined` if absent or failed. */
  tool<T = unknown>(name: string): T | undefined;
  /**
   * A setting (environment variable) this tool declared in {@link Tool.env}; an empty value
   * counts as unset. Reading a variable the tool did not declare throws: the declarations are
   * what AI_CONTEXT.md and the status page list.
   */
  env(key: string): string | undefined;
  /**
   * Absolute folder where relative data paths (a SQLite file, uploads) resolve: the project
   * root, or the working directory in a compiled binary, whose root is read-only.
   */
  readonly dataDir: string;
  /** A log sink for this tool. */
  readonly log: LogSink;
  /**
   * Where an error arose, as the status page shows it: the message, the user's file and line
   * (`prefer`: the plugin file, when known; hot-reload copies mapped back to the user's file),
   * and the stack with those paths mapped too (left out in `start` mode).
   */
  errorInfo?(err: unknown, prefer?: string): ErrorInfo;
  /**
   * Tell the status registry whether the service behind this tool is reachable: `"degraded"`
   * with what is wrong (e.g. `"Redis at 127.0.0.1:6379 unreachable: connection refused"`) when it
   * is lost, `"ready"` once it is back. The last report made during setup applies once the setup
   * succeeds (a tool may start without its server); a failed tool stays failed. The readiness
   * probe answers 503 while any tool is degraded.
   */
  health(state: "ready" | "degraded", reason?: string): void;
  /**
   * The {@link Outbox} a tool offers ({@link Tool.outbox}), or `undefined` when none does. Read it
   * when needed (after setup): the offering tool may be set up later than the one asking.
   */
  outbox(): Outbox | undefined;
}

/** One event kept in an {@link Outbox} until the broker has it. */
export interface OutboxRecord {
  /** The event's id: unique, and what consumers remove duplicates by. */
  readonly id: string;
  /** The event as JSON text; only the bus reads it. */
  readonly body: string;
}

/**
 * A transactional outbox: an event published inside a database transaction is written in that
 * transaction, so it commits with the data or not at all, and is sent after the commit. Offered by
 * the db tool ({@link Tool.outbox}), used by the event bus.
 */
export interface Outbox {
  /**
   * Inside a transaction (in the caller's async context): write `record` in it and return `true`;
   * the commit waits for the write (a failed write fails the commit) and then calls the
   * {@link Outbox.onCommit} listeners. Outside one: `false`, and nothing is written.
   */
  enlist(record: OutboxRecord): boolean;
  /** Call `listener` with the records of each transaction once it committed; never on rollback. */
  onCommit(listener: (records: readonly OutboxRecord[]) => void): void;
  /**
   * Records written at least `olderThanMs` ago and not yet removed, oldest first, at most
   * `limit`: what a crash or a broker outage left behind, for the bus to send again.
   */
  pending(limit: number, olderThanMs: number): Promise<OutboxRecord[]>;
  /** Forget records the broker has confirmed. */
  remove(ids: readonly string[]): Promise<void>;
}

/**
 * A tool: infrastructure that plugins ask for by name (`http`, `db`, `event_bus`, …).
 *
 * A tool is a folder under `tools/` whose `mod.ts` default-exports a `Tool` instance (or a class
 * with a no-argument constructor). Every hook is optional and may be sync or async.
 */
export interface Tool {
  /** The name plugins use to ask for this tool (a constructor parameter name). */
  readonly name: string;
  /** One line saying what the tool is for (used in AI_CONTEXT.md and the status page). */
  readonly description?: string;
  /** Other tools this one uses through {@link ToolContext.tool}; they are set up first. */
  readonly dependsOn?: readonly string[];
  /** Tools this one uses when present (set up first): their absence or failure is no failure. */
  readonly uses?: readonly string[];
  /**
   * The environment variables this tool reads through {@link ToolContext.env}, each with one
   * line on what it does (and its default).
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Files this tool reads from each domain (in {@link Tool.prepareDomain}), as globs relative to
   * the project root (`*` within one folder, `**` across folders), e.g.
   * `domains/*\/migrations/*.sql`. In dev, a change to one prepares its domain again.
   */
  readonly files?: readonly string[];
  /** Deno permissions it needs with these settings, besides its `env` (docs/permissions.md). */
  permissions?(settings: PermissionSettings): PermissionNeeds;
  /**
   * A log sink for `name` (a tool, `kernel`): a tool that offers one is the app's logger. It is
   * set up before every other tool, and the kernel and the tools set up after it log through it.
   */
  logFor?(name: string): LogSink;
  /**
   * Events kept with the data, for the tool that runs transactions (the db tool) to offer to the
   * event bus: see {@link Outbox}. Other tools reach it through {@link ToolContext.outbox}.
   */
  readonly outbox?: Outbox;
  /** Set up: open connections, read config. A throw marks this tool failed, and only it. */
  setup?(ctx: ToolContext): void | Promise<void>;
  /**
   * Called before a domain's plugins are loaded (at boot, and when a new domain appears in dev),
   * e.g. to apply its migrations. A throw fails that domain's plugins alone.
   */
  prepareDomain?(domain: DomainInfo): void | Promise<void>;
  /** What a plugin receives when it asks for this tool. Defaults to the tool itself. */
  forOwner?(owner: Owner): unknown;
  /**
   * Make `owner.generation` the live one for `owner.id`: its registrations take effect and those
   * of every other generation of the same id are released. Called once the plugin booted.
   * Must be synchronous so that all tools switch in the same tick.
   */
  activate?(owner: Owner): void;
  /**
   * Release registrations of `ownerId`: of one generation (a failed boot, or an old version after
   * the switch), or of all generations when `generation` is omitted (the plugin was unloaded).
   */
  release?(ownerId: string, generation?: number): void;
  /** Wait (bounded) until work that an owner's generation took has finished. */
  drain?(ownerId: string, generation: number, timeoutMs: number): Promise<void>;
  /** Extra status about one owner (e.g. its routes), merged into its status entry. */
  describeOwner?(ownerId: string): Record<string, unknown> | undefined;
  /** Extra status about the tool itself. */
  describe?(): Record<string, unknown>;
  /** Called once every plugin of the initial boot has booted. */
  onBootComplete?(): void | Promise<void>;
  /**
   * Stop taking new work (close listeners, stop deliveries) and wait, at most `timeoutMs`, for
   * work in flight. Called on every tool at shutdown, before any plugin shuts down.
   */
  quiesce?(timeoutMs: number): Promise<void>;
  /** Close connections; called after every plugin has shut down. */
  shutdown?(): void | Promise<void>;
}

/** What {@link Tool.permissions} reads: a declared key's value, and the data folder (`.`). */
export type PermissionSettings = { env(key: string): string | undefined; dataDir: string };
/** What {@link Tool.permissions} answers: lists merged into the set's kind of the same name. */
export type PermissionNeeds = Partial<Record<"net" | "read" | "write" | "env" | "sys", string[]>>;

/** What the status registry records about an error. */
export interface ErrorInfo {
  message: string;
  /** Project-relative file where the error arose, when known. */
  file?: string;
  line?: number;
  column?: number;
  stack?: string;
}

/** Lifecycle state of a tool or plugin. */
export type LifecycleState =
  | "loading"
  | "ready"
  | "failed"
  /** A reload failed: the previous version keeps serving; `error` says why. */
  | "stale"
  /**
   * A tool that is up but cannot reach the service behind it (a database, a broker): calls fail
   * fast until it recovers by itself; `error` says what is unreachable. See {@link ToolContext.health}.
   */
  | "degraded"
  | "stopped";

/** One row of the status registry. */
export interface StatusEntry {
  kind: "tool" | "plugin";
  /** Tool name, or plugin id `<domain>/<file stem>`. */
  id: string;
  state: LifecycleState;
  error?: ErrorInfo;
  /** Project-relative path of the tool's entry or the plugin file. */
  file?: string;
  domain?: string;
  /** Tools a plugin declared (by constructor parameter name). */
  tools?: string[];
  /** Environment variables a tool declared (names only, never values). */
  env?: string[];
  /** Events a plugin declared it publishes (`static publishes`). */
  publishes?: string[];
  /** Generation now serving (plugins). */
  generation?: number;
  /** Successful reloads since boot (plugins). */
  reloads?: number;
  /** Milliseconds the last load or setup took. */
  loadMs?: number;
  /** Time the entry last changed (ms since epoch). */
  updatedAt: number;
}

/** Read access to the status of every tool and plugin. */
export interface StatusRegistry {
  /** Every entry, tools first, in a stable order. */
  list(): StatusEntry[];
  get(kind: "tool" | "plugin", id: string): StatusEntry | undefined;
  /** Process-wide facts: mode, boot time, reloads, heap. */
  summary(): Record<string, unknown>;
}
