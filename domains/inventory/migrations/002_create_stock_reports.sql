-- Stock reports, written by the inventory.stock_report background job (one row per job id, so
-- a job that runs twice — delivery is at least once — writes one row).
-- Portable SQL: this one file runs on SQLite and PostgreSQL.
CREATE TABLE stock_reports (
  job_id TEXT PRIMARY KEY,
  threshold INTEGER NOT NULL,
  low_count INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
