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
use parley_domain::CallId;

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
        columns: &["text", "words"],
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
    Source {
        table: "library_items",
        key: &["id"],
        text_key: &[],
        call: Some("call_id"),
        columns: &["note"],
    },
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

/// Which statements moved which rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EraseOutcome {
    pub rows: u64,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Every row of every [`SOURCES`] table one of whose columns contains `needle`
    /// (ASCII case folded; `needle` is lowercase), at most `limit` + 1 (so a caller sees
    /// that there were more).
    async fn privacy_rows(&self, needle: &str, limit: u32) -> Result<Vec<FoundRow>>;

    /// Runs the steps in order in one transaction, and bumps the version of every call
    /// in `calls` (so no node serves a rendering made before).
    async fn privacy_erase(&self, steps: &[EraseStep], calls: &[CallId]) -> Result<EraseOutcome>;

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
