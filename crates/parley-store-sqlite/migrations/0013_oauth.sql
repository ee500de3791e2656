-- OAuth 2.0 authorization-code flow (parley_app::oauth): third-party apps, the one-time
-- codes a user's consent yields, and the tokens they are exchanged for. Codes and tokens
-- are random, high-entropy strings: only their SHA-256 (hex) is kept, so a stolen
-- database holds none that works; app secrets are argon2id PHC strings like keys'.
-- Every text column is bounded: nothing a client sends can grow a row without limit.

CREATE TABLE oauth_apps (
    client_id     TEXT    PRIMARY KEY CHECK (length(client_id) <= 64),
    name          TEXT    NOT NULL CHECK (length(name) <= 200),
    secret_hash   TEXT    NOT NULL CHECK (length(secret_hash) <= 256),
    -- JSON array of the redirect URIs the app may use, compared exactly.
    redirect_uris TEXT    NOT NULL CHECK (length(redirect_uris) <= 22000),
    -- Space-separated scope strings the app may ask for (parley_domain::Scope).
    scopes        TEXT    NOT NULL CHECK (length(scopes) <= 4096),
    -- The user who owns the app; NULL: the company's.
    owner_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_us    INTEGER NOT NULL,
    revoked_us    INTEGER
);

-- Authorization codes: single use (used_us is set on the first exchange; a second one
-- revokes the tokens the first one gave), valid a few minutes.
CREATE TABLE oauth_codes (
    code_sha       TEXT    PRIMARY KEY CHECK (length(code_sha) = 64),
    client_id      TEXT    NOT NULL REFERENCES oauth_apps (client_id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes         TEXT    NOT NULL CHECK (length(scopes) <= 4096),
    redirect_uri   TEXT    NOT NULL CHECK (length(redirect_uri) <= 2048),
    -- PKCE: BASE64URL(SHA-256(code_verifier)), when the client sent one (S256 only).
    code_challenge TEXT    CHECK (length(code_challenge) <= 128),
    -- The grant the code's tokens belong to.
    grant_id       TEXT    NOT NULL CHECK (length(grant_id) <= 64),
    created_us     INTEGER NOT NULL,
    expires_us     INTEGER NOT NULL,
    used_us        INTEGER
);
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_us);

-- Access and refresh tokens. One row per issuance; a refresh spends its row's refresh
-- token (refresh_used_us) and adds a row of the same grant, so presenting a spent
-- refresh token again is detected and revokes the whole grant.
CREATE TABLE oauth_tokens (
    id                 TEXT    PRIMARY KEY CHECK (length(id) <= 64),
    grant_id           TEXT    NOT NULL CHECK (length(grant_id) <= 64),
    access_sha         TEXT    NOT NULL UNIQUE CHECK (length(access_sha) = 64),
    refresh_sha        TEXT    NOT NULL UNIQUE CHECK (length(refresh_sha) = 64),
    client_id          TEXT    NOT NULL REFERENCES oauth_apps (client_id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes             TEXT    NOT NULL CHECK (length(scopes) <= 4096),
    -- The one workspace the token reaches; NULL: every workspace its user reaches.
    workspace_id       INTEGER REFERENCES workspaces (id) ON DELETE CASCADE,
    created_us         INTEGER NOT NULL,
    access_expires_us  INTEGER NOT NULL,
    refresh_expires_us INTEGER NOT NULL,
    refresh_used_us    INTEGER,
    revoked_us         INTEGER,
    last_used_us       INTEGER
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_client ON oauth_tokens (client_id);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens (refresh_expires_us);
