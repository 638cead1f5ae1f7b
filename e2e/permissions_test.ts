/**
 * The generated `start` permission set, end to end: the app works under it (the other e2e tests),
 * and nothing it does not declare is possible; `/system/*` answers loopback clients only, or the
 * admin token, over a real socket.
 * @module
 */
import { deepEqual, equal } from "node:assert/strict";
import { copyProject, json, startApp } from "./harness.ts";

const e2e = { sanitizeResources: false, sanitizeOps: false };

/** A plugin that tries what the app never declared, and reports what each try threw. */
const PROBE = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

export default class Probe extends BasePlugin {
  constructor(private http: Http) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/probe", "GET", async () => {
      const tries: Record<string, () => unknown> = {
        env: () => Deno.env.get("HOME"),
        connect: async () => (await Deno.connect({ hostname: "127.0.0.1", port: 6379 })).close(),
        listen: () => Deno.listen({ hostname: "127.0.0.1", port: 0 }).close(),
        write: () => Deno.writeTextFile("/tmp/microcore-probe.txt", "x"),
        writeHere: () => Deno.writeTextFile("main.ts.bak", "x"),
        run: () => new Deno.Command("true").output(),
        fetch: () => fetch("https://example.com/"),
        sys: () => Deno.hostname(),
      };
      const out: Record<string, string> = {};
      for (const [k, f] of Object.entries(tries)) {
        try {
          await f();
          out[k] = "allowed";
        } catch (e) {
          out[k] = (e as Error).name;
        }
      }
      return { success: true, data: out };
    });
  }
}
`;

/** A port free now (the app must listen on a fixed one: PORT=0 would grant its whole host). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** This machine's first non-loopback IPv4 address, if it has one. */
function outsideAddress(): string | undefined {
  return Deno.networkInterfaces().find((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    ?.address;
}

Deno.test({
  name: "e2e permissions: under the generated start set, nothing undeclared is possible",
  ...e2e,
  async fn() {
    const dir = await copyProject();
    await Deno.mkdir(`${dir}/domains/probe/plugins`, { recursive: true });
    await Deno.writeTextFile(`${dir}/domains/probe/plugins/probe.ts`, PROBE);
    const app = await startApp("start", dir, { PORT: String(freePort()) });
    try {
      const res = await app.get("/probe");
      equal(res.status, 200);
      deepEqual((await json(res)).data, {
        env: "NotCapable",
        connect: "NotCapable",
        listen: "NotCapable",
        write: "NotCapable",
        writeHere: "NotCapable",
        run: "NotCapable",
        fetch: "NotCapable",
        sys: "NotCapable",
      });
      // …while what the app declares works: its database, its routes.
      equal((await app.send("POST", "/products", { name: "tea", price: 3 })).status, 201);
    } finally {
      equal(await app.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const outside = outsideAddress();

/**
 * GET `url` from a child process allowed to reach it (the test's own set reaches loopback only):
 * the status and the JSON body.
 */
async function farGet(url: string, headers: Record<string, string> = {}) {
  const code = `const r = await fetch(${JSON.stringify(url)}, { headers: ${
    JSON.stringify(headers)
  } });
    console.log(JSON.stringify({ status: r.status, body: await r.json() }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `--allow-net=${new URL(url).host}`, code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text) as { status: number; body: { success: boolean } };
}

Deno.test({
  name: outside
    ? "e2e permissions: /system/status answers loopback clients, 403 elsewhere; the token anywhere"
    : "e2e permissions: /system/* from outside SKIPPED (no non-loopback IPv4 interface)",
  ignore: !outside,
  ...e2e,
  async fn() {
    const token = "e2e-admin-token-0123456789abcdef0123";
    const dir = await copyProject();
    const port = freePort();
    const app = await startApp("start", dir, { HOST: "0.0.0.0", PORT: String(port) });
    try {
      const far = `http://${outside}:${port}`;
      const local = await app.get("/system/status");
      equal(local.status, 200);
      await local.body?.cancel();
      const denied = await farGet(`${far}/system/status`);
      equal(denied.status, 403);
      equal(denied.body.success, false);
      equal((await farGet(`${far}/health`)).status, 200, "probes stay public");
      equal((await farGet(`${far}/health/ready`)).status, 200);
    } finally {
      equal(await app.stop(), 0);
    }
    const guarded = await startApp("start", dir, {
      HOST: "0.0.0.0",
      PORT: String(port),
      SYSTEM_ADMIN_TOKEN: token,
    });
    try {
      const far = `http://${outside}:${port}`;
      const none = await guarded.get("/system/status");
      equal(none.status, 401, "loopback is not enough once a token is set");
      await none.body?.cancel();
      const ok = await farGet(`${far}/system/status`, { authorization: `Bearer ${token}` });
      equal(ok.status, 200);
      equal(ok.body.success, true);
      equal((await farGet(`${far}/system/status`)).status, 401);
    } finally {
      equal(await guarded.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
