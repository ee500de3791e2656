-- Identity: keys carry scopes, optionally one workspace and an owner, and their last use;
-- users have a role.

-- Space-separated scope strings (parley_domain::Scope); NULL for keys made before scopes
-- existed, which keep every scope (they keep working unchanged).
ALTER TABLE api_keys ADD COLUMN scopes TEXT;
-- The one workspace the key reaches; NULL: every workspace.
ALTER TABLE api_keys ADD COLUMN workspace_id INTEGER REFERENCES workspaces (id) ON DELETE CASCADE;
-- The user the key belongs to (it acts with their role); NULL: a company key.
ALTER TABLE api_keys ADD COLUMN owner_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE;
-- Updated at most once a minute per node, so a busy key costs no write per request.
ALTER TABLE api_keys ADD COLUMN last_used_us INTEGER;

-- A user's role (parley_domain::Role); users without a row are members.
CREATE TABLE user_roles (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    updated_us INTEGER NOT NULL
);

-- Who attended which call, for "own calls and the calls one attended" access.
CREATE INDEX parties_user ON parties (user_id, call_id) WHERE user_id IS NOT NULL;
