//! Authorisation: what each operation needs, decided here for every entry point.
//!
//! Every operation a client can ask for is an [`Operation`]; [`Operation::need`] is the one
//! table of what it takes (a scope, a least role, and how it treats a workspace-bound
//! key), and [`authorize`] checks a [`Principal`] against it. The HTTP crate maps each
//! route to its operation (and a test there proves every route has one); use cases that
//! return workspace data confine it with [`Principal::reaches`] / [`confine`].

use std::collections::{HashMap, HashSet};

use parley_domain::{Call, Principal, Role, Scope, UserId, WorkspaceId};
use parley_store::{Store, UserFilter};

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
}

const fn need(scope: Scope, role: Role, reach: Reach) -> Need {
    Need { scope, role, reach }
}

macro_rules! operations {
    ($($(#[$meta:meta])* $name:ident => $scope:ident, $role:ident, $reach:ident;)*) => {
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
                    $(Operation::$name => need(Scope::$scope, Role::$role, Reach::$reach),)*
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
    ReadLogs => LogsRead, Admin, Company;
    /// A call's voices, transcript state, jobs and analysis.
    ReadCallDetails => ParleyRead, Member, Workspace;
    /// Workspace settings in Parley's own form (trackers, topics).
    ReadSettings => ParleyRead, Member, Workspace;
    ListJobs => ParleyRead, Admin, Company;
    /// Speaker corrections, transcripts, re-transcription, analysis of one call.
    WriteCall => CallsWrite, Member, Workspace;
    RecordActivity => CallsWrite, Member, Workspace;
    WriteSettings => SettingsWrite, Admin, Workspace;
    AnalyzeAll => SettingsWrite, Admin, Workspace;
    ManageUsers => AdminWrite, Admin, Company;
    ManageWorkspaces => AdminWrite, Admin, Company;
    ListKeys => KeysRead, Admin, Company;
    /// Signing out (a session), or out everywhere (a user's key or session).
    OwnSessions => ParleyRead, Member, Directory;
    ManageKeys => KeysWrite, Admin, Company;
    /// OAuth apps are credentials like keys: the same scopes guard them.
    ListOAuthApps => KeysRead, Admin, Company;
    ManageOAuthApps => KeysWrite, Admin, Company;
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
    match (p.workspace, asked) {
        (Some(bound), Some(w)) if w != bound => Err(AppError::Forbidden(format!(
            "this key is bound to workspace {bound}, not {w}"
        ))),
        (Some(bound), _) => Ok(Some(bound)),
        (None, asked) => Ok(asked),
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

/// Whose calls `p` may see: `None` for every call (admins and company keys); else the
/// users whose hosted or attended calls are visible — a member's own, a manager's own and
/// those of everyone reporting to them, down the manager tree (Gong's "own" and
/// "report-to-them" call access).
pub async fn call_audience(store: &dyn Store, p: &Principal) -> AppResult<Option<Vec<UserId>>> {
    let Some(me) = p.user else {
        return Ok(None);
    };
    match p.role {
        Role::Admin => Ok(None),
        Role::Member => Ok(Some(vec![me])),
        Role::Manager => {
            let mut reports: HashMap<UserId, Vec<UserId>> = HashMap::new();
            let mut after = None;
            loop {
                let page = store
                    .list_users(&UserFilter::default(), after, 1000)
                    .await?;
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                for u in &page {
                    if let Some(m) = u.manager_id {
                        reports.entry(m).or_default().push(u.id);
                    }
                }
            }
            // Breadth-first down the tree; `seen` stops a cycle in bad data.
            let mut seen: HashSet<UserId> = HashSet::from([me]);
            let mut next = vec![me];
            while let Some(u) = next.pop() {
                for r in reports.get(&u).into_iter().flatten() {
                    if seen.insert(*r) {
                        next.push(*r);
                    }
                }
            }
            let mut all: Vec<UserId> = seen.into_iter().collect();
            all.sort();
            Ok(Some(all))
        }
    }
}

/// Whether `p` may see `call`: its workspace, and its host or a party among the
/// principal's call audience.
pub async fn may_see_call(store: &dyn Store, p: &Principal, call: &Call) -> AppResult<bool> {
    if !p.reaches(call.workspace_id) {
        return Ok(false);
    }
    let Some(audience) = call_audience(store, p).await? else {
        return Ok(true);
    };
    if audience.contains(&call.primary_user_id) {
        return Ok(true);
    }
    let parties = store.parties_of(&[call.id]).await?;
    Ok(parties
        .get(&call.id)
        .into_iter()
        .flatten()
        .any(|party| party.user_id.is_some_and(|u| audience.contains(&u))))
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
    fn roles_may_use_only_scopes_some_operation_opens_to_them() {
        assert!(role_may_use(Role::Member, Scope::CallsReadBasic));
        assert!(!role_may_use(Role::Member, Scope::LogsRead));
        assert!(!role_may_use(Role::Manager, Scope::KeysWrite));
        assert!(role_may_use(Role::Admin, Scope::KeysWrite));
        // No operation needs it (Gong's flows API is not served): it opens nothing.
        assert!(role_may_use(Role::Member, Scope::FlowsWrite));
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
