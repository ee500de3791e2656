//! Permission profiles: what the users given one may see and do in one workspace (Gong's
//! permission profiles). A user has at most one profile per workspace; where they have
//! none, their [`Role`](crate::Role) decides: admins see every call, managers their own and
//! their reports', members their own.
//!
//! Call access is the part Parley enforces today ([`CallAccess`]): every call listing and
//! every read of one call goes through it. The other areas and the capabilities are stored
//! and served as Gong serves them, for the tools that manage profiles through the API.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::{ProfileId, Role, UserId, WorkspaceId};

/// How far an access area reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// Everything in the workspace.
    All,
    /// What belongs to the teams of the named team leads (down their manager trees).
    ManagersTeam,
    /// One's own and that of everyone reporting to one, down the manager tree.
    ReportToThem,
    /// One's own (for calls: hosted or attended).
    Own,
    None,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::All,
        AccessLevel::ManagersTeam,
        AccessLevel::ReportToThem,
        AccessLevel::Own,
        AccessLevel::None,
    ];

    /// The stored name.
    pub fn key(self) -> &'static str {
        match self {
            AccessLevel::All => "all",
            AccessLevel::ManagersTeam => "managers_team",
            AccessLevel::ReportToThem => "report_to_them",
            AccessLevel::Own => "own",
            AccessLevel::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<AccessLevel> {
        AccessLevel::ALL.into_iter().find(|l| l.key() == s)
    }
}

/// One area's access: a level, and for [`AccessLevel::ManagersTeam`] whose teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub level: AccessLevel,
    pub team_leads: Vec<UserId>,
}

impl Access {
    pub const NONE: Access = Access {
        level: AccessLevel::None,
        team_leads: Vec::new(),
    };

    pub fn at(level: AccessLevel) -> Access {
        Access {
            level,
            team_leads: Vec::new(),
        }
    }
}

macro_rules! keyed_enum {
    ($(#[$outer:meta])* $ty:ident { $($(#[$meta:meta])* $name:ident = $key:literal,)* }) => {
        $(#[$outer])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $ty {
            $($(#[$meta])* $name,)*
        }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$name,)*];

            /// The stored name.
            pub fn key(self) -> &'static str {
                match self {
                    $($ty::$name => $key,)*
                }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                $ty::ALL.iter().copied().find(|x| x.key() == s)
            }
        }
    };
}

keyed_enum! {
    /// The areas a profile grants access to by level.
    AccessArea {
        Calls = "calls",
        Deals = "deals",
        Forecast = "forecast",
        ForecastEditSubmissions = "forecast_edit_submissions",
        ForecastEditTargets = "forecast_edit_targets",
        Coaching = "coaching",
        Insights = "insights",
        Usage = "usage",
        Emails = "emails",
    }
}

keyed_enum! {
    /// What a profile allows beyond access levels: each is on or off.
    Capability {
        ScoreCalls = "score_calls",
        OverrideScore = "override_score",
        DownloadCallMedia = "download_call_media",
        ShareCallsWithCustomers = "share_calls_with_customers",
        ManuallyScheduleAndUploadCalls = "manually_schedule_and_upload_calls",
        PrivateCalls = "private_calls",
        DeleteCalls = "delete_calls",
        TrimCalls = "trim_calls",
        ListenInCalls = "listen_in_calls",
        DeleteEmails = "delete_emails",
        CallsAndSearch = "calls_and_search",
        Library = "library",
        Deals = "deals",
        CreateEditAndDeleteDealsBoards = "create_edit_and_delete_deals_boards",
        DealsInlineEditing = "deals_inline_editing",
        Account = "account",
        Coaching = "coaching",
        Usage = "usage",
        TeamStats = "team_stats",
        Initiatives = "initiatives",
        Market = "market",
        Activity = "activity",
        Forecast = "forecast",
        ForecastManage = "forecast_manage",
        EngageManageCompanyTemplates = "engage_manage_company_templates",
        EngageManageCompanySequences = "engage_manage_company_sequences",
        EngageCreateAndManageRulesets = "engage_create_and_manage_rulesets",
        EngageSnoozeFlowToDosForOthers = "engage_snooze_flow_to_dos_for_others",
        ViewEngageAnalyticsActivity = "view_engage_analytics_activity",
        ViewEngageAnalyticsPerformance = "view_engage_analytics_performance",
        ViewEngageAnalyticsFlows = "view_engage_analytics_flows",
        ManageGeneralBusinessSettings = "manage_general_business_settings",
        ManageScorecards = "manage_scorecards",
        ExportCallsAndCoachingDataToCsv = "export_calls_and_coaching_data_to_csv",
        CrmDataInlineEditing = "crm_data_inline_editing",
        CrmDataImport = "crm_data_import",
        ViewRevenueAnalytics = "view_revenue_analytics",
        ManageRevenueAnalytics = "manage_revenue_analytics",
        EngageAllowCrmFieldsViewChange = "engage_allow_crm_fields_view_change",
        EngageReassignFlowToDosToOthers = "engage_reassign_flow_to_dos_to_others",
        EngageAssignFlowToDosToOthers = "engage_assign_flow_to_dos_to_others",
        DealsDataExport = "deals_data_export",
        AiBuilder = "ai_builder",
    }
}

keyed_enum! {
    /// How much of the library a profile reaches.
    LibraryLevel {
        None = "none",
        All = "all",
        SpecificFolders = "specific_folders",
    }
}

/// Library access: a level, the folders for [`LibraryLevel::SpecificFolders`], and what
/// one may manage there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryAccess {
    pub level: LibraryLevel,
    pub folders: Vec<i64>,
    pub manage_public_folder: bool,
    pub manage_streams: bool,
    pub manage_folder_calls: bool,
    pub share_folders_and_streams: bool,
}

impl Default for LibraryAccess {
    fn default() -> Self {
        LibraryAccess {
            level: LibraryLevel::None,
            folders: Vec::new(),
            manage_public_folder: false,
            manage_streams: false,
            manage_folder_calls: false,
            share_folders_and_streams: false,
        }
    }
}

/// The most team leads or library folders one profile names.
pub const MAX_PROFILE_LIST: usize = 1000;
pub const MAX_PROFILE_NAME: usize = 256;
pub const MAX_PROFILE_DESCRIPTION: usize = 4096;

/// A permission profile of one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionProfile {
    pub id: ProfileId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: Option<String>,
    /// Areas not named here have no access.
    pub access: BTreeMap<AccessArea, Access>,
    pub library: LibraryAccess,
    pub capabilities: BTreeSet<Capability>,
}

/// A change to a profile: what is named changes, the rest stays. Creating a profile
/// applies a patch to [`PermissionProfile::blank`] (no access, no capabilities), as Gong
/// does with omitted fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub access: BTreeMap<AccessArea, Access>,
    pub library: Option<LibraryAccess>,
    pub capabilities: BTreeMap<Capability, bool>,
}

impl PermissionProfile {
    pub fn blank(id: ProfileId, workspace_id: WorkspaceId) -> PermissionProfile {
        PermissionProfile {
            id,
            workspace_id,
            name: String::new(),
            description: None,
            access: BTreeMap::new(),
            library: LibraryAccess::default(),
            capabilities: BTreeSet::new(),
        }
    }

    /// An area's access (none when not set).
    pub fn access(&self, area: AccessArea) -> &Access {
        static NO_ACCESS: Access = Access::NONE;
        self.access.get(&area).unwrap_or(&NO_ACCESS)
    }

    pub fn apply(&mut self, patch: ProfilePatch) {
        if let Some(name) = patch.name {
            self.name = name.trim().to_owned();
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        for (area, access) in patch.access {
            self.access.insert(area, access);
        }
        if let Some(library) = patch.library {
            self.library = library;
        }
        for (c, on) in patch.capabilities {
            if on {
                self.capabilities.insert(c);
            } else {
                self.capabilities.remove(&c);
            }
        }
        // No access is the same as no entry: one form, so equal profiles compare equal.
        self.access.retain(|_, a| a.level != AccessLevel::None);
        // Team leads mean something only at the managers-team level.
        for access in self.access.values_mut() {
            if access.level != AccessLevel::ManagersTeam {
                access.team_leads.clear();
            }
            access.team_leads.sort();
            access.team_leads.dedup();
        }
        if self.library.level != LibraryLevel::SpecificFolders {
            self.library.folders.clear();
        }
        self.library.folders.sort();
        self.library.folders.dedup();
    }

    /// Whether the profile is well formed; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() {
            return Err("a permission profile needs a name".into());
        }
        if self.name.chars().count() > MAX_PROFILE_NAME {
            return Err(format!(
                "a permission profile name has at most {MAX_PROFILE_NAME} characters"
            ));
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_PROFILE_DESCRIPTION)
        {
            return Err(format!(
                "a permission profile description has at most {MAX_PROFILE_DESCRIPTION} characters"
            ));
        }
        for (area, access) in &self.access {
            if access.level == AccessLevel::ManagersTeam && access.team_leads.is_empty() {
                return Err(format!(
                    "{} access at the managers-team level names at least one team lead",
                    area.key()
                ));
            }
            if access.team_leads.len() > MAX_PROFILE_LIST {
                return Err(format!(
                    "{} access names at most {MAX_PROFILE_LIST} team leads",
                    area.key()
                ));
            }
        }
        let lib = &self.library;
        if lib.level == LibraryLevel::None
            && (lib.manage_public_folder
                || lib.manage_streams
                || lib.manage_folder_calls
                || lib.share_folders_and_streams)
        {
            return Err("library permissions need library access other than none".into());
        }
        if lib.level == LibraryLevel::SpecificFolders && lib.folders.is_empty() {
            return Err("library access to specific folders names at least one folder".into());
        }
        if lib.folders.len() > MAX_PROFILE_LIST {
            return Err(format!(
                "library access names at most {MAX_PROFILE_LIST} folders"
            ));
        }
        Ok(())
    }

    /// Every user the profile names (team leads), to check they exist.
    pub fn named_users(&self) -> BTreeSet<UserId> {
        self.access
            .values()
            .flat_map(|a| a.team_leads.iter().copied())
            .collect()
    }
}

/// Whose calls someone sees in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Audience {
    Everyone,
    /// Calls one of these users hosted or attended; empty: none.
    Users(Vec<UserId>),
}

/// Whose calls someone sees, workspace by workspace: where their profile says, else by
/// their role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallAccess {
    pub default: Audience,
    pub by_workspace: BTreeMap<WorkspaceId, Audience>,
    /// The user whose individually granted calls (Gong's per-user call access) are
    /// visible too, wherever the audiences above would hide them.
    pub granted_to: Option<UserId>,
}

impl CallAccess {
    pub fn everything() -> CallAccess {
        CallAccess {
            default: Audience::Everyone,
            by_workspace: BTreeMap::new(),
            granted_to: None,
        }
    }

    pub fn is_everything(&self) -> bool {
        self.default == Audience::Everyone
            && self.by_workspace.values().all(|a| *a == Audience::Everyone)
    }

    pub fn in_workspace(&self, w: WorkspaceId) -> &Audience {
        self.by_workspace.get(&w).unwrap_or(&self.default)
    }

    /// Whether a call of `workspace`, hosted by `host` and attended by `attendees`, is
    /// visible by the audiences (a call granted to [`Self::granted_to`] is visible
    /// whatever this says).
    pub fn sees(
        &self,
        workspace: WorkspaceId,
        host: UserId,
        attendees: impl IntoIterator<Item = UserId>,
    ) -> bool {
        match self.in_workspace(workspace) {
            Audience::Everyone => true,
            Audience::Users(users) => {
                users.contains(&host) || attendees.into_iter().any(|u| users.contains(&u))
            }
        }
    }
}

/// The manager tree: who reports directly to whom.
#[derive(Debug, Clone, Default)]
pub struct Reports(HashMap<UserId, Vec<UserId>>);

impl Reports {
    /// From `(user, manager)` pairs.
    pub fn from_managers(pairs: impl IntoIterator<Item = (UserId, Option<UserId>)>) -> Reports {
        let mut map: HashMap<UserId, Vec<UserId>> = HashMap::new();
        for (user, manager) in pairs {
            if let Some(m) = manager {
                map.entry(m).or_default().push(user);
            }
        }
        Reports(map)
    }

    /// The roots and everyone under them, sorted; a cycle in bad data ends the walk.
    pub fn teams_of(&self, roots: impl IntoIterator<Item = UserId>) -> Vec<UserId> {
        let mut seen: HashSet<UserId> = HashSet::new();
        let mut next: Vec<UserId> = Vec::new();
        for r in roots {
            if seen.insert(r) {
                next.push(r);
            }
        }
        while let Some(u) = next.pop() {
            for r in self.0.get(&u).into_iter().flatten() {
                if seen.insert(*r) {
                    next.push(*r);
                }
            }
        }
        let mut all: Vec<UserId> = seen.into_iter().collect();
        all.sort();
        all
    }
}

/// Whose calls `me` sees at call access `access`.
pub fn call_audience(me: UserId, access: &Access, reports: &Reports) -> Audience {
    match access.level {
        AccessLevel::All => Audience::Everyone,
        AccessLevel::ManagersTeam => Audience::Users(
            reports.teams_of(std::iter::once(me).chain(access.team_leads.iter().copied())),
        ),
        AccessLevel::ReportToThem => Audience::Users(reports.teams_of([me])),
        AccessLevel::Own => Audience::Users(vec![me]),
        AccessLevel::None => Audience::Users(Vec::new()),
    }
}

/// The call access a role gives where no profile says otherwise.
pub fn role_call_access(role: Role) -> Access {
    Access::at(match role {
        Role::Admin => AccessLevel::All,
        Role::Manager => AccessLevel::ReportToThem,
        Role::Member => AccessLevel::Own,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: i64) -> UserId {
        UserId(n)
    }

    #[test]
    fn stored_names_round_trip() {
        for l in AccessLevel::ALL {
            assert_eq!(AccessLevel::parse(l.key()), Some(l));
        }
        for a in AccessArea::ALL {
            assert_eq!(AccessArea::parse(a.key()), Some(*a));
        }
        let mut seen = BTreeSet::new();
        for c in Capability::ALL {
            assert_eq!(Capability::parse(c.key()), Some(*c));
            assert!(seen.insert(c.key()), "{c:?} twice");
        }
        for l in LibraryLevel::ALL {
            assert_eq!(LibraryLevel::parse(l.key()), Some(*l));
        }
    }

    #[test]
    fn a_patch_changes_only_what_it_names_and_drops_meaningless_lists() {
        let mut p = PermissionProfile::blank(ProfileId(1), WorkspaceId(2));
        p.apply(ProfilePatch {
            name: Some("  Reps ".into()),
            access: BTreeMap::from([(
                AccessArea::Calls,
                Access {
                    level: AccessLevel::Own,
                    team_leads: vec![u(5)],
                },
            )]),
            capabilities: BTreeMap::from([(Capability::ScoreCalls, true)]),
            ..ProfilePatch::default()
        });
        assert_eq!(p.name, "Reps");
        assert_eq!(p.access(AccessArea::Calls), &Access::at(AccessLevel::Own));
        assert_eq!(p.access(AccessArea::Deals), &Access::NONE);
        assert!(p.capabilities.contains(&Capability::ScoreCalls));
        p.apply(ProfilePatch {
            capabilities: BTreeMap::from([(Capability::ScoreCalls, false)]),
            ..ProfilePatch::default()
        });
        assert!(p.capabilities.is_empty());
        assert_eq!(p.name, "Reps");
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let mut p = PermissionProfile::blank(ProfileId(1), WorkspaceId(2));
        assert!(p.validate().unwrap_err().contains("name"));
        p.name = "x".repeat(MAX_PROFILE_NAME + 1);
        assert!(p.validate().unwrap_err().contains("at most"));
        p.name = "Team".into();
        p.access
            .insert(AccessArea::Calls, Access::at(AccessLevel::ManagersTeam));
        assert!(p.validate().unwrap_err().contains("team lead"));
        p.access
            .insert(AccessArea::Calls, Access::at(AccessLevel::All));
        p.library.manage_streams = true;
        assert!(p.validate().unwrap_err().contains("library"));
        p.library.level = LibraryLevel::SpecificFolders;
        assert!(p.validate().unwrap_err().contains("folder"));
        p.library.folders = vec![7];
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn audiences_follow_the_manager_tree() {
        // 1 manages 2 and 3; 3 manages 4; 5 manages 6; 7 and 8 manage each other.
        let reports = Reports::from_managers([
            (u(1), None),
            (u(2), Some(u(1))),
            (u(3), Some(u(1))),
            (u(4), Some(u(3))),
            (u(6), Some(u(5))),
            (u(7), Some(u(8))),
            (u(8), Some(u(7))),
        ]);
        let at = |level| Access::at(level);
        assert_eq!(
            call_audience(u(1), &at(AccessLevel::ReportToThem), &reports),
            Audience::Users(vec![u(1), u(2), u(3), u(4)])
        );
        assert_eq!(
            call_audience(u(3), &at(AccessLevel::Own), &reports),
            Audience::Users(vec![u(3)])
        );
        assert_eq!(
            call_audience(u(3), &at(AccessLevel::None), &reports),
            Audience::Users(vec![])
        );
        assert_eq!(
            call_audience(u(3), &at(AccessLevel::All), &reports),
            Audience::Everyone
        );
        let team = Access {
            level: AccessLevel::ManagersTeam,
            team_leads: vec![u(5)],
        };
        assert_eq!(
            call_audience(u(2), &team, &reports),
            Audience::Users(vec![u(2), u(5), u(6)])
        );
        assert_eq!(
            call_audience(u(7), &at(AccessLevel::ReportToThem), &reports),
            Audience::Users(vec![u(7), u(8)])
        );
    }

    #[test]
    fn call_access_is_decided_per_workspace() {
        let access = CallAccess {
            default: Audience::Users(vec![u(1)]),
            by_workspace: BTreeMap::from([
                (WorkspaceId(10), Audience::Everyone),
                (WorkspaceId(11), Audience::Users(vec![])),
            ]),
            granted_to: None,
        };
        assert!(access.sees(WorkspaceId(10), u(9), []));
        assert!(!access.sees(WorkspaceId(11), u(1), [u(1)]));
        assert!(access.sees(WorkspaceId(12), u(1), []));
        assert!(access.sees(WorkspaceId(12), u(9), [u(1)]));
        assert!(!access.sees(WorkspaceId(12), u(9), [u(2)]));
        assert!(!access.is_everything());
        assert!(CallAccess::everything().is_everything());
    }
}
