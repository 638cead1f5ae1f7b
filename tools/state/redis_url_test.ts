/**
 * Reading REDIS_URL and STATE_TIMEOUT_MS, and what Redis failures mean: pure functions, no server.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ConnectionTimeoutError,
  ReconnectStrategyError,
  SimpleError,
  SocketClosedUnexpectedlyError,
} from "@redis/client";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { DEFAULT_TIMEOUT_MS, maskUrl, parseRedisUrl, parseTimeout } from "./redis_url.ts";
import { describeFailure, isNotNow, isRefusal } from "./redis_reasons.ts";
import { StateTool } from "./tool.ts";

describe("state, REDIS_URL and STATE_TIMEOUT_MS", () => {
  it("reads host, port, TLS, user, password and database", () => {
    assert.deepEqual(parseRedisUrl("redis://127.0.0.1"), {
      host: "127.0.0.1",
      port: 6379,
      tls: false,
      db: 0,
      address: "127.0.0.1:6379",
      safeUrl: "redis://127.0.0.1",
    });
    const t = parseRedisUrl("rediss://bob:p%40ss%3Aw@cache.example.com:6380/3");
    assert.equal(t.tls, true);
    assert.equal(t.username, "bob");
    assert.equal(t.password, "p@ss:w");
    assert.equal(t.db, 3);
    assert.equal(t.address, "cache.example.com:6380");
    assert.equal(t.safeUrl, "rediss://bob:***@cache.example.com:6380/3");
    const v6 = parseRedisUrl("redis://:pw@[::1]:7000");
    assert.equal(v6.host, "::1");
    assert.equal(v6.address, "[::1]:7000");
    assert.equal(v6.password, "pw");
    assert.equal(v6.username, undefined);
  });

  it("refuses what is not a redis URL, naming the setting and the form, never the password", () => {
    const bad: [string, RegExp][] = [
      ["127.0.0.1:6379", /is not a URL: use redis:\/\/\[user:password@\]host/],
      ["localhost:6379", /has scheme "localhost:".*; use redis:\/\/\[user:password@\]host/],
      ["http://h:1", /REDIS_URL="http:\/\/h:1" has scheme "http:"/],
      ["not a url", /REDIS_URL="not a url" is not a URL: use redis:\/\//],
      ["redis://:pw@h/x", /database "x".*number/],
      ["redis://:hunter2@h:99999", /is not a URL/],
    ];
    for (const [url, re] of bad) {
      assert.throws(() => parseRedisUrl(url), (e: Error) => {
        assert.match(e.message, re);
        assert.ok(!e.message.includes("hunter2") && !e.message.includes(":pw@"), e.message);
        return true;
      });
    }
  });

  it("masks passwords in anything shown", () => {
    assert.equal(maskUrl("redis://u:secret@h:1/0"), "redis://u:***@h:1/0");
    assert.equal(maskUrl("redis://:secret@h"), "redis://:***@h");
    assert.equal(maskUrl("redis://h:1"), "redis://h:1");
  });

  it("STATE_TIMEOUT_MS: a positive number of ms, 2000 when unset", () => {
    assert.equal(DEFAULT_TIMEOUT_MS, 2000);
    assert.equal(parseTimeout(undefined), 2000);
    assert.equal(parseTimeout(" "), 2000);
    assert.equal(parseTimeout("250"), 250);
    for (const v of ["0", "-1", "abc", "Infinity"]) {
      assert.throws(() => parseTimeout(v), /STATE_TIMEOUT_MS=".*" is not a positive number/);
    }
  });

  it("the tool fails setup on a bad REDIS_URL or STATE_TIMEOUT_MS, before connecting", async () => {
    const setup = (env: Record<string, string>) =>
      new StateTool().setup(standaloneContext({ env: { STATE_DRIVER: "redis", ...env } }));
    await assert.rejects(setup({ REDIS_URL: "postgres://h/db" }), /REDIS_URL=.*scheme "postgres:"/);
    await assert.rejects(setup({ STATE_TIMEOUT_MS: "soon" }), /STATE_TIMEOUT_MS="soon"/);
    await assert.rejects(
      setup({ REDIS_TLS_CA: "/nonexistent/ca.pem" }),
      /REDIS_TLS_CA=.*cannot read/,
    );
  });
});

describe("state, what a Redis failure means", () => {
  const code = (c: string) => Object.assign(new Error(`connect ${c} 127.0.0.1:6379`), { code: c });

  it("outages in a few words", () => {
    assert.equal(describeFailure(code("ECONNREFUSED")), "connection refused");
    assert.equal(describeFailure(code("ECONNRESET")), "connection reset");
    assert.equal(describeFailure(code("ENOTFOUND")), "host not found");
    assert.equal(describeFailure(code("ETIMEDOUT")), "connect timed out");
    assert.equal(describeFailure(new ConnectionTimeoutError()), "connect timed out");
    assert.equal(describeFailure(new SocketClosedUnexpectedlyError()), "connection closed");
    assert.equal(describeFailure(new Error("odd")), "odd");
    assert.equal(isRefusal(code("ECONNREFUSED")), false);
  });

  it("refused credentials and untrusted certificates are configuration, even when wrapped", () => {
    const wrong = new SimpleError("WRONGPASS invalid username-password pair");
    assert.ok(isRefusal(wrong));
    assert.ok(isRefusal(new ReconnectStrategyError(wrong, wrong)));
    assert.match(describeFailure(new ReconnectStrategyError(wrong, wrong)), /^credentials refused/);
    assert.ok(isRefusal(new SimpleError("NOAUTH Authentication required.")));
    const cert = new Error("self-signed certificate");
    assert.ok(isRefusal(cert));
    assert.match(describeFailure(cert), /TLS certificate not trusted.*REDIS_TLS_CA/);
    assert.ok(!isRefusal(new SimpleError("WRONGTYPE Operation against a key")));
  });

  it("loading or busy servers cannot serve now; other error replies are the call's", () => {
    assert.ok(isNotNow(new SimpleError("LOADING Redis is loading the dataset in memory")));
    assert.ok(isNotNow(new SimpleError("BUSY Redis is busy running a script")));
    assert.ok(!isNotNow(new SimpleError("ERR value is not an integer or out of range")));
    assert.ok(!isNotNow(new Error("LOADING")), "only replies from Redis");
  });
});
