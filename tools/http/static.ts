/**
 * Serving a folder of files, safely: no `..` (plain or encoded), no dotfiles (but
 * `.well-known/`), no symlink escape, and only files whose extension is on an allow-list.
 * @module
 */
import { errorResponse } from "./errors.ts";
import { type ResponseHeaders, responseHeaders } from "./secure_headers.ts";
import type { StaticOptions } from "./types.ts";

const TYPES = new Map<string, string>(Object.entries({
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  webmanifest: "application/manifest+json",
}));

/**
 * The extensions a static mount serves by default: web pages, styles, scripts, source maps,
 * data and text, images, fonts, media, `wasm`, `pdf`. Anything else (`.ts`, `.sql`, `.db`,
 * `.env`, `.bak`, `.pem`, `.log`, no extension…) is a 404 unless listed in
 * {@link StaticOptions.extensions}; files under `.well-known/` are served whatever their name.
 */
export const STATIC_EXTENSIONS: readonly string[] = Object.freeze([...TYPES.keys()]);

/** The extension of a file name, lower case (`""` when it has none). */
function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** Content type for a file name. */
export function contentType(name: string): string {
  return TYPES.get(extension(name.slice(name.lastIndexOf("/") + 1))) ??
    "application/octet-stream";
}

/**
 * The safe relative segments of `rest` (the URL path after the mount prefix), or null when the
 * path must not be served: `.`/`..` or any dot-segment (but a first `.well-known`), encoded
 * slashes, backslashes, NUL.
 */
export function safeSegments(rest: string): string[] | null {
  const out: string[] = [];
  for (const raw of rest.split("/")) {
    if (raw === "") continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    const wellKnown = out.length === 0 && seg === ".well-known";
    if ((seg.startsWith(".") && !wellKnown) || /[\\/\0]/.test(seg)) return null;
    out.push(seg);
  }
  return out;
}

/** A request handler serving `root` under `prefix` (a Hono path without the `/*`). */
export function staticHandler(
  prefix: string,
  root: string,
  options: StaticOptions = {},
): (req: Request, path: string) => Promise<Response> {
  const index = options.index ?? true;
  const cacheControl = options.cacheControl ?? "public, max-age=300";
  const allowed = new Set((options.extensions ?? STATIC_EXTENSIONS).map((e) => e.toLowerCase()));
  const h: ResponseHeaders = responseHeaders(options.headers);
  const notFound = () => errorResponse(404, "Not found", undefined, h);
  let realRoot: string | undefined;
  return async (req, path) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return errorResponse(405, "Method not allowed", undefined, h);
    }
    // Stryker disable next-line ConditionalExpression: for "/" cutting the leading "/" too gives the same segments
    const segs = safeSegments(path.slice(prefix === "/" ? 0 : prefix.length));
    if (!segs) return notFound();
    try {
      realRoot ??= await Deno.realPath(root);
      let file = segs.length ? `${realRoot}/${segs.join("/")}` : realRoot;
      let info = await Deno.stat(file);
      if (info.isDirectory) {
        if (!index) return notFound();
        file += "/index.html";
        info = await Deno.stat(file);
      }
      const real = await Deno.realPath(file);
      if (!real.startsWith(realRoot + "/") || !info.isFile) return notFound();
      // An allowed extension (of the file served, after links), or anything in `.well-known/`.
      const wellKnown = real.startsWith(`${realRoot}/.well-known/`);
      // Stryker disable next-line ArithmeticOperator: two more characters ("x/") before the name change no extension: a dot there is at 0, which is none
      if (!wellKnown && !allowed.has(extension(real.slice(real.lastIndexOf("/") + 1)))) {
        return notFound();
      }
      const headers: Record<string, string> = {
        ...h.base,
        "content-type": contentType(real),
        "content-length": String(info.size),
        "cache-control": cacheControl,
      };
      if (info.mtime) headers["last-modified"] = info.mtime.toUTCString();
      if (req.method === "HEAD") return new Response(null, { headers });
      const f = await Deno.open(real, { read: true });
      return new Response(f.readable, { headers });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return notFound();
      }
      throw e;
    }
  };
}
