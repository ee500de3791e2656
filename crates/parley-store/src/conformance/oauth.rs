//! OAuth 2.0: apps, one-time authorization codes and the tokens they become.

use chrono::Duration;
use parley_domain::*;

use super::{t0, workspace_and_user, Harness};
use crate::{OAuthAppRecord, OAuthCodeRecord, OAuthTokenRecord, Store, StoreError};

/// `label` padded to the 64 characters of a hex SHA-256, as codes and tokens are stored.
pub fn sha(label: &str) -> String {
    format!("{label:0>64}")
}

pub fn app(client_id: &str, owner: Option<UserId>, created: Timestamp) -> OAuthAppRecord {
    OAuthAppRecord {
        client_id: client_id.into(),
        name: format!("app {client_id}"),
        secret_hash: "$argon2id$secret".into(),
        redirect_uris: vec![
            "https://app.example/cb".into(),
            "http://127.0.0.1:8080/cb?x=1".into(),
        ],
        scopes: ScopeSet::read_only(),
        owner,
        created,
        revoked: None,
    }
}

pub fn code(sha: &str, client_id: &str, user: UserId, created: Timestamp) -> OAuthCodeRecord {
    OAuthCodeRecord {
        code_sha: self::sha(sha),
        client_id: client_id.into(),
        user,
        scopes: ScopeSet::read_only(),
        redirect_uri: "https://app.example/cb".into(),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        grant: format!("grant-{sha}"),
        created,
        expires: created + Duration::minutes(10),
        used: None,
    }
}

pub fn token(
    id: &str,
    grant: &str,
    client_id: &str,
    user: UserId,
    created: Timestamp,
) -> OAuthTokenRecord {
    OAuthTokenRecord {
        id: id.into(),
        grant: grant.into(),
        access_sha: sha(&format!("access-{id}")),
        refresh_sha: sha(&format!("refresh-{id}")),
        client_id: client_id.into(),
        user,
        scopes: ScopeSet::read_only(),
        workspace: None,
        created,
        access_expires: created + Duration::hours(1),
        refresh_expires: created + Duration::days(30),
        refresh_used: None,
        revoked: None,
        last_used: None,
    }
}

/// A user and an app of theirs; returns the user.
pub async fn user_and_app(s: &dyn Store, client_id: &str) -> UserId {
    let (_, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    s.create_oauth_app(&app(client_id, Some(user.id), t0()))
        .await
        .expect("create the app");
    user.id
}

pub async fn apps_round_trip_and_revoking_one_revokes_its_tokens_and_codes(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let user = user_and_app(s, "c1").await;
    let company = app("c0", None, t0() + Duration::seconds(1));
    s.create_oauth_app(&company).await.unwrap();
    let mine = app("c1", Some(user), t0());
    assert_eq!(s.get_oauth_app("c1").await.unwrap(), Some(mine.clone()));
    assert_eq!(s.get_oauth_app("c9").await.unwrap(), None);
    assert_eq!(
        s.list_oauth_apps().await.unwrap(),
        vec![mine.clone(), company.clone()],
        "oldest first"
    );
    let err = s.create_oauth_app(&mine).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = s
        .create_oauth_app(&app("c2", Some(UserId(1)), t0()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    // An exchanged code, an unused one, two tokens; and the other app's token.
    s.create_oauth_code(&code("used", "c1", user, t0()))
        .await
        .unwrap();
    s.take_oauth_code(&sha("used"), t0())
        .await
        .unwrap()
        .unwrap();
    s.create_oauth_code(&code("fresh", "c1", user, t0()))
        .await
        .unwrap();
    for t in [
        token("t1", "g1", "c1", user, t0()),
        token("t2", "g2", "c1", user, t0()),
        token("t3", "g3", "c0", user, t0()),
    ] {
        s.create_oauth_token(&t).await.unwrap();
    }
    let at = t0() + Duration::minutes(1);
    assert!(s.revoke_oauth_app("c1", at).await.unwrap());
    assert!(!s.revoke_oauth_app("c1", at).await.unwrap(), "once");
    assert!(!s.revoke_oauth_app("c9", at).await.unwrap());
    assert_eq!(
        s.get_oauth_app("c1").await.unwrap().unwrap().revoked,
        Some(at)
    );
    for id in ["t1", "t2"] {
        let t = s
            .oauth_token_by_access(&sha(&format!("access-{id}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.revoked, Some(at), "{id}");
    }
    let other = s
        .oauth_token_by_access(&sha("access-t3"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.revoked, None, "another app's tokens stay");
    assert_eq!(
        s.take_oauth_code(&sha("fresh"), at).await.unwrap(),
        None,
        "an unused code goes with its app"
    );
    let used = s.take_oauth_code(&sha("used"), at).await.unwrap().unwrap();
    assert_eq!(
        used.used,
        Some(t0()),
        "a used code stays, to recognise replays"
    );
}

pub async fn a_code_is_taken_once(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let user = user_and_app(s, "c1").await;
    let c = code("k1", "c1", user, t0());
    s.create_oauth_code(&c).await.unwrap();
    let err = s.create_oauth_code(&c).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = s
        .create_oauth_code(&code("k2", "c9", user, t0()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let at = t0() + Duration::seconds(5);
    assert_eq!(
        s.take_oauth_code(&sha("k1"), at).await.unwrap(),
        Some(c.clone()),
        "as it was before: unused"
    );
    let again = s
        .take_oauth_code(&sha("k1"), at + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        again,
        Some(OAuthCodeRecord {
            used: Some(at),
            ..c.clone()
        }),
        "the first use is kept"
    );
    assert_eq!(s.take_oauth_code(&sha("k9"), at).await.unwrap(), None);

    // Codes that expired long ago are forgotten when a new one is made; a recent one
    // is kept.
    let much_later = t0() + Duration::days(30);
    s.create_oauth_code(&code("k3", "c1", user, much_later - Duration::minutes(20)))
        .await
        .unwrap();
    s.create_oauth_code(&code("k4", "c1", user, much_later))
        .await
        .unwrap();
    assert_eq!(
        s.take_oauth_code(&sha("k1"), much_later).await.unwrap(),
        None
    );
    assert!(s
        .take_oauth_code(&sha("k3"), much_later)
        .await
        .unwrap()
        .is_some());
}

pub async fn refresh_tokens_are_spent_once_and_grants_revoked_together(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let user = user_and_app(s, "c1").await;
    let ws = Workspace {
        id: WorkspaceId::generate(),
        name: "scoped".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&ws, false).await.unwrap();
    let first = OAuthTokenRecord {
        workspace: Some(ws.id),
        ..token("t1", "g", "c1", user, t0())
    };
    let second = token("t2", "g", "c1", user, t0() + Duration::minutes(1));
    s.create_oauth_token(&first).await.unwrap();
    s.create_oauth_token(&second).await.unwrap();
    assert_eq!(
        s.oauth_token_by_access(&sha("access-t1")).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        s.oauth_token_by_refresh(&sha("refresh-t2")).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        s.oauth_token_by_access(&sha("refresh-t1")).await.unwrap(),
        None
    );
    let err = s
        .create_oauth_token(&OAuthTokenRecord {
            workspace: Some(WorkspaceId(1)),
            ..token("t9", "g", "c1", user, t0())
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let at = t0() + Duration::minutes(2);
    assert_eq!(
        s.spend_oauth_refresh(&sha("refresh-t1"), "c0", at)
            .await
            .unwrap(),
        None,
        "another client's token"
    );
    let spent = s
        .spend_oauth_refresh(&sha("refresh-t1"), "c1", at)
        .await
        .unwrap()
        .expect("a live refresh token");
    assert_eq!(spent.id, "t1");
    assert_eq!(
        s.spend_oauth_refresh(&sha("refresh-t1"), "c1", at)
            .await
            .unwrap(),
        None,
        "spent"
    );
    assert_eq!(
        s.oauth_token_by_refresh(&sha("refresh-t1"))
            .await
            .unwrap()
            .unwrap()
            .refresh_used,
        Some(at)
    );
    assert_eq!(
        s.spend_oauth_refresh(&sha("refresh-t2"), "c1", second.refresh_expires)
            .await
            .unwrap(),
        None,
        "expired"
    );

    // Touches move forward only, on every live token of the grant.
    s.touch_oauth_grant("g", at).await.unwrap();
    s.touch_oauth_grant("g", t0()).await.unwrap();
    for name in ["access-t1", "access-t2"] {
        let t = s.oauth_token_by_access(&sha(name)).await.unwrap().unwrap();
        assert_eq!(t.last_used, Some(at), "{name}");
    }
    assert_eq!(s.revoke_oauth_grant("g", at).await.unwrap(), 2);
    assert_eq!(s.revoke_oauth_grant("g", at).await.unwrap(), 0);
    assert_eq!(s.revoke_oauth_grant("nope", at).await.unwrap(), 0);
    s.touch_oauth_grant("g", at + Duration::hours(1))
        .await
        .unwrap();
    let t = s
        .oauth_token_by_access(&sha("access-t2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (t.revoked, t.last_used),
        (Some(at), Some(at)),
        "revoked tokens are not touched"
    );
    assert_eq!(
        s.spend_oauth_refresh(&sha("refresh-t2"), "c1", at)
            .await
            .unwrap(),
        None,
        "revoked"
    );

    // Tokens whose refresh token expired long ago are forgotten when a new one is made.
    let much_later = t0() + Duration::days(90);
    s.create_oauth_token(&token("t3", "g3", "c1", user, much_later))
        .await
        .unwrap();
    assert_eq!(
        s.oauth_token_by_access(&sha("access-t1")).await.unwrap(),
        None
    );
    assert!(s
        .oauth_token_by_access(&sha("access-t3"))
        .await
        .unwrap()
        .is_some());
}
