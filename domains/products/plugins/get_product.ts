import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import { type Http, HttpError, ok } from "@tools/http/mod.ts";
import { z } from "zod";
import { Product, ProductId } from "../models/product.ts";

/** `GET /products/:id`: one product, with its stock asked of the inventory domain. */
export default class GetProductPlugin extends BasePlugin {
  constructor(private http: Http, private db: Db, private event_bus: EventBus) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/products/:id", "GET", async ({ id }) => {
      const product = await this.db.queryOne<Product>(
        "SELECT id, name, price, created_at FROM products WHERE id = $1",
        [id],
      );
      if (!product) throw new HttpError(404, `product ${id} not found`);
      // Another domain, reached only through the bus; the product still answers without it.
      const stock = await this.event_bus
        .request("inventory.stock", { productId: id }, { timeout: 500 })
        .then((r) => r.quantity, () => null);
      return { success: true, data: { ...product, stock } };
    }, {
      params: ProductId,
      // stock: null when the inventory domain did not answer in time.
      responses: { 200: ok(Product.extend({ stock: z.number().int().nullable() })) },
      tags: ["products"],
      summary: "Get a product",
    });
  }
}
