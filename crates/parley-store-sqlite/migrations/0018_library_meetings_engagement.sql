-- The call library (folders of calls and snippets), scheduled meetings, and customer
-- engagement events.

-- Folders nest through parent_id (same workspace); deleting one deletes what it holds.
CREATE TABLE library_folders (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    parent_id    INTEGER REFERENCES library_folders (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    is_public    INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_us   INTEGER NOT NULL,
    updated_us   INTEGER NOT NULL
);
CREATE INDEX library_folders_workspace ON library_folders (workspace_id, name, id);
CREATE INDEX library_folders_parent ON library_folders (parent_id);

-- A call in a folder, whole (from_s and to_s NULL) or a snippet of it.
CREATE TABLE library_items (
    id         INTEGER PRIMARY KEY,
    folder_id  INTEGER NOT NULL REFERENCES library_folders (id) ON DELETE CASCADE,
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    note       TEXT,
    from_s     INTEGER,
    to_s       INTEGER,
    added_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    added_us   INTEGER NOT NULL
);
CREATE INDEX library_items_folder ON library_items (folder_id, added_us, id);
CREATE INDEX library_items_call ON library_items (call_id);

-- A scheduled meeting; call_id is the call that recorded it. url_key is the URL in the
-- form a call's meetingUrl is matched in (parley_domain::meeting::normalize_url).
CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    organizer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT,
    start_us     INTEGER NOT NULL,
    end_us       INTEGER NOT NULL,
    external_id  TEXT,
    url          TEXT    NOT NULL,
    url_key      TEXT    NOT NULL,
    call_id      INTEGER REFERENCES calls (id) ON DELETE SET NULL,
    created_us   INTEGER NOT NULL,
    updated_us   INTEGER NOT NULL
);
CREATE INDEX meetings_workspace_start ON meetings (workspace_id, start_us, id);
CREATE INDEX meetings_url_key ON meetings (url_key);
CREATE INDEX meetings_organizer_start ON meetings (organizer_id, start_us);
CREATE INDEX meetings_call ON meetings (call_id);

CREATE TABLE meeting_invitees (
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    ord          INTEGER NOT NULL,
    email        TEXT    NOT NULL,
    display_name TEXT,
    first_name   TEXT,
    last_name    TEXT,
    PRIMARY KEY (meeting_id, ord)
) WITHOUT ROWID;

-- An engagement event; detail is the request as sent (JSON). One (kind, source,
-- event_id) is reported once (NULL event ids are never equal).
CREATE TABLE engagement_events (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    source       TEXT    NOT NULL,
    event_id     TEXT,
    at_us        INTEGER NOT NULL,
    title        TEXT,
    url          TEXT,
    action       TEXT,
    person_email TEXT,
    detail       TEXT    NOT NULL,
    recorded_us  INTEGER NOT NULL
);
CREATE UNIQUE INDEX engagement_events_once ON engagement_events (kind, source, event_id);
CREATE INDEX engagement_events_at ON engagement_events (workspace_id, at_us, id);
CREATE INDEX engagement_events_person ON engagement_events (person_email);

-- The CRM objects an event names; object_type is stored as sent, matched without case.
CREATE TABLE engagement_objects (
    event_id    INTEGER NOT NULL REFERENCES engagement_events (id) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    system      TEXT,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    PRIMARY KEY (event_id, ord)
) WITHOUT ROWID;
CREATE INDEX engagement_objects_object ON engagement_objects (object_id, object_type);
