//! Who may do what: roles, scopes, and the principal a request acts as.
//!
//! Scopes are Gong's OAuth scope strings (`api:calls:read:basic`…), so that a key made in
//! Parley reads like the app permissions integrators already configure for Gong, plus
//! Parley's own for the `/parley/v1` API (`parley:…`). A key carries a set of them; an
//! endpoint needs one (the application core's operation table says which).

use std::collections::BTreeSet;
use std::fmt;

use crate::{UserId, WorkspaceId};

/// What a person may do in the company, beyond what their keys' scopes allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Sees their own calls and the calls they attended; changes no company settings.
    Member,
    /// Also sees the calls of everyone who reports to them, down the manager tree.
    Manager,
    /// Sees everything and changes company settings: users, keys, trackers, topics.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Manager, Role::Admin];

    pub fn key(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

macro_rules! scopes {
    ($($(#[$meta:meta])* $name:ident = $text:literal, read = $read:literal;)*) => {
        /// One permission a key or token can carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Scope {
            $($(#[$meta])* $name,)*
        }

        impl Scope {
            pub const ALL: &'static [Scope] = &[$(Scope::$name,)*];

            /// The scope's string: Gong's for Gong's endpoints, `parley:…` for Parley's.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Scope::$name => $text,)*
                }
            }

            /// Whether the scope only reads (part of the `read-only` preset).
            pub fn is_read(self) -> bool {
                match self {
                    $(Scope::$name => $read,)*
                }
            }
        }
    };
}

scopes! {
    CallsReadBasic = "api:calls:read:basic", read = true;
    CallsReadExtensive = "api:calls:read:extensive", read = true;
    CallsReadMediaUrl = "api:calls:read:media-url", read = true;
    CallsReadTranscript = "api:calls:read:transcript", read = true;
    CallsCreate = "api:calls:create", read = false;
    CrmCallsManualAssociationRead = "api:crm-calls:manual-association:read", read = true;
    CallUserAccessRead = "api:call-user-access:read", read = true;
    CallUserAccessWrite = "api:call-user-access:write", read = false;
    WorkspacesRead = "api:workspaces:read", read = true;
    UsersRead = "api:users:read", read = true;
    StatsUserActions = "api:stats:user-actions", read = true;
    StatsUserActionsDetailed = "api:stats:user-actions:detailed", read = true;
    StatsScorecards = "api:stats:scorecards", read = true;
    StatsInteraction = "api:stats:interaction", read = true;
    SettingsScorecardsRead = "api:settings:scorecards:read", read = true;
    SettingsTrackersRead = "api:settings:trackers:read", read = true;
    LibraryRead = "api:library:read", read = true;
    MeetingsUserCreate = "api:meetings:user:create", read = false;
    MeetingsUserUpdate = "api:meetings:user:update", read = false;
    MeetingsUserDelete = "api:meetings:user:delete", read = false;
    MeetingsIntegrationStatus = "api:meetings:integration:status", read = false;
    EngagementDataWrite = "api:engagement-data:write", read = false;
    DigitalInteractionsWrite = "api:digital-interactions:write", read = false;
    DataPrivacyRead = "api:data-privacy:read", read = true;
    DataPrivacyDelete = "api:data-privacy:delete", read = false;
    CrmIntegrationsRead = "api:crm:integrations:read", read = true;
    CrmIntegrationRegister = "api:crm:integration:register", read = false;
    CrmIntegrationDelete = "api:crm:integration:delete", read = false;
    CrmSchema = "api:crm:schema", read = false;
    CrmUpload = "api:crm:upload", read = false;
    CrmGetObjects = "api:crm:get-objects", read = true;
    FlowsRead = "api:flows:read", read = true;
    FlowsWrite = "api:flows:write", read = false;
    PermissionProfileRead = "api:permission-profile:read", read = true;
    PermissionProfileWrite = "api:permission-profile:write", read = false;
    LogsRead = "api:logs:read", read = true;
    CoachingRead = "api:coaching:read", read = true;
    IntegrationSettingsWrite = "api:integration-settings:write", read = false;
    /// Parley: create workspaces and users, change users.
    AdminWrite = "parley:admin:write", read = false;
    /// Parley: list keys (never their secrets).
    KeysRead = "parley:keys:read", read = true;
    /// Parley: create, rotate and revoke keys.
    KeysWrite = "parley:keys:write", read = false;
    /// Parley: trackers and topics.
    SettingsWrite = "parley:settings:write", read = false;
    /// Parley: read trackers, topics, speakers, analyses and jobs.
    ParleyRead = "parley:read", read = true;
    /// Parley: transcripts, speaker corrections, analysis runs, activity events.
    CallsWrite = "parley:calls:write", read = false;
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scopes of a key, as a set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSet(BTreeSet<Scope>);

/// A scope list that names a scope no one knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {0:?}: use read-only, full, or scopes such as api:calls:read:basic")]
pub struct UnknownScope(pub String);

impl ScopeSet {
    /// Every scope (the `full` preset; keys made before scopes existed have it).
    pub fn full() -> ScopeSet {
        ScopeSet(Scope::ALL.iter().copied().collect())
    }

    /// Every reading scope (the `read-only` preset).
    pub fn read_only() -> ScopeSet {
        ScopeSet(Scope::ALL.iter().copied().filter(|s| s.is_read()).collect())
    }

    /// Reads scopes separated by spaces or commas; `full` and `read-only` stand for
    /// their presets and may be mixed with single scopes.
    pub fn parse(text: &str) -> Result<ScopeSet, UnknownScope> {
        let mut set = BTreeSet::new();
        for word in text.split([' ', ',']).filter(|w| !w.is_empty()) {
            match word {
                "full" | "all" => set.extend(Scope::ALL.iter().copied()),
                "read-only" | "read" => set.extend(ScopeSet::read_only().0),
                w => {
                    set.insert(Scope::parse(w).ok_or_else(|| UnknownScope(w.to_owned()))?);
                }
            }
        }
        Ok(ScopeSet(set))
    }

    pub fn contains(&self, s: Scope) -> bool {
        self.0.contains(&s)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `full` or `read-only` when the set is exactly a preset.
    pub fn preset_name(&self) -> Option<&'static str> {
        if *self == ScopeSet::full() {
            Some("full")
        } else if *self == ScopeSet::read_only() {
            Some("read-only")
        } else {
            None
        }
    }
}

/// Space-separated scope strings, as OAuth writes them.
impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(s.as_str())?;
            first = false;
        }
        Ok(())
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet(iter.into_iter().collect())
    }
}

/// Who a request acts as: what the credentials allow, already resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The access key (or token id) the request came with; names the caller in logs only
    /// as a fingerprint.
    pub key: String,
    /// The user the key belongs to; `None` for a company key.
    pub user: Option<UserId>,
    /// The owner's role; company keys act as an admin (Gong's technical admin keys).
    pub role: Role,
    pub scopes: ScopeSet,
    /// When set, the key reaches only this workspace.
    pub workspace: Option<WorkspaceId>,
    /// Set when a permission profile's capability stands in for a role the user lacks
    /// (say, changing trackers without being an admin): the request then reaches only the
    /// workspaces where their profile grants it.
    pub profile_reach: Option<Vec<WorkspaceId>>,
}

impl Principal {
    /// The operator at the command line: the company itself, reaching everything.
    pub fn operator() -> Principal {
        Principal {
            key: "cli".into(),
            user: None,
            role: Role::Admin,
            scopes: ScopeSet::full(),
            workspace: None,
            profile_reach: None,
        }
    }

    /// Whether the principal may see data of `workspace`.
    pub fn reaches(&self, workspace: WorkspaceId) -> bool {
        self.workspace.is_none_or(|w| w == workspace)
            && self
                .profile_reach
                .as_ref()
                .is_none_or(|list| list.contains(&workspace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_strings_round_trip_and_are_unique() {
        let mut seen = BTreeSet::new();
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(*s));
            assert!(seen.insert(s.as_str()), "{s} twice");
        }
    }

    #[test]
    fn scope_lists_parse_with_presets() {
        let set = ScopeSet::parse("api:calls:read:basic, api:users:read").unwrap();
        assert_eq!(set.to_string(), "api:calls:read:basic api:users:read");
        assert_eq!(ScopeSet::parse("full").unwrap(), ScopeSet::full());
        let ro = ScopeSet::parse("read-only").unwrap();
        assert!(ro.contains(Scope::CallsReadTranscript));
        assert!(!ro.contains(Scope::CallsCreate));
        assert_eq!(ro.preset_name(), Some("read-only"));
        assert_eq!(
            ScopeSet::parse("api:calls:read:basic api:nope"),
            Err(UnknownScope("api:nope".into()))
        );
        assert!(ScopeSet::parse("").unwrap().is_empty());
        assert_eq!(
            ScopeSet::parse(&ScopeSet::full().to_string()).unwrap(),
            ScopeSet::full()
        );
    }

    #[test]
    fn roles_parse() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(r));
        }
        assert!(Role::Admin > Role::Manager && Role::Manager > Role::Member);
    }
}
