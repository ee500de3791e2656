//! Calls: round trips whatever their text holds, parties and CRM context, listings,
//! versions and the generation.

use chrono::Duration;
use parley_domain::*;
use serde_json::json;

use super::{a_call, bare_call, import, one_sentence, t0, workspace_and_user, Harness};
use crate::{AnalysisWrite, CallFilter, CallKey, Store, StoreError};

/// The version `calls_with_versions` and `list_call_versions` both report for `call`.
async fn version(s: &dyn Store, call: CallId) -> i64 {
    let with = s.calls_with_versions(&[call]).await.expect("versions");
    assert_eq!(with.len(), 1, "call {call} exists");
    let listed = s
        .list_call_versions(
            &CallFilter {
                call_ids: Some(vec![call]),
                ..CallFilter::default()
            },
            None,
            10,
        )
        .await
        .expect("listed versions");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].version, with[0].1,
        "both readings of the version agree"
    );
    with[0].1
}

fn link(object_id: &str, fields: Vec<(String, serde_json::Value)>) -> CrmLink {
    CrmLink {
        system: CrmSystem::Salesforce,
        object_type: "Account".into(),
        object_id: object_id.into(),
        fields,
    }
}

fn party(call: CallId, name: &str, user: Option<UserId>, context: Vec<CrmLink>) -> Party {
    Party {
        id: PartyId::generate(),
        call_id: call,
        name: Some(name.into()),
        email: Some(format!("{}@example.com", name.to_lowercase())),
        title: None,
        user_id: user,
        speaker_id: None,
        affiliation: if user.is_some() {
            Affiliation::Internal
        } else {
            Affiliation::External
        },
        phone: Some("+1 555 0100".into()),
        methods: vec![PartyMethod::Invitee, PartyMethod::Attendee],
        media_channel: Some(1),
        context,
    }
}

pub async fn every_call_field_round_trips_through_get_and_list(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let now = t0() + chrono::Duration::microseconds(789_012);
    let (ws, user) = workspace_and_user(s, UserId(i64::MAX), now).await;
    let text = |t: &str| Some(format!("{t} \"quoted\" \\ back\nslash ünïcode 📞 'single'"));
    let full = Call {
        id: CallId(i64::MAX - 1),
        workspace_id: ws.id,
        title: text("title").unwrap(),
        scheduled: Some(now - chrono::Duration::minutes(5)),
        started: now,
        duration_s: 1843,
        primary_user_id: user.id,
        direction: Direction::Conference,
        system: text("system"),
        scope: CallScope::External,
        media: MediaKind::Video,
        language: Some("eng".into()),
        sdr_disposition: text("disposition"),
        client_unique_id: text("cuid"),
        custom_data: text("custom"),
        purpose: text("purpose"),
        meeting_url: Some("https://zoom.us/j/1?pwd=a&b=c".into()),
        is_private: true,
        calendar_event_id: text("event"),
        media_source_url: Some("https://example.com/a.mp3".into()),
        language_hint: Some("en-US".into()),
        created: now,
    };
    let empty = bare_call(
        CallId(1_000_000_000_000_000_000),
        ws.id,
        user.id,
        now + chrono::Duration::seconds(1),
    );
    for c in [&full, &empty] {
        s.insert_call(c, &[], &[], &[]).await.unwrap();
        assert_eq!(s.get_call(c.id).await.unwrap().as_ref(), Some(c));
    }
    let listed = s
        .list_calls(&CallFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(listed, vec![full.clone(), empty]);
    assert_eq!(
        s.call_by_client_unique_id(full.client_unique_id.as_deref().unwrap())
            .await
            .unwrap(),
        Some(full.id)
    );
    assert_eq!(s.call_by_client_unique_id("nope").await.unwrap(), None);
    assert_eq!(s.get_call(CallId(5)).await.unwrap(), None);
}

pub async fn parties_and_crm_context_round_trip_in_order(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = bare_call(CallId::generate(), ws.id, user.id, t0());
    let deal = CrmLink {
        object_type: "Opportunity".into(),
        ..link(
            "006",
            vec![
                ("Amount".into(), json!(12500.5)),
                ("Stage".into(), json!("Won")),
            ],
        )
    };
    let acct = link("001", vec![("Name".into(), json!("Acme"))]);
    let contact = CrmLink {
        system: CrmSystem::HubSpot,
        object_type: "Contact".into(),
        object_id: "77".into(),
        fields: vec![("Age".into(), json!(41)), ("Vip".into(), json!(true))],
    };
    let parties = vec![
        party(call.id, "Zed", Some(user.id), vec![]),
        party(call.id, "Ann", None, vec![contact.clone(), acct.clone()]),
    ];
    s.insert_call(&call, &parties, &[deal.clone(), acct.clone()], &[])
        .await
        .unwrap();
    let got = s.parties_of(&[call.id, CallId(3)]).await.unwrap();
    assert_eq!(got.len(), 1, "calls without parties are absent");
    assert_eq!(
        got[&call.id], parties,
        "in the order given, with their links"
    );
    let ctx = s.call_context_of(&[call.id]).await.unwrap();
    assert_eq!(ctx[&call.id], vec![deal, acct.clone()]);
    assert!(s.parties_of(&[]).await.unwrap().is_empty());
    assert!(s.call_context_of(&[]).await.unwrap().is_empty());

    // CRM objects are shared: the newest field values win, and a bare link keeps them.
    let renamed = link("001", vec![("Name".into(), json!("Acme Corp"))]);
    let second = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&second, &[], std::slice::from_ref(&renamed), &[])
        .await
        .unwrap();
    let third = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&third, &[], &[link("001", vec![])], &[])
        .await
        .unwrap();
    let ctx = s.call_context_of(&[call.id, third.id]).await.unwrap();
    assert_eq!(ctx[&call.id][1], renamed);
    assert_eq!(ctx[&third.id], vec![renamed]);
}

pub async fn a_speakers_timeline_is_stored_with_its_call(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = Call {
        client_unique_id: Some("dialer-1".into()),
        ..bare_call(CallId::generate(), ws.id, user.id, t0())
    };
    let parties = vec![
        party(call.id, "Rep", Some(user.id), vec![]),
        party(call.id, "Buyer", None, vec![]),
    ];
    let (rep, buyer) = (parties[0].id, parties[1].id);
    let timeline = SpeakerTimeline {
        precise: true,
        segments: vec![
            TimelineSegment {
                from_ms: 0,
                to_ms: 1500,
                parties: vec![rep],
            },
            // Overlapping speech, and a segment as long as a day.
            TimelineSegment {
                from_ms: 1400,
                to_ms: 86_400_000,
                parties: vec![buyer, rep],
            },
        ],
    };
    s.insert_call_with(&call, &parties, &[], &[], Some(&timeline))
        .await
        .unwrap();
    assert_eq!(s.speaker_timeline(call.id).await.unwrap(), Some(timeline));

    let plain = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&plain, &[], &[], &[]).await.unwrap();
    assert_eq!(s.speaker_timeline(plain.id).await.unwrap(), None);
    assert_eq!(s.speaker_timeline(CallId(12345)).await.unwrap(), None);

    // A call refused (its clientUniqueId is taken) leaves no timeline behind.
    let twin = Call {
        id: CallId::generate(),
        ..call.clone()
    };
    let imprecise = SpeakerTimeline {
        precise: false,
        segments: vec![],
    };
    assert!(s
        .insert_call_with(&twin, &[], &[], &[], Some(&imprecise))
        .await
        .is_err());
    assert_eq!(s.speaker_timeline(twin.id).await.unwrap(), None);
}

pub async fn listings_filter_page_and_count(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, me) = workspace_and_user(s, UserId::generate(), t0()).await;
    let other = super::a_user(UserId::generate(), "o@northwind.example.com", t0());
    s.create_user(&other).await.unwrap();
    let east = Workspace {
        id: WorkspaceId::generate(),
        name: "east".into(),
        description: Some("e".into()),
        created: t0(),
    };
    s.create_workspace(&east, false).await.unwrap();
    // Ten calls a minute apart, alternating host and workspace; two share a start.
    let mut calls = Vec::new();
    for i in 0..10i64 {
        let (w, host) = if i % 2 == 0 {
            (ws.id, me.id)
        } else {
            (east.id, other.id)
        };
        let at = t0() + Duration::minutes(i.min(8));
        let c = bare_call(CallId::generate(), w, host, at);
        s.insert_call(&c, &[], &[], &[]).await.unwrap();
        calls.push(c);
    }
    calls.sort_by_key(|c| (c.started, c.id));
    let all = CallFilter::default();
    assert_eq!(s.count_calls(&all).await.unwrap(), 10);

    // Pages of three, by (started, id), are the whole listing.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_calls(&all, after, 3).await.unwrap();
        let versions = s.list_call_versions(&all, after, 3).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.key).collect::<Vec<_>>(),
            page.iter().map(CallKey::of).collect::<Vec<_>>(),
            "versions list the same page"
        );
        after = page.last().map(CallKey::of);
        let done = page.len() < 3;
        paged.extend(page);
        if done {
            break;
        }
    }
    assert_eq!(paged, calls);

    let ids = |v: Vec<Call>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let window = CallFilter {
        from: Some(t0() + Duration::minutes(2)),
        to: Some(t0() + Duration::minutes(5)),
        ..CallFilter::default()
    };
    let want: Vec<CallId> = calls
        .iter()
        .filter(|c| c.started >= window.from.unwrap() && c.started < window.to.unwrap())
        .map(|c| c.id)
        .collect();
    assert_eq!(want.len(), 3);
    assert_eq!(ids(s.list_calls(&window, None, 100).await.unwrap()), want);
    assert_eq!(s.count_calls(&window).await.unwrap(), 3);

    let in_east = CallFilter {
        workspace_id: Some(east.id),
        ..CallFilter::default()
    };
    assert_eq!(s.count_calls(&in_east).await.unwrap(), 5);
    let by_me = CallFilter {
        primary_user_ids: Some(vec![me.id]),
        ..CallFilter::default()
    };
    assert!(s
        .list_calls(&by_me, None, 100)
        .await
        .unwrap()
        .iter()
        .all(|c| c.primary_user_id == me.id));
    assert_eq!(s.count_calls(&by_me).await.unwrap(), 5);
    let picked = CallFilter {
        call_ids: Some(vec![calls[7].id, calls[2].id, CallId(1)]),
        ..CallFilter::default()
    };
    assert_eq!(
        ids(s.list_calls(&picked, None, 100).await.unwrap()),
        vec![calls[2].id, calls[7].id]
    );
    for nothing in [
        CallFilter {
            call_ids: Some(vec![]),
            ..CallFilter::default()
        },
        CallFilter {
            primary_user_ids: Some(vec![]),
            ..CallFilter::default()
        },
    ] {
        assert_eq!(s.count_calls(&nothing).await.unwrap(), 0, "an empty list");
        assert!(s.list_calls(&nothing, None, 10).await.unwrap().is_empty());
    }
    let both = CallFilter {
        workspace_id: Some(ws.id),
        primary_user_ids: Some(vec![other.id]),
        ..CallFilter::default()
    };
    assert_eq!(s.count_calls(&both).await.unwrap(), 0, "filters combine");

    let with = s
        .calls_with_versions(&[calls[0].id, calls[1].id, CallId(1)])
        .await
        .unwrap();
    assert_eq!(with.len(), 2, "only those that exist");
    assert!(s.calls_with_versions(&[]).await.unwrap().is_empty());
}

pub async fn a_taken_client_unique_id_is_a_conflict(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = Call {
        client_unique_id: Some("crm-1".into()),
        ..bare_call(CallId::generate(), ws.id, user.id, t0())
    };
    s.insert_call(&call, &[], &[], &[]).await.unwrap();
    let twin = Call {
        id: CallId::generate(),
        ..call.clone()
    };
    let p = party(twin.id, "Ann", None, vec![]);
    let err = s.insert_call(&twin, &[p], &[], &[]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(s.get_call(twin.id).await.unwrap(), None);
    assert!(s.parties_of(&[twin.id]).await.unwrap().is_empty());
    assert_eq!(s.count_calls(&CallFilter::default()).await.unwrap(), 1);
}

/// Everything a rendering of a call shows bumps its version: its parties, its CRM
/// objects (through another call, too), its transcript, its analysis, its recording and
/// speaker assignments.
pub async fn versions_bump_on_every_change_a_rendering_shows(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = bare_call(CallId::generate(), ws.id, user.id, t0());
    let p = party(call.id, "Ann", None, vec![]);
    s.insert_call(
        &call,
        std::slice::from_ref(&p),
        &[link("001", vec![("Name".into(), json!("Acme"))])],
        &[],
    )
    .await
    .unwrap();
    let mut last = version(s, call.id).await;
    let mut bumped = async |what: &str| {
        let now = version(s, call.id).await;
        assert!(now > last, "{what} bumps the version ({last} -> {now})");
        last = now;
    };

    // Another call changes the CRM object this one links.
    let other = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(
        &other,
        &[],
        &[link("001", vec![("Name".into(), json!("Acme Corp"))])],
        &[],
    )
    .await
    .unwrap();
    bumped("a changed CRM object").await;

    let t = one_sentence(1, "hello");
    let new_party = party(call.id, "Bob", None, vec![]);
    let mut w = import(call.id, &t, t0());
    let speaking = [(p.id, SpeakerId(1))];
    let new_parties = [new_party];
    w.speaking_parties = &speaking;
    w.new_parties = &new_parties;
    assert!(s.replace_transcript(w).await.unwrap());
    bumped("a transcript with new parties").await;

    let input = s.analysis_input(call.id).await.unwrap().unwrap();
    let analysis = super::analysis::analysis_row("Acme");
    assert!(s
        .save_analysis(AnalysisWrite {
            call_id: call.id,
            transcript_version: input.version,
            analysis: &analysis,
            at: t0(),
            lease: None,
        })
        .await
        .unwrap());
    bumped("an analysis").await;

    // Without a declared duration, so that the transcript's below is the call's.
    let media = CallMedia {
        duration_ms: None,
        ..super::media::media(call.id, "aa", "calls/v/a.wav")
    };
    s.store_call_media(&media, Some(&super::media::transcribe(call.id)), t0())
        .await
        .unwrap();
    bumped("a recording").await;

    let speakers = [CallSpeaker {
        speaker_id: SpeakerId(1),
        channel: None,
        speech_ms: 10,
        voice: None,
        party_id: None,
        source: SpeakerSource::Unmatched,
    }];
    let mut w = import(call.id, &t, t0() + Duration::seconds(1));
    w.speakers = &speakers;
    w.language = Some("deu");
    w.duration_s = Some(42);
    assert!(s.replace_transcript(w).await.unwrap());
    bumped("a second transcript").await;
    let got = s.get_call(call.id).await.unwrap().unwrap();
    assert_eq!((got.language.as_deref(), got.duration_s), (Some("deu"), 42));

    s.assign_speaker(call.id, SpeakerId(1), p.id, None, None, t0())
        .await
        .unwrap();
    bumped("a speaker assigned by hand").await;

    // Reads and unrelated writes leave it alone.
    s.get_call(call.id).await.unwrap();
    s.enqueue_job(&JobSpec::AnalyzeWorkspace { workspace: None }.into(), t0())
        .await
        .unwrap();
    assert_eq!(version(s, call.id).await, last, "nothing else moves it");
}

pub async fn the_generation_moves_on_every_insert(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let before = s.calls_generation().await.unwrap();
    let call = a_call(s).await;
    let after = s.calls_generation().await.unwrap();
    assert!(after > before, "an insert moves it ({before} -> {after})");
    let t = one_sentence(1, "hi");
    s.replace_transcript(import(call.id, &t, t0()))
        .await
        .unwrap();
    let failed = s
        .insert_call(&call, &[], &[], &[])
        .await
        .expect_err("the id is taken");
    assert!(!matches!(failed, StoreError::NotFound(_)), "{failed:?}");
    let again = s.calls_generation().await.unwrap();
    assert_eq!(
        again, after,
        "a transcript and a refused insert leave it alone"
    );
    let other = f.reopen().await;
    assert_eq!(
        other.calls_generation().await.unwrap(),
        again,
        "every handle reads the same generation"
    );
    other
        .insert_call(
            &bare_call(
                CallId::generate(),
                call.workspace_id,
                call.primary_user_id,
                t0(),
            ),
            &[],
            &[],
            &[],
        )
        .await
        .unwrap();
    assert!(s.calls_generation().await.unwrap() > again);
}
