//! Fixtures shared by the store tests.

#![allow(dead_code)]

use parley_domain::*;
use parley_store::Store;
use parley_store_sqlite::SqliteStore;

/// A fresh store on a real SQLite file in a temporary folder.
pub async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(dir.path().join("test.db").to_str().unwrap())
        .await
        .unwrap();
    (dir, s)
}

/// Stores a default workspace and one user created at `now`; returns them.
pub async fn workspace_and_user(
    s: &SqliteStore,
    user_id: UserId,
    now: Timestamp,
) -> (Workspace, User) {
    let ws = Workspace {
        id: WorkspaceId::generate(),
        name: "w".into(),
        description: None,
        created: now,
    };
    s.create_workspace(&ws, true).await.unwrap();
    let user = User {
        id: user_id,
        email: "u@northwind.example.com".into(),
        created: now,
        active: true,
        email_aliases: vec![],
        trusted_email: None,
        first_name: "U".into(),
        last_name: "Ser".into(),
        title: None,
        phone: None,
        extension: None,
        personal_meeting_urls: vec![],
        settings: UserSettings::default(),
        manager_id: None,
        meeting_consent_page_url: None,
        spoken_languages: vec![],
    };
    s.create_user(&user).await.unwrap();
    (ws, user)
}

/// A call with every optional field empty, started and created at `at`.
pub fn bare_call(id: CallId, workspace: WorkspaceId, user: UserId, at: Timestamp) -> Call {
    Call {
        id,
        workspace_id: workspace,
        title: String::new(),
        scheduled: None,
        started: at,
        duration_s: 0,
        primary_user_id: user,
        direction: Direction::Unknown,
        system: None,
        scope: CallScope::Unknown,
        media: MediaKind::Audio,
        language: None,
        sdr_disposition: None,
        client_unique_id: None,
        custom_data: None,
        purpose: None,
        meeting_url: None,
        is_private: false,
        calendar_event_id: None,
        media_source_url: None,
        language_hint: None,
        created: at,
    }
}
