/**
 * The bus's settings: the variables it reads (only through the tool context's `env` door), and
 * the driver they choose. The NATS client is imported only when they choose it.
 * @module
 */
import type { BusDriver } from "./driver.ts";
import type { NatsDriverOptions } from "./nats_driver.ts";

/**
 * Every variable the bus reads. The tool declares each, with what it does, as its `env`
 * (`EventBusTool.env`), which the kernel checks reads against.
 */
export type Setting =
  | "EVENT_BUS_DRIVER"
  | "NATS_URL"
  | "EVENT_BUS_STREAM"
  | "EVENT_BUS_PUBLISH_TIMEOUT_MS"
  | "EVENT_BUS_VALIDATE"
  | "EVENT_BUS_SUSPEND_AFTER"
  | "EVENT_BUS_DEAD_LETTERS";

/** How the bus reads a setting: the tool context's `env` (empty or missing = unset). */
export type ReadSetting = (key: Setting) => string | undefined;

/**
 * The {@link NatsDriverOptions} that `NATS_URL`, `EVENT_BUS_STREAM` and
 * `EVENT_BUS_PUBLISH_TIMEOUT_MS` ask for.
 * @throws {Error} for a timeout that is not a positive whole number of ms.
 */
export function natsOptions(env: ReadSetting): NatsDriverOptions {
  const url = env("NATS_URL") || undefined;
  const stream = env("EVENT_BUS_STREAM") || undefined;
  const timeout = env("EVENT_BUS_PUBLISH_TIMEOUT_MS");
  if (!timeout) return { url, stream };
  const publishTimeoutMs = Number(timeout);
  if (!Number.isInteger(publishTimeoutMs) || publishTimeoutMs <= 0) {
    throw new Error(
      `EVENT_BUS_PUBLISH_TIMEOUT_MS="${timeout}": use a positive whole number of milliseconds`,
    );
  }
  return { url, stream, publishTimeoutMs };
}

/**
 * The driver that `EVENT_BUS_DRIVER` asks for instead of `current`, or `undefined` to keep
 * `current` (unset, `in_process`, `memory`, or the kind `current` already is).
 * @throws {Error} for a driver that does not exist, naming those that do.
 */
export function chosenDriver(env: ReadSetting, current: BusDriver): Promise<BusDriver> | undefined {
  const name = env("EVENT_BUS_DRIVER");
  if (name === "nats" && current.kind === "in_process") {
    // Loaded on demand: in-process apps never load the NATS client.
    return import("./nats_driver.ts").then(({ NatsDriver }) => new NatsDriver(natsOptions(env)));
  }
  if (name && !["in_process", "memory", current.kind].includes(name)) {
    throw new Error(`EVENT_BUS_DRIVER=${name} is not available; known drivers: in_process, nats`);
  }
  return undefined;
}

/**
 * Whether publishes, requests and responses are checked against the domains' contracts
 * (`domains/<d>/events.ts`): `EVENT_BUS_VALIDATE` = true/false, default on in dev and test, off
 * in start.
 * @throws {Error} for a value that is not true/false (1/0, yes/no, on/off).
 */
export function validates(env: ReadSetting, mode: string): boolean {
  const v = env("EVENT_BUS_VALIDATE")?.trim().toLowerCase();
  if (!v) return mode !== "start";
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off"].includes(v)) return false;
  throw new Error(`EVENT_BUS_VALIDATE="${v}": use true or false`);
}
