import { BasePlugin } from "@core";
import type { Db } from "@tools/db/mod.ts";
import type { EventBus } from "@tools/event_bus/mod.ts";
import { type Http, ok } from "@tools/http/mod.ts";
import type { Logger } from "@tools/logger/mod.ts";
import { ProductInput, ProductRef } from "../models/product.ts";

/**
 * `POST /products`: insert a product and announce it in one transaction (the event is written
 * with the row and sent after the commit, so neither exists without the other), return its id.
 */
export default class CreateProductPlugin extends BasePlugin {
  constructor(
    private http: Http,
    private db: Db,
    private logger: Logger,
    private event_bus: EventBus,
  ) {
    super();
  }

  override onBoot() {
    this.http.addEndpoint("/products", "POST", async (data, ctx) => {
      const id = await this.db.transaction(async (tx) => {
        // RETURNING gives the new id on every engine (SQLite and PostgreSQL).
        const { id } = (await tx.queryOne<{ id: number }>(
          "INSERT INTO products (name, price) VALUES ($1, $2) RETURNING id",
          [data.name, data.price],
        ))!;
        // Inside the transaction: kept in the outbox with the row, sent once it commits.
        this.event_bus.publish("product.created", { id, name: data.name, stock: data.stock });
        return id;
      });
      this.logger.info("product created", { id });
      ctx.setStatus(201);
      return { success: true, data: { id } };
    }, {
      body: ProductInput,
      responses: { 201: ok(ProductRef) },
      tags: ["products"],
      summary: "Create a product",
    });
  }
}
