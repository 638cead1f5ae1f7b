/**
 * The tool's own routes: `/openapi.json` (the OpenAPI document of the live routes, cached per
 * route-set version) and `/docs` (Swagger UI and its assets).
 * @module
 */
import type { OwnedRegistry, Owner } from "@core";
import { docsAsset, docsPage } from "./docs_assets.ts";
import { errorResponse } from "./errors.ts";
import { buildOpenApi } from "./openapi.ts";
import type { NewRoute, RouteDef } from "./route_table.ts";
import { DEFAULT_HEADERS, DOCS_CSP, ResponseHeaders } from "./secure_headers.ts";

/** The owner of the built-in routes: the tool itself, always live. */
export const SELF: Owner = { id: "http", generation: 1, file: "tools/http/mod.ts" };

/** `/docs` and its assets: the security headers and a CSP allowing this origin only. */
const DOCS_HEADERS = new ResponseHeaders({ "content-security-policy": DOCS_CSP });
const HTML = Object.freeze(DOCS_HEADERS.typed("text/html; charset=utf-8"));

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: DEFAULT_HEADERS.json });
}

/** The API's documentation: the OpenAPI document of the live routes and the routes serving it. */
export class ApiDocs {
  /** The OpenAPI and docs page title (APP_NAME). */
  title = "MicroCoreOS API";
  readonly #routes: OwnedRegistry<RouteDef>;
  #cache: { version: number; doc: Record<string, unknown> } | undefined;

  /** Documents the live routes of `routes`. */
  constructor(routes: OwnedRegistry<RouteDef>) {
    this.#routes = routes;
  }

  /** The OpenAPI 3.1 document of every live route (cached per route-set version). */
  openapi(): Record<string, unknown> {
    const v = this.#routes.version;
    if (this.#cache?.version !== v) {
      this.#cache = {
        version: v,
        doc: buildOpenApi(this.#routes.live(), { title: this.title, version: "1.0.0" }),
      };
    }
    return this.#cache.doc;
  }

  /** `/openapi.json`, `/docs` and `/docs/:asset`, for the tool to register under {@link SELF}. */
  routes(): NewRoute[] {
    const get = (path: string, run: NewRoute["run"], headers = DEFAULT_HEADERS): NewRoute => ({
      kind: "builtin",
      method: "GET",
      path,
      run,
      headers,
    });
    return [
      get("/openapi.json", () => json(this.openapi())),
      get("/docs", () => new Response(docsPage(this.title), { headers: HTML }), DOCS_HEADERS),
      get("/docs/:asset", async (_req, params) => {
        const a = await docsAsset(params.asset);
        if (!a) return errorResponse(404, "Not found", undefined, DOCS_HEADERS);
        return new Response(a.body, {
          headers: { ...DOCS_HEADERS.typed(a.type), "cache-control": "public, max-age=86400" },
        });
      }, DOCS_HEADERS),
    ];
  }
}
