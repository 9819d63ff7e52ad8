-- Accounts, sessions and per-unit settings of the web application (same version on SQLite).
-- Passwords are stored as argon2 PHC strings, session tokens as the SHA-256 digest of the cookie secret.

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('commune_officer', 'supervisor', 'partner', 'admin')),
    unit_id        BIGINT REFERENCES units (id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_username UNIQUE (username),
    CHECK (unit_id IS NOT NULL OR role = 'admin')
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    csrf_token  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Per-unit settings; a unit without a row publishes its lists (the default).
CREATE TABLE unit_settings (
    unit_id       BIGINT PRIMARY KEY REFERENCES units (id),
    public_lists  BOOLEAN NOT NULL
);
