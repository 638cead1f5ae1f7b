/**
 * The settings of the MCP server (`/mcp` in `deno task dev`, and `deno task mcp`), in a file of
 * their own so that AI_CONTEXT.md can list them without loading the server.
 * @module
 */

/** Environment variables the MCP server and `deno task mcp` read, with what each does. */
export const MCP_ENV: Readonly<Record<string, string>> = {
  MCP:
    "`off` to not serve /mcp in deno task dev (default on in dev; deno task start never serves it)",
  MCP_TOKEN:
    "when set (at least 32 characters), /mcp needs `Authorization: Bearer <MCP_TOKEN>` and accepts non-loopback hosts; deno task mcp sends it",
  MCP_URL: "where deno task mcp finds the dev server (default http://127.0.0.1:$PORT/mcp)",
};
