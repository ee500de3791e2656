//! The call library: folders per workspace (nested, public or private) holding calls and
//! snippets of calls, and who sees and changes what.
//!
//! Who sees a folder: everyone reaching its workspace sees public folders; a private
//! folder (and everything inside it) only its creator, admins and company keys. A folder
//! shows only the calls the viewer may see (their call access). Who changes one: its
//! creator, admins and company keys, and managers for public folders; only managers and
//! admins make public folders.
//!
//! A user with a permission profile in the folder's workspace has their profile's library
//! access there instead of their role's (as for call access): which public folders they
//! see, whether they make folders, manage public folders and file calls in them
//! (`parley_domain::library::LibraryRights::of_profile` maps each field). That applies to
//! every route of the library: `/v2/library/folders` and `folder-content` (what is seen)
//! and `/parley/v1/library/...` (what is changed).

use chrono::Utc;

use parley_domain::library::{
    self, depth_under, visible_folders, Folder, FolderItem, LibraryRights, LibraryViewer, Snippet,
    MAX_FOLDERS_PER_WORKSPACE, MAX_FOLDER_DEPTH, MAX_ITEMS_PER_FOLDER,
};
use parley_domain::{Call, CallId, FolderId, FolderItemId, Principal, Role, WorkspaceId};
use parley_store::{CallFilter, FolderDeletion, Store, StoreError};

use crate::access::{call_access, may_see_call};
use crate::error::{AppError, AppResult};

/// How `p` looks at `workspace`'s library: admins and company keys see everything; a
/// user has their permission profile's library access there, else their role's.
pub async fn viewer(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
) -> AppResult<LibraryViewer> {
    let user = match p.user {
        Some(u) if p.role < Role::Admin => u,
        _ => return Ok(LibraryViewer::Everything),
    };
    let profile = match store.user_profile(user, workspace).await? {
        Some(id) => store.profile(id).await?,
        None => None,
    };
    let rights = match profile {
        Some(profile) => LibraryRights::of_profile(&profile.library),
        None => LibraryRights::of_role(p.role >= Role::Manager),
    };
    Ok(LibraryViewer::User { user, rights })
}

/// The message for a folder that does not exist (or is not the caller's to see).
pub fn folder_not_found(id: &str) -> String {
    format!("Folder ID {id} was not found")
}

/// The folders of `workspace` the principal sees, by name.
pub async fn folders(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
) -> AppResult<Vec<Folder>> {
    Ok(folders_with_rights(store, p, workspace)
        .await?
        .into_iter()
        .map(|(f, _)| f)
        .collect())
}

/// What the principal may do with a folder it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderRights {
    /// Rename, publish or unpublish, delete it ([`change_folder`], [`delete_folder`]).
    pub manage: bool,
    /// Add calls to it and remove them ([`add_item`], [`remove_item`]).
    pub file_calls: bool,
}

/// The folders of `workspace` the principal sees, by name, each with what the principal
/// may do with it (the same rules the changes check), so a page offers only what works.
pub async fn folders_with_rights(
    store: &dyn Store,
    p: &Principal,
    workspace: WorkspaceId,
) -> AppResult<Vec<(Folder, FolderRights)>> {
    crate::access::visible(p, workspace, || format!("workspace {workspace}"))?;
    let all = store.folders_in(workspace).await?;
    let v = viewer(store, p, workspace).await?;
    Ok(visible_folders(&all, &v)
        .into_iter()
        .map(|f| {
            let rights = FolderRights {
                manage: v.may_manage(f),
                file_calls: v.may_manage_calls(f),
            };
            (f.clone(), rights)
        })
        .collect())
}

/// The folder `id` names, if the principal sees it; else Gong's 404 for it.
pub async fn folder(store: &dyn Store, p: &Principal, id: &str) -> AppResult<Folder> {
    Ok(folder_and_viewer(store, p, id).await?.0)
}

/// [`folder`], with how the principal looks at its workspace's library.
async fn folder_and_viewer(
    store: &dyn Store,
    p: &Principal,
    id: &str,
) -> AppResult<(Folder, LibraryViewer)> {
    let not_found = || AppError::NotFound(folder_not_found(id));
    let found = match parley_domain::parse_id(id) {
        Ok(n) => store.get_folder(FolderId(n)).await?,
        Err(_) => None,
    };
    let f = found.ok_or_else(not_found)?;
    if !p.reaches(f.workspace_id) {
        return Err(not_found());
    }
    // Its ancestors must be open to the viewer too.
    let all = store.folders_in(f.workspace_id).await?;
    let v = viewer(store, p, f.workspace_id).await?;
    if !visible_folders(&all, &v).iter().any(|x| x.id == f.id) {
        return Err(not_found());
    }
    Ok((f, v))
}

/// A folder and the calls in it the viewer may see, each with its call.
#[derive(Debug, Clone)]
pub struct FolderContent {
    pub folder: Folder,
    pub items: Vec<(FolderItem, Call)>,
}

pub async fn folder_content(
    store: &dyn Store,
    p: &Principal,
    id: &str,
) -> AppResult<FolderContent> {
    let folder = folder(store, p, id).await?;
    let items = store.folder_items(folder.id).await?;
    let mut ids: Vec<CallId> = items.iter().map(|i| i.call_id).collect();
    ids.sort();
    ids.dedup();
    let calls = if ids.is_empty() {
        Vec::new()
    } else {
        let filter = CallFilter {
            call_ids: Some(ids.clone()),
            visible_to: call_access(store, p).await?,
            ..CallFilter::default()
        };
        store
            .list_calls(&filter, None, ids.len().min(u32::MAX as usize) as u32)
            .await?
    };
    let items = items
        .into_iter()
        .filter_map(|item| {
            let call = calls.iter().find(|c| c.id == item.call_id)?;
            Some((item, call.clone()))
        })
        .collect();
    Ok(FolderContent { folder, items })
}

/// A folder as a client asks for it.
#[derive(Debug, Clone)]
pub struct NewFolder {
    pub workspace_id: WorkspaceId,
    pub parent_id: Option<FolderId>,
    pub name: String,
    pub public: bool,
}

fn may_manage(v: &LibraryViewer, f: &Folder) -> AppResult<()> {
    if v.may_manage(f) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "folder {} is changed only by its creator{}",
            f.id,
            if f.public {
                ", those who manage public folders (managers, or by their permission profile) and admins"
            } else {
                " and admins"
            }
        )))
    }
}

fn may_file_calls(v: &LibraryViewer, f: &Folder) -> AppResult<()> {
    if v.may_manage_calls(f) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "calls are filed in folder {} only by its creator{}",
            f.id,
            if f.public {
                ", those who manage the calls of public folders (managers, or by their permission profile) and admins"
            } else {
                " and admins"
            }
        )))
    }
}

fn may_publish(v: &LibraryViewer, public: bool) -> AppResult<()> {
    if public && !v.may_publish() {
        return Err(AppError::Forbidden(
            "only managers and admins make public folders (or make them private), or users whose permission profile lets them manage public folders".into(),
        ));
    }
    Ok(())
}

pub async fn create_folder(store: &dyn Store, p: &Principal, new: NewFolder) -> AppResult<Folder> {
    crate::access::confine(p, Some(new.workspace_id))?;
    let name = library::folder_name(&new.name).map_err(|e| AppError::Invalid(vec![e]))?;
    let v = viewer(store, p, new.workspace_id).await?;
    if !v.may_create() {
        return Err(AppError::Forbidden(
            "your permission profile gives you no library access in this workspace".into(),
        ));
    }
    may_publish(&v, new.public)?;
    let all = store.folders_in(new.workspace_id).await?;
    if all.len() >= MAX_FOLDERS_PER_WORKSPACE {
        return Err(AppError::Invalid(vec![format!(
            "a workspace holds at most {MAX_FOLDERS_PER_WORKSPACE} folders"
        )]));
    }
    if let Some(parent) = new.parent_id {
        let visible = visible_folders(&all, &v);
        let Some(parent) = visible.iter().find(|f| f.id == parent) else {
            return Err(AppError::NotFound(folder_not_found(&parent.to_string())));
        };
        may_manage(&v, parent)?;
        if depth_under(&all, Some(parent.id)) > MAX_FOLDER_DEPTH {
            return Err(AppError::Invalid(vec![format!(
                "folders nest at most {MAX_FOLDER_DEPTH} deep"
            )]));
        }
    }
    let now = Utc::now();
    let folder = Folder {
        id: FolderId::generate(),
        workspace_id: new.workspace_id,
        parent_id: new.parent_id,
        name,
        public: new.public,
        created_by: p.user,
        created: now,
        updated: now,
    };
    store.create_folder(&folder).await.map_err(|e| match e {
        StoreError::NotFound(_) => AppError::NotFound(folder_not_found(
            &new.parent_id.map(|f| f.to_string()).unwrap_or_default(),
        )),
        other => other.into(),
    })?;
    tracing::info!(folder_id = %folder.id, workspace_id = %folder.workspace_id, "library folder created");
    Ok(folder)
}

/// Renames a folder and/or makes it public or private.
pub async fn change_folder(
    store: &dyn Store,
    p: &Principal,
    id: &str,
    name: Option<&str>,
    public: Option<bool>,
) -> AppResult<Folder> {
    let (mut f, v) = folder_and_viewer(store, p, id).await?;
    may_manage(&v, &f)?;
    if let Some(name) = name {
        f.name = library::folder_name(name).map_err(|e| AppError::Invalid(vec![e]))?;
    }
    if let Some(public) = public {
        if public != f.public {
            may_publish(&v, true)?;
        }
        f.public = public;
    }
    f.updated = Utc::now();
    if !store
        .update_folder(f.id, &f.name, f.public, f.updated)
        .await?
    {
        return Err(AppError::NotFound(folder_not_found(id)));
    }
    Ok(f)
}

pub async fn delete_folder(store: &dyn Store, p: &Principal, id: &str) -> AppResult<()> {
    let (f, v) = folder_and_viewer(store, p, id).await?;
    may_manage(&v, &f)?;
    // Sub-folders go with their parent (ON DELETE CASCADE): refuse unless the caller may
    // manage every one of them, so a manager deleting a public folder cannot take another
    // user's private folder (which they cannot even see) with it. Admins and company keys
    // manage everything. The store asks this of each folder inside the delete's own
    // transaction, so a private sub-folder added meanwhile is not deleted unseen.
    let may_delete = |folder: &Folder| v.may_manage(folder);
    match store.delete_folder(f.id, &may_delete).await? {
        FolderDeletion::Deleted => {}
        FolderDeletion::NotFound => return Err(AppError::NotFound(folder_not_found(id))),
        // The folder itself changed since it was read (made private by its creator).
        FolderDeletion::Refused(refused) if refused.id == f.id => {
            return Err(may_manage(&v, &refused).err().unwrap_or_else(|| {
                AppError::Conflict(format!("folder {} changed; try again", f.id))
            }))
        }
        FolderDeletion::Refused(_) => {
            return Err(AppError::Conflict(format!(
                "folder {} holds folders you cannot delete",
                f.id
            )))
        }
    }
    tracing::info!(folder_id = %f.id, "library folder deleted");
    Ok(())
}

/// A call or snippet as a client asks to add it.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub call_id: CallId,
    pub note: Option<String>,
    /// `(fromSec, toSec)`.
    pub snippet: Option<(i64, i64)>,
}

pub async fn add_item(
    store: &dyn Store,
    p: &Principal,
    folder_id: &str,
    new: NewItem,
) -> AppResult<FolderItem> {
    let (f, v) = folder_and_viewer(store, p, folder_id).await?;
    may_file_calls(&v, &f)?;
    let mut problems = Vec::new();
    let note = library::item_note(new.note.as_deref()).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let snippet = match new.snippet {
        Some((from, to)) => Snippet::new(from, to).map(Some).unwrap_or_else(|e| {
            problems.push(e);
            None
        }),
        None => None,
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let call_missing = || AppError::NotFound(format!("Call ID {} was not found", new.call_id));
    let call = store
        .get_call(new.call_id)
        .await?
        .ok_or_else(call_missing)?;
    if !may_see_call(store, p, &call).await? {
        return Err(call_missing());
    }
    if call.workspace_id != f.workspace_id {
        return Err(AppError::Invalid(vec![format!(
            "call {} is in another workspace than folder {}",
            call.id, f.id
        )]));
    }
    if let Some(s) = snippet {
        if call.duration_s > 0 && s.to_s > call.duration_s {
            return Err(AppError::Invalid(vec![format!(
                "the snippet ends after the call ({} s)",
                call.duration_s
            )]));
        }
    }
    if store.folder_items(f.id).await?.len() >= MAX_ITEMS_PER_FOLDER {
        return Err(AppError::Invalid(vec![format!(
            "a folder holds at most {MAX_ITEMS_PER_FOLDER} calls and snippets"
        )]));
    }
    let item = FolderItem {
        id: FolderItemId::generate(),
        folder_id: f.id,
        call_id: call.id,
        note,
        snippet,
        added_by: p.user,
        added: Utc::now(),
    };
    store.add_folder_item(&item).await.map_err(|e| match e {
        StoreError::NotFound(m) => AppError::NotFound(m),
        other => other.into(),
    })?;
    Ok(item)
}

pub async fn remove_item(
    store: &dyn Store,
    p: &Principal,
    folder_id: &str,
    item: &str,
) -> AppResult<()> {
    let (f, v) = folder_and_viewer(store, p, folder_id).await?;
    may_file_calls(&v, &f)?;
    let missing = || AppError::NotFound(format!("item {item} is not in folder {folder_id}"));
    let id = parley_domain::parse_id(item).map_err(|_| missing())?;
    if !store
        .remove_folder_item(f.id, FolderItemId(id), Utc::now())
        .await?
    {
        return Err(missing());
    }
    Ok(())
}
