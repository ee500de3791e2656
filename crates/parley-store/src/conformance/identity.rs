//! Workspaces, users, keys, passwords, roles, sessions, resets, server secrets and
//! activity events.

use chrono::Duration;
use parley_domain::*;

use super::{a_user, bare_call, t0, workspace_and_user, Harness};
use crate::{ApiKeyRecord, SessionRecord, StoreError, UserFilter};

fn workspace(name: &str, created: Timestamp) -> Workspace {
    Workspace {
        id: WorkspaceId::generate(),
        name: name.into(),
        description: Some(format!("the {name} team's 'calls'")),
        created,
    }
}

pub async fn workspaces_and_the_default_one(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    assert_eq!(s.default_workspace().await.unwrap(), None);
    assert!(s.list_workspaces().await.unwrap().is_empty());
    let a = workspace("a", t0());
    s.create_workspace(&a, false).await.unwrap();
    assert_eq!(
        s.default_workspace().await.unwrap().as_ref(),
        Some(&a),
        "the oldest when none is the default"
    );
    let b = workspace("b", t0() + Duration::seconds(1));
    s.create_workspace(&b, true).await.unwrap();
    assert_eq!(s.default_workspace().await.unwrap().as_ref(), Some(&b));
    let c = workspace("c", t0() + Duration::seconds(2));
    s.create_workspace(&c, true).await.unwrap();
    assert_eq!(
        s.default_workspace().await.unwrap().as_ref(),
        Some(&c),
        "a new default replaces the old one"
    );
    assert_eq!(s.list_workspaces().await.unwrap(), vec![a.clone(), b, c]);
    assert_eq!(s.get_workspace(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.get_workspace(WorkspaceId(1)).await.unwrap(), None);
    let err = s.create_workspace(&a, false).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

pub async fn users_round_trip_filter_and_keep_a_settings_history(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (_, boss) = workspace_and_user(s, UserId(10), t0()).await;
    let full = User {
        email_aliases: vec!["a1@x.example".into(), "a2@x.example".into()],
        trusted_email: Some("t@x.example".into()),
        title: Some("AE 'senior'".into()),
        phone: Some("+1 555".into()),
        extension: Some("12".into()),
        personal_meeting_urls: vec!["https://zoom.us/j/1".into()],
        settings: UserSettings {
            web_conferences_recorded: true,
            prevent_web_conference_recording: false,
            telephony_calls_imported: true,
            emails_imported: false,
            prevent_email_import: true,
            non_recorded_meetings_imported: false,
            gong_connect_enabled: true,
        },
        manager_id: Some(boss.id),
        meeting_consent_page_url: Some("https://consent.example".into()),
        spoken_languages: vec![
            SpokenLanguage {
                language: "en-US".into(),
                primary: true,
            },
            SpokenLanguage {
                language: "de-DE".into(),
                primary: false,
            },
        ],
        ..a_user(
            UserId(11),
            "full@northwind.example.com",
            t0() + Duration::hours(1),
        )
    };
    s.create_user(&full).await.unwrap();
    assert_eq!(s.get_user(full.id).await.unwrap().as_ref(), Some(&full));
    assert_eq!(s.get_user(UserId(1)).await.unwrap(), None);
    assert_eq!(
        s.settings_history(full.id).await.unwrap(),
        full.initial_history()
    );

    // A change saves the row and appends only the settings that changed.
    let later = t0() + Duration::hours(5);
    let changed = User {
        active: false,
        first_name: "Renamed".into(),
        settings: UserSettings {
            emails_imported: true,
            ..full.settings
        },
        ..full.clone()
    };
    s.update_user(&changed, later).await.unwrap();
    assert_eq!(s.get_user(full.id).await.unwrap().as_ref(), Some(&changed));
    let history = s.settings_history(full.id).await.unwrap();
    let mut want = full.initial_history();
    want.extend(full.settings_diff(&changed, later));
    assert_eq!(history.len(), Setting::ALL.len() + 2);
    assert_eq!(history, want);
    let ghost = a_user(UserId(99), "ghost@northwind.example.com", t0());
    let err = s.update_user(&ghost, later).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(s.get_user(ghost.id).await.unwrap(), None);

    for i in 0..3 {
        let u = a_user(
            UserId(20 + i),
            &format!("u{i}@northwind.example.com"),
            t0() + Duration::hours(2 + i),
        );
        s.create_user(&u).await.unwrap();
    }
    let ids = |v: Vec<User>| v.into_iter().map(|u| u.id.0).collect::<Vec<_>>();
    let all = UserFilter::default();
    assert_eq!(
        ids(s.list_users(&all, None, 10).await.unwrap()),
        [10, 11, 20, 21, 22]
    );
    assert_eq!(
        ids(s.list_users(&all, Some(UserId(11)), 2).await.unwrap()),
        [20, 21]
    );
    assert_eq!(s.count_users(&all).await.unwrap(), 5);
    let window = UserFilter {
        created_from: Some(t0() + Duration::hours(1)),
        created_to: Some(t0() + Duration::hours(3)),
        user_ids: None,
    };
    assert_eq!(
        ids(s.list_users(&window, None, 10).await.unwrap()),
        [11, 20]
    );
    assert_eq!(s.count_users(&window).await.unwrap(), 2);
    let picked = UserFilter {
        user_ids: Some(vec![UserId(22), UserId(10), UserId(5)]),
        ..UserFilter::default()
    };
    assert_eq!(
        ids(s.list_users(&picked, None, 10).await.unwrap()),
        [10, 22]
    );
    let none = UserFilter {
        user_ids: Some(vec![]),
        ..UserFilter::default()
    };
    assert_eq!(s.count_users(&none).await.unwrap(), 0);
    assert!(s.list_users(&none, None, 10).await.unwrap().is_empty());
}

pub async fn email_lookup_ignores_case_and_a_taken_email_conflicts(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (_, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    for spelling in [
        "u@northwind.example.com",
        "U@NorthWind.Example.COM",
        "U@NORTHWIND.EXAMPLE.COM",
    ] {
        assert_eq!(
            s.find_user_by_email(spelling).await.unwrap().map(|u| u.id),
            Some(user.id),
            "{spelling}"
        );
    }
    assert_eq!(
        s.find_user_by_email("v@northwind.example.com")
            .await
            .unwrap(),
        None
    );
    let twin = a_user(UserId::generate(), "U@Northwind.Example.com", t0());
    let err = s.create_user(&twin).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(s.get_user(twin.id).await.unwrap(), None);
    assert!(
        s.settings_history(twin.id).await.unwrap().is_empty(),
        "a refused user leaves no history"
    );

    // Taking another user's address in any case is a conflict too.
    let other = a_user(UserId::generate(), "o@northwind.example.com", t0());
    s.create_user(&other).await.unwrap();
    let stolen = User {
        email: "U@NORTHWIND.example.com".into(),
        ..other.clone()
    };
    let err = s.update_user(&stolen, t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(s.get_user(other.id).await.unwrap(), Some(other));
}

fn key(access_key: &str, owner: Option<UserId>, workspace: Option<WorkspaceId>) -> ApiKeyRecord {
    ApiKeyRecord {
        access_key: access_key.into(),
        name: format!("key {access_key}"),
        secret_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created: t0(),
        revoked: None,
        scopes: ScopeSet::read_only(),
        workspace,
        owner,
        last_used: None,
    }
}

pub async fn api_keys_are_revoked_rotated_and_touched(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let mine = key("K1", Some(user.id), Some(ws.id));
    let company = ApiKeyRecord {
        created: t0() + Duration::seconds(1),
        scopes: ScopeSet::full(),
        ..key("K2", None, None)
    };
    s.create_api_key(&mine).await.unwrap();
    s.create_api_key(&company).await.unwrap();
    assert_eq!(s.get_api_key("K1").await.unwrap(), Some(mine.clone()));
    assert_eq!(s.get_api_key("K3").await.unwrap(), None);
    assert_eq!(
        s.list_api_keys().await.unwrap(),
        vec![mine.clone(), company.clone()]
    );
    let err = s.create_api_key(&mine).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = s
        .create_api_key(&key("K4", Some(UserId(1)), None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    // Touches only move forward.
    s.touch_api_key("K1", t0() + Duration::hours(2))
        .await
        .unwrap();
    s.touch_api_key("K1", t0() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        s.get_api_key("K1").await.unwrap().unwrap().last_used,
        Some(t0() + Duration::hours(2))
    );

    assert!(s.rotate_api_key("K1", "new-hash").await.unwrap());
    assert_eq!(
        s.get_api_key("K1").await.unwrap().unwrap().secret_hash,
        "new-hash"
    );
    assert!(s
        .revoke_api_key("K1", t0() + Duration::hours(3))
        .await
        .unwrap());
    assert!(!s.revoke_api_key("K1", t0()).await.unwrap(), "once");
    assert!(!s.revoke_api_key("K3", t0()).await.unwrap());
    assert!(
        !s.rotate_api_key("K1", "newer").await.unwrap(),
        "a revoked key keeps its secret"
    );
    let revoked = s.get_api_key("K1").await.unwrap().unwrap();
    assert_eq!(
        (revoked.revoked, revoked.secret_hash.as_str()),
        (Some(t0() + Duration::hours(3)), "new-hash")
    );
}

pub async fn passwords_roles_and_sessions(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (_, me) = workspace_and_user(s, UserId::generate(), t0()).await;
    assert_eq!(s.password_hash(me.id).await.unwrap(), None);
    assert!(!s.admin_can_sign_in().await.unwrap());
    s.set_password_hash(me.id, "h1", t0()).await.unwrap();
    assert!(!s.admin_can_sign_in().await.unwrap(), "a member's password");
    s.set_password_hash(me.id, "h2", t0()).await.unwrap();
    assert_eq!(s.password_hash(me.id).await.unwrap().as_deref(), Some("h2"));
    let err = s.set_password_hash(UserId(1), "h", t0()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    assert_eq!(s.user_role(me.id).await.unwrap(), Role::Member);
    s.set_user_role(me.id, Role::Admin, t0()).await.unwrap();
    assert_eq!(s.user_role(me.id).await.unwrap(), Role::Admin);
    assert!(s.admin_can_sign_in().await.unwrap());
    let mut away = me.clone();
    away.active = false;
    s.update_user(&away, t0()).await.unwrap();
    assert!(!s.admin_can_sign_in().await.unwrap(), "an inactive admin");
    s.update_user(&me, t0()).await.unwrap();
    assert!(s.admin_can_sign_in().await.unwrap());
    s.set_user_role(me.id, Role::Manager, t0()).await.unwrap();
    assert!(!s.admin_can_sign_in().await.unwrap(), "a manager");
    assert_eq!(s.user_role(me.id).await.unwrap(), Role::Manager);
    let err = s
        .set_user_role(UserId(1), Role::Admin, t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let session = |sha: &str| SessionRecord {
        token_sha: sha.into(),
        user: me.id,
        csrf: format!("csrf-{sha}"),
        created: t0(),
        expires: t0() + Duration::hours(12),
    };
    for sha in ["s1", "s2", "s3"] {
        s.create_session(&session(sha)).await.unwrap();
    }
    assert_eq!(s.get_session("s1").await.unwrap(), Some(session("s1")));
    assert_eq!(s.get_session("nope").await.unwrap(), None);
    assert!(s.delete_session("s1").await.unwrap());
    assert!(!s.delete_session("s1").await.unwrap());
    assert_eq!(s.get_session("s1").await.unwrap(), None);
    assert_eq!(s.delete_user_sessions(me.id).await.unwrap(), 2);
    assert_eq!(s.delete_user_sessions(me.id).await.unwrap(), 0);
    assert_eq!(s.get_session("s2").await.unwrap(), None);
}

pub async fn a_password_reset_is_taken_once_and_only_before_it_expires(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (_, me) = workspace_and_user(s, UserId::generate(), t0()).await;
    let expires = t0() + Duration::minutes(30);
    s.create_password_reset("r1", me.id, expires).await.unwrap();
    s.create_password_reset("r2", me.id, expires).await.unwrap();
    assert_eq!(
        s.take_password_reset("r1", t0()).await.unwrap(),
        Some(me.id)
    );
    assert_eq!(
        s.take_password_reset("r1", t0()).await.unwrap(),
        None,
        "a token is used up"
    );
    assert_eq!(
        s.take_password_reset("r2", expires).await.unwrap(),
        None,
        "expired at its expiry"
    );
    assert_eq!(
        s.take_password_reset("r2", t0()).await.unwrap(),
        None,
        "an expired token is used up by the attempt"
    );
    assert_eq!(s.take_password_reset("nope", t0()).await.unwrap(), None);
}

pub async fn server_secrets_are_made_once(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let first = s
        .server_secret("cookie", vec![1, 2, 3, 0, 255])
        .await
        .unwrap();
    assert_eq!(first, [1, 2, 3, 0, 255]);
    assert_eq!(s.server_secret("cookie", vec![9]).await.unwrap(), first);
    let other = f.reopen().await;
    assert_eq!(
        other.server_secret("cookie", vec![8]).await.unwrap(),
        first,
        "every node agrees"
    );
    assert_eq!(
        other.server_secret("csrf", vec![7; 32]).await.unwrap(),
        [7; 32]
    );
}

pub async fn activity_events_and_facts(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, host) = workspace_and_user(s, UserId(30), t0()).await;
    let guest = a_user(UserId(31), "g@northwind.example.com", t0());
    s.create_user(&guest).await.unwrap();
    let call = bare_call(CallId(300), ws.id, host.id, t0());
    let attendee = Party {
        id: PartyId::generate(),
        call_id: call.id,
        name: None,
        email: None,
        title: None,
        user_id: Some(guest.id),
        speaker_id: None,
        affiliation: Affiliation::Internal,
        phone: None,
        methods: vec![],
        media_channel: None,
        context: vec![],
    };
    s.insert_call(&call, &[attendee], &[], &[]).await.unwrap();
    let late = bare_call(CallId(301), ws.id, guest.id, t0() + Duration::days(2));
    s.insert_call(&late, &[], &[], &[]).await.unwrap();

    let event = |kind, actor: &User, subject: Option<UserId>, minutes| ActivityEvent {
        id: 0,
        kind,
        actor: actor.id,
        subject,
        call_id: call.id,
        at: t0() + Duration::minutes(minutes),
    };
    let events = [
        event(ActivityKind::Listen, &guest, None, 5),
        event(ActivityKind::Comment, &guest, Some(host.id), 6),
        event(ActivityKind::Listen, &host, None, 7),
    ];
    let mut ids = std::collections::HashSet::new();
    for e in &events {
        ids.insert(s.record_activity(e).await.unwrap());
    }
    assert_eq!(ids.len(), 3, "each event gets an id of its own");
    let err = s
        .record_activity(&ActivityEvent {
            call_id: CallId(1),
            ..events[0].clone()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let err = s
        .record_activity(&ActivityEvent {
            actor: UserId(1),
            ..events[0].clone()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let day = t0() + Duration::days(1);
    let mut want = vec![
        ActivityFact {
            user: host.id,
            counter: Counter::CallsAsHost,
            call: call.id,
            at: t0(),
        },
        ActivityFact {
            user: guest.id,
            counter: Counter::CallsAttended,
            call: call.id,
            at: t0(),
        },
    ];
    for e in &events {
        for (user, counter) in counters_of(e.kind, e.actor, e.subject.unwrap_or(host.id)) {
            want.push(ActivityFact {
                user,
                counter,
                call: call.id,
                at: e.at,
            });
        }
    }
    let sorted = |mut v: Vec<ActivityFact>| {
        v.sort_by_key(|f| (f.at, f.user, f.counter));
        v
    };
    let got = s.activity_facts(t0(), day, None).await.unwrap();
    assert_eq!(sorted(got), sorted(want.clone()));
    let only_guest = s
        .activity_facts(t0(), day, Some(&[guest.id]))
        .await
        .unwrap();
    assert_eq!(
        sorted(only_guest),
        sorted(want.into_iter().filter(|f| f.user == guest.id).collect())
    );
    assert!(s
        .activity_facts(t0() + Duration::minutes(8), day, None)
        .await
        .unwrap()
        .is_empty());
}
