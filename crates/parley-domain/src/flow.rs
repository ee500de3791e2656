//! Engage flows (sequences prospects are put through), prospects' runs through them, and
//! the company's integration settings (origins allowed to embed Parley's pages).
//!
//! The model is the minimum Gong's flows API needs: a flow belongs to a workspace and an
//! owner and is visible to the company, its owner, or those it is shared with; a prospect
//! (a CRM id) is put into a flow once, as an instance owned by a user.

use crate::{FlowId, FlowInstanceId, Timestamp, UserId, WorkspaceId};

macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $key:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stored name.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            pub fn from_key(key: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.key() == key)
            }
        }
    };
}

keyed_enum!(
    /// Who sees a flow.
    FlowVisibility {
        Company = "company",
        Personal = "personal",
        Shared = "shared",
    }
);

keyed_enum!(
    /// Where a prospect's run through a flow is.
    FlowInstanceStatus {
        Running = "running",
        Pending = "pending",
        Paused = "paused",
    }
);

keyed_enum!(
    /// Which embedded integration an allowed origin is for.
    IntegrationType {
        EmailComposer = "email_composer",
        AccountPages = "account_pages",
        Dialer = "dialer",
    }
);

/// A flow of a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub id: FlowId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub owner_id: UserId,
    pub visibility: FlowVisibility,
    /// The folder it is filed in, by name (flows without one are in none).
    pub folder: Option<String>,
    /// Whether a prospect in it may be in no other exclusive flow at the same time.
    pub exclusive: bool,
    pub created: Timestamp,
}

impl Flow {
    /// Whether `user` sees the flow: company flows are everyone's, personal and shared
    /// ones their owner's (Parley keeps no share list: a shared flow is seen by its
    /// owner, and by everyone who lists flows without naming an owner).
    pub fn visible_to_owner(&self, user: UserId) -> bool {
        self.visibility == FlowVisibility::Company || self.owner_id == user
    }
}

/// A prospect's run through a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowInstance {
    pub id: FlowInstanceId,
    pub flow_id: FlowId,
    /// The prospect's id in the CRM (a contact or lead).
    pub crm_prospect_id: String,
    pub owner_id: UserId,
    pub status: FlowInstanceStatus,
    pub created: Timestamp,
}

/// Why a prospect was not put into a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignRefusal {
    /// The id itself is unusable.
    InvalidArgument,
    /// The prospect is in this flow already, or in another exclusive one.
    InvalidState,
}

/// A prospect that was not put into a flow, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAssigned {
    pub flow_id: FlowId,
    pub crm_prospect_id: String,
    pub reason: AssignRefusal,
    pub message: String,
}

/// An origin allowed to embed one of Parley's integrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationSetting {
    pub integration_type: IntegrationType,
    pub allowed_origin: String,
    pub updated: Timestamp,
}

/// Prospects one assignment may name (Gong: 200).
pub const MAX_FLOW_PROSPECTS: usize = 200;

/// Whether `origin` is a web origin: `http(s)://host[:port]` and nothing after it.
pub fn is_web_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for v in FlowVisibility::ALL {
            assert_eq!(FlowVisibility::from_key(v.key()), Some(*v));
        }
        for v in FlowInstanceStatus::ALL {
            assert_eq!(FlowInstanceStatus::from_key(v.key()), Some(*v));
        }
        for v in IntegrationType::ALL {
            assert_eq!(IntegrationType::from_key(v.key()), Some(*v));
        }
        assert_eq!(IntegrationType::from_key("nope"), None);
    }

    #[test]
    fn web_origins() {
        for ok in [
            "https://acme.partner.com",
            "http://localhost:8080",
            "https://a-b.example",
        ] {
            assert!(is_web_origin(ok), "{ok}");
        }
        for bad in [
            "acme.com",
            "https://",
            "https://acme.com/path",
            "ftp://acme.com",
            "https://acme.com:",
            "https://acme.com:123456",
            "https://ac me.com",
        ] {
            assert!(!is_web_origin(bad), "{bad}");
        }
    }
}
