import { BasePlugin } from "@core";
import { type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";
import type { State } from "@tools/state/mod.ts";
import { ProductId } from "../models/product.ts";

/**
 * `POST /products/:id/views` counts a view and `GET /products/:id/views` reads the count: a
 * counter in the state tool, shared by every instance when `STATE_DRIVER=redis`. While Redis is
 * unreachable both answer 503 (the state tool fails fast), and counting resumes when it is back.
 */
export default class ProductViewsPlugin extends BasePlugin {
  constructor(private http: Http, private state: State) {
    super();
  }

  override onBoot() {
    const responses = { 200: ok(z.object({ id: z.number().int(), views: z.number().int() })) };
    const views = this.state.namespace("product_views");
    this.http.addEndpoint("/products/:id/views", "POST", async ({ id }) => {
      return { success: true, data: { id, views: await views.increment(String(id)) } };
    }, { params: ProductId, responses, tags: ["products"], summary: "Count a view of a product" });
    this.http.addEndpoint("/products/:id/views", "GET", async ({ id }) => {
      const n = await views.get<number>(String(id));
      return { success: true, data: { id, views: n ?? 0 } };
    }, { params: ProductId, responses, tags: ["products"], summary: "Views of a product" });
  }
}
