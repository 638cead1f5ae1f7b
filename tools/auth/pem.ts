/**
 * What a PEM key setting holds: the PEM text, a file path, or key material in another form (bare
 * base64) that must never be taken for a path (it would be printed in an error, or written into
 * the permission sets).
 * @module
 */

/** A PEM setting, read: its PEM text, the path of its file, or key material that is neither. */
export type KeySetting = { pem: string } | { path: string } | { material: true };

/** Base64 only, long: key material without its PEM lines, not a path. */
const BARE_BASE64 = /^[A-Za-z0-9+/=\s]{64,}$/;

/**
 * Read a PEM setting's value: surrounding quotes stripped (`docker --env-file` keeps them), `\n`
 * escapes turned into newlines; PEM text when it starts with `-----BEGIN`, key material when it is
 * long bare base64, a file path otherwise.
 */
export function keySetting(value: string): KeySetting {
  const unquoted = /^(["'])[\s\S]*\1$/.test(value.trim()) ? value.trim().slice(1, -1) : value;
  const text = unquoted.replace(/\\n/g, "\n");
  if (text.trimStart().startsWith("-----BEGIN")) return { pem: text };
  if (BARE_BASE64.test(text)) return { material: true };
  return { path: unquoted };
}
