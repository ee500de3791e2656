//! The call library: folders of calls and call snippets, per workspace, nested, public or
//! private, and the rules of who sees which folder.

use std::collections::HashMap;

use crate::{CallId, FolderId, FolderItemId, Timestamp, UserId, WorkspaceId};

/// The longest folder name.
pub const MAX_FOLDER_NAME: usize = 256;
/// The longest note on a call in a folder.
pub const MAX_ITEM_NOTE: usize = 4096;
/// How deep folders nest (a folder's ancestors, itself included).
pub const MAX_FOLDER_DEPTH: usize = 16;
/// The most folders one workspace holds: a folder listing is one answer.
pub const MAX_FOLDERS_PER_WORKSPACE: usize = 2000;
/// The most calls and snippets one folder holds: a folder's content is one answer.
pub const MAX_ITEMS_PER_FOLDER: usize = 1000;

/// A library folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    pub id: FolderId,
    pub workspace_id: WorkspaceId,
    /// The folder it sits in; `None`: a top-level folder.
    pub parent_id: Option<FolderId>,
    pub name: String,
    /// Public folders are seen by everyone in the workspace; private ones only by their
    /// creator (and admins and company keys).
    pub public: bool,
    /// `None`: made by the system or a company key.
    pub created_by: Option<UserId>,
    pub created: Timestamp,
    /// Last change of the folder or of what it holds.
    pub updated: Timestamp,
}

/// The part of a call a snippet is, in whole seconds from the call's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snippet {
    pub from_s: i64,
    pub to_s: i64,
}

impl Snippet {
    /// A snippet from `from_s` to `to_s`; it must start at or after the call's start and
    /// end after it starts.
    pub fn new(from_s: i64, to_s: i64) -> Result<Snippet, String> {
        if from_s < 0 {
            return Err("a snippet cannot start before the call (fromSec < 0)".into());
        }
        if to_s <= from_s {
            return Err("a snippet must end after it starts (toSec <= fromSec)".into());
        }
        // A week, as the longest call.
        if to_s > crate::MAX_DURATION_S as i64 {
            return Err("a snippet cannot end more than a week into a call".into());
        }
        Ok(Snippet { from_s, to_s })
    }
}

/// A call, or a part of one, in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderItem {
    pub id: FolderItemId,
    pub folder_id: FolderId,
    pub call_id: CallId,
    pub note: Option<String>,
    /// `None`: the whole call.
    pub snippet: Option<Snippet>,
    pub added_by: Option<UserId>,
    pub added: Timestamp,
}

/// A folder name, trimmed, or why it cannot be one.
pub fn folder_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a folder needs a name".into());
    }
    if name.chars().count() > MAX_FOLDER_NAME {
        return Err(format!(
            "a folder name has at most {MAX_FOLDER_NAME} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("a folder name cannot hold control characters".into());
    }
    Ok(name.to_owned())
}

/// A note, trimmed (`None` when empty), or why it cannot be one.
pub fn item_note(note: Option<&str>) -> Result<Option<String>, String> {
    let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if note.chars().count() > MAX_ITEM_NOTE {
        return Err(format!("a note has at most {MAX_ITEM_NOTE} characters"));
    }
    Ok(Some(note.to_owned()))
}

/// Who is looking at a workspace's library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryViewer {
    /// Admins and company keys: every folder.
    Everything,
    /// A user: public folders and their own private ones.
    User(UserId),
}

impl LibraryViewer {
    /// Whether the folder itself is open to the viewer (not looking at its parents).
    pub fn may_open(self, f: &Folder) -> bool {
        match self {
            LibraryViewer::Everything => true,
            LibraryViewer::User(u) => f.public || f.created_by == Some(u),
        }
    }

    /// Whether the viewer may change the folder: its creator, or an admin (a manager
    /// may change public folders too).
    pub fn may_manage(self, f: &Folder, manager: bool) -> bool {
        match self {
            LibraryViewer::Everything => true,
            LibraryViewer::User(u) => f.created_by == Some(u) || (manager && f.public),
        }
    }
}

/// The folders of one workspace the viewer sees: those open to them whose every ancestor
/// is open too (a public folder inside someone's private one stays hidden with it), in
/// the order given.
pub fn visible_folders(all: &[Folder], viewer: LibraryViewer) -> Vec<&Folder> {
    let by_id: HashMap<FolderId, &Folder> = all.iter().map(|f| (f.id, f)).collect();
    all.iter()
        .filter(|f| {
            let mut cur = Some(*f);
            let mut steps = 0;
            while let Some(folder) = cur {
                if !viewer.may_open(folder) || steps > MAX_FOLDER_DEPTH {
                    return false;
                }
                steps += 1;
                cur = folder.parent_id.and_then(|p| by_id.get(&p).copied());
            }
            true
        })
        .collect()
}

/// How deep a new folder under `parent` would sit (1 for a top-level one).
pub fn depth_under(all: &[Folder], parent: Option<FolderId>) -> usize {
    let by_id: HashMap<FolderId, &Folder> = all.iter().map(|f| (f.id, f)).collect();
    let mut depth = 1;
    let mut cur = parent;
    while let Some(p) = cur {
        depth += 1;
        if depth > MAX_FOLDER_DEPTH + 1 {
            break;
        }
        cur = by_id.get(&p).and_then(|f| f.parent_id);
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn folder(id: i64, parent: Option<i64>, public: bool, by: Option<i64>) -> Folder {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Folder {
            id: FolderId(id),
            workspace_id: WorkspaceId(1),
            parent_id: parent.map(FolderId),
            name: format!("f{id}"),
            public,
            created_by: by.map(UserId),
            created: t,
            updated: t,
        }
    }

    #[test]
    fn private_folders_and_what_is_inside_them_are_their_creators() {
        let all = [
            folder(1, None, true, None),
            folder(2, Some(1), false, Some(7)),
            folder(3, Some(2), true, Some(7)),
            folder(4, Some(1), true, Some(8)),
        ];
        let ids = |v: LibraryViewer| -> Vec<i64> {
            visible_folders(&all, v).iter().map(|f| f.id.0).collect()
        };
        assert_eq!(ids(LibraryViewer::Everything), [1, 2, 3, 4]);
        assert_eq!(ids(LibraryViewer::User(UserId(7))), [1, 2, 3, 4]);
        assert_eq!(ids(LibraryViewer::User(UserId(8))), [1, 4]);
    }

    #[test]
    fn managing_is_for_creators_admins_and_managers_of_public_folders() {
        let private = folder(2, None, false, Some(7));
        let public = folder(3, None, true, Some(7));
        assert!(LibraryViewer::User(UserId(7)).may_manage(&private, false));
        assert!(!LibraryViewer::User(UserId(8)).may_manage(&private, true));
        assert!(!LibraryViewer::User(UserId(8)).may_manage(&public, false));
        assert!(LibraryViewer::User(UserId(8)).may_manage(&public, true));
        assert!(LibraryViewer::Everything.may_manage(&private, false));
    }

    #[test]
    fn names_notes_and_snippets_are_checked() {
        assert_eq!(folder_name("  Win/Loss ").unwrap(), "Win/Loss");
        assert!(folder_name("  ").is_err());
        assert!(folder_name(&"x".repeat(MAX_FOLDER_NAME + 1)).is_err());
        assert!(folder_name("a\u{7}b").is_err());
        assert_eq!(item_note(Some("  ")).unwrap(), None);
        assert!(item_note(Some(&"n".repeat(MAX_ITEM_NOTE + 1))).is_err());
        assert!(Snippet::new(10, 20).is_ok());
        assert!(Snippet::new(-1, 20).is_err());
        assert!(Snippet::new(20, 20).is_err());
        assert!(Snippet::new(0, 8 * 24 * 3600).is_err());
    }

    #[test]
    fn depth_counts_ancestors() {
        let all = [folder(1, None, true, None), folder(2, Some(1), true, None)];
        assert_eq!(depth_under(&all, None), 1);
        assert_eq!(depth_under(&all, Some(FolderId(2))), 3);
    }
}
