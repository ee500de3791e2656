//! Calls, their versions and the call-set generation, parties and CRM context.

use parley_domain::{Audience, CallAccess, JobSpec, MediaKind};
use parley_store::codec::{
    affiliation_key, affiliation_of, crm_system_key, crm_system_of, direction_key, direction_of,
    map_unique, methods_key, methods_of, opt_ts, parse_timeline, scope_key, scope_of_key,
    timeline_json, ts, us,
};
use sqlx::postgres::PgRow;
use sqlx::{QueryBuilder, Row};

use super::*;

const CALL_COLUMNS: &str = "id, workspace_id, title, scheduled_us, started_us, duration_s, primary_user_id, \
    direction, system, scope, media, language, sdr_disposition, client_unique_id, custom_data, purpose, \
    meeting_url, is_private, calendar_event_id, media_source_url, language_hint, created_us";

fn call_of(r: &PgRow) -> Result<Call> {
    let media: &str = r.try_get("media")?;
    Ok(Call {
        id: CallId(r.try_get("id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        title: r.try_get("title")?,
        scheduled: opt_ts(r.try_get("scheduled_us")?)?,
        started: ts(r.try_get("started_us")?)?,
        duration_s: r.try_get("duration_s")?,
        primary_user_id: UserId(r.try_get("primary_user_id")?),
        direction: direction_of(r.try_get("direction")?),
        system: r.try_get("system")?,
        scope: scope_of_key(r.try_get("scope")?),
        media: if media == "video" {
            MediaKind::Video
        } else {
            MediaKind::Audio
        },
        language: r.try_get("language")?,
        sdr_disposition: r.try_get("sdr_disposition")?,
        client_unique_id: r.try_get("client_unique_id")?,
        custom_data: r.try_get("custom_data")?,
        purpose: r.try_get("purpose")?,
        meeting_url: r.try_get("meeting_url")?,
        is_private: r.try_get("is_private")?,
        calendar_event_id: r.try_get("calendar_event_id")?,
        media_source_url: r.try_get("media_source_url")?,
        language_hint: r.try_get("language_hint")?,
        created: ts(r.try_get("created_us")?)?,
    })
}

/// The filter, the keyset start and the order of a page of calls.
fn push_call_page(
    q: &mut QueryBuilder<'_, Postgres>,
    f: &CallFilter,
    after: Option<CallKey>,
    limit: u32,
) {
    push_call_filter(q, f);
    if let Some(k) = after {
        // A row-value comparison: PostgreSQL seeks the (started_us, id) index with it.
        q.push(" AND (started_us, id) > (")
            .push_bind(k.started_us)
            .push(", ")
            .push_bind(k.id)
            .push(")");
    }
    q.push(" ORDER BY started_us, id LIMIT ")
        .push_bind(i64::from(limit));
}

/// A [`CallSearch`]'s conditions, keyset start and order (the calls list of the UI).
fn push_call_search(
    q: &mut QueryBuilder<'_, Postgres>,
    s: &CallSearch,
    after: Option<SearchKey>,
    limit: u32,
) {
    push_call_filter(q, &s.filter);
    if let Some(text) = &s.text {
        // The indexes of migration 0018: ILIKE (as SQLite's LIKE, ASCII case ignored)
        // reads the trigram index for a piece of 3 characters or more; the words are a
        // phrase of plain words (no tsquery syntax can get through), the last a prefix.
        q.push(" AND (id IN (SELECT call_id FROM call_facts WHERE facts ILIKE ")
            .push_bind(parley_store::like_anywhere(text))
            .push(" ESCAPE '\\')");
        let words = parley_domain::search::phrase_words(text);
        if !words.is_empty() {
            let query: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
            q.push(
                " OR id IN (SELECT call_id FROM call_words WHERE words @@ to_tsquery('simple', ",
            )
            .push_bind(format!("{}:*", query.join(" <-> ")))
            .push("))");
        }
        q.push(")");
    }
    if let Some(d) = s.direction {
        q.push(" AND direction = ").push_bind(direction_key(d));
    }
    if let Some(min) = s.min_duration_s {
        q.push(" AND duration_s >= ").push_bind(min);
    }
    if let Some(max) = s.max_duration_s {
        q.push(" AND duration_s <= ").push_bind(max);
    }
    if let Some(has) = s.has_recording {
        q.push(if has { " AND " } else { " AND NOT " })
            .push("EXISTS (SELECT 1 FROM call_media m WHERE m.call_id = calls.id)");
    }
    if let Some(t) = s.tracker {
        q.push(
            " AND EXISTS (SELECT 1 FROM call_analysis a, \
             jsonb_array_elements(a.trackers::jsonb) h \
             WHERE a.call_id = calls.id AND h->>'tracker_id' = ",
        )
        .push_bind(t.to_string())
        .push(" AND (h->>'count')::bigint > 0)");
    }
    if let Some(topic) = &s.topic {
        q.push(
            " AND EXISTS (SELECT 1 FROM call_analysis a, \
             jsonb_array_elements(a.topics::jsonb -> 'totals') t \
             WHERE a.call_id = calls.id AND t->>0 = ",
        )
        .push_bind(topic.clone())
        .push(" AND (t->>1)::bigint > 0)");
    }
    parley_store::push_search_order(q, s.order, after, limit);
}

pub(crate) async fn search_calls(
    db: &PgStore,
    s: &CallSearch,
    after: Option<SearchKey>,
    limit: u32,
) -> Result<Vec<Call>> {
    let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {CALL_COLUMNS} FROM calls"));
    push_call_search(&mut q, s, after, limit);
    let rows = q.build().fetch_all(&db.pool).await?;
    rows.iter().map(call_of).collect()
}

pub(crate) fn push_call_filter(q: &mut QueryBuilder<'_, Postgres>, f: &CallFilter) {
    q.push(" WHERE TRUE");
    if let Some(from) = f.from {
        q.push(" AND started_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.to {
        q.push(" AND started_us < ").push_bind(us(to));
    }
    if let Some(ws) = f.workspace_id {
        q.push(" AND workspace_id = ").push_bind(ws.0);
    }
    if let Some(ids) = &f.call_ids {
        q.push(" AND id = ANY(")
            .push_bind(raw_ids(ids, |c| c.0))
            .push(")");
    }
    if let Some(ids) = &f.primary_user_ids {
        q.push(" AND primary_user_id = ANY(")
            .push_bind(raw_ids(ids, |u| u.0))
            .push(")");
    }
    if let Some(access) = &f.visible_to {
        q.push(" AND ");
        push_call_access(q, access);
    }
}

/// The calls `access` reaches, as one parenthesised SQL condition on the `calls` row in
/// scope (call listings, and the manual associations' `call_id IN (SELECT id FROM calls
/// WHERE ...)`).
pub(crate) fn push_call_access(q: &mut QueryBuilder<'_, Postgres>, access: &CallAccess) {
    // Each workspace with an audience of its own, then the rest by the default.
    q.push("(");
    for (w, audience) in &access.by_workspace {
        q.push("(workspace_id = ").push_bind(w.0).push(" AND ");
        push_audience(q, audience);
        q.push(") OR ");
    }
    q.push("(");
    if !access.by_workspace.is_empty() {
        let own: Vec<i64> = access.by_workspace.keys().map(|w| w.0).collect();
        q.push("NOT (workspace_id = ANY(")
            .push_bind(own)
            .push(")) AND ");
    }
    push_audience(q, &access.default);
    q.push(")");
    if let Some(user) = access.granted_to {
        q.push(" OR id IN (SELECT call_id FROM call_user_access WHERE user_id = ")
            .push_bind(user.0)
            .push(")");
    }
    q.push(")");
}

/// Calls `audience` sees (hosted or attended), as an SQL condition.
fn push_audience(q: &mut QueryBuilder<'_, Postgres>, audience: &Audience) {
    match audience {
        Audience::Everyone => {
            q.push("TRUE");
        }
        Audience::Users(users) if users.is_empty() => {
            q.push("FALSE");
        }
        Audience::Users(users) => {
            let ids = raw_ids(users, |u| u.0);
            q.push("(primary_user_id = ANY(")
                .push_bind(ids.clone())
                .push(") OR id IN (SELECT call_id FROM parties WHERE user_id = ANY(")
                .push_bind(ids)
                .push(")))");
        }
    }
}

/// The key a CRM object is unique by.
fn crm_key(link: &CrmLink) -> (&'static str, &str, &str) {
    (
        crm_system_key(link.system),
        &link.object_type,
        &link.object_id,
    )
}

/// Upserts the CRM objects of `links` and returns their row keys, by object. Objects are
/// upserted in key order (the links of one object in the order given, so the last one's
/// fields win as on SQLite): two calls linking the same objects lock their rows in the
/// same order and cannot deadlock on them.
async fn upsert_crm_objects<'a>(
    tx: &mut Tx,
    links: &[&'a CrmLink],
    at: Timestamp,
) -> Result<HashMap<(&'static str, &'a str, &'a str), i64>> {
    let mut order: Vec<&CrmLink> = links.to_vec();
    order.sort_by(|a, b| crm_key(a).cmp(&crm_key(b)));
    let mut pks = HashMap::new();
    for link in order {
        let fields = serde_json::to_string(&link.fields).expect("json values serialise");
        // Empty field lists (a bare link) never wipe values learned earlier.
        let pk: i64 = sqlx::query_scalar(
            "INSERT INTO crm_objects (system, object_type, object_id, fields, updated_us) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (system, object_type, object_id) DO UPDATE SET \
               fields = CASE WHEN excluded.fields = '[]' THEN crm_objects.fields ELSE excluded.fields END, \
               updated_us = excluded.updated_us \
             RETURNING pk",
        )
        .bind(crm_system_key(link.system))
        .bind(&link.object_type)
        .bind(&link.object_id)
        .bind(fields)
        .bind(us(at))
        .fetch_one(&mut **tx)
        .await?;
        pks.insert(crm_key(link), pk);
    }
    Ok(pks)
}

/// Inserts one party of a call at position `ord`.
pub(crate) async fn insert_party(tx: &mut Tx, p: &Party, ord: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO parties (id, call_id, ord, name, email, title, user_id, speaker_id, affiliation, phone, \
         methods, media_channel) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(p.id.0)
    .bind(p.call_id.0)
    .bind(ord)
    .bind(&p.name)
    .bind(&p.email)
    .bind(&p.title)
    .bind(p.user_id.map(|u| u.0))
    .bind(p.speaker_id.map(|s| s.0))
    .bind(affiliation_key(p.affiliation))
    .bind(&p.phone)
    .bind(methods_key(&p.methods))
    .bind(p.media_channel)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The CRM links of the calls: party links (`parties`) or call-level ones, in order.
async fn links_of(
    db: &PgStore,
    ids: &[CallId],
    parties: bool,
) -> Result<Vec<(i64, Option<i64>, CrmLink)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = sqlx::query(if parties {
        "SELECT l.call_id, l.party_id, o.system, o.object_type, o.object_id, o.fields \
         FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
         WHERE l.call_id = ANY($1) AND l.party_id IS NOT NULL ORDER BY l.call_id, l.ord"
    } else {
        "SELECT l.call_id, l.party_id, o.system, o.object_type, o.object_id, o.fields \
         FROM crm_links l JOIN crm_objects o ON o.pk = l.crm_pk \
         WHERE l.call_id = ANY($1) AND l.party_id IS NULL ORDER BY l.call_id, l.ord"
    })
    .bind(raw_ids(ids, |c| c.0))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let fields: Vec<(String, serde_json::Value)> =
                serde_json::from_str(r.try_get("fields")?)
                    .map_err(|e| StoreError::Corrupt(format!("crm object fields: {e}")))?;
            Ok((
                r.try_get("call_id")?,
                r.try_get("party_id")?,
                CrmLink {
                    system: crm_system_of(r.try_get("system")?),
                    object_type: r.try_get("object_type")?,
                    object_id: r.try_get("object_id")?,
                    fields,
                },
            ))
        })
        .collect()
}

pub(crate) async fn insert_call(
    db: &PgStore,
    call: &Call,
    parties: &[Party],
    context: &[CrmLink],
    jobs: &[NewJob],
    timeline: Option<&SpeakerTimeline<PartyId>>,
) -> Result<()> {
    // Changed CRM fields bump the versions of every call linking the object, so two
    // inserts sharing objects lock other calls' rows in an order neither controls; the
    // objects' own locks are ordered, but a deadlock between the calls' locks remains
    // possible. PostgreSQL then aborts one transaction, which is simply run again.
    let mut tries = 0;
    loop {
        match insert_call_once(db, call, parties, context, jobs, timeline).await {
            Err(e) if retryable(&e) && tries < DEADLOCK_RETRIES => {
                tries += 1;
                tracing::debug!(call = %call.id, "insert of a call lost a deadlock; again");
            }
            done => return done,
        }
    }
}

async fn insert_call_once(
    db: &PgStore,
    call: &Call,
    parties: &[Party],
    context: &[CrmLink],
    jobs: &[NewJob],
    timeline: Option<&SpeakerTimeline<PartyId>>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let params: Vec<String> = (1..=CALL_COLUMNS.split(',').count())
        .map(|i| format!("${i}"))
        .collect();
    sqlx::query(&format!(
        "INSERT INTO calls ({CALL_COLUMNS}) VALUES ({})",
        params.join(", ")
    ))
    .bind(call.id.0)
    .bind(call.workspace_id.0)
    .bind(&call.title)
    .bind(call.scheduled.map(us))
    .bind(us(call.started))
    .bind(call.duration_s)
    .bind(call.primary_user_id.0)
    .bind(direction_key(call.direction))
    .bind(&call.system)
    .bind(scope_key(call.scope))
    .bind(match call.media {
        MediaKind::Audio => "audio",
        MediaKind::Video => "video",
    })
    .bind(&call.language)
    .bind(&call.sdr_disposition)
    .bind(&call.client_unique_id)
    .bind(&call.custom_data)
    .bind(&call.purpose)
    .bind(&call.meeting_url)
    .bind(call.is_private)
    .bind(&call.calendar_event_id)
    .bind(&call.media_source_url)
    .bind(&call.language_hint)
    .bind(us(call.created))
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, "a call with this clientUniqueId exists"))?;

    let all_links: Vec<&CrmLink> = context
        .iter()
        .chain(parties.iter().flat_map(|p| &p.context))
        .collect();
    let pks = upsert_crm_objects(&mut tx, &all_links, call.created).await?;
    let pk_of = |link: &CrmLink| {
        pks.get(&crm_key(link))
            .copied()
            .ok_or_else(|| StoreError::Corrupt("a crm object missing after its upsert".into()))
    };
    let mut ord = 0i64;
    for link in context {
        sqlx::query(
            "INSERT INTO crm_links (call_id, party_id, ord, crm_pk) VALUES ($1, NULL, $2, $3)",
        )
        .bind(call.id.0)
        .bind(ord)
        .bind(pk_of(link)?)
        .execute(&mut *tx)
        .await?;
        ord += 1;
    }
    for (i, p) in parties.iter().enumerate() {
        insert_party(&mut tx, p, i as i64).await?;
        for link in &p.context {
            sqlx::query(
                "INSERT INTO crm_links (call_id, party_id, ord, crm_pk) VALUES ($1, $2, $3, $4)",
            )
            .bind(call.id.0)
            .bind(p.id.0)
            .bind(ord)
            .bind(pk_of(link)?)
            .execute(&mut *tx)
            .await?;
            ord += 1;
        }
    }
    if let Some(t) = timeline {
        sqlx::query(
            "INSERT INTO call_speaker_timelines (call_id, precise, segments) VALUES ($1, $2, $3)",
        )
        .bind(call.id.0)
        .bind(t.precise)
        .bind(timeline_json(t))
        .execute(&mut *tx)
        .await?;
    }
    for job in jobs {
        jobs::enqueue_in(&mut tx, job, job.live_states(), call.created).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn speaker_timeline(
    db: &PgStore,
    id: CallId,
) -> Result<Option<SpeakerTimeline<PartyId>>> {
    let row =
        sqlx::query("SELECT precise, segments FROM call_speaker_timelines WHERE call_id = $1")
            .bind(id.0)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|r| parse_timeline(r.try_get("precise")?, &r.try_get::<String, _>("segments")?))
        .transpose()
}

pub(crate) async fn call_by_client_unique_id(
    db: &PgStore,
    client_unique_id: &str,
) -> Result<Option<CallId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM calls WHERE client_unique_id = $1")
        .bind(client_unique_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(id.map(CallId))
}

pub(crate) async fn delete_call(
    db: &PgStore,
    id: CallId,
    now: Timestamp,
) -> Result<Option<String>> {
    let mut tx = db.pool.begin().await?;
    let key: Option<String> = sqlx::query_scalar("SELECT key FROM call_media WHERE call_id = $1")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
    let gone = sqlx::query("DELETE FROM calls WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("call {id}")));
    }
    if let Some(key) = &key {
        let job: NewJob = JobSpec::DeleteMedia { key: key.clone() }.into();
        crate::jobs::enqueue_in(&mut tx, &job, job.live_states(), now).await?;
    }
    tx.commit().await?;
    Ok(key)
}

pub(crate) async fn get_call(db: &PgStore, id: CallId) -> Result<Option<Call>> {
    let row = sqlx::query(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(call_of).transpose()
}

pub(crate) async fn list_calls(
    db: &PgStore,
    f: &CallFilter,
    after: Option<CallKey>,
    limit: u32,
) -> Result<Vec<Call>> {
    let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {CALL_COLUMNS} FROM calls"));
    push_call_page(&mut q, f, after, limit);
    let rows = q.build().fetch_all(&db.pool).await?;
    rows.iter().map(call_of).collect()
}

pub(crate) async fn list_call_versions(
    db: &PgStore,
    f: &CallFilter,
    after: Option<CallKey>,
    limit: u32,
) -> Result<Vec<CallVersion>> {
    // Only indexed columns (version is INCLUDEd): an index-only scan where the visibility
    // map allows it.
    let mut q = QueryBuilder::<Postgres>::new("SELECT started_us, id, version FROM calls");
    push_call_page(&mut q, f, after, limit);
    q.build()
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CallVersion {
                key: CallKey {
                    started_us: r.try_get("started_us")?,
                    id: r.try_get("id")?,
                },
                version: r.try_get("version")?,
            })
        })
        .collect()
}

pub(crate) async fn calls_with_versions(db: &PgStore, ids: &[CallId]) -> Result<Vec<(Call, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query(&format!(
        "SELECT {CALL_COLUMNS}, version FROM calls WHERE id = ANY($1)"
    ))
    .bind(raw_ids(ids, |c| c.0))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Ok((call_of(r)?, r.try_get("version")?)))
    .collect()
}

pub(crate) async fn count_calls(db: &PgStore, f: &CallFilter) -> Result<i64> {
    let mut q = QueryBuilder::<Postgres>::new("SELECT COUNT(*) AS n FROM calls");
    push_call_filter(&mut q, f);
    Ok(q.build().fetch_one(&db.pool).await?.try_get("n")?)
}

pub(crate) async fn calls_generation(db: &PgStore) -> Result<i64> {
    // The sum of the slot rows (see the schema): BIGINT's SUM is NUMERIC, hence the cast.
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT SUM(value)::BIGINT FROM generations WHERE name = 'calls'",
    )
    .fetch_one(&db.pool)
    .await?)
}

pub(crate) async fn parties_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, Vec<Party>>> {
    let mut out: HashMap<CallId, Vec<Party>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = sqlx::query(
        "SELECT id, call_id, name, email, title, user_id, speaker_id, affiliation, phone, methods, \
         media_channel FROM parties WHERE call_id = ANY($1) ORDER BY call_id, ord",
    )
    .bind(raw_ids(ids, |c| c.0))
    .fetch_all(&db.pool)
    .await?;
    let mut links: HashMap<i64, Vec<CrmLink>> = HashMap::new();
    for (_, party, link) in links_of(db, ids, true).await? {
        if let Some(party) = party {
            links.entry(party).or_default().push(link);
        }
    }
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let party = Party {
            id: PartyId(id),
            call_id: CallId(r.try_get("call_id")?),
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            title: r.try_get("title")?,
            user_id: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
            speaker_id: r.try_get::<Option<i64>, _>("speaker_id")?.map(SpeakerId),
            affiliation: affiliation_of(r.try_get("affiliation")?),
            phone: r.try_get("phone")?,
            methods: methods_of(r.try_get("methods")?),
            media_channel: r.try_get("media_channel")?,
            context: links.remove(&id).unwrap_or_default(),
        };
        out.entry(party.call_id).or_default().push(party);
    }
    Ok(out)
}

pub(crate) async fn call_context_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, Vec<CrmLink>>> {
    let mut out: HashMap<CallId, Vec<CrmLink>> = HashMap::new();
    for (call, _, link) in links_of(db, ids, false).await? {
        out.entry(CallId(call)).or_default().push(link);
    }
    Ok(out)
}
