//! Engage flows (Gong's `/v2/flows`): flows per workspace with an owner, and prospects
//! (CRM ids) put into them; plus the company's integration settings (the origins allowed
//! to embed its integrations). Flows are made and removed through Parley's own API.

use parley_domain::{
    AssignRefusal, Flow, FlowId, FlowInstance, FlowInstanceId, FlowInstanceStatus, FlowVisibility,
    IntegrationSetting, IntegrationType, NotAssigned, Principal, Role, Timestamp, User,
    WorkspaceId, MAX_FLOW_PROSPECTS,
};
use parley_store::{Placement, Store};

use crate::access::{confine, visible};
use crate::error::{AppError, AppResult};

/// Longest flow or folder name.
const MAX_NAME_CHARS: usize = 200;
/// Longest CRM prospect id (Gong: generic CRM object ids are at most 64 characters).
const MAX_PROSPECT_ID_CHARS: usize = 64;

/// Gong's answer for an unknown flow.
pub const FLOW_NOT_FOUND: &str = "Flow not found";

/// A flow to create.
#[derive(Debug, Clone)]
pub struct NewFlow {
    pub workspace_id: Option<WorkspaceId>,
    pub name: String,
    pub owner_email: String,
    pub visibility: FlowVisibility,
    pub folder: Option<String>,
    pub exclusive: bool,
}

/// The active user with this e-mail address, or `Invalid` naming the field.
async fn owner(store: &dyn Store, field: &str, email: &str) -> AppResult<User> {
    match store.find_user_by_email(email.trim()).await? {
        Some(u) if u.active => Ok(u),
        _ => Err(AppError::invalid(format!(
            "{field}: no active user has the e-mail address {email:?}"
        ))),
    }
}

pub async fn create(
    store: &dyn Store,
    p: &Principal,
    new: NewFlow,
    now: Timestamp,
) -> AppResult<Flow> {
    let mut problems = Vec::new();
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(format!("name must be 1 to {MAX_NAME_CHARS} characters"));
    }
    let folder = new
        .folder
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    if folder
        .as_ref()
        .is_some_and(|f| f.chars().count() > MAX_NAME_CHARS)
    {
        problems.push(format!(
            "folder must be at most {MAX_NAME_CHARS} characters"
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let workspace_id = match confine(p, new.workspace_id)? {
        Some(w) => {
            store
                .get_workspace(w)
                .await?
                .ok_or_else(|| AppError::not_found(format!("workspace {w} was not found")))?;
            w
        }
        None => {
            store
                .default_workspace()
                .await?
                .ok_or_else(|| AppError::not_found("there is no workspace"))?
                .id
        }
    };
    let owner = owner(store, "ownerEmail", &new.owner_email).await?;
    let flow = Flow {
        id: FlowId::generate(),
        workspace_id,
        name,
        owner_id: owner.id,
        visibility: new.visibility,
        folder,
        exclusive: new.exclusive,
        created: now,
    };
    store.create_flow(&flow).await?;
    Ok(flow)
}

/// A flow the caller reaches, or Gong's 404.
async fn reachable(store: &dyn Store, p: &Principal, id: FlowId) -> AppResult<Flow> {
    let flow = store
        .get_flow(id)
        .await?
        .ok_or_else(|| AppError::not_found(FLOW_NOT_FOUND))?;
    visible(p, flow.workspace_id, || FLOW_NOT_FOUND.to_owned())?;
    Ok(flow)
}

pub async fn delete(store: &dyn Store, p: &Principal, id: FlowId) -> AppResult<()> {
    reachable(store, p, id).await?;
    store.delete_flow(id).await?;
    Ok(())
}

/// A page of the flows `owner_email` sees (the company's and their own), of one
/// workspace or every one the caller reaches; with `count`, how many there are in all.
/// Admins and company keys may name anyone, or no one to list every flow; members and
/// managers list what they see themselves (a personal flow is its owner's), and naming
/// another owner is a 403.
pub async fn list(
    store: &dyn Store,
    p: &Principal,
    owner_email: Option<&str>,
    workspace: Option<WorkspaceId>,
    after: Option<FlowId>,
    limit: u32,
    count: bool,
) -> AppResult<(Vec<Flow>, Option<i64>)> {
    let named = match owner_email {
        Some(email) => Some(owner(store, "flowOwnerEmail", email).await?.id),
        None => None,
    };
    let seen_by = if p.role >= Role::Admin {
        named
    } else {
        let me = p
            .user
            .ok_or_else(|| AppError::Forbidden("only admins list every flow".into()))?;
        if named.is_some_and(|n| n != me) {
            return Err(AppError::Forbidden(
                "only admins list the flows of another user".into(),
            ));
        }
        Some(me)
    };
    let workspace = confine(p, workspace)?;
    let total = if count {
        Some(store.count_flows(workspace, seen_by).await?)
    } else {
        None
    };
    Ok((
        store.list_flows(workspace, seen_by, after, limit).await?,
        total,
    ))
}

/// An instance as shown: with its flow and owner.
pub type Assigned = (FlowInstance, Flow, User);

/// Puts prospects into a flow, run by the user with `owner_email`. A prospect already in
/// it, or in another exclusive flow while this one is exclusive, is reported, not moved.
pub async fn assign(
    store: &dyn Store,
    p: &Principal,
    flow: FlowId,
    owner_email: &str,
    prospects: &[String],
    now: Timestamp,
) -> AppResult<(Vec<Assigned>, Vec<NotAssigned>)> {
    if prospects.is_empty() || prospects.len() > MAX_FLOW_PROSPECTS {
        return Err(AppError::invalid(format!(
            "crmProspectsIds must name 1 to {MAX_FLOW_PROSPECTS} prospects"
        )));
    }
    let flow = reachable(store, p, flow).await?;
    let owner = owner(store, "flowInstanceOwnerEmail", owner_email).await?;
    // Trim, check and de-duplicate first: every later step (the store's checks, the
    // inserts) sees the ids as they are stored, so " abc" cannot slip past "abc".
    let mut refused = Vec::new();
    let mut wanted = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in prospects {
        let trimmed = id.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_PROSPECT_ID_CHARS {
            refused.push(NotAssigned {
                flow_id: flow.id,
                crm_prospect_id: id.clone(),
                reason: AssignRefusal::InvalidArgument,
                message: "a CRM prospect id is 1 to 64 characters".to_owned(),
            });
        } else if seen.insert(trimmed.to_owned()) {
            wanted.push(FlowInstance {
                id: FlowInstanceId::generate(),
                flow_id: flow.id,
                crm_prospect_id: trimmed.to_owned(),
                owner_id: owner.id,
                status: FlowInstanceStatus::Running,
                created: now,
            });
        }
    }
    // Whether a prospect is in this flow or in another exclusive flow of its workspace is
    // decided inside the store's write, so concurrent assigns cannot both pass the check.
    let placed = store.assign_flow(&wanted).await?;
    let mut made = Vec::new();
    for (w, placement) in wanted.into_iter().zip(placed) {
        let message = match placement {
            Placement::Made => {
                made.push(w);
                continue;
            }
            Placement::InFlow => "the prospect is in this flow already",
            Placement::InOtherExclusiveFlow => "the prospect is in another exclusive flow",
        };
        refused.push(NotAssigned {
            flow_id: flow.id,
            crm_prospect_id: w.crm_prospect_id,
            reason: AssignRefusal::InvalidState,
            message: message.into(),
        });
    }
    let assigned = made
        .into_iter()
        .map(|i| (i, flow.clone(), owner.clone()))
        .collect();
    Ok((assigned, refused))
}

/// The flows these prospects are in, in the workspaces the caller reaches.
pub async fn of_prospects(
    store: &dyn Store,
    p: &Principal,
    prospects: &[String],
) -> AppResult<Vec<Assigned>> {
    if prospects.is_empty() || prospects.len() > MAX_FLOW_PROSPECTS {
        return Err(AppError::invalid(format!(
            "crmProspectsIds must name 1 to {MAX_FLOW_PROSPECTS} prospects"
        )));
    }
    let mut flows = std::collections::HashMap::new();
    let mut owners = std::collections::HashMap::new();
    let mut out = Vec::new();
    // Only the instances of the workspace the caller is bound to (or of every one); the
    // reach of each flow is checked below.
    for i in store.prospect_flows(p.workspace, prospects).await? {
        if let std::collections::hash_map::Entry::Vacant(e) = flows.entry(i.flow_id) {
            e.insert(store.get_flow(i.flow_id).await?);
        }
        let Some(Some(flow)) = flows.get(&i.flow_id) else {
            continue;
        };
        if !p.reaches(flow.workspace_id) {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = owners.entry(i.owner_id) {
            e.insert(store.get_user(i.owner_id).await?);
        }
        let Some(Some(owner)) = owners.get(&i.owner_id) else {
            continue;
        };
        out.push((i.clone(), flow.clone(), owner.clone()));
    }
    Ok(out)
}

/// Most integration settings one request may carry (one per type).
const MAX_INTEGRATION_SETTINGS: usize = 16;

/// Sets the allowed origin of each integration type named (the last one of a type wins).
pub async fn set_integration_settings(
    store: &dyn Store,
    settings: Vec<(IntegrationType, String)>,
    now: Timestamp,
) -> AppResult<()> {
    if settings.is_empty() || settings.len() > MAX_INTEGRATION_SETTINGS {
        return Err(AppError::invalid(format!(
            "integrationTypeSettings must hold 1 to {MAX_INTEGRATION_SETTINGS} settings"
        )));
    }
    let mut problems = Vec::new();
    let mut out: Vec<IntegrationSetting> = Vec::new();
    for (i, (kind, origin)) in settings.into_iter().enumerate() {
        let origin = origin.trim().trim_end_matches('/').to_owned();
        if !parley_domain::is_web_origin(&origin) {
            problems.push(format!(
                "integrationTypeSettings[{i}].allowedOrigin must be an origin such as https://app.example.com"
            ));
            continue;
        }
        out.retain(|s| s.integration_type != kind);
        out.push(IntegrationSetting {
            integration_type: kind,
            allowed_origin: origin,
            updated: now,
        });
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    store.set_integration_settings(&out).await?;
    Ok(())
}

/// The integration settings' version tag: base64 of the SHA-256 of every setting, so it
/// changes exactly when they do.
pub fn integration_settings_id(settings: &[IntegrationSetting]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for s in settings {
        h.update(s.integration_type.key().as_bytes());
        h.update(b"\n");
        h.update(s.allowed_origin.as_bytes());
        h.update(b"\n");
    }
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}
