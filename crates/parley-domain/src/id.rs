//! Numeric identifiers.
//!
//! Gong-style ids are positive 63-bit integers, usually 19 digits long. We mint them at
//! random (not sequentially) so that ids reveal neither volume nor order, and keep them
//! in the signed range so every SQL engine stores them as a plain 64-bit integer.

use std::fmt;
use std::str::FromStr;

use rand::Rng;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            /// A fresh random id with 19 digits.
            pub fn generate() -> Self {
                Self(random_id())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                parse_id(s).map(Self)
            }
        }

        // As a decimal string, so that 19-digit ids survive JSON readers that hold
        // numbers as doubles (anyone reading stored analysis JSON with plain SQL tools).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(serde::Deserialize)]
                #[serde(untagged)]
                enum Raw {
                    Text(String),
                    Number(i64),
                }
                match Raw::deserialize(d)? {
                    Raw::Number(n) => Ok(Self(n)),
                    Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
                }
            }
        }
    )*};
}
// Other modules mint id types of their own with it (`scorecard`).
pub(crate) use id_type;

id_type!(
    /// A call (conversation) id.
    CallId,
    /// A user of the company.
    UserId,
    /// A workspace (a partition of calls, trackers and settings).
    WorkspaceId,
    /// A participant of one call.
    PartyId,
    /// A voice in one call's transcript; parties point at it.
    SpeakerId,
    /// A keyword tracker.
    TrackerId,
    /// A permission profile (what its users may see and do in one workspace).
    ProfileId,
    /// An Engage flow (a sequence of steps prospects are put through).
    FlowId,
    /// One prospect's run through a flow.
    FlowInstanceId,
);

id_type!(
    /// A library folder.
    FolderId,
    /// A call or snippet in a library folder.
    FolderItemId,
    /// A scheduled meeting (becomes a call when it is recorded).
    MeetingId,
    /// A customer engagement event or digital interaction.
    EngagementId,
);

/// The text was not a numeric id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a numeric id: {0:?}")]
pub struct ParseIdError(pub String);

/// Parses an id the way clients send them: a string of at most 19 ASCII digits.
/// Signs, spaces and leading `+` are refused so that one id has one spelling.
pub fn parse_id(s: &str) -> Result<i64, ParseIdError> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseIdError(s.to_owned()));
    }
    s.parse::<i64>().map_err(|_| ParseIdError(s.to_owned()))
}

/// A random id in `[10^18, i64::MAX]`, so it always prints with 19 digits.
pub fn random_id() -> i64 {
    rand::thread_rng().gen_range(1_000_000_000_000_000_000..=i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_have_19_digits() {
        for _ in 0..1000 {
            let id = CallId::generate();
            assert_eq!(id.to_string().len(), 19);
            assert_eq!(id.to_string().parse::<CallId>(), Ok(id));
        }
    }

    #[test]
    fn non_numeric_ids_are_refused() {
        for bad in [
            "",
            "-1",
            "+5",
            " 5",
            "12a",
            "99999999999999999999",
            "9223372036854775808",
        ] {
            assert!(parse_id(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(parse_id("0042"), Ok(42));
    }
}
