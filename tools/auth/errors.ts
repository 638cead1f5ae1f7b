/**
 * The auth tool's error.
 * @module
 */

/**
 * A token that is missing, invalid or expired (kind `unauthorized`: the http tool answers it
 * with a JSON 401), an identity provider whose keys cannot be fetched (kind `unavailable`, a
 * 503), or a call the tool is not set up for (kind `config`, a 500). The message is safe to show
 * a client; `cause` holds the library's reason.
 */
export class AuthError extends Error {
  override name = "AuthError";
  constructor(
    message: string,
    /** `unauthorized` (401), `unavailable` (503) or `config` (not set up for this call). */
    readonly kind: "unauthorized" | "unavailable" | "config" = "unauthorized",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
