//! `parley_app::migrate` on real databases: a SQLite file with a row in every table is
//! copied into PostgreSQL and back, an interrupted copy is resumed, a target holding other
//! data is refused, and recordings are copied and checked between two media stores.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use parley_app::migrate::{self, MediaObject, Quiet};
use parley_blob::BlobStore;
use parley_store::portable::{Portable, Row, Snapshot, Table, Value, TABLES};
use parley_store::{Result as StoreResult, StoreError};
use parley_store_postgres::testing::TestDb;

const T: i64 = 1_764_000_000_000_000;

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A row of `table` from (column, value) pairs; unnamed columns are NULL.
fn row(table: &str, values: &[(&str, Value)]) -> (&'static Table, Row) {
    let table = Table::by_name(table).unwrap_or_else(|| panic!("no table {table}"));
    for (name, _) in values {
        assert!(
            table.column_names().any(|c| c == *name),
            "{}.{name} is not a column",
            table.name
        );
    }
    let row = table
        .columns
        .iter()
        .map(|c| {
            values
                .iter()
                .find(|(n, _)| *n == c.name)
                .map_or(Value::Null, |(_, v)| v.clone())
        })
        .collect();
    (table, row)
}

async fn first(db: &dyn Portable, table: &str, column: &str) -> Value {
    let table = Table::by_name(table).unwrap();
    let mut snap = db.snapshot().await.unwrap();
    let rows = snap.read(table, None, 1).await.unwrap();
    let at = table.column_names().position(|c| c == column).unwrap();
    rows[0][at].clone()
}

/// A SQLite database with the demo company, plus rows (written through the copy's own
/// insert) in every table the demo leaves empty, with the values a copy gets wrong first:
/// NULLs, extreme integers, fractions, bytes with zeros, non-ASCII text, a user whose
/// manager comes after them in key order.
async fn source_with_every_table(dir: &std::path::Path) -> Arc<dyn Portable> {
    let url = format!("sqlite://{}", dir.join("source.db").display());
    let store = parley_app::storage::open(&url).await.unwrap();
    parley_app::demo::seed(store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    let db = migrate::open(&url).await.unwrap();
    let ws = first(db.as_ref(), "workspaces", "id").await;
    let call = first(db.as_ref(), "calls", "id").await;
    let user = |id: i64, manager: Option<i64>, email: &str| {
        row(
            "users",
            &[
                ("id", Value::Int(id)),
                ("email", text(email)),
                ("created_us", Value::Int(i64::MAX)),
                ("active", Value::Bool(true)),
                ("first_name", text("Zoë")),
                ("last_name", text("Ørsted-Łukasz 山田")),
                ("manager_id", manager.map_or(Value::Null, Value::Int)),
                ("email_aliases", text("[]")),
                ("personal_meeting_urls", text("[]")),
                ("spoken_languages", text("[]")),
                ("web_conferences_recorded", Value::Bool(false)),
                ("prevent_web_conference_recording", Value::Bool(true)),
                ("telephony_calls_imported", Value::Bool(false)),
                ("emails_imported", Value::Bool(false)),
                ("prevent_email_import", Value::Bool(false)),
                ("non_recorded_meetings_imported", Value::Bool(false)),
                ("gong_connect_enabled", Value::Bool(false)),
            ],
        )
    };
    // User 1's manager is user 2: later in key order, so a copy in one pass would insert
    // a reference to a row that is not there yet.
    let (users, u1) = user(1, Some(2), "first@example.com");
    let (_, u2) = user(2, None, "second@example.com");
    db.insert(users, &[u1, u2]).await.unwrap();
    // Comment 20 answers comment 21, later in key order: the same trap for `in_reply_to`.
    let comment = |id: i64, reply_to: Option<i64>| {
        row(
            "call_comments",
            &[
                ("id", Value::Int(id)),
                ("call_id", call.clone()),
                ("author_user_id", Value::Int(1)),
                ("text", text("très bien, @[Zoë](1)")),
                ("start_ms", Value::Int(1_500)),
                ("end_ms", Value::Int(2_500)),
                ("in_reply_to", reply_to.map_or(Value::Null, Value::Int)),
                ("is_public", Value::Bool(true)),
                ("during_call", Value::Bool(false)),
                ("posted_us", Value::Int(T)),
            ],
        )
    };
    let (comments, parent) = comment(21, None);
    let (_, reply) = comment(20, Some(21));
    db.insert(comments, &[parent, reply]).await.unwrap();
    let me = Value::Int(1);
    let scopes = text("api:calls:read:basic");
    let rows = vec![
        row(
            "api_keys",
            &[
                ("access_key", text("K1")),
                ("name", text("")),
                ("secret_hash", text("$argon2id$h")),
                ("created_us", Value::Int(T)),
                ("workspace_id", ws.clone()),
                ("owner_user_id", me.clone()),
            ],
        ),
        row(
            "audit_log",
            &[
                ("id", Value::Int(1)),
                ("log", text("activity")),
                ("at_us", Value::Int(T)),
                ("last_us", Value::Int(T)),
                ("count", Value::Int(1)),
                ("actor_kind", text("cli")),
                ("actor", text("root")),
                ("action", text("user.added")),
                ("client_ip", text("")),
                ("params", text("[]")),
                ("targets", text("[\"first@example.com\"]")),
                ("outcome", text("done")),
            ],
        ),
        row(
            "user_roles",
            &[
                ("user_id", me.clone()),
                ("role", text("admin")),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "user_passwords",
            &[
                ("user_id", me.clone()),
                ("hash", text("$argon2id$p")),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "sessions",
            &[
                ("token_sha", text("s1")),
                ("user_id", me.clone()),
                ("csrf", text("c")),
                ("created_us", Value::Int(T)),
                ("expires_us", Value::Int(T + 1)),
            ],
        ),
        row(
            "password_resets",
            &[
                ("token_sha", text("r1")),
                ("user_id", me.clone()),
                ("expires_us", Value::Int(i64::MIN)),
            ],
        ),
        row(
            "server_secrets",
            &[
                ("name", text("cursor")),
                ("value", Value::Bytes(vec![0, 1, 0, 255, 0])),
            ],
        ),
        row(
            "call_media",
            &[
                ("call_id", call.clone()),
                ("key", text("calls/1/recording.wav")),
                ("size_bytes", Value::Int(3)),
                ("sha256", text("abc")),
                ("container", text("wav")),
                ("codec", text("pcm_s16le")),
                ("channels", Value::Int(2)),
                ("has_video", Value::Bool(false)),
                ("uploaded_us", Value::Int(T)),
            ],
        ),
        row(
            "call_waveforms",
            &[
                ("call_id", call.clone()),
                ("media_sha256", text("abc")),
                ("bucket_ms", Value::Int(50)),
                ("duration_ms", Value::Int(150)),
                ("peaks", Value::Bytes(vec![0, 128, 255])),
            ],
        ),
        row(
            "call_shares",
            &[
                ("id", Value::Int(31)),
                ("call_id", call.clone()),
                ("created_by_user_id", me.clone()),
                ("token_sha256", text("0123abcd")),
                ("recipient", text("Zoë <zoe@example.com>")),
                ("created_us", Value::Int(T)),
                ("expires_us", Value::Int(T + 1)),
                ("revoked_us", Value::Null),
                ("views", Value::Int(2)),
                ("last_viewed_us", Value::Int(T)),
            ],
        ),
        row(
            "call_speakers",
            &[
                ("call_id", call.clone()),
                ("speaker_id", Value::Int(0)),
                ("speech_ms", Value::Int(1_500)),
                ("voice", Value::Bytes((0..=255).collect())),
                ("source", text("diarization")),
            ],
        ),
        row(
            "call_speaker_timelines",
            &[
                ("call_id", call.clone()),
                ("precise", Value::Bool(true)),
                ("segments", text("[[0,1500,[1]],[1400,3000,[2,1]]]")),
            ],
        ),
        row(
            "voice_profiles",
            &[
                ("user_id", me.clone()),
                ("voice", Value::Bytes(vec![0; 1024])),
                ("samples", Value::Int(3)),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "workspace_topics",
            &[
                ("workspace_id", ws.clone()),
                ("topics", text("[]")),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "call_analysis",
            &[
                ("call_id", call.clone()),
                ("transcript_us", Value::Int(T)),
                ("interaction", text("{}")),
                ("topics", text("[]")),
                ("trackers", text("[]")),
                ("summary", text("{}")),
                ("engine", text("test")),
                ("analysed_us", Value::Int(T)),
                ("format", Value::Int(1)),
            ],
        ),
        row(
            "call_person_stats",
            &[
                ("call_id", call.clone()),
                ("user_id", me.clone()),
                ("started_us", Value::Int(T)),
                ("stats", text("{\"talk\": 0.5}")),
                ("format", Value::Int(1)),
            ],
        ),
        row(
            "jobs",
            &[
                ("id", Value::Int(i64::MAX)),
                ("kind", text("analysis")),
                ("payload", text("{}")),
                ("state", text("running")),
                ("attempts", Value::Int(1)),
                ("max_attempts", Value::Int(3)),
                ("run_after_us", Value::Int(T)),
                ("progress", Value::Real(0.1 + 0.2)),
                ("created_us", Value::Int(T)),
                ("updated_us", Value::Int(T)),
                ("crashes", Value::Int(0)),
            ],
        ),
        row(
            "oauth_apps",
            &[
                ("client_id", text("client1")),
                ("name", text("App")),
                ("secret_hash", text("h")),
                ("redirect_uris", text("[\"https://app.example/cb\"]")),
                ("scopes", scopes.clone()),
                ("created_us", Value::Int(T)),
            ],
        ),
        row(
            "oauth_codes",
            &[
                ("code_sha", text(&"a".repeat(64))),
                ("client_id", text("client1")),
                ("user_id", me.clone()),
                ("scopes", scopes.clone()),
                ("redirect_uri", text("https://app.example/cb")),
                ("grant_id", text("g1")),
                ("created_us", Value::Int(T)),
                ("expires_us", Value::Int(T)),
            ],
        ),
        row(
            "oauth_tokens",
            &[
                ("id", text("t1")),
                ("grant_id", text("g1")),
                ("access_sha", text(&"b".repeat(64))),
                ("refresh_sha", text(&"c".repeat(64))),
                ("client_id", text("client1")),
                ("user_id", me.clone()),
                ("scopes", scopes),
                ("created_us", Value::Int(T)),
                ("access_expires_us", Value::Int(T)),
                ("refresh_expires_us", Value::Int(T)),
            ],
        ),
        row(
            "permission_profiles",
            &[
                ("id", Value::Int(7)),
                ("workspace_id", ws.clone()),
                ("name", text("Reviewers")),
                ("library_level", text("all")),
                ("library_folders", text("[]")),
                ("library_manage_public_folder", Value::Bool(true)),
                ("library_manage_streams", Value::Bool(false)),
                ("library_manage_folder_calls", Value::Bool(true)),
                ("library_share_folders_and_streams", Value::Bool(false)),
                ("created_us", Value::Int(T)),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "permission_profile_access",
            &[
                ("profile_id", Value::Int(7)),
                ("area", text("calls")),
                ("level", text("all")),
                ("team_leads", text("[]")),
            ],
        ),
        row(
            "permission_profile_capabilities",
            &[
                ("profile_id", Value::Int(7)),
                ("capability", text("deal-board")),
            ],
        ),
        row(
            "user_profiles",
            &[
                ("user_id", me.clone()),
                ("workspace_id", ws.clone()),
                ("profile_id", Value::Int(7)),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "privacy_erasures",
            &[
                ("id", Value::Int(9)),
                ("kind", text("email")),
                ("masked", text("c***@customer.example.com")),
                ("dry_run", Value::Bool(true)),
                ("state", text("done")),
                ("requested_by", text("cli:test")),
                ("requested_us", Value::Int(T)),
                ("finished_us", Value::Int(T)),
                ("report", text("{}")),
            ],
        ),
        row(
            "call_user_access",
            &[
                ("call_id", call.clone()),
                ("user_id", me.clone()),
                ("granted_us", Value::Int(T)),
            ],
        ),
        row(
            "integration_settings",
            &[
                ("integration_type", text("dialer")),
                ("allowed_origin", text("https://acme.partner.com")),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "flows",
            &[
                ("id", Value::Int(11)),
                ("workspace_id", ws.clone()),
                ("name", text("Inbound follow-up")),
                ("owner_id", me.clone()),
                ("visibility", text("company")),
                ("exclusive", Value::Bool(true)),
                ("created_us", Value::Int(T)),
            ],
        ),
        row(
            "flow_instances",
            &[
                ("id", Value::Int(12)),
                ("flow_id", Value::Int(11)),
                ("crm_prospect_id", text("003A")),
                ("owner_id", me.clone()),
                ("status", text("running")),
                ("created_us", Value::Int(T)),
            ],
        ),
        row(
            "automation_rules",
            &[
                ("id", Value::Int(13)),
                ("workspace_id", ws.clone()),
                ("name", text("Concurrents — suivi")),
                ("enabled", Value::Bool(false)),
                ("filter", text("{}")),
                (
                    "actions",
                    text(r#"[{"type":"Webhook","url":"https://h.example/x","auth":"Jwt"}]"#),
                ),
                ("disabled_reason", text("switched off")),
                ("failures", Value::Int(3)),
                ("created_us", Value::Int(T)),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "crm_connectors",
            &[
                ("id", Value::Int(13)),
                ("workspace_id", ws.clone()),
                ("name", text("Salesforce")),
                ("kind", text("salesforce")),
                (
                    "settings",
                    text(r#"{"loginUrl":"https://login.salesforce.com"}"#),
                ),
                ("secret", text("c2VhbGVk")),
                ("created_us", Value::Int(T)),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "webhook_deliveries",
            &[
                ("id", Value::Int(14)),
                ("rule_id", Value::Int(13)),
                ("call_id", call.clone()),
                ("action", Value::Int(0)),
                ("is_test", Value::Bool(true)),
                ("state", text("failed")),
                ("attempts", Value::Int(2)),
                ("status", Value::Int(503)),
                ("latency_ms", Value::Int(12)),
                ("response", text("busy")),
                ("error", text("the receiver answered 503")),
                ("created_us", Value::Int(T)),
                ("updated_us", Value::Int(T)),
            ],
        ),
        row(
            "crm_writes",
            &[
                ("id", Value::Int(14)),
                ("workspace_id", ws.clone()),
                ("call_id", call.clone()),
                ("action", text(r#"{"field":"Main_Competitors__c"}"#)),
                ("object_id", text("006A")),
                ("state", text("written")),
                ("attempts", Value::Int(1)),
                ("value", text("Acme, Globex")),
                ("created_us", Value::Int(T)),
                ("updated_us", Value::Int(T)),
            ],
        ),
    ];
    for (table, r) in rows {
        db.insert(table, &[r]).await.unwrap();
    }
    let mut snap = db.snapshot().await.unwrap();
    for table in TABLES {
        assert!(
            snap.count(table).await.unwrap() > 0,
            "the source has a row in every table: {} has none",
            table.name
        );
    }
    db
}

fn all_audit() -> parley_store::AuditFilter {
    parley_store::AuditFilter {
        log: None,
        from: None,
        to: None,
        newest_first: false,
    }
}

fn assert_same(checks: &[migrate::TableCheck]) {
    assert_eq!(checks.len(), TABLES.len());
    for c in checks {
        assert!(c.matches(), "{} differs: {c:?}", c.table);
    }
}

#[tokio::test]
async fn every_table_goes_to_postgres_and_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_with_every_table(dir.path()).await;
    let pg = TestDb::new().await;
    let middle = migrate::open(&pg.url).await.unwrap();
    let report = migrate::copy(source.as_ref(), middle.as_ref(), 1, &Quiet)
        .await
        .unwrap();
    assert!(report.iter().all(|t| t.copied == t.rows && t.present == 0));
    assert_same(
        &migrate::verify(source.as_ref(), middle.as_ref(), &Quiet)
            .await
            .unwrap(),
    );

    let back_url = format!("sqlite://{}", dir.path().join("back.db").display());
    let back = migrate::open(&back_url).await.unwrap();
    migrate::copy(middle.as_ref(), back.as_ref(), 7, &Quiet)
        .await
        .unwrap();
    let before = migrate::digests(source.as_ref(), &Quiet).await.unwrap();
    let after = migrate::digests(back.as_ref(), &Quiet).await.unwrap();
    assert_same(&migrate::compare(&before, &after));

    // The copies are databases Parley runs on: the same calls, parties and transcripts
    // through the Store, and the next id from an identity column does not collide.
    let a = parley_app::storage::open(&format!(
        "sqlite://{}",
        dir.path().join("source.db").display()
    ))
    .await
    .unwrap();
    let b = parley_app::storage::open(&pg.url).await.unwrap();
    let filter = parley_store::CallFilter::default();
    let calls_a = a.list_calls(&filter, None, 100).await.unwrap();
    let calls_b = b.list_calls(&filter, None, 100).await.unwrap();
    assert_eq!(calls_a, calls_b);
    let ids: Vec<_> = calls_a.iter().map(|c| c.id).collect();
    assert_eq!(
        a.parties_of(&ids).await.unwrap(),
        b.parties_of(&ids).await.unwrap()
    );
    assert_eq!(
        a.transcripts_of(&ids).await.unwrap(),
        b.transcripts_of(&ids).await.unwrap()
    );
    // The search indexes are not copied: the target wrote its own, which finds the same
    // calls by a title and by words of a transcript.
    let transcripts = a.transcripts_of(&ids).await.unwrap();
    let sentence = &transcripts.values().next().expect("a transcript")[0].sentences[0].text;
    let said = parley_domain::search::phrase_words(sentence)[..2].join(" ");
    for text in [said, calls_a[0].title.clone()] {
        let search = parley_store::CallSearch {
            text: Some(text.clone()),
            ..Default::default()
        };
        let found = a.search_calls(&search, None, 100).await.unwrap();
        assert!(!found.is_empty(), "{text:?} finds a call");
        assert_eq!(
            found,
            b.search_calls(&search, None, 100).await.unwrap(),
            "{text:?}"
        );
    }
    let before_audit = b.count_audit(&all_audit()).await.unwrap();
    let entry = parley_domain::AuditEntry::new(
        chrono::Utc::now(),
        parley_domain::Actor::Cli {
            os_user: "test".into(),
        },
        parley_domain::AuditAction::UserAdded,
        parley_domain::Outcome::Done,
    );
    b.append_audit(&[entry]).await.unwrap();
    assert_eq!(b.count_audit(&all_audit()).await.unwrap(), before_audit + 1);
}

/// A target that fails its `fail_at`th insert, as a copy killed midway would leave it.
struct Interrupted {
    inner: Arc<dyn Portable>,
    inserts_left: AtomicUsize,
}

#[async_trait]
impl Portable for Interrupted {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    async fn snapshot(&self) -> StoreResult<Box<dyn Snapshot>> {
        self.inner.snapshot().await
    }
    async fn last_key(&self, table: &Table) -> StoreResult<Option<Row>> {
        self.inner.last_key(table).await
    }
    async fn insert(&self, table: &Table, rows: &[Row]) -> StoreResult<()> {
        if self.inserts_left.fetch_sub(1, Ordering::SeqCst) == 0 {
            return Err(StoreError::Corrupt("the copy was cut off here".into()));
        }
        self.inner.insert(table, rows).await
    }
    async fn rewrite(&self, table: &Table, rows: &[Row]) -> StoreResult<()> {
        self.inner.rewrite(table, rows).await
    }
    async fn finish(&self) -> StoreResult<()> {
        self.inner.finish().await
    }
    async fn schema(&self) -> StoreResult<Vec<(String, Vec<String>)>> {
        self.inner.schema().await
    }
}

#[tokio::test]
async fn an_interrupted_copy_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_with_every_table(dir.path()).await;
    let pg = TestDb::new().await;
    let target = migrate::open(&pg.url).await.unwrap();
    // Cut off after the users (with their managers not yet written), mid-way.
    let cut = Interrupted {
        inner: target.clone(),
        inserts_left: AtomicUsize::new(4),
    };
    let err = migrate::copy(source.as_ref(), &cut, 3, &Quiet)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cut off"), "{err}");
    let partial = migrate::verify(source.as_ref(), target.as_ref(), &Quiet)
        .await
        .unwrap();
    assert!(
        partial.iter().any(|c| !c.matches()),
        "the cut left the copy unfinished"
    );

    let report = migrate::copy(source.as_ref(), target.as_ref(), 3, &Quiet)
        .await
        .unwrap();
    let present: u64 = report.iter().map(|t| t.present).sum();
    assert!(
        present > 0,
        "the second run kept what the first wrote: {report:?}"
    );
    assert!(
        report.iter().all(|t| t.present + t.copied == t.rows),
        "{report:?}"
    );
    assert_same(
        &migrate::verify(source.as_ref(), target.as_ref(), &Quiet)
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn a_target_holding_other_data_or_the_source_itself_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_with_every_table(dir.path()).await;
    let other_url = format!("sqlite://{}", dir.path().join("other.db").display());
    let other_store = parley_app::storage::open(&other_url).await.unwrap();
    parley_app::demo::seed(other_store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    let other = migrate::open(&other_url).await.unwrap();
    let before = migrate::digests(other.as_ref(), &Quiet).await.unwrap();
    let err = migrate::copy(source.as_ref(), other.as_ref(), migrate::PAGE_ROWS, &Quiet)
        .await
        .unwrap_err();
    assert!(
        matches!(err, parley_app::AppError::Conflict(ref m) if m.contains("other data")),
        "{err:?}"
    );
    assert_eq!(
        migrate::digests(other.as_ref(), &Quiet).await.unwrap(),
        before,
        "nothing was written"
    );
    let err = migrate::copy(source.as_ref(), source.as_ref(), migrate::PAGE_ROWS, &Quiet)
        .await
        .unwrap_err();
    assert!(matches!(err, parley_app::AppError::Invalid(_)), "{err:?}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn recordings_are_copied_checked_and_not_copied_twice() {
    let dir = tempfile::tempdir().unwrap();
    let from = BlobStore::open(dir.path().join("a").to_str().unwrap()).unwrap();
    let to = BlobStore::open(dir.path().join("b").to_str().unwrap()).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let good = b"RIFF....WAVEfmt ".repeat(1000);
    from.put_bytes("calls/1/a.wav", good.clone().into())
        .await
        .unwrap();
    from.put_bytes("calls/2/b.wav", b"changed on disk".to_vec().into())
        .await
        .unwrap();
    let object = |key: &str, bytes: &[u8]| MediaObject {
        key: key.into(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    };
    let objects = vec![
        object("calls/1/a.wav", &good),
        object("calls/2/b.wav", b"what was uploaded"),
        object("calls/3/c.wav", b"never stored"),
    ];
    let report = migrate::copy_media(&objects, &from, &to, &work, &Quiet)
        .await
        .unwrap();
    assert_eq!((report.copied, report.present), (1, 0));
    assert_eq!(report.damaged, vec!["calls/2/b.wav".to_owned()]);
    assert_eq!(report.missing, vec!["calls/3/c.wav".to_owned()]);
    assert!(!report.complete());
    assert_eq!(to.get_bytes("calls/1/a.wav").await.unwrap(), good);
    assert_eq!(
        to.size("calls/2/b.wav").await.unwrap(),
        None,
        "damaged bytes are not copied"
    );

    let again = migrate::copy_media(&objects[..1], &from, &to, &work, &Quiet)
        .await
        .unwrap();
    assert_eq!((again.copied, again.present), (0, 1));
    assert!(again.complete());
    let check = migrate::check_media(&objects, &to).await.unwrap();
    assert_eq!(check.present, 1);
    assert_eq!(check.missing.len(), 2);
    let left: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("-migrate-"))
        .collect();
    assert!(left.is_empty(), "no work file is left behind: {left:?}");
}
