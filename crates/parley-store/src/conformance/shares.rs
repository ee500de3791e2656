//! Calls shared outside the company: round trips, the bound per call, revoking, opening
//! by the token's hash (counting views), the activity event written with each link, and
//! the links going with their call.

use chrono::Duration;
use parley_domain::share::{CallShare, ShareId};
use parley_domain::*;

use super::{a_call, bare_call, t0, Harness};
use crate::ShareAdded;

fn share(call: &Call, minutes: i64, days: i64) -> CallShare {
    CallShare {
        id: ShareId::generate(),
        call_id: call.id,
        created_by: call.primary_user_id,
        recipient: (minutes % 2 == 0).then(|| format!("buyer{minutes}@customer.example.com")),
        created: t0() + Duration::minutes(minutes),
        expires: t0() + Duration::minutes(minutes) + Duration::days(days),
        revoked: None,
        views: 0,
        last_viewed: None,
    }
}

async fn external_shares(s: &dyn crate::Store) -> usize {
    s.activity_facts(t0(), t0() + Duration::days(1), None)
        .await
        .unwrap()
        .iter()
        .filter(|f| f.counter == Counter::CallsSharedExternally)
        .count()
}

pub async fn shares_round_trip_open_by_token_and_revoke(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    let first = share(&call, 1, 30);
    let second = share(&call, 2, 1);
    assert_eq!(
        s.add_share(&first, "hash-1", 10).await.unwrap(),
        ShareAdded::Added
    );
    assert_eq!(
        s.add_share(&second, "hash-2", 10).await.unwrap(),
        ShareAdded::Added
    );
    assert_eq!(external_shares(s).await, 2, "each link is a share event");
    // Newest first, as stored.
    assert_eq!(
        s.call_shares(call.id).await.unwrap(),
        vec![second.clone(), first.clone()]
    );
    // The same token twice is refused (the hash is unique).
    let again = share(&call, 3, 1);
    assert!(s.add_share(&again, "hash-1", 10).await.is_err());

    // Opening: unknown, open, counted, not counted, expired.
    let now = t0() + Duration::hours(1);
    assert_eq!(s.open_share("nope", now, true).await.unwrap(), None);
    let seen = s.open_share("hash-1", now, true).await.unwrap().unwrap();
    assert_eq!(
        (seen.id, seen.views, seen.last_viewed),
        (first.id, 1, Some(now))
    );
    let peek = s.open_share("hash-1", now, false).await.unwrap().unwrap();
    assert_eq!(peek.views, 1, "a peek is not a view");
    let later = t0() + Duration::days(2);
    assert_eq!(s.open_share("hash-2", later, true).await.unwrap(), None);
    assert!(s
        .open_share("hash-1", later, false)
        .await
        .unwrap()
        .is_some());

    // Revoking: only through its own call; the first time is kept.
    let other = bare_call(
        CallId::generate(),
        call.workspace_id,
        call.primary_user_id,
        t0(),
    );
    s.insert_call(&other, &[], &[], &[]).await.unwrap();
    assert_eq!(s.revoke_share(other.id, first.id, now).await.unwrap(), None);
    assert_eq!(
        s.revoke_share(call.id, ShareId::generate(), now)
            .await
            .unwrap(),
        None
    );
    let revoked = s
        .revoke_share(call.id, first.id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked, Some(now));
    let twice = s
        .revoke_share(call.id, first.id, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(twice.revoked, Some(now));
    assert_eq!(s.open_share("hash-1", now, true).await.unwrap(), None);
    assert_eq!(s.call_shares(call.id).await.unwrap()[1].views, 1);

    // A link of an unknown call or maker is refused, nothing stored.
    let mut orphan = share(&call, 4, 1);
    orphan.call_id = CallId::generate();
    assert!(s.add_share(&orphan, "hash-4", 10).await.is_err());
    assert_eq!(external_shares(s).await, 2);

    // The links go with their call.
    s.delete_call(call.id, now).await.unwrap();
    assert!(s.call_shares(call.id).await.unwrap().is_empty());
    assert_eq!(s.open_share("hash-2", now, false).await.unwrap(), None);
}

pub async fn a_call_holds_at_most_its_bound_of_shares(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = a_call(s).await;
    // Concurrent adds from two nodes never go past the bound.
    let other = f.reopen().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            f.store.clone()
        } else {
            other.clone()
        };
        let sh = share(&call, i, 1);
        tasks.push(tokio::spawn(async move {
            store
                .add_share(&sh, &format!("bound-{i}"), 5)
                .await
                .unwrap()
        }));
    }
    let mut added = 0;
    for t in tasks {
        if t.await.unwrap() == ShareAdded::Added {
            added += 1;
        }
    }
    assert_eq!(added, 5, "exactly the bound is admitted");
    assert_eq!(s.call_shares(call.id).await.unwrap().len(), 5);
    assert_eq!(external_shares(s).await, 5);
}
