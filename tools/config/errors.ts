/**
 * The one error the `config` tool throws: a missing or malformed value, naming its key.
 * @module
 */

/** Thrown when a configuration value is missing or malformed; the message names the key. */
export class ConfigError extends Error {
  /** The environment variable at fault. */
  readonly key: string;
  /** `key` is the variable at fault; `message` says what is wrong and how to fix it. */
  constructor(key: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.key = key;
  }
}
