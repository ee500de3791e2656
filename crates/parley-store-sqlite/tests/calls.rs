//! Calls survive the store unchanged, whatever their text holds.

use chrono::{TimeZone, Utc};
use parley_domain::*;
use parley_store::{CallFilter, Store};

mod common;

#[tokio::test]
async fn every_call_field_round_trips_through_get_and_list() {
    let (_dir, s) = common::store().await;
    let now = Utc.with_ymd_and_hms(2026, 2, 3, 4, 5, 6).unwrap()
        + chrono::Duration::microseconds(789_012);
    let (ws, user) = common::workspace_and_user(&s, UserId(i64::MAX), now).await;
    let text = |t: &str| Some(format!("{t} \"quoted\" \\ back\nslash ünïcode 📞"));
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
    let empty = common::bare_call(
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
    assert_eq!(listed, vec![full, empty]);
}
