import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import { type Http, HttpError, ok } from "@tools/http/mod.ts";
import { ProductId, ProductPatch, ProductRef } from "../models/product.ts";

/** `PATCH /products/:id`: change a product's name and/or price. */
export default class UpdateProductPlugin extends BasePlugin {
  constructor(private http: Http, private db: Db) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/products/:id", "PATCH", async ({ id, name, price }) => {
      const { changes } = await this.db.execute(
        "UPDATE products SET name = COALESCE($1, name), price = COALESCE($2, price) WHERE id = $3",
        [name ?? null, price ?? null, id],
      );
      if (changes === 0) throw new HttpError(404, `product ${id} not found`);
      return { success: true, data: { id } };
    }, {
      params: ProductId,
      body: ProductPatch,
      responses: { 200: ok(ProductRef) },
      tags: ["products"],
      summary: "Update a product",
    });
  }
}
