//! Storage of the generic CRM integration: integrations (one per workspace), declared
//! fields, uploaded objects, the requests that change them, and manual associations of
//! calls with CRM objects.

use std::collections::HashMap;

use async_trait::async_trait;

use parley_domain::{
    CallAccess, CallId, CrmEntity, CrmIntegration, CrmObjectType, CrmRequest, CrmRequestStatus,
    CrmSchemaField, CrmUploadResult, JobLease, ManualAssociation, Timestamp, WorkspaceId,
};

use crate::{NewJob, Result};

/// Which manual associations a listing returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssociationFilter {
    /// Only these workspaces (`None`: every workspace).
    pub workspaces: Option<Vec<WorkspaceId>>,
    /// Only associations made at or after this time.
    pub from: Option<Timestamp>,
    /// Only associations of calls this call access reaches (`None`: every call), so that
    /// counts and pages are those of what the caller may see.
    pub visible_to: Option<CallAccess>,
}

#[async_trait]
pub trait CrmStore: Send + Sync {
    /// Registers an integration; `Conflict` when its workspace already has one.
    async fn create_crm_integration(&self, i: &CrmIntegration) -> Result<()>;
    async fn crm_integration(&self, id: i64) -> Result<Option<CrmIntegration>>;
    /// The integrations of these workspaces (`None`: all), oldest first.
    async fn crm_integrations(
        &self,
        workspaces: Option<&[WorkspaceId]>,
    ) -> Result<Vec<CrmIntegration>>;
    /// Deletes the integration with its fields and objects, and records `request` (done)
    /// in the same transaction. `Conflict` when the request id is taken; false when
    /// there was no such integration.
    async fn delete_crm_integration(&self, id: i64, request: &CrmRequest) -> Result<bool>;

    /// Replaces the declared fields of one object type. Fields marked deleted are kept as
    /// such (an upload naming them is refused).
    async fn set_crm_schema(
        &self,
        integration: i64,
        object_type: CrmObjectType,
        fields: &[CrmSchemaField],
    ) -> Result<()>;
    /// The declared fields of one type (or every type), in declaration order.
    async fn crm_schema(
        &self,
        integration: i64,
        object_type: Option<CrmObjectType>,
    ) -> Result<Vec<(CrmObjectType, CrmSchemaField)>>;

    /// Records an upload (pending, its file kept with it) and queues its job, in one
    /// transaction. `Conflict` when the integration already has a request of this id.
    async fn create_crm_upload(
        &self,
        request: &CrmRequest,
        body: &str,
        job: &NewJob,
        now: Timestamp,
    ) -> Result<()>;
    async fn crm_request(
        &self,
        integration: i64,
        client_request_id: &str,
    ) -> Result<Option<CrmRequest>>;
    /// The file of a pending upload (`None` once processed).
    async fn crm_upload_body(
        &self,
        integration: i64,
        client_request_id: &str,
    ) -> Result<Option<String>>;
    /// Marks a request in progress (or another status) without a result.
    async fn set_crm_request_status(
        &self,
        integration: i64,
        client_request_id: &str,
        status: CrmRequestStatus,
        now: Timestamp,
    ) -> Result<()>;
    /// Stores an upload's objects (a later `modifiedDate` wins; an older line is
    /// counted as stored and changes nothing), writes its result, drops its file, bumps
    /// the calls of the workspace that link to the objects, and finishes the job fenced
    /// by `lease`, in one transaction (`LeaseLost` rolls it all back). A vanished
    /// integration stores nothing and fails the request.
    async fn finish_crm_upload(
        &self,
        integration: i64,
        client_request_id: &str,
        result: &CrmUploadResult,
        lease: JobLease,
        now: Timestamp,
    ) -> Result<()>;

    /// Uploaded objects of one type by id (deleted ones included, marked).
    async fn crm_entities(
        &self,
        integration: i64,
        object_type: CrmObjectType,
        ids: &[String],
    ) -> Result<HashMap<String, CrmEntity>>;
    /// The live uploaded objects of a workspace's integration among `keys`.
    async fn crm_entities_of_workspace(
        &self,
        workspace: WorkspaceId,
        keys: &[(CrmObjectType, String)],
    ) -> Result<Vec<CrmEntity>>;

    /// Records a manual association (or, with neither id, its removal) and makes the
    /// call's generic call-level links those objects, in one transaction. `NotFound` for
    /// an unknown call.
    async fn record_manual_association(&self, a: &ManualAssociation) -> Result<()>;
    /// Makes `next` the call's manual association (`None`: removes it) in one
    /// transaction that first reads the call's latest record: when that names an account
    /// (the call is associated now), `removal` (neither id, the same call, before
    /// `next`) is recorded first, as Gong reports a re-association as two events; the
    /// call's generic call-level links become the objects of the last record written. A
    /// crash leaves either both events or neither, and two re-associations at once do
    /// not both record a removal. Returns whether `removal` was recorded. `NotFound` for
    /// an unknown call.
    async fn reassociate_manually(
        &self,
        removal: &ManualAssociation,
        next: Option<&ManualAssociation>,
    ) -> Result<bool>;
    /// The latest association record of a call.
    async fn manual_association_of(&self, call: CallId) -> Result<Option<ManualAssociation>>;
    /// Associations in `(created, id)` order after `after`.
    async fn manual_associations(
        &self,
        f: &AssociationFilter,
        after: Option<(Timestamp, i64)>,
        limit: u32,
    ) -> Result<Vec<ManualAssociation>>;
    async fn count_manual_associations(&self, f: &AssociationFilter) -> Result<i64>;
}

/// How a request's errors are stored: a JSON array of `[line, description]`.
pub fn errors_json(errors: &[(u64, String)]) -> String {
    crate::codec::to_json(&errors)
}

pub fn errors_of(text: &str) -> Result<Vec<(u64, String)>> {
    crate::codec::from_json(text, "crm request errors")
}

/// How an object's fields are stored: its JSON object, keys in the line's order.
pub fn fields_json(fields: &serde_json::Map<String, serde_json::Value>) -> String {
    crate::codec::to_json(fields)
}

pub fn fields_of(text: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    crate::codec::from_json(text, "crm object fields")
}

pub fn object_type_of(key: &str) -> Result<CrmObjectType> {
    CrmObjectType::from_key(key).ok_or_else(|| crate::codec::corrupt("crm object type", key))
}

pub fn status_of(key: &str) -> Result<CrmRequestStatus> {
    CrmRequestStatus::from_key(key).ok_or_else(|| crate::codec::corrupt("crm request status", key))
}

pub fn field_type_of(key: &str) -> Result<parley_domain::CrmFieldType> {
    parley_domain::CrmFieldType::from_key(key)
        .ok_or_else(|| crate::codec::corrupt("crm field type", key))
}

/// The context object type of calls' links to objects of `t` (`Account` for `ACCOUNT`),
/// as stored in `crm_objects.object_type`.
pub fn link_type(t: CrmObjectType) -> Option<&'static str> {
    t.context_type()
}

/// The message of a taken request id.
pub const REQUEST_TAKEN: &str = "clientRequestId was already used for this integration";
/// The message of a second integration in a workspace.
pub const INTEGRATION_EXISTS: &str = "Your organization already has an active GENERIC CRM integration. Only 1 active integration is supported. Please disconnect the existing GENERIC CRM integration before creating a new Generic CRM integration";
