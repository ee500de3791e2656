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
use serde::{Deserialize, Serialize};

use parley_app::library::{NewFolder, NewItem};
use parley_domain::library::{Folder, FolderItem};
use parley_domain::{CallId, FolderId, Principal};

use crate::error::{json_response, request_id, ApiError, ApiResult, Wire};
use crate::routes::extract::{parse_json, workspace_of};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/parley/v1/library/folders",
            get(crate::routes::v2::library::folders).post(create_folder),
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

/// A folder in Parley's view: Gong's fields and whether it is public.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FolderView {
    id: String,
    workspace_id: String,
    name: String,
    parent_folder_id: Option<String>,
    public: bool,
    created_by: Option<String>,
    created: String,
    updated: String,
}

impl FolderView {
    fn of(state: &AppState, f: &Folder) -> Self {
        FolderView {
            id: f.id.to_string(),
            workspace_id: f.workspace_id.to_string(),
            name: f.name.clone(),
            parent_folder_id: f.parent_id.map(|p| p.to_string()),
            public: f.public,
            created_by: f.created_by.map(|u| u.to_string()),
            created: state.render.time(f.created),
            updated: state.render.time(f.updated),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FolderSaved {
    request_id: String,
    folder: FolderView,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateFolder {
    name: String,
    workspace_id: Option<gong_api_v2::WireId>,
    parent_folder_id: Option<gong_api_v2::WireId>,
    /// Private unless said otherwise.
    #[serde(default)]
    public: bool,
}

/// The folder a body's parent id names, or the 404 of an unknown folder.
fn folder_id(id: &gong_api_v2::WireId) -> ApiResult<FolderId> {
    id.numeric()
        .map(FolderId)
        .ok_or_else(|| ApiError::not_found(parley_app::library::folder_not_found(&id.0)))
}

async fn create_folder(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: CreateFolder = parse_json(body, false)?;
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
            folder: FolderView::of(&state, &folder),
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangeFolder {
    name: Option<String>,
    public: Option<bool>,
}

async fn change_folder(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: ChangeFolder = parse_json(body, false)?;
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
        folder: FolderView::of(&state, &folder),
    })
    .into_response())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Done {
    request_id: String,
}

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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddCall {
    call_id: Option<gong_api_v2::WireId>,
    note: Option<String>,
    from_sec: Option<i64>,
    to_sec: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemView {
    id: String,
    folder_id: String,
    call_id: String,
    note: Option<String>,
    from_sec: Option<i64>,
    to_sec: Option<i64>,
    added_by: Option<String>,
    added: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemSaved {
    request_id: String,
    item: ItemView,
}

fn item_view(state: &AppState, i: &FolderItem) -> ItemView {
    ItemView {
        id: i.id.to_string(),
        folder_id: i.folder_id.to_string(),
        call_id: i.call_id.to_string(),
        note: i.note.clone(),
        from_sec: i.snippet.map(|s| s.from_s),
        to_sec: i.snippet.map(|s| s.to_s),
        added_by: i.added_by.map(|u| u.to_string()),
        added: state.render.time(i.added),
    }
}

async fn add_call(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: AddCall = parse_json(body, false)?;
    let Some(wire_id) = req.call_id else {
        return Err(ApiError::bad_request("callId is required"));
    };
    let call_id = wire_id
        .numeric()
        .map(CallId)
        .ok_or_else(|| ApiError::not_found(gong_api_v2::messages::call_not_found(&wire_id.0)))?;
    let snippet = match (req.from_sec, req.to_sec) {
        (None, None) => None,
        (Some(from), Some(to)) => Some((from, to)),
        _ => {
            return Err(ApiError::bad_request(
                "a snippet needs both fromSec and toSec",
            ))
        }
    };
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
            item: item_view(&state, &item),
        },
    ))
}

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
