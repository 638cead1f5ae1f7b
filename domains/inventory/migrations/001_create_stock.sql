-- Stock per product, kept by the inventory domain from the products domain's events.
-- No foreign key to products: domains share nothing but events.
-- Portable SQL: this one file runs on SQLite and PostgreSQL.
CREATE TABLE stock (
  product_id INTEGER PRIMARY KEY,
  quantity INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
