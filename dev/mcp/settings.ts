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
  MCP_DATABASE_URL:
    "PostgreSQL: the URL of a read-only role for query_db (default: it logs in as microcore_mcp_reader, a LOGIN role granted only pg_read_all_data, created with DATABASE_URL on first use)",
  MCP_URL: "where deno task mcp finds the dev server (default http://127.0.0.1:$PORT/mcp)",
};
