//! The library's storage (SQLite 0018, PostgreSQL 0004): folders and the calls and
//! snippets in them.

use async_trait::async_trait;

use parley_domain::library::{Folder, FolderItem};
use parley_domain::{FolderId, FolderItemId, Timestamp, WorkspaceId};

use crate::Result;

/// What [`LibraryStore::delete_folder`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderDeletion {
    /// The folder and everything inside it are gone.
    Deleted,
    /// There is no such folder.
    NotFound,
    /// `may_delete` refused this folder (the one named or one inside it); nothing was
    /// deleted.
    Refused(Folder),
}

#[async_trait]
pub trait LibraryStore: Send + Sync {
    /// Stores a new folder; `NotFound` when its workspace, parent (which must be in the
    /// same workspace) or creator does not exist.
    async fn create_folder(&self, f: &Folder) -> Result<()>;
    async fn get_folder(&self, id: FolderId) -> Result<Option<Folder>>;
    /// Every folder of a workspace, by name then id.
    async fn folders_in(&self, workspace: WorkspaceId) -> Result<Vec<Folder>>;
    /// Renames a folder and sets whether it is public; false when there is no such folder.
    async fn update_folder(
        &self,
        id: FolderId,
        name: &str,
        public: bool,
        at: Timestamp,
    ) -> Result<bool>;
    /// Deletes a folder with the folders inside it and everything they hold, when
    /// `may_delete` allows the folder and every folder inside it as they are in the
    /// delete's own transaction (a sub-folder created or changed meanwhile is seen, so no
    /// check outside can race the delete). Nothing is deleted when one is refused.
    async fn delete_folder(
        &self,
        id: FolderId,
        may_delete: &(dyn for<'f> Fn(&'f Folder) -> bool + Send + Sync),
    ) -> Result<FolderDeletion>;
    /// Puts a call (or a snippet of one) in a folder and marks the folder updated at the
    /// item's time; `NotFound` for an unknown folder or call.
    async fn add_folder_item(&self, item: &FolderItem) -> Result<()>;
    /// Takes an item out of its folder; false when the folder holds no such item.
    async fn remove_folder_item(
        &self,
        folder: FolderId,
        item: FolderItemId,
        at: Timestamp,
    ) -> Result<bool>;
    /// What a folder holds, in the order it was added (then by id).
    async fn folder_items(&self, folder: FolderId) -> Result<Vec<FolderItem>>;
}
