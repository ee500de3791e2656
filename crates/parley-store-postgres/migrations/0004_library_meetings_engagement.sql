-- SQLite 0018, in PostgreSQL: the same columns and stored values (see 0001's header).
-- The call library (folders of calls and snippets), scheduled meetings, and customer
-- engagement events.

-- Folders nest through parent_id (same workspace); deleting one deletes what it holds.
CREATE TABLE library_folders (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    parent_id    BIGINT  REFERENCES library_folders (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    is_public    BOOLEAN NOT NULL,
    created_by   BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    created_us   BIGINT  NOT NULL,
    updated_us   BIGINT  NOT NULL
);
CREATE INDEX library_folders_workspace ON library_folders (workspace_id, name, id);
CREATE INDEX library_folders_parent ON library_folders (parent_id);

-- A call in a folder, whole (from_s and to_s NULL) or a snippet of it.
CREATE TABLE library_items (
    id         BIGINT PRIMARY KEY,
    folder_id  BIGINT  NOT NULL REFERENCES library_folders (id) ON DELETE CASCADE,
    call_id    BIGINT  NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    note       TEXT COLLATE "C",
    from_s     BIGINT,
    to_s       BIGINT,
    added_by   BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    added_us   BIGINT  NOT NULL
);
CREATE INDEX library_items_folder ON library_items (folder_id, added_us, id);
CREATE INDEX library_items_call ON library_items (call_id);

-- A scheduled meeting; call_id is the call that recorded it. url_key is the URL in the
-- form a call's meetingUrl is matched in (parley_domain::meeting::normalize_url).
CREATE TABLE meetings (
    id           BIGINT PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    organizer_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        TEXT COLLATE "C",
    start_us     BIGINT  NOT NULL,
    end_us       BIGINT  NOT NULL,
    external_id  TEXT COLLATE "C",
    url          TEXT COLLATE "C" NOT NULL,
    url_key      TEXT COLLATE "C" NOT NULL,
    call_id      BIGINT  REFERENCES calls (id) ON DELETE SET NULL,
    created_us   BIGINT  NOT NULL,
    updated_us   BIGINT  NOT NULL
);
CREATE INDEX meetings_workspace_start ON meetings (workspace_id, start_us, id);
CREATE INDEX meetings_url_key ON meetings (url_key);
CREATE INDEX meetings_organizer_start ON meetings (organizer_id, start_us);
CREATE INDEX meetings_call ON meetings (call_id);

CREATE TABLE meeting_invitees (
    meeting_id   BIGINT  NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    ord          BIGINT  NOT NULL,
    email        TEXT COLLATE "C" NOT NULL,
    display_name TEXT COLLATE "C",
    first_name   TEXT COLLATE "C",
    last_name    TEXT COLLATE "C",
    PRIMARY KEY (meeting_id, ord)
);

-- An engagement event; detail is the request as sent (JSON). One (kind, source,
-- event_id) is reported once (NULL event ids are never equal).
CREATE TABLE engagement_events (
    id           BIGINT PRIMARY KEY,
    kind         TEXT COLLATE "C" NOT NULL,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces (id),
    source       TEXT COLLATE "C" NOT NULL,
    event_id     TEXT COLLATE "C",
    at_us        BIGINT  NOT NULL,
    title        TEXT COLLATE "C",
    url          TEXT COLLATE "C",
    action       TEXT COLLATE "C",
    person_email TEXT COLLATE "C",
    detail       TEXT COLLATE "C" NOT NULL,
    recorded_us  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX engagement_events_once ON engagement_events (kind, source, event_id);
CREATE INDEX engagement_events_at ON engagement_events (workspace_id, at_us, id);
CREATE INDEX engagement_events_person ON engagement_events (person_email);

-- The CRM objects an event names; object_type is stored as sent, matched without case.
CREATE TABLE engagement_objects (
    event_id    BIGINT  NOT NULL REFERENCES engagement_events (id) ON DELETE CASCADE,
    ord         BIGINT  NOT NULL,
    system      TEXT COLLATE "C",
    object_type TEXT COLLATE "C" NOT NULL,
    object_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (event_id, ord)
);
CREATE INDEX engagement_objects_object ON engagement_objects (object_id, object_type);
