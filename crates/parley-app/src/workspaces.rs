//! Workspaces: the default one every install has, and finding one by the id a client sent.

use chrono::Utc;

use parley_domain::{parse_id, Workspace, WorkspaceId};
use parley_store::Store;

use crate::error::{AppError, AppResult};

/// Makes sure a default workspace exists; returns it.
pub async fn ensure_default_workspace(store: &dyn Store) -> parley_store::Result<Workspace> {
    if let Some(w) = store.default_workspace().await? {
        return Ok(w);
    }
    let w = Workspace {
        id: WorkspaceId::generate(),
        name: "Default workspace".to_owned(),
        description: Some("Created when Parley first started".to_owned()),
        created: Utc::now(),
    };
    store.create_workspace(&w, true).await?;
    Ok(w)
}

/// A workspace by id (as text, the way clients send it), or the default one when none is
/// given: 404 "Workspace not found" for an unknown or malformed id, as Gong answers.
pub async fn workspace_or_default(store: &dyn Store, id: Option<&str>) -> AppResult<Workspace> {
    let found = match id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => match parse_id(id) {
            Ok(n) => store.get_workspace(WorkspaceId(n)).await?,
            Err(_) => None,
        },
        None => store.default_workspace().await?,
    };
    found.ok_or_else(|| AppError::not_found("Workspace not found"))
}
