//! `/v2/library/folders` and `/v2/library/folder-content`: the call library as Gong
//! lists it. Rules (who sees which folder and call) are `parley_app::library`'s.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;

use gong_api_v2::library::{
    FolderContentQuery, FolderContentResponse, FolderWire, FoldersQuery, FoldersResponse,
    LibraryCallWire, NO_FOLDERS_FOUND,
};
use parley_domain::Principal;

use crate::error::{request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{query, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/library/folders", get(folders))
        .route("/v2/library/folder-content", get(folder_content))
}

/// List the call library's folders.
///
/// The folders of the workspace named by `workspaceId`, or of every workspace the caller
/// reaches; private folders only for their creator and admins.
#[utoipa::path(
    get,
    path = "/v2/library/folders",
    operation_id = "list-library-folders",
    tag = "Library",
    params(FoldersQuery),
    responses(
        (status = 200, description = "The folders.", body = FoldersResponse),
        (status = 404, description = "No folders found, or the workspace named does not exist.", body = gong_api_v2::ErrorBody),
    )
)]
// The folders the caller sees: of the workspace named, or (naming none) of every
// workspace the caller reaches.
//
// Choice: without `workspaceId`, every workspace's folders (Gong's spec makes the
// parameter optional; AAG always sends it). Folders of a workspace a bound key does not
// reach are never listed; private folders only to their creator, admins and company
// keys. No visible folder is Gong's documented 404 `No folders found`.
pub(crate) async fn folders(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<FoldersQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let store = state.store.as_ref();
    let mut list = Vec::new();
    for w in listed_workspaces(&state, &principal, q.workspace_id.as_deref()).await? {
        for f in parley_app::library::folders(store, &principal, w).await? {
            list.push(FolderWire::from_domain(&f, &state.render));
        }
    }
    if list.is_empty() {
        return Err(ApiError::not_found(NO_FOLDERS_FOUND));
    }
    Ok(Wire(FoldersResponse::new(request_id(), list)).into_response())
}

/// The workspace a folder listing names, else every workspace the caller reaches.
pub(crate) async fn listed_workspaces(
    state: &AppState,
    principal: &Principal,
    named: Option<&str>,
) -> ApiResult<Vec<parley_domain::WorkspaceId>> {
    Ok(match named.filter(|w| !w.trim().is_empty()) {
        Some(id) => vec![workspace_of(state, principal, Some(id)).await?.id],
        None => state
            .store
            .list_workspaces()
            .await?
            .into_iter()
            .map(|w| w.id)
            .filter(|w| principal.reaches(*w))
            .collect(),
    })
}

/// List the calls saved in a library folder.
///
/// The folder (`folderId`, required) and the calls in it the caller may see, with the
/// snippet times and notes they were saved with.
#[utoipa::path(
    get,
    path = "/v2/library/folder-content",
    operation_id = "get-library-folder-content",
    tag = "Library",
    params(FolderContentQuery),
    responses(
        (status = 200, description = "The folder and its calls.", body = FolderContentResponse),
        (status = 404, description = "No such folder, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
// A folder and the calls in it the caller may see.
pub(crate) async fn folder_content(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<Query<FolderContentQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = query(q)?;
    let Some(id) = q
        .folder_id
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    else {
        return Err(ApiError::bad_request("folderId is required"));
    };
    let content = parley_app::library::folder_content(state.store.as_ref(), &principal, id).await?;
    let calls = content
        .items
        .iter()
        .map(|(item, call)| LibraryCallWire::from_domain(item, call, &state.render))
        .collect();
    Ok(Wire(FolderContentResponse::new(
        request_id(),
        &content.folder,
        calls,
        &state.render,
    ))
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(folders, folder_content))]
pub struct Doc;
