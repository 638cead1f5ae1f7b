/**
 * Envelopes (and request answers) as NATS message bodies.
 *
 * Plain data (what `frozenCopy` freezes: objects, arrays, primitives) travels as JSON, so any
 * NATS client can read it; JSON turns `NaN`/`Infinity` into `null` as usual. Anything else
 * (`Map`, `Date`, typed arrays, `bigint`, cycles) travels in V8's structured-clone format
 * (`node:v8`), marked by the header `MicroCore-Encoding: v8`, and arrives as it would in-process.
 * @module
 */
import { deserialize, serialize } from "node:v8";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { frozenCopy, isShareable } from "./copy.ts";
import { TRACEPARENTS } from "./telemetry.ts";
import type { Envelope } from "./types.ts";

/** Header naming the body encoding when it is not JSON. */
export const ENCODING_HEADER = "MicroCore-Encoding";
/** Header carrying a `BusErrorCode` in an error answer to a request. */
export const ERROR_HEADER = "MicroCore-Error";

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A body and, when needed, headers. */
export interface Encoded {
  /** The message body. */
  data: Uint8Array;
  /** Set when the body is not JSON ({@link ENCODING_HEADER}). */
  headers?: MsgHdrs;
}

/** Encode `value` (an envelope or an answer) whose payload-like part is `payload`. */
export function encode(value: unknown, payload: unknown): Encoded {
  if (isShareable(payload)) {
    try {
      return { data: utf8.encode(JSON.stringify(value)) };
    } catch { /* bigint and friends: fall through */ }
  }
  const headers = natsHeaders();
  headers.set(ENCODING_HEADER, "v8");
  return { data: new Uint8Array(serialize(value)), headers };
}

/** Decode a body written by {@link encode}. JSON comes back deep-frozen (shareable). */
export function decode<T>(data: Uint8Array, headers?: MsgHdrs): T {
  if (headers?.get(ENCODING_HEADER) === "v8") return deserialize(data) as T;
  return frozenCopy(JSON.parse(text.decode(data))) as T;
}

/** W3C trace context header: the publish span of a traced envelope (see telemetry.ts). */
export const TRACEPARENT_HEADER = "traceparent";

/** Encode an envelope; a traced one carries its `traceparent` header. */
export function encodeEnvelope(env: Envelope): Encoded {
  const e = encode(env, env.payload);
  const tp = TRACEPARENTS.get(env);
  if (tp) (e.headers ??= natsHeaders()).set(TRACEPARENT_HEADER, tp);
  return e;
}

/** Decode an envelope (frozen; its payload frozen too when it came as JSON). */
export function decodeEnvelope(data: Uint8Array, headers?: MsgHdrs): Envelope {
  const env = decode<Envelope>(data, headers);
  if (typeof env?.name !== "string" || typeof env.id !== "string") {
    throw new Error("not a MicroCore envelope");
  }
  const out = Object.isFrozen(env) ? env : Object.freeze(env);
  const tp = headers?.get(TRACEPARENT_HEADER);
  if (tp) TRACEPARENTS.set(out, tp);
  return out;
}
