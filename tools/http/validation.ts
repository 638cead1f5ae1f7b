/**
 * Reading request input (query, body) within limits, and checking it against Zod schemas.
 * @module
 */
import type { z } from "zod";
import { HttpError } from "./errors.ts";

/** One bad field, as the client sees it. */
export interface FieldIssue {
  /** Which part of the request: `body`, `query` or `params`. */
  in: "body" | "query" | "params";
  /** Dotted path of the field (`items.0.price`), empty for the whole part. */
  field: string;
  /** Why it is wrong. */
  message: string;
}

/** Why a string with U+0000 is refused (engines store it whole and read it back cut, or fail). */
export const NUL_MESSAGE = "must not contain a NUL character (U+0000)";

/** The 400 for NUL characters at `fields` of `where`. */
function nulError(where: FieldIssue["in"], fields: string[]): HttpError {
  return validationError(fields.map((field) => ({ in: where, field, message: NUL_MESSAGE })));
}

/**
 * Parse a query string (without `?`) into an object without a prototype, so a key named like an
 * `Object.prototype` member (`constructor`, `toString`) is a plain value. A repeated key gives an
 * array. A NUL character (`%00`) in a key or value is a 400 naming the field (`where`).
 */
export function parseQuery(
  search: string,
  where: FieldIssue["in"] = "query",
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (!search) return out;
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  if (search.includes("%00") || search.includes("\0")) {
    const bad = Object.keys(out).filter((k) =>
      k.includes("\0") || [out[k]].flat().some((v) => v.includes("\0"))
    );
    if (bad.length) throw nulError(where, bad);
  }
  return out;
}

/** A 400 naming each path param with a NUL character (`%00`), if any; else nothing. */
export function checkParams(params: Readonly<Record<string, string>>): void {
  let bad: string[] | undefined;
  for (const k in params) if (params[k].includes("\0")) (bad ??= []).push(k);
  if (bad) throw nulError("params", bad);
}

/** The dotted paths of every key or string with a NUL character in a parsed JSON value. */
function nulPaths(v: unknown, at: string, out: string[]): string[] {
  if (typeof v === "string") {
    if (v.includes("\0")) out.push(at);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => nulPaths(x, at ? `${at}.${i}` : String(i), out));
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const p = at ? `${at}.${k}` : k;
      if (k.includes("\0")) out.push(p);
      else nulPaths(x, p, out);
    }
  }
  return out;
}

/** How deep a JSON body may nest (objects and arrays); deeper is a 400. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value holds a key or string with a NUL character (a cheap walk); a 400
 * when it nests deeper than {@link MAX_JSON_DEPTH} (which would overflow the stack of whatever
 * walks it next: this scan, a schema, `JSON.stringify`).
 */
function hasNul(v: unknown, depth: number): boolean {
  if (typeof v === "string") return v.includes("\0");
  if (v === null || typeof v !== "object") return false;
  if (depth >= MAX_JSON_DEPTH) {
    throw new HttpError(400, `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (hasNul(v[i], depth + 1)) return true;
    return false;
  }
  for (const k in v) {
    if (k.includes("\0") || hasNul((v as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

/**
 * A parsed JSON body, refused when it holds a NUL character (a 400 naming each field) or nests
 * too deeply.
 */
function noNul(value: unknown): unknown {
  if (hasNul(value, 0)) throw nulError("body", nulPaths(value, "", []));
  return value;
}

/** Parse JSON text (a 400 when malformed or holding a NUL character). */
function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Malformed JSON body");
  }
  return noNul(value);
}

/**
 * Whether a content type is JSON: `application/json`, `text/json` or any `<type>/<x>+json`
 * (the WHATWG rule), parameters and case ignored. `text/notjson` is not.
 */
export function isJsonType(type: string): boolean {
  if (type === "application/json") return true;
  const semi = type.indexOf(";");
  const t = (semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase();
  const slash = t.indexOf("/");
  if (slash <= 0) return false;
  return t === "application/json" || t === "text/json" || t.endsWith("+json");
}

/** Read the body as bytes, refusing (413) more than `limit` bytes whatever the headers say. */
async function readBytes(
  req: Request,
  limit: number,
  declared: string | null,
): Promise<Uint8Array> {
  if (declared !== null) {
    if (Number(declared) > limit) {
      throw new HttpError(413, `Request body larger than ${limit} bytes`);
    }
    // The declared length bounds the body (the server enforces it), so read it in one go
    // without making a stream (`req.body`), which costs far more than the read itself.
    return await req.bytes();
  }
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new HttpError(413, `Request body larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

const decoder = new TextDecoder();

/**
 * Read and parse the body: JSON (`application/json`, `+json`), urlencoded or multipart form.
 * No body (or an empty one) gives `undefined`. Throws {@link HttpError} 400 (malformed JSON,
 * not an object), 413 (too large) or 415 (another content type).
 */
export function readBody(
  req: Request,
  limit: number,
): Promise<Record<string, unknown> | undefined> {
  try {
    return Promise.resolve(withBody(req, limit, (b) => b));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Read the body as {@link readBody} does and pass it to `next`, in as few steps as possible: at
 * once when there is no body (errors then throw synchronously), else in one promise step for a
 * JSON body of known length.
 */
export function withBody<T>(
  req: Request,
  limit: number,
  next: (body: Record<string, unknown> | undefined) => T | Promise<T>,
): T | Promise<T> {
  const headers = req.headers;
  const declared = headers.get("content-length");
  if (declared === "0") return next(undefined);
  // Without a length, look at the stream (made on first access) only to see whether there is one.
  if (declared === null && !req.body) return next(undefined);
  const type = headers.get("content-type") ?? "";
  // Stryker disable next-line ConditionalExpression: a fast path; readOther reads the same body and parses it the same way (limit, NUL, object)
  if (declared !== null && isJsonType(type)) {
    // The common case: a JSON body of a known size. `req.json()` has a fast path in Deno
    // (reading the text and parsing it costs about 1 µs more per request).
    if (Number(declared) > limit) {
      throw new HttpError(413, `Request body larger than ${limit} bytes`);
    }
    return req.json().then((v) => next(jsonObject(noNul(v))), malformed);
  }
  return readOther(req, limit, declared, type).then(next);
}

function malformed(err: unknown): never {
  if (err instanceof SyntaxError) throw new HttpError(400, "Malformed JSON body");
  throw err;
}

async function readOther(
  req: Request,
  limit: number,
  declared: string | null,
  type: string,
): Promise<Record<string, unknown> | undefined> {
  const bytes = await readBytes(req, limit, declared);
  if (bytes.byteLength === 0) return undefined;
  if (isJsonType(type)) return jsonObject(parseJson(decoder.decode(bytes)));
  const essence = type.toLowerCase();
  if (essence.startsWith("application/x-www-form-urlencoded")) {
    return parseQuery(decoder.decode(bytes), "body");
  }
  if (essence.startsWith("multipart/form-data")) {
    const form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": type },
    }).formData();
    // No prototype: a field named `constructor` or `toString` is a plain value.
    const out: Record<string, unknown> = Object.create(null);
    const bad: string[] = [];
    for (const [k, v] of form) {
      if (k.includes("\0") || (typeof v === "string" && v.includes("\0"))) bad.push(k);
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[k] = [prev, v];
    }
    if (bad.length) throw nulError("body", [...new Set(bad)]);
    return out;
  }
  throw new HttpError(
    415,
    `Unsupported content type "${type || "(none)"}": send application/json or a form`,
  );
}

function jsonObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "JSON body must be an object");
  }
  return value as Record<string, unknown>;
}

/** Validate `value` against `schema`, pushing each issue into `issues`; returns the output. */
export function check(
  schema: z.ZodType,
  value: unknown,
  where: FieldIssue["in"],
  issues: FieldIssue[],
): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) {
    issues.push({ in: where, field: i.path.map(String).join("."), message: i.message });
  }
  return undefined;
}

/** The 400 error for failed validation. */
export function validationError(issues: FieldIssue[]): HttpError {
  const names = issues.map((i) => i.field ? `${i.in}.${i.field}` : i.in).join(", ");
  return new HttpError(400, `Invalid request: ${names}`, issues);
}
