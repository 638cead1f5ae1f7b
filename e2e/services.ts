/**
 * The real services for the production e2e tests: PostgreSQL, NATS JetStream and Redis on this
 * machine, each reached through a {@link TcpProxy} the test owns (so a test can cut it), with a
 * schema, a stream and a key prefix of the test's own, removed afterwards.
 * @module
 */
import { TcpProxy } from "@microcore/testing/tcp_proxy.ts";
import postgres from "postgres";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { PG_URL } from "./engine.ts";

/** The three proxies, and what the apps' environment needs to go through them. */
export interface Services extends AsyncDisposable {
  pg: TcpProxy;
  nats: TcpProxy;
  redis: TcpProxy;
  /** The settings of an app on these services (same schema, stream and prefix for every app). */
  env: Record<string, string>;
  /** The test's PostgreSQL schema. */
  schema: string;
  /** A query on the test's schema, straight to the server (not through the proxy). */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** Whether PostgreSQL, NATS and Redis all answer on this machine. */
export async function servicesUp(): Promise<boolean> {
  for (const port of [5432, 4222, 6379]) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    } catch {
      return false;
    }
  }
  return true;
}

/** Proxies before the machine's services, and a schema, a stream and a prefix for one test. */
export async function services(): Promise<Services> {
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 10);
  const schema = `e2e_prod_${tag}`;
  const stream = `E2E_PROD_${tag}`;
  const prefix = `e2e:prod:${tag}:`;
  const pg = await TcpProxy.start({ port: 5432 });
  const nats = await TcpProxy.start({ port: 4222 });
  const redis = await TcpProxy.start({ port: 6379 });
  const url = new URL(PG_URL);
  url.host = `127.0.0.1:${pg.port}`;
  const direct = postgres(PG_URL, { max: 2, onnotice: () => {} });
  return {
    pg,
    nats,
    redis,
    schema,
    env: {
      DB_DRIVER: "postgres",
      DATABASE_URL: url.toString(),
      DB_SCHEMA: schema,
      EVENT_BUS_DRIVER: "nats",
      NATS_URL: `nats://127.0.0.1:${nats.port}`,
      EVENT_BUS_STREAM: stream,
      STATE_DRIVER: "redis",
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      STATE_KEY_PREFIX: prefix,
    },
    sql: async <T>(text: string, params: unknown[] = []) => {
      return await direct.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
        return await tx.unsafe(text, params as never[]);
      }) as unknown as T[];
    },
    async [Symbol.asyncDispose]() {
      await Promise.all([pg.close(), nats.close(), redis.close()]);
      await direct.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await direct.end({ timeout: 1 });
      const nc = await connect({ servers: "nats://127.0.0.1:4222" });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(stream).catch(() => {});
      } finally {
        await nc.close();
      }
      await deleteRedisKeys(prefix);
    },
  };
}

/** Delete every Redis key under `prefix` (RESP over a plain socket: SCAN then DEL). */
async function deleteRedisKeys(prefix: string): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: 6379 });
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const command = async (...args: string[]): Promise<string> => {
    const parts = args.map((a) => `$${enc.encode(a).length}\r\n${a}\r\n`).join("");
    await conn.write(enc.encode(`*${args.length}\r\n${parts}`));
    const buf = new Uint8Array(1 << 20);
    const n = await conn.read(buf);
    return dec.decode(buf.subarray(0, n ?? 0));
  };
  try {
    const reply = await command("KEYS", `${prefix}*`);
    const keys = [...reply.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1]);
    if (keys.length) await command("DEL", ...keys);
  } finally {
    conn.close();
  }
}
