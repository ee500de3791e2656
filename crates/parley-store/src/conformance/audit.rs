//! The audit log: appending, aggregation in place (also by two nodes at once), paging, pruning.

use chrono::{Duration, TimeZone, Utc};
use parley_domain::*;

use super::Harness;
use crate::{AuditFilter, AuditKey};

fn at(h: u32, m: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 6, 12, h, m, 0).unwrap()
}

fn key_use(key: &str, when: Timestamp, status: u16) -> AuditEntry {
    AuditEntry::new(
        when,
        Actor::ApiKey {
            access_key: key.into(),
            user_id: None,
        },
        AuditAction::KeyUse,
        Outcome::Status(status),
    )
    .from_ip("10.0.0.7".parse().ok())
}

fn write(when: Timestamp, path: &str) -> AuditEntry {
    AuditEntry::new(
        when,
        Actor::ApiKey {
            access_key: "K1".into(),
            user_id: Some(UserId(42)),
        },
        AuditAction::ApiWrite,
        Outcome::Status(201),
    )
    .from_ip("2001:db8::1".parse().ok())
    .with_request(RequestInfo::new(
        "POST",
        Some("/v2/calls/{id}/media"),
        path,
        [("workspaceId".to_owned(), "7".to_owned())],
    ))
    .on(["123".to_owned()])
}

fn all() -> AuditFilter {
    AuditFilter {
        log: None,
        from: None,
        to: None,
        newest_first: false,
    }
}

pub async fn single_entries_round_trip(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let e = write(at(10, 0), "/v2/calls/123/media");
    let cli = AuditEntry::new(
        at(10, 1),
        Actor::Cli {
            os_user: "ops".into(),
        },
        AuditAction::KeyRevoked,
        Outcome::Failed("not found".into()),
    )
    .on(["ABC".to_owned()]);
    let signed_in = AuditEntry::new(
        at(10, 2),
        Actor::User { user_id: UserId(9) },
        AuditAction::KeyRevoked,
        Outcome::Status(200),
    );
    s.append_audit(&[e.clone(), cli.clone(), signed_in.clone()])
        .await
        .unwrap();
    s.append_audit(&[]).await.unwrap();
    let got = s.list_audit(&all(), None, 10).await.unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].entry, e);
    assert_eq!(got[1].entry, cli);
    assert_eq!(got[2].entry, signed_in);
    assert!(got[0].id < got[1].id);
}

pub async fn key_use_is_counted_in_one_row_per_key_address_outcome_and_hour(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    s.append_audit(&[key_use("K1", at(10, 5), 200), key_use("K1", at(10, 7), 200)])
        .await
        .unwrap();
    let mut three = key_use("K1", at(10, 50), 200);
    three.count = 3;
    three.last_at = at(10, 59);
    s.append_audit(&[
        three,
        key_use("K1", at(10, 20), 404),
        key_use("K1", at(11, 1), 200),
    ])
    .await
    .unwrap();
    // An older flush arriving late does not move `last` back.
    s.append_audit(&[key_use("K1", at(10, 6), 200)])
        .await
        .unwrap();
    let got = s.list_audit(&all(), None, 10).await.unwrap();
    let summary: Vec<_> = got
        .iter()
        .map(|r| {
            (
                r.entry.at,
                r.entry.last_at,
                r.entry.count,
                r.entry.outcome.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (at(10, 5), at(10, 59), 6, Outcome::Status(200)),
            (at(10, 20), at(10, 20), 1, Outcome::Status(404)),
            (at(11, 1), at(11, 1), 1, Outcome::Status(200)),
        ]
    );
    s.append_audit(&[write(at(12, 0), "/a"), write(at(12, 0), "/a")])
        .await
        .unwrap();
    let writes = AuditFilter {
        log: Some(AuditLogKind::UserActivity),
        ..all()
    };
    assert_eq!(s.count_audit(&writes).await.unwrap(), 2);
}

pub async fn nodes_adding_to_the_same_hour_at_once_lose_no_count(h: &dyn Harness) {
    let f = h.fresh().await;
    let nodes = [f.store.clone(), f.reopen().await];
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let s = nodes[n as usize % 2].clone();
            tokio::spawn(async move {
                for k in 0..10 {
                    s.append_audit(&[key_use("K1", at(10, (n * 10 + k) % 60), 200)])
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let got = f.store.list_audit(&all(), None, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].entry.count, 80);
    assert_eq!(got[0].entry.last_at, at(10, 59));
}

pub async fn listings_page_by_time_either_way_and_filter_by_log_and_range(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let entries: Vec<_> = (0..7).map(|m| write(at(9, m), &format!("/p{m}"))).collect();
    s.append_audit(&entries).await.unwrap();
    // Two entries at the same time: the id orders them.
    s.append_audit(&[write(at(9, 3), "/p3b")]).await.unwrap();
    s.append_audit(&[key_use("K1", at(9, 3), 200)])
        .await
        .unwrap();
    let f = AuditFilter {
        log: Some(AuditLogKind::UserActivity),
        from: Some(at(9, 1)),
        to: Some(at(9, 6)),
        newest_first: false,
    };
    assert_eq!(s.count_audit(&f).await.unwrap(), 6);
    let mut paths = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_audit(&f, after, 2).await.unwrap();
        paths.extend(page.iter().map(|r| r.entry.request.clone().unwrap().path));
        match page.last() {
            Some(last) if page.len() == 2 => after = Some(AuditKey::of(last)),
            _ => break,
        }
    }
    assert_eq!(paths, ["/p1", "/p2", "/p3", "/p3b", "/p4", "/p5"]);

    let newest = AuditFilter {
        newest_first: true,
        ..all()
    };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s.list_audit(&newest, after, 3).await.unwrap();
        seen.extend(page.iter().map(|r| (r.entry.at, r.id)));
        match page.last() {
            Some(last) if page.len() == 3 => after = Some(AuditKey::of(last)),
            _ => break,
        }
    }
    assert_eq!(seen.len(), 9);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, by (at, id)");
    let access = AuditFilter {
        log: Some(AuditLogKind::Access),
        ..all()
    };
    assert_eq!(s.count_audit(&access).await.unwrap(), 1);
    assert_eq!(s.count_audit(&all()).await.unwrap(), 9);
}

pub async fn pruning_removes_only_older_entries_in_batches(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let now = at(12, 0);
    // More than one batch of 5,000.
    let old: Vec<_> = (0..5_012)
        .map(|n| write(now - Duration::days(30) - Duration::seconds(n), "/old"))
        .collect();
    s.append_audit(&old).await.unwrap();
    s.append_audit(&[write(now, "/new"), key_use("K1", now, 200)])
        .await
        .unwrap();
    assert_eq!(s.prune_audit(now - Duration::days(7)).await.unwrap(), 5_012);
    assert_eq!(s.count_audit(&all()).await.unwrap(), 2);
    assert_eq!(s.prune_audit(now - Duration::days(7)).await.unwrap(), 0);
}
