//! Storage of CRM write-back: each workspace's connectors (their secrets sealed by the
//! application core before they arrive here) and the record of every CRM field write.

use async_trait::async_trait;

use parley_domain::crm_write::{CrmConnector, CrmWrite};
use parley_domain::{CallId, CrmObjectType, Job, JobLease, Timestamp, WorkspaceId};

use crate::{NewJob, Result};

#[async_trait]
pub trait CrmWriteStore: Send + Sync {
    /// Creates a connector, or replaces the one with its id. `Conflict` when its
    /// workspace has another connector of that name.
    async fn save_crm_connector(&self, c: &CrmConnector) -> Result<()>;
    async fn crm_connector(&self, id: i64) -> Result<Option<CrmConnector>>;
    /// The connectors of these workspaces (`None`: all), oldest first.
    async fn crm_connectors(&self, workspaces: Option<&[WorkspaceId]>)
        -> Result<Vec<CrmConnector>>;
    /// False when there was no such connector. Writes that name it stay, and fail when
    /// run.
    async fn delete_crm_connector(&self, id: i64) -> Result<bool>;

    /// Records a write (pending) and queues its job, in one transaction; the job as
    /// queued. `NotFound` when the call does not exist.
    async fn create_crm_write(&self, w: &CrmWrite, job: &NewJob, now: Timestamp) -> Result<Job>;
    async fn crm_write(&self, id: i64) -> Result<Option<CrmWrite>>;
    /// The writes of one call, oldest first.
    async fn crm_writes_of_call(&self, call: CallId) -> Result<Vec<CrmWrite>>;
    /// Records how an attempt went (state, attempts, value, previous value, outcome,
    /// object), unfenced: it is a log of attempts, and a stale worker's line is still
    /// true of what it did.
    async fn update_crm_write(&self, w: &CrmWrite) -> Result<()>;
    /// Records the write's final state and finishes its job fenced by `lease`, in one
    /// transaction (`LeaseLost` changes nothing).
    async fn finish_crm_write(&self, w: &CrmWrite, lease: JobLease, now: Timestamp) -> Result<()>;

    /// Sets one field of a live uploaded object of a workspace's generic CRM integration
    /// (the field is added after the others when the object lacks it) and bumps the
    /// calls that link to it. False when the workspace has no integration or the object
    /// does not exist or is deleted.
    async fn set_crm_entity_field(
        &self,
        workspace: WorkspaceId,
        object_type: CrmObjectType,
        object_id: &str,
        field: &str,
        value: &serde_json::Value,
        now: Timestamp,
    ) -> Result<bool>;
}

/// How a write's action is stored: its JSON.
pub fn action_json(a: &parley_domain::crm_write::CrmFieldAction) -> String {
    crate::codec::to_json(a)
}

pub fn action_of(text: &str) -> Result<parley_domain::crm_write::CrmFieldAction> {
    crate::codec::from_json(text, "crm write action")
}

pub fn settings_json(v: &serde_json::Value) -> String {
    crate::codec::to_json(v)
}

pub fn settings_of(text: &str) -> Result<serde_json::Value> {
    crate::codec::from_json(text, "crm connector settings")
}

pub fn connector_kind_of(key: &str) -> Result<parley_domain::crm_write::ConnectorKind> {
    parley_domain::crm_write::ConnectorKind::from_key(key)
        .ok_or_else(|| crate::codec::corrupt("crm connector kind", key))
}

pub fn write_state_of(key: &str) -> Result<parley_domain::crm_write::CrmWriteState> {
    parley_domain::crm_write::CrmWriteState::from_key(key)
        .ok_or_else(|| crate::codec::corrupt("crm write state", key))
}

/// The message of a second connector of one name in a workspace.
pub const CONNECTOR_NAME_TAKEN: &str = "the workspace already has a crm connector of that name";
