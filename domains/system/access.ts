/**
 * Who may call `/system/*` (the app's internals: every tool and plugin, errors, memory): by
 * default only this machine (a loopback client address, not forwarded by a proxy, addressed to a
 * loopback name: see {@link notFromThisMachine}); when `SYSTEM_ADMIN_TOKEN` is set, only
 * a request with `Authorization: Bearer <that token>`, from anywhere. `/health` and
 * `/health/ready` stay public for probes. See docs/permissions.md.
 * @module
 */
/** The setting that holds the admin token. */
export const ADMIN_TOKEN_SETTING = "SYSTEM_ADMIN_TOKEN";

/** The shortest admin token accepted (e.g. `openssl rand -hex 32` gives 64 characters). */
export const MIN_TOKEN_LENGTH = 32;

/** Why a request was refused: the status and the error of the JSON envelope. */
export interface Refusal {
  status: 401 | 403;
  error: string;
}

/** Whether `hostname` is this machine: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::1" || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** Headers a reverse proxy adds: through one, every client's address is the proxy's. */
const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"];

/** Whether a `Host` or `Origin` value names this machine (localhost, 127.x, ::1). */
function loopbackName(value: string): boolean {
  let host = value;
  try {
    host = new URL(value.includes("://") ? value : `http://${value}`).hostname;
  } catch {
    return false;
  }
  return host === "localhost" || host.endsWith(".localhost") || isLoopback(host);
}

/**
 * Why a loopback connection may still not come from this machine, or `undefined`: a proxy on
 * this host forwarded it (its headers say so), or a web page reached 127.0.0.1 under another
 * name (DNS rebinding: a `Host` or `Origin` that is not this machine).
 */
export function notFromThisMachine(headers: Headers): string | undefined {
  const via = PROXY_HEADERS.find((h) => headers.has(h));
  if (via) {
    return `/system/* refuses forwarded requests without ${ADMIN_TOKEN_SETTING} (${via}: behind ` +
      "a proxy every client looks like this machine); set it and send Authorization: Bearer <token>";
  }
  const host = headers.get("host");
  const origin = headers.get("origin");
  if ((host !== null && !loopbackName(host)) || (origin !== null && !loopbackName(origin))) {
    return `/system/* without ${ADMIN_TOKEN_SETTING} answers requests addressed to this machine ` +
      "(localhost, 127.0.0.1, [::1]) only";
  }
  return undefined;
}

const UTF8 = new TextEncoder();

/**
 * Equality of two secrets in time that depends only on the given one's length (which its sender
 * knows): every byte of it is compared, against the expected secret's bytes in a cycle, with no
 * early exit. Plain JavaScript, not `node:crypto`, whose loading alone costs a boot 10–30 ms.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = UTF8.encode(given);
  const b = UTF8.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i % b.length];
  return diff === 0;
}

/**
 * Checks the configured token: `undefined` when unset, else the token, or a throw that says
 * what to do when it is too short to be a secret.
 */
export function adminToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length < MIN_TOKEN_LENGTH) {
    throw new Error(
      `${ADMIN_TOKEN_SETTING} is ${value.length} characters; use at least ${MIN_TOKEN_LENGTH} ` +
        "random ones (e.g. `openssl rand -hex 32`), or unset it to allow loopback clients only",
    );
  }
  return value;
}

/**
 * `undefined` when the request may go on, else why not. `remote` is the client's address
 * (`undefined` for an in-process request, which is this process); `authorization` the header.
 */
export function refusal(
  remote: Deno.NetAddr | undefined,
  authorization: string | null,
  token: string | undefined,
  headers?: Headers,
): Refusal | undefined {
  if (token === undefined) {
    if (remote !== undefined && !isLoopback(remote.hostname)) {
      return {
        status: 403,
        error: `/system/* answers loopback clients only; set ${ADMIN_TOKEN_SETTING} to call it ` +
          "from elsewhere with Authorization: Bearer <token>",
      };
    }
    const why = headers && notFromThisMachine(headers);
    if (why) return { status: 403, error: why };
    return undefined;
  }
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  if (!m) return { status: 401, error: "missing admin token (Authorization: Bearer <token>)" };
  if (!sameSecret(m[1], token)) return { status: 401, error: "invalid admin token" };
  return undefined;
}

/** What a `/system/*` handler needs of its context to apply {@link refusal}. */
export interface GuardedContext {
  readonly remoteAddr?: Deno.NetAddr;
  readonly headers: Headers;
  setStatus(status: number): void;
  setHeader(name: string, value: string): void;
}

/**
 * {@link refusal} applied to a handler's context: `undefined` when the request may go on, else
 * the JSON error body to return (the status, and `www-authenticate` on a 401, already set).
 */
export function refuse(
  ctx: GuardedContext,
  token: string | undefined,
): { success: false; error: string } | undefined {
  const no = refusal(ctx.remoteAddr, ctx.headers.get("authorization"), token, ctx.headers);
  if (!no) return undefined;
  ctx.setStatus(no.status);
  if (no.status === 401) ctx.setHeader("www-authenticate", 'Bearer realm="system"');
  return { success: false, error: no.error };
}
