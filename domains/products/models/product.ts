import { z } from "zod";

/** What a client sends to create a product. */
export const ProductInput = z.object({
  name: z.string().trim().min(1).max(200),
  price: z.number().nonnegative(),
  /** Initial stock, counted by the inventory domain when it hears `product.created`. */
  stock: z.number().int().nonnegative().default(0),
});

/** A partial update. */
export const ProductPatch = ProductInput.omit({ stock: true }).partial().refine(
  (p) => Object.keys(p).length > 0,
  "send at least one field to change",
);

/** A product as stored. */
export const Product = z.object({
  id: z.number().int(),
  name: z.string(),
  price: z.number(),
  created_at: z.string(),
});

/** `:id` path parameter. */
export const ProductId = z.object({ id: z.coerce.number().int().positive() });

/** Paging for lists. */
export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

export type Product = z.infer<typeof Product>;

/** `{ id }` of the product a write touched. */
export const ProductRef = z.object({ id: z.number().int() });
