import { BasePlugin } from "@core";
import type { Config } from "@tools/config/mod.ts";
import { type Http, HttpError } from "@tools/http/mod.ts";
import type { LogEntry, Logger } from "@tools/logger/mod.ts";
import { z } from "zod";
import { adminToken, refusal } from "../access.ts";

const RANK = { debug: 10, info: 20, warn: 30, error: 40 } as const;
/** Records a slow client may fall behind by; older ones are dropped (and the count sent). */
export const QUEUE_LIMIT = 1000;

const Query = z.object({
  // A string (not an enum) keeps AI_CONTEXT.md short; the values are checked all the same.
  level: z.string().regex(/^(debug|info|warn|error)$/, "debug, info, warn or error").optional(),
  owner: z.string().min(1).max(200).optional(),
});

/** A record as the stream sends it (`props` left out when they are not JSON). */
export function logEvent(e: LogEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: new Date(e.time).toISOString(),
    level: e.level,
    owner: e.owner,
    message: e.message,
  };
  if (Object.keys(e.props).length) {
    try {
      out.props = JSON.parse(JSON.stringify(e.props));
    } catch { /* a bigint or a cycle: the message stands alone */ }
  }
  return out;
}

/**
 * `GET /system/logs/stream`: Server-Sent Events (`event: log`), one per log record written from
 * now on, as JSON `{ time, level, owner, message, props? }`. Query: `level` (this level and
 * above), `owner` (a plugin or tool id, or a domain: `users` matches `users/…`). Records below the
 * app's `LOG_LEVEL` are never written, so never streamed. A client that falls more than 1000
 * records behind gets `event: dropped` with the count. Not public: loopback clients only, or,
 * with `SYSTEM_ADMIN_TOKEN` set, `Authorization: Bearer <token>`.
 */
export default class LogsStreamPlugin extends BasePlugin {
  constructor(private http: Http, private logger: Logger, private config: Config) {
    super();
  }

  override onBoot() {
    const token = adminToken(this.config.get("SYSTEM_ADMIN_TOKEN"));
    this.http.addSse("/system/logs/stream", (data, ctx) => {
      const no = refusal(ctx.remoteAddr, ctx.headers.get("authorization"), token, ctx.headers);
      if (no) throw new HttpError(no.status, no.error);
      const min = RANK[(data.level ?? "debug") as keyof typeof RANK];
      const owner = data.owner;
      const wanted = (e: LogEntry) =>
        RANK[e.level] >= min && (!owner || e.owner === owner || e.owner.startsWith(`${owner}/`));
      return stream(this.logger, wanted, ctx.signal);
    }, {
      query: Query,
      tags: ["system"],
      summary: "Logs",
    });
  }
}

async function* stream(
  logger: Logger,
  wanted: (e: LogEntry) => boolean,
  signal: AbortSignal,
): AsyncGenerator<{ event: string; data: unknown }> {
  const queue: LogEntry[] = [];
  let dropped = 0;
  let wake: (() => void) | undefined;
  const stop = logger.tail((e) => {
    if (!wanted(e)) return;
    if (queue.length >= QUEUE_LIMIT) {
      queue.shift();
      dropped++;
    }
    queue.push(e);
    wake?.();
  });
  const aborted = () => wake?.();
  signal.addEventListener("abort", aborted);
  try {
    yield { event: "ready", data: {} };
    while (!signal.aborted) {
      if (!queue.length) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      if (dropped) {
        yield { event: "dropped", data: { count: dropped } };
        dropped = 0;
      }
      yield { event: "log", data: logEvent(queue.shift()!) };
    }
  } finally {
    stop();
    signal.removeEventListener("abort", aborted);
  }
}
