//! The demo company's CRM: each workspace with demo calls gets a generic CRM integration
//! ("Northwind CRM") whose accounts, deals and contacts are the objects its calls link
//! to, uploaded through the same path as `POST /v2/crm/entities` (an upload request and
//! its `crm-upload` job, run here at once), and one call is associated by hand.
//!
//! The objects' current values are those of the latest call that mentions them, as the
//! demo's calls carry the values of their day.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::{json, Map, Value};

use parley_domain::{
    CallId, CrmFieldType, CrmIntegration, CrmObjectType, CrmRequest, CrmRequestStatus,
    CrmSchemaField, CrmSystem, JobKind, JobSpec, ManualAssociation, Timestamp, WorkspaceId,
};
use parley_store::{NewJob, Store};

use crate::error::AppResult;

fn field(name: &str, field_type: CrmFieldType) -> CrmSchemaField {
    CrmSchemaField {
        name: name.into(),
        label: name.into(),
        field_type,
        last_modified: None,
        is_deleted: false,
        reference_to: None,
        ordered_values: None,
    }
}

/// Custom fields the demo declares: what its calls show besides the built-in ones.
fn schema(t: CrmObjectType) -> Vec<CrmSchemaField> {
    match t {
        CrmObjectType::Account => vec![
            field("Industry", CrmFieldType::String),
            field("AnnualRevenue", CrmFieldType::Currency),
        ],
        CrmObjectType::Deal => vec![
            field("Probability", CrmFieldType::Percent),
            field("LeadSource", CrmFieldType::String),
            field("Type", CrmFieldType::String),
        ],
        _ => vec![],
    }
}

/// The upload line of a call's link, from the values the call carries.
fn line_of(
    object_type: &str,
    id: &str,
    fields: &[(String, Value)],
    at: Timestamp,
) -> Option<(CrmObjectType, Value)> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut o = Map::new();
    o.insert("objectId".into(), json!(id));
    o.insert(
        "modifiedDate".into(),
        json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    let t = match object_type {
        "Account" => {
            o.insert("name".into(), get("Name")?);
            if let Some(Value::String(site)) = get("Website") {
                let host = site
                    .trim_start_matches("https://")
                    .trim_start_matches("www.");
                o.insert("domains".into(), json!([host]));
            }
            for k in ["Industry", "AnnualRevenue"] {
                if let Some(v) = get(k) {
                    o.insert(k.into(), v);
                }
            }
            CrmObjectType::Account
        }
        "Opportunity" => {
            for (from, to) in [
                ("Name", "name"),
                ("StageName", "stage"),
                ("Amount", "amount"),
                ("CloseDate", "closeDate"),
            ] {
                if let Some(v) = get(from) {
                    o.insert(to.into(), v);
                }
            }
            let status = match get("StageName").as_ref().and_then(Value::as_str) {
                Some("Closed Won") => "WON",
                Some("Closed Lost") => "LOST",
                _ => "OPEN",
            };
            o.insert("status".into(), json!(status));
            for k in ["Probability", "LeadSource", "Type"] {
                if let Some(v) = get(k) {
                    o.insert(k.into(), v);
                }
            }
            CrmObjectType::Deal
        }
        "Contact" => {
            for (from, to) in [("Email", "emailAddress"), ("Title", "title")] {
                if let Some(v) = get(from) {
                    o.insert(to.into(), v);
                }
            }
            CrmObjectType::Contact
        }
        _ => return None,
    };
    Some((t, Value::Object(o)))
}

/// Seeds the demo's CRM. `calls` pairs each planned call with the call it became.
pub async fn seed(
    store: &dyn Store,
    plan: &parley_demo::Plan,
    workspaces: &[WorkspaceId],
    calls: &[CallId],
) -> AppResult<()> {
    let now = Utc::now();
    // Per workspace and type, the latest line per object (calls are in time order).
    let mut lines: BTreeMap<(usize, CrmObjectType), BTreeMap<String, Value>> = BTreeMap::new();
    for call in &plan.calls {
        let party_links = call.guests.iter().flat_map(|g| g.context.iter());
        for link in call.context.iter().chain(party_links) {
            if link.system != CrmSystem::Generic {
                continue;
            }
            let at = call.start.min(now);
            if let Some((t, line)) = line_of(&link.object_type, &link.object_id, &link.fields, at) {
                lines
                    .entry((call.workspace, t))
                    .or_default()
                    .insert(link.object_id.clone(), line);
            }
        }
    }
    let existing = store.crm_integrations(None).await?;
    for (wi, w) in workspaces.iter().enumerate() {
        if existing.iter().any(|i| i.workspace_id == *w) {
            continue;
        }
        if !lines.keys().any(|(x, _)| *x == wi) {
            continue;
        }
        let integration = CrmIntegration {
            id: parley_domain::random_id(),
            workspace_id: *w,
            owner_email: "crm-admin@northwind-analytics.example.com".into(),
            name: "Northwind CRM".into(),
            created: now,
        };
        store.create_crm_integration(&integration).await?;
        for t in [
            CrmObjectType::Account,
            CrmObjectType::Deal,
            CrmObjectType::Contact,
        ] {
            store.set_crm_schema(integration.id, t, &schema(t)).await?;
            let Some(objects) = lines.get(&(wi, t)) else {
                continue;
            };
            let body: Vec<String> = objects.values().map(Value::to_string).collect();
            let request_id = format!("demo-{}", t.key().to_lowercase());
            let request = CrmRequest {
                integration_id: integration.id,
                client_request_id: request_id.clone(),
                workspace_id: *w,
                object_type: Some(t),
                status: CrmRequestStatus::Pending,
                errors: vec![],
                error_count: 0,
                success_count: 0,
                created: now,
                updated: now,
            };
            let job: NewJob = JobSpec::CrmUpload {
                integration: integration.id,
                request: request_id,
            }
            .into();
            store
                .create_crm_upload(&request, &body.join("\n"), &job, now)
                .await?;
        }
    }
    // The uploads are read now, as a worker would, so the demo shows them at once.
    while let Some((job, lease)) = store
        .claim_job(&[JobKind::CrmUpload], "demo-seeder", 60, Utc::now())
        .await?
    {
        if let Ok(JobSpec::CrmUpload {
            integration,
            request,
        }) = JobSpec::of(&job)
        {
            crate::crm::process_upload(store, integration, &request, lease).await?;
        }
    }

    // One call associated by hand with its account and deal: the first call with both.
    let first = plan
        .calls
        .iter()
        .zip(calls)
        .find(|(c, _)| c.context.iter().any(|l| l.object_type == "Opportunity"));
    if let Some((planned, call_id)) = first {
        if store.manual_association_of(*call_id).await?.is_none() {
            let id_of = |t: &str| {
                planned
                    .context
                    .iter()
                    .find(|l| l.object_type == t)
                    .map(|l| l.object_id.clone())
            };
            store
                .record_manual_association(&ManualAssociation {
                    id: parley_domain::random_id(),
                    call_id: *call_id,
                    workspace_id: workspaces[planned.workspace],
                    user_id: None,
                    created: now,
                    account_id: id_of("Account"),
                    deal_id: id_of("Opportunity"),
                })
                .await?;
        }
    }
    Ok(())
}
