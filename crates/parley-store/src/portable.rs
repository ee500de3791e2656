//! The portable schema: every table a copy between databases moves (`parley migrate`,
//! `parley backup`, `parley restore`), described once, and the small interface each backend
//! offers for it ([`Portable`], [`Snapshot`]).
//!
//! Both backends store the same columns with the same value formats (see the PostgreSQL
//! schema's header), so a copy is a plain row copy in key order: it reads pages of rows
//! from a consistent snapshot of the source and inserts each page in one transaction of
//! the target. Resuming after an interruption starts each table after the target's last
//! key; the pages are whole and ordered, so what is below that key was copied.
//!
//! Architecture Invariant: a table the backends create is either in [`TABLES`] or in
//! [`NOT_COPIED`] with the reason; each backend's tests check this against its real
//! database, so a migration that adds a column or a table cannot be forgotten here.

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::Result;

/// How a column's values are carried between backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A 64-bit integer (SQLite INTEGER; PostgreSQL BIGINT or INTEGER).
    Int,
    /// A flag (SQLite 0/1; PostgreSQL BOOLEAN).
    Bool,
    /// A double (SQLite REAL; PostgreSQL DOUBLE PRECISION).
    Real,
    /// Text (SQLite TEXT; PostgreSQL TEXT COLLATE "C").
    Text,
    /// Bytes (SQLite BLOB; PostgreSQL BYTEA).
    Bytes,
}

/// What a copy does with a column besides copying it with its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Later {
    /// Copied with the row, and that is all.
    No,
    /// Inserted as NULL, then written once every table is copied: it refers to a row of
    /// its own table that may come later in key order (`users.manager_id`).
    Null,
    /// Copied with the row, and written again once every table is copied: the target's
    /// triggers change it while later tables are copied (`calls.version` moves with every
    /// party, transcript and analysis inserted).
    Again,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    pub later: Later,
}

/// A table: its columns, and the key a copy walks it by.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The key columns (never NULL), in order. Unique unless `unique` is false: then a
    /// page always holds every row of the key values it reaches (`crm_links` by call).
    pub key: &'static [&'static str],
    pub unique: bool,
}

impl Table {
    pub fn by_name(name: &str) -> Option<&'static Table> {
        TABLES.iter().find(|t| t.name == name)
    }

    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|c| c.name)
    }

    /// Positions of the key columns in a row.
    pub fn key_positions(&self) -> Vec<usize> {
        self.key
            .iter()
            .map(|k| {
                self.columns
                    .iter()
                    .position(|c| c.name == *k)
                    .expect("key column listed in the table")
            })
            .collect()
    }

    /// The columns after the key that fix the order of rows sharing a key value (for a
    /// key that is not unique), so that both backends read rows in the same order.
    pub fn tie_breakers(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.columns
            .iter()
            .filter(move |c| !self.unique && !self.key.contains(&c.name))
    }

    pub fn has_later(&self) -> bool {
        self.columns.iter().any(|c| c.later != Later::No)
    }
}

/// One value of a row, in the portable form.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// A row: one value per column of its [`Table`], in the table's column order.
pub type Row = Vec<Value>;

/// The key values of `row`.
pub fn key_of(table: &Table, row: &Row) -> Row {
    table
        .key_positions()
        .into_iter()
        .map(|i| row[i].clone())
        .collect()
}

/// A running SHA-256 over rows in read order: two databases hold the same table when
/// their counts and digests agree. Each value is tagged with its type and length, so no
/// two different rows encode alike.
#[derive(Default, Clone)]
pub struct RowDigest {
    hash: Sha256,
    rows: u64,
}

impl RowDigest {
    pub fn add(&mut self, row: &Row) {
        self.rows += 1;
        for v in row {
            match v {
                Value::Null => self.hash.update([0]),
                Value::Int(i) => {
                    self.hash.update([1]);
                    self.hash.update(i.to_le_bytes());
                }
                Value::Bool(b) => self.hash.update([2, u8::from(*b)]),
                Value::Real(f) => {
                    self.hash.update([3]);
                    self.hash.update(f.to_bits().to_le_bytes());
                }
                Value::Text(s) => {
                    self.hash.update([4]);
                    self.hash.update((s.len() as u64).to_le_bytes());
                    self.hash.update(s.as_bytes());
                }
                Value::Bytes(b) => {
                    self.hash.update([5]);
                    self.hash.update((b.len() as u64).to_le_bytes());
                    self.hash.update(b);
                }
            }
        }
        self.hash.update([0xff]);
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The digest as lowercase hex.
    pub fn finish(self) -> String {
        self.hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A consistent, read-only view of a whole database (one read transaction), read a page
/// at a time.
#[async_trait]
pub trait Snapshot: Send {
    async fn count(&mut self, table: &Table) -> Result<u64>;
    /// Up to about `limit` rows with keys after `after` (all rows when `None`), in key
    /// order (then the tie breakers, NULLs first). For a non-unique key the page ends at
    /// the end of a key value, and may hold more than `limit` rows to get there.
    async fn read(&mut self, table: &Table, after: Option<&Row>, limit: usize) -> Result<Vec<Row>>;
}

/// A walk through a table a page at a time, in key order, starting after `after`.
pub struct Pages {
    table: &'static Table,
    after: Option<Row>,
    rows: usize,
}

impl Pages {
    pub fn new(table: &'static Table, after: Option<Row>, rows: usize) -> Pages {
        Pages {
            table,
            after,
            rows: rows.max(1),
        }
    }

    /// The next page from `snap`, or `None` past the last row.
    pub async fn next(&mut self, snap: &mut dyn Snapshot) -> Result<Option<Vec<Row>>> {
        let page = snap
            .read(self.table, self.after.as_ref(), self.rows)
            .await?;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        self.after = Some(key_of(self.table, last));
        Ok(Some(page))
    }
}

/// What a backend offers a copy. The target of a copy is a database nobody else writes to
/// while it runs (a copy is made with the servers stopped, or into a fresh database).
#[async_trait]
pub trait Portable: Send + Sync {
    /// Where the database is, without credentials (for messages).
    fn describe(&self) -> String;
    async fn snapshot(&self) -> Result<Box<dyn Snapshot>>;
    /// The key of the last row in key order, if any: a copy resumes after it.
    async fn last_key(&self, table: &Table) -> Result<Option<Row>>;
    /// Inserts the rows in one transaction (all or none). [`Later::Null`] columns must
    /// already be NULL.
    async fn insert(&self, table: &Table, rows: &[Row]) -> Result<()>;
    /// Writes the [`Later`] columns of existing rows, found by key, in one transaction.
    async fn rewrite(&self, table: &Table, rows: &[Row]) -> Result<()>;
    /// After a copy: identity sequences past the copied ids, fresh planner statistics.
    async fn finish(&self) -> Result<()>;
    /// Every table of the database and its columns, as the database itself lists them
    /// (for the check that [`TABLES`] and [`NOT_COPIED`] cover the schema).
    async fn schema(&self) -> Result<Vec<(String, Vec<String>)>>;
}

/// Tables a copy leaves alone, and why.
pub const NOT_COPIED: &[(&str, &str)] = &[
    (
        "generations",
        "a change counter each backend keeps in its own shape; the target's moves as rows are copied",
    ),
    (
        "rate_limits",
        "short-lived rate-limit buckets; they refill within a day",
    ),
    (
        "workers",
        "worker processes' last reports; the workers of the target's servers report within seconds",
    ),
    (
        "call_facts",
        "the calls search's index: triggers write the target's as calls, parties and links are copied",
    ),
    (
        "call_words",
        "the calls search's index: the target's is written from the copied sentences when the copy ends",
    ),
    ("_sqlx_migrations", "each backend's own migration history"),
    ("sqlite_sequence", "SQLite's id counters, moved by the inserts"),
    ("sqlite_stat1", "SQLite's planner statistics, made by ANALYZE"),
];

macro_rules! cols {
    ($($name:ident : $ty:ident $(($later:ident))?),* $(,)?) => {
        &[$(Column {
            name: stringify!($name),
            ty: Type::$ty,
            later: cols!(@later $($later)?),
        }),*]
    };
    (@later) => { Later::No };
    (@later $later:ident) => { Later::$later };
}

/// Every table a copy moves, parents before the tables that refer to them.
pub static TABLES: &[Table] = &[
    Table {
        name: "workspaces",
        columns: cols!(id: Int, name: Text, description: Text, created_us: Int, is_default: Bool),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "users",
        columns: cols!(
            id: Int, email: Text, created_us: Int, active: Bool, first_name: Text,
            last_name: Text, title: Text, phone: Text, extension: Text, manager_id: Int(Null),
            trusted_email: Text, meeting_consent_page_url: Text, email_aliases: Text,
            personal_meeting_urls: Text, spoken_languages: Text, web_conferences_recorded: Bool,
            prevent_web_conference_recording: Bool, telephony_calls_imported: Bool,
            emails_imported: Bool, prevent_email_import: Bool,
            non_recorded_meetings_imported: Bool, gong_connect_enabled: Bool,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "user_settings_history",
        columns: cols!(seq: Int, user_id: Int, setting: Text, value: Bool, time_us: Int),
        key: &["seq"],
        unique: true,
    },
    Table {
        name: "api_keys",
        columns: cols!(
            access_key: Text, name: Text, secret_hash: Text, created_us: Int, revoked_us: Int,
            scopes: Text, workspace_id: Int, owner_user_id: Int, last_used_us: Int,
        ),
        key: &["access_key"],
        unique: true,
    },
    Table {
        name: "user_roles",
        columns: cols!(user_id: Int, role: Text, updated_us: Int),
        key: &["user_id"],
        unique: true,
    },
    Table {
        name: "user_passwords",
        columns: cols!(user_id: Int, hash: Text, updated_us: Int),
        key: &["user_id"],
        unique: true,
    },
    Table {
        name: "sessions",
        columns: cols!(token_sha: Text, user_id: Int, csrf: Text, created_us: Int, expires_us: Int),
        key: &["token_sha"],
        unique: true,
    },
    Table {
        name: "password_resets",
        columns: cols!(token_sha: Text, user_id: Int, expires_us: Int),
        key: &["token_sha"],
        unique: true,
    },
    Table {
        name: "server_secrets",
        columns: cols!(name: Text, value: Bytes),
        key: &["name"],
        unique: true,
    },
    Table {
        name: "calls",
        columns: cols!(
            id: Int, workspace_id: Int, title: Text, scheduled_us: Int, started_us: Int,
            duration_s: Int, primary_user_id: Int, direction: Text, system: Text, scope: Text,
            media: Text, language: Text, sdr_disposition: Text, client_unique_id: Text,
            custom_data: Text, purpose: Text, meeting_url: Text, is_private: Bool,
            calendar_event_id: Text, media_source_url: Text, language_hint: Text,
            created_us: Int, version: Int(Again),
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "parties",
        columns: cols!(
            id: Int, call_id: Int, ord: Int, name: Text, email: Text, title: Text, user_id: Int,
            speaker_id: Int, affiliation: Text, phone: Text, methods: Text, media_channel: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "crm_objects",
        columns: cols!(
            pk: Int, system: Text, object_type: Text, object_id: Text, fields: Text,
            updated_us: Int,
        ),
        key: &["pk"],
        unique: true,
    },
    Table {
        name: "crm_links",
        columns: cols!(call_id: Int, party_id: Int, ord: Int, crm_pk: Int),
        key: &["call_id"],
        unique: false,
    },
    Table {
        name: "transcripts",
        columns: cols!(
            call_id: Int, source: Text, created_us: Int, monologues: Int, sentences: Int,
            text_bytes: Int,
        ),
        key: &["call_id"],
        unique: true,
    },
    Table {
        name: "transcript_sentences",
        columns: cols!(
            call_id: Int, monologue: Int, seq: Int, speaker_id: Int, topic: Text, start_ms: Int,
            end_ms: Int, text: Text, words: Text,
        ),
        key: &["call_id", "monologue", "seq"],
        unique: true,
    },
    Table {
        name: "jobs",
        columns: cols!(
            id: Int, kind: Text, call_id: Int, payload: Text, state: Text, attempts: Int,
            max_attempts: Int, run_after_us: Int, lease_owner: Text, lease_until_us: Int,
            progress: Real, error: Text, created_us: Int, updated_us: Int, finished_us: Int,
            crashes: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "call_media",
        columns: cols!(
            call_id: Int, key: Text, size_bytes: Int, sha256: Text, file_name: Text,
            content_type: Text, container: Text, codec: Text, channels: Int, sample_rate: Int,
            duration_ms: Int, has_video: Bool, uploaded_us: Int,
        ),
        key: &["call_id"],
        unique: true,
    },
    Table {
        name: "call_waveforms",
        columns: cols!(
            call_id: Int, media_sha256: Text, bucket_ms: Int, duration_ms: Int, peaks: Bytes,
        ),
        key: &["call_id"],
        unique: true,
    },
    Table {
        name: "call_speakers",
        columns: cols!(
            call_id: Int, speaker_id: Int, channel: Int, speech_ms: Int, voice: Bytes,
            party_id: Int, source: Text,
        ),
        key: &["call_id", "speaker_id"],
        unique: true,
    },
    Table {
        name: "call_speaker_timelines",
        columns: cols!(call_id: Int, precise: Bool, segments: Text),
        key: &["call_id"],
        unique: true,
    },
    Table {
        name: "voice_profiles",
        columns: cols!(user_id: Int, voice: Bytes, samples: Int, updated_us: Int),
        key: &["user_id"],
        unique: true,
    },
    Table {
        name: "trackers",
        columns: cols!(
            id: Int, workspace_id: Int, name: Text, definition: Text, created_us: Int,
            creator_user_id: Int, updated_us: Int, updater_user_id: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "workspace_topics",
        columns: cols!(workspace_id: Int, topics: Text, updated_us: Int),
        key: &["workspace_id"],
        unique: true,
    },
    Table {
        name: "call_analysis",
        columns: cols!(
            call_id: Int, transcript_us: Int, interaction: Text, topics: Text, trackers: Text,
            summary: Text, engine: Text, analysed_us: Int, format: Int,
        ),
        key: &["call_id"],
        unique: true,
    },
    Table {
        name: "call_person_stats",
        columns: cols!(call_id: Int, user_id: Int, started_us: Int, stats: Text, format: Int),
        key: &["call_id", "user_id"],
        unique: true,
    },
    Table {
        name: "activity_events",
        columns: cols!(
            id: Int, kind: Text, actor_user_id: Int, subject_user_id: Int, call_id: Int,
            at_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    // Comments on calls (SQLite 0024, PostgreSQL 0010): a reply may come before the
    // comment it answers in key order, so `in_reply_to` is written once all are copied.
    Table {
        name: "call_comments",
        columns: cols!(
            id: Int, call_id: Int, author_user_id: Int, text: Text, start_ms: Int, end_ms: Int,
            in_reply_to: Int(Null), is_public: Bool, during_call: Bool, posted_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "call_shares",
        columns: cols!(
            id: Int, call_id: Int, created_by_user_id: Int, token_sha256: Text, recipient: Text,
            created_us: Int, expires_us: Int, revoked_us: Int, views: Int, last_viewed_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "audit_log",
        columns: cols!(
            id: Int, log: Text, at_us: Int, last_us: Int, count: Int, bucket_us: Int,
            actor_kind: Text, actor: Text, user_id: Int, action: Text, client_ip: Text,
            method: Text, route: Text, path: Text, params: Text, targets: Text, outcome: Text,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "oauth_apps",
        columns: cols!(
            client_id: Text, name: Text, secret_hash: Text, redirect_uris: Text, scopes: Text,
            owner_user_id: Int, created_us: Int, revoked_us: Int,
        ),
        key: &["client_id"],
        unique: true,
    },
    Table {
        name: "oauth_codes",
        columns: cols!(
            code_sha: Text, client_id: Text, user_id: Int, scopes: Text, redirect_uri: Text,
            code_challenge: Text, grant_id: Text, created_us: Int, expires_us: Int, used_us: Int,
        ),
        key: &["code_sha"],
        unique: true,
    },
    Table {
        name: "oauth_tokens",
        columns: cols!(
            id: Text, grant_id: Text, access_sha: Text, refresh_sha: Text, client_id: Text,
            user_id: Int, scopes: Text, workspace_id: Int, created_us: Int,
            access_expires_us: Int, refresh_expires_us: Int, refresh_used_us: Int,
            revoked_us: Int, last_used_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "permission_profiles",
        columns: cols!(
            id: Int, workspace_id: Int, name: Text, description: Text, library_level: Text,
            library_folders: Text, library_manage_public_folder: Bool,
            library_manage_streams: Bool, library_manage_folder_calls: Bool,
            library_share_folders_and_streams: Bool, created_us: Int, updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "permission_profile_access",
        columns: cols!(profile_id: Int, area: Text, level: Text, team_leads: Text),
        key: &["profile_id", "area"],
        unique: true,
    },
    Table {
        name: "permission_profile_capabilities",
        columns: cols!(profile_id: Int, capability: Text),
        key: &["profile_id", "capability"],
        unique: true,
    },
    Table {
        name: "user_profiles",
        columns: cols!(user_id: Int, workspace_id: Int, profile_id: Int, updated_us: Int),
        key: &["user_id", "workspace_id"],
        unique: true,
    },
    // Scorecards (SQLite 0017, PostgreSQL 0003).
    Table {
        name: "scorecards",
        columns: cols!(
            id: Int, workspace_id: Int, name: Text, enabled: Bool, review_method: Text,
            created_us: Int, creator_user_id: Int, updated_us: Int, updater_user_id: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "scorecard_questions",
        columns: cols!(
            scorecard_id: Int, position: Int, id: Int, revision_id: Int, text: Text, kind: Text,
            mandatory: Bool, is_overall: Bool, answer_guide: Text, min_range: Int,
            max_range: Int, options: Text, created_us: Int, updated_us: Int,
            updater_user_id: Int,
        ),
        key: &["scorecard_id", "position"],
        unique: true,
    },
    Table {
        name: "answered_scorecards",
        columns: cols!(
            id: Int, scorecard_id: Int, call_id: Int, reviewed_user_id: Int,
            reviewer_user_id: Int, reviewed_us: Int, visibility: Text,
            // SQLite 0028, PostgreSQL 0014: the last edit.
            edited_us: Int, editor_user_id: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "scorecard_answers",
        columns: cols!(
            answered_id: Int, position: Int, question_id: Int, revision_id: Int,
            not_applicable: Bool, score: Int, answer_text: Text, options: Text,
        ),
        key: &["answered_id", "position"],
        unique: true,
    },
    // The library, meetings and engagement events (SQLite 0018, PostgreSQL 0004).
    Table {
        name: "library_folders",
        columns: cols!(
            id: Int, workspace_id: Int, parent_id: Int(Null), name: Text, is_public: Bool,
            created_by: Int, created_us: Int, updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "library_items",
        columns: cols!(
            id: Int, folder_id: Int, call_id: Int, note: Text, from_s: Int, to_s: Int,
            added_by: Int, added_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "meetings",
        columns: cols!(
            id: Int, workspace_id: Int, organizer_id: Int, title: Text, start_us: Int,
            end_us: Int, external_id: Text, url: Text, url_key: Text, call_id: Int,
            created_us: Int, updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "meeting_invitees",
        columns: cols!(
            meeting_id: Int, ord: Int, email: Text, display_name: Text, first_name: Text,
            last_name: Text,
        ),
        key: &["meeting_id", "ord"],
        unique: true,
    },
    Table {
        name: "engagement_events",
        columns: cols!(
            id: Int, kind: Text, workspace_id: Int, source: Text, event_id: Text, at_us: Int,
            title: Text, url: Text, action: Text, person_email: Text, detail: Text,
            recorded_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "engagement_objects",
        columns: cols!(event_id: Int, ord: Int, system: Text, object_type: Text, object_id: Text),
        key: &["event_id", "ord"],
        unique: true,
    },
    Table {
        name: "crm_integrations",
        columns: cols!(id: Int, workspace_id: Int, owner_email: Text, name: Text, created_us: Int),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "crm_schema_fields",
        columns: cols!(
            integration_id: Int, object_type: Text, name: Text, ord: Int, label: Text,
            field_type: Text, last_modified_us: Int, is_deleted: Bool, reference_to: Text,
            ordered_values: Text,
        ),
        key: &["integration_id", "object_type", "name"],
        unique: true,
    },
    Table {
        name: "crm_entities",
        columns: cols!(
            integration_id: Int, object_type: Text, object_id: Text, modified_us: Int,
            is_deleted: Bool, fields: Text, updated_us: Int,
        ),
        key: &["integration_id", "object_type", "object_id"],
        unique: true,
    },
    Table {
        name: "crm_requests",
        columns: cols!(
            integration_id: Int, client_request_id: Text, workspace_id: Int, object_type: Text,
            status: Text, errors: Text, error_count: Int, success_count: Int, body: Text,
            created_us: Int, updated_us: Int,
        ),
        key: &["integration_id", "client_request_id"],
        unique: true,
    },
    Table {
        name: "crm_manual_associations",
        columns: cols!(
            id: Int, call_id: Int, workspace_id: Int, user_id: Int, created_us: Int,
            account_id: Text, deal_id: Text,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "call_user_access",
        columns: cols!(call_id: Int, user_id: Int, granted_us: Int),
        key: &["call_id", "user_id"],
        unique: true,
    },
    Table {
        name: "integration_settings",
        columns: cols!(integration_type: Text, allowed_origin: Text, updated_us: Int),
        key: &["integration_type"],
        unique: true,
    },
    Table {
        name: "flows",
        columns: cols!(
            id: Int, workspace_id: Int, name: Text, owner_id: Int, visibility: Text,
            folder: Text, exclusive: Bool, created_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "flow_instances",
        columns: cols!(
            id: Int, flow_id: Int, crm_prospect_id: Text, owner_id: Int, status: Text,
            created_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "privacy_erasures",
        columns: cols!(
            id: Int, kind: Text, subject: Text, masked: Text, dry_run: Bool, state: Text,
            requested_by: Text, requested_us: Int, finished_us: Int, job_id: Int, report: Text,
            error: Text,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "automation_rules",
        columns: cols!(
            id: Int, workspace_id: Int, name: Text, enabled: Bool, filter: Text, actions: Text,
            disabled_reason: Text, failures: Int, created_us: Int, updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "webhook_deliveries",
        columns: cols!(
            id: Int, rule_id: Int, call_id: Int, action: Int, is_test: Bool, state: Text,
            attempts: Int, status: Int, latency_ms: Int, response: Text, error: Text,
            created_us: Int, updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "crm_connectors",
        columns: cols!(
            id: Int, workspace_id: Int, name: Text, kind: Text, settings: Text, secret: Text,
            created_us: Int, updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
    Table {
        name: "crm_writes",
        columns: cols!(
            id: Int, workspace_id: Int, call_id: Int, action: Text, object_id: Text, state: Text,
            attempts: Int, value: Text, previous: Text, outcome: Text, created_us: Int,
            updated_us: Int,
        ),
        key: &["id"],
        unique: true,
    },
];

/// How a backend spells a bound parameter: the `n`th (1-based) of type `ty`.
pub type Param = fn(n: usize, ty: Type) -> String;

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn key_type(table: &Table, key: &str) -> Type {
    table
        .columns
        .iter()
        .find(|c| c.name == key)
        .map(|c| c.ty)
        .expect("key column listed in the table")
}

/// `SELECT` of a page of `table` for [`Snapshot::read`]. Binds, in order: the key to
/// start after (when `after`), the same again for a non-unique key, then the limit.
/// Identifiers are quoted (`key`, `count` and `log` are column names); the order is the
/// same on both backends (keys are integers or byte-ordered text, NULLs first).
pub fn read_sql(table: &Table, after: bool, param: Param) -> String {
    let cols: Vec<String> = table.column_names().map(quoted).collect();
    let keys: Vec<String> = table.key.iter().map(|k| quoted(k)).collect();
    let mut n = 0;
    let mut after_key = || {
        let params: Vec<String> = table
            .key
            .iter()
            .map(|k| {
                n += 1;
                param(n, key_type(table, k))
            })
            .collect();
        format!("({}) > ({})", keys.join(", "), params.join(", "))
    };
    let mut order: Vec<String> = keys.clone();
    order.extend(
        table
            .tie_breakers()
            .map(|c| format!("{} NULLS FIRST", quoted(c.name))),
    );
    let name = quoted(table.name);
    if table.unique {
        let filter = if after {
            format!(" WHERE {}", after_key())
        } else {
            String::new()
        };
        n += 1;
        return format!(
            "SELECT {} FROM {name}{filter} ORDER BY {} LIMIT {}",
            cols.join(", "),
            order.join(", "),
            param(n, Type::Int)
        );
    }
    // A non-unique key is one column: the page is every row up to the key value that the
    // limit reaches, so no key value is ever split between two pages.
    let key = &keys[0];
    let (outer, inner) = if after {
        (
            format!("{} AND ", after_key()),
            format!(" WHERE {}", after_key()),
        )
    } else {
        (String::new(), String::new())
    };
    n += 1;
    format!(
        "SELECT {} FROM {name} WHERE {outer}{key} <= \
         (SELECT max(page.k) FROM (SELECT {key} AS k FROM {name}{inner} ORDER BY {key} LIMIT {}) AS page) \
         ORDER BY {}",
        cols.join(", "),
        param(n, Type::Int),
        order.join(", ")
    )
}

/// `INSERT` of `rows` rows of `table`; binds every row's values in column order.
pub fn insert_sql(table: &Table, rows: usize, param: Param) -> String {
    let mut n = 0;
    let tuples: Vec<String> = (0..rows)
        .map(|_| {
            let values: Vec<String> = table
                .columns
                .iter()
                .map(|c| {
                    n += 1;
                    param(n, c.ty)
                })
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        quoted(table.name),
        table
            .column_names()
            .map(quoted)
            .collect::<Vec<_>>()
            .join(", "),
        tuples.join(", ")
    )
}

/// `UPDATE` of one row's [`Later`] columns, found by key. Binds the later columns' values
/// in column order, then the key's.
pub fn rewrite_sql(table: &Table, param: Param) -> String {
    let mut n = 0;
    let sets: Vec<String> = table
        .columns
        .iter()
        .filter(|c| c.later != Later::No)
        .map(|c| {
            n += 1;
            format!("{} = {}", quoted(c.name), param(n, c.ty))
        })
        .collect();
    let keys: Vec<String> = table
        .key
        .iter()
        .map(|k| {
            n += 1;
            format!("{} = {}", quoted(k), param(n, key_type(table, k)))
        })
        .collect();
    format!(
        "UPDATE {} SET {} WHERE {}",
        quoted(table.name),
        sets.join(", "),
        keys.join(" AND ")
    )
}

/// The values [`rewrite_sql`] binds for `row`, in its order.
pub fn rewrite_values<'r>(table: &Table, row: &'r Row) -> Vec<(&'r Value, Type)> {
    let later = table
        .columns
        .iter()
        .zip(row)
        .filter(|(c, _)| c.later != Later::No)
        .map(|(c, v)| (v, c.ty));
    let keys = table
        .key_positions()
        .into_iter()
        .map(|i| (&row[i], table.columns[i].ty));
    later.chain(keys).collect()
}

/// The last key of `table` in key order (no parameters).
pub fn last_key_sql(table: &Table) -> String {
    let keys: Vec<String> = table.key.iter().map(|k| quoted(k)).collect();
    let desc: Vec<String> = keys.iter().map(|k| format!("{k} DESC")).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {} LIMIT 1",
        keys.join(", "),
        quoted(table.name),
        desc.join(", ")
    )
}

pub fn count_sql(table: &Table) -> String {
    format!("SELECT count(*) FROM {}", quoted(table.name))
}

/// The key columns' types, in key order (to decode [`last_key_sql`]'s row).
pub fn key_types(table: &Table) -> Vec<Type> {
    table.key.iter().map(|k| key_type(table, k)).collect()
}

/// Rows per INSERT: under both backends' limits on bound parameters (SQLite 32,766,
/// PostgreSQL 65,535), and small enough to keep a page's transaction short.
pub fn rows_per_insert(table: &Table) -> usize {
    (30_000 / table.columns.len()).min(1_000)
}

/// (table, column) pairs in table order, grouped by table: what [`Portable::schema`]
/// returns, from a backend's catalogue query.
pub fn group_columns(pairs: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for (table, column) in pairs {
        match tables.last_mut() {
            Some((t, cols)) if *t == table => cols.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    tables
}

/// Where `schema` (a backend's own listing) and the portable schema disagree; empty when
/// every table is either copied with exactly its columns or listed in [`NOT_COPIED`].
pub fn schema_gaps(schema: &[(String, Vec<String>)]) -> Vec<String> {
    let mut gaps = Vec::new();
    for (name, columns) in schema {
        if NOT_COPIED.iter().any(|(n, _)| n == name) {
            continue;
        }
        let Some(table) = Table::by_name(name) else {
            gaps.push(format!(
                "table {name} is neither copied nor listed as not copied"
            ));
            continue;
        };
        let ours: Vec<&str> = table.column_names().collect();
        for c in columns {
            if !ours.contains(&c.as_str()) {
                gaps.push(format!("column {name}.{c} is not copied"));
            }
        }
        for c in &ours {
            if !columns.iter().any(|x| x == c) {
                gaps.push(format!(
                    "column {name}.{c} is copied but the database has none"
                ));
            }
        }
    }
    for table in TABLES {
        if !schema.iter().any(|(n, _)| n == table.name) {
            gaps.push(format!(
                "table {} is copied but the database has none",
                table.name
            ));
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_columns_and_tables_are_listed_once() {
        for (i, t) in TABLES.iter().enumerate() {
            assert!(!t.key.is_empty(), "{} has a key", t.name);
            assert_eq!(t.key_positions().len(), t.key.len());
            assert!(
                TABLES[i + 1..].iter().all(|o| o.name != t.name),
                "{} listed twice",
                t.name
            );
            assert!(NOT_COPIED.iter().all(|(n, _)| *n != t.name));
        }
    }

    #[test]
    fn digests_tell_rows_apart() {
        let digest = |rows: &[Row]| {
            let mut d = RowDigest::default();
            rows.iter().for_each(|r| d.add(r));
            d.finish()
        };
        let a = vec![vec![Value::Text("ab".into()), Value::Text("c".into())]];
        let b = vec![vec![Value::Text("a".into()), Value::Text("bc".into())]];
        let c = vec![vec![Value::Int(1)], vec![Value::Int(2)]];
        let d = vec![vec![Value::Int(1), Value::Int(2)]];
        let e = vec![vec![Value::Null]];
        let f = vec![vec![Value::Bool(false)]];
        let all = [
            digest(&a),
            digest(&b),
            digest(&c),
            digest(&d),
            digest(&e),
            digest(&f),
        ];
        for (i, x) in all.iter().enumerate() {
            for y in &all[i + 1..] {
                assert_ne!(x, y);
            }
        }
        assert_eq!(digest(&a), digest(&a.clone()));
    }

    #[test]
    fn sql_pages_walk_the_key_and_keep_key_values_whole() {
        fn p(n: usize, _: Type) -> String {
            format!("${n}")
        }
        let calls = Table::by_name("calls").unwrap();
        let sql = read_sql(calls, true, p);
        assert!(
            sql.ends_with(r#"WHERE ("id") > ($1) ORDER BY "id" LIMIT $2"#),
            "{sql}"
        );
        let sentences = Table::by_name("transcript_sentences").unwrap();
        let sql = read_sql(sentences, true, p);
        assert!(
            sql.contains(r#"("call_id", "monologue", "seq") > ($1, $2, $3)"#),
            "{sql}"
        );
        let links = Table::by_name("crm_links").unwrap();
        let sql = read_sql(links, true, p);
        assert!(sql.contains(r#"LIMIT $3"#), "{sql}");
        assert!(sql.contains(r#"ORDER BY "call_id", "party_id" NULLS FIRST, "ord" NULLS FIRST, "crm_pk" NULLS FIRST"#), "{sql}");
        let sql = rewrite_sql(calls, p);
        assert_eq!(sql, r#"UPDATE "calls" SET "version" = $1 WHERE "id" = $2"#);
        assert_eq!(
            insert_sql(Table::by_name("user_roles").unwrap(), 2, p),
            r#"INSERT INTO "user_roles" ("user_id", "role", "updated_us") VALUES ($1, $2, $3), ($4, $5, $6)"#
        );
    }

    #[test]
    fn schema_gaps_name_what_is_missing() {
        let mut schema: Vec<(String, Vec<String>)> = TABLES
            .iter()
            .map(|t| {
                (
                    t.name.to_owned(),
                    t.column_names().map(str::to_owned).collect(),
                )
            })
            .collect();
        schema.push(("generations".into(), vec!["name".into()]));
        assert!(schema_gaps(&schema).is_empty());
        schema[0].1.push("new_column".into());
        schema.push(("new_table".into(), vec!["id".into()]));
        schema.retain(|(n, _)| n != "voice_profiles");
        let gaps = schema_gaps(&schema);
        assert_eq!(gaps.len(), 3, "{gaps:?}");
        assert!(gaps[0].contains("workspaces.new_column"));
        assert!(gaps[1].contains("new_table"));
        assert!(gaps[2].contains("voice_profiles"));
    }
}
