//! OAuth apps, codes and tokens on the real PostgreSQL: round trips, what revoking an app
//! takes with it, and one-time codes and refresh tokens taken once by racing nodes.

mod common;
mod pg2_common;

use chrono::Duration;
use parley_domain::*;
use parley_store::{OAuthAppRecord, OAuthCodeRecord, OAuthTokenRecord, Store, StoreError};
use pg2_common::{t0, TestDb};

fn sha(c: char) -> String {
    c.to_string().repeat(64)
}

fn app(client_id: &str, owner: Option<UserId>) -> OAuthAppRecord {
    OAuthAppRecord {
        client_id: client_id.into(),
        name: "Notes".into(),
        secret_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        redirect_uris: vec!["https://notes.example.com/cb".into()],
        scopes: ScopeSet::read_only(),
        owner,
        created: t0(),
        revoked: None,
    }
}

fn code(code_sha: &str, client_id: &str, user: UserId) -> OAuthCodeRecord {
    OAuthCodeRecord {
        code_sha: code_sha.into(),
        client_id: client_id.into(),
        user,
        scopes: ScopeSet::read_only(),
        redirect_uri: "https://notes.example.com/cb".into(),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        grant: "g1".into(),
        created: t0(),
        expires: t0() + Duration::minutes(10),
        used: None,
    }
}

fn token(id: &str, c: char, client_id: &str, user: UserId) -> OAuthTokenRecord {
    OAuthTokenRecord {
        id: id.into(),
        grant: "g1".into(),
        access_sha: sha(c),
        refresh_sha: sha(c.to_ascii_uppercase()),
        client_id: client_id.into(),
        user,
        scopes: ScopeSet::read_only(),
        workspace: None,
        created: t0(),
        access_expires: t0() + Duration::hours(1),
        refresh_expires: t0() + Duration::days(30),
        refresh_used: None,
        revoked: None,
        last_used: None,
    }
}

async fn setup() -> (TestDb, UserId) {
    let db = TestDb::new().await;
    let u = UserId(7);
    pg2_common::user(&db, u).await;
    (db, u)
}

#[tokio::test]
async fn apps_round_trip_and_revoking_one_revokes_its_tokens_and_unused_codes() {
    let (db, u) = setup().await;
    let s = &db.store;
    let a = app("c-notes", Some(u));
    s.create_oauth_app(&a).await.unwrap();
    assert!(matches!(
        s.create_oauth_app(&a).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_oauth_app(&app("c-ghost", Some(UserId(99)))).await,
        Err(StoreError::NotFound(_))
    ));
    let mut b = app("B-company", None);
    b.created = t0() + Duration::seconds(1);
    s.create_oauth_app(&b).await.unwrap();
    let mut c = app("a-company", None);
    c.created = b.created;
    s.create_oauth_app(&c).await.unwrap();
    assert_eq!(s.get_oauth_app("c-notes").await.unwrap(), Some(a.clone()));
    assert_eq!(s.get_oauth_app("nope").await.unwrap(), None);
    // Oldest first; ties by client id in byte order (upper case first), as on SQLite.
    let ids: Vec<String> = s
        .list_oauth_apps()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.client_id)
        .collect();
    assert_eq!(ids, ["c-notes", "B-company", "a-company"]);

    s.create_oauth_code(&code(&sha('1'), "c-notes", u))
        .await
        .unwrap();
    let mut used = code(&sha('2'), "c-notes", u);
    used.used = Some(t0());
    s.create_oauth_code(&used).await.unwrap();
    assert!(matches!(
        s.create_oauth_code(&code(&sha('1'), "c-notes", u)).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_oauth_code(&code(&sha('3'), "c-ghost", u)).await,
        Err(StoreError::NotFound(_))
    ));
    let t = token("t1", 'a', "c-notes", u);
    s.create_oauth_token(&t).await.unwrap();
    assert!(matches!(
        s.create_oauth_token(&token("t1", 'b', "c-notes", u)).await,
        Err(StoreError::Conflict(_))
    ));
    let mut lost = token("t2", 'c', "c-notes", u);
    lost.workspace = Some(WorkspaceId(5));
    assert!(matches!(
        s.create_oauth_token(&lost).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.oauth_token_by_access(&sha('a')).await.unwrap(),
        Some(t.clone())
    );
    assert_eq!(
        s.oauth_token_by_refresh(&sha('A')).await.unwrap(),
        Some(t.clone())
    );
    assert_eq!(s.oauth_token_by_refresh(&sha('a')).await.unwrap(), None);

    let at = t0() + Duration::minutes(1);
    assert!(s.revoke_oauth_app("c-notes", at).await.unwrap());
    assert!(!s.revoke_oauth_app("c-notes", at).await.unwrap());
    assert!(!s.revoke_oauth_app("nope", at).await.unwrap());
    assert_eq!(
        s.get_oauth_app("c-notes").await.unwrap().unwrap().revoked,
        Some(at)
    );
    let back = s.oauth_token_by_access(&sha('a')).await.unwrap().unwrap();
    assert_eq!(back.revoked, Some(at));
    // The unused code is gone, the used one kept (a replay is still recognised).
    assert_eq!(s.take_oauth_code(&sha('1'), at).await.unwrap(), None);
    assert_eq!(s.take_oauth_code(&sha('2'), at).await.unwrap(), Some(used));
}

#[tokio::test]
async fn a_code_is_taken_once_and_old_codes_and_tokens_are_forgotten() {
    let (db, u) = setup().await;
    let s = &db.store;
    s.create_oauth_app(&app("c-notes", Some(u))).await.unwrap();
    let c = code(&sha('1'), "c-notes", u);
    s.create_oauth_code(&c).await.unwrap();
    let first = t0() + Duration::seconds(5);
    assert_eq!(
        s.take_oauth_code(&sha('1'), first).await.unwrap(),
        Some(c.clone())
    );
    // The second exchange sees when the first happened, and changes nothing.
    let again = s
        .take_oauth_code(&sha('1'), first + Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.used, Some(first));
    assert_eq!(s.take_oauth_code(&sha('9'), first).await.unwrap(), None);

    // A code made more than a day after another expired removes it.
    let mut later = code(&sha('2'), "c-notes", u);
    later.created = c.expires + Duration::hours(25);
    later.expires = later.created + Duration::minutes(10);
    s.create_oauth_code(&later).await.unwrap();
    assert_eq!(
        s.take_oauth_code(&sha('1'), later.created).await.unwrap(),
        None
    );

    // Likewise tokens a week past their refresh expiry.
    let t = token("t1", 'a', "c-notes", u);
    s.create_oauth_token(&t).await.unwrap();
    let mut next = token("t2", 'b', "c-notes", u);
    next.created = t.refresh_expires + Duration::days(8);
    s.create_oauth_token(&next).await.unwrap();
    assert_eq!(s.oauth_token_by_access(&sha('a')).await.unwrap(), None);
    assert!(s.oauth_token_by_access(&sha('b')).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_takers_of_a_code_exactly_one_wins() {
    let (db, u) = setup().await;
    let s = db.store.clone();
    // Two nodes, each with its own pool.
    let nodes = [db.store.clone(), db.node().await];
    s.create_oauth_app(&app("c-notes", Some(u))).await.unwrap();
    for round in 0..5u8 {
        let c_sha = sha(char::from(b'a' + round));
        s.create_oauth_code(&code(&c_sha, "c-notes", u))
            .await
            .unwrap();
        let takers: Vec<_> = (0..8)
            .map(|n| {
                let (s, c_sha) = (nodes[n as usize % 2].clone(), c_sha.clone());
                tokio::spawn(async move {
                    s.take_oauth_code(&c_sha, t0() + Duration::seconds(n))
                        .await
                        .unwrap()
                        .unwrap()
                })
            })
            .collect();
        let mut winners = 0;
        let mut firsts = Vec::new();
        for t in takers {
            let got = t.await.unwrap();
            match got.used {
                None => winners += 1,
                Some(at) => firsts.push(at),
            }
        }
        assert_eq!(winners, 1, "round {round}");
        // Every loser saw the one winner's time.
        firsts.dedup();
        assert_eq!(firsts.len(), 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_token_is_spent_once_even_by_concurrent_refreshes() {
    let (db, u) = setup().await;
    let s = db.store.clone();
    let nodes = [db.store.clone(), db.node().await];
    s.create_oauth_app(&app("c-notes", Some(u))).await.unwrap();
    s.create_oauth_app(&app("c-other", Some(u))).await.unwrap();
    let t = token("t1", 'a', "c-notes", u);
    s.create_oauth_token(&t).await.unwrap();
    let at = t0() + Duration::hours(2);

    // Not live for another client, after expiry, or once revoked (nothing changes then).
    assert_eq!(
        s.spend_oauth_refresh(&sha('A'), "c-other", at)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.spend_oauth_refresh(&sha('A'), "c-notes", t.refresh_expires)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.oauth_token_by_refresh(&sha('A')).await.unwrap(),
        Some(t.clone())
    );

    let spenders: Vec<_> = (0..8)
        .map(|n| {
            let s = nodes[n % 2].clone();
            tokio::spawn(async move {
                s.spend_oauth_refresh(&sha('A'), "c-notes", at)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut spent = Vec::new();
    for h in spenders {
        if let Some(t) = h.await.unwrap() {
            spent.push(t);
        }
    }
    assert_eq!(spent.len(), 1);
    assert_eq!(spent[0].refresh_used, Some(at));
    assert_eq!(spent[0].id, "t1");

    let mut t2 = token("t2", 'b', "c-notes", u);
    t2.created = at;
    s.create_oauth_token(&t2).await.unwrap();
    let mut other_grant = token("t3", 'c', "c-notes", u);
    other_grant.grant = "g2".into();
    s.create_oauth_token(&other_grant).await.unwrap();
    assert_eq!(s.revoke_oauth_grant("g1", at).await.unwrap(), 2);
    assert_eq!(s.revoke_oauth_grant("g1", at).await.unwrap(), 0);
    assert_eq!(
        s.spend_oauth_refresh(&sha('B'), "c-notes", at)
            .await
            .unwrap(),
        None,
        "revoked"
    );

    // Touching records the latest use only, and only on live tokens.
    s.touch_oauth_grant("g2", at).await.unwrap();
    s.touch_oauth_grant("g2", at - Duration::minutes(1))
        .await
        .unwrap();
    s.touch_oauth_grant("g1", at).await.unwrap();
    let g2 = s.oauth_token_by_access(&sha('c')).await.unwrap().unwrap();
    assert_eq!(g2.last_used, Some(at));
    let g1 = s.oauth_token_by_access(&sha('b')).await.unwrap().unwrap();
    assert_eq!(g1.last_used, None);
}
