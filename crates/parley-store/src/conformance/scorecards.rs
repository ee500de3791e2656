//! Scorecards: definitions round trip with their questions (replaced in place, names
//! unique per workspace), answered scorecards round trip, filter, page and count, and
//! each is an activity event; a scorecard with answers cannot be deleted.

use chrono::Duration;
use parley_domain::scorecard::*;
use parley_domain::*;

use super::{a_call, a_user, t0, Harness};
use crate::{AnsweredFilter, AnsweredKey, AnsweredViewer, CallFilter, StoreError};

fn scorecard(workspace: WorkspaceId, name: &str) -> Scorecard {
    ScorecardDraft {
        name: name.into(),
        enabled: true,
        review_method: ReviewMethod::Manual,
        questions: vec![
            QuestionDraft {
                text: "Overall".into(),
                kind: Some(QuestionType::Range),
                is_overall: true,
                mandatory: true,
                min: Some(1),
                max: Some(10),
                answer_guide: Some("10 is a perfect call".into()),
                ..Default::default()
            },
            QuestionDraft {
                text: "Covered".into(),
                kind: Some(QuestionType::MultiSelect),
                options: vec!["Budget".into(), "Timeline".into()],
                ..Default::default()
            },
            QuestionDraft {
                text: "Notes".into(),
                kind: Some(QuestionType::OpenEnded),
                ..Default::default()
            },
        ],
    }
    .define(ScorecardId::generate(), workspace, None, None, t0())
    .expect("a valid scorecard")
}

fn answers(s: &Scorecard, score: i32) -> Vec<Answer> {
    s.answer(vec![
        AnswerDraft {
            question_id: s.questions[0].id,
            score: Some(score),
            ..Default::default()
        },
        AnswerDraft {
            question_id: s.questions[1].id,
            options: Some(vec!["Timeline".into(), "Budget".into()]),
            ..Default::default()
        },
        AnswerDraft {
            question_id: s.questions[2].id,
            text: Some("Good «discovery»".into()),
            ..Default::default()
        },
    ])
    .expect("valid answers")
}

pub async fn definitions_round_trip_and_names_are_unique_per_workspace(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let ws = call.workspace_id;
    let b = scorecard(ws, "b discovery");
    let a = scorecard(ws, "A demo");
    s.save_scorecard(&b).await.unwrap();
    s.save_scorecard(&a).await.unwrap();
    assert_eq!(s.get_scorecard(b.id).await.unwrap().as_ref(), Some(&b));
    let names: Vec<String> = s
        .scorecards(Some(ws))
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.name)
        .collect();
    assert_eq!(names, ["A demo", "b discovery"], "by name, ignoring case");
    assert!(s.scorecards(Some(WorkspaceId(5))).await.unwrap().is_empty());
    assert_eq!(s.scorecards(None).await.unwrap().len(), 2);

    // Replaced in place: fewer questions, a new name.
    let mut edited = b.clone();
    edited.name = "B discovery v2".into();
    edited.enabled = false;
    edited.questions.truncate(1);
    edited.updated = t0() + Duration::hours(1);
    s.save_scorecard(&edited).await.unwrap();
    assert_eq!(s.get_scorecard(b.id).await.unwrap(), Some(edited.clone()));

    let clash = scorecard(ws, "A demo");
    assert!(matches!(
        s.save_scorecard(&clash).await,
        Err(StoreError::Conflict(_))
    ));
    let lost = scorecard(WorkspaceId(3), "x");
    assert!(matches!(
        s.save_scorecard(&lost).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(s.delete_scorecard(a.id).await.unwrap());
    assert!(!s.delete_scorecard(a.id).await.unwrap());
    assert_eq!(s.get_scorecard(a.id).await.unwrap(), None);
}

pub async fn answered_scorecards_round_trip_filter_page_and_count(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let other = a_call(s).await;
    let rep = call.primary_user_id;
    let manager = a_user(UserId::generate(), "m@northwind.example.com", t0());
    s.create_user(&manager).await.unwrap();
    let card = scorecard(call.workspace_id, "Discovery");
    s.save_scorecard(&card).await.unwrap();
    let elsewhere = scorecard(other.workspace_id, "Discovery");
    s.save_scorecard(&elsewhere).await.unwrap();

    let answer = |i: i64, card: &Scorecard, call: &Call, reviewed: UserId| AnsweredScorecard {
        id: AnsweredScorecardId::generate(),
        scorecard_id: card.id,
        call_id: call.id,
        reviewed_user: reviewed,
        reviewer: manager.id,
        reviewed_at: t0() + Duration::hours(i),
        visibility: Visibility::Public,
        answers: answers(card, 1 + i as i32),
        edited: None,
    };
    let first = answer(1, &card, &call, rep);
    let second = answer(2, &card, &call, manager.id);
    let third = answer(3, &elsewhere, &other, other.primary_user_id);
    for a in [&third, &first, &second] {
        s.answer_scorecard(a).await.unwrap();
    }

    let all = s
        .answered_scorecards(&AnsweredFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].answered, first, "answers round trip, by review time");
    assert_eq!(all[0].scorecard_name, "Discovery");
    assert_eq!(all[0].workspace_id, call.workspace_id);
    assert_eq!(all[0].call_started, call.started);
    assert_eq!(all[0].review_method, ReviewMethod::Manual);
    assert_eq!(all[2].answered.id, third.id);

    let ids = |f: AnsweredFilter| async move {
        s.answered_scorecards(&f, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.answered.id)
            .collect::<Vec<_>>()
    };
    let in_ws = AnsweredFilter {
        workspace_id: Some(call.workspace_id),
        ..Default::default()
    };
    assert_eq!(ids(in_ws.clone()).await, [first.id, second.id]);
    assert_eq!(s.count_answered_scorecards(&in_ws).await.unwrap(), 2);
    let reviewed = AnsweredFilter {
        reviewed_users: Some(vec![rep]),
        ..Default::default()
    };
    assert_eq!(ids(reviewed).await, [first.id]);
    let by = AnsweredFilter {
        reviewers: Some(vec![manager.id]),
        scorecard_ids: Some(vec![elsewhere.id]),
        ..Default::default()
    };
    assert_eq!(ids(by).await, [third.id]);
    let window = AnsweredFilter {
        review_from: Some(t0() + Duration::hours(2)),
        review_to: Some(t0() + Duration::hours(3)),
        ..Default::default()
    };
    assert_eq!(ids(window).await, [second.id]);
    let of_call = AnsweredFilter {
        calls: CallFilter {
            call_ids: Some(vec![other.id]),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(ids(of_call).await, [third.id]);
    let none = AnsweredFilter {
        reviewers: Some(vec![]),
        ..Default::default()
    };
    assert!(ids(none.clone()).await.is_empty());
    assert_eq!(s.count_answered_scorecards(&none).await.unwrap(), 0);
    // Call access: a user who sees only their own calls sees the answers on them.
    let own = AnsweredFilter {
        calls: CallFilter {
            visible_to: Some(CallAccess {
                default: Audience::Users(vec![rep]),
                by_workspace: Default::default(),
                granted_to: None,
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(ids(own).await, [first.id, second.id]);

    // Pages after a key.
    let key = AnsweredKey {
        reviewed_us: first.reviewed_at.timestamp_micros(),
        id: first.id.0,
    };
    let page = s
        .answered_scorecards(&AnsweredFilter::default(), Some(key), 1)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].answered.id, second.id);

    // Each answer is an activity event: filled by the reviewer, received by the reviewed.
    let facts = s
        .activity_facts(t0(), t0() + Duration::days(1), Some(&[manager.id, rep]))
        .await
        .unwrap();
    let count = |u: UserId, c: Counter| {
        facts
            .iter()
            .filter(|x| x.user == u && x.counter == c)
            .count()
    };
    assert_eq!(count(manager.id, Counter::CallsScorecardsFilled), 3);
    assert_eq!(count(rep, Counter::CallsScorecardsReceived), 1);

    // Unknown references are refused whole; a scorecard with answers is not deleted.
    let mut lost = answer(4, &card, &call, rep);
    lost.reviewed_user = UserId(12);
    assert!(matches!(
        s.answer_scorecard(&lost).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.count_answered_scorecards(&AnsweredFilter::default())
            .await
            .unwrap(),
        3
    );
    assert!(matches!(
        s.delete_scorecard(card.id).await,
        Err(StoreError::Conflict(_))
    ));
}

/// A viewer reads the public filled scorecards and, of the private ones (and opt-in ones),
/// those they filled and those reviewing someone of their team; no viewer reads all.
pub async fn a_viewer_reads_only_the_private_answers_that_concern_them(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let rep = call.primary_user_id;
    let mut people = Vec::new();
    for name in ["reviewer", "boss", "peer"] {
        let u = a_user(
            UserId::generate(),
            &format!("{name}@northwind.example.com"),
            t0(),
        );
        s.create_user(&u).await.unwrap();
        people.push(u.id);
    }
    let [reviewer, boss, peer] = people[..] else {
        unreachable!()
    };
    let card = scorecard(call.workspace_id, "Discovery");
    s.save_scorecard(&card).await.unwrap();
    let answer = |i: i64, visibility: Visibility| AnsweredScorecard {
        id: AnsweredScorecardId::generate(),
        scorecard_id: card.id,
        call_id: call.id,
        reviewed_user: rep,
        reviewer,
        reviewed_at: t0() + Duration::hours(i),
        visibility,
        answers: answers(&card, 1),
        edited: None,
    };
    let public = answer(1, Visibility::Public);
    let private = answer(2, Visibility::Private);
    let opt_in = answer(3, Visibility::OptInUsers);
    for a in [&public, &private, &opt_in] {
        s.answer_scorecard(a).await.unwrap();
    }
    let seen = |viewer: Option<AnsweredViewer>| async move {
        let f = AnsweredFilter {
            viewer,
            ..Default::default()
        };
        let ids: Vec<_> = s
            .answered_scorecards(&f, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.answered.id)
            .collect();
        assert_eq!(
            s.count_answered_scorecards(&f).await.unwrap(),
            ids.len() as i64
        );
        ids
    };
    let all = [public.id, private.id, opt_in.id];
    assert_eq!(seen(None).await, all);
    let viewer = |user: UserId, team: &[UserId]| {
        Some(AnsweredViewer {
            user,
            team: team.to_vec(),
        })
    };
    assert_eq!(
        seen(viewer(reviewer, &[reviewer])).await,
        all,
        "the reviewer"
    );
    assert_eq!(seen(viewer(rep, &[rep])).await, all, "the reviewed user");
    assert_eq!(seen(viewer(boss, &[boss, rep])).await, all, "their manager");
    assert_eq!(
        seen(viewer(peer, &[peer])).await,
        [public.id],
        "anyone else"
    );
    assert_eq!(seen(viewer(peer, &[])).await, [public.id]);
}

/// An answered scorecard is read by id, edited in place (same id, review time and activity
/// event; new answers, visibility and the edit recorded) and deleted with its answers and
/// activity event.
pub async fn answered_scorecards_are_edited_in_place_and_deleted(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let rep = call.primary_user_id;
    let manager = a_user(UserId::generate(), "m@northwind.example.com", t0());
    s.create_user(&manager).await.unwrap();
    let card = scorecard(call.workspace_id, "Discovery");
    s.save_scorecard(&card).await.unwrap();
    let a = AnsweredScorecard {
        id: AnsweredScorecardId::generate(),
        scorecard_id: card.id,
        call_id: call.id,
        reviewed_user: rep,
        reviewer: manager.id,
        reviewed_at: t0() + Duration::hours(1),
        visibility: Visibility::Public,
        answers: answers(&card, 3),
        edited: None,
    };
    s.answer_scorecard(&a).await.unwrap();
    let got = s.get_answered_scorecard(a.id).await.unwrap().unwrap();
    assert_eq!(got.answered, a);
    assert_eq!(got.scorecard_name, "Discovery");
    assert_eq!(
        s.get_answered_scorecard(AnsweredScorecardId(7))
            .await
            .unwrap(),
        None
    );

    let mut edited = a.clone();
    edited.visibility = Visibility::Private;
    edited.answers = answers(&card, 9);
    edited.answers.truncate(1);
    edited.answers.push(Answer {
        question_id: card.questions[1].id,
        revision: card.questions[1].revision,
        value: AnswerValue::NotApplicable,
    });
    edited.edited = Some(AnswerEdit {
        by: manager.id,
        at: t0() + Duration::hours(5),
    });
    assert!(s.edit_answered_scorecard(&edited).await.unwrap());
    let got = s.get_answered_scorecard(a.id).await.unwrap().unwrap();
    assert_eq!(
        got.answered, edited,
        "the answers, visibility and edit replaced"
    );
    let listed = s
        .answered_scorecards(&AnsweredFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].answered, edited);
    let mut lost = edited.clone();
    lost.id = AnsweredScorecardId::generate();
    assert!(!s.edit_answered_scorecard(&lost).await.unwrap());

    let filled = || async {
        s.activity_facts(t0(), t0() + Duration::days(1), Some(&[manager.id]))
            .await
            .unwrap()
            .iter()
            .filter(|x| x.counter == Counter::CallsScorecardsFilled)
            .count()
    };
    assert_eq!(filled().await, 1, "an edit is not another review");
    assert!(s.delete_answered_scorecard(a.id).await.unwrap());
    assert!(!s.delete_answered_scorecard(a.id).await.unwrap());
    assert_eq!(s.get_answered_scorecard(a.id).await.unwrap(), None);
    assert_eq!(filled().await, 0, "its activity event goes with it");
    // With no answers left, the scorecard itself can go.
    assert!(s.delete_scorecard(card.id).await.unwrap());
}
