/**
 * PostgreSQL driver (placeholder until implemented).
 * @module
 */
import type { Driver } from "./types.ts";

/** Options for {@link PostgresDriver.connect}. */
export interface PostgresOptions {
  url: string;
}

/** Not implemented yet. */
export class PostgresDriver {
  static connect(_opts: PostgresOptions): Promise<Driver> {
    return Promise.reject(new Error("db: the PostgreSQL driver is not implemented yet"));
  }
}
