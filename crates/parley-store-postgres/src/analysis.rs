//! Trackers, workspace topics, call analyses, per-person stats and activity events.

use sqlx::postgres::PgRow;
use sqlx::{QueryBuilder, Row};

use parley_domain::tracker::TrackerDef;
use parley_domain::{counters_of, random_id, ActivityKind, Counter};
use parley_store::codec::{from_json, map_missing, map_unique, to_json, ts, us};
use parley_store::rows::check_format;
use parley_store::ANALYSIS_FORMAT;

use super::*;

fn tracker_of(r: &PgRow) -> Result<TrackerRecord> {
    let mut def: TrackerDef = from_json(r.try_get("definition")?, "tracker definition")?;
    // The row's columns are the truth for the fields they hold.
    def.id = TrackerId(r.try_get("id")?);
    def.name = r.try_get("name")?;
    Ok(TrackerRecord {
        def,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        created: ts(r.try_get("created_us")?)?,
        creator: r.try_get::<Option<i64>, _>("creator_user_id")?.map(UserId),
        updated: ts(r.try_get("updated_us")?)?,
        updater: r.try_get::<Option<i64>, _>("updater_user_id")?.map(UserId),
    })
}

pub(crate) async fn save_tracker(db: &PgStore, t: &TrackerRecord) -> Result<()> {
    // The upsert is atomic on the id; another tracker's name (any case) in the workspace
    // is the `trackers_name` index's unique violation.
    sqlx::query(
        "INSERT INTO trackers (id, workspace_id, name, definition, created_us, creator_user_id, updated_us, updater_user_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (id) DO UPDATE SET workspace_id = EXCLUDED.workspace_id, name = EXCLUDED.name, \
         definition = EXCLUDED.definition, updated_us = EXCLUDED.updated_us, updater_user_id = EXCLUDED.updater_user_id",
    )
    .bind(t.def.id.0)
    .bind(t.workspace_id.0)
    .bind(&t.def.name)
    .bind(to_json(&t.def))
    .bind(us(t.created))
    .bind(t.creator.map(|u| u.0))
    .bind(us(t.updated))
    .bind(t.updater.map(|u| u.0))
    .execute(&db.pool)
    .await
    .map_err(|e| map_unique(e, "a tracker with this name already exists in the workspace"))?;
    Ok(())
}

pub(crate) async fn get_tracker(db: &PgStore, id: TrackerId) -> Result<Option<TrackerRecord>> {
    sqlx::query("SELECT * FROM trackers WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(tracker_of)
        .transpose()
}

pub(crate) async fn trackers(
    db: &PgStore,
    workspace: Option<WorkspaceId>,
) -> Result<Vec<TrackerRecord>> {
    // SQLite's `COLLATE NOCASE` order: lower() of the column's "C" collation folds ASCII
    // letters only, then compares bytes; the same expression as the `trackers_name` index.
    sqlx::query(
        "SELECT * FROM trackers WHERE $1::BIGINT IS NULL OR workspace_id = $1 \
         ORDER BY lower(name), id",
    )
    .bind(workspace.map(|w| w.0))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(tracker_of)
    .collect()
}

pub(crate) async fn delete_tracker(db: &PgStore, id: TrackerId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM trackers WHERE id = $1")
        .bind(id.0)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn workspace_topics(
    db: &PgStore,
    workspace: WorkspaceId,
) -> Result<Option<Vec<TopicDef>>> {
    let row = sqlx::query("SELECT topics FROM workspace_topics WHERE workspace_id = $1")
        .bind(workspace.0)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| from_json(r.try_get("topics")?, "workspace topics"))
        .transpose()
}

pub(crate) async fn set_workspace_topics(
    db: &PgStore,
    workspace: WorkspaceId,
    topics: &[TopicDef],
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO workspace_topics (workspace_id, topics, updated_us) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET topics = EXCLUDED.topics, updated_us = EXCLUDED.updated_us",
    )
    .bind(workspace.0)
    .bind(to_json(&topics))
    .bind(us(at))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) async fn analysis_input(db: &PgStore, id: CallId) -> Result<Option<AnalysisInput>> {
    Ok(transcripts::read_transcript(db, id)
        .await?
        .map(|(_, version, transcript)| AnalysisInput {
            version,
            transcript,
        }))
}

pub(crate) async fn save_analysis(
    db: &PgStore,
    w: AnalysisWrite<'_>,
    deliveries: &[parley_domain::automation::NewDelivery],
) -> Result<bool> {
    let mut tx = db.begin().await?;
    // The call's row is the lock of everything stored about the call, taken first by every
    // writer of it (replace_transcript's lock_call, in the same NO KEY UPDATE mode, which
    // inserts referring to the call do not wait for): a transcript being replaced at the
    // same time either committed before this lock was granted (and the version check
    // below sees it) or waits until this transaction is done.
    let Some(started_us) = sqlx::query_scalar::<_, i64>(
        "SELECT started_us FROM calls WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(w.call_id.0)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    let current: Option<i64> =
        sqlx::query_scalar("SELECT created_us FROM transcripts WHERE call_id = $1")
            .bind(w.call_id.0)
            .fetch_optional(&mut *tx)
            .await?;
    if current != Some(w.transcript_version) {
        return Ok(false);
    }
    if let Some(lease) = w.lease {
        jobs::finish_leased(&mut tx, lease, w.at).await?;
    }
    let a = w.analysis;
    sqlx::query(
        "INSERT INTO call_analysis (call_id, transcript_us, interaction, topics, trackers, summary, engine, analysed_us, format) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (call_id) DO UPDATE SET transcript_us = EXCLUDED.transcript_us, \
         interaction = EXCLUDED.interaction, topics = EXCLUDED.topics, trackers = EXCLUDED.trackers, \
         summary = EXCLUDED.summary, engine = EXCLUDED.engine, analysed_us = EXCLUDED.analysed_us, \
         format = EXCLUDED.format",
    )
    .bind(w.call_id.0)
    .bind(w.transcript_version)
    .bind(to_json(&a.interaction))
    .bind(to_json(&a.topics))
    .bind(to_json(&a.trackers))
    .bind(to_json(&a.summary))
    .bind(to_json(&a.engine))
    .bind(us(w.at))
    .bind(ANALYSIS_FORMAT)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM call_person_stats WHERE call_id = $1")
        .bind(w.call_id.0)
        .execute(&mut *tx)
        .await?;
    for p in &a.interaction.persons {
        let Some(user) = p.user_id else { continue };
        // A user listed twice keeps the last, as SQLite's INSERT OR REPLACE does.
        sqlx::query(
            "INSERT INTO call_person_stats (call_id, user_id, started_us, stats, format) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (call_id, user_id) DO UPDATE SET \
             started_us = EXCLUDED.started_us, stats = EXCLUDED.stats, format = EXCLUDED.format",
        )
        .bind(w.call_id.0)
        .bind(user.0)
        .bind(started_us)
        .bind(to_json(p))
        .bind(ANALYSIS_FORMAT)
        .execute(&mut *tx)
        .await?;
    }
    if !a.topics.per_monologue.is_empty() {
        let monologues: Vec<i64> = (0..a.topics.per_monologue.len() as i64).collect();
        sqlx::query(
            "UPDATE transcript_sentences s SET topic = v.topic \
             FROM UNNEST($2::BIGINT[], $3::TEXT[]) AS v (monologue, topic) \
             WHERE s.call_id = $1 AND s.monologue = v.monologue",
        )
        .bind(w.call_id.0)
        .bind(monologues)
        .bind(&a.topics.per_monologue)
        .execute(&mut *tx)
        .await?;
    }
    crate::automation::insert_deliveries(&mut tx, deliveries, w.at).await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn save_tracker_hits(
    db: &PgStore,
    call: CallId,
    transcript_version: i64,
    hits: &[TrackerHitsRow],
) -> Result<bool> {
    let mut tx = db.begin().await?;
    // The call's lock first, as every writer of the call takes it (save_analysis,
    // replace_transcript): the version trigger on call_analysis locks the call's row after
    // the analysis row, the reverse of save_analysis's order, and the two would deadlock.
    // Under it, the statement below sees the call's transcript and analysis as committed.
    let locked = sqlx::query("SELECT 1 FROM calls WHERE id = $1 FOR NO KEY UPDATE")
        .bind(call.0)
        .fetch_optional(&mut *tx)
        .await?;
    if locked.is_none() {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE call_analysis SET trackers = $1 WHERE call_id = $2 AND transcript_us = $3 \
         AND transcript_us = (SELECT created_us FROM transcripts WHERE call_id = $2) AND format = $4",
    )
    .bind(to_json(&hits))
    .bind(call.0)
    .bind(transcript_version)
    .bind(ANALYSIS_FORMAT)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn analyses_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, AnalysisRow>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = sqlx::query("SELECT * FROM call_analysis WHERE call_id = ANY($1)")
        .bind(raw_ids(ids, |c| c.0))
        .fetch_all(&db.pool)
        .await?;
    for r in rows {
        check_format(r.try_get("format")?, "a call analysis")?;
        let analysis = AnalysisRow {
            interaction: from_json(r.try_get("interaction")?, "interaction")?,
            topics: from_json(r.try_get("topics")?, "topics")?,
            trackers: from_json(r.try_get("trackers")?, "trackers")?,
            summary: from_json(r.try_get("summary")?, "summary")?,
            engine: from_json(r.try_get("engine")?, "engine")?,
        };
        out.insert(CallId(r.try_get("call_id")?), analysis);
    }
    Ok(out)
}

pub(crate) async fn transcribed_calls(
    db: &PgStore,
    workspace: Option<WorkspaceId>,
    after: Option<CallId>,
    limit: u32,
) -> Result<Vec<CallId>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT t.call_id FROM transcripts t JOIN calls c ON c.id = t.call_id \
         WHERE ($1::BIGINT IS NULL OR c.workspace_id = $1) AND t.call_id > $2 \
         ORDER BY t.call_id LIMIT $3",
    )
    .bind(workspace.map(|w| w.0))
    .bind(after.map_or(i64::MIN, |c| c.0))
    .bind(i64::from(limit))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(CallId).collect())
}

pub(crate) async fn person_stats(
    db: &PgStore,
    from: Timestamp,
    to: Timestamp,
    users: Option<&[UserId]>,
) -> Result<Vec<(UserId, PersonStatsRow)>> {
    let mut q = QueryBuilder::<Postgres>::new(
        "SELECT user_id, stats, format FROM call_person_stats WHERE started_us >= ",
    );
    q.push_bind(us(from))
        .push(" AND started_us < ")
        .push_bind(us(to));
    if let Some(users) = users {
        q.push(" AND user_id = ANY(")
            .push_bind(raw_ids(users, |u| u.0))
            .push(")");
    }
    q.push(" ORDER BY user_id, started_us, call_id");
    q.build()
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            check_format(r.try_get("format")?, "a call's person stats")?;
            Ok((
                UserId(r.try_get("user_id")?),
                from_json(r.try_get("stats")?, "person stats")?,
            ))
        })
        .collect()
}

pub(crate) async fn record_activity(db: &PgStore, e: &ActivityEvent) -> Result<i64> {
    let id = random_id();
    sqlx::query(
        "INSERT INTO activity_events (id, kind, actor_user_id, subject_user_id, call_id, at_us) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(e.kind.key())
    .bind(e.actor.0)
    .bind(e.subject.map(|u| u.0))
    .bind(e.call_id.0)
    .bind(us(e.at))
    .execute(&db.pool)
    .await
    .map_err(|err| map_missing(err, || "the call or user of the event".into()))?;
    Ok(id)
}

pub(crate) async fn activity_facts(
    db: &PgStore,
    from: Timestamp,
    to: Timestamp,
    users: Option<&[UserId]>,
) -> Result<Vec<ActivityFact>> {
    let wanted = |u: UserId| users.is_none_or(|list| list.contains(&u));
    let mut out = Vec::new();
    // Both reads in one snapshot, so that a call and its events agree.
    let mut tx = db.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    // Hosting and attending, by call start; attendees in the order the call lists them.
    let rows = sqlx::query(
        "SELECT c.id, c.started_us, c.primary_user_id, p.user_id FROM calls c \
         LEFT JOIN parties p ON p.call_id = c.id AND p.user_id IS NOT NULL AND p.user_id <> c.primary_user_id \
         WHERE c.started_us >= $1 AND c.started_us < $2 ORDER BY c.started_us, c.id, p.ord, p.id",
    )
    .bind(us(from))
    .bind(us(to))
    .fetch_all(&mut *tx)
    .await?;
    let events = sqlx::query(
        "SELECT e.kind, e.actor_user_id, COALESCE(e.subject_user_id, c.primary_user_id) AS subject, \
         e.call_id, e.at_us FROM activity_events e JOIN calls c ON c.id = e.call_id \
         WHERE e.at_us >= $1 AND e.at_us < $2 ORDER BY e.at_us, e.id",
    )
    .bind(us(from))
    .bind(us(to))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut last_hosted = None;
    for r in &rows {
        let call = CallId(r.try_get("id")?);
        let at = ts(r.try_get("started_us")?)?;
        let host = UserId(r.try_get("primary_user_id")?);
        if last_hosted != Some(call) && wanted(host) {
            out.push(ActivityFact {
                user: host,
                counter: Counter::CallsAsHost,
                call,
                at,
            });
        }
        last_hosted = Some(call);
        if let Some(attendee) = r.try_get::<Option<i64>, _>("user_id")?.map(UserId) {
            if wanted(attendee) {
                out.push(ActivityFact {
                    user: attendee,
                    counter: Counter::CallsAttended,
                    call,
                    at,
                });
            }
        }
    }
    for r in &events {
        let kind: &str = r.try_get("kind")?;
        let kind = ActivityKind::from_key(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("activity kind {kind}")))?;
        let call = CallId(r.try_get("call_id")?);
        let at = ts(r.try_get("at_us")?)?;
        let actor = UserId(r.try_get("actor_user_id")?);
        let subject = UserId(r.try_get("subject")?);
        for (user, counter) in counters_of(kind, actor, subject) {
            if wanted(user) {
                out.push(ActivityFact {
                    user,
                    counter,
                    call,
                    at,
                });
            }
        }
    }
    Ok(out)
}
