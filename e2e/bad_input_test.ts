/**
 * The bad-input probe of issue 16 as a table over a real socket, against the example app run as
 * `deno task start` (on SQLite here, on PostgreSQL through e2e/postgres_test.ts). Every row: the
 * status, a JSON envelope that names no internals (no stack, file, driver or error class), the
 * security headers, and the data unchanged after it. A probe plugin added to the app's copy
 * passes request input to `setCookie` and mounts a static folder.
 * @module
 */
import { deepEqual, doesNotMatch, equal, match, ok } from "node:assert/strict";
import { copyProject, json, startApp } from "./harness.ts";

const ORIGIN = "https://app.example";

/** A plugin that hands request input to setCookie, and a static mount. */
const PROBE = `import { BasePlugin } from "@core";
import type { Http } from "@tools/http/mod.ts";

export default class ProbePlugin extends BasePlugin {
  constructor(private http: Http) {
    super();
  }
  override onBoot() {
    this.http.addEndpoint("/probe/cookie", "GET", (data, ctx) => {
      ctx.setCookie("session", "v", { path: String(data.path ?? "/") });
      return { success: true };
    });
    this.http.serveStatic("/probe/files", "domains/probe/public");
  }
}
`;

/** What a row got back. */
interface Got {
  status: number;
  headers: Headers;
  text: string;
}

/** One request of the table: through `fetch`, or raw bytes on a socket. */
interface Row {
  name: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  /** Raw request text (sent as is, then read to EOF). */
  raw?: string;
  /** Half-close the socket after sending `raw`. */
  halfClose?: boolean;
  status: number;
  /** The envelope's `error` (exact string or pattern); unset for a success. */
  error?: string | RegExp;
  /** Answered (or closed, status 0) by the HTTP parser before the app: no envelope, no headers. */
  parser?: boolean;
  /** Not JSON (a static file). */
  notJson?: boolean;
  check?: (got: Got) => void;
}

/** Markers of internals that must never reach a client. */
const INTERNALS =
  /\bat [\w.<>]+ \(|file:\/\/|\.ts:\d+|BadResource|TypeError|SyntaxError|RangeError|stack|SQLITE|postgres|ECONN|node:|ext:/i;

const json16 = (v: unknown) => JSON.stringify(v);
const jsonHeaders = { "content-type": "application/json" };

function rows(id: number): Row[] {
  const pad = "x".repeat(100_000);
  const post = (path: string, body: string) =>
    `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
    `content-length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;
  const form = new FormData();
  form.append("constructor", "x");
  form.append("name", "formed");
  form.append("price", "1");
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  return [
    // lookups by request-controlled keys
    ...["constructor", "toString", "valueOf", "__proto__"].map((n): Row => ({
      name: `docs asset ${n}`,
      path: `/docs/${n}`,
      status: 404,
      error: "Not found",
    })),
    {
      name: "query keys named like Object.prototype members",
      path: "/products?constructor=x&toString=y&valueOf=z",
      status: 200,
    },
    {
      name: "form fields named like Object.prototype members",
      method: "POST",
      path: "/products",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "constructor=x&toString=y&name=formed&price=1",
      status: 400,
      error: "Invalid request: body.price",
    },
    {
      name: "multipart field named constructor",
      method: "POST",
      path: "/products",
      body: form,
      status: 400,
      error: "Invalid request: body.price",
    },
    // content types
    ...["text/notjson", "application/jsonx", "text/plain"].map((t): Row => ({
      name: `content-type ${t}`,
      method: "POST",
      path: "/products",
      headers: { "content-type": t },
      body: json16({ name: "typed", price: 1 }),
      status: 415,
      error: `Unsupported content type "${t}": send application/json or a form`,
    })),
    // NUL characters, refused on every engine before they reach it
    ...["dupe\u0000A", "dupe\u0000B"].map((name): Row => ({
      name: `NUL in a body string (${json16(name)})`,
      method: "POST",
      path: "/products",
      headers: jsonHeaders,
      body: json16({ name, price: 1 }),
      status: 400,
      error: "Invalid request: body.name",
      check: async (got) => {
        deepEqual(JSON.parse(got.text).details, [{
          in: "body",
          field: "name",
          message: "must not contain a NUL character (U+0000)",
        }]);
        await Promise.resolve();
      },
    })),
    {
      name: "NUL in a PATCH body",
      method: "PATCH",
      path: `/products/${id}`,
      headers: jsonHeaders,
      body: json16({ name: "x\u0000y" }),
      status: 400,
      error: "Invalid request: body.name",
    },
    {
      name: "NUL in a path param",
      path: `/products/${id}%00`,
      status: 400,
      error: "Invalid request: params.id",
    },
    {
      name: "NUL in a query value",
      path: "/products?limit=1%00",
      status: 400,
      error: "Invalid request: query.limit",
    },
    // the usual suspects
    {
      name: "body over the limit",
      method: "POST",
      path: "/products",
      headers: jsonHeaders,
      body: json16({ name: "big", price: 1, pad: "x".repeat(1_100_000) }),
      status: 413,
      error: "Request body larger than 1048576 bytes",
    },
    {
      name: "deeply nested JSON",
      method: "POST",
      path: "/products",
      headers: jsonHeaders,
      body: `{"name":${deep},"price":1}`,
      status: 400,
      error: "JSON body nested deeper than 64 levels",
    },
    {
      name: "malformed JSON",
      method: "POST",
      path: "/products",
      headers: jsonHeaders,
      body: '{"name":',
      status: 400,
      error: "Malformed JSON body",
    },
    {
      name: "JSON that is not an object",
      method: "POST",
      path: "/products",
      headers: jsonHeaders,
      body: "[1]",
      status: 400,
      error: "JSON body must be an object",
    },
    {
      name: "duplicate JSON keys (the last wins, and is validated)",
      method: "POST",
      path: "/products",
      headers: jsonHeaders,
      body: '{"name":"dup","price":1,"price":-5}',
      status: 400,
      error: "Invalid request: body.price",
    },
    {
      name: "duplicate query params",
      path: "/products?limit=1&limit=2",
      status: 400,
      error: "Invalid request: query.limit",
    },
    {
      name: "wrong method",
      method: "DELETE",
      path: "/products",
      status: 405,
      error: "Method DELETE not allowed on /products",
      check: (got) => equal(got.headers.get("allow"), "GET, POST"),
    },
    {
      name: "wrong method on a fixed route",
      method: "PUT",
      path: "/health",
      status: 405,
      error: "Method PUT not allowed on /health",
    },
    {
      name: "bad percent-encoding in a path param",
      path: "/products/%E0%A4%A",
      status: 400,
      error: "Invalid request: params.id",
    },
    {
      name: "bad percent-encoding in the query",
      path: "/products?limit=%ZZ",
      status: 400,
      error: "Invalid request: query.limit",
    },
    { name: "bad percent-encoding, no route", path: "/%ZZ/%", status: 404, error: /^No route/ },
    {
      name: "content-length not a number",
      raw: "POST /products HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
        'content-length: abc\r\nconnection: close\r\n\r\n{"name":"cl","price":1}',
      status: 400,
      parser: true,
    },
    {
      name: "two different content-lengths",
      raw: "POST /products HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
        'content-length: 22\r\ncontent-length: 5\r\nconnection: close\r\n\r\n{"name":"cl","price":1}',
      status: 400,
      parser: true,
    },
    {
      name: "200 request headers",
      raw: "GET /health HTTP/1.1\r\nhost: x\r\n" +
        Array.from({ length: 200 }, (_, i) => `x-h${i}: 1\r\n`).join("") +
        "connection: close\r\n\r\n",
      status: 400,
      parser: true,
    },
    {
      name: "a method that is not a token",
      raw: "G@T /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
      status: 400,
      parser: true,
    },
    {
      name: "a 100 kB URL (the parser closes the connection without an answer)",
      raw: `GET /products?${"a".repeat(100_000)} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`,
      status: 0,
      parser: true,
    },
    {
      name: "content-length larger than the body, then the client half-closes",
      raw: "POST /products HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
        `content-length: 5000\r\n\r\n${json16({ name: "short", price: 1 })}`,
      halfClose: true,
      status: 400,
      error: "Request body could not be read: the client closed the connection",
    },
    {
      // Deno drops a body it had not read when the client half-closes: the app either read it
      // in time (the body is invalid: a 400 naming the field) or could not (a 400 saying so).
      name: "half-closed after a complete body",
      raw: post("/products", json16({ name: "half", price: -1, pad })),
      halfClose: true,
      status: 400,
      error:
        /^(Invalid request: body\.price|Request body could not be read: the client closed the connection)$/,
    },
    // setCookie with request input: the handler's bug is a 500 without internals, no header
    ...["/;Domain=evil.example", "/\r\nX-Evil: 1"].map((p): Row => ({
      name: `setCookie path ${json16(p)}`,
      path: `/probe/cookie?path=${encodeURIComponent(p)}`,
      status: 500,
      error: "Internal server error",
      check: (got) => {
        equal(got.headers.get("set-cookie"), null);
        equal(got.headers.get("x-evil"), null);
      },
    })),
    {
      name: "setCookie with a plain path (the twin)",
      path: "/probe/cookie?path=/app",
      status: 200,
      check: (got) =>
        equal(
          got.headers.get("set-cookie"),
          "session=v; Path=/app; HttpOnly; Secure; SameSite=Lax",
        ),
    },
    // static files: an allow-list of extensions plus .well-known/
    ...["/probe/files/dump.sql", "/probe/files/.env", "/probe/files/%2e%2e/plugins/probe.ts"].map(
      // (fetch resolves the `..`, so the last one misses the mount)
      (path): Row => ({
        name: `static ${path}`,
        path,
        status: 404,
        error: /^(Not found|No route)/,
      }),
    ),
    {
      name: "static .well-known/",
      path: "/probe/files/.well-known/security.txt",
      status: 200,
      notJson: true,
      check: (got) => equal(got.text, "Contact: mailto:security@example.com\n"),
    },
    // CORS
    {
      name: "CORS allowed origin",
      path: "/health",
      headers: { origin: ORIGIN },
      status: 200,
      check: (got) => {
        equal(got.headers.get("vary"), "Origin");
        equal(got.headers.get("access-control-allow-origin"), ORIGIN);
      },
    },
    {
      name: "CORS refused origin",
      path: "/health",
      headers: { origin: "https://evil.example" },
      status: 200,
      check: (got) => {
        equal(got.headers.get("vary"), "Origin");
        equal(got.headers.get("access-control-allow-origin"), null);
      },
    },
    {
      name: "CORS preflight asking for any header",
      method: "OPTIONS",
      path: "/products",
      headers: {
        origin: ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-evil",
      },
      status: 204,
      notJson: true,
      check: (got) => {
        equal(
          got.headers.get("access-control-allow-headers"),
          "content-type, authorization, x-requested-with",
        );
        equal(got.headers.get("vary"), "Origin");
      },
    },
    {
      name: "CORS preflight from a refused origin",
      method: "OPTIONS",
      path: "/products",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      status: 403,
      error: "CORS: origin not allowed",
      check: (got) => equal(got.headers.get("access-control-allow-origin"), null),
    },
  ];
}

/** Send raw bytes, optionally half-close, read the answer to EOF. */
async function rawRequest(url: string, text: string, halfClose: boolean): Promise<Got> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  let all = "";
  try {
    await conn.write(new TextEncoder().encode(text));
    if (halfClose) await conn.closeWrite();
    all = await new Response(conn.readable).text();
  } catch (e) {
    // Reset by the server's parser: no answer at all (status 0).
    if (!(e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe)) throw e;
    try {
      conn.close();
    } catch { /* already closed */ }
  }
  if (!all) return { status: 0, headers: new Headers(), text: "" };
  const end = all.indexOf("\r\n\r\n");
  const head = all.slice(0, end).split("\r\n");
  const headers = new Headers();
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  let body = all.slice(end + 4);
  if (headers.get("transfer-encoding") === "chunked") {
    let out = "";
    for (;;) {
      const nl = body.indexOf("\r\n");
      const n = parseInt(body.slice(0, nl), 16);
      if (!n) break;
      out += body.slice(nl + 2, nl + 2 + n);
      body = body.slice(nl + 4 + n);
    }
    body = out;
  }
  return { status: Number(head[0].split(" ")[1]), headers, text: body };
}

Deno.test({
  name: "e2e bad input: every row answers its status, a clean envelope, and changes no data",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await copyProject();
    await Deno.mkdir(`${dir}/domains/probe/plugins`, { recursive: true });
    await Deno.mkdir(`${dir}/domains/probe/public/.well-known`, { recursive: true });
    await Deno.writeTextFile(`${dir}/domains/probe/plugins/probe.ts`, PROBE);
    await Deno.writeTextFile(`${dir}/domains/probe/public/dump.sql`, "SELECT 1;\n");
    await Deno.writeTextFile(`${dir}/domains/probe/public/.env`, "SECRET=1\n");
    await Deno.writeTextFile(
      `${dir}/domains/probe/public/.well-known/security.txt`,
      "Contact: mailto:security@example.com\n",
    );
    const app = await startApp("start", dir, { CORS_ORIGINS: ORIGIN });
    try {
      const created = await app.send("POST", "/products", { name: "apple", price: 1.5 });
      equal(created.status, 201);
      const id = ((await json(created)).data as { id: number }).id;
      const snapshot = async () => await (await app.get("/products?limit=100")).text();
      const before = await snapshot();
      const errorsBefore = app.lines.filter((l) => /error|failed in/i.test(l)).length;

      for (const row of rows(id)) {
        const got = row.raw !== undefined
          ? await rawRequest(app.url, row.raw, row.halfClose ?? false)
          : await fetch(app.url + row.path, {
            method: row.method ?? "GET",
            headers: row.headers,
            body: row.body,
          }).then(async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }));
        const what = `${row.name}: ${got.status} ${got.text.slice(0, 200)}`;
        equal(got.status, row.status, what);
        doesNotMatch(got.text, INTERNALS, what);
        if (!row.parser) {
          equal(got.headers.get("x-content-type-options"), "nosniff", what);
          equal(got.headers.get("x-frame-options"), "DENY", what);
          equal(got.headers.get("referrer-policy"), "no-referrer", what);
        }
        if (!row.parser && !row.notJson) {
          equal(got.headers.get("content-type"), "application/json", what);
          const body = JSON.parse(got.text);
          equal(body.success, row.error === undefined, what);
          if (typeof row.error === "string") equal(body.error, row.error, what);
          else if (row.error) match(body.error, row.error, what);
          // a 500 names its request id and nothing else
          if (row.status >= 500) {
            deepEqual(Object.keys(body).sort(), ["error", "requestId", "success"]);
          }
        }
        await row.check?.(got);
        equal(await snapshot(), before, `${row.name}: the data changed`);
      }

      // Only the two setCookie rows are server errors (the handler's bug, logged as one).
      const errors = app.lines.filter((l) => /error|failed in/i.test(l)).slice(errorsBefore);
      equal(errors.filter((l) => /failed in probe\/probe/.test(l)).length, 2, errors.join("\n"));
      ok(
        errors.every((l) => /probe\/probe|setCookie|GET \/probe\/cookie/.test(l)),
        errors.join("\n"),
      );

      // The NUL names were refused: a plain "dupe" is new, and reads back exactly.
      const dupe = await app.send("POST", "/products", { name: "dupe", price: 2 });
      equal(dupe.status, 201);
      const dupeId = ((await json(dupe)).data as { id: number }).id;
      const read = (await json(await app.get(`/products/${dupeId}`))).data as { name: string };
      equal(read.name, "dupe");
      const list = (await json(await app.get("/products?limit=100"))).data as { total: number };
      equal(list.total, 2);
    } finally {
      await app.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
