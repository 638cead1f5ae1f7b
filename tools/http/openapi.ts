/**
 * The OpenAPI 3.1 document of the live routes.
 * @module
 */
import { z } from "zod";
import type { RouteDef } from "./route_table.ts";

type Json = Record<string, unknown>;

const STATUS_TEXT: Record<string, string> = {
  "200": "Success",
  "201": "Created",
  "202": "Accepted",
  "400": "Invalid request",
  "404": "Not found",
  "409": "Conflict",
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  try {
    const s = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
    delete s.$schema;
    return s;
  } catch {
    return {};
  }
}

const ENVELOPE_ERROR: Json = {
  type: "object",
  properties: {
    success: { type: "boolean", const: false },
    error: { type: "string" },
    details: {},
    requestId: { type: "string" },
  },
  required: ["success", "error"],
};

/** The scheme of routes registered with `auth:` (the /docs Authorize button fills it). */
const BEARER: Json = {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "A token from the app's login (the auth tool's sign); sent as Authorization: Bearer",
};

function errorRef(description: string): Json {
  return {
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

function parameters(r: RouteDef): Json[] {
  const out: Json[] = [];
  const names = [...r.docPath.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const pSchema = r.params ? jsonSchema(r.params, "input") : undefined;
  const pProps = (pSchema?.properties ?? {}) as Record<string, Json>;
  for (const name of names) {
    out.push({ name, in: "path", required: true, schema: pProps[name] ?? { type: "string" } });
  }
  if (r.query) {
    const q = jsonSchema(r.query, "input");
    const req = new Set((q.required ?? []) as string[]);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
      out.push({ name, in: "query", required: req.has(name), schema });
    }
  }
  return out;
}

function operation(r: RouteDef, method: string): Json {
  const op: Json = {
    operationId: `${method}${r.docPath.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+/g, "_")}`,
  };
  if (r.summary) op.summary = r.summary;
  if (r.description) op.description = r.description;
  op.tags = r.tags?.length ? r.tags : [r.owner.domain ?? r.owner.id.split("/")[0]];
  const params = parameters(r);
  if (params.length) op.parameters = params;
  if (r.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(r.body, "input") } },
    };
  }
  const responses: Json = {};
  if (r.kind === "sse") {
    responses["200"] = {
      description: "A stream of Server-Sent Events",
      content: { "text/event-stream": { schema: { type: "string" } } },
    };
  } else if (r.kind === "ws") {
    responses["101"] = { description: "Switching to the WebSocket protocol" };
  } else if (r.responses) {
    for (const [status, schema] of Object.entries(r.responses)) {
      responses[status] = status === "204" ? { description: "No content" } : {
        description: STATUS_TEXT[status] ?? "Answer",
        content: { "application/json": { schema: jsonSchema(schema, "output") } },
      };
    }
  } else {
    responses["200"] = {
      description: "Success",
      content: {
        // Stryker disable next-line StringLiteral: Zod's toJSONSchema treats any io but "input" as output
        "application/json": { schema: r.response ? jsonSchema(r.response, "output") : {} },
      },
    };
  }
  if (r.body || r.query || r.params) responses["400"] ??= errorRef("Invalid request");
  if (r.auth) {
    op.security = [{ bearerAuth: [] }];
    responses["401"] = errorRef("Missing, invalid or expired token");
    responses["403"] = errorRef("Forbidden (a role is missing, or the CSRF check failed)");
  }
  responses["500"] = errorRef("Internal server error");
  op.responses = responses;
  op["x-plugin"] = r.owner.id;
  return op;
}

const ALL = ["get", "post", "put", "patch", "delete"];

/** Build the OpenAPI 3.1 document for `routes` (static mounts and built-ins are left out). */
export function buildOpenApi(
  routes: readonly RouteDef[],
  info: { title: string; version: string; description?: string },
): Json {
  const paths: Record<string, Json> = {};
  let secured = false;
  for (const r of routes) {
    if (r.kind === "static" || r.kind === "builtin") continue;
    secured ||= !!r.auth;
    const item = paths[r.docPath] ??= {};
    const methods = r.method === "ALL" ? ALL : [r.method.toLowerCase()];
    for (const m of methods) item[m] = operation(r, m);
  }
  const sorted: Record<string, Json> = {};
  for (const k of Object.keys(paths).sort()) sorted[k] = paths[k];
  return {
    openapi: "3.1.0",
    info,
    paths: sorted,
    components: secured
      ? { schemas: { Error: ENVELOPE_ERROR }, securitySchemes: { bearerAuth: BEARER } }
      : { schemas: { Error: ENVELOPE_ERROR } },
  };
}
