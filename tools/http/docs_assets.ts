/**
 * The `/docs` page: Swagger UI served from the `swagger-ui-dist` npm package through our own
 * server, never a CDN, so it works offline and inside a `deno compile` binary.
 *
 * Assets are loaded with text import attributes (`with { type: "text" }`), which Deno 2.9 runs
 * without any flag and which `deno compile` embeds because the specifiers are static string
 * literals in the module graph. They are imported lazily (on the first `/docs` request) so the
 * 1.7 MB bundle costs nothing at boot. The alternative — `import.meta.resolve` then
 * `Deno.readTextFile` — needs read permission on the npm cache and does not work in a compiled
 * binary, so it is not used.
 * @module
 */

/** One served asset. */
export interface Asset {
  body: string;
  type: string;
}

let assets: Promise<Map<string, Asset>> | undefined;

async function load(): Promise<Map<string, Asset>> {
  const [css, bundle] = await Promise.all([
    import("swagger-ui-dist/swagger-ui.css", { with: { type: "text" } }),
    import("swagger-ui-dist/swagger-ui-bundle.js", { with: { type: "text" } }),
  ]);
  // A Map: a name from the URL (`constructor`, `toString`) never reaches Object.prototype.
  return new Map([
    ["swagger-ui.css", { body: css.default, type: "text/css; charset=utf-8" }],
    ["swagger-ui-bundle.js", { body: bundle.default, type: "text/javascript; charset=utf-8" }],
    ["init.js", {
      // No online validator badge: it is an image from another origin, which the CSP refuses.
      body: `window.ui = SwaggerUIBundle({ url: new URL("../openapi.json", location.href).href,` +
        ` dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true,` +
        ` validatorUrl: null });\n`,
      type: "text/javascript; charset=utf-8",
    }],
  ]);
}

/** The asset named `name` (`swagger-ui.css`, `swagger-ui-bundle.js`, `init.js`), if any. */
export async function docsAsset(name: string): Promise<Asset | undefined> {
  assets ??= load();
  return (await assets).get(name);
}

/** The HTML page at `/docs`; its assets live under `/docs/`. */
export function docsPage(title: string): string {
  const t = title.replace(/[<>&"]/g, "");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t} – API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}
