/**
 * TLS (`rediss://`) and AUTH (password, ACL user) against a Redis server of the test's own: a
 * `redis-server` started on free ports with a certificate made by `openssl` for the test, a
 * password and an ACL user. The machine's Redis is not touched. Skipped when `redis-server`
 * (built with TLS) or `openssl` is missing.
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "@redis/client";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { TcpProxy } from "@microcore/testing/tcp_proxy.ts";
import { StateTool } from "./tool.ts";

const PASSWORD = "s3cret+/ü";
const ALICE = "al1ce-pw";

async function has(cmd: string, ...args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const available = await has("openssl", "version") && await has("redis-server", "--version");

interface Server {
  dir: string;
  plain: number;
  tls: number;
  ca: string;
  proc: Deno.ChildProcess;
}

async function startServer(): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "mc-redis-tls-" });
  const cert = await new Deno.Command("openssl", {
    args: ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
      .concat(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
      .concat(["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`]),
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!cert.success) throw new Error(`openssl: ${new TextDecoder().decode(cert.stderr)}`);
  const plain = freePort(), tls = freePort();
  const proc = new Deno.Command("redis-server", {
    args: ["--port", String(plain), "--tls-port", String(tls), "--bind", "127.0.0.1"]
      .concat(["--tls-cert-file", `${dir}/cert.pem`, "--tls-key-file", `${dir}/key.pem`])
      .concat(["--tls-ca-cert-file", `${dir}/cert.pem`, "--tls-auth-clients", "no"])
      .concat([
        "--requirepass",
        PASSWORD,
        "--user",
        "alice",
        "on",
        `>${ALICE}`,
        "~*",
        "&*",
        "+@all",
      ])
      .concat(["--save", "", "--appendonly", "no", "--dir", dir]),
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port: tls })).close();
      return { dir, plain, tls, ca: `${dir}/cert.pem`, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  proc.kill();
  await proc.status;
  throw new Error("redis-server with TLS did not start (built without TLS?)");
}

async function setup(env: Record<string, string>) {
  const tool = new StateTool();
  await tool.setup(standaloneContext({ env: { STATE_DRIVER: "redis", ...env } }));
  return tool;
}

describe("state, redis over TLS and with AUTH", { skip: !available }, () => {
  let s: Server;
  before(async () => s = await startServer());
  after(async () => {
    s.proc.kill();
    await s.proc.status;
    await Deno.remove(s.dir, { recursive: true });
  });
  const pw = encodeURIComponent(PASSWORD);

  it("rediss:// with the password and REDIS_TLS_CA (a file) works", async () => {
    const tool = await setup({
      REDIS_URL: `rediss://:${pw}@127.0.0.1:${s.tls}/2`,
      REDIS_TLS_CA: s.ca,
    });
    try {
      assert.equal(tool.driver.health?.state, "ready");
      await tool.store.set("k", { over: "tls" }, { ttlMs: 60_000 });
      assert.deepEqual(await tool.store.get("k"), { over: "tls" });
      assert.equal(await tool.store.increment("n"), 1);
    } finally {
      await tool.shutdown();
    }
  });

  it("REDIS_TLS_CA may hold the PEM itself; an ACL user signs in by name", async () => {
    const tool = await setup({
      REDIS_URL: `rediss://alice:${ALICE}@localhost:${s.tls}`,
      REDIS_TLS_CA: await Deno.readTextFile(s.ca),
    });
    try {
      await tool.store.set("k", 1);
      assert.equal(await tool.store.get("k"), 1);
    } finally {
      await tool.shutdown();
    }
  });

  it("an untrusted certificate fails setup, saying to set REDIS_TLS_CA", async () => {
    await assert.rejects(
      setup({ REDIS_URL: `rediss://:${pw}@127.0.0.1:${s.tls}` }),
      (e: Error) => {
        assert.match(e.message, /Redis at 127\.0\.0\.1:\d+ .*refused the connection/);
        assert.match(e.message, /TLS certificate not trusted .*REDIS_TLS_CA/);
        assert.ok(!e.message.includes(pw) && !e.message.includes(PASSWORD), e.message);
        return true;
      },
    );
  });

  it("a wrong or missing password fails setup, naming the URL without the password", async () => {
    for (const url of [`redis://:wrong@127.0.0.1:${s.plain}`, `redis://127.0.0.1:${s.plain}`]) {
      await assert.rejects(setup({ REDIS_URL: url }), (e: Error) => {
        assert.match(e.message, /credentials refused \((WRONGPASS|NOAUTH)/);
        assert.match(e.message, /check the user and password in REDIS_URL/);
        assert.ok(!e.message.includes("wrong"), e.message);
        return true;
      });
    }
  });

  it("redis:// with the password on the plain port works too", async () => {
    const tool = await setup({ REDIS_URL: `redis://:${pw}@127.0.0.1:${s.plain}` });
    try {
      await tool.store.set("k", 1);
      assert.equal(await tool.store.get("k"), 1);
    } finally {
      await tool.shutdown();
    }
  });

  it("credentials refused after boot are retried: fixed on the server, it connects", async () => {
    await using proxy = await TcpProxy.start({ port: s.plain });
    proxy.cut(); // unreachable at boot: setup starts degraded, the refusal comes later
    const tool = await setup({ REDIS_URL: `redis://:next-pw@127.0.0.1:${proxy.port}` });
    const admin = createClient({
      socket: { host: "127.0.0.1", port: s.plain },
      password: PASSWORD,
    });
    await admin.connect();
    try {
      proxy.restore();
      const reason = () => tool.driver.health?.reason ?? "";
      for (let i = 0; i < 200 && !/credentials refused/.test(reason()); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.match(reason(), /unreachable: credentials refused \(WRONGPASS/);
      await admin.sendCommand(["CONFIG", "SET", "requirepass", "next-pw"]);
      for (let i = 0; i < 300 && tool.driver.health?.state !== "ready"; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(tool.driver.health?.state, "ready");
      await tool.store.set("k", 1);
    } finally {
      await admin.sendCommand(["CONFIG", "SET", "requirepass", PASSWORD]);
      admin.destroy();
      await tool.shutdown();
    }
  });
});
