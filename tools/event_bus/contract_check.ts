/**
 * The run-time side of event contracts (see `contracts.ts`): each domain's `events.ts`, loaded
 * when the kernel prepares the domain, and the checks a plugin's publish, request and respond go
 * through while validation is on (dev and test by default; `EVENT_BUS_VALIDATE`).
 * @module
 */
import type { DomainInfo } from "@core";
import { BusError } from "./errors.ts";
import type { Contract } from "./contracts.ts";

/** The file a domain declares its contract in, relative to the domain folder. */
export const CONTRACT_FILE = "events.ts";

interface Issue {
  path: PropertyKey[];
  message: string;
}
interface Schema {
  safeParse(x: unknown): { success: boolean; error?: { issues: Issue[] } };
}

/** `id: expected number, received string; name: required` (at most five issues). */
function issuesText(issues: Issue[]): string {
  const shown = issues.slice(0, 5).map((i) =>
    `${i.path.length ? i.path.map(String).join(".") : "(the value)"}: ${
      i.message.replace(/^Invalid input: /, "")
    }`
  );
  return shown.join("; ") + (issues.length > 5 ? `; …${issues.length - 5} more` : "");
}

/** The domain of a plugin owner (`<domain>/<plugin>`), or `undefined` for any other owner. */
export function domainOf(ownerId: string): string | undefined {
  const slash = ownerId.indexOf("/");
  return slash < 0 ? undefined : ownerId.slice(0, slash);
}

/** The contracts of the prepared domains, and the checks against them. */
export class ContractCheck {
  readonly #byDomain = new Map<string, Contract>();
  #loads = 0;

  /** Load (again, in dev) `domains/<d>/events.ts`; a domain without one declares nothing. */
  async load(domain: DomainInfo): Promise<void> {
    const file = `${domain.dir}/${CONTRACT_FILE}`;
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (text === undefined) {
      this.#byDomain.set(domain.name, { publishes: {}, responds: {} });
      return;
    }
    const url = `file://${file.split("/").map(encodeURIComponent).join("/")}?v=${++this.#loads}`;
    const mod = await import(url);
    const c = mod.default as Partial<Contract> | undefined;
    if (!c || typeof c !== "object" || (!c.publishes && !c.responds)) {
      throw new Error(
        `domains/${domain.name}/${CONTRACT_FILE} must default-export defineContract({ publishes, responds })`,
      );
    }
    this.#byDomain.set(domain.name, { publishes: c.publishes ?? {}, responds: c.responds ?? {} });
  }

  /** The contract of a loaded domain. */
  of(domain: string): Contract | undefined {
    return this.#byDomain.get(domain);
  }

  /** Every loaded domain's contract, by domain name. */
  all(): ReadonlyMap<string, Contract> {
    return this.#byDomain;
  }

  /**
   * Check a publish by `ownerId` of `domain` (its {@link domainOf}, worked out once per owner):
   * owners of a domain with no loaded contract (tools, the test kit, classes declared in tests)
   * are not checked.
   * @throws {BusError} `undeclared` or `invalid_payload`.
   */
  publish(ownerId: string, domain: string | undefined, name: string, payload: unknown): void {
    if (domain === undefined) return;
    const c = this.#byDomain.get(domain);
    if (!c) return;
    const schema = c.publishes[name] as Schema | undefined;
    if (!schema) {
      const elsewhere = this.#declarer(name);
      throw new BusError(
        "undeclared",
        `${ownerId} publishes "${name}", which domain ${domain} does not declare: ` +
          (elsewhere
            ? `only domain ${elsewhere} publishes it (events.ts); publish an event of your own domain, or ask ${elsewhere} through a request`
            : `add it to domains/${domain}/${CONTRACT_FILE}: defineContract({ publishes: { "${name}": z.object({ … }) } })`),
      );
    }
    this.#parse(schema, payload, `"${name}" published by ${ownerId}`, domain);
  }

  /**
   * Check that `ownerId`'s domain declares that it answers `name`.
   * @throws {BusError} `undeclared`.
   */
  respond(ownerId: string, name: string): void {
    const domain = domainOf(ownerId);
    const c = domain === undefined ? undefined : this.#byDomain.get(domain);
    if (!c || c.responds[name]) return;
    throw new BusError(
      "undeclared",
      `${ownerId} responds to "${name}", which domain ${domain} does not declare: add it to domains/${domain}/${CONTRACT_FILE}: defineContract({ responds: { "${name}": { request: z.object({ … }), response: z.object({ … }) } } })`,
    );
  }

  /**
   * Check a request's payload, or a response, against the declaring domain's schema (names no
   * domain declares are not checked here; `deno task check` reports them).
   * @throws {BusError} `invalid_payload`.
   */
  message(name: string, part: "request" | "response", value: unknown): void {
    for (const [domain, c] of this.#byDomain) {
      const r = c.responds[name];
      if (r) return this.#parse(r[part] as Schema, value, `the ${part} of "${name}"`, domain);
    }
  }

  #declarer(name: string): string | undefined {
    for (const [domain, c] of this.#byDomain) if (c.publishes[name]) return domain;
    return undefined;
  }

  #parse(schema: Schema, value: unknown, what: string, domain: string): void {
    const r = schema.safeParse(value);
    if (r.success) return;
    throw new BusError(
      "invalid_payload",
      `${what} does not match domains/${domain}/${CONTRACT_FILE}: ${
        issuesText(r.error?.issues ?? [])
      }`,
    );
  }
}
