//! Trackers, workspace topics, call analyses, per-person stats and activity events.

#![allow(unused_variables)]

use super::*;

pub(crate) async fn save_tracker(db: &PgStore, t: &TrackerRecord) -> Result<()> {
    todo!("postgres: save_tracker")
}

pub(crate) async fn get_tracker(db: &PgStore, id: TrackerId) -> Result<Option<TrackerRecord>> {
    todo!("postgres: get_tracker")
}

pub(crate) async fn trackers(
    db: &PgStore,
    workspace: Option<WorkspaceId>,
) -> Result<Vec<TrackerRecord>> {
    todo!("postgres: trackers")
}

pub(crate) async fn delete_tracker(db: &PgStore, id: TrackerId) -> Result<bool> {
    todo!("postgres: delete_tracker")
}

pub(crate) async fn workspace_topics(
    db: &PgStore,
    workspace: WorkspaceId,
) -> Result<Option<Vec<TopicDef>>> {
    todo!("postgres: workspace_topics")
}

pub(crate) async fn set_workspace_topics(
    db: &PgStore,
    workspace: WorkspaceId,
    topics: &[TopicDef],
    at: Timestamp,
) -> Result<()> {
    todo!("postgres: set_workspace_topics")
}

pub(crate) async fn analysis_input(db: &PgStore, id: CallId) -> Result<Option<AnalysisInput>> {
    todo!("postgres: analysis_input")
}

pub(crate) async fn save_analysis(db: &PgStore, w: AnalysisWrite<'_>) -> Result<bool> {
    todo!("postgres: save_analysis")
}

pub(crate) async fn save_tracker_hits(
    db: &PgStore,
    call: CallId,
    transcript_version: i64,
    hits: &[TrackerHitsRow],
) -> Result<bool> {
    todo!("postgres: save_tracker_hits")
}

pub(crate) async fn analyses_of(
    db: &PgStore,
    ids: &[CallId],
) -> Result<HashMap<CallId, AnalysisRow>> {
    todo!("postgres: analyses_of")
}

pub(crate) async fn transcribed_calls(
    db: &PgStore,
    workspace: Option<WorkspaceId>,
    after: Option<CallId>,
    limit: u32,
) -> Result<Vec<CallId>> {
    todo!("postgres: transcribed_calls")
}

pub(crate) async fn person_stats(
    db: &PgStore,
    from: Timestamp,
    to: Timestamp,
    users: Option<&[UserId]>,
) -> Result<Vec<(UserId, PersonStatsRow)>> {
    todo!("postgres: person_stats")
}

pub(crate) async fn record_activity(db: &PgStore, e: &ActivityEvent) -> Result<i64> {
    todo!("postgres: record_activity")
}

pub(crate) async fn activity_facts(
    db: &PgStore,
    from: Timestamp,
    to: Timestamp,
    users: Option<&[UserId]>,
) -> Result<Vec<ActivityFact>> {
    todo!("postgres: activity_facts")
}
