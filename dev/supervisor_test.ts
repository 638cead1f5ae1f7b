import assert from "node:assert/strict";
import { serveControl } from "./supervisor.ts";

async function send(port: number, text: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text)).catch(() => {});
  conn.close();
}

Deno.test("control connection: only a message carrying the children's secret is acted on", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const heard: string[] = [];
  const served = serveControl(listener, "s3cret", (m) => heard.push(m));
  // Another local process, or a web page posting to the port, knows no secret.
  await send(port, "handover\nready\n");
  await send(port, "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\nhandover\nready\n");
  await send(port, "s3creX handover\n");
  await send(port, "x".repeat(1000) + "\n");
  await send(port, "s3cret handover\n");
  await send(port, "s3cret ready\n");
  await new Promise((r) => setTimeout(r, 200));
  listener.close();
  await served.catch(() => {});
  assert.deepEqual(heard.sort(), ["handover", "ready"]);
});
