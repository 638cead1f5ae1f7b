/**
 * File-system helpers the kernel and the dev layer share.
 * @module
 */

/**
 * Whether something exists at `path` (a symlink counts, even a broken one). Errors other than
 * NotFound (a denied permission) are thrown.
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** {@link exists}, synchronously. */
export function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** The absolute path of a `file:` URL (no trailing slash). */
export function pathOf(url: string | URL): string {
  return decodeURIComponent(new URL(url).pathname).replace(/\/$/, "");
}

/** The project root: the folder holding `core/`, `tools/`, `domains/` and `deno.json`. */
export const projectRoot: string = pathOf(new URL("..", import.meta.url));
