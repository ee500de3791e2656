//! `/parley/v1/library`: folders created, renamed, published and deleted; calls and
//! snippets added and removed. Gong's API only reads the library
//! (`/v2/library/*`, which `GET /parley/v1/library/folders` also answers).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch};
use axum::Extension;
use axum::Router;
use serde::Serialize;

use gong_api_v2::library::{AddCallBody, FolderChangeBody, FolderView, ItemView, NewFolderBody};

use parley_app::library::{NewFolder, NewItem};
use parley_domain::{CallId, FolderId, Principal};

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, workspace_of};
use crate::AppState;

use super::Done;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/library/folders",
            get(list_folders).post(create_folder),
        )
        .route(
            "/parley/v1/library/folders/{id}",
            patch(change_folder).delete(delete_folder),
        )
        .route(
            "/parley/v1/library/folders/{id}/calls",
            axum::routing::post(add_call),
        )
        .route(
            "/parley/v1/library/folders/{id}/calls/{item}",
            delete(remove_call),
        )
}

/// A folder with what the caller may do with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct LibraryFolder {
    #[serde(flatten)]
    folder: FolderView,
    /// The caller may rename it, make it public or private, and delete it.
    may_manage: bool,
    /// The caller may add calls to it and remove them.
    may_file_calls: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct LibraryFolders {
    request_id: String,
    /// By workspace, then name; empty when the caller sees none.
    folders: Vec<LibraryFolder>,
}

/// List the call library's folders, with what the caller may do with each.
///
/// The folders the caller may see, of one workspace or of every workspace it reaches:
/// names, parents, creators, whether they are public, and whether the caller may manage
/// each one and file calls in it (the rules the changes check). Unlike
/// `GET /v2/library/folders`, no visible folder is an empty list, not a 404.
#[utoipa::path(
    get,
    path = "/parley/v1/library/folders",
    operation_id = "list-parley-library-folders",
    tag = "Library",
    params(gong_api_v2::library::FoldersQuery),
    responses(
        (status = 200, description = "The folders.", body = LibraryFolders),
        (status = 404, description = "No such workspace.", body = gong_api_v2::ErrorBody),
    )
)]
async fn list_folders(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    q: Result<
        axum::extract::Query<gong_api_v2::library::FoldersQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> ApiResult<Response> {
    let q = crate::routes::extract::query(q)?;
    let store = state.store.as_ref();
    let mut folders = Vec::new();
    for w in
        crate::routes::v2::library::listed_workspaces(&state, &principal, q.workspace_id.as_deref())
            .await?
    {
        for (f, rights) in parley_app::library::folders_with_rights(store, &principal, w).await? {
            folders.push(LibraryFolder {
                folder: FolderView::of(&f, &state.render),
                may_manage: rights.manage,
                may_file_calls: rights.file_calls,
            });
        }
    }
    Ok(Wire(LibraryFolders {
        request_id: request_id(),
        folders,
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct FolderSaved {
    request_id: String,
    folder: FolderView,
}

/// The folder a body's parent id names, or the 404 of an unknown folder.
fn folder_id(id: &gong_api_v2::WireId) -> ApiResult<FolderId> {
    id.numeric()
        .map(FolderId)
        .ok_or_else(|| ApiError::not_found(parley_app::library::folder_not_found(&id.0)))
}

/// Create a folder in the call library.
///
/// A folder in a workspace (its parent's, the named one, or the default), optionally
/// inside another folder, private unless `public`; answers the folder.
#[utoipa::path(
    post,
    path = "/parley/v1/library/folders",
    operation_id = "create-library-folder",
    tag = "Library",
    request_body = NewFolderBody,
    responses(
        (status = 201, description = "The folder was created.", body = FolderSaved),
        (status = 404, description = "No such workspace or parent folder.", body = gong_api_v2::ErrorBody),
    )
)]
async fn create_folder(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: NewFolderBody = parse_json(body, false)?;
    let parent = req.parent_folder_id.as_ref().map(folder_id).transpose()?;
    // A folder goes where its parent is, unless the body says otherwise.
    let workspace = match (&req.workspace_id, parent) {
        (Some(w), _) => workspace_of(&state, &principal, Some(&w.0)).await?.id,
        (None, Some(p)) => {
            parley_app::library::folder(state.store.as_ref(), &principal, &p.to_string())
                .await?
                .workspace_id
        }
        (None, None) => workspace_of(&state, &principal, None).await?.id,
    };
    let folder = parley_app::library::create_folder(
        state.store.as_ref(),
        &principal,
        NewFolder {
            workspace_id: workspace,
            parent_id: parent,
            name: req.name,
            public: req.public,
        },
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &FolderSaved {
            request_id: request_id(),
            folder: FolderView::of(&folder, &state.render),
        },
    ))
}

/// Rename a library folder or make it public or private.
///
/// Changes only what the body names (`name`, `public`); answers the folder.
#[utoipa::path(
    patch,
    path = "/parley/v1/library/folders/{id}",
    operation_id = "rename-library-folder",
    tag = "Library",
    params(("id" = String, Path, description = "The folder's id.")),
    request_body = FolderChangeBody,
    responses(
        (status = 200, description = "The folder as changed.", body = FolderSaved),
        (status = 404, description = "No such folder, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn change_folder(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: FolderChangeBody = parse_json(body, false)?;
    let folder = parley_app::library::change_folder(
        state.store.as_ref(),
        &principal,
        &id,
        req.name.as_deref(),
        req.public,
    )
    .await?;
    Ok(Wire(FolderSaved {
        request_id: request_id(),
        folder: FolderView::of(&folder, &state.render),
    })
    .into_response())
}

/// Delete a library folder.
///
/// The folder and the calls and snippets in it go (the calls themselves stay).
#[utoipa::path(
    delete,
    path = "/parley/v1/library/folders/{id}",
    operation_id = "delete-library-folder",
    tag = "Library",
    params(("id" = String, Path, description = "The folder's id.")),
    responses(
        (status = 200, description = "The folder was deleted.", body = Done),
        (status = 404, description = "No such folder, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn delete_folder(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    parley_app::library::delete_folder(state.store.as_ref(), &principal, &id).await?;
    Ok(Wire(Done {
        request_id: request_id(),
    })
    .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ItemSaved {
    request_id: String,
    item: ItemView,
}

/// Add a call, or a snippet of it, to a library folder.
///
/// The whole call, or the part from `fromSec` to `toSec`, with an optional note;
/// answers the folder item.
#[utoipa::path(
    post,
    path = "/parley/v1/library/folders/{id}/calls",
    operation_id = "add-library-folder-item",
    tag = "Library",
    params(("id" = String, Path, description = "The folder's id.")),
    request_body = AddCallBody,
    responses(
        (status = 201, description = "The item was added.", body = ItemSaved),
        (status = 404, description = "No such folder or call, or the caller may not see it.", body = gong_api_v2::ErrorBody),
    )
)]
async fn add_call(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: AddCallBody = parse_json(body, false)?;
    let Some(wire_id) = req.call_id.clone() else {
        return Err(ApiError::bad_request("callId is required"));
    };
    let call_id = wire_id
        .numeric()
        .map(CallId)
        .ok_or_else(|| ApiError::not_found(gong_api_v2::messages::call_not_found(&wire_id.0)))?;
    let snippet = req.snippet().map_err(ApiError::bad_request)?;
    let item = parley_app::library::add_item(
        state.store.as_ref(),
        &principal,
        &id,
        NewItem {
            call_id,
            note: req.note,
            snippet,
        },
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &ItemSaved {
            request_id: request_id(),
            item: ItemView::of(&item, &state.render),
        },
    ))
}

/// Remove a call or snippet from a library folder.
///
/// The item leaves the folder; the call itself stays.
#[utoipa::path(
    delete,
    path = "/parley/v1/library/folders/{id}/calls/{item}",
    operation_id = "remove-library-folder-item",
    tag = "Library",
    params(
        ("id" = String, Path, description = "The folder's id."),
        ("item" = String, Path, description = "The folder item's id."),
    ),
    responses(
        (status = 200, description = "The item was removed.", body = Done),
        (status = 404, description = "No such folder or item.", body = gong_api_v2::ErrorBody),
    )
)]
async fn remove_call(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<Response> {
    parley_app::library::remove_item(state.store.as_ref(), &principal, &id, &item).await?;
    Ok(Wire(Done {
        request_id: request_id(),
    })
    .into_response())
}

/// This module's operations in the OpenAPI document (`crate::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_folders,
    create_folder,
    change_folder,
    delete_folder,
    add_call,
    remove_call
))]
pub struct Doc;
