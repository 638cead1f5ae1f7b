/**
 * Envelopes as NATS message bodies: plain data as JSON, the rest in V8's format with a header
 * (no server needed).
 * @module
 */
import assert from "node:assert/strict";
import { frozenCopy } from "./copy.ts";
import { TRACEPARENTS } from "./telemetry.ts";
import {
  decode,
  decodeEnvelope,
  encode,
  encodeEnvelope,
  ENCODING_HEADER,
  ERROR_HEADER,
} from "./nats_codec.ts";
import type { Envelope } from "./types.ts";

const env = (payload: unknown): Envelope =>
  Object.freeze({ id: "i-1", name: "a.b", payload, time: 5, source: "x/y", correlationId: "c" });

Deno.test("nats codec: plain data travels as JSON any client can read, and comes back frozen", () => {
  assert.equal(ENCODING_HEADER, "MicroCore-Encoding");
  assert.equal(ERROR_HEADER, "MicroCore-Error");
  const e = env(frozenCopy({ n: 1, list: [1, "two"] }));
  const body = encodeEnvelope(e);
  assert.equal(body.headers, undefined);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(body.data)), e);
  const back = decodeEnvelope(body.data, body.headers);
  assert.deepEqual(back, e);
  assert.ok(Object.isFrozen(back) && Object.isFrozen(back.payload));
  assert.ok(Object.isFrozen((back.payload as { list: unknown[] }).list));
  const answer = encode({ value: 42 }, 42);
  assert.deepEqual(decode(answer.data, answer.headers), { value: 42 });
});

Deno.test("nats codec: other values travel in V8's format, marked by a header", () => {
  const when = new Date(0);
  for (const payload of [new Map([["k", 1n]]), when, { big: 1n }]) {
    const e = env(payload);
    const body = encode(e, payload);
    assert.equal(body.headers?.get(ENCODING_HEADER), "v8");
    const back = decodeEnvelope(body.data, body.headers);
    assert.deepEqual(back, e);
    assert.ok(Object.isFrozen(back), "the envelope is frozen");
  }
  const bigint = encode({ value: 1n }, 1n);
  assert.equal(bigint.headers?.get(ENCODING_HEADER), "v8", "JSON cannot carry a bigint");
  assert.deepEqual(decode(bigint.data, bigint.headers), { value: 1n });
});

Deno.test("nats codec: what is not an envelope is refused", () => {
  const utf8 = new TextEncoder();
  for (
    const body of [
      '{"id":"x"}',
      '{"name":"x"}',
      '{"name":1,"id":"x"}',
      '{"name":"x","id":2}',
      "null",
    ]
  ) {
    assert.throws(() => decodeEnvelope(utf8.encode(body)), /^Error: not a MicroCore envelope$/);
  }
  assert.throws(() => decodeEnvelope(utf8.encode("{")), SyntaxError);
});

Deno.test("a traced envelope carries its traceparent in a header, and the decoded one has it again", () => {
  const env = Object.freeze({
    id: "a-1",
    name: "x.y",
    payload: { n: 1 },
    time: 1,
    source: "d/p",
    correlationId: "a-1",
  });
  const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  TRACEPARENTS.set(env, tp);
  const e = encodeEnvelope(env);
  assert.equal(e.headers?.get("traceparent"), tp);
  const back = decodeEnvelope(e.data, e.headers);
  assert.equal(TRACEPARENTS.get(back), tp);
  const plain = encodeEnvelope(frozenCopy({ ...env, id: "a-2" }));
  assert.equal(plain.headers, undefined, "untraced: no header");
});
