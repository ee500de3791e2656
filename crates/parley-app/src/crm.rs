//! The generic CRM integration: registering a workspace's integration, its declared
//! fields, uploads (queued as `crm-upload` jobs and read by the worker), the objects it
//! stored, what calls show of them, and manual associations of calls with CRM objects.
//!
//! An integration belongs to one workspace: a key bound to a workspace registers and sees
//! only that workspace's; another key names one (`workspace`) or gets the default one.
//! Integrations of workspaces a principal does not reach do not exist for it (404).

use std::collections::HashMap;

use chrono::Utc;

use parley_domain::crm::{parse_upload, resolve_links, validate_schema};
use parley_domain::{
    CallId, CrmEntity, CrmIntegration, CrmLink, CrmObjectType, CrmRequest, CrmRequestStatus,
    CrmSchemaField, JobLease, JobSpec, ManualAssociation, Principal, Timestamp, WorkspaceId,
};
use parley_store::{AssociationFilter, NewJob, Store, StoreError};

use crate::access::{confine, visible};
use crate::error::{AppError, AppResult};
use crate::limits::Limits;
use crate::workspaces::ensure_default_workspace;

/// Objects asked for at once (Gong: 100, the rest ignored).
pub const MAX_ENTITY_IDS: usize = 100;
/// Longest `clientRequestId`, owner e-mail and integration name.
pub const MAX_TEXT: usize = 255;

/// The message of an integration that is unknown to the caller.
pub fn integration_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("integration {id} was not found"))
}

fn check_request_id(id: &str) -> AppResult<()> {
    if id.is_empty()
        || id.len() > MAX_TEXT
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::invalid(format!(
            "clientRequestId must be 1 to {MAX_TEXT} letters, digits, '-' or '_'"
        )));
    }
    Ok(())
}

/// Registers the generic CRM integration of a workspace.
pub async fn register(
    store: &dyn Store,
    p: &Principal,
    workspace: Option<WorkspaceId>,
    owner_email: &str,
    name: &str,
) -> AppResult<CrmIntegration> {
    let mut problems = Vec::new();
    if owner_email.trim().is_empty() || owner_email.len() > MAX_TEXT || !owner_email.contains('@') {
        problems.push(format!(
            "ownerEmail must be an e-mail address of at most {MAX_TEXT} characters"
        ));
    }
    if name.trim().is_empty() || name.chars().count() > MAX_TEXT {
        problems.push(format!("name must be 1 to {MAX_TEXT} characters"));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let workspace = match confine(p, workspace)? {
        Some(w) => {
            if store.get_workspace(w).await?.is_none() {
                return Err(AppError::not_found(format!("workspace {w} was not found")));
            }
            w
        }
        None => ensure_default_workspace(store).await?.id,
    };
    let i = CrmIntegration {
        id: parley_domain::random_id(),
        workspace_id: workspace,
        owner_email: owner_email.trim().to_owned(),
        name: name.trim().to_owned(),
        created: Utc::now(),
    };
    store.create_crm_integration(&i).await?;
    tracing::info!(integration = i.id, workspace = %workspace, "crm integration registered");
    Ok(i)
}

/// The integrations the principal reaches, oldest first.
pub async fn list(store: &dyn Store, p: &Principal) -> AppResult<Vec<CrmIntegration>> {
    let all = store.crm_integrations(None).await?;
    Ok(all
        .into_iter()
        .filter(|i| p.reaches(i.workspace_id))
        .collect())
}

/// The integration `id`, if the principal reaches its workspace.
pub async fn integration(store: &dyn Store, p: &Principal, id: i64) -> AppResult<CrmIntegration> {
    let i = store
        .crm_integration(id)
        .await?
        .ok_or_else(|| integration_not_found(id))?;
    visible(p, i.workspace_id, || {
        format!("integration {id} was not found")
    })?;
    Ok(i)
}

/// Deletes an integration with its fields and objects. Gong does it asynchronously; here
/// it is done at once and recorded as a finished request, so polling the request id
/// answers `DONE`.
pub async fn delete(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    client_request_id: &str,
) -> AppResult<()> {
    check_request_id(client_request_id)?;
    let i = integration(store, p, id).await?;
    let now = Utc::now();
    let request = CrmRequest {
        integration_id: id,
        client_request_id: client_request_id.to_owned(),
        workspace_id: i.workspace_id,
        object_type: None,
        status: CrmRequestStatus::Done,
        errors: vec![],
        error_count: 0,
        success_count: 0,
        created: now,
        updated: now,
    };
    if !store.delete_crm_integration(id, &request).await? {
        return Err(integration_not_found(id));
    }
    tracing::info!(integration = id, "crm integration deleted");
    Ok(())
}

/// Replaces the declared fields of one object type.
pub async fn set_schema(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    object_type: CrmObjectType,
    fields: Vec<CrmSchemaField>,
) -> AppResult<()> {
    let problems = validate_schema(&fields);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    integration(store, p, id).await?;
    store.set_crm_schema(id, object_type, &fields).await?;
    Ok(())
}

/// The declared fields of one type, or of every type.
pub async fn schema(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    object_type: Option<CrmObjectType>,
) -> AppResult<Vec<(CrmObjectType, CrmSchemaField)>> {
    integration(store, p, id).await?;
    Ok(store.crm_schema(id, object_type).await?)
}

/// Accepts an upload's file and queues its processing. The file is checked for size,
/// text and line count here; each line is read by the worker, whose errors the request
/// status reports by line.
pub async fn upload(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    object_type: CrmObjectType,
    client_request_id: &str,
    body: &[u8],
    limits: &Limits,
) -> AppResult<CrmRequest> {
    check_request_id(client_request_id)?;
    let i = integration(store, p, id).await?;
    // Size first: a file over the bound is not read any further. (The file is kept in
    // the database until the worker has read it; Gong allows 200 MB.)
    limits.check_crm_upload(body.len(), 0)?;
    let text =
        std::str::from_utf8(body).map_err(|_| AppError::invalid("dataFile is not UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(AppError::invalid("dataFile is empty"));
    }
    let lines = text.lines().count();
    limits.check_crm_upload(body.len(), lines)?;
    let now = Utc::now();
    let request = CrmRequest {
        integration_id: id,
        client_request_id: client_request_id.to_owned(),
        workspace_id: i.workspace_id,
        object_type: Some(object_type),
        status: CrmRequestStatus::Pending,
        errors: vec![],
        error_count: 0,
        success_count: 0,
        created: now,
        updated: now,
    };
    let job: NewJob = JobSpec::CrmUpload {
        integration: id,
        request: client_request_id.to_owned(),
    }
    .into();
    store
        .create_crm_upload(&request, text, &job, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => other.into(),
        })?;
    tracing::info!(
        integration = id,
        request = client_request_id,
        lines,
        "crm upload queued"
    );
    Ok(request)
}

/// The state of a request of an integration the principal reaches.
pub async fn request_status(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    client_request_id: &str,
) -> AppResult<CrmRequest> {
    let r = store
        .crm_request(id, client_request_id)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "request {client_request_id} of integration {id} was not found"
            ))
        })?;
    visible(p, r.workspace_id, || {
        format!("request {client_request_id} of integration {id} was not found")
    })?;
    Ok(r)
}

/// Stored objects by id (the first [`MAX_ENTITY_IDS`]); unknown ids map to `None`.
pub async fn entities(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    object_type: CrmObjectType,
    ids: &[String],
) -> AppResult<Vec<(String, Option<CrmEntity>)>> {
    integration(store, p, id).await?;
    let mut wanted: Vec<String> = Vec::new();
    for x in ids {
        if wanted.len() == MAX_ENTITY_IDS {
            break;
        }
        if !wanted.contains(x) {
            wanted.push(x.clone());
        }
    }
    let mut found = store.crm_entities(id, object_type, &wanted).await?;
    Ok(wanted
        .into_iter()
        .map(|x| {
            let e = found.remove(&x).filter(|e| !e.is_deleted);
            (x, e)
        })
        .collect())
}

/// Reads a date or date-time of an upload: RFC 3339, or without an offset (UTC), or a
/// bare date (midnight UTC).
pub fn parse_upload_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// The worker's half of an upload: reads every line against the declared fields and
/// stores the objects and the per-line errors with the job's end.
pub async fn process_upload(
    store: &dyn Store,
    integration: i64,
    client_request_id: &str,
    lease: JobLease,
) -> AppResult<()> {
    let Some(request) = store.crm_request(integration, client_request_id).await? else {
        return Err(AppError::not_found(format!(
            "crm request {client_request_id} of integration {integration} is gone"
        )));
    };
    let body = store
        .crm_upload_body(integration, client_request_id)
        .await?
        .unwrap_or_default();
    let object_type = request
        .object_type
        .ok_or_else(|| AppError::internal("a crm upload without an object type"))?;
    store
        .set_crm_request_status(
            integration,
            client_request_id,
            CrmRequestStatus::InProgress,
            Utc::now(),
        )
        .await?;
    let fields: Vec<CrmSchemaField> = store
        .crm_schema(integration, Some(object_type))
        .await?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let result = parse_upload(object_type, &fields, &body, parse_upload_time);
    store
        .finish_crm_upload(integration, client_request_id, &result, lease, Utc::now())
        .await?;
    tracing::info!(
        integration,
        request = client_request_id,
        stored = result.entities.len(),
        errors = result.error_count,
        "crm upload processed"
    );
    Ok(())
}

/// Shows uploaded objects in calls' context: every generic link of a call whose object
/// its workspace's integration uploaded carries that object's current fields
/// ([`parley_domain::crm::context_fields`]). `workspaces` gives each call's workspace.
pub async fn resolve_context(
    store: &dyn Store,
    workspaces: &HashMap<CallId, WorkspaceId>,
    context: &mut HashMap<CallId, Vec<CrmLink>>,
    parties: &mut HashMap<CallId, Vec<parley_domain::Party>>,
) -> AppResult<()> {
    type Keys = HashMap<WorkspaceId, Vec<(CrmObjectType, String)>>;
    fn generic(links: &[CrmLink], w: WorkspaceId, keys: &mut Keys) {
        for l in links {
            if l.system != parley_domain::CrmSystem::Generic {
                continue;
            }
            if let Some(t) = CrmObjectType::of_context_type(&l.object_type) {
                let list = keys.entry(w).or_default();
                let key = (t, l.object_id.clone());
                if !list.contains(&key) {
                    list.push(key);
                }
            }
        }
    }
    let mut keys = Keys::new();
    for (call, links) in context.iter() {
        if let Some(w) = workspaces.get(call) {
            generic(links, *w, &mut keys);
        }
    }
    for (call, list) in parties.iter() {
        if let Some(w) = workspaces.get(call) {
            for party in list {
                generic(&party.context, *w, &mut keys);
            }
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    let mut uploaded: HashMap<WorkspaceId, Vec<CrmEntity>> = HashMap::new();
    for (w, k) in keys {
        uploaded.insert(w, store.crm_entities_of_workspace(w, &k).await?);
    }
    for (call, links) in context.iter_mut() {
        if let Some(found) = workspaces.get(call).and_then(|w| uploaded.get(w)) {
            resolve_links(links, found);
        }
    }
    for (call, list) in parties.iter_mut() {
        if let Some(found) = workspaces.get(call).and_then(|w| uploaded.get(w)) {
            for party in list {
                resolve_links(&mut party.context, found);
            }
        }
    }
    Ok(())
}

/// What a manual association names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssociationTarget {
    pub account_id: Option<String>,
    pub deal_id: Option<String>,
}

fn check_crm_id(name: &str, v: &Option<String>) -> AppResult<()> {
    match v {
        Some(id) if id.is_empty() || id.chars().count() > parley_domain::crm::MAX_OBJECT_ID_LEN => {
            Err(AppError::invalid(format!(
                "{name} must be 1 to {} characters",
                parley_domain::crm::MAX_OBJECT_ID_LEN
            )))
        }
        _ => Ok(()),
    }
}

/// Associates a call with an account (and optionally a deal) by hand, or removes the
/// association (`None`). As Gong reports it, a re-association is two events: the
/// removal of the previous association, then the new one (written in one transaction,
/// [`parley_store::CrmStore::reassociate_manually`]). The call's generic call-level
/// links become the associated objects.
pub async fn associate(
    store: &dyn Store,
    p: &Principal,
    call_id: CallId,
    target: Option<AssociationTarget>,
) -> AppResult<Option<ManualAssociation>> {
    if let Some(t) = &target {
        check_crm_id("accountCrmId", &t.account_id)?;
        check_crm_id("dealCrmId", &t.deal_id)?;
        if t.account_id.is_none() {
            return Err(AppError::invalid("accountCrmId is required"));
        }
    }
    let call = store
        .get_call(call_id)
        .await?
        .ok_or_else(|| AppError::call_not_found(call_id))?;
    if !crate::access::may_see_call(store, p, &call).await? {
        return Err(AppError::call_not_found(call_id));
    }
    let now = Utc::now();
    let event = |at: Timestamp, t: &AssociationTarget| ManualAssociation {
        id: parley_domain::random_id(),
        call_id,
        workspace_id: call.workspace_id,
        user_id: p.user,
        created: at,
        account_id: t.account_id.clone(),
        deal_id: t.deal_id.clone(),
    };
    let removal = event(now, &AssociationTarget::default());
    // A microsecond later, so that the two events keep their order.
    let next = target.map(|t| event(now + chrono::Duration::microseconds(1), &t));
    // One store transaction reads whether the call is associated and writes the removal
    // and the new association together: a crash between them cannot lose or double one.
    store
        .reassociate_manually(&removal, next.as_ref())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => AppError::call_not_found(call_id),
            other => other.into(),
        })?;
    Ok(next)
}

/// Manual associations of the calls the principal may see (the workspaces it reaches,
/// and there its call access: permission profile or role), oldest first, after `after`,
/// at most `limit`, and how many there are in all. The store filters by visibility in
/// the query itself, so the total counts only what the caller sees and no page comes out
/// short while a cursor continues.
pub async fn associations(
    store: &dyn Store,
    p: &Principal,
    from: Option<Timestamp>,
    after: Option<(Timestamp, i64)>,
    limit: u32,
) -> AppResult<(Vec<ManualAssociation>, i64)> {
    let workspaces = match (p.workspace, &p.profile_reach) {
        (Some(w), _) => Some(vec![w]),
        (None, Some(list)) => Some(list.clone()),
        (None, None) => None,
    };
    let f = AssociationFilter {
        workspaces,
        from,
        visible_to: crate::access::call_access(store, p).await?,
    };
    let total = store.count_manual_associations(&f).await?;
    let page = store.manual_associations(&f, after, limit).await?;
    Ok((page, total))
}
