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

/** Parse a query string (without `?`). A repeated key gives an array. */
export function parseQuery(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!search) return out;
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
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
  if (declared !== null && type.includes("json")) {
    // The common case: a JSON body of a known size. `req.json()` has a fast path in Deno.
    if (Number(declared) > limit) {
      throw new HttpError(413, `Request body larger than ${limit} bytes`);
    }
    return req.json().then((v) => next(jsonObject(v)), malformed);
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
  const json = type.includes("json");
  const bytes = await readBytes(req, limit, declared);
  if (bytes.byteLength === 0) return undefined;
  if (json) {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(bytes));
    } catch {
      throw new HttpError(400, "Malformed JSON body");
    }
    return jsonObject(value);
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return parseQuery(decoder.decode(bytes));
  }
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": type },
    }).formData();
    const out: Record<string, unknown> = {};
    for (const [k, v] of form) {
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[k] = [prev, v];
    }
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
