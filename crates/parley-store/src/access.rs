//! Storage for who may reach what beyond permission profiles: calls granted to single
//! users (Gong's per-user call access), recordings looked up by call for media URLs,
//! integration settings, and Engage flows with their prospects.

use std::collections::HashMap;

use async_trait::async_trait;

use parley_domain::{
    CallId, CallMedia, Flow, FlowId, FlowInstance, IntegrationSetting, Timestamp, UserId,
    WorkspaceId,
};

use crate::Result;

#[async_trait]
pub trait AccessStore: Send + Sync {
    /// The recordings of these calls (calls without one are absent).
    async fn media_of(&self, ids: &[CallId]) -> Result<HashMap<CallId, CallMedia>>;

    /// Grants each call to each user; a grant that exists stays as it was. Every grant
    /// (and revocation) moves the calls generation: counts cached under a filter that
    /// shows granted calls would be wrong otherwise.
    async fn grant_calls(&self, grants: &[(CallId, UserId)], at: Timestamp) -> Result<()>;
    /// Removes these grants (those that exist).
    async fn revoke_calls(&self, grants: &[(CallId, UserId)]) -> Result<()>;
    /// The users each of these calls is granted to, in user id order (calls without a
    /// grant are absent).
    async fn call_grants(&self, ids: &[CallId]) -> Result<HashMap<CallId, Vec<UserId>>>;
    async fn call_granted(&self, call: CallId, user: UserId) -> Result<bool>;

    /// Sets the allowed origin of each integration type named; the others stay.
    async fn set_integration_settings(&self, settings: &[IntegrationSetting]) -> Result<()>;
    /// Every integration setting, by type.
    async fn integration_settings(&self) -> Result<Vec<IntegrationSetting>>;

    /// Stores a new flow; a name taken in the workspace is a conflict.
    async fn create_flow(&self, flow: &Flow) -> Result<()>;
    /// Deletes a flow and its instances; false when there was none.
    async fn delete_flow(&self, id: FlowId) -> Result<bool>;
    async fn get_flow(&self, id: FlowId) -> Result<Option<Flow>>;
    /// Flows (of one workspace, or all; with `seen_by`, only the company's and that
    /// user's own) after `after` in id order, at most `limit`.
    async fn list_flows(
        &self,
        workspace: Option<WorkspaceId>,
        seen_by: Option<UserId>,
        after: Option<FlowId>,
        limit: u32,
    ) -> Result<Vec<Flow>>;
    /// How many flows [`list_flows`](Self::list_flows) walks through with these filters.
    async fn count_flows(
        &self,
        workspace: Option<WorkspaceId>,
        seen_by: Option<UserId>,
    ) -> Result<i64>;
    /// Puts each prospect into its flow, in one transaction, unless it is in that flow
    /// already or, when the flow is exclusive, in another exclusive flow of the same
    /// workspace. Both are checked inside the transaction (PostgreSQL: under a lock per
    /// workspace and prospect), so two concurrent assigns to two exclusive flows cannot
    /// both put a prospect in. Returns one [`Placement`] per instance, in the order given;
    /// an unknown flow or owner is `NotFound`.
    async fn assign_flow(&self, instances: &[FlowInstance]) -> Result<Vec<Placement>>;
    /// The instances of these prospects, in the flows of one workspace (or every one),
    /// oldest first.
    async fn prospect_flows(
        &self,
        workspace: Option<WorkspaceId>,
        prospects: &[String],
    ) -> Result<Vec<FlowInstance>>;
}

/// What [`AccessStore::assign_flow`] did with one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The instance was stored.
    Made,
    /// The prospect is in this flow already; nothing was stored.
    InFlow,
    /// The flow is exclusive and the prospect is in another exclusive flow of its
    /// workspace; nothing was stored.
    InOtherExclusiveFlow,
}
