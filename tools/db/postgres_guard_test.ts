import assert from "node:assert/strict";
import { guardOrphanedConnectionErrors, isOrphanedConnectionError } from "./postgres_guard.ts";

const fromDriver = (code: string) =>
  Object.assign(new Error(`write ${code} 127.0.0.1:5432`), {
    code,
    stack:
      `Error: write ${code}\n    at Socket.closed (file:///app/vendor/postgres/src/connection.js:467:57)`,
  });

Deno.test("postgres guard: only postgres.js's own connection errors are kept quiet", () => {
  assert.equal(isOrphanedConnectionError(fromDriver("CONNECTION_CLOSED")), true);
  assert.equal(isOrphanedConnectionError(fromDriver("ECONNREFUSED")), true);
  assert.equal(isOrphanedConnectionError(fromDriver("23505")), false, "a SQL error is not");
  const elsewhere = Object.assign(new Error("x"), { code: "ECONNRESET", stack: "at mine.ts:1" });
  assert.equal(isOrphanedConnectionError(elsewhere), false, "another library's is not");
  // A socket error from node:net for the server's port (its stack names no library).
  const net = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5433"), {
    code: "ECONNREFUSED",
    port: 5433,
    stack: "Error: connect ECONNREFUSED\n    at _afterConnectImpl (ext:deno_node/net.ts:1:6347)",
  });
  assert.equal(isOrphanedConnectionError(net, new Set([5433])), true);
  assert.equal(isOrphanedConnectionError(net, new Set([6379])), false, "another server's is not");
  assert.equal(isOrphanedConnectionError(null), false);
  assert.equal(isOrphanedConnectionError("CONNECTION_CLOSED"), false);
});

Deno.test({
  name: "postgres guard: an orphaned rejection is logged and the process lives",
  sanitizeOps: false,
  async fn() {
    const said: string[] = [];
    guardOrphanedConnectionErrors((m) => said.push(m));
    Promise.reject(fromDriver("CONNECTION_CLOSED")); // nobody awaits it, as in postgres.js
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(said, [
      "db: a query nobody awaited failed as its connection closed (CONNECTION_CLOSED)",
    ]);
  },
});
