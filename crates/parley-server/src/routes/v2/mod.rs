//! Gong's public API v2, resource by resource.

use axum::Router;

use crate::AppState;

pub mod calls;
pub mod logs;
pub mod media;
pub mod privacy;
pub mod profiles;
pub mod settings;
pub mod stats;
pub mod users;
pub mod workspaces;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(calls::routes())
        .merge(logs::routes())
        .merge(media::routes(state))
        .merge(profiles::routes())
        .merge(users::routes())
        .merge(workspaces::routes())
        .merge(settings::routes())
        .merge(stats::routes())
        .merge(privacy::routes())
}
