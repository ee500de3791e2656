//! The demo's permission profiles and per-user call grants (`data/permissions.toml`),
//! planned over a [`Plan`]'s workspaces, users and calls.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use parley_domain::{
    Access, AccessArea, AccessLevel, Capability, LibraryAccess, LibraryLevel, PermissionProfile,
    ProfileId, ProfilePatch, WorkspaceId,
};

use crate::{DataError, Plan};

const FILE: &str = "permissions.toml";
const PERMISSIONS_TOML: &str = include_str!("../data/permissions.toml");

/// A permission profile of one demo workspace, and who has it there.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedProfile {
    /// An index into [`Plan::workspaces`].
    pub workspace: usize,
    /// What the profile holds, as `POST /v2/permission-profile` takes it (it names no
    /// team leads, so it needs no user ids).
    pub patch: ProfilePatch,
    /// Indexes into [`Plan::users`]: the users given the profile in its workspace.
    pub users: Vec<usize>,
}

/// A call granted to users beyond their profiles.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedGrant {
    /// An index into [`Plan::calls`].
    pub call: usize,
    /// Indexes into [`Plan::users`], none of them the call's host.
    pub users: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PermissionsPlan {
    /// In file order, each profile's workspaces in turn.
    pub profiles: Vec<PlannedProfile>,
    pub grants: Vec<PlannedGrant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PermissionsFile {
    #[serde(default)]
    profile: Vec<ProfileSpec>,
    #[serde(default)]
    grant: Vec<GrantSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileSpec {
    name: String,
    description: Option<String>,
    workspaces: Vec<String>,
    users: Vec<String>,
    library: String,
    library_manage: Vec<String>,
    capabilities: Vec<String>,
    access: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantSpec {
    account: String,
    label: String,
    nth: Option<usize>,
    users: Vec<String>,
}

fn invalid(message: String) -> DataError {
    DataError::Invalid {
        file: FILE,
        message,
    }
}

/// A user by company.toml's key (the first name, in lower case).
pub(crate) fn user(plan: &Plan, file: &'static str, key: &str) -> Result<usize, DataError> {
    plan.users
        .iter()
        .position(|u| u.first_name.eq_ignore_ascii_case(key))
        .ok_or_else(|| DataError::Invalid {
            file,
            message: format!("unknown user {key:?}"),
        })
}

pub(crate) fn workspace(plan: &Plan, file: &'static str, name: &str) -> Result<usize, DataError> {
    plan.workspaces
        .iter()
        .position(|w| w.name == name)
        .ok_or_else(|| DataError::Invalid {
            file,
            message: format!("unknown workspace {name:?}"),
        })
}

fn patch(p: &ProfileSpec) -> Result<ProfilePatch, DataError> {
    let mut access = BTreeMap::new();
    for (area, level) in &p.access {
        let area = AccessArea::parse(area)
            .ok_or_else(|| invalid(format!("profile {:?}: unknown area {area:?}", p.name)))?;
        let level = AccessLevel::parse(level)
            .filter(|l| *l != AccessLevel::ManagersTeam)
            .ok_or_else(|| {
                invalid(format!(
                    "profile {:?}: level {level:?} is none of all, report_to_them, own, none",
                    p.name
                ))
            })?;
        access.insert(area, Access::at(level));
    }
    let level = LibraryLevel::parse(&p.library)
        .filter(|l| *l != LibraryLevel::SpecificFolders)
        .ok_or_else(|| {
            invalid(format!(
                "profile {:?}: library {:?} is neither none nor all",
                p.name, p.library
            ))
        })?;
    let mut library = LibraryAccess {
        level,
        ..LibraryAccess::default()
    };
    for m in &p.library_manage {
        let flag = match m.as_str() {
            "public_folder" => &mut library.manage_public_folder,
            "streams" => &mut library.manage_streams,
            "folder_calls" => &mut library.manage_folder_calls,
            "share" => &mut library.share_folders_and_streams,
            _ => {
                return Err(invalid(format!(
                    "profile {:?}: unknown library permission {m:?}",
                    p.name
                )))
            }
        };
        *flag = true;
    }
    let mut capabilities = BTreeMap::new();
    for c in &p.capabilities {
        let c = Capability::parse(c)
            .ok_or_else(|| invalid(format!("profile {:?}: unknown capability {c:?}", p.name)))?;
        capabilities.insert(c, true);
    }
    let patch = ProfilePatch {
        name: Some(p.name.clone()),
        description: Some(p.description.clone()),
        access,
        library: Some(library),
        capabilities,
    };
    // The same rules as the API's: a broken profile is a broken data file.
    let mut profile = PermissionProfile::blank(ProfileId(0), WorkspaceId(0));
    profile.apply(patch.clone());
    profile
        .validate()
        .map_err(|e| invalid(format!("profile {:?}: {e}", p.name)))?;
    Ok(patch)
}

/// The demo's profiles and grants for `plan`.
pub fn permissions_plan(plan: &Plan) -> Result<PermissionsPlan, DataError> {
    let file: PermissionsFile = toml::from_str(PERMISSIONS_TOML)
        .map_err(|source| DataError::Parse { file: FILE, source })?;
    let mut out = PermissionsPlan::default();
    // A user has one profile per workspace.
    let mut given: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut names: BTreeSet<(usize, &str)> = BTreeSet::new();
    for p in &file.profile {
        let patch = patch(p)?;
        let users = p
            .users
            .iter()
            .map(|u| user(plan, FILE, u))
            .collect::<Result<Vec<_>, _>>()?;
        for w in &p.workspaces {
            let w = workspace(plan, FILE, w)?;
            if !names.insert((w, p.name.as_str())) {
                return Err(invalid(format!(
                    "profile {:?} is listed twice for a workspace",
                    p.name
                )));
            }
            for (&u, key) in users.iter().zip(&p.users) {
                if !given.insert((w, u)) {
                    return Err(invalid(format!(
                        "profile {:?}: {key:?} has another profile in {:?}",
                        p.name, plan.workspaces[w].name
                    )));
                }
            }
            out.profiles.push(PlannedProfile {
                workspace: w,
                patch: patch.clone(),
                users: users.clone(),
            });
        }
    }
    for g in &file.grant {
        let call =
            crate::library::call_index(plan, &g.account, &g.label, g.nth).ok_or_else(|| {
                invalid(format!(
                    "no call {:?} of {:?} in the plan",
                    g.label, g.account
                ))
            })?;
        let mut users = Vec::new();
        for key in &g.users {
            let u = user(plan, FILE, key)?;
            if u == plan.calls[call].primary {
                return Err(invalid(format!(
                    "grant of {:?}'s {:?}: {key:?} hosts the call",
                    g.account, g.label
                )));
            }
            users.push(u);
        }
        out.grants.push(PlannedGrant { call, users });
    }
    Ok(out)
}
