import assert from "node:assert/strict";
import { recordingLog, standaloneContext } from "@microcore/testing/standalone.ts";
import { owner } from "./test_helpers.ts";
import { HttpTool } from "./tool.ts";

async function started() {
  const log = recordingLog();
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log }));
  await tool.listen({ hostname: "127.0.0.1", port: 0 });
  const line = log.lines.find((l) => l.message.startsWith("listening on "))!;
  const url = line.message.slice("listening on ".length).split(" ")[0];
  return { tool, log, url, line: line.message };
}

Deno.test("listens on a random port, logs the URL, serves over a real socket", async () => {
  const { tool, url, line } = await started();
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(line, `listening on ${url} (open ${url}, API docs at ${url}/docs)`);
    assert.notEqual(url, "http://127.0.0.1:0");
    const o = owner("shop/hello");
    tool.forOwner(o).addEndpoint("/hello/:name", "GET", (d) => ({ success: true, hi: d.name }));
    tool.activate(o); // added after listening: the table is rebuilt lazily
    tool.requestIds({ from: "x-request-id" });
    const res = await fetch(`${url}/hello/ann`, { headers: { "x-request-id": "abc" } });
    assert.equal(res.headers.get("x-request-id"), "abc");
    assert.deepEqual(await res.json(), { success: true, hi: "ann" });
    assert.equal(tool.describe().listening, url);
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("onBootComplete does not listen in test mode", async () => {
  const log = recordingLog();
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log }));
  await tool.onBootComplete();
  assert.equal(tool.url, undefined);
});

Deno.test("settings are read through ctx.env in setup, declared keys only; HOST and PORT used at boot", async () => {
  const tool = new HttpTool();
  const ctx = standaloneContext({ mode: "start", env: { HOST: "127.0.0.1", PORT: "0" } });
  const read: string[] = [];
  tool.setup({
    ...ctx,
    env: (key) => {
      if (!Object.hasOwn(tool.env, key)) throw new Error(`undeclared setting ${key}`);
      read.push(key);
      return ctx.env(key);
    },
  });
  assert.deepEqual(read.sort(), Object.keys(tool.env).sort());
  await tool.onBootComplete();
  try {
    assert.match(tool.url ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(tool.url, "http://127.0.0.1:0");
    assert.equal(read.length, Object.keys(tool.env).length);
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("SSE round trip; the generator's finally runs when the owner is released", async () => {
  const { tool, url } = await started();
  try {
    const o = owner("live/ticks");
    let finished = false;
    tool.forOwner(o).addSse("/ticks/:room", async function* (data, ctx) {
      try {
        yield { event: "hello", data: { room: data.room, n: data.n } };
        yield "line1\nline2";
        await new Promise<void>((r) => ctx.signal.addEventListener("abort", () => r()));
      } finally {
        finished = true;
      }
    });
    tool.activate(o);
    const res = await fetch(`${url}/ticks/r1?n=2`);
    assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("line2")) text += (await reader.read()).value ?? "";
    assert.match(text, /event: hello\ndata: {"room":"r1","n":"2"}\n\n/);
    assert.match(text, /data: line1\ndata: line2\n\n/);
    tool.release("live/ticks");
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
    }
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(finished, true);
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("WebSocket round trip; sockets close when the owner is released", async () => {
  const { tool, url } = await started();
  try {
    const o = owner("live/echo");
    const closed: number[] = [];
    tool.forOwner(o).addWebSocket("/echo/:room", {
      onOpen: (ws, data) => ws.send(`welcome ${data.room}`),
      onMessage: (ws, msg) => ws.send(`echo ${msg}`),
      onClose: (_ws, code) => void closed.push(code),
    });
    tool.activate(o);
    const ws = new WebSocket(`${url.replace("http", "ws")}/echo/r9`);
    const got: string[] = [];
    const closedClient = new Promise<number>((r) => ws.onclose = (e) => r(e.code));
    await new Promise<void>((resolve) => {
      ws.onmessage = (e) => {
        got.push(e.data);
        if (got.length === 1) ws.send("ping");
        if (got.length === 2) resolve();
      };
    });
    assert.deepEqual(got, ["welcome r9", "echo ping"]);
    // a plain GET on a WebSocket route is refused
    const plain = await fetch(`${url}/echo/r9`);
    assert.equal(plain.status, 426);
    await plain.body?.cancel();
    tool.release("live/echo");
    assert.equal(await closedClient, 1001);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(closed, [1001]);
  } finally {
    await tool.quiesce(1000);
  }
});

Deno.test("quiesce stops the listener and waits for in-flight requests", async () => {
  const { tool, url } = await started();
  const o = owner("shop/slow");
  tool.forOwner(o).addEndpoint("/slow", "GET", async () => {
    await new Promise((r) => setTimeout(r, 50));
    return { success: true };
  });
  tool.activate(o);
  const p = fetch(`${url}/slow`);
  await new Promise((r) => setTimeout(r, 10));
  await tool.quiesce(2000);
  const res = await p;
  assert.deepEqual(await res.json(), { success: true });
  await assert.rejects(fetch(`${url}/slow`));
});

Deno.test("a taken port: an error naming the port and PORT=; on 0.0.0.0 the log links localhost", async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (holder.addr as Deno.NetAddr).port;
  const tool = new HttpTool();
  tool.setup(standaloneContext({ log: recordingLog() }));
  try {
    await assert.rejects(
      () => tool.listen({ hostname: "127.0.0.1", port }),
      {
        message: `port ${port} on 127.0.0.1 is already in use by another process: stop it, or ` +
          "set PORT to another port (PORT=0 picks a free one)",
      },
    );
  } finally {
    holder.close();
  }
  const log = recordingLog();
  const wild = new HttpTool();
  wild.setup(standaloneContext({ log }));
  await wild.listen({ hostname: "0.0.0.0", port: 0 });
  try {
    const line = log.lines.find((l) => l.message.startsWith("listening on "))!.message;
    assert.match(
      line,
      /^listening on http:\/\/0\.0\.0\.0:(\d+) \(open http:\/\/localhost:\1, API docs at http:\/\/localhost:\1\/docs\)$/,
    );
  } finally {
    await wild.shutdown();
  }
});
