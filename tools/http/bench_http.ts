/**
 * Throughput of the http tool against a bare Hono app doing the same work.
 *
 *   deno run -A tools/http/bench_http.ts [--duration=5] [--connections=64] [--rounds=2]
 *
 * Each server runs in its own child process (`… bench_http.ts serve bare|tool`); the load comes
 * from `wrk` (`apt-get install -y wrk`). Two cases: GET of a small JSON object, and a POST whose
 * JSON body is validated with Zod. Prints req/s of each and the ratio tool/bare.
 * @module
 */
import { Hono } from "@hono/hono";
import { z } from "zod";
import { HttpToolImpl } from "./tool.ts";
import type { LogSink } from "@core/types.ts";

const Item = z.object({ name: z.string().min(1), price: z.number().positive() });
const BODY = JSON.stringify({ name: "tea", price: 3.5 });

function serveBare(): number {
  const app = new Hono();
  app.get("/hello", (c) => c.json({ success: true, message: "hi" }));
  app.post("/items", async (c) => {
    const r = Item.safeParse(await c.req.json());
    if (!r.success) return c.json({ success: false, error: r.error.message }, 400);
    return c.json({ success: true, data: r.data });
  });
  const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  return s.addr.port;
}

async function serveTool(): Promise<number> {
  const quiet: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
  const tool = new HttpToolImpl();
  tool.setup({
    root: Deno.cwd(),
    mode: "start",
    status: { list: () => [], get: () => undefined, summary: () => ({}) },
    domains: [],
    tool: () => undefined,
    log: quiet,
  });
  const owner = { id: "bench/plugin", generation: 1 };
  const http = tool.forOwner(owner);
  http.addEndpoint("/hello", "GET", () => ({ success: true, message: "hi" }));
  http.addEndpoint("/items", "POST", (data) => ({ success: true, data }), { body: Item });
  tool.activate(owner);
  const url = await tool.listen({ hostname: "127.0.0.1", port: 0 });
  return Number(new URL(url).port);
}

if (Deno.args[0] === "serve") {
  const port = Deno.args[1] === "bare" ? serveBare() : await serveTool();
  console.log(`PORT ${port}`);
} else {
  const arg = (name: string, def: number) =>
    Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def);
  const duration = arg("duration", 5);
  const connections = arg("connections", 64);
  const rounds = arg("rounds", 2);
  const script = await Deno.makeTempFile({ suffix: ".lua" });
  await Deno.writeTextFile(
    script,
    `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );

  const start = async (kind: string) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "serve", kind],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/PORT \d+/.test(out)) {
      const r = await reader.read();
      if (r.done) throw new Error(`${kind} server did not start`);
      out += r.value;
    }
    reader.releaseLock();
    return { child, port: Number(out.match(/PORT (\d+)/)![1]) };
  };

  const wrk = async (url: string, post: boolean) => {
    const args = [`-t2`, `-c${connections}`, `-d${duration}s`, url];
    if (post) args.unshift("-s", script);
    const out = await new Deno.Command("wrk", { args, stdout: "piped", stderr: "piped" }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const text = new TextDecoder().decode(out.stdout);
    if (/Non-2xx/.test(text)) throw new Error(`non-2xx responses:\n${text}`);
    return Number(text.match(/Requests\/sec:\s+([\d.]+)/)![1]);
  };

  const servers = { bare: await start("bare"), tool: await start("tool") };
  const best: Record<string, number> = {};
  try {
    for (const c of ["GET /hello", "POST /items"]) {
      const [method, path] = c.split(" ");
      for (let i = 0; i < rounds; i++) {
        for (const kind of ["bare", "tool"] as const) {
          // warm-up, then measure
          await wrk(`http://127.0.0.1:${servers[kind].port}${path}`, method === "POST");
          const rps = await wrk(`http://127.0.0.1:${servers[kind].port}${path}`, method === "POST");
          const key = `${c} ${kind}`;
          best[key] = Math.max(best[key] ?? 0, rps);
        }
      }
      const bare = best[`${c} bare`];
      const tool = best[`${c} tool`];
      console.log(
        `${c.padEnd(12)} bare ${bare.toFixed(0).padStart(7)} req/s  tool ${
          tool.toFixed(0).padStart(7)
        } req/s  ratio ${(tool / bare).toFixed(3)}`,
      );
    }
  } finally {
    for (const s of Object.values(servers)) {
      s.child.kill("SIGTERM");
      await s.child.status;
    }
    await Deno.remove(script);
  }
}
