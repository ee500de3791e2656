-- People who sign in: a password (argon2id PHC string, never the password), sessions
-- (only the SHA-256 of the cookie's token is kept) and one-time password-reset tokens
-- (also by SHA-256).
CREATE TABLE user_passwords (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT    NOT NULL,
    updated_us INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_sha  TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    created_us INTEGER NOT NULL,
    expires_us INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
    token_sha  TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_us INTEGER NOT NULL
);
