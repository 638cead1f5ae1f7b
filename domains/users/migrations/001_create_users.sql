-- Accounts of the example users domain. `email` is stored normalised (trimmed, lower case) by the
-- plugins, so UNIQUE is the whole duplicate check; `password_hash` is the auth tool's encoded hash
-- (algorithm and parameters included), never the password.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
