import { equal, match, ok } from "node:assert/strict";
import { type App, copyProject, json, startApp, until } from "./harness.ts";

/** A plugin answering `GET <path>` with `{ v, tag }`, `tag` coming from a shared model. */
const greeter = (path: string, v: string) =>
  `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";
import { tag } from "../models/tag.ts";

export default class extends BasePlugin {
  constructor(private http: Http) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("${path}", "GET", () => ({ success: true, data: { v: "${v}", tag } }));
  }
}
`;

/** A subscriber counting `ping` events in the state tool; `rev` makes each version distinct. */
const counter = (rev: number) =>
  `import { BasePlugin } from "@core";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { State } from "@tools/state/mod.ts";

// revision ${rev}
export default class extends BasePlugin {
  constructor(private event_bus: EventBus, private state: State) {
    super();
  }
  override onBoot() {
    this.event_bus.subscribe("e2e.ping", async () => {
      await this.state.increment("pings");
    });
  }
}
`;

const pinger = `import { BasePlugin } from "@core";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http } from "@tools/http/mod.ts";
import type { State } from "@tools/state/mod.ts";

export default class extends BasePlugin {
  constructor(private http: Http, private event_bus: EventBus, private state: State) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/e2e/ping", "POST", () => {
      this.event_bus.publish("e2e.ping", {});
      return { success: true };
    });
    this.http.addEndpoint("/e2e/pings", "GET", async () => ({
      success: true,
      data: { pings: (await this.state.get("pings")) ?? 0 },
    }));
  }
}
`;

const boom = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

export default class extends BasePlugin {
  constructor(private http: Http) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/e2e/boom", "GET", () => {
      throw new Error("kaboom");
    });
  }
}
`;

const notesPlugin = `import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { Http } from "@tools/http/mod.ts";

export default class extends BasePlugin {
  constructor(private http: Http, private db: Db) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/notes", "GET", async () => ({
      success: true,
      data: await this.db.query("SELECT body FROM notes ORDER BY id"),
    }));
  }
}
`;

async function body(app: App, path: string): Promise<Record<string, unknown> | undefined> {
  const res = await app.get(path);
  if (res.status !== 200) {
    await res.body?.cancel();
    return undefined;
  }
  return (await json(res)).data as Record<string, unknown>;
}

async function pluginState(app: App, id: string) {
  const s = (await json(await app.get("/system/status"))).data as {
    entries: { id: string; state: string; error?: { file?: string; line?: number } }[];
  };
  return s.entries.find((e) => e.id === id);
}

Deno.test({
  name: "e2e dev: drop, edit, edit a model, break, fix, delete, rename-saves, exactly-once events",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const d = `${dir}/domains/e2e`;
    await Deno.mkdir(`${d}/models`, { recursive: true });
    await Deno.mkdir(`${d}/plugins`, { recursive: true });
    await Deno.writeTextFile(`${d}/models/tag.ts`, `export const tag = "t1";\n`);
    // The domain declares what it publishes (dev refuses an undeclared event).
    await Deno.writeTextFile(
      `${d}/events.ts`,
      `import { z } from "zod";\nimport { defineContract } from "@tools/event_bus/mod.ts";\n` +
        `export default defineContract({ publishes: { "e2e.ping": z.object({}) } });\n`,
    );
    await Deno.writeTextFile(`${d}/plugins/pinger.ts`, pinger);
    await Deno.writeTextFile(`${d}/plugins/counter.ts`, counter(0));
    const app = await startApp("dev", dir);
    const log = () => app.lines.join("\n");
    try {
      // drop a new plugin
      await Deno.writeTextFile(`${d}/plugins/hello.ts`, greeter("/e2e/hello", "v1"));
      await until(
        "the dropped plugin answers",
        async () => (await body(app, "/e2e/hello"))?.v === "v1",
      );

      // edit it
      await Deno.writeTextFile(`${d}/plugins/hello.ts`, greeter("/e2e/hello", "v2"));
      await until("the edit is live", async () => (await body(app, "/e2e/hello"))?.v === "v2");

      // edit the model it imports: every dependant reloads with the new value
      await Deno.writeTextFile(`${d}/plugins/other.ts`, greeter("/e2e/other", "o1"));
      await until("second dependant", async () => (await body(app, "/e2e/other"))?.tag === "t1");
      await Deno.writeTextFile(`${d}/models/tag.ts`, `export const tag = "t2";\n`);
      await until(
        "model edit reaches hello",
        async () => (await body(app, "/e2e/hello"))?.tag === "t2",
      );
      await until(
        "model edit reaches other",
        async () => (await body(app, "/e2e/other"))?.tag === "t2",
      );

      // break the syntax: the old version keeps answering, status shows the error
      await Deno.writeTextFile(`${d}/plugins/hello.ts`, "export default class {\n  oops(\n");
      await until(
        "status shows the error",
        async () => (await pluginState(app, "e2e/hello"))?.state === "stale",
      );
      const stale = await pluginState(app, "e2e/hello");
      equal(stale?.error?.file, "domains/e2e/plugins/hello.ts");
      equal((await body(app, "/e2e/hello"))?.v, "v2", "the old version still answers");

      // fix it
      await Deno.writeTextFile(`${d}/plugins/hello.ts`, greeter("/e2e/hello", "v3"));
      await until("the fix recovers", async () => (await body(app, "/e2e/hello"))?.v === "v3");
      equal((await pluginState(app, "e2e/hello"))?.state, "ready");

      // editor-style saves: write a temp file, rename it over the plugin, every time
      for (let i = 4; i <= 8; i++) {
        await Deno.writeTextFile(`${d}/plugins/.hello.ts.swp${i}`, greeter("/e2e/hello", `v${i}`));
        await Deno.rename(`${d}/plugins/.hello.ts.swp${i}`, `${d}/plugins/hello.ts`);
        await until(
          `rename-save v${i}`,
          async () => (await body(app, "/e2e/hello"))?.v === `v${i}`,
        );
      }

      // delete: 404
      await Deno.remove(`${d}/plugins/hello.ts`);
      await until("deleted → 404", async () => {
        const res = await app.get("/e2e/hello");
        await res.body?.cancel();
        return res.status === 404;
      });
      equal(await pluginState(app, "e2e/hello"), undefined);

      // a handler that throws: a clean 500 for the client, the user's file and line in the log
      await Deno.writeTextFile(`${d}/plugins/boom.ts`, boom);
      await until("the throwing plugin is live", async () => {
        const res = await app.get("/e2e/boom");
        await res.body?.cancel();
        return res.status === 500;
      });
      const crash = await app.waitForLine(/GET \/e2e\/boom failed in e2e\/boom/);
      match(crash, /\(domains\/e2e\/plugins\/boom\.ts:10:\d+\)/);
      ok(
        !app.lines.some((l) => l.includes("boom") && l.includes(".microcore/hmr")),
        "no copy paths",
      );

      // a new domain folder with a migration: migrations applied, plugins loaded
      await Deno.mkdir(`${dir}/domains/notes/migrations`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/domains/notes/migrations/001_notes.sql`,
        // Portable SQL: the same file runs on SQLite and PostgreSQL (e2e/postgres_test.ts).
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n" +
          "INSERT INTO notes (id, body) VALUES (1, 'hello');\n",
      );
      await Deno.mkdir(`${dir}/domains/notes/plugins`, { recursive: true });
      await Deno.writeTextFile(`${dir}/domains/notes/plugins/list_notes.ts`, notesPlugin);
      await until("the new domain answers from its migrated table", async () => {
        const notes = (await body(app, "/notes")) as { body: string }[] | undefined;
        return notes?.[0]?.body === "hello";
      });

      // a subscriber reloaded 10 times handles one event exactly once
      for (let rev = 1; rev <= 10; rev++) {
        const from = app.lines.length;
        await Deno.writeTextFile(`${d}/plugins/counter.ts`, counter(rev));
        await app.waitForLine(/reloaded e2e\/counter/, 10_000, from);
      }
      const ping = await app.send("POST", "/e2e/ping");
      equal(ping.status, 200);
      await ping.body?.cancel();
      await until(
        "the event was handled",
        async () => (await body(app, "/e2e/pings"))?.pings === 1,
      );
      await new Promise((r) => setTimeout(r, 100));
      equal((await body(app, "/e2e/pings"))?.pings, 1, "handled exactly once");
    } finally {
      const code = await app.stop();
      equal(code, 0, log());
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "e2e dev: under load, 30 reloads of the plugin being hit give no error and no 404",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const d = `${dir}/domains/load`;
    await Deno.mkdir(`${d}/models`, { recursive: true });
    await Deno.writeTextFile(`${d}/models/tag.ts`, `export const tag = "x";\n`);
    await Deno.mkdir(`${d}/plugins`, { recursive: true });
    await Deno.writeTextFile(`${d}/plugins/hot.ts`, greeter("/load/hot", "0"));
    const app = await startApp("dev", dir);
    const counts = { ok: 0, bad: 0, errors: 0 };
    let running = true;
    const worker = async () => {
      while (running) {
        try {
          const res = await fetch(`${app.url}/load/hot`);
          await res.body?.cancel();
          res.status === 200 ? counts.ok++ : counts.bad++;
        } catch {
          counts.errors++;
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    try {
      for (let i = 1; i <= 30; i++) {
        await Deno.writeTextFile(`${d}/plugins/hot.ts`, greeter("/load/hot", String(i)));
        await until(`reload ${i}`, async () => (await body(app, "/load/hot"))?.v === String(i));
      }
    } finally {
      running = false;
      await Promise.all(workers);
      const code = await app.stop();
      await Deno.remove(dir, { recursive: true });
      equal(code, 0);
    }
    ok(counts.ok > 100, `requests served: ${counts.ok}`);
    equal(counts.bad, 0, "no non-2xx during reloads");
    equal(counts.errors, 0, "no connection errors during reloads");
  },
});

Deno.test({
  name: "e2e dev: a change under tools/ restarts the process, which serves again",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    const app = await startApp("dev", dir);
    try {
      const from = app.lines.length;
      const file = `${dir}/tools/config/mod.ts`;
      await Deno.writeTextFile(file, (await Deno.readTextFile(file)) + "\n// touched\n");
      await app.waitForLine(/restarting the process: tools\/config\/mod\.ts changed/, 10_000, from);
      const again = await app.waitForLine(/listening on http:\/\/[^\s:]+:(\d+)/, 20_000, from);
      const port = /:(\d+)/.exec(again.slice(again.indexOf("listening on")))![1];
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      equal(res.status, 200);
      await res.body?.cancel();
    } finally {
      equal(await app.stop(), 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "e2e dev: a kernel change that cannot start leaves the old process serving until fixed; SIGTERM still stops it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    // A fixed port: the new process takes over the old one's (PORT=0 would pick another).
    const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (free.addr as Deno.NetAddr).port;
    free.close();
    const app = await startApp("dev", dir, { PORT: String(port) });
    try {
      let from = app.lines.length;
      // A syntax error in the kernel: the new process cannot even start.
      const file = `${dir}/core/errors.ts`;
      const good = await Deno.readTextFile(file);
      await Deno.writeTextFile(file, "export function formatError( {\n");
      if (Deno.build.os === "linux") {
        // Hand-over (dev/supervisor.ts): the old process keeps serving meanwhile.
        await app.waitForLine(/the old one keeps serving\. Fix the error/, 20_000, from);
        const res = await app.get("/health");
        equal(res.status, 200);
        await res.body?.cancel();
        from = app.lines.length;
        await Deno.writeTextFile(file, good);
        await app.waitForLine(/stopped cleanly/, 30_000, from); // the old one, replaced
        await app.waitForLine(/hot reload: watching/, 30_000, from);
        const after = await app.get("/health");
        equal(after.status, 200);
        await after.body?.cancel();
      } else {
        await app.waitForLine(/save any file to restart/, 20_000, from);
      }
    } finally {
      const t0 = performance.now();
      equal(await app.stop(), 0);
      ok(performance.now() - t0 < 5_000, "the waiting supervisor exits at once");
      await Deno.remove(dir, { recursive: true });
    }
  },
});
