//! Authorisation: what each operation needs, decided here for every entry point.
//!
//! Every operation a client can ask for is an [`Operation`]; [`Operation::need`] is the one
//! table of what it takes (a scope, a least role, and how it treats a workspace-bound
//! key), and [`authorize`] checks a [`Principal`] against it. The HTTP crate maps each
//! route to its operation (and a test there proves every route has one); use cases that
//! return workspace data confine it with [`Principal::reaches`] / [`confine`].

use parley_domain::{
    role_call_access, AccessLevel, Call, CallAccess, Capability, Principal, Reports, Role, Scope,
    WorkspaceId,
};
use parley_store::Store;

use crate::error::{AppError, AppResult};

/// What an operation does with workspaces, for keys bound to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Workspace data: the use case confines it to the key's workspace.
    Workspace,
    /// The company directory (users, workspaces' names): not workspace data; any key.
    Directory,
    /// Spans workspaces and cannot be confined to one: refused to a bound key.
    Company,
}

/// What an operation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub scope: Scope,
    pub role: Role,
    pub reach: Reach,
    /// A permission-profile capability that stands in for the role, in the workspaces
    /// where the user's profile grants it (Gong's profiles decide who changes settings).
    pub standin: Option<Capability>,
}

macro_rules! standin {
    () => {
        None
    };
    ($cap:ident) => {
        Some(Capability::$cap)
    };
}

macro_rules! operations {
    ($($(#[$meta:meta])* $name:ident => $scope:ident, $role:ident, $reach:ident $(or $cap:ident)?;)*) => {
        /// Everything a client can ask Parley to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[$meta])* $name,)*
        }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$name,)*];

            /// The one table of what each operation takes.
            pub const fn need(self) -> Need {
                match self {
                    $(Operation::$name => Need {
                        scope: Scope::$scope,
                        role: Role::$role,
                        reach: Reach::$reach,
                        standin: standin!($($cap)?),
                    },)*
                }
            }
        }
    };
}

operations! {
    ListCalls => CallsReadBasic, Member, Workspace;
    GetCall => CallsReadBasic, Member, Workspace;
    CallsExtensive => CallsReadExtensive, Member, Workspace;
    Transcripts => CallsReadTranscript, Member, Workspace;
    CreateCall => CallsCreate, Member, Workspace;
    UploadMedia => CallsCreate, Member, Workspace;
    ListUsers => UsersRead, Member, Directory;
    ListWorkspaces => WorkspacesRead, Member, Directory;
    ReadTrackerSettings => SettingsTrackersRead, Member, Workspace;
    StatsInteraction => StatsInteraction, Member, Company;
    StatsActivity => StatsUserActions, Member, Company;
    StatsActivityDetailed => StatsUserActionsDetailed, Member, Company;
    /// Scorecard definitions, as Gong lists them.
    ReadScorecardSettings => SettingsScorecardsRead, Member, Workspace;
    /// Answered scorecards (of the calls the caller may see).
    StatsScorecards => StatsScorecards, Member, Workspace;
    /// A manager's coaching of their reports (the use case keeps managers to their team).
    ReadCoaching => CoachingRead, Manager, Workspace;
    /// Define, change and delete scorecards: admins, or where a profile lets one manage
    /// scorecards.
    WriteScorecards => SettingsWrite, Admin, Workspace or ManageScorecards;
    /// Fill a scorecard for a call: managers review their reps.
    AnswerScorecard => CallsWrite, Manager, Workspace;
    /// Edit or delete a filled scorecard: any role here, since the use case keeps it to
    /// the scorecard's reviewer (who may be a member an admin filled it for) and admins.
    ChangeAnsweredScorecard => CallsWrite, Member, Workspace;
    ReadLogs => LogsRead, Admin, Company;
    /// A call's voices, transcript state, jobs and analysis.
    ReadCallDetails => ParleyRead, Member, Workspace;
    /// Workspace settings in Parley's own form (trackers, topics).
    ReadSettings => ParleyRead, Member, Workspace;
    ListJobs => ParleyRead, Admin, Company;
    /// Cancelling a queued job, running a failed one again: the operator's.
    ManageJobs => AdminWrite, Admin, Company;
    /// Delete a call with everything of it: admins, or where a profile has `deleteCalls`.
    DeleteCall => CallsWrite, Admin, Workspace or DeleteCalls;
    /// Speaker corrections, transcripts, re-transcription, analysis of one call.
    WriteCall => CallsWrite, Member, Workspace;
    RecordActivity => CallsWrite, Member, Workspace;
    /// A call's comments: its public ones and the caller's own private ones.
    ReadComments => ParleyRead, Member, Workspace;
    /// Commenting on a call, and deleting a comment (the use case keeps deletes to the
    /// comment's author and admins).
    WriteComments => CallsWrite, Member, Workspace;
    /// Sharing a call outside the company, and revoking a link (the use case keeps
    /// revoking to the link's maker and admins).
    ShareCall => CallsWrite, Member, Workspace;
    /// Trackers and topics: admins, or where a profile lets one manage business settings.
    WriteSettings => SettingsWrite, Admin, Workspace or ManageGeneralBusinessSettings;
    AnalyzeAll => SettingsWrite, Admin, Workspace;
    ManageUsers => AdminWrite, Admin, Company;
    ManageWorkspaces => AdminWrite, Admin, Company;
    ListKeys => KeysRead, Admin, Company;
    /// Reading one's session, signing out (a session), or out everywhere (a user's key or
    /// session).
    OwnSessions => ParleyRead, Member, Directory;
    /// The OpenAPI document and the reference page: anyone signed in.
    ReadApiDescription => ParleyRead, Member, Directory;
    /// The MCP endpoint: anyone signed in. Each of its tools is a request to a route,
    /// authorised as that route's own operation, so this grants nothing else.
    UseMcp => ParleyRead, Member, Directory;
    ManageKeys => KeysWrite, Admin, Company;
    /// Permission profiles of a workspace.
    ReadProfiles => PermissionProfileRead, Admin, Workspace;
    /// The users of a permission profile (Gong asks for the users scope).
    ReadProfileUsers => UsersRead, Admin, Workspace;
    /// Create and change permission profiles, and give them to users.
    WriteProfiles => PermissionProfileWrite, Admin, Workspace;
    /// OAuth apps are credentials like keys: the same scopes guard them.
    ListOAuthApps => KeysRead, Admin, Company;
    ManageOAuthApps => KeysWrite, Admin, Company;
    /// Library folders and what they hold (private folders: their creator's).
    ReadLibrary => LibraryRead, Member, Workspace;
    /// Create, rename, delete folders; add and remove calls and snippets (checked per
    /// folder: its creator, managers for public folders, admins).
    ManageLibrary => CallsWrite, Member, Workspace;
    CreateMeeting => MeetingsUserCreate, Member, Workspace;
    UpdateMeeting => MeetingsUserUpdate, Member, Workspace;
    DeleteMeeting => MeetingsUserDelete, Member, Workspace;
    /// Whether users can have meetings scheduled for them (the user directory).
    MeetingIntegrationStatus => MeetingsIntegrationStatus, Member, Directory;
    ReadMeetings => ParleyRead, Member, Workspace;
    /// Content viewed, shared, acted on.
    WriteEngagement => EngagementDataWrite, Member, Workspace;
    WriteDigitalInteraction => DigitalInteractionsWrite, Member, Workspace;
    /// The engagement timeline of CRM objects and people.
    ReadEngagement => ParleyRead, Member, Workspace;
    /// The generic CRM integration: reading it and its objects.
    ReadCrmIntegrations => CrmIntegrationsRead, Member, Workspace;
    /// Registering, deleting, declaring fields and uploading are an admin's.
    RegisterCrmIntegration => CrmIntegrationRegister, Admin, Workspace;
    DeleteCrmIntegration => CrmIntegrationDelete, Admin, Workspace;
    ReadCrmSchema => CrmSchema, Member, Workspace;
    WriteCrmSchema => CrmSchema, Admin, Workspace;
    UploadCrmObjects => CrmUpload, Admin, Workspace;
    /// An upload's state (Gong asks for the upload scope).
    ReadCrmRequestStatus => CrmUpload, Member, Workspace;
    ReadCrmObjects => CrmGetObjects, Member, Workspace;
    /// Manual CRM associations of calls (per-call access applies).
    ReadManualCrmAssociations => CrmCallsManualAssociationRead, Member, Workspace;
    /// A call's recording, by a media URL's route with credentials instead of a signature.
    DownloadMedia => CallsReadMediaUrl, Member, Workspace;
    /// Calls granted to single users (Gong's per-user call access).
    ReadCallUserAccess => CallUserAccessRead, Admin, Workspace;
    WriteCallUserAccess => CallUserAccessWrite, Admin, Workspace;
    /// Origins allowed to embed the company's integrations.
    WriteIntegrationSettings => IntegrationSettingsWrite, Admin, Company;
    /// Engage flows and the prospects in them.
    ReadFlows => FlowsRead, Member, Workspace;
    AssignFlows => FlowsWrite, Member, Workspace;
    /// Creating and deleting flows (Parley's own routes).
    ManageFlows => FlowsWrite, Admin, Workspace;
    /// CRM connectors (their settings; secrets are never shown) and changing them.
    ReadCrmConnectors => ParleyRead, Admin, Workspace;
    ManageCrmConnectors => SettingsWrite, Admin, Workspace;
    /// The CRM writes of a call (per-call access applies).
    ReadCrmWrites => ParleyRead, Member, Workspace;
    /// Running a CRM field action against a call by hand: it writes to the CRM with the
    /// workspace's connector, an admin's to use.
    RunCrmAction => SettingsWrite, Admin, Workspace;
    /// What references an e-mail address or phone number, and the erase reports. Gong's
    /// data-privacy API is company-wide (a person is not in one workspace), so a
    /// workspace-bound key may neither look nor erase.
    ReadPersonalData => DataPrivacyRead, Admin, Company;
    /// Erasing a person's data, and its dry run.
    ErasePersonalData => DataPrivacyDelete, Admin, Company;
    /// Automation rules, their delivery logs and the webhook public key.
    ReadAutomation => ParleyRead, Admin, Workspace;
    /// Creating, changing, deleting rules; replays and test sends.
    ManageAutomation => SettingsWrite, Admin, Workspace;
}

/// Why a principal may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The key or token lacks the scope (Gong answers 401 naming it).
    #[error("missing scope {0}")]
    Scope(Scope),
    #[error("this needs the {0} role")]
    Role(Role),
    #[error("this key is bound to workspace {0}; this request spans every workspace")]
    Workspace(WorkspaceId),
}

/// Whether `p` may perform `op` (before looking at which data it touches).
pub fn authorize(p: &Principal, op: Operation) -> Result<(), Denied> {
    let need = op.need();
    if !p.scopes.contains(need.scope) {
        return Err(Denied::Scope(need.scope));
    }
    if p.role < need.role {
        return Err(Denied::Role(need.role));
    }
    match (need.reach, p.workspace) {
        (Reach::Company, Some(w)) => Err(Denied::Workspace(w)),
        _ => Ok(()),
    }
}

/// [`authorize`], where a role the user lacks may be stood in for by their permission
/// profiles: when the operation names a capability and the user's profile grants it in
/// some workspaces, the principal is narrowed to those workspaces (`profile_reach`) and
/// allowed; the use case's confinement then keeps it there.
pub async fn authorize_with_profiles(
    store: &dyn Store,
    p: &mut Principal,
    op: Operation,
) -> AppResult<()> {
    match authorize(p, op) {
        Err(Denied::Role(role)) => {
            let (Some(cap), Some(user)) = (op.need().standin, p.user) else {
                return Err(Denied::Role(role).into());
            };
            let mut granted = store.capability_workspaces(user, cap).await?;
            if let Some(bound) = p.workspace {
                granted.retain(|w| *w == bound);
            }
            if granted.is_empty() {
                return Err(Denied::Role(role).into());
            }
            p.profile_reach = Some(granted);
            Ok(())
        }
        other => Ok(other?),
    }
}

/// Whether someone of `role` can use `scope` at all: some operation that needs it is
/// open to the role. A scope no operation needs opens nothing, so any role may hold it.
/// (OAuth consent grants only these: a token never claims what its user cannot do.)
pub fn role_may_use(role: Role, scope: Scope) -> bool {
    let mut needs = Operation::ALL
        .iter()
        .map(|op| op.need())
        .filter(|n| n.scope == scope)
        .peekable();
    needs.peek().is_none() || needs.any(|n| n.role <= role)
}

/// Also needs `scope` (an operation whose options reach further, such as media URLs in
/// extensive call data).
pub fn require_scope(p: &Principal, scope: Scope) -> Result<(), Denied> {
    if p.scopes.contains(scope) {
        Ok(())
    } else {
        Err(Denied::Scope(scope))
    }
}

/// The workspace a request may read: the one it names, which a bound key must match,
/// or the key's own when it names none.
pub fn confine(p: &Principal, asked: Option<WorkspaceId>) -> Result<Option<WorkspaceId>, AppError> {
    let asked = match (p.workspace, asked) {
        (Some(bound), Some(w)) if w != bound => {
            return Err(AppError::Forbidden(format!(
                "this key is bound to workspace {bound}, not {w}"
            )))
        }
        (Some(bound), _) => Some(bound),
        (None, asked) => asked,
    };
    match (&p.profile_reach, asked) {
        (None, asked) => Ok(asked),
        (Some(list), Some(w)) if list.contains(&w) => Ok(Some(w)),
        (Some(list), None) if list.len() == 1 => Ok(Some(list[0])),
        (Some(_), Some(w)) => Err(AppError::Forbidden(format!(
            "your permission profile does not allow this in workspace {w}"
        ))),
        (Some(_), None) => Err(AppError::Forbidden(
            "your permission profile allows this in several workspaces: name one".into(),
        )),
    }
}

/// A thing in `workspace` as `p` sees it: things of other workspaces do not exist for a
/// bound key (a 404 like any unknown id, so that ids of other workspaces leak nothing).
pub fn visible(
    p: &Principal,
    workspace: WorkspaceId,
    what: impl FnOnce() -> String,
) -> Result<(), AppError> {
    if p.reaches(workspace) {
        Ok(())
    } else {
        Err(AppError::NotFound(what()))
    }
}

/// Whose calls `p` may see, workspace by workspace: `None` for every call (admins and
/// company keys). Elsewhere the user's permission profile in a workspace decides (its
/// call access: all, the teams of named leads, their reports', their own, none), and
/// where they have none their role: a manager's own and their reports' (down the
/// manager tree), a member's own — "own" meaning hosted or attended.
pub async fn call_access(store: &dyn Store, p: &Principal) -> AppResult<Option<CallAccess>> {
    let Some(me) = p.user else {
        return Ok(None);
    };
    if p.role == Role::Admin {
        return Ok(None);
    }
    let profiles = store.user_call_access(me).await?;
    let by_role = role_call_access(p.role);
    let needs_tree = std::iter::once(&by_role)
        .chain(profiles.iter().map(|(_, a)| a))
        .any(|a| {
            matches!(
                a.level,
                AccessLevel::ReportToThem | AccessLevel::ManagersTeam
            )
        });
    let reports = if needs_tree {
        Reports::from_managers(store.manager_edges().await?)
    } else {
        Reports::default()
    };
    let access = CallAccess {
        default: parley_domain::call_audience(me, &by_role, &reports),
        by_workspace: profiles
            .iter()
            .map(|(w, a)| (*w, parley_domain::call_audience(me, a, &reports)))
            .collect(),
        granted_to: Some(me),
    };
    Ok(Some(access).filter(|a| !a.is_everything()))
}

/// Whether `p` may see `call`: its workspace, and its host or a party among those whose
/// calls the principal's call access reaches there.
pub async fn may_see_call(store: &dyn Store, p: &Principal, call: &Call) -> AppResult<bool> {
    if !p.reaches(call.workspace_id) {
        return Ok(false);
    }
    let Some(access) = call_access(store, p).await? else {
        return Ok(true);
    };
    if access.sees(call.workspace_id, call.primary_user_id, []) {
        return Ok(true);
    }
    let parties = store.parties_of(&[call.id]).await?;
    let attendees = parties
        .get(&call.id)
        .into_iter()
        .flatten()
        .filter_map(|party| party.user_id);
    if access.sees(call.workspace_id, call.primary_user_id, attendees) {
        return Ok(true);
    }
    match access.granted_to {
        Some(user) => Ok(store.call_granted(call.id, user).await?),
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::ScopeSet;

    fn principal(scopes: ScopeSet, role: Role, workspace: Option<WorkspaceId>) -> Principal {
        Principal {
            key: "K".into(),
            user: None,
            role,
            scopes,
            workspace,
            profile_reach: None,
        }
    }

    /// Every operation: refused without its scope, below its role, and (when it spans
    /// the company) to a bound key; allowed with exactly its scope and role.
    #[test]
    fn every_operation_checks_scope_role_and_reach() {
        for &op in Operation::ALL {
            let n = op.need();
            let only: ScopeSet = [n.scope].into_iter().collect();
            assert_eq!(
                authorize(&principal(only.clone(), n.role, None), op),
                Ok(()),
                "{op:?}"
            );
            let others: ScopeSet = Scope::ALL
                .iter()
                .copied()
                .filter(|s| *s != n.scope)
                .collect();
            assert_eq!(
                authorize(&principal(others, Role::Admin, None), op),
                Err(Denied::Scope(n.scope)),
                "{op:?}"
            );
            if n.role > Role::Member {
                assert_eq!(
                    authorize(&principal(ScopeSet::full(), Role::Member, None), op),
                    Err(Denied::Role(n.role)),
                    "{op:?}"
                );
            }
            let bound = authorize(&principal(only, n.role, Some(WorkspaceId(3))), op);
            if n.reach == Reach::Company {
                assert_eq!(bound, Err(Denied::Workspace(WorkspaceId(3))), "{op:?}");
            } else {
                assert_eq!(bound, Ok(()), "{op:?}");
            }
        }
    }

    #[test]
    fn the_read_only_preset_reads_and_writes_nothing() {
        let ro = principal(ScopeSet::read_only(), Role::Admin, None);
        for &op in Operation::ALL {
            let reads = op.need().scope.is_read();
            assert_eq!(authorize(&ro, op).is_ok(), reads, "{op:?}");
        }
        assert!(authorize(&ro, Operation::ListCalls).is_ok());
        assert!(authorize(&ro, Operation::CreateCall).is_err());
        assert!(authorize(&ro, Operation::WriteSettings).is_err());
    }

    #[test]
    fn a_profile_reach_confines_like_a_bound_key() {
        let mut p = principal(ScopeSet::full(), Role::Member, None);
        p.profile_reach = Some(vec![WorkspaceId(3)]);
        assert_eq!(confine(&p, None).unwrap(), Some(WorkspaceId(3)));
        assert!(matches!(
            confine(&p, Some(WorkspaceId(4))),
            Err(AppError::Forbidden(_))
        ));
        assert!(p.reaches(WorkspaceId(3)) && !p.reaches(WorkspaceId(4)));
        p.profile_reach = Some(vec![WorkspaceId(3), WorkspaceId(4)]);
        assert!(matches!(confine(&p, None), Err(AppError::Forbidden(_))));
        assert_eq!(
            confine(&p, Some(WorkspaceId(4))).unwrap(),
            Some(WorkspaceId(4))
        );
        // A bound key's workspace still wins.
        p.workspace = Some(WorkspaceId(5));
        assert!(matches!(confine(&p, None), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn roles_may_use_only_scopes_some_operation_opens_to_them() {
        assert!(role_may_use(Role::Member, Scope::CallsReadBasic));
        assert!(!role_may_use(Role::Member, Scope::LogsRead));
        assert!(!role_may_use(Role::Manager, Scope::KeysWrite));
        assert!(role_may_use(Role::Admin, Scope::KeysWrite));
        // No operation needs it: it opens nothing.
        assert!(role_may_use(Role::Member, Scope::FlowsWrite));
        assert!(!role_may_use(Role::Member, Scope::CallUserAccessWrite));
    }

    #[test]
    fn bound_keys_see_only_their_workspace() {
        let p = principal(ScopeSet::full(), Role::Admin, Some(WorkspaceId(3)));
        assert_eq!(confine(&p, None).unwrap(), Some(WorkspaceId(3)));
        assert_eq!(
            confine(&p, Some(WorkspaceId(3))).unwrap(),
            Some(WorkspaceId(3))
        );
        assert!(matches!(
            confine(&p, Some(WorkspaceId(4))),
            Err(AppError::Forbidden(_))
        ));
        assert!(visible(&p, WorkspaceId(3), String::new).is_ok());
        assert!(matches!(
            visible(&p, WorkspaceId(4), || "call 9".into()),
            Err(AppError::NotFound(_))
        ));
        let free = principal(ScopeSet::full(), Role::Admin, None);
        assert_eq!(
            confine(&free, Some(WorkspaceId(4))).unwrap(),
            Some(WorkspaceId(4))
        );
        assert_eq!(confine(&free, None).unwrap(), None);
    }
}
