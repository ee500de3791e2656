//! Data privacy: finding everything that references a person's e-mail address or phone
//! number, and erasing it (`docs/data-privacy.md` is the rule book).
//!
//! [`find`] reads every row of the store's privacy sources
//! (`parley_store::privacy::SOURCES`) whose text may hold the address, keeps those the
//! domain's recognition rules (`parley_domain::privacy::Subject`) confirm, and says which
//! calls, parties, transcript sentences, users and other rows they are. [`plan`] turns the
//! findings into erase steps and the report; an erase runs as a job ([`run_erasure`]) whose
//! one transaction also queues the recordings' deletion and the re-analyses and records
//! the report, a dry run only stores the report ([`dry_run`]).
//!
//! What an erase does:
//! - A call where the person is a party and no other outside party remains is deleted
//!   with everything it holds (recording, transcript, analysis, jobs).
//! - Where other outside parties remain, the person's party row, the sentences their
//!   voice spoke, their voice embeddings and CRM links are removed; the call's analysis is
//!   deleted and queued again over what is left.
//! - A recording is deleted (the call kept) whenever the person is a party of the call or
//!   its transcript mentions the address or number: their voice, or the spoken address,
//!   is in the audio, and a mixed recording cannot be cut reliably.
//! - Sentences that mention the address or number keep their text with `[erased]` in its
//!   place, and lose their word timings (the words may spell it out one by one).
//! - A company user with that address or number keeps their account (their calls are the
//!   company's records) but the address is replaced by `erased-<id>@erased.invalid` and a
//!   matching phone, trusted e-mail or alias is cleared.
//! - A meeting invitee with that address is deleted (the meeting stays); so is an uploaded
//!   CRM object whose id holds it, and every other row that is a copy of such a CRM id (an
//!   object an engagement event names, a call's manual CRM association, a flow prospect).
//! - Every other row that holds it (CRM objects and uploads, engagement events, meeting
//!   titles, scorecard answers, library notes, call fields, the audit log, job payloads
//!   and errors, and any source added later) gets the matching text replaced by
//!   `[erased]`.
//!
//! **Extension point.** A table that gets its own treatment (a meeting deleted rather than
//! redacted, say) adds a `Source` in `parley_store::privacy` and an arm in [`plan`]'s
//! `match row.table`; without an arm its rows are redacted.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Utc;
use parley_domain::engagement::EngagementEvent;
use parley_domain::privacy::{Done, Erasure, ErasureReport, ErasureState, Found, Subject, ERASED};
use parley_domain::{
    Affiliation, CallId, CrmSystem, EngagementId, JobLease, JobSpec, MeetingId, Party, Principal,
    UserId,
};
use parley_store::privacy::{source, EraseCommit, EraseStep, FoundRow, Key, Value, SOURCES};
use parley_store::Store;

use crate::error::{AppError, AppResult};
use crate::jobs::{enqueue, JobError};

/// Most rows an erase may touch. Past it the request is refused (Gong's "safety
/// mechanism refuses abnormally large deletions"): an address that common is more likely
/// a shared inbox or a typo than one person.
pub const MAX_ROWS: u32 = 100_000;

/// A row confirmed to hold the address or number, and which of its columns do.
#[derive(Debug, Clone)]
pub struct Match {
    pub row: FoundRow,
    /// Per column of the source: whether it holds it.
    pub hits: Vec<bool>,
}

impl Match {
    fn value(&self, column: &str) -> Option<&str> {
        let s = source(self.row.table)?;
        let i = s.columns.iter().position(|c| *c == column)?;
        self.row.values[i].as_deref()
    }

    fn hit(&self, column: &str) -> bool {
        source(self.row.table)
            .and_then(|s| s.columns.iter().position(|c| *c == column))
            .is_some_and(|i| self.hits[i])
    }
}

/// A CRM object that holds the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCrmObject {
    pub pk: i64,
    pub system: CrmSystem,
    pub object_type: String,
    pub object_id: String,
    /// The fields holding it: (name, value as text).
    pub fields: Vec<(String, String)>,
}

/// Everything that references a person.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub matches: Vec<Match>,
    /// Calls where the person is a party, with their party rows.
    pub party_calls: BTreeMap<CallId, Vec<i64>>,
    /// Calls whose transcript mentions it, with the sentences' keys.
    pub mention_calls: BTreeMap<CallId, Vec<(i64, i64)>>,
    /// Calls whose own fields hold it.
    pub field_calls: BTreeSet<CallId>,
    pub users: Vec<UserId>,
    pub crm_objects: Vec<FoundCrmObject>,
    /// Phone numbers as stored that matched (data-for-phone-number's
    /// `matchingPhoneNumbers`).
    pub matching_phones: BTreeSet<String>,
    /// E-mail addresses stored beside a matching phone number (of a party or user).
    pub emails_beside: BTreeSet<String>,
    /// Meetings the person is invited to, or whose title or URL holds it.
    pub meetings: BTreeSet<MeetingId>,
    /// Engagement events by or about the person (who viewed, shared, acted, or the
    /// address in what the sender reported).
    pub engagement: BTreeSet<EngagementId>,
}

impl Findings {
    /// Every call that references the person, in id order.
    pub fn calls(&self) -> BTreeSet<CallId> {
        let mut all: BTreeSet<CallId> = self.party_calls.keys().copied().collect();
        all.extend(self.mention_calls.keys().copied());
        all.extend(self.field_calls.iter().copied());
        all
    }
}

/// Which columns of a row hold the subject: whole-field comparison for columns that hold
/// one address or number, mentions in free text for the rest.
fn hits(subject: &Subject, row: &FoundRow) -> Vec<bool> {
    let Some(s) = source(row.table) else {
        return vec![false; row.values.len()];
    };
    s.columns
        .iter()
        .zip(&row.values)
        .map(|(column, value)| {
            let Some(v) = value else { return false };
            let whole = matches!(
                (row.table, *column),
                ("users", "email" | "phone" | "trusted_email")
                    | ("parties", "email" | "phone")
                    | ("meeting_invitees", "email")
            );
            if whole {
                subject.is_field(v)
            } else {
                !subject.mentions(v).is_empty()
            }
        })
        .collect()
}

/// Candidate rows read from the store at a time.
const PAGE: u32 = 1_000;

/// Every stored row that holds `subject`, confirmed by the recognition rules. The store's
/// filter (the address, or a number's last four digits) is loose, so the candidates are
/// read a page at a time, by key, and only confirmed matches are kept and counted
/// against [`MAX_ROWS`].
async fn confirmed(store: &dyn Store, subject: &Subject) -> AppResult<Vec<Match>> {
    let needle = subject.needle();
    let mut out = Vec::new();
    for s in SOURCES {
        let mut after: Option<Vec<Key>> = None;
        loop {
            let page = store
                .privacy_rows(s, &needle, after.as_deref(), PAGE)
                .await?;
            let more = page.len() == PAGE as usize;
            after = page.last().map(|r| r.key.clone());
            for row in page {
                let hits = hits(subject, &row);
                if hits.iter().any(|h| *h) {
                    out.push(Match { row, hits });
                }
            }
            if out.len() > MAX_ROWS as usize {
                return Err(AppError::invalid(format!(
                    "refused: more than {MAX_ROWS} stored rows reference this address; \
                     an erase that large needs the operator (see docs/data-privacy.md)"
                )));
            }
            if !more {
                break;
            }
        }
    }
    Ok(out)
}

/// Everything stored that references `subject`.
pub async fn find(store: &dyn Store, subject: &Subject) -> AppResult<Findings> {
    let matches = confirmed(store, subject).await?;
    let mut f = Findings::default();
    for m in matches {
        match m.row.table {
            "parties" => {
                if let Some(call) = m.row.call {
                    if m.hit("email") || m.hit("phone") {
                        f.party_calls.entry(call).or_default().push(int_key(&m, 0));
                        if m.hit("phone") {
                            f.matching_phones
                                .extend(m.value("phone").map(str::to_owned));
                            f.emails_beside.extend(m.value("email").map(str::to_owned));
                        }
                    }
                }
            }
            "transcript_sentences" => {
                if let Some(call) = m.row.call {
                    f.mention_calls
                        .entry(call)
                        .or_default()
                        .push((int_key(&m, 1), int_key(&m, 2)));
                }
            }
            "calls" => {
                f.field_calls.extend(m.row.call);
            }
            "users" => {
                f.users.push(UserId(int_key(&m, 0)));
                if m.hit("phone") {
                    f.matching_phones
                        .extend(m.value("phone").map(str::to_owned));
                    f.emails_beside.extend(m.value("email").map(str::to_owned));
                }
            }
            "crm_objects" if m.hit("fields") => {
                f.crm_objects.push(FoundCrmObject {
                    pk: int_key(&m, 0),
                    system: parley_store::codec::crm_system_of(
                        m.value("system").unwrap_or_default(),
                    ),
                    object_type: m.value("object_type").unwrap_or_default().to_owned(),
                    object_id: m.value("object_id").unwrap_or_default().to_owned(),
                    fields: crm_fields_holding(subject, m.value("fields").unwrap_or("[]")),
                });
            }
            // An object uploaded to the generic CRM integration: listed with the call
            // context's objects (the data-for answers show contacts and leads). It has
            // no integer key of its own; its integration's id stands in.
            "crm_entities" if m.hit("fields") => {
                let text = |i: usize| match m.row.key.get(i) {
                    Some(Key::Text(t)) => t.clone(),
                    _ => String::new(),
                };
                f.crm_objects.push(FoundCrmObject {
                    pk: int_key(&m, 0),
                    system: CrmSystem::Generic,
                    object_type: text(1),
                    object_id: text(2),
                    fields: crm_fields_holding(subject, m.value("fields").unwrap_or("{}")),
                });
            }
            "meetings" | "meeting_invitees" => {
                f.meetings.insert(MeetingId(int_key(&m, 0)));
            }
            "engagement_events" => {
                f.engagement.insert(EngagementId(int_key(&m, 0)));
            }
            _ => {}
        }
        f.matches.push(m);
    }
    // An address is not "beside" itself.
    if let Subject::Email(e) = subject {
        f.emails_beside.retain(|x| !x.eq_ignore_ascii_case(e));
    }
    Ok(f)
}

/// The engagement events of [`Findings::engagement`], oldest first (one gone since is
/// left out).
pub async fn engagement_events(store: &dyn Store, f: &Findings) -> AppResult<Vec<EngagementEvent>> {
    let mut out = Vec::with_capacity(f.engagement.len());
    for id in &f.engagement {
        out.extend(store.get_engagement(*id).await?);
    }
    out.sort_by_key(|e| (e.at, e.id.0));
    Ok(out)
}

/// The CRM fields (stored as `[[name, value], …]` or an object) whose value holds it.
fn crm_fields_holding(subject: &Subject, json: &str) -> Vec<(String, String)> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let pairs: Vec<(String, String)> = match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                serde_json::Value::Array(p) if p.len() == 2 => {
                    Some((p[0].as_str()?.to_owned(), text(&p[1])))
                }
                serde_json::Value::Object(o) => {
                    Some((o.get("name")?.as_str()?.to_owned(), text(o.get("value")?)))
                }
                _ => None,
            })
            .collect(),
        Ok(serde_json::Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter(|(_, v)| !subject.mentions(v).is_empty() || subject.is_field(v))
        .collect()
}

/// An erase worked out: its statements, the calls whose version it moves, the recordings
/// to delete afterwards, the calls to analyse again, and the report.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<EraseStep>,
    pub touched: Vec<CallId>,
    pub media_keys: Vec<String>,
    pub reanalyse: Vec<CallId>,
    pub report: ErasureReport,
}

fn by(column: &'static str, v: i64) -> Vec<(&'static str, Key)> {
    vec![(column, Key::Int(v))]
}

/// Key column `i` of a row of an integer-keyed source (0 if it were text, which no
/// integer-keyed source's column is).
fn int_key(m: &Match, i: usize) -> i64 {
    m.row.key.get(i).and_then(Key::int).unwrap_or_default()
}

/// The redacted value of each column of `m` that holds the subject.
fn redacted(subject: &Subject, m: &Match) -> Vec<(&'static str, Value)> {
    let Some(s) = source(m.row.table) else {
        return Vec::new();
    };
    s.columns
        .iter()
        .zip(&m.row.values)
        .zip(&m.hits)
        .filter(|(_, hit)| **hit)
        .map(|((c, v), _)| {
            let v = v.as_deref().unwrap_or_default();
            let new = subject.redact(v).unwrap_or_else(|| {
                if subject.is_field(v) {
                    ERASED.to_owned()
                } else {
                    v.to_owned()
                }
            });
            (*c, Value::Text(Some(new)))
        })
        .collect()
}

fn key_of(m: &Match) -> Vec<(&'static str, Key)> {
    let s = source(m.row.table).expect("a found row's table is a source");
    s.key
        .iter()
        .copied()
        .zip(m.row.key.iter().cloned())
        .collect()
}

fn delete_row(p: &mut Plan, found: &mut Found, done: &mut Done, m: &Match) {
    *found.other.entry(m.row.table.to_owned()).or_default() += 1;
    p.steps.push(EraseStep::Delete {
        table: m.row.table,
        by: key_of(m),
    });
    *done.rows_deleted.entry(m.row.table.to_owned()).or_default() += 1;
}

/// Works out the erase of everything `f` found.
pub async fn plan(store: &dyn Store, subject: &Subject, f: &Findings) -> AppResult<Plan> {
    let mut p = Plan::default();
    let mut found = Found {
        calls_as_party: f.party_calls.keys().copied().collect(),
        calls_mentioning: f.mention_calls.keys().copied().collect(),
        calls_with_fields: f.field_calls.iter().copied().collect(),
        parties: f.party_calls.values().map(|v| v.len() as u64).sum(),
        transcript_sentences: f.mention_calls.values().map(|v| v.len() as u64).sum(),
        users: f.users.clone(),
        crm_objects: f.crm_objects.len() as u64,
        ..Found::default()
    };
    let mut done = Done::default();

    let calls: Vec<CallId> = f.calls().into_iter().collect();
    let mut parties: HashMap<CallId, Vec<Party>> = HashMap::new();
    for chunk in calls.chunks(500) {
        parties.extend(store.parties_of(chunk).await?);
    }

    // Calls: deleted, or kept with the person taken out.
    let mut deleted: BTreeSet<CallId> = BTreeSet::new();
    let mut changed: BTreeSet<CallId> = BTreeSet::new();
    let mut recording_gone: BTreeSet<CallId> = BTreeSet::new();
    for (call, person) in &f.party_calls {
        let all = parties.get(call).map(Vec::as_slice).unwrap_or_default();
        let mine: Vec<&Party> = all.iter().filter(|p| person.contains(&p.id.0)).collect();
        let outside_left = all
            .iter()
            .filter(|p| p.affiliation != Affiliation::Internal && !person.contains(&p.id.0))
            .count();
        let outside_mine = mine.iter().any(|p| p.affiliation != Affiliation::Internal);
        if outside_mine && outside_left == 0 {
            deleted.insert(*call);
            continue;
        }
        for party in mine {
            if party.affiliation == Affiliation::Internal {
                // A company user on their own call: the party stays, its address goes
                // (the user row is anonymised below).
                let mut set = Vec::new();
                if party.email.as_deref().is_some_and(|e| subject.is_field(e)) {
                    set.push(("email", Value::Text(None)));
                }
                if party.phone.as_deref().is_some_and(|e| subject.is_field(e)) {
                    set.push(("phone", Value::Text(None)));
                }
                if !set.is_empty() {
                    p.steps.push(EraseStep::Update {
                        table: "parties",
                        by: by("id", party.id.0),
                        set,
                    });
                    *done.rows_redacted.entry("parties".into()).or_default() += 1;
                    changed.insert(*call);
                }
                continue;
            }
            if let Some(speaker) = party.speaker_id {
                p.steps.push(EraseStep::Delete {
                    table: "transcript_sentences",
                    by: vec![("call_id", call.0.into()), ("speaker_id", speaker.0.into())],
                });
                p.steps.push(EraseStep::Delete {
                    table: "call_speakers",
                    by: vec![("call_id", call.0.into()), ("speaker_id", speaker.0.into())],
                });
            }
            p.steps.push(EraseStep::Delete {
                table: "call_speakers",
                by: vec![("call_id", call.0.into()), ("party_id", party.id.0.into())],
            });
            p.steps.push(EraseStep::Delete {
                table: "crm_links",
                by: by("party_id", party.id.0),
            });
            p.steps.push(EraseStep::Delete {
                table: "parties",
                by: by("id", party.id.0),
            });
            done.parties_removed += 1;
            recording_gone.insert(*call);
            changed.insert(*call);
        }
    }
    recording_gone.extend(f.mention_calls.keys().filter(|c| !deleted.contains(c)));

    // What the removed voices said, and what the kept calls hold, counted for the report.
    for call in &changed {
        let all = parties.get(call).map(Vec::as_slice).unwrap_or_default();
        let Some(person) = f.party_calls.get(call) else {
            continue;
        };
        let speakers: Vec<i64> = all
            .iter()
            .filter(|p| person.contains(&p.id.0) && p.affiliation != Affiliation::Internal)
            .filter_map(|p| p.speaker_id.map(|s| s.0))
            .collect();
        if speakers.is_empty() {
            continue;
        }
        if let Some(t) = store.transcripts_of(&[*call]).await?.remove(call) {
            for m in &t {
                if speakers.contains(&m.speaker_id.0) {
                    done.sentences_removed += m.sentences.len() as u64;
                }
            }
        }
        done.voices_removed += store
            .call_speakers(*call)
            .await?
            .iter()
            .filter(|s| {
                speakers.contains(&s.speaker_id.0)
                    || s.party_id.is_some_and(|p| person.contains(&p.0))
            })
            .count() as u64;
    }

    for call in &deleted {
        if let Some(m) = store.call_media(*call).await? {
            p.media_keys.push(m.key);
        }
        p.steps.push(EraseStep::Delete {
            table: "calls",
            by: by("id", call.0),
        });
    }
    done.calls_deleted = deleted.iter().copied().collect();
    for call in &recording_gone {
        if let Some(m) = store.call_media(*call).await? {
            p.media_keys.push(m.key);
            // The waveform was made from the recording: it goes with it.
            p.steps.push(EraseStep::Delete {
                table: "call_waveforms",
                by: by("call_id", call.0),
            });
            p.steps.push(EraseStep::Delete {
                table: "call_media",
                by: by("call_id", call.0),
            });
            done.recordings_deleted.push(*call);
            changed.insert(*call);
        }
    }

    // Every other row: by its table's rule.
    let now = Utc::now().timestamp_micros();
    let mut relinked: BTreeSet<CallId> = BTreeSet::new();
    for m in &f.matches {
        if m.row.call.is_some_and(|c| deleted.contains(&c)) {
            continue;
        }
        match m.row.table {
            // Handled with their calls above.
            "parties" if m.hit("email") || m.hit("phone") => {}
            "transcript_sentences" => {
                let set = vec![
                    (
                        "text",
                        Value::Text(Some(
                            subject
                                .redact(m.value("text").unwrap_or_default())
                                .unwrap_or_else(|| m.value("text").unwrap_or_default().to_owned()),
                        )),
                    ),
                    ("words", Value::Text(None)),
                ];
                p.steps.push(EraseStep::Update {
                    table: "transcript_sentences",
                    by: key_of(m),
                    set,
                });
                done.sentences_redacted += 1;
                changed.extend(m.row.call);
            }
            "users" => {
                let id = int_key(m, 0);
                let mut set = Vec::new();
                if m.hit("email") {
                    set.push((
                        "email",
                        Value::Text(Some(format!("erased-{id}@erased.invalid"))),
                    ));
                }
                for c in ["phone", "trusted_email"] {
                    if m.hit(c) {
                        set.push((c, Value::Text(None)));
                    }
                }
                if m.hit("email_aliases") {
                    let kept: Vec<String> = serde_json::from_str::<Vec<String>>(
                        m.value("email_aliases").unwrap_or("[]"),
                    )
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|a| !subject.is_field(a) && subject.mentions(a).is_empty())
                    .collect();
                    set.push((
                        "email_aliases",
                        Value::Text(Some(serde_json::to_string(&kept).unwrap_or("[]".into()))),
                    ));
                }
                p.steps.push(EraseStep::Update {
                    table: "users",
                    by: key_of(m),
                    set,
                });
                done.users_anonymised.push(UserId(id));
            }
            // The person invited: the invitee goes (the meeting stays for the others).
            // A CRM object whose id is the address: the object goes (its key cannot be
            // rewritten without clashing with another).
            "meeting_invitees" if m.hit("email") => delete_row(&mut p, &mut found, &mut done, m),
            "crm_entities" if m.hit("object_id") => delete_row(&mut p, &mut found, &mut done, m),
            // Other copies of a CRM id that is the address: the object an engagement
            // event names, a call's manual association, a flow's prospect. Each row is
            // only that id, so it goes.
            "engagement_objects" | "crm_manual_associations" | "flow_instances" => {
                if m.row.table == "crm_manual_associations" {
                    // The call's CRM context changes: its version moves.
                    relinked.extend(m.row.call);
                }
                delete_row(&mut p, &mut found, &mut done, m)
            }
            table => {
                let set = redacted(subject, m);
                if set.is_empty() {
                    continue;
                }
                match table {
                    "audit_log" => found.audit_entries += 1,
                    "crm_objects" | "crm_entities" | "calls" | "parties" => {}
                    other => *found.other.entry(other.to_owned()).or_default() += 1,
                }
                p.steps.push(EraseStep::Update {
                    table: m.row.table,
                    by: key_of(m),
                    set,
                });
                *done.rows_redacted.entry(table.to_owned()).or_default() += 1;
                if table == "calls" {
                    changed.extend(m.row.call);
                }
            }
        }
    }

    // Kept calls that changed: the analysis made from what was there goes and is made
    // again; the transcript's version moves, so an analysis running now is refused.
    let transcribed = store
        .transcript_tallies(&changed.iter().copied().collect::<Vec<_>>())
        .await?;
    for call in &changed {
        p.steps.push(EraseStep::Delete {
            table: "call_analysis",
            by: by("call_id", call.0),
        });
        p.steps.push(EraseStep::Delete {
            table: "call_person_stats",
            by: by("call_id", call.0),
        });
        p.steps.push(EraseStep::Update {
            table: "transcripts",
            by: by("call_id", call.0),
            set: vec![("created_us", Value::Int(now))],
        });
        if transcribed.contains_key(call) {
            p.reanalyse.push(*call);
        }
    }
    done.calls_reanalysed = p.reanalyse.clone();
    changed.extend(relinked);
    p.touched = changed.into_iter().collect();
    p.media_keys.sort();
    p.media_keys.dedup();
    p.report = ErasureReport { found, done };
    Ok(p)
}

/// Who asked, as an erasure records it.
pub fn requester(p: &Principal) -> String {
    match p.user {
        Some(u) => format!("user:{u}"),
        None if p.key == "cli" => "cli".into(),
        None => format!("key:{}", p.key),
    }
}

fn new_erasure(subject: &Subject, by: &Principal, dry_run: bool) -> Erasure {
    Erasure {
        id: parley_domain::CallId::generate().0,
        kind: subject.kind(),
        subject: None,
        masked: subject.masked(),
        dry_run,
        state: ErasureState::Queued,
        requested_by: requester(by),
        requested: Utc::now(),
        finished: None,
        job_id: None,
        report: None,
        error: None,
    }
}

/// A dry run: the report of what an erase would do, stored; nothing is deleted.
pub async fn dry_run(store: &dyn Store, subject: &Subject, by: &Principal) -> AppResult<Erasure> {
    let mut e = new_erasure(subject, by, true);
    let f = find(store, subject).await?;
    let p = plan(store, subject, &f).await?;
    e.state = ErasureState::Done;
    e.finished = Some(Utc::now());
    e.report = Some(p.report);
    store.create_erasure(&e).await?;
    Ok(e)
}

/// Asks for an erase: the erasure is stored (holding the address until its job has run)
/// and its job queued. Returns at once.
pub async fn request_erase(
    store: &dyn Store,
    subject: &Subject,
    by: &Principal,
) -> AppResult<Erasure> {
    let mut e = new_erasure(subject, by, false);
    e.subject = Some(subject.canonical());
    store.create_erasure(&e).await?;
    match enqueue(store, JobSpec::Erase { erasure: e.id }).await {
        Ok(job) => {
            e.job_id = Some(job.id);
            store.update_erasure(&e).await?;
            Ok(e)
        }
        Err(err) => {
            e.subject = None;
            e.state = ErasureState::Failed;
            e.error = Some(format!("could not queue the erase: {err}"));
            e.finished = Some(Utc::now());
            let _ = store.update_erasure(&e).await;
            Err(err.into())
        }
    }
}

/// The erase job: finds, then erases in one transaction that also queues the follow-up
/// jobs (the recordings to delete, the analyses to make again) and records the report,
/// forgetting the address; then compacts the database so no freed page keeps it. A job
/// that dies after the commit loses nothing: its retry finds the erasure done and only
/// compacts.
///
/// `_blobs` is not used: the recordings are deleted by the `DeleteMedia` jobs the erase
/// queues, which retry until the media store answers.
pub async fn run_erasure(
    store: &dyn Store,
    _blobs: &parley_blob::BlobStore,
    id: i64,
    lease: JobLease,
) -> Result<(), JobError> {
    let mut e = store
        .get_erasure(id)
        .await?
        .ok_or_else(|| JobError::permanent(format!("erasure {id} does not exist")))?;
    if e.state == ErasureState::Queued {
        let stored = e
            .subject
            .clone()
            .ok_or_else(|| JobError::permanent("the erasure holds no address"))?;
        let subject = Subject::parse(e.kind, &stored)
            .map_err(|m| JobError::permanent(format!("the erasure's address: {m}")))?;
        let outcome = async {
            let f = find(store, &subject).await?;
            let p = plan(store, &subject, &f).await?;
            let mut done = e.clone();
            done.subject = None;
            done.state = ErasureState::Done;
            done.finished = Some(Utc::now());
            done.report = Some(p.report.clone());
            store
                .privacy_erase(&EraseCommit {
                    steps: &p.steps,
                    calls: &p.touched,
                    deleted: &p.report.done.calls_deleted,
                    media_keys: &p.media_keys,
                    reanalyse: &p.reanalyse,
                    erasure: &done,
                    now: Utc::now(),
                })
                .await?;
            Ok::<_, AppError>(p)
        }
        .await;
        match outcome {
            Ok(p) => tracing::info!(
                erasure = id,
                recordings = p.media_keys.len(),
                reanalyse = p.reanalyse.len(),
                "personal data erased; recordings and analyses queued"
            ),
            Err(AppError::Invalid(m)) => {
                e.subject = None;
                e.state = ErasureState::Failed;
                e.error = Some(m.join("; "));
                e.finished = Some(Utc::now());
                store.update_erasure(&e).await?;
                store.finish_job(lease, Utc::now()).await?;
                return Ok(());
            }
            // Another run of this job (a worker that lost its lease) committed the erase
            // first: what is left is this run's compaction.
            Err(AppError::Conflict(m))
                if store
                    .get_erasure(id)
                    .await?
                    .is_some_and(|now| now.state != ErasureState::Queued) =>
            {
                tracing::info!(erasure = id, reason = %m, "erase already committed by another run");
            }
            Err(AppError::Conflict(m)) => return Err(JobError::transient(m)),
            Err(other) => return Err(other.into()),
        }
    }
    // Also on a re-run after the erase itself committed: the compaction is what is left.
    store.privacy_compact().await?;
    store.finish_job(lease, Utc::now()).await?;
    Ok(())
}

/// An erase job that failed for good (out of attempts, or a permanent error): the erasure
/// must neither keep the address nor say `queued` for ever. A queued erasure becomes
/// failed with `message`; one whose erase already committed (only its compaction failed)
/// stays done and records `message`. Then compacts, as an erase does, so no freed page
/// keeps the address the row held. The store does the same itself in the transaction
/// that fails an erase job (`fail_job`, and `claim_job` for a worker that died on the
/// last attempt: [`parley_store::GaveUp`]); this is that step on its own, for an erasure
/// whose job is gone.
pub async fn erase_gave_up(store: &dyn Store, erasure: i64, message: &str) -> AppResult<()> {
    store
        .erasure_gave_up(
            erasure,
            &parley_store::GaveUp::erasure_error(message),
            Utc::now(),
        )
        .await?;
    tracing::warn!(
        erasure,
        error = message,
        "erase job gave up; the address is forgotten"
    );
    // The row's old bytes (free space, the WAL) still hold the address, as an erased
    // row's would: compact as an erase does. Best effort: the database may be what failed.
    if let Err(e) = store.privacy_compact().await {
        tracing::warn!(erasure, error = %e, "compaction after a given-up erase failed");
    }
    Ok(())
}
