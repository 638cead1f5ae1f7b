/**
 * What the event bus needs from Deno's permissions: on NATS, to reach each server of `NATS_URL`.
 * @module
 */
import type { PermissionNeeds, PermissionSettings } from "@core";

/**
 * With `EVENT_BUS_DRIVER=nats`, `net` for every server of `NATS_URL` (comma-separated; a server
 * without a port is on 4222; default `127.0.0.1:4222`). In-process: nothing. Servers a cluster
 * advertises but `NATS_URL` does not list stay unreachable: list every server there.
 */
export function busPermissions(settings: PermissionSettings): PermissionNeeds {
  if (settings.env("EVENT_BUS_DRIVER") !== "nats") return {};
  const urls = (settings.env("NATS_URL") ?? "nats://127.0.0.1:4222").split(",")
    .map((s) => s.trim()).filter((s) => s !== "");
  return {
    net: urls.map((s) => {
      const u = new URL(s.includes("://") ? s : `nats://${s}`);
      return `${u.hostname}:${u.port || 4222}`;
    }),
  };
}
