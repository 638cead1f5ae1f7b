/**
 * Gathers what AI_CONTEXT.md says from a booted kernel (its status registry and tools), the
 * tools' public files (`deno doc`), `deno.json` and the domain folders. Everything is sorted and
 * free of timestamps and machine paths, so that the same tree always gives the same file.
 * @module
 */
import type { Kernel } from "@core";
import {
  type ApiSource,
  BUILTIN_APIS,
  type DocRunner,
  readToolApis,
  type ToolApi,
} from "./tool_api.ts";
import { PROCESS_ENV } from "../../main.ts";
import { DEV_ENV } from "../hot_reload.ts";
import { MCP_ENV } from "../mcp/settings.ts";
import { compactSchema, type JsonSchema } from "./schema.ts";
import {
  callsIn,
  contractsOf,
  type EventContract,
  type RequestContract,
  type TableModel,
  tablesOf,
} from "./contracts.ts";

/** A route a plugin registered. */
export interface RouteModel {
  method: string;
  path: string;
  summary?: string;
  /** Compact request shapes from the OpenAPI document, when a tool offers one. */
  body?: string;
  query?: string;
  /** The route needs a token (`auth:`; OpenAPI `security`). */
  auth?: boolean;
  /** Declared responses (status → compact shape), when the route declares any. */
  responses?: { status: string; shape: string }[];
}

/** One plugin. */
export interface PluginModel {
  id: string;
  file: string;
  state: string;
  tools: string[];
  routes: RouteModel[];
  publishes: string[];
  subscribes: string[];
  responds: string[];
  /** Scheduled jobs (`scheduler.cron`/`every`): name and schedule, e.g. `low-stock (every 60000 ms)`. */
  schedules: string[];
  /** Background jobs it declared (`scheduler.job`). */
  jobs: string[];
  /** Requests the plugin makes (`.request("name"` in its file). */
  requests: string[];
}

/** One domain folder. */
export interface DomainModel {
  name: string;
  plugins: PluginModel[];
  /** Files under `models/` and `migrations/` (project-relative). */
  models: string[];
  migrations: string[];
  /** Tables its migrations create, with their live columns. */
  tables: TableModel[];
}

/** One tool. */
export interface ToolModel {
  name: string;
  description: string;
  file?: string;
  state: string;
  dependsOn: string[];
  /** The environment variables the tool reads (`Tool.env`), with what each does. */
  env: [string, string][];
  api?: ToolApi;
}

/** A project-relative file with its text. */
export interface SourceFile {
  file: string;
  text: string;
}

/** Everything the generator renders. */
export interface ContextModel {
  tools: ToolModel[];
  domains: DomainModel[];
  /** Declared events (`domains/<d>/events.ts`), with payload shapes. */
  events: EventContract[];
  /** Declared requests, with both shapes. */
  requests: RequestContract[];
  /** A short real plugin, as the pattern's example. */
  example?: SourceFile;
  /** A short real plugin test, as the testing example. */
  testExample?: SourceFile;
  tasks: [string, string][];
  permissions: [string, string][];
  /** Environment variables the process and dev mode read (the tools' are under each tool). */
  processEnv: [string, string][];
}

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Runs `deno doc --json`; replaceable in tests. */
  docRunner?: DocRunner;
  /** Tool APIs already read (they only change with a restart); filled when given. */
  apiCache?: Map<string, ToolApi>;
}

/** Builds the model of the project served by `kernel`. */
export async function collect(kernel: Kernel, opts: CollectOptions = {}): Promise<ContextModel> {
  const root = kernel.root;
  const raw = kernel.status.list();
  const views = new Map(kernel.status.snapshot().entries.map((e) => [`${e.kind}:${e.id}`, e]));
  const openapi = openApiOf(kernel);

  const toolEntries = raw.filter((e) => e.kind === "tool");
  const sources: ApiSource[] = toolEntries.flatMap((e): ApiSource[] => {
    if (opts.apiCache?.has(e.id)) return [];
    if (BUILTIN_APIS[e.id]) return [BUILTIN_APIS[e.id]];
    if (!e.file) return [];
    const dir = e.file.replace(/\/[^/]+$/, "");
    return [{ tool: e.id, file: e.file, importFrom: `@${dir}/${e.file.slice(dir.length + 1)}` }];
  });
  const fresh = await readToolApis(root, sources, opts.docRunner);
  for (const [k, v] of fresh) opts.apiCache?.set(k, v);
  const api = (name: string) => opts.apiCache?.get(name) ?? fresh.get(name);

  const tools: ToolModel[] = toolEntries.map((e) => {
    const t = kernel.tools.get(e.id);
    const a = api(e.id);
    return {
      name: e.id,
      description: t?.description ?? a?.summary ?? "",
      file: e.file,
      state: e.state,
      dependsOn: [...(t?.dependsOn ?? [])].sort(),
      env: Object.entries(t?.env ?? {}).sort(([a], [b]) => cmp(a, b)),
      api: a,
    };
  }).sort((a, b) => cmp(a.name, b.name));

  const pluginEntries = raw.filter((e) => e.kind === "plugin");
  const calls = await Promise.all(
    pluginEntries.map(async (e) =>
      callsIn(e.file ? (await readText(`${root}/${e.file}`)) ?? "" : "")
    ),
  );
  const plugins: PluginModel[] = pluginEntries.map((e, i) => {
    const view: Record<string, unknown> = views.get(`plugin:${e.id}`) ?? {};
    const routes = (arr(view.routes) as Record<string, string>[]).map((r) => routeModel(r, openapi))
      .sort((a, b) => cmp(a.path, b.path) || cmp(a.method, b.method));
    return {
      id: e.id,
      file: e.file ?? "",
      state: e.state,
      tools: [...(e.tools ?? [])],
      routes,
      // From the file (and `static publishes`): what a plugin published at run time differs
      // between runs, and the generated file must not.
      publishes: uniq([...(e.publishes ?? []), ...calls[i].publishes]),
      subscribes: uniq(arr(view.subscribes) as string[]),
      responds: uniq(arr(view.responds) as string[]),
      schedules: uniq(
        (arr(view.schedules) as { name?: string; schedule?: string }[]).map((s) =>
          `${s.name} (${s.schedule})`
        ),
      ),
      jobs: uniq((arr(view.jobs) as { name?: string }[]).map((j) => String(j.name))),
      requests: uniq(calls[i].requests),
    };
  });

  const domainNames = uniq([
    ...plugins.map((p) => p.id.split("/")[0]),
    ...await dirNames(`${root}/domains`),
  ]);
  const migrations: Record<string, string[]> = {};
  for (const name of domainNames) {
    migrations[name] = await files(root, `domains/${name}/migrations`);
  }
  const tables = await tablesOf(kernel, migrations);
  const domains: DomainModel[] = [];
  for (const name of domainNames) {
    domains.push({
      name,
      plugins: plugins.filter((p) => p.id.startsWith(`${name}/`)).sort((a, b) => cmp(a.id, b.id)),
      models: await files(root, `domains/${name}/models`),
      migrations: migrations[name],
      tables: tables.filter((t) => t.domain === name),
    });
  }
  const { events, requests } = contractsOf(kernel);

  const deno = await readJson(`${root}/deno.json`);
  const tasks = Object.entries((deno.tasks ?? {}) as Record<string, unknown>).map((
    [k, v],
  ): [string, string] => [
    k,
    typeof v === "string" ? v : String((v as { command?: string })?.command ?? ""),
  ]);
  const permissions = Object.entries((deno.permissions ?? {}) as Record<string, unknown>).map((
    [k, v],
  ): [string, string] => [k, describePermissions(v)]);

  return {
    tools,
    domains,
    events,
    requests,
    example: await pickExample(root, plugins),
    testExample: await pickTest(root, domainNames),
    tasks,
    permissions,
    processEnv: Object.entries({ ...PROCESS_ENV, ...DEV_ENV, ...MCP_ENV }),
  };
}

function routeModel(r: Record<string, string>, openapi: OpenApi | undefined): RouteModel {
  const out: RouteModel = { method: r.method, path: r.path };
  if (r.summary) out.summary = r.summary;
  const op = openapi?.paths?.[r.path]?.[String(r.method).toLowerCase()];
  if (!op) return out;
  const body = op.requestBody?.content?.["application/json"]?.schema ??
    Object.values(op.requestBody?.content ?? {})[0]?.schema;
  if (body) out.body = compactSchema(body, openapi);
  if (op.security?.length) out.auth = true;
  const responses = Object.entries(op.responses ?? {}).flatMap(([status, r]) => {
    const schema = r?.content?.["application/json"]?.schema;
    const shape = schema && Object.keys(schema).length ? compactSchema(schema, openapi) : "";
    // The shared error body of every route is said once, in the guide.
    return shape && shape !== "Error" ? [{ status, shape }] : [];
  });
  if (responses.length) out.responses = responses;
  const query = (op.parameters ?? []).filter((p) => p.in === "query");
  if (query.length) {
    out.query = `{ ${
      query.map((p) =>
        `${p.name}${p.required ? "" : "?"}: ${compactSchema(p.schema ?? {}, openapi)}`
      )
        .join(", ")
    } }`;
  }
  return out;
}

interface OpenApiOp {
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  security?: unknown[];
}
type OpenApi = JsonSchema & { paths?: Record<string, Record<string, OpenApiOp>> };

/** The OpenAPI document of the first tool that offers one (`openapi()`), if any. */
function openApiOf(kernel: Kernel): OpenApi | undefined {
  for (const t of kernel.tools.values()) {
    const fn = (t as { openapi?: () => unknown }).openapi;
    if (typeof fn !== "function") continue;
    try {
      return fn.call(t) as OpenApi;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The tag that makes a plugin (or a plugin test) the example AI_CONTEXT.md teaches with. */
export const EXAMPLE_TAG = "@contextExample";

/** A file unfit to teach with: a scaffold's stub, still saying what to fill in. */
const isStub = (text: string) => /\bTODO\b/.test(text);

/**
 * The example for "how to write a plugin": a ready plugin tagged {@link EXAMPLE_TAG}, else the
 * shortest ready plugin that registers a route and uses the event bus (else the shortest with a
 * route, else the shortest); never a scaffold stub (a file with a TODO).
 */
async function pickExample(root: string, plugins: PluginModel[]): Promise<SourceFile | undefined> {
  const ready = plugins.filter((p) => p.state === "ready" && p.file);
  const score = (p: PluginModel, text: string) =>
    (text.includes(EXAMPLE_TAG) ? 4 : 0) + (p.routes.length ? 2 : 0) +
    (p.publishes.length || p.subscribes.length ? 1 : 0);
  const texts = await Promise.all(ready.map((p) => readText(`${root}/${p.file}`)));
  const ranked = ready.map((p, i) => ({ p, text: texts[i] ?? "" }))
    .filter((x) => x.text && !isStub(x.text))
    .sort((a, b) =>
      score(b.p, b.text) - score(a.p, a.text) || lines(a.text) - lines(b.text) ||
      cmp(a.p.file, b.p.file)
    );
  return ranked[0] ? { file: ranked[0].p.file, text: ranked[0].text } : undefined;
}

/** A plugin test tagged {@link EXAMPLE_TAG}, else the shortest one that is not a stub. */
async function pickTest(root: string, domains: string[]): Promise<SourceFile | undefined> {
  const found: SourceFile[] = [];
  for (const d of domains) {
    for (const f of await files(root, `domains/${d}/plugins`)) {
      if (!/_test\.[mc]?[jt]sx?$/.test(f)) continue;
      const text = await readText(`${root}/${f}`);
      if (text && !isStub(text)) found.push({ file: f, text });
    }
  }
  const tagged = (x: SourceFile) => x.text.includes(EXAMPLE_TAG) ? 0 : 1;
  found.sort((a, b) =>
    tagged(a) - tagged(b) || lines(a.text) - lines(b.text) || cmp(a.file, b.file)
  );
  return found[0];
}

/** A permission set on one line, e.g. `read: .; write: ./data; env; run`. */
export function describePermissions(set: unknown): string {
  if (set === true || set === "all") return "all";
  if (!set || typeof set !== "object") return String(set);
  return Object.entries(set as Record<string, unknown>).map(([k, v]) =>
    v === true
      ? k
      : v === false
      ? `no ${k}`
      : Array.isArray(v)
      ? `${k}: ${v.join(", ")}`
      : `${k}: ${JSON.stringify(v)}`
  ).join("; ");
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)].sort(cmp);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lines(text: string): number {
  return text.split("\n").length;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  const text = await readText(path);
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

async function dirNames(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !e.name.startsWith(".") && !e.name.startsWith("_")) out.push(e.name);
    }
  } catch { /* no such folder */ }
  return out.sort(cmp);
}

/** Project-relative paths of the files directly in `rel` (sorted; dotfiles skipped). */
async function files(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(`${root}/${rel}`)) {
      if (e.isFile && !e.name.startsWith(".")) out.push(`${rel}/${e.name}`);
    }
  } catch { /* no such folder */ }
  return out.sort(cmp);
}
