//! The library: `GET /v2/library/folders` and `GET /v2/library/folder-content`.

use serde::{Deserialize, Serialize};

use parley_domain as d;
use parley_domain::library::{Folder, FolderItem};

use crate::calls::RenderCtx;
use crate::Records;

/// Gong's 404 when a workspace has no folders the caller sees.
pub const NO_FOLDERS_FOUND: &str = "No folders found";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoldersQuery {
    pub workspace_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderContentQuery {
    pub folder_id: Option<String>,
}

/// One element of `folders`.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
        }
    }
}

#[derive(Debug, Clone, Serialize)]
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
