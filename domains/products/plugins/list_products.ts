import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import { type Http, ok } from "@tools/http/mod.ts";
import { z } from "zod";
import { Page, Product } from "../models/product.ts";

/** `GET /products?limit=&offset=`: one page of products, newest last, with the total. */
export default class ListProductsPlugin extends BasePlugin {
  constructor(private http: Http, private db: Db) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/products", "GET", async ({ limit, offset }) => {
      const items = await this.db.query<Product>(
        "SELECT id, name, price, created_at FROM products ORDER BY id LIMIT $1 OFFSET $2",
        [limit, offset],
      );
      const total = await this.db.queryOne<{ n: number }>("SELECT COUNT(*) AS n FROM products");
      return { success: true, data: { items, total: total?.n ?? 0, limit, offset } };
    }, {
      query: Page,
      responses: {
        200: ok(
          z.object({
            items: z.array(Product),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        ),
      },
      tags: ["products"],
      summary: "List products",
    });
  }
}
