import assert from "node:assert/strict";
import { captureLogs } from "./capture.ts";

Deno.test("Logger.tail: every owner's records from now on, at the level in force; stop ends it", () => {
  const logs = captureLogs({ level: "info" });
  const a = logs.forOwner("a/one");
  const b = logs.forOwner("b/two");
  a.info("before");
  const seen: string[] = [];
  const stop = a.tail((e) => seen.push(`${e.owner} ${e.level} ${e.message}`));
  const stopThrowing = b.tail(() => {
    throw new Error("a broken watcher");
  });
  a.info("one");
  b.warn("two");
  b.debug("below the level");
  stop();
  stopThrowing();
  a.error("after");
  assert.deepEqual(seen, ["a/one info one", "b/two warn two"]);
});
