-- Permission profiles (Gong's): what the users given one see and may do in one workspace.
-- Lists of ids (team leads, library folders) are decimal ids separated by spaces.
CREATE TABLE permission_profiles (
    id                                INTEGER PRIMARY KEY,
    workspace_id                      INTEGER NOT NULL REFERENCES workspaces (id),
    name                              TEXT    NOT NULL,
    description                       TEXT,
    library_level                     TEXT    NOT NULL,
    library_folders                   TEXT    NOT NULL,
    library_manage_public_folder      INTEGER NOT NULL,
    library_manage_streams            INTEGER NOT NULL,
    library_manage_folder_calls       INTEGER NOT NULL,
    library_share_folders_and_streams INTEGER NOT NULL,
    created_us                        INTEGER NOT NULL,
    updated_us                        INTEGER NOT NULL
);
CREATE UNIQUE INDEX permission_profiles_name ON permission_profiles (workspace_id, name);

-- One row per area with access other than none.
CREATE TABLE permission_profile_access (
    profile_id INTEGER NOT NULL REFERENCES permission_profiles (id) ON DELETE CASCADE,
    area       TEXT    NOT NULL,
    level      TEXT    NOT NULL,
    team_leads TEXT    NOT NULL,
    PRIMARY KEY (profile_id, area)
) WITHOUT ROWID;

-- One row per capability that is on.
CREATE TABLE permission_profile_capabilities (
    profile_id INTEGER NOT NULL REFERENCES permission_profiles (id) ON DELETE CASCADE,
    capability TEXT    NOT NULL,
    PRIMARY KEY (profile_id, capability)
) WITHOUT ROWID;

-- A user's profile in a workspace (at most one per workspace).
CREATE TABLE user_profiles (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    profile_id   INTEGER NOT NULL REFERENCES permission_profiles (id),
    updated_us   INTEGER NOT NULL,
    PRIMARY KEY (user_id, workspace_id)
);
CREATE INDEX user_profiles_profile ON user_profiles (profile_id, user_id);
