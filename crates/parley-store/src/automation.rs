//! Automation rules and their deliveries (the webhook outbox) in storage (SQLite 0026,
//! PostgreSQL 0012). A rule keeps its filter and actions as JSON (the domain types'
//! serde form). A delivery is one rule action for one call: written with its `deliver`
//! job in one transaction (for a call becoming ready, in the transaction that stores
//! its analysis), at most once per (rule, call, action) apart from tests, and its
//! attempts are recorded fenced by the job's lease in the transaction that moves the job
//! on, so a worker killed at any moment loses no delivery and records none twice.

use async_trait::async_trait;

use parley_domain::automation::{
    Delivery, DeliveryAttempt, DeliveryId, DeliveryNext, DeliveryState, NewDelivery, Rule, RuleId,
};
use parley_domain::{Job, JobLease, Timestamp, WorkspaceId};

use crate::codec::ts;
use crate::{AnalysisWrite, Result};

/// What [`AutomationStore::record_delivery`] did to the delivery's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordedDelivery {
    /// The rule was switched off by this delivery's failure (its run of failures reached
    /// the bound).
    pub disabled_rule: bool,
}

#[async_trait]
pub trait AutomationStore: Send + Sync {
    /// `NotFound` for an unknown workspace.
    async fn create_rule(&self, rule: &Rule) -> Result<()>;
    /// Replaces a rule's name, enabled flag, filter, actions, disabled reason and failure
    /// count; false when there is no such rule.
    async fn update_rule(&self, rule: &Rule) -> Result<bool>;
    /// Deletes a rule with its deliveries (their jobs find nothing and end); false when
    /// there was none.
    async fn delete_rule(&self, id: RuleId) -> Result<bool>;
    async fn get_rule(&self, id: RuleId) -> Result<Option<Rule>>;
    /// Rules of one workspace (or all), oldest first.
    async fn rules(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Rule>>;

    /// [`Store::save_analysis`](crate::Store::save_analysis), and in the same transaction
    /// the deliveries the call fires (with their jobs): none is written if the analysis
    /// is not. A (rule, call, action) delivered before is not queued again.
    async fn save_analysis_firing(
        &self,
        w: AnalysisWrite<'_>,
        deliveries: &[NewDelivery],
    ) -> Result<bool>;
    /// Queues deliveries (tests, applying a rule to past calls) with their jobs in one
    /// transaction; returns those written (a non-test delivery already made is skipped).
    /// `NotFound` for an unknown rule or call.
    async fn queue_deliveries(
        &self,
        deliveries: &[NewDelivery],
        at: Timestamp,
    ) -> Result<Vec<DeliveryId>>;
    async fn get_delivery(&self, id: DeliveryId) -> Result<Option<Delivery>>;
    /// A rule's deliveries, newest first, before `before` (a delivery id of the previous
    /// page) when given.
    async fn deliveries(
        &self,
        rule: RuleId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>>;
    /// Records an attempt and moves the delivery and its job on, in one transaction
    /// fenced by `lease` (`LeaseLost` when the job was taken over): delivered or given up
    /// ends the job; a retry queues it again for the time given. A delivery that gave up
    /// adds one to its rule's run of failures, which switches the rule off with
    /// `disable_reason` when it reaches `disable_after` (0: never); one delivered ends
    /// the run.
    async fn record_delivery(
        &self,
        lease: JobLease,
        id: DeliveryId,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
        disable_after: u32,
        disable_reason: &str,
    ) -> Result<RecordedDelivery>;
    /// Ends a delivery that will not be sent (its rule is gone or off) and its job,
    /// fenced by `lease`.
    async fn cancel_delivery(
        &self,
        lease: JobLease,
        id: DeliveryId,
        reason: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Sends a delivery again: it is pending once more and its job is queued (the one
    /// already queued or running, if any). `None` for an unknown delivery.
    async fn replay_delivery(&self, id: DeliveryId, at: Timestamp) -> Result<Option<Job>>;
}

/// The columns both backends store a rule in, in this order.
pub const RULE_COLUMNS: &str = "id, workspace_id, name, enabled, filter, actions, \
     disabled_reason, failures, created_us, updated_us";

/// The columns both backends store a delivery in, in this order.
pub const DELIVERY_COLUMNS: &str = "id, rule_id, call_id, action, is_test, state, attempts, \
     status, latency_ms, response, error, created_us, updated_us";

/// A rule from its stored columns (in [`RULE_COLUMNS`] order).
#[allow(clippy::too_many_arguments)]
pub fn rule_of(
    id: i64,
    workspace_id: i64,
    name: String,
    enabled: bool,
    filter: &str,
    actions: &str,
    disabled_reason: Option<String>,
    failures: i64,
    created_us: i64,
    updated_us: i64,
) -> Result<Rule> {
    let corrupt = |what: &str, e: serde_json::Error| {
        crate::StoreError::Corrupt(format!("automation rule {id}: {what}: {e}"))
    };
    Ok(Rule {
        id: RuleId(id),
        workspace_id: WorkspaceId(workspace_id),
        name,
        enabled,
        filter: serde_json::from_str(filter).map_err(|e| corrupt("filter", e))?,
        actions: serde_json::from_str(actions).map_err(|e| corrupt("actions", e))?,
        disabled_reason,
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        created: ts(created_us)?,
        updated: ts(updated_us)?,
    })
}

/// A rule's filter and actions as stored.
pub fn rule_json(rule: &Rule) -> (String, String) {
    (
        serde_json::to_string(&rule.filter).expect("a filter serialises"),
        serde_json::to_string(&rule.actions).expect("actions serialise"),
    )
}

/// A delivery from its stored columns (in [`DELIVERY_COLUMNS`] order).
#[allow(clippy::too_many_arguments)]
pub fn delivery_of(
    id: i64,
    rule_id: i64,
    call_id: i64,
    action: i64,
    is_test: bool,
    state: &str,
    attempts: i64,
    status: Option<i64>,
    latency_ms: Option<i64>,
    response: Option<String>,
    error: Option<String>,
    created_us: i64,
    updated_us: i64,
) -> Result<Delivery> {
    Ok(Delivery {
        id: DeliveryId(id),
        rule_id: RuleId(rule_id),
        call_id: parley_domain::CallId(call_id),
        action: u32::try_from(action)
            .map_err(|_| crate::StoreError::Corrupt(format!("delivery {id}: action {action}")))?,
        is_test,
        state: DeliveryState::from_key(state)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("delivery {id}: state {state:?}")))?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        status: status.and_then(|s| u16::try_from(s).ok()),
        latency_ms: latency_ms.and_then(|l| u32::try_from(l).ok()),
        response,
        error,
        created: ts(created_us)?,
        updated: ts(updated_us)?,
    })
}

/// The stored state a delivery moves to after an attempt.
pub fn state_after(next: DeliveryNext) -> DeliveryState {
    match next {
        DeliveryNext::Delivered => DeliveryState::Delivered,
        DeliveryNext::RetryAt(_) => DeliveryState::Pending,
        DeliveryNext::GiveUp => DeliveryState::Failed,
    }
}

/// Bytes of an answer kept in the delivery log, at most.
pub const MAX_RESPONSE_BYTES: usize = 1024;
