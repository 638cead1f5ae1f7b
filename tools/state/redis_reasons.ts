/**
 * What a Redis failure means for the state tool, in a few words: an outage (retry), a server that
 * cannot serve now, or configuration to fix (credentials, an untrusted TLS certificate).
 * @module
 */
import {
  ConnectionTimeoutError,
  ErrorReply,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
} from "@redis/client";

/** Replies meaning the server is there but cannot serve now: treated as unavailable. */
const NOT_NOW = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;
/** Refusals of the credentials in the URL. */
const CREDENTIALS = /^(WRONGPASS|NOAUTH|NOPERM)\b|\bAUTH\b/;
/** TLS failures that are configuration, not outage (certificate not trusted, wrong name). */
const CERTIFICATE = /certificate|self[- ]signed|CERT_|altname|hostname.*match/i;

/** The error node-redis gave up with, or `err` itself. */
function unwrap(err: unknown): unknown {
  return err instanceof ReconnectStrategyError ? err.originalError : err;
}

/** An error reply by which Redis says it cannot serve now (loading, busy…), not a bad call. */
export function isNotNow(err: unknown): boolean {
  return err instanceof ErrorReply && NOT_NOW.test(err.message);
}

/** Redis refused the credentials, or the TLS certificate is not trusted: configuration. */
export function isRefusal(err: unknown): boolean {
  const e = unwrap(err);
  if (e instanceof ErrorReply) return CREDENTIALS.test(e.message);
  return CERTIFICATE.test(String((e as Error)?.message ?? ""));
}

/** A connection failure in a few words, for the status page and error messages. */
export function describeFailure(err: unknown): string {
  const e = unwrap(err);
  if (e instanceof ErrorReply && CREDENTIALS.test(e.message)) {
    return `credentials refused (${e.message}): check the user and password in REDIS_URL`;
  }
  if (isRefusal(e)) {
    return `TLS certificate not trusted (${(e as Error).message}): set REDIS_TLS_CA to the ` +
      `server's CA`;
  }
  switch ((e as { code?: string })?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ETIMEDOUT":
      return "connect timed out";
  }
  if (e instanceof ConnectionTimeoutError) return "connect timed out";
  if (e instanceof SocketClosedUnexpectedlyError) return "connection closed";
  return (e as Error)?.message || String(e);
}
