/**
 * The JetStream stream the bus publishes to: made if missing, or an existing one (e.g. made by
 * an operator) used as it is if it captures the prefix.
 * @module
 */
import { type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";

/**
 * Make stream `stream` capturing `<stream>.>` (interest retention: an event is kept until every
 * consumer that wants it acknowledged it, at most `keepMs`), or check the existing one.
 * @throws {Error} when it exists but does not capture the prefix, or JetStream is unavailable.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  stream: string,
  storage: "file" | "memory",
  keepMs: number,
): Promise<void> {
  const subject = `${stream}.>`;
  try {
    await jsm.streams.add({
      name: stream,
      subjects: [subject],
      retention: RetentionPolicy.Interest,
      storage: storage === "memory" ? StorageType.Memory : StorageType.File,
      max_age: nanos(keepMs),
    });
  } catch (e) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info) throw e;
    if (!info.config.subjects?.includes(subject)) {
      throw new Error(`stream "${stream}" exists but does not capture "${subject}"`, { cause: e });
    }
  }
}
