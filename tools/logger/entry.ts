/**
 * The shape of one log record as the logger tool formats and captures it.
 * @module
 */
import type { Level } from "./levels.ts";

/** One log record. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  time: number;
  level: Level;
  /** Who logged: a plugin id (`users/create_user`), a tool name, or `kernel`. */
  owner: string;
  /** Owner first, then child names: `["users/create_user", "db"]`. */
  category: readonly string[];
  message: string;
  /** Structured data given with the message. */
  props: Record<string, unknown>;
}

/** Properties of a record, or a function computing them (called only if the level is on). */
export type LogProps = Record<string, unknown> | (() => Record<string, unknown>);
