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

/// Which public folders a user's library access opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicFolders {
    All,
    /// None: the user sees only the folders they made.
    None,
    /// These folders and everything inside them.
    Only(Vec<FolderId>),
}

/// What a user (not an admin) may do in one workspace's library: from their permission
/// profile there ([`LibraryRights::of_profile`]), else from their role
/// ([`LibraryRights::of_role`]). Their own folders are always theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRights {
    pub public: PublicFolders,
    /// Create folders at all (private ones too).
    pub create_folders: bool,
    /// Create, rename and delete public folders, and make a folder public or private.
    pub manage_public_folders: bool,
    /// Add calls and snippets to public folders, and remove them.
    pub manage_public_calls: bool,
}

impl LibraryRights {
    /// Without a permission profile: every public folder; managers (and admins) manage
    /// public folders and what they hold.
    pub fn of_role(manager: bool) -> LibraryRights {
        LibraryRights {
            public: PublicFolders::All,
            create_folders: true,
            manage_public_folders: manager,
            manage_public_calls: manager,
        }
    }

    /// A permission profile's library access, field by field:
    /// - `level` [`LibraryLevel::All`](crate::profile::LibraryLevel) opens every public
    ///   folder, `SpecificFolders` the `folders` listed and everything inside them, `None`
    ///   no public folder; with `None` no folder may be made either (a library the user
    ///   cannot open is no place to file calls). Folders the user made stay theirs.
    /// - `manage_public_folder`: create, rename and delete public folders (of those
    ///   opened), and make a folder public or private.
    /// - `manage_folder_calls`: add calls and snippets to the public folders opened, and
    ///   remove them.
    /// - `manage_streams` and `share_folders_and_streams` are kept and shown but open
    ///   nothing: Parley has no streams (saved searches that fill a folder) and no sharing
    ///   of a folder with people outside the company.
    pub fn of_profile(access: &crate::profile::LibraryAccess) -> LibraryRights {
        use crate::profile::LibraryLevel;
        let public = match access.level {
            LibraryLevel::All => PublicFolders::All,
            LibraryLevel::None => PublicFolders::None,
            LibraryLevel::SpecificFolders => {
                PublicFolders::Only(access.folders.iter().copied().map(FolderId).collect())
            }
        };
        LibraryRights {
            create_folders: access.level != LibraryLevel::None,
            public,
            manage_public_folders: access.manage_public_folder,
            manage_public_calls: access.manage_folder_calls,
        }
    }
}

/// Who is looking at a workspace's library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibraryViewer {
    /// Admins and company keys: every folder.
    Everything,
    /// A user: the public folders their rights open and their own folders.
    User { user: UserId, rights: LibraryRights },
}

impl LibraryViewer {
    /// Whether the viewer may change the folder (rename, delete, make folders in it):
    /// its creator, or anyone who manages public folders when it is public.
    pub fn may_manage(&self, f: &Folder) -> bool {
        match self {
            LibraryViewer::Everything => true,
            LibraryViewer::User { user, rights } => {
                f.created_by == Some(*user) || (f.public && rights.manage_public_folders)
            }
        }
    }

    /// Whether the viewer may add calls to the folder and remove them: its creator, or
    /// anyone who manages the calls of public folders when it is public.
    pub fn may_manage_calls(&self, f: &Folder) -> bool {
        match self {
            LibraryViewer::Everything => true,
            LibraryViewer::User { user, rights } => {
                f.created_by == Some(*user) || (f.public && rights.manage_public_calls)
            }
        }
    }

    /// Whether the viewer may make a folder public (or a public one private).
    pub fn may_publish(&self) -> bool {
        match self {
            LibraryViewer::Everything => true,
            LibraryViewer::User { rights, .. } => rights.manage_public_folders,
        }
    }

    /// Whether the viewer may make folders at all.
    pub fn may_create(&self) -> bool {
        match self {
            LibraryViewer::Everything => true,
            LibraryViewer::User { rights, .. } => rights.create_folders,
        }
    }
}

/// The folders of one workspace the viewer sees: those open to them whose every ancestor
/// is open too (a public folder inside someone's private one stays hidden with it), in
/// the order given. A folder is open to its creator; a public one to whoever's rights
/// open it (all public folders, or a listed folder and what is inside it).
pub fn visible_folders<'a>(all: &'a [Folder], viewer: &LibraryViewer) -> Vec<&'a Folder> {
    let LibraryViewer::User { user, rights } = viewer else {
        return all.iter().collect();
    };
    let by_id: HashMap<FolderId, &Folder> = all.iter().map(|f| (f.id, f)).collect();
    all.iter()
        .filter(|f| {
            // The folder and its ancestors, nearest first.
            let mut chain = Vec::new();
            let mut cur = Some(*f);
            while let Some(folder) = cur {
                if chain.len() > MAX_FOLDER_DEPTH {
                    return false;
                }
                chain.push(folder);
                cur = folder.parent_id.and_then(|p| by_id.get(&p).copied());
            }
            (0..chain.len()).all(|i| {
                let c = chain[i];
                c.created_by == Some(*user)
                    || (c.public
                        && match &rights.public {
                            PublicFolders::All => true,
                            PublicFolders::None => false,
                            PublicFolders::Only(list) => {
                                chain[i..].iter().any(|a| list.contains(&a.id))
                            }
                        })
            })
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
            visible_folders(&all, &v).iter().map(|f| f.id.0).collect()
        };
        let user = |u: i64| LibraryViewer::User {
            user: UserId(u),
            rights: LibraryRights::of_role(false),
        };
        assert_eq!(ids(LibraryViewer::Everything), [1, 2, 3, 4]);
        assert_eq!(ids(user(7)), [1, 2, 3, 4]);
        assert_eq!(ids(user(8)), [1, 4]);
    }

    #[test]
    fn managing_is_for_creators_admins_and_managers_of_public_folders() {
        let private = folder(2, None, false, Some(7));
        let public = folder(3, None, true, Some(7));
        let user = |u: i64, manager: bool| LibraryViewer::User {
            user: UserId(u),
            rights: LibraryRights::of_role(manager),
        };
        assert!(user(7, false).may_manage(&private));
        assert!(!user(8, true).may_manage(&private));
        assert!(!user(8, false).may_manage(&public));
        assert!(user(8, true).may_manage(&public));
        assert!(user(8, true).may_manage_calls(&public));
        assert!(!user(8, false).may_manage_calls(&public));
        assert!(LibraryViewer::Everything.may_manage(&private));
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

    #[test]
    fn a_profiles_library_access_decides_what_a_user_sees_and_manages() {
        use crate::profile::{LibraryAccess, LibraryLevel};
        let all = [
            folder(1, None, true, None),
            folder(2, Some(1), true, None),
            folder(3, None, true, None),
            folder(4, None, false, Some(8)),
            folder(5, None, true, Some(8)),
        ];
        let with = |access: LibraryAccess| LibraryViewer::User {
            user: UserId(8),
            rights: LibraryRights::of_profile(&access),
        };
        let ids = |v: &LibraryViewer| -> Vec<i64> {
            visible_folders(&all, v).iter().map(|f| f.id.0).collect()
        };
        let none = with(LibraryAccess::default());
        assert_eq!(ids(&none), [4, 5], "only their own");
        assert!(!none.may_create());
        let specific = with(LibraryAccess {
            level: LibraryLevel::SpecificFolders,
            folders: vec![1],
            manage_folder_calls: true,
            ..LibraryAccess::default()
        });
        assert_eq!(ids(&specific), [1, 2, 4, 5], "folder 1 and what is inside");
        assert!(specific.may_create() && !specific.may_publish());
        assert!(specific.may_manage_calls(&all[1]) && !specific.may_manage(&all[1]));
        let managing = with(LibraryAccess {
            level: LibraryLevel::All,
            manage_public_folder: true,
            ..LibraryAccess::default()
        });
        assert_eq!(ids(&managing), [1, 2, 3, 4, 5]);
        assert!(managing.may_publish() && managing.may_manage(&all[2]));
        assert!(!managing.may_manage_calls(&all[2]));
        assert!(managing.may_manage_calls(&all[4]), "their own folder");
    }
}
