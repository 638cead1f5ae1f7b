import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import { type Http, HttpError, ok } from "@tools/http/mod.ts";
import { ProductId, ProductRef } from "../models/product.ts";

/** `DELETE /products/:id`: remove a product and announce it, in one transaction. */
export default class DeleteProductPlugin extends BasePlugin {
  constructor(private http: Http, private db: Db, private event_bus: EventBus) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/products/:id", "DELETE", async ({ id }) => {
      await this.db.transaction(async (tx) => {
        const { changes } = await tx.execute("DELETE FROM products WHERE id = $1", [id]);
        if (changes === 0) throw new HttpError(404, `product ${id} not found`);
        this.event_bus.publish("product.deleted", { id }); // sent once the delete commits
      });
      return { success: true, data: { id } };
    }, {
      params: ProductId,
      responses: { 200: ok(ProductRef) },
      tags: ["products"],
      summary: "Delete a product",
    });
  }
}
