//! The library: `GET /v2/library/folders` and `GET /v2/library/folder-content`.

use serde::{Deserialize, Serialize};

use parley_domain as d;
use parley_domain::library::{Folder, FolderItem};

use crate::calls::RenderCtx;
use crate::Records;

/// Gong's 404 when a workspace has no folders the caller sees.
pub const NO_FOLDERS_FOUND: &str = "No folders found";

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct FoldersQuery {
    /// The workspace's id; every workspace the caller reaches when left out.
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct FolderContentQuery {
    /// The folder's id (required).
    #[param(required = true, min_length = 1)]
    pub folder_id: Option<String>,
}

/// One element of `folders`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderWire {
    pub id: String,
    pub name: String,
    pub parent_folder_id: Option<String>,
    pub created_by: Option<String>,
    pub updated: String,
}

impl FolderWire {
    pub fn from_domain(f: &Folder, ctx: &RenderCtx) -> Self {
        FolderWire {
            id: f.id.to_string(),
            name: f.name.clone(),
            parent_folder_id: f.parent_id.map(|p| p.to_string()),
            created_by: f.created_by.map(|u| u.to_string()),
            updated: ctx.time(f.updated),
        }
    }
}

/// Choice: both library answers carry `records` (one page, no `cursor`). A recorded
/// Gong answer of the folder listing has it; AAG pages folder content by
/// `records.cursor`, and Airbyte-style clients stop when the cursor is absent, so one
/// complete page with `records` and no cursor ends every client's loop at once. Folders
/// and their content are bounded (`parley_domain::library`), so one page holds them all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FoldersResponse {
    pub request_id: String,
    pub records: Records,
    pub folders: Vec<FolderWire>,
}

impl FoldersResponse {
    pub fn new(request_id: String, folders: Vec<FolderWire>) -> Self {
        FoldersResponse {
            request_id,
            records: one_page(folders.len()),
            folders,
        }
    }
}

fn one_page(n: usize) -> Records {
    Records {
        total_records: n as i64,
        current_page_size: n as i64,
        current_page_number: 0,
        cursor: None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnippetWire {
    pub from_sec: i64,
    pub to_sec: i64,
}

/// One element of `calls` (Gong's `LibraryCall`).
///
/// Choice: the spec's field names (`id`, `title`, ...), not AAG's schema (`callId`,
/// `started`, ...), which no Gong source shows. `note` and `addedBy` are `null` when
/// absent, as Gong writes nullable fields; `snippet` is only on snippets ("only for
/// clips"), so a whole call has no `snippet` key.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryCallWire {
    pub id: String,
    pub title: String,
    pub note: Option<String>,
    pub added_by: Option<String>,
    /// When it was added to the folder.
    pub created: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<SnippetWire>,
    /// Parley's addition: the saved item's id, which
    /// `DELETE /parley/v1/library/folders/{id}/calls/{item}` takes (one call may be saved
    /// in a folder more than once, as snippets).
    pub item_id: String,
}

impl LibraryCallWire {
    pub fn from_domain(item: &FolderItem, call: &d::Call, ctx: &RenderCtx) -> Self {
        LibraryCallWire {
            id: call.id.to_string(),
            title: call.title.clone(),
            note: item.note.clone(),
            added_by: item.added_by.map(|u| u.to_string()),
            created: ctx.time(item.added),
            url: ctx.call_url(call.id),
            snippet: item.snippet.map(|s| SnippetWire {
                from_sec: s.from_s,
                to_sec: s.to_s,
            }),
            item_id: item.id.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderContentResponse {
    pub request_id: String,
    pub records: Records,
    pub id: String,
    pub name: String,
    pub created_by: Option<String>,
    pub updated: String,
    pub calls: Vec<LibraryCallWire>,
}

impl FolderContentResponse {
    pub fn new(
        request_id: String,
        f: &Folder,
        calls: Vec<LibraryCallWire>,
        ctx: &RenderCtx,
    ) -> Self {
        FolderContentResponse {
            request_id,
            records: one_page(calls.len()),
            id: f.id.to_string(),
            name: f.name.clone(),
            created_by: f.created_by.map(|u| u.to_string()),
            updated: ctx.time(f.updated),
            calls,
        }
    }
}

/// The body of `POST /parley/v1/library/folders` (and `parley library create`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewFolderBody {
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: String,
    pub workspace_id: Option<crate::WireId>,
    pub parent_folder_id: Option<crate::WireId>,
    /// Private unless said otherwise.
    #[serde(default)]
    pub public: bool,
}

/// The body of `PATCH /parley/v1/library/folders/{id}` (and `parley library update`):
/// only what it names changes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderChangeBody {
    #[schema(min_length = 1, pattern = "\\S")]
    pub name: Option<String>,
    pub public: Option<bool>,
}

/// The body of `POST /parley/v1/library/folders/{id}/calls` (and `parley library add`):
/// a call, or a snippet of it with `fromSec`/`toSec`, and a note.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddCallBody {
    /// Required.
    #[schema(value_type = crate::WireId)]
    pub call_id: Option<crate::WireId>,
    pub note: Option<String>,
    pub from_sec: Option<i64>,
    pub to_sec: Option<i64>,
}

impl AddCallBody {
    /// The snippet's `(from, to)` seconds: both or neither.
    pub fn snippet(&self) -> Result<Option<(i64, i64)>, &'static str> {
        match (self.from_sec, self.to_sec) {
            (None, None) => Ok(None),
            (Some(from), Some(to)) => Ok(Some((from, to))),
            _ => Err("a snippet needs both fromSec and toSec"),
        }
    }
}

/// A folder in Parley's view (`/parley/v1/library`): Gong's fields and whether it is
/// public.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderView {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub parent_folder_id: Option<String>,
    pub public: bool,
    pub created_by: Option<String>,
    pub created: String,
    pub updated: String,
}

impl FolderView {
    pub fn of(f: &Folder, ctx: &RenderCtx) -> Self {
        FolderView {
            id: f.id.to_string(),
            workspace_id: f.workspace_id.to_string(),
            name: f.name.clone(),
            parent_folder_id: f.parent_id.map(|p| p.to_string()),
            public: f.public,
            created_by: f.created_by.map(|u| u.to_string()),
            created: ctx.time(f.created),
            updated: ctx.time(f.updated),
        }
    }
}

/// A call or snippet in a folder, in Parley's view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    pub id: String,
    pub folder_id: String,
    pub call_id: String,
    pub note: Option<String>,
    pub from_sec: Option<i64>,
    pub to_sec: Option<i64>,
    pub added_by: Option<String>,
    pub added: String,
}

impl ItemView {
    pub fn of(i: &FolderItem, ctx: &RenderCtx) -> Self {
        ItemView {
            id: i.id.to_string(),
            folder_id: i.folder_id.to_string(),
            call_id: i.call_id.to_string(),
            note: i.note.clone(),
            from_sec: i.snippet.map(|s| s.from_s),
            to_sec: i.snippet.map(|s| s.to_s),
            added_by: i.added_by.map(|u| u.to_string()),
            added: ctx.time(i.added),
        }
    }
}
