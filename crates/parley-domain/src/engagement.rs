//! Customer engagement: what people outside the company did with content (viewed, shared,
//! acted on it) and their digital interactions, as reported by other systems. Each is an
//! event on the timeline of the CRM objects (accounts, opportunities, contacts, leads) it
//! names.

use crate::{EngagementId, Timestamp, WorkspaceId};

/// The longest text kept in an event's indexed fields (titles, URLs, ids, names).
pub const MAX_ENGAGEMENT_TEXT: usize = 2048;
/// The most CRM objects one event names.
pub const MAX_ENGAGEMENT_OBJECTS: usize = 50;
/// The most properties, custom fields, recipients or participants in one list.
pub const MAX_ENGAGEMENT_LIST: usize = 200;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngagementKind {
    ContentViewed,
    ContentShared,
    Action,
    DigitalInteraction,
}

impl EngagementKind {
    pub const ALL: [EngagementKind; 4] = [
        EngagementKind::ContentViewed,
        EngagementKind::ContentShared,
        EngagementKind::Action,
        EngagementKind::DigitalInteraction,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EngagementKind::ContentViewed => "content-viewed",
            EngagementKind::ContentShared => "content-shared",
            EngagementKind::Action => "action",
            EngagementKind::DigitalInteraction => "digital-interaction",
        }
    }

    pub fn from_key(key: &str) -> Option<EngagementKind> {
        EngagementKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A CRM object an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRef {
    /// The CRM (`Salesforce`, `Generic`, a system name), when the sender says.
    pub system: Option<String>,
    /// `Account`, `Opportunity`, `Contact`, `Lead`, ... as sent.
    pub object_type: String,
    pub object_id: String,
}

/// One reported event.
#[derive(Debug, Clone, PartialEq)]
pub struct EngagementEvent {
    pub id: EngagementId,
    pub kind: EngagementKind,
    pub workspace_id: WorkspaceId,
    /// The system that reported it (`reportingSystem`, a digital interaction's source).
    pub source: String,
    /// The sender's id of the event: the same (kind, source, id) is reported once.
    pub event_id: Option<String>,
    /// When it happened.
    pub at: Timestamp,
    pub title: Option<String>,
    pub url: Option<String>,
    /// The action's name, or a digital interaction's type (`page viewed`).
    pub action: Option<String>,
    /// The email of who viewed, acted or interacted, when known.
    pub person_email: Option<String>,
    pub objects: Vec<CrmRef>,
    /// Everything the sender said, as sent (the fields above are picked from it).
    pub detail: serde_json::Value,
    /// When Parley received it.
    pub recorded: Timestamp,
}

/// Which events a timeline shows; all members combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngagementFilter {
    pub workspace_id: Option<WorkspaceId>,
    /// `(object type, object id)`; the type compared without case.
    pub object: Option<(String, String)>,
    /// Compared without case.
    pub person_email: Option<String>,
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_their_keys() {
        for k in EngagementKind::ALL {
            assert_eq!(EngagementKind::from_key(k.key()), Some(k));
        }
        assert_eq!(EngagementKind::from_key("viewed"), None);
    }
}
