//! Gong's public API v2, resource by resource.

use axum::Router;

use crate::AppState;

pub mod access;
pub mod calls;
pub mod coaching;
pub mod crm;
pub mod engagement;
pub mod flows;
pub mod library;
pub mod logs;
pub mod media;
pub mod meetings;
pub mod privacy;
pub mod profiles;
pub mod scorecards;
pub mod settings;
pub mod stats;
pub mod users;
pub mod workspaces;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(calls::routes())
        .merge(crm::routes(state))
        .merge(access::routes())
        .merge(flows::routes())
        .merge(logs::routes())
        .merge(media::routes(state))
        .merge(profiles::routes())
        .merge(users::routes())
        .merge(workspaces::routes())
        .merge(settings::routes())
        .merge(stats::routes())
        .merge(scorecards::routes())
        .merge(coaching::routes())
        .merge(library::routes())
        .merge(meetings::routes())
        .merge(engagement::routes())
        .merge(privacy::routes())
}

/// Marks the JSON bodies of these operations (method, path) optional in the document:
/// their handlers read an empty body as `{}` (`parse_json(body, true)`). utoipa makes a
/// body optional only by typing it `Option<T>`, which would also allow a JSON `null`.
pub(crate) fn optional_bodies(doc: &mut utoipa::openapi::OpenApi, ops: &[(&str, &str)]) {
    use utoipa::openapi::Required;
    for (method, path) in ops {
        let Some(item) = doc.paths.paths.get_mut(*path) else {
            continue;
        };
        let op = match *method {
            "post" => item.post.as_mut(),
            "put" => item.put.as_mut(),
            _ => None,
        };
        if let Some(body) = op.and_then(|op| op.request_body.as_mut()) {
            body.required = Some(Required::False);
        }
    }
}

/// The operations of these routes, module by module, for the OpenAPI document
/// (`crate::openapi`).
pub fn openapi_parts() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        access::Doc::openapi(),
        calls::Doc::openapi(),
        coaching::Doc::openapi(),
        crm::Doc::openapi(),
        engagement::Doc::openapi(),
        flows::Doc::openapi(),
        library::Doc::openapi(),
        logs::Doc::openapi(),
        media::Doc::openapi(),
        meetings::Doc::openapi(),
        privacy::Doc::openapi(),
        profiles::Doc::openapi(),
        scorecards::Doc::openapi(),
        settings::Doc::openapi(),
        stats::Doc::openapi(),
        users::Doc::openapi(),
        workspaces::Doc::openapi(),
    ]
}
