-- Parley's first schema: workspaces, users, API keys, calls with parties and CRM links,
-- transcripts. Times are microseconds since the Unix epoch, UTC.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT,
    created_us  INTEGER NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
    id                       INTEGER PRIMARY KEY,
    email                    TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    created_us               INTEGER NOT NULL,
    active                   INTEGER NOT NULL,
    first_name               TEXT    NOT NULL,
    last_name                TEXT    NOT NULL,
    title                    TEXT,
    phone                    TEXT,
    extension                TEXT,
    manager_id               INTEGER REFERENCES users (id),
    trusted_email            TEXT,
    meeting_consent_page_url TEXT,
    email_aliases            TEXT    NOT NULL DEFAULT '[]',
    personal_meeting_urls    TEXT    NOT NULL DEFAULT '[]',
    spoken_languages         TEXT    NOT NULL DEFAULT '[]',
    web_conferences_recorded          INTEGER NOT NULL DEFAULT 0,
    prevent_web_conference_recording  INTEGER NOT NULL DEFAULT 0,
    telephony_calls_imported          INTEGER NOT NULL DEFAULT 0,
    emails_imported                   INTEGER NOT NULL DEFAULT 0,
    prevent_email_import              INTEGER NOT NULL DEFAULT 0,
    non_recorded_meetings_imported    INTEGER NOT NULL DEFAULT 0,
    gong_connect_enabled              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_created ON users (created_us, id);

CREATE TABLE user_settings_history (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    setting TEXT    NOT NULL,
    value   INTEGER NOT NULL,
    time_us INTEGER NOT NULL
);
CREATE INDEX user_settings_history_user ON user_settings_history (user_id, seq);

-- Secrets are never stored: only their argon2id hash (PHC string).
CREATE TABLE api_keys (
    access_key  TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    created_us  INTEGER NOT NULL,
    revoked_us  INTEGER
);

CREATE TABLE calls (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces (id),
    title             TEXT    NOT NULL,
    scheduled_us      INTEGER,
    started_us        INTEGER NOT NULL,
    duration_s        INTEGER NOT NULL,
    primary_user_id   INTEGER NOT NULL REFERENCES users (id),
    direction         TEXT    NOT NULL,
    system            TEXT,
    scope             TEXT    NOT NULL,
    media             TEXT    NOT NULL,
    language          TEXT,
    sdr_disposition   TEXT,
    client_unique_id  TEXT,
    custom_data       TEXT,
    purpose           TEXT,
    meeting_url       TEXT,
    is_private        INTEGER NOT NULL DEFAULT 0,
    calendar_event_id TEXT,
    media_source_url  TEXT,
    language_hint     TEXT,
    created_us        INTEGER NOT NULL
);
-- clientUniqueId is the caller's idempotency key for a recording.
CREATE UNIQUE INDEX calls_client_unique_id ON calls (client_unique_id) WHERE client_unique_id IS NOT NULL;
-- Keyset pagination: every listing walks (started_us, id) in order.
CREATE INDEX calls_started ON calls (started_us, id);
CREATE INDEX calls_workspace_started ON calls (workspace_id, started_us, id);
CREATE INDEX calls_primary_user_started ON calls (primary_user_id, started_us, id);

CREATE TABLE parties (
    id            INTEGER PRIMARY KEY,
    call_id       INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    ord           INTEGER NOT NULL,
    name          TEXT,
    email         TEXT,
    title         TEXT,
    user_id       INTEGER REFERENCES users (id),
    speaker_id    INTEGER,
    affiliation   TEXT    NOT NULL,
    phone         TEXT,
    methods       TEXT    NOT NULL DEFAULT '',
    media_channel INTEGER
);
CREATE INDEX parties_call ON parties (call_id, ord);
CREATE INDEX parties_email ON parties (email);

-- CRM objects hold their current field values; calls and parties link to them.
CREATE TABLE crm_objects (
    pk          INTEGER PRIMARY KEY AUTOINCREMENT,
    system      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    fields      TEXT    NOT NULL DEFAULT '[]',
    updated_us  INTEGER NOT NULL,
    UNIQUE (system, object_type, object_id)
);

CREATE TABLE crm_links (
    call_id  INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    party_id INTEGER REFERENCES parties (id) ON DELETE CASCADE,
    ord      INTEGER NOT NULL,
    crm_pk   INTEGER NOT NULL REFERENCES crm_objects (pk)
);
CREATE INDEX crm_links_call ON crm_links (call_id, ord);

CREATE TABLE transcripts (
    call_id    INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    source     TEXT    NOT NULL,
    created_us INTEGER NOT NULL
);

CREATE TABLE transcript_sentences (
    call_id    INTEGER NOT NULL REFERENCES transcripts (call_id) ON DELETE CASCADE,
    monologue  INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    speaker_id INTEGER NOT NULL,
    topic      TEXT,
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    PRIMARY KEY (call_id, monologue, seq)
) WITHOUT ROWID;

-- Server-wide secrets shared by every API node (e.g. the cursor signing key).
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
