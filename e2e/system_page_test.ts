/**
 * The live system page in a real browser (Debian's chromium, headless, driven over the DevTools
 * protocol): it renders the tools and plugins, updates when a plugin is dropped in, and logs no
 * console error. Skipped, saying so, where chromium is missing (`apt-get install -y chromium`).
 */
import assert from "node:assert/strict";
import { BasePlugin, type Status } from "@core";
import { bootPlugin } from "@microcore/testing";
import type { Config } from "@tools/config/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import type { Http, HttpTool } from "@tools/http/mod.ts";
import type { Logger } from "@tools/logger/mod.ts";
import type { Telemetry } from "@tools/telemetry/mod.ts";
import EventsPlugin from "../domains/system/plugins/events.ts";
import LogsStreamPlugin from "../domains/system/plugins/logs_stream.ts";
import MetricsPlugin from "../domains/system/plugins/metrics.ts";
import SystemPagePlugin from "../domains/system/plugins/page.ts";
import StatusPlugin from "../domains/system/plugins/status.ts";

/** The /system endpoints the page reads, under one test plugin. */
class Console extends BasePlugin {
  static override publishes = ["console.opened"];
  constructor(
    private http: Http,
    private status: Status,
    private config: Config,
    private telemetry: Telemetry,
    private logger: Logger,
    private event_bus: EventBus,
  ) {
    super();
  }
  override async onBoot() {
    new StatusPlugin(this.http, this.status, this.config).onBoot();
    new EventsPlugin(this.http, this.status, this.config).onBoot();
    new MetricsPlugin(this.http, this.telemetry, this.config).onBoot();
    new LogsStreamPlugin(this.http, this.logger, this.config).onBoot();
    await new SystemPagePlugin(this.http, this.config).onBoot();
    this.event_bus.subscribe("late.arrived", () => {});
  }
}

/** The plugin dropped in while the page is open. */
class Late extends BasePlugin {
  static override publishes = ["late.arrived"];
  constructor(private logger: Logger) {
    super();
  }
  override onBoot() {
    this.logger.warn("late plugin booted");
  }
}

const chromium = ["chromium", "chromium-browser", "google-chrome"].find((c) => {
  try {
    return new Deno.Command(c, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
});

/** A minimal DevTools protocol client over the page's WebSocket. */
class Cdp {
  #id = 0;
  #pending = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
  readonly events: { method: string; params: Record<string, unknown> }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.id) this.#pending.get(msg.id)?.(msg);
      else this.events.push(msg);
    };
  }
  static async open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise((ok, no) => (ws.onopen = ok, ws.onerror = no));
    return new Cdp(ws);
  }
  async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.#id;
    const r = await new Promise<{ result?: unknown; error?: unknown }>((done) => {
      this.#pending.set(id, done);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
    if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result;
  }
  async eval<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true }) as {
      result: { value: T };
    };
    return r.result.value;
  }
  async until(expression: string, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await this.eval<boolean>(expression))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

Deno.test({
  name: "GET /system in headless chromium: renders, shows a plugin dropped in, no console error",
  ignore: !chromium,
  async fn() {
    await using t = await bootPlugin(Console, { id: "shop/console", domains: [] });
    const url = await (t.kernel.tools.get("http") as unknown as HttpTool).listen({
      hostname: "127.0.0.1",
      port: 0,
    });
    const profile = await Deno.makeTempDir();
    const browser = new Deno.Command(chromium!, {
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const cdp = { current: undefined as Cdp | undefined };
    try {
      // Chromium prints "DevTools listening on ws://127.0.0.1:<port>/devtools/browser/<id>".
      const reader = browser.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!/DevTools listening on ws:\/\/[^\s]+/.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`chromium exited: ${text}`);
        text += value;
      }
      void (async () => { // keep draining its output
        while (!(await reader.read()).done) { /* ignore */ }
      })().catch(() => {});
      const port = new URL(/DevTools listening on (ws:\/\/[^\s]+)/.exec(text)![1]).port;
      const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
        type: string;
        webSocketDebuggerUrl: string;
      }[];
      const page = cdp.current = await Cdp.open(
        targets.find((x) => x.type === "page")!.webSocketDebuggerUrl,
      );
      await page.send("Runtime.enable");
      await page.send("Log.enable");
      await page.send("Page.enable");
      await page.send("Page.navigate", { url: `${url}/system` });
      await page.until("document.body && !!document.body.dataset.updated");
      const entries = () =>
        page.eval<string>("document.querySelector('#entries tbody').textContent");
      assert.match(await entries(), /shop\/console/);
      assert.match(await entries(), /telemetry/);
      assert.match(
        await page.eval<string>("document.querySelector('#flow svg').textContent"),
        /console\.opened/,
      );
      assert.match(
        await page.eval<string>("document.querySelector('#routes tbody').textContent"),
        /\/system\/events/,
      );

      await t.kernel.loadPlugin({
        id: "shop/late",
        domain: "shop",
        file: "e2e/system_page_test.ts",
        load: () => Promise.resolve({ default: Late }),
      });
      await page.until(
        "document.querySelector('#entries tbody').textContent.includes('shop/late')",
      );
      await page.until("document.querySelector('#flow svg').textContent.includes('late.arrived')");
      await page.until(
        "document.querySelector('#logs').textContent.includes('late plugin booted')",
      );
      const errors = page.events.filter((e) =>
        e.method === "Runtime.exceptionThrown" ||
        (e.method === "Runtime.consoleAPICalled" && e.params.type === "error") ||
        (e.method === "Log.entryAdded" &&
          (e.params.entry as { level: string }).level === "error")
      );
      assert.deepEqual(errors, [], "no console error");
    } finally {
      cdp.current?.ws.close();
      browser.kill("SIGKILL");
      await browser.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

if (!chromium) {
  console.warn("chromium not installed (apt-get install -y chromium): page test skipped");
}
