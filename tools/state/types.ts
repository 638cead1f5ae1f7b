/**
 * The values and options plugins hand the state store.
 * @module
 */

/** A JSON-serializable value: the only thing the store keeps, so any driver can hold it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Options of a write. */
export interface SetOptions {
  /** Expire the key after this many milliseconds (a positive number). */
  ttlMs?: number;
}
