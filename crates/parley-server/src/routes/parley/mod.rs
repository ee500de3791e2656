//! Parley's own API under `/parley/v1`: what Gong does in its web app but not in its
//! public API (workspaces and users, transcripts and speakers, jobs, trackers and topics,
//! analyses, activity, comments).

use axum::Router;

use crate::AppState;

pub mod activity;
pub mod analysis;
pub mod automation;
pub mod call_list;
pub mod calls;
pub mod comments;
pub mod crm;
pub mod crm_writeback;
pub mod engagement;
pub mod flows;
pub mod jobs;
pub mod keys;
pub mod library;
pub mod media;
pub mod meetings;
pub mod oauth_apps;
pub mod privacy;
pub mod profiles;
pub mod scorecards;
pub mod session;
pub mod setup;
pub mod shares;
pub mod speakers;
pub mod stats;
pub mod topics;
pub mod trackers;
pub mod transcripts;
pub mod users;
pub mod workspaces;

/// An answer with nothing to report but its request id.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Done {
    pub request_id: String,
}

impl Done {
    pub(crate) fn now() -> Done {
        Done {
            request_id: crate::error::request_id(),
        }
    }
}

/// Bytes of a file (a recording), for the OpenAPI document.
pub(crate) struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(workspaces::routes())
        .merge(users::routes())
        .merge(keys::routes())
        .merge(profiles::routes())
        .merge(oauth_apps::routes())
        .merge(session::routes())
        .merge(jobs::routes())
        .merge(calls::routes())
        .merge(call_list::routes())
        .merge(speakers::routes())
        .merge(stats::routes())
        .merge(transcripts::routes(state))
        .merge(trackers::routes())
        .merge(topics::routes())
        .merge(analysis::routes())
        .merge(activity::routes())
        .merge(scorecards::routes())
        .merge(comments::routes())
        .merge(shares::routes())
        .merge(library::routes())
        .merge(meetings::routes())
        .merge(engagement::routes())
        .merge(crm::routes())
        .merge(flows::routes())
        .merge(crm_writeback::routes())
        .merge(privacy::routes())
        .merge(automation::routes())
}

/// The operations of these routes, module by module, for the OpenAPI document
/// (`crate::openapi`).
pub fn openapi_parts() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        activity::Doc::openapi(),
        analysis::Doc::openapi(),
        automation::Doc::openapi(),
        calls::Doc::openapi(),
        call_list::Doc::openapi(),
        comments::Doc::openapi(),
        crm::Doc::openapi(),
        crm_writeback::Doc::openapi(),
        engagement::Doc::openapi(),
        flows::Doc::openapi(),
        jobs::Doc::openapi(),
        keys::Doc::openapi(),
        library::Doc::openapi(),
        media::Doc::openapi(),
        meetings::Doc::openapi(),
        oauth_apps::Doc::openapi(),
        privacy::Doc::openapi(),
        profiles::Doc::openapi(),
        scorecards::Doc::openapi(),
        session::Doc::openapi(),
        setup::Doc::openapi(),
        shares::Doc::openapi(),
        speakers::Doc::openapi(),
        stats::Doc::openapi(),
        topics::Doc::openapi(),
        trackers::Doc::openapi(),
        transcripts::Doc::openapi(),
        users::Doc::openapi(),
        workspaces::Doc::openapi(),
    ]
}
