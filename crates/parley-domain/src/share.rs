//! A call shared outside the company: a link whose holder may read the call's transcript
//! and play its recording, without an account, until the link expires or is revoked.
//!
//! The link carries a random token; only its SHA-256 is stored, so a copy of the database
//! opens nothing. Each share is also the activity event that counts the call as shared
//! externally (`callsSharedExternally`).

use std::fmt;
use std::str::FromStr;

use crate::id::{parse_id, random_id, ParseIdError};
use crate::{CallId, Timestamp, UserId};

crate::id::id_type!(
    /// A link to a call for someone outside the company.
    ShareId,
);

/// A link to a call for someone outside the company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallShare {
    pub id: ShareId,
    pub call_id: CallId,
    /// The company user who made the link.
    pub created_by: UserId,
    /// Who it was made for, as its maker wrote it (a name or an address); a note, not a
    /// check: whoever holds the link opens it.
    pub recipient: Option<String>,
    pub created: Timestamp,
    pub expires: Timestamp,
    pub revoked: Option<Timestamp>,
    /// How many times the shared page was opened.
    pub views: u32,
    pub last_viewed: Option<Timestamp>,
}

impl CallShare {
    /// Whether the link opens at `now`: not revoked, not expired.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.revoked.is_none() && now < self.expires
    }
}

/// Bounds of sharing (settings `max_share_days`, `max_shares_per_call`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareBounds {
    /// The longest a link may stay open, in days.
    pub max_days: u32,
    /// Links a call may have, open or not (revoked and expired ones are kept as the record
    /// of who shared what, until the call goes).
    pub max_per_call: usize,
}

impl Default for ShareBounds {
    fn default() -> Self {
        ShareBounds {
            max_days: 365,
            max_per_call: 200,
        }
    }
}

/// The longest recipient note, in characters (an e-mail address fits).
pub const MAX_RECIPIENT_CHARS: usize = 254;

/// Days a link stays open when its maker does not say.
pub const DEFAULT_SHARE_DAYS: u32 = 30;

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;

    #[test]
    fn a_share_opens_until_it_expires_or_is_revoked() {
        let now = Utc::now();
        let mut s = CallShare {
            id: ShareId(1),
            call_id: CallId(2),
            created_by: UserId(3),
            recipient: None,
            created: now,
            expires: now + Duration::days(1),
            revoked: None,
            views: 0,
            last_viewed: None,
        };
        assert!(s.is_open(now));
        assert!(!s.is_open(now + Duration::days(1)));
        s.revoked = Some(now);
        assert!(!s.is_open(now));
    }
}
