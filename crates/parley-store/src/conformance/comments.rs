//! Comments on calls: round trips, threads, the bound per call, the activity events
//! written and removed with them, and the call's version.

use chrono::Duration;
use parley_domain::comment::{Comment, CommentId, CommentRange};
use parley_domain::*;

use super::{a_call, a_user, bare_call, t0, Harness};
use crate::{CommentAdded, StoreError};

fn comment(call: &Call, author: UserId, minutes: i64, public: bool) -> Comment {
    Comment {
        id: CommentId::generate(),
        call_id: call.id,
        author,
        text: format!("note at {minutes}"),
        range: None,
        in_reply_to: None,
        public,
        during_call: false,
        posted: t0() + Duration::minutes(minutes),
    }
}

async fn version(s: &dyn crate::Store, call: CallId) -> i64 {
    s.calls_with_versions(&[call]).await.unwrap()[0].1
}

async fn comment_facts(s: &dyn crate::Store) -> Vec<(UserId, Counter, CallId)> {
    let mut v: Vec<_> = s
        .activity_facts(t0(), t0() + Duration::days(1), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| {
            matches!(
                f.counter,
                Counter::CallsCommentsGiven | Counter::CallsCommentsReceived
            )
        })
        .map(|f| (f.user, f.counter, f.call))
        .collect();
    v.sort();
    v
}

pub async fn comments_round_trip_in_threads_with_their_activity(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let host = call.primary_user_id;
    let colleague = a_user(UserId::generate(), "c@northwind.example.com", t0());
    s.create_user(&colleague).await.unwrap();

    let mut first = comment(&call, colleague.id, 1, true);
    first.range = Some(CommentRange::new(1_500, 4_250).unwrap());
    first.during_call = true;
    let v0 = version(s, call.id).await;
    assert_eq!(
        s.add_comment(&first, 10).await.unwrap(),
        CommentAdded::Added
    );
    assert!(
        version(s, call.id).await > v0,
        "adding a comment bumps the call's version"
    );
    assert_eq!(
        s.get_comment(first.id).await.unwrap().as_ref(),
        Some(&first)
    );

    let mut reply = comment(&call, host, 2, true);
    reply.in_reply_to = Some(first.id);
    s.add_comment(&reply, 10).await.unwrap();
    let mut deeper = comment(&call, colleague.id, 3, true);
    deeper.in_reply_to = Some(reply.id);
    s.add_comment(&deeper, 10).await.unwrap();
    let private = comment(&call, host, 4, false);
    s.add_comment(&private, 10).await.unwrap();

    assert_eq!(
        s.call_comments(call.id).await.unwrap(),
        vec![
            first.clone(),
            reply.clone(),
            deeper.clone(),
            private.clone()
        ],
        "a call's comments by posted time"
    );
    let other = a_call(s).await;
    let public = s.public_comments_of(&[call.id, other.id]).await.unwrap();
    assert_eq!(
        public.get(&call.id).unwrap(),
        &vec![first.clone(), reply.clone(), deeper.clone()],
        "private comments are not public"
    );
    assert!(!public.contains_key(&other.id));
    assert!(s.public_comments_of(&[]).await.unwrap().is_empty());

    // Public comments feed the counters: given by the author, received by the host.
    // The private one feeds nothing.
    let mut expected = vec![
        (colleague.id, Counter::CallsCommentsGiven, call.id),
        (colleague.id, Counter::CallsCommentsGiven, call.id),
        (host, Counter::CallsCommentsReceived, call.id),
        (host, Counter::CallsCommentsReceived, call.id),
        (host, Counter::CallsCommentsGiven, call.id),
    ];
    expected.sort();
    assert_eq!(comment_facts(s).await, expected);

    // A reply must name a comment of the same call; the call and author must exist.
    let mut astray = comment(&other, host, 5, true);
    astray.in_reply_to = Some(first.id);
    let mut no_author = comment(&call, UserId(1), 5, true);
    no_author.text = "x".into();
    let mut no_call = comment(&call, host, 5, true);
    no_call.call_id = CallId(1);
    for bad in [astray, no_author, no_call] {
        let e = s.add_comment(&bad, 10).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{bad:?}: {e:?}");
        assert!(s.get_comment(bad.id).await.unwrap().is_none());
    }

    // Deleting a comment deletes its thread and the thread's events, and bumps the
    // version.
    let v1 = version(s, call.id).await;
    assert_eq!(s.delete_comment(reply.id).await.unwrap(), 2);
    assert!(version(s, call.id).await > v1, "deleting bumps the version");
    assert_eq!(
        s.call_comments(call.id).await.unwrap(),
        vec![first.clone(), private.clone()]
    );
    let mut left = vec![
        (colleague.id, Counter::CallsCommentsGiven, call.id),
        (host, Counter::CallsCommentsReceived, call.id),
    ];
    left.sort();
    assert_eq!(comment_facts(s).await, left);
    assert_eq!(s.delete_comment(reply.id).await.unwrap(), 0);
    assert_eq!(s.delete_comment(CommentId(1)).await.unwrap(), 0);
    assert_eq!(s.delete_comment(private.id).await.unwrap(), 1);
}

pub async fn a_call_holds_at_most_its_bound_of_comments(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let host = call.primary_user_id;
    for i in 0..3 {
        assert_eq!(
            s.add_comment(&comment(&call, host, i, i % 2 == 0), 3)
                .await
                .unwrap(),
            CommentAdded::Added
        );
    }
    let over = comment(&call, host, 9, true);
    assert_eq!(s.add_comment(&over, 3).await.unwrap(), CommentAdded::Full);
    assert!(s.get_comment(over.id).await.unwrap().is_none());
    assert_eq!(s.call_comments(call.id).await.unwrap().len(), 3);

    // Concurrent adds from two nodes never go past the bound.
    let other = f.reopen().await;
    let busy = bare_call(CallId::generate(), call.workspace_id, host, t0());
    s.insert_call(&busy, &[], &[], &[]).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            f.store.clone()
        } else {
            other.clone()
        };
        let c = comment(&busy, host, i, true);
        tasks.push(tokio::spawn(async move {
            store.add_comment(&c, 5).await.unwrap()
        }));
    }
    let mut added = 0;
    for t in tasks {
        if t.await.unwrap() == CommentAdded::Added {
            added += 1;
        }
    }
    assert_eq!(added, 5, "exactly the bound is admitted");
    assert_eq!(s.call_comments(busy.id).await.unwrap().len(), 5);
    assert_eq!(
        s.public_comments_of(&[busy.id]).await.unwrap()[&busy.id].len(),
        5
    );
}
