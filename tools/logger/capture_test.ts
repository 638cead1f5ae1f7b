/**
 * `captureLogs`: records kept in memory, per owner and level.
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { captureLogs } from "./mod.ts";

const plugin = { id: "users/create_user", generation: 1, domain: "users" };

describe("captureLogs", () => {
  it("captures records in memory, per owner", () => {
    const logs = captureLogs();
    const log = logs.forOwner(plugin);
    log.debug("d", { a: 1 });
    log.child("x").warn("w");
    logs.logger.info("t");
    assert.deepEqual(logs.messages(), ["d", "w", "t"]);
    assert.deepEqual(logs.messages("warn"), ["w"]);
    assert.equal(logs.records[0].owner, "users/create_user");
    assert.deepEqual(logs.records[0].props, { a: 1 });
    assert.deepEqual(logs.records[1].category, ["users/create_user", "x"]);
    assert.equal(logs.records[2].owner, "test");
    logs.clear();
    assert.equal(logs.records.length, 0);
  });

  it("filters by level when asked", () => {
    const logs = captureLogs({ level: "warn" });
    logs.logger.info("no");
    logs.logger.error("yes");
    assert.deepEqual(logs.messages(), ["yes"]);
  });
});
