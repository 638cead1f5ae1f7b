/**
 * `/docs`' Authorize button in a real browser: headless Chromium driven over the DevTools
 * protocol. Opt-in (`DOCS_BROWSER=1`, and `chromium` on PATH, e.g. `apt-get install -y chromium`):
 * a browser is too heavy for every CI run.
 *
 * The page calls a protected route before Authorize (401), after pasting a token (200), and
 * after a reload (200: `persistAuthorization`); the server sees `Authorization: Bearer …`.
 * @module
 */
import assert from "node:assert/strict";
import type { ToolContext } from "@core";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import AuthTool from "@tools/auth/mod.ts";
import HttpTool from "@tools/http/mod.ts";

const ENABLED = Deno.env.get("DOCS_BROWSER") === "1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A minimal DevTools-protocol client over the page's WebSocket. */
async function devtools(port: number) {
  let targets: { type: string; webSocketDebuggerUrl: string }[] = [];
  for (let i = 0; i < 100 && !targets.length; i++) {
    try {
      targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    } catch {
      await sleep(100);
    }
  }
  const page = targets.find((t) => t.type === "page");
  assert.ok(page, "chromium exposed no page");
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((r) => ws.onopen = r);
  let id = 0;
  const pending = new Map<number, (m: { result?: { result?: { value?: unknown } } }) => void>();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id) pending.get(m.id)?.(m);
  };
  const send = (method: string, params = {}) =>
    new Promise<{ result?: { result?: { value?: unknown } } }>((r) => {
      pending.set(++id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  const ev = async (expression: string) =>
    (await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }))
      .result?.result?.value;
  const waitFor = async (selector: string) => {
    for (let i = 0; i < 100; i++) {
      if (await ev(`!!document.querySelector(${JSON.stringify(selector)})`)) return;
      await sleep(100);
    }
    throw new Error(`no ${selector} in the page`);
  };
  return { send, ev, waitFor, close: () => ws.close() };
}

Deno.test({
  name:
    "/docs in Chromium: Authorize with a token makes 'Try it out' send it, and it survives a reload",
  ignore: !ENABLED,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const http = new HttpTool();
    const ctx = standaloneContext({
      env: { AUTH_JWT_SECRET: "docs-browser-test-secret-0123456789" },
    });
    http.setup(ctx);
    const auth = new AuthTool({ fastPasswords: true });
    const withHttp: ToolContext = {
      ...ctx,
      tool: <T>(n: string) => (n === "http" ? http as T : undefined),
    };
    await auth.setup(withHttp);
    const owner = { id: "shop/me", generation: 1, domain: "shop" };
    const seen: (string | null)[] = [];
    http.forOwner(owner).addEndpoint("/me", "GET", (_d, c) => {
      seen.push(c.headers.get("authorization"));
      return { success: true, data: c.auth.sub };
    }, { auth: true, summary: "who am I" });
    http.activate(owner);
    const url = await http.listen({ hostname: "127.0.0.1", port: 0 });
    const token = await auth.auth.sign({ sub: "docs-user" });

    const profile = await Deno.makeTempDir();
    const port = 9300 + Math.floor(Math.random() * 500);
    const chrome = new Deno.Command("chromium", {
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        `--remote-debugging-port=${port}`,
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const page = await devtools(port);
    const shown = () =>
      page.ev("document.querySelector('.live-responses-table .microlight')?.innerText ?? ''");
    /** Click Execute and read the answer shown (it must differ from what was shown before). */
    const answer = async () => {
      await page.waitFor(".opblock-summary-control");
      if (!(await page.ev("!!document.querySelector('.try-out__btn')"))) {
        await page.ev("document.querySelector('.opblock-summary-control').click()");
      }
      await page.waitFor(".try-out__btn");
      await page.ev(
        "document.querySelector('.try-out__btn').innerText.trim() === 'Try it out' && " +
          "document.querySelector('.try-out__btn').click()",
      );
      await page.waitFor(".execute");
      const before = await shown();
      await page.ev("document.querySelector('.execute').click()");
      for (let i = 0; i < 100; i++) {
        const now = String(await shown());
        if (now && now !== before) return JSON.parse(now);
        await sleep(100);
      }
      throw new Error(`no new answer in the page (still ${before})`);
    };
    try {
      await page.send("Page.navigate", { url: `${url}/docs` });
      await page.waitFor(".btn.authorize");
      assert.deepEqual(await answer(), { success: false, error: "missing token" });

      await page.ev("document.querySelector('.btn.authorize').click()");
      await page.waitFor(".modal-ux-content input");
      await page.ev(`(() => {
        const input = document.querySelector('.modal-ux-content input');
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set
          .call(input, ${JSON.stringify(token)});
        input.dispatchEvent(new Event('input', { bubbles: true }));
      })()`);
      const click = (label: string) =>
        page.ev(
          `[...document.querySelectorAll('.modal-ux-content button')]` +
            `.find((b) => b.innerText.trim() === '${label}').click()`,
        );
      await click("Authorize");
      await sleep(200);
      await click("Close");
      assert.deepEqual(await answer(), { success: true, data: "docs-user" });

      await page.send("Page.reload");
      await page.waitFor(".btn.authorize");
      await sleep(300);
      assert.match(
        String(await page.ev("document.querySelector('.btn.authorize').className")),
        /locked/,
      );
      assert.deepEqual(await answer(), { success: true, data: "docs-user" });
      assert.deepEqual(seen, [`Bearer ${token}`, `Bearer ${token}`]);
    } finally {
      page.close();
      chrome.kill();
      await chrome.status;
      await http.shutdown();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
