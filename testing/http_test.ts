/**
 * `TestHttp`: the request it builds from `request(method, path, data, { headers })`, and how it
 * reads the response. An echo tool shows exactly what was sent.
 */
import assert from "node:assert/strict";
import { BasePlugin } from "@core";
import type { Http, HttpTool } from "@tools/http/mod.ts";
import { bootPlugin, TestHttp } from "./mod.ts";

/** What the echo tool saw of a request. */
interface Seen {
  method: string;
  url: string;
  type: string | null;
  token: string | null;
  body: string;
}

/** A client whose tool answers every request with what it received, as JSON. */
function echo(): TestHttp {
  const tool = {
    describeOwner: () => undefined,
    async fetch(req: Request): Promise<Response> {
      const seen: Seen = {
        method: req.method,
        url: req.url,
        type: req.headers.get("content-type"),
        token: req.headers.get("x-token"),
        body: await req.text(),
      };
      return Response.json(seen, { status: 299, headers: { "x-echo": "1" } });
    },
  };
  return new TestHttp(tool as unknown as HttpTool, "shop/echo");
}

const sent = (method: string, url: string, type: string | null = null, body = "") => ({
  method,
  url,
  type,
  token: null,
  body,
});

Deno.test("GET, HEAD, DELETE and OPTIONS send data as the query string, never a body", async () => {
  const http = echo();
  const get = await http.request<Seen>("GET", "/items");
  assert.equal(get.status, 299);
  assert.equal(get.headers.get("x-echo"), "1");
  assert.deepEqual(get.body, sent("GET", "http://test.local/items"));
  const query = { tag: ["a", "b"], limit: 10 };
  assert.deepEqual(
    (await http.request("GET", "/items?sort=name", query)).body,
    sent("GET", "http://test.local/items?sort=name&tag=a&tag=b&limit=10"),
  );
  assert.deepEqual(
    (await http.request("delete", "/items/7", { hard: true })).body,
    sent("DELETE", "http://test.local/items/7?hard=true"),
  );
  assert.deepEqual(
    (await http.request("OPTIONS", "/items", { q: "x" })).body,
    sent("OPTIONS", "http://test.local/items?q=x"),
  );
  assert.deepEqual(
    (await http.request("HEAD", "/items", { q: "x" })).body,
    sent("HEAD", "http://test.local/items?q=x"),
  );
});

Deno.test("other methods send data as a JSON body; a string or FormData as is", async () => {
  const http = echo();
  const json = "application/json";
  assert.deepEqual(
    (await http.request("POST", "/items", { name: "Tea", price: 3 })).body,
    sent("POST", "http://test.local/items", json, '{"name":"Tea","price":3}'),
  );
  assert.deepEqual(
    (await http.request("POST", "/items")).body,
    sent("POST", "http://test.local/items"),
    "no data: no body and no content type",
  );
  assert.deepEqual(
    (await http.request("PUT", "/notes/1", "plain words")).body,
    sent("PUT", "http://test.local/notes/1", "text/plain;charset=UTF-8", "plain words"),
  );
  const form = new FormData();
  form.append("name", "Tea");
  const multipart = (await http.request<Seen>("PATCH", "/items/1", form)).body;
  assert.match(multipart.type ?? "", /^multipart\/form-data; boundary=/);
  assert.match(multipart.body, /name="name"\r\n\r\nTea\r\n/);
});

Deno.test("headers are sent; a content type given in any case is kept", async () => {
  const http = echo();
  const token = { "x-token": "t1" };
  assert.deepEqual((await http.request("POST", "/items", { a: 1 }, { headers: token })).body, {
    ...sent("POST", "http://test.local/items", "application/json", '{"a":1}'),
    token: "t1",
  });
  const headers = { "Content-Type": "application/merge-patch+json", "x-token": "t2" };
  assert.deepEqual((await http.request("PATCH", "/items/1", { a: null }, { headers })).body, {
    ...sent("PATCH", "http://test.local/items/1", "application/merge-patch+json", '{"a":null}'),
    token: "t2",
  });
  assert.deepEqual(headers, { "Content-Type": "application/merge-patch+json", "x-token": "t2" });
  assert.deepEqual((await http.request("GET", "/items", undefined, { headers: token })).body, {
    ...sent("GET", "http://test.local/items"),
    token: "t1",
  });
});

Deno.test("the reply's body: JSON parsed by content type, else text; null when empty", async () => {
  const replies: Record<string, () => Response> = {
    "/empty": () => new Response(null, { status: 204 }),
    "/blank": () => new Response("", { headers: { "content-type": "application/json" } }),
    "/text": () => new Response("hello", { headers: { "content-type": "text/plain" } }),
    "/problem": () =>
      new Response('{"title":"Nope"}', {
        status: 422,
        headers: { "content-type": "application/problem+json" },
      }),
    "/charset": () =>
      new Response("[1,2]", { headers: { "content-type": "application/json; charset=utf-8" } }),
    "/untyped": () => new Response(new TextEncoder().encode('{"a":1}')),
  };
  const tool = {
    describeOwner: () => undefined,
    fetch: (req: Request) => Promise.resolve(replies[new URL(req.url).pathname]()),
  };
  const http = new TestHttp(tool as unknown as HttpTool, "shop/x");
  const body = async (path: string) => (await http.request("GET", path)).body;
  assert.equal(await body("/empty"), null);
  assert.equal(await body("/blank"), null);
  assert.equal(await body("/text"), "hello");
  assert.deepEqual(await http.request("GET", "/problem").then((r) => [r.status, r.body]), [
    422,
    { title: "Nope" },
  ]);
  assert.deepEqual(await body("/charset"), [1, 2]);
  assert.equal(await body("/untyped"), '{"a":1}', "JSON without a JSON content type is text");
});

Deno.test("fetch sends a raw Request, or a GET of a path, and returns the raw Response", async () => {
  const http = echo();
  const res = await http.fetch("/raw?x=1");
  assert.equal(res.status, 299);
  assert.deepEqual(await res.json(), sent("GET", "http://test.local/raw?x=1"));
  const req = new Request("http://other.test/p", { method: "PUT", body: "b" });
  const put = await http.fetch(req);
  assert.deepEqual(
    await put.json(),
    sent("PUT", "http://other.test/p", "text/plain;charset=UTF-8", "b"),
  );
});

Deno.test("routes(): the plugin's routes on the real tool, [] when it has none", async () => {
  class Two extends BasePlugin {
    constructor(private http: Http) {
      super();
    }
    override onBoot() {
      this.http.addEndpoint("/a/:id", "GET", () => ({ success: true }), { summary: "One" });
      this.http.addEndpoint("/a/:id", "DELETE", () => ({ success: true }));
    }
  }
  class None extends BasePlugin {
    constructor(private http: Http) {
      super();
    }
  }
  await using two = await bootPlugin(Two);
  assert.deepEqual(two.http.routes(), [
    { method: "GET", path: "/a/{id}", summary: "One", kind: "endpoint" },
    { method: "DELETE", path: "/a/{id}", summary: undefined, kind: "endpoint" },
  ]);
  await using none = await bootPlugin(None);
  assert.deepEqual(none.http.routes(), []);
  assert.deepEqual(echo().routes(), []);
});
