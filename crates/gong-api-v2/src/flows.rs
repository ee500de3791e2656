//! Engage flows (`/v2/flows`, `/v2/flows/prospects`, `/v2/flows/prospects/assign`).

use chrono_tz::Tz;
use parley_domain::{
    AssignRefusal, Flow, FlowInstance, FlowInstanceStatus, FlowVisibility, NotAssigned, User,
};
use serde::{Deserialize, Serialize};

use crate::WireId;

/// Query of `GET /v2/flows`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct FlowsQuery {
    /// The email address of the user whose flows to list (only admins may name another
    /// user); every flow the caller may see when left out.
    pub flow_owner_email: Option<String>,
    /// Only the flows of this workspace.
    pub workspace_id: Option<String>,
    /// The `records.cursor` of the previous page.
    pub cursor: Option<String>,
}

fn visibility_name(v: FlowVisibility) -> &'static str {
    match v {
        FlowVisibility::Company => "Company",
        FlowVisibility::Personal => "Personal",
        FlowVisibility::Shared => "Shared",
    }
}

fn status_name(s: FlowInstanceStatus) -> &'static str {
    match s {
        FlowInstanceStatus::Running => "Running",
        FlowInstanceStatus::Pending => "Pending",
        FlowInstanceStatus::Paused => "Paused",
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowWire {
    pub id: String,
    pub name: String,
    pub folder_id: Option<String>,
    pub folder_name: Option<String>,
    pub visibility: &'static str,
    pub creation_date: String,
    pub exclusive: bool,
}

impl FlowWire {
    /// Choice: Parley files a flow in a folder by name only, so `folderId` is `null`
    /// (Gong's folder listing is not served).
    pub fn from_domain(f: &Flow, tz: Tz) -> FlowWire {
        FlowWire {
            id: f.id.to_string(),
            name: f.name.clone(),
            folder_id: None,
            folder_name: f.folder.clone(),
            visibility: visibility_name(f.visibility),
            creation_date: crate::time::format(f.created, tz),
            exclusive: f.exclusive,
        }
    }
}

/// The answer of `GET /v2/flows`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowsResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub flows: Vec<FlowWire>,
}

/// The body of `POST /v2/flows/prospects`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProspectsRequest {
    /// The prospects' CRM ids (1 to 200).
    #[schema(min_items = 1, max_items = 200)]
    pub crm_prospects_ids: Vec<String>,
}

/// The body of `POST /v2/flows/prospects/assign`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignRequest {
    pub crm_prospects_ids: Vec<String>,
    pub flow_id: WireId,
    pub flow_instance_owner_email: String,
}

/// `PublicApiAssignedFlow`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignedFlow {
    pub flow_id: String,
    pub flow_name: String,
    pub crm_prospect_id: String,
    pub flow_instance_id: String,
    pub flow_instance_owner_email: String,
    pub flow_instance_owner_full_name: String,
    pub flow_instance_create_date: String,
    pub flow_instance_status: &'static str,
    pub workspace_id: String,
    pub exclusive: bool,
}

impl AssignedFlow {
    pub fn from_domain(i: &FlowInstance, flow: &Flow, owner: &User, tz: Tz) -> AssignedFlow {
        AssignedFlow {
            flow_id: flow.id.to_string(),
            flow_name: flow.name.clone(),
            crm_prospect_id: i.crm_prospect_id.clone(),
            flow_instance_id: i.id.to_string(),
            flow_instance_owner_email: owner.email.clone(),
            flow_instance_owner_full_name: format!("{} {}", owner.first_name, owner.last_name)
                .trim()
                .to_owned(),
            flow_instance_create_date: crate::time::format(i.created, tz),
            flow_instance_status: status_name(i.status),
            workspace_id: flow.workspace_id.to_string(),
            exclusive: flow.exclusive,
        }
    }
}

/// The answer of `POST /v2/flows/prospects`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProspectsResponse {
    pub request_id: String,
    pub prospects_assigned: Vec<AssignedFlow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotAssignedWire {
    pub flow_id: String,
    pub crm_prospect_id: String,
    /// `InvalidArgument`, `InvalidState` or `UnexpectedError`.
    pub error_code: &'static str,
    pub error_message: String,
}

impl NotAssignedWire {
    pub fn from_domain(n: &NotAssigned) -> NotAssignedWire {
        NotAssignedWire {
            flow_id: n.flow_id.to_string(),
            crm_prospect_id: n.crm_prospect_id.clone(),
            error_code: match n.reason {
                AssignRefusal::InvalidArgument => "InvalidArgument",
                AssignRefusal::InvalidState => "InvalidState",
            },
            error_message: n.message.clone(),
        }
    }
}

/// The answer of `POST /v2/flows/prospects/assign`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignResponse {
    pub request_id: String,
    pub prospects_assigned: Vec<AssignedFlow>,
    pub prospects_not_assigned: Vec<NotAssignedWire>,
}

/// The body of `POST /parley/v1/flows` (and `parley flows create`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewFlowBody {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    pub owner_email: String,
    pub workspace_id: Option<WireId>,
    /// `company` (the default), `personal` or `shared`, in any case.
    pub visibility: Option<String>,
    pub folder_name: Option<String>,
    #[serde(default)]
    pub exclusive: Option<bool>,
}

impl NewFlowBody {
    /// The visibility the body names (company when it names none).
    pub fn visibility(&self) -> Result<FlowVisibility, &'static str> {
        match self.visibility.as_deref().map(str::trim) {
            None | Some("") => Ok(FlowVisibility::Company),
            Some(v) => FlowVisibility::from_key(&v.to_ascii_lowercase())
                .ok_or("visibility must be company, personal or shared"),
        }
    }

    /// The workspace the body names; an id that is no id names none (the caller's 404).
    pub fn workspace(&self) -> Result<Option<parley_domain::WorkspaceId>, String> {
        self.workspace_id
            .as_ref()
            .map(|w| {
                w.numeric()
                    .map(parley_domain::WorkspaceId)
                    .ok_or_else(|| format!("workspace {} was not found", w.0))
            })
            .transpose()
    }
}

/// A flow in Parley's view (`/parley/v1/flows`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowView {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub owner_user_id: String,
    pub visibility: &'static str,
    pub folder_name: Option<String>,
    pub exclusive: bool,
    pub created: String,
}

impl FlowView {
    pub fn of(f: &Flow, tz: Tz) -> FlowView {
        FlowView {
            id: f.id.to_string(),
            workspace_id: f.workspace_id.to_string(),
            name: f.name.clone(),
            owner_user_id: f.owner_id.to_string(),
            visibility: f.visibility.key(),
            folder_name: f.folder.clone(),
            exclusive: f.exclusive,
            created: crate::time::format(f.created, tz),
        }
    }
}
