/**
 * Requests over NATS: asking the responder of a name on any instance, and answering one with
 * this instance's responder (the answer, or an error answer whose header carries the
 * `BusErrorCode`).
 * @module
 */
import { errors, headers as natsHeaders, type Msg, type NatsConnection } from "@nats-io/nats-core";
import type { DriverHost } from "./driver.ts";
import { BusError, type BusErrorCode, errorMessage as msg } from "./errors.ts";
import { decode, decodeEnvelope, encode, encodeEnvelope, ERROR_HEADER } from "./nats_codec.ts";
import { subjectOf } from "./nats_subjects.ts";
import type { Envelope } from "./types.ts";

/**
 * Ask the responder of `envelope.name` under `prefix` (a NATS request); rejects with a
 * `BusError`: `no_responder` (nobody listens), `timeout`, the responder's code, or `closed`.
 */
export async function askResponder(
  nc: NatsConnection,
  prefix: string,
  envelope: Envelope,
  timeoutMs: number,
): Promise<unknown> {
  const body = encodeEnvelope(envelope);
  let m: Msg;
  try {
    m = await nc.request(subjectOf(prefix, envelope.name), body.data, {
      timeout: timeoutMs,
      headers: body.headers,
    });
  } catch (e) {
    if (e instanceof errors.RequestError && e.isNoResponders()) {
      throw new BusError("no_responder", `no plugin responds to "${envelope.name}"`);
    }
    if (e instanceof errors.TimeoutError) {
      throw new BusError("timeout", `no answer to "${envelope.name}" within ${timeoutMs} ms`);
    }
    throw new BusError("closed", `request "${envelope.name}" failed: ${msg(e)}`, { cause: e });
  }
  const err = m.headers?.get(ERROR_HEADER);
  if (err) throw new BusError(err as BusErrorCode, new TextDecoder().decode(m.data));
  return decode<{ value: unknown }>(m.data, m.headers).value;
}

/** Answer request `m` through `host` (no host: `no_responder`). */
export function answerRequest(m: Msg, host: DriverHost | undefined): void {
  const reply = (value: unknown, payload: unknown) => {
    try {
      const body = encode({ value }, payload);
      m.respond(body.data, { headers: body.headers });
    } catch (e) {
      fail(new BusError("responder_error", `answer could not be sent: ${msg(e)}`));
    }
  };
  const fail = (e: unknown) => {
    const code = e instanceof BusError ? e.code : "responder_error";
    const headers = natsHeaders();
    headers.set(ERROR_HEADER, code);
    try {
      m.respond(new TextEncoder().encode(msg(e)), { headers });
    } catch { /* closed: the requester times out */ }
  };
  let env: Envelope;
  try {
    env = decodeEnvelope(m.data, m.headers);
  } catch (e) {
    return fail(new BusError("responder_error", `undecodable request: ${msg(e)}`));
  }
  if (!host) return fail(new BusError("no_responder", `no plugin responds to "${env.name}"`));
  host.answer(env).then((v) => reply(v, v), fail);
}
