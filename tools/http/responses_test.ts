import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { z } from "zod";
import { standaloneContext } from "@microcore/testing/standalone.ts";
import { HttpTool } from "./tool.ts";
import { call, makeTool, owner } from "./test_helpers.ts";

const Created = z.object({ success: z.literal(true), data: z.object({ id: z.number().int() }) });
const Missing = z.object({ success: z.literal(false), error: z.string() });

/** A route answering with whatever `answer` says, declaring 201 and 404. */
function shop(tool: HttpTool, answer: () => { status?: number; body: unknown }) {
  const o = owner("shop/create");
  tool.forOwner(o).addEndpoint("/orders", "POST", (_data, ctx) => {
    const a = answer();
    if (a.status) ctx.setStatus(a.status);
    return a.body as Record<string, unknown>;
  }, { responses: { 201: Created, 404: Missing }, summary: "Place an order" });
  tool.activate(o);
}

Deno.test("responses: OpenAPI lists exactly the declared statuses with their schemas", async () => {
  const { tool } = makeTool();
  shop(tool, () => ({ status: 201, body: { success: true, data: { id: 1 } } }));
  const doc = await (await call(tool, "GET", "/openapi.json")).json();
  const op = doc.paths["/orders"].post;
  assert.deepEqual(Object.keys(op.responses).sort(), ["201", "404", "500"]);
  assert.equal(op.responses["201"].description, "Created");
  const schema = op.responses["201"].content["application/json"].schema;
  assert.deepEqual(schema.required, ["success", "data"]);
  assert.deepEqual(schema.properties.data.properties.id.type, "integer");
  assert.equal((await new Validator().validate(doc)).valid, true);
});

Deno.test("responses: in dev and test an undeclared status or a body off its schema is a 500", async () => {
  const { tool, log } = makeTool();
  let a: { status?: number; body: unknown } = {
    status: 201,
    body: { success: true, data: { id: 1 } },
  };
  shop(tool, () => a);
  assert.equal((await call(tool, "POST", "/orders", {})).status, 201);

  a = { body: { success: true, data: { id: 1 } } }; // forgot ctx.setStatus(201): a 200
  const r200 = await call(tool, "POST", "/orders", {});
  assert.equal(r200.status, 500);
  assert.equal((await r200.json()).error, "Internal server error");
  assert.ok(
    log.some((l) =>
      l.message.includes(
        "POST /orders answered 200, which its responses do not declare (201, 404): add 200 to responses, or set the intended status with ctx.setStatus",
      )
    ),
    JSON.stringify(log.map((l) => l.message)),
  );

  a = { status: 201, body: { success: true, data: { id: "1" } } };
  assert.equal((await call(tool, "POST", "/orders", {})).status, 500);
  assert.ok(log.some((l) =>
    l.message.includes(
      "POST /orders answered 201 with a body that does not match responses[201]: data.id: expected number, received string",
    )
  ));
  a = { status: 404, body: { success: false, error: "no such order" } };
  assert.equal((await call(tool, "POST", "/orders", {})).status, 404);
});

Deno.test("responses: start mode checks nothing (the answer goes out as returned)", async () => {
  const tool = new HttpTool();
  tool.setup(standaloneContext({ root: Deno.cwd(), mode: "start" }));
  shop(tool, () => ({ body: { anything: true } }));
  const res = await call(tool, "POST", "/orders", {});
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { anything: true });
  await tool.shutdown?.();
});
