//! Data privacy in the store: finding every row that may hold a person's e-mail address or
//! phone number, erasing them in one transaction, compacting so no freed page keeps the
//! bytes, and the erase reports.
//!
//! **Extension point.** Where a person can be is a list, [`SOURCES`]: one entry per table
//! and the text columns that may hold an address or number. Both backends read it (they
//! only spell the SQL), and `parley_app::privacy` decides per table what to do with a
//! match (a table it has no rule for gets the matching text redacted). A branch that adds
//! a table holding e-mails or phone numbers (meetings, CRM objects, engagement events)
//! adds one `Source` here and, if redaction is not the right treatment, one arm in
//! `parley_app::privacy::plan_erase`; the conformance check
//! `every_source_is_read_and_rewritten` runs over every entry.

use async_trait::async_trait;

use parley_domain::privacy::{Erasure, ErasureReport, ErasureState, SubjectKind};
use parley_domain::{CallId, JobSpec, Timestamp};

use crate::{Result, StoreError};

/// A table that may hold a person's address or number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub table: &'static str,
    /// Its key columns (integers, but for those named in `text_key`).
    pub key: &'static [&'static str],
    /// Those of `key` that are TEXT columns (the CRM's object ids, request ids).
    pub text_key: &'static [&'static str],
    /// The column naming the call a row belongs to, if any.
    pub call: Option<&'static str>,
    /// Text columns searched (and rewritten when redacted).
    pub columns: &'static [&'static str],
}

/// Every place a person's e-mail address or phone number can be stored.
pub const SOURCES: &[Source] = &[
    Source {
        table: "users",
        key: &["id"],
        text_key: &[],
        call: None,
        columns: &["email", "phone", "trusted_email", "email_aliases"],
    },
    Source {
        table: "parties",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["email", "phone", "name"],
    },
    Source {
        table: "transcript_sentences",
        key: &["call_id", "monologue", "seq"],
        text_key: &[],
        call: Some("call_id"),
        // Not `words`: see [`CLEARED_WITH`].
        columns: &["text"],
    },
    Source {
        table: "calls",
        key: &["id"],
        text_key: &[],
        call: Some("id"),
        columns: &[
            "title",
            "purpose",
            "custom_data",
            "meeting_url",
            "calendar_event_id",
            "media_source_url",
        ],
    },
    Source {
        table: "crm_objects",
        key: &["pk"],
        text_key: &[],
        call: None,
        // The last three say which object it is (the data-for reports show it).
        columns: &["fields", "system", "object_type", "object_id"],
    },
    Source {
        table: "audit_log",
        key: &["id"],
        text_key: &[],
        call: None,
        columns: &["path", "params", "targets"],
    },
    Source {
        table: "jobs",
        key: &["id"],
        text_key: &[],
        call: None,
        columns: &["payload", "error"],
    },
    // Scheduled meetings: invitees are people (an invitee row of the subject is deleted
    // by `parley_app::privacy::plan`); a title or URL may spell an address.
    Source {
        table: "meetings",
        key: &["id"],
        text_key: &[],
        call: None,
        columns: &["title", "url"],
    },
    Source {
        table: "meeting_invitees",
        key: &["meeting_id", "ord"],
        text_key: &[],
        call: None,
        columns: &["email", "display_name", "first_name", "last_name"],
    },
    Source {
        table: "engagement_events",
        key: &["id"],
        text_key: &[],
        call: None,
        // `detail` is the request as sent (JSON).
        columns: &["person_email", "detail", "title", "url"],
    },
    // The generic CRM: uploaded objects (a contact's fields), the upload waiting for its
    // job (the LDJSON as sent) and its errors, and the integration's owner.
    Source {
        table: "crm_entities",
        key: &["integration_id", "object_type", "object_id"],
        text_key: &["object_type", "object_id"],
        call: None,
        columns: &["fields", "object_id"],
    },
    Source {
        table: "crm_requests",
        key: &["integration_id", "client_request_id"],
        text_key: &["client_request_id"],
        call: None,
        columns: &["body", "errors"],
    },
    Source {
        table: "crm_integrations",
        key: &["id"],
        text_key: &[],
        call: None,
        columns: &["owner_email"],
    },
    Source {
        table: "scorecard_answers",
        key: &["answered_id", "position"],
        text_key: &[],
        call: None,
        columns: &["answer_text"],
    },
    // Comments on calls: free text a colleague wrote (redacted, the comment kept:
    // `parley_app::privacy::plan` has no arm of its own for it). Its trigger bumps the
    // call's version when an erase rewrites it.
    Source {
        table: "call_comments",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["text"],
    },
    // Links shared outside the company: the maker's note of who it was for (redacted,
    // the link kept: it is the record of what was shared; revoke it to close it).
    Source {
        table: "call_shares",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["recipient"],
    },
    Source {
        table: "library_items",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["note"],
    },
    // A CRM write: the object it targets (a copy of a call's CRM id), and the field's
    // value before and after, which hold whatever the CRM field held. Redacted.
    Source {
        table: "crm_writes",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["object_id", "value", "previous", "outcome"],
    },
    // Copies of CRM ids, which may be an address (`crm_entities.object_id` is searched for
    // the same reason): the objects an engagement event names, a call's manual CRM
    // association, a flow's prospect. `parley_app::privacy::plan` deletes a matching row.
    Source {
        table: "engagement_objects",
        key: &["event_id", "ord"],
        text_key: &[],
        call: None,
        columns: &["object_id"],
    },
    Source {
        table: "crm_manual_associations",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["account_id", "deal_id"],
    },
    Source {
        table: "flow_instances",
        key: &["id"],
        text_key: &[],
        call: None,
        columns: &["crm_prospect_id"],
    },
];

/// Text columns that are not searched because they repeat a searched column of the same
/// row, and are cleared (set NULL) whenever that column matches: (table, column, the
/// searched column). A sentence's word timings (`[[51234,51480,"word"],…]`) spell its
/// text out one word at a time, so an address never sits in them whole, while their
/// millisecond numbers hold any four digits a phone look-up searches for.
pub const CLEARED_WITH: &[(&str, &str, &str)] = &[("transcript_sentences", "words", "text")];

/// Text columns that copy searched columns of other rows and follow them: (table,
/// column, what rewrites it). They are not searched: the erase changes their sources,
/// and the database's triggers rewrite them in the same transaction. (On SQLite they are
/// columns of full-text tables, which declare no type: the schema lists them only on
/// PostgreSQL.)
pub const DERIVED: &[(&str, &str, &str)] = &[(
    "call_facts",
    "facts",
    "the calls search's index: triggers rewrite it whenever a call's title, a party's \
     name or address, or a linked account's fields change",
)];

/// Every other text column of the schema, by table, and why it holds no person's address
/// or number. The conformance check `every_text_column_is_a_source_or_not_personal`
/// compares the schema with [`SOURCES`], [`CLEARED_WITH`] and this list, so a new column
/// is classified when it is added. Key columns of sources are covered by their source.
pub const NOT_PERSONAL: &[(&str, &[&str], &str)] = &[
    // Words of Parley's own vocabulary (kinds, states, roles, enumerations), hashes,
    // tokens and random ids.
    ("activity_events", &["kind"], "an activity kind"),
    ("answered_scorecards", &["visibility"], "an enumeration"),
    (
        "api_keys",
        &["access_key", "name", "scopes", "secret_hash"],
        "a key's name, scopes and hash",
    ),
    (
        "audit_log",
        &[
            "action",
            "actor",
            "actor_kind",
            "client_ip",
            "log",
            "method",
            "outcome",
            "route",
        ],
        "what was done by which key or user; the request's path and parameters are searched",
    ),
    (
        "automation_rules",
        &["actions", "disabled_reason", "filter", "name"],
        "an admin's rule: call conditions (domains, words, ids) and destination URLs",
    ),
    (
        "call_analysis",
        &["engine", "interaction", "summary", "topics", "trackers"],
        "made from the call: deleted and made again with the call when an erase changes it",
    ),
    (
        "call_media",
        &[
            "codec",
            "container",
            "content_type",
            "file_name",
            "key",
            "sha256",
        ],
        "the recording's format and storage key; an erase deletes the row with the recording",
    ),
    (
        "call_person_stats",
        &["stats"],
        "made from the call: deleted with its analysis",
    ),
    ("call_shares", &["token_sha256"], "a hash"),
    ("call_speakers", &["source"], "an enumeration"),
    (
        "call_waveforms",
        &["media_sha256"],
        "the recording's hash; an erase deletes the row with the recording",
    ),
    (
        "call_speaker_timelines",
        &["segments"],
        "millisecond times and party ids",
    ),
    (
        "calls",
        &[
            "client_unique_id",
            "direction",
            "language",
            "language_hint",
            "media",
            "scope",
            "sdr_disposition",
            "system",
        ],
        "the client's key and enumerations; the call's free text is searched",
    ),
    ("crm_entities", &["object_type"], "a CRM object type"),
    (
        "crm_connectors",
        &["kind", "name", "secret", "settings"],
        "a connector's kind, name, sealed secrets and settings (URLs, client id, the company's integration user)",
    ),
    (
        "crm_writes",
        &["action", "state"],
        "the action (tracker, field, connector) and an enumeration",
    ),
    ("crm_integrations", &["name"], "the integration's name"),
    (
        "crm_requests",
        &["client_request_id", "object_type", "status"],
        "the client's id for its upload, and enumerations",
    ),
    (
        "crm_schema_fields",
        &[
            "field_type",
            "label",
            "name",
            "object_type",
            "ordered_values",
            "reference_to",
        ],
        "the CRM's schema, not its records",
    ),
    (
        "engagement_events",
        &["action", "event_id", "kind", "source"],
        "the reporting system's ids and enumerations",
    ),
    (
        "engagement_objects",
        &["object_type", "system"],
        "a CRM system and object type",
    ),
    ("flow_instances", &["status"], "an enumeration"),
    (
        "flows",
        &["folder", "name", "visibility"],
        "a flow's settings",
    ),
    ("generations", &["name"], "a counter's name"),
    (
        "integration_settings",
        &["allowed_origin", "integration_type"],
        "an integration's settings",
    ),
    (
        "jobs",
        &["kind", "lease_owner", "state"],
        "the queue's bookkeeping; payload and error are searched",
    ),
    ("library_folders", &["name"], "a folder's name"),
    (
        "meetings",
        &["external_id", "url_key"],
        "the calendar's id and a normalised URL for matching",
    ),
    (
        "oauth_apps",
        &[
            "client_id",
            "name",
            "redirect_uris",
            "scopes",
            "secret_hash",
        ],
        "an app's registration",
    ),
    (
        "oauth_codes",
        &[
            "client_id",
            "code_challenge",
            "code_sha",
            "grant_id",
            "redirect_uri",
            "scopes",
        ],
        "hashes and grants",
    ),
    (
        "oauth_tokens",
        &[
            "access_sha",
            "client_id",
            "grant_id",
            "id",
            "refresh_sha",
            "scopes",
        ],
        "hashes and grants",
    ),
    (
        "parties",
        &["affiliation", "methods", "title"],
        "enumerations and a job title",
    ),
    ("password_resets", &["token_sha"], "a hash"),
    (
        "permission_profile_access",
        &["area", "level", "team_leads"],
        "access settings",
    ),
    (
        "permission_profile_capabilities",
        &["capability"],
        "an enumeration",
    ),
    (
        "permission_profiles",
        &["description", "library_folders", "library_level", "name"],
        "a profile's settings",
    ),
    (
        "privacy_erasures",
        &[
            "error",
            "kind",
            "masked",
            "report",
            "requested_by",
            "state",
            "subject",
        ],
        "the erasures themselves: `subject` holds the address only until its erase commits",
    ),
    ("rate_limits", &["bucket"], "a key's bucket"),
    (
        "scorecard_answers",
        &["options"],
        "the chosen options of the scorecard",
    ),
    (
        "scorecard_questions",
        &["answer_guide", "kind", "options", "text"],
        "a scorecard's definition",
    ),
    (
        "scorecards",
        &["name", "review_method"],
        "a scorecard's definition",
    ),
    ("server_secrets", &["name"], "a secret's name"),
    ("sessions", &["csrf", "token_sha"], "hashes"),
    (
        "trackers",
        &["definition", "name"],
        "a tracker's definition",
    ),
    (
        "transcript_sentences",
        &["topic"],
        "a topic name from the workspace's topic set",
    ),
    ("transcripts", &["source"], "an enumeration"),
    ("user_passwords", &["hash"], "a hash"),
    ("user_roles", &["role"], "an enumeration"),
    ("user_settings_history", &["setting"], "a setting's name"),
    (
        "users",
        &[
            "extension",
            "first_name",
            "last_name",
            "meeting_consent_page_url",
            "personal_meeting_urls",
            "spoken_languages",
            "title",
        ],
        "a company user's own details; the user is anonymised by address, not deleted",
    ),
    ("workspace_topics", &["topics"], "a topic set"),
    (
        "workspaces",
        &["description", "name"],
        "a workspace's settings",
    ),
    (
        "webhook_deliveries",
        &["error", "response", "state"],
        "a delivery's state and the first bytes of its receiver's answer; deleted with the call",
    ),
    (
        "workers",
        &["kinds", "name", "speech_model", "version"],
        "a worker process: its host and pid, version, job kinds and model",
    ),
];

impl Source {
    /// Whether key column `column` is TEXT (else INTEGER).
    pub fn is_text_key(&self, column: &str) -> bool {
        self.text_key.contains(&column)
    }
}

/// A key column's value: most keys are integers; the CRM's are partly text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Text(String),
}

impl Key {
    /// The integer, or `None` for a text key.
    pub fn int(&self) -> Option<i64> {
        match self {
            Key::Int(i) => Some(*i),
            Key::Text(_) => None,
        }
    }
}

impl From<i64> for Key {
    fn from(v: i64) -> Key {
        Key::Int(v)
    }
}

impl From<&str> for Key {
    fn from(v: &str) -> Key {
        Key::Text(v.to_owned())
    }
}

/// The source of a table, by name.
pub fn source(table: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.table == table)
}

/// A row of a [`Source`] whose text contains the search string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRow {
    pub table: &'static str,
    /// The key's values, in the source's key order.
    pub key: Vec<Key>,
    pub call: Option<CallId>,
    /// The source's columns, in its order.
    pub values: Vec<Option<String>>,
}

/// A value written by an erase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(Option<String>),
    Int(i64),
    Bool(bool),
}

/// One statement of an erase. Table and column names come from code (this crate's
/// [`SOURCES`] and `parley_app::privacy`), never from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EraseStep {
    /// `DELETE FROM table WHERE c1 = v1 AND …`.
    Delete {
        table: &'static str,
        by: Vec<(&'static str, Key)>,
    },
    /// `UPDATE table SET … WHERE c1 = v1 AND …`.
    Update {
        table: &'static str,
        by: Vec<(&'static str, Key)>,
        set: Vec<(&'static str, Value)>,
    },
}

/// An erase as one transaction: its statements and everything that must not be lost if
/// the job dies once they are committed.
#[derive(Debug, Clone, Copy)]
pub struct EraseCommit<'a> {
    pub steps: &'a [EraseStep],
    /// Calls whose version moves (PostgreSQL locks them first).
    pub calls: &'a [CallId],
    /// Calls whose rows the steps delete (PostgreSQL locks them with `calls`).
    pub deleted: &'a [CallId],
    /// Recordings to delete: one `DeleteMedia` job each (the job leaves a key another
    /// call still uses).
    pub media_keys: &'a [String],
    /// Kept calls to analyse again: one `Analyze` job each (joining a queued one).
    pub reanalyse: &'a [CallId],
    /// The erasure in its final state (subject cleared, report); written only if the
    /// stored one is still queued.
    pub erasure: &'a Erasure,
    pub now: Timestamp,
}

impl EraseCommit<'_> {
    /// The jobs to queue with the erase, and the states of a twin each one joins.
    pub fn jobs(&self) -> Vec<(crate::NewJob, &'static [&'static str])> {
        let media = self.media_keys.iter().map(|key| {
            let job: crate::NewJob = JobSpec::DeleteMedia { key: key.clone() }.into();
            let live = job.live_states();
            (job, live)
        });
        let analyses = self.reanalyse.iter().map(|call| {
            let job: crate::NewJob = JobSpec::Analyze { call: *call }.into();
            // The transcript's version moves with the erase: a running analysis is of
            // the old one (and will be refused); a queued one reads the new one.
            (job, crate::ANALYSIS_LIVE_AFTER_TRANSCRIPT)
        });
        media.chain(analyses).collect()
    }

    /// The calls to lock, in id order, without repeats.
    pub fn locked_calls(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.calls.iter().chain(self.deleted).map(|c| c.0).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Which statements moved which rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EraseOutcome {
    pub rows: u64,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// The rows of `source` one of whose columns contains `needle` (ASCII case folded;
    /// `needle` is lowercase), in key order, after the key `after` (from the first row
    /// when `None`), at most `limit`: a caller pages through a table by key, holding
    /// one page at a time.
    async fn privacy_rows(
        &self,
        source: &'static Source,
        needle: &str,
        after: Option<&[Key]>,
        limit: u32,
    ) -> Result<Vec<FoundRow>>;

    /// The erase, in one transaction: runs the steps in order, bumps the version of every
    /// call in `calls` (so no node serves a rendering made before), queues the follow-up
    /// jobs and writes the erasure's final state. Refused with [`StoreError::Conflict`]
    /// (nothing written) if the erasure is no longer queued: an erase commits once.
    async fn privacy_erase(&self, erase: &EraseCommit<'_>) -> Result<EraseOutcome>;

    /// An erase job gave up for good: a queued erasure becomes failed with `error`; its
    /// address is forgotten either way (an erasure already done keeps its state and
    /// report, and records `error`, which says what was left undone).
    async fn erasure_gave_up(&self, id: i64, error: &str, now: Timestamp) -> Result<()>;

    /// After an erase: makes sure no freed page or log keeps erased bytes. SQLite:
    /// `VACUUM` (the file rewritten from live rows only) and a `TRUNCATE` checkpoint (the
    /// WAL emptied); PostgreSQL: `VACUUM` of the tables erased from, so dead tuples are
    /// reclaimed. Takes seconds on a large database; erasures are rare.
    async fn privacy_compact(&self) -> Result<()>;

    async fn create_erasure(&self, e: &Erasure) -> Result<()>;
    /// Writes the erasure's state, subject, report, error, finish time and job.
    async fn update_erasure(&self, e: &Erasure) -> Result<()>;
    async fn get_erasure(&self, id: i64) -> Result<Option<Erasure>>;
    /// Newest first.
    async fn list_erasures(&self, limit: u32) -> Result<Vec<Erasure>>;
    /// How many erasures have finished (not dry runs): caches compare it to know an
    /// erase happened on any node.
    async fn erasures_done(&self) -> Result<i64>;
}

/// An erasure's columns as both backends store them (`privacy_erasures`).
pub struct ErasureColumns {
    pub id: i64,
    pub kind: String,
    pub subject: Option<String>,
    pub masked: String,
    pub dry_run: bool,
    pub state: String,
    pub requested_by: String,
    pub requested_us: i64,
    pub finished_us: Option<i64>,
    pub job_id: Option<i64>,
    pub report: Option<String>,
    pub error: Option<String>,
}

impl ErasureColumns {
    pub fn of(e: &Erasure) -> Result<ErasureColumns> {
        Ok(ErasureColumns {
            id: e.id,
            kind: e.kind.key().to_owned(),
            subject: e.subject.clone(),
            masked: e.masked.clone(),
            dry_run: e.dry_run,
            state: e.state.key().to_owned(),
            requested_by: e.requested_by.clone(),
            requested_us: crate::codec::us(e.requested),
            finished_us: e.finished.map(crate::codec::us),
            job_id: e.job_id,
            report: match &e.report {
                None => None,
                Some(r) => Some(
                    serde_json::to_string(r)
                        .map_err(|e| StoreError::Corrupt(format!("erase report: {e}")))?,
                ),
            },
            error: e.error.clone(),
        })
    }

    pub fn erasure(self) -> Result<Erasure> {
        let corrupt = |m: String| StoreError::Corrupt(m);
        Ok(Erasure {
            id: self.id,
            kind: SubjectKind::from_key(&self.kind)
                .ok_or_else(|| corrupt(format!("erasure kind {:?}", self.kind)))?,
            subject: self.subject,
            masked: self.masked,
            dry_run: self.dry_run,
            state: ErasureState::from_key(&self.state)
                .ok_or_else(|| corrupt(format!("erasure state {:?}", self.state)))?,
            requested_by: self.requested_by,
            requested: crate::codec::ts(self.requested_us)?,
            finished: self.finished_us.map(crate::codec::ts).transpose()?,
            job_id: self.job_id,
            report: match self.report {
                None => None,
                Some(j) => Some(
                    serde_json::from_str::<ErasureReport>(&j)
                        .map_err(|e| corrupt(format!("erase report: {e}")))?,
                ),
            },
            error: self.error,
        })
    }
}
