//! What users do with calls (listen, comment, share, give feedback, fill scorecards),
//! recorded as events, and the activity counters Gong's stats report over them.

use crate::{CallId, Timestamp, UserId};

/// Something a user did with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    Listen,
    Comment,
    ShareInternal,
    ShareExternal,
    FeedbackRequest,
    FeedbackGive,
    FeedbackMark,
    Scorecard,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 8] = [
        ActivityKind::Listen,
        ActivityKind::Comment,
        ActivityKind::ShareInternal,
        ActivityKind::ShareExternal,
        ActivityKind::FeedbackRequest,
        ActivityKind::FeedbackGive,
        ActivityKind::FeedbackMark,
        ActivityKind::Scorecard,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ActivityKind::Listen => "listen",
            ActivityKind::Comment => "comment",
            ActivityKind::ShareInternal => "share-internal",
            ActivityKind::ShareExternal => "share-external",
            ActivityKind::FeedbackRequest => "feedback-request",
            ActivityKind::FeedbackGive => "feedback-give",
            ActivityKind::FeedbackMark => "feedback-mark",
            ActivityKind::Scorecard => "scorecard",
        }
    }

    pub fn from_key(key: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// One recorded event. `subject` is the user on the receiving end (whose call was
/// commented, who got the feedback or the scorecard); it defaults to the call's host.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEvent {
    pub id: i64,
    pub kind: ActivityKind,
    pub actor: UserId,
    pub subject: Option<UserId>,
    pub call_id: CallId,
    pub at: Timestamp,
}

/// The fifteen per-user activity counters; each counts distinct calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Counter {
    CallsAsHost,
    CallsGaveFeedback,
    CallsRequestedFeedback,
    CallsReceivedFeedback,
    OwnCallsListenedTo,
    OthersCallsListenedTo,
    CallsSharedInternally,
    CallsSharedExternally,
    CallsScorecardsFilled,
    CallsScorecardsReceived,
    CallsAttended,
    CallsCommentsGiven,
    CallsCommentsReceived,
    CallsMarkedAsFeedbackGiven,
    CallsMarkedAsFeedbackReceived,
}

impl Counter {
    pub const ALL: [Counter; 15] = [
        Counter::CallsAsHost,
        Counter::CallsGaveFeedback,
        Counter::CallsRequestedFeedback,
        Counter::CallsReceivedFeedback,
        Counter::OwnCallsListenedTo,
        Counter::OthersCallsListenedTo,
        Counter::CallsSharedInternally,
        Counter::CallsSharedExternally,
        Counter::CallsScorecardsFilled,
        Counter::CallsScorecardsReceived,
        Counter::CallsAttended,
        Counter::CallsCommentsGiven,
        Counter::CallsCommentsReceived,
        Counter::CallsMarkedAsFeedbackGiven,
        Counter::CallsMarkedAsFeedbackReceived,
    ];
}

/// One contribution to a counter: `user`'s `counter` counts `call`, as of `at` (the call's
/// start for hosting and attending, the event's time for everything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityFact {
    pub user: UserId,
    pub counter: Counter,
    pub call: CallId,
    pub at: Timestamp,
}

/// The counters an event feeds: one for the actor, and one for the subject when the
/// event has a receiving end and the subject is someone else.
pub fn counters_of(kind: ActivityKind, actor: UserId, subject: UserId) -> Vec<(UserId, Counter)> {
    let own = actor == subject;
    match kind {
        ActivityKind::Listen if own => vec![(actor, Counter::OwnCallsListenedTo)],
        ActivityKind::Listen => vec![(actor, Counter::OthersCallsListenedTo)],
        ActivityKind::ShareInternal => vec![(actor, Counter::CallsSharedInternally)],
        ActivityKind::ShareExternal => vec![(actor, Counter::CallsSharedExternally)],
        ActivityKind::FeedbackRequest => vec![(actor, Counter::CallsRequestedFeedback)],
        ActivityKind::Comment => given_received(
            actor,
            subject,
            Counter::CallsCommentsGiven,
            Counter::CallsCommentsReceived,
        ),
        ActivityKind::FeedbackGive => given_received(
            actor,
            subject,
            Counter::CallsGaveFeedback,
            Counter::CallsReceivedFeedback,
        ),
        ActivityKind::FeedbackMark => given_received(
            actor,
            subject,
            Counter::CallsMarkedAsFeedbackGiven,
            Counter::CallsMarkedAsFeedbackReceived,
        ),
        ActivityKind::Scorecard => given_received(
            actor,
            subject,
            Counter::CallsScorecardsFilled,
            Counter::CallsScorecardsReceived,
        ),
    }
}

fn given_received(
    actor: UserId,
    subject: UserId,
    given: Counter,
    received: Counter,
) -> Vec<(UserId, Counter)> {
    if actor == subject {
        vec![(actor, given)]
    } else {
        vec![(actor, given), (subject, received)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_feed_the_actor_and_the_receiving_end() {
        let (a, b) = (UserId(1), UserId(2));
        assert_eq!(
            counters_of(ActivityKind::Listen, a, a),
            [(a, Counter::OwnCallsListenedTo)]
        );
        assert_eq!(
            counters_of(ActivityKind::Listen, a, b),
            [(a, Counter::OthersCallsListenedTo)]
        );
        assert_eq!(
            counters_of(ActivityKind::Scorecard, a, b),
            [
                (a, Counter::CallsScorecardsFilled),
                (b, Counter::CallsScorecardsReceived)
            ]
        );
        assert_eq!(
            counters_of(ActivityKind::Comment, a, a),
            [(a, Counter::CallsCommentsGiven)]
        );
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::from_key(k.key()), Some(k));
        }
    }
}
