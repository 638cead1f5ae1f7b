/**
 * /openapi.json, whole operations compared: what each route kind documents (path parameters
 * without a schema, the request body, the 400 of a validated route, the error envelope).
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { call, makeTool, owner } from "./test_helpers.ts";

const errorRef = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

Deno.test("openapi: a validated route and a plain one, each operation exactly", async () => {
  const { tool } = makeTool();
  const o = owner("shop/notes");
  const api = tool.forOwner(o);
  api.addEndpoint("/notes/{id}/tag-list", "POST", () => ({ success: true }), {
    body: z.object({ tag: z.string() }),
  });
  api.addEndpoint("/notes/{id}", "GET", () => ({ success: true }));
  tool.activate(o);
  const doc = await (await call(tool, "GET", "/openapi.json")).json();

  assert.deepEqual(doc.paths["/notes/{id}/tag-list"].post, {
    operationId: "post_notes_id_tag_list",
    tags: ["shop"],
    parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: { tag: { type: "string" } },
            required: ["tag"],
          },
        },
      },
    },
    responses: {
      "200": { description: "Success", content: { "application/json": { schema: {} } } },
      "400": errorRef("Invalid request"),
      "500": errorRef("Internal server error"),
    },
    "x-plugin": "shop/notes",
  });
  // nothing validated: no 400 documented
  assert.deepEqual(Object.keys(doc.paths["/notes/{id}"].get.responses), ["200", "500"]);
  assert.deepEqual(doc.components.schemas.Error, {
    type: "object",
    properties: {
      success: { type: "boolean", const: false },
      error: { type: "string" },
      details: {},
      requestId: { type: "string" },
    },
    required: ["success", "error"],
  });
});
