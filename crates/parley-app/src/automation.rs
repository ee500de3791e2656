//! Automation rules: defining them (admins), firing them when a call becomes ready, the
//! delivery log, replays and test sends. Every action of a firing rule is a delivery (the
//! outbox row written with the call's analysis): a webhook is POSTed by its `deliver`
//! job, a CRM field action is handed by it to a `crm-write` job (`webhooks::deliver`). The filter is pure
//! (`parley_domain::automation::CallFilter::matches`); this module gathers the facts it
//! reads and writes the deliveries (the webhook outbox) the store sends from.

use std::collections::HashMap;

use chrono::Utc;
use parley_analysis::CallAnalysis;
use parley_domain::automation::{
    Action, CallFilter, Delivery, DeliveryId, NewDelivery, Rule, RuleFacts, RuleId,
};
use parley_domain::{Call, CallId, Job, Party, Principal, UserId, WorkspaceId};
use parley_store::Store;

use crate::error::{AppError, AppResult};
use crate::Limits;

/// A rule as a client defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInput {
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub enabled: bool,
    pub filter: CallFilter,
    pub actions: Vec<Action>,
}

fn rule_not_found(id: RuleId) -> AppError {
    AppError::not_found(format!("automation rule {id} was not found"))
}

/// Every problem with a rule, each naming the setting that bounds it.
pub fn check(input: &RuleInput, limits: &Limits) -> Vec<String> {
    let mut problems = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        problems.push("name must not be empty".to_owned());
    } else if name.chars().count() > 200 {
        problems.push("name is longer than 200 characters".to_owned());
    }
    if input.actions.is_empty() {
        problems.push("actions must hold at least one action".to_owned());
    }
    if input.actions.len() > limits.max_rule_actions {
        problems.push(format!(
            "actions has {} entries, more than the {} allowed (max_rule_actions)",
            input.actions.len(),
            limits.max_rule_actions
        ));
    }
    let values = input.filter.values();
    if values > limits.max_rule_filter_values {
        problems.push(format!(
            "filter holds {values} values, more than the {} allowed (max_rule_filter_values)",
            limits.max_rule_filter_values
        ));
    }
    if let (Some(min), Some(max)) = (input.filter.min_duration_s, input.filter.max_duration_s) {
        if min > max {
            problems.push("filter.minDurationSec is above filter.maxDurationSec".to_owned());
        }
    }
    for (i, action) in input.actions.iter().enumerate() {
        match action {
            Action::Webhook(w) => {
                if let Some(p) = check_url(&w.url, limits) {
                    problems.push(format!("actions[{i}].url {p}"));
                }
            }
            Action::CrmField(a) => {
                if let Err(p) = a.validate() {
                    problems.push(format!("actions[{i}].{p}"));
                }
            }
        }
    }
    problems
}

/// Every problem [`check`] finds, and every CRM field action whose connector is not one
/// of the rule's workspace (a rule must not write through another workspace's CRM).
async fn problems(store: &dyn Store, input: &RuleInput, limits: &Limits) -> AppResult<Vec<String>> {
    let mut problems = check(input, limits);
    for (i, action) in input.actions.iter().enumerate() {
        let Action::CrmField(a) = action else {
            continue;
        };
        let theirs = store
            .crm_connector(a.connector)
            .await?
            .is_some_and(|c| c.workspace_id == input.workspace_id);
        if !theirs {
            problems.push(format!(
                "actions[{i}]: crm connector {} is not a connector of workspace {}",
                a.connector, input.workspace_id
            ));
        }
    }
    Ok(problems)
}

fn check_url(url: &str, limits: &Limits) -> Option<String> {
    if url.chars().count() > limits.max_webhook_url_chars {
        return Some(format!(
            "is longer than the {} characters allowed (max_webhook_url_chars)",
            limits.max_webhook_url_chars
        ));
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Some("is not an absolute url".to_owned());
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("must be http or https".to_owned());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("must not hold a user name or password".to_owned());
    }
    if parsed.host_str().is_none() {
        return Some("has no host".to_owned());
    }
    None
}

/// Rules the principal may manage: admins' (checked by the operation table), confined to
/// a bound key's workspace.
pub async fn list(
    store: &dyn Store,
    p: &Principal,
    workspace: Option<WorkspaceId>,
) -> AppResult<Vec<Rule>> {
    let workspace = crate::access::confine(p, workspace)?;
    let mut rules = store.rules(workspace).await?;
    rules.retain(|r| p.reaches(r.workspace_id));
    Ok(rules)
}

pub async fn get(store: &dyn Store, p: &Principal, id: RuleId) -> AppResult<Rule> {
    let rule = store
        .get_rule(id)
        .await?
        .ok_or_else(|| rule_not_found(id))?;
    crate::access::visible(p, rule.workspace_id, || {
        format!("automation rule {id} was not found")
    })?;
    Ok(rule)
}

pub async fn create(
    store: &dyn Store,
    p: &Principal,
    input: RuleInput,
    limits: &Limits,
    apply_to_past: bool,
) -> AppResult<Rule> {
    crate::access::confine(p, Some(input.workspace_id))?;
    let problems = problems(store, &input, limits).await?;
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if store.get_workspace(input.workspace_id).await?.is_none() {
        return Err(AppError::not_found(format!(
            "workspace {} was not found",
            input.workspace_id
        )));
    }
    let held = store.rules(Some(input.workspace_id)).await?.len();
    if held >= limits.max_rules_per_workspace {
        return Err(AppError::invalid(format!(
            "the workspace already holds {held} automation rules, the most allowed (max_rules_per_workspace)"
        )));
    }
    let now = Utc::now();
    let rule = Rule {
        id: RuleId::generate(),
        workspace_id: input.workspace_id,
        name: input.name.trim().to_owned(),
        enabled: input.enabled,
        filter: input.filter,
        actions: input.actions,
        disabled_reason: None,
        failures: 0,
        created: now,
        updated: now,
    };
    store.create_rule(&rule).await?;
    if apply_to_past && rule.enabled {
        apply_to_past_calls(store, &rule, limits).await?;
    }
    Ok(rule)
}

/// Replaces a rule's definition (its workspace stays). Enabling a rule clears the reason
/// it was switched off and its run of failures.
pub async fn update(
    store: &dyn Store,
    p: &Principal,
    id: RuleId,
    input: RuleInput,
    limits: &Limits,
    apply_to_past: bool,
) -> AppResult<Rule> {
    let mut rule = get(store, p, id).await?;
    if input.workspace_id != rule.workspace_id {
        return Err(AppError::invalid(
            "workspaceId cannot change; create the rule in the other workspace instead",
        ));
    }
    let problems = problems(store, &input, limits).await?;
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if input.enabled {
        rule.disabled_reason = None;
        rule.failures = 0;
    }
    rule.name = input.name.trim().to_owned();
    rule.enabled = input.enabled;
    rule.filter = input.filter;
    rule.actions = input.actions;
    rule.updated = Utc::now();
    if !store.update_rule(&rule).await? {
        return Err(rule_not_found(id));
    }
    if apply_to_past && rule.enabled {
        apply_to_past_calls(store, &rule, limits).await?;
    }
    Ok(rule)
}

pub async fn delete(store: &dyn Store, p: &Principal, id: RuleId) -> AppResult<()> {
    get(store, p, id).await?;
    if !store.delete_rule(id).await? {
        return Err(rule_not_found(id));
    }
    Ok(())
}

/// A rule's delivery log, newest first.
pub async fn deliveries(
    store: &dyn Store,
    p: &Principal,
    id: RuleId,
    before: Option<DeliveryId>,
    limit: u32,
) -> AppResult<Vec<Delivery>> {
    get(store, p, id).await?;
    Ok(store.deliveries(id, before, limit).await?)
}

/// Sends a delivery of the rule again (same delivery id).
pub async fn replay(
    store: &dyn Store,
    p: &Principal,
    id: RuleId,
    delivery: DeliveryId,
) -> AppResult<Job> {
    get(store, p, id).await?;
    let not_found = || AppError::not_found(format!("delivery {delivery} was not found"));
    let d = store.get_delivery(delivery).await?.ok_or_else(not_found)?;
    if d.rule_id != id {
        return Err(not_found());
    }
    store
        .replay_delivery(delivery, Utc::now())
        .await?
        .ok_or_else(not_found)
}

/// "Send a test": each of the rule's webhook actions for a real call (`call`, or the
/// workspace's most recently started analysed call) with `isTest: true`, whether or not
/// it matches. CRM field actions are not run by a test: a test must not change the CRM
/// (`crm_writeback::run_by_hand` runs one against a call on purpose).
pub async fn send_test(
    store: &dyn Store,
    p: &Principal,
    id: RuleId,
    call: Option<CallId>,
) -> AppResult<(CallId, Vec<DeliveryId>)> {
    let rule = get(store, p, id).await?;
    let webhooks: Vec<u32> = (0..rule.actions.len() as u32)
        .filter(|i| matches!(rule.actions[*i as usize], Action::Webhook(_)))
        .collect();
    if webhooks.is_empty() {
        return Err(AppError::invalid(
            "the rule has no webhook action to send a test of; a crm field action is run against one call by hand",
        ));
    }
    let call = match call {
        Some(c) => {
            let found = store
                .get_call(c)
                .await?
                .filter(|c| c.workspace_id == rule.workspace_id);
            found.ok_or_else(|| AppError::call_not_found(c))?.id
        }
        None => latest_analysed_call(store, rule.workspace_id)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "the workspace has no analysed call to send as a test; name one with callId",
                )
            })?,
    };
    let deliveries: Vec<NewDelivery> = webhooks
        .into_iter()
        .map(|action| NewDelivery {
            id: DeliveryId::generate(),
            rule_id: rule.id,
            call_id: call,
            action,
            is_test: true,
        })
        .collect();
    let queued = store.queue_deliveries(&deliveries, Utc::now()).await?;
    Ok((call, queued))
}

async fn latest_analysed_call(store: &dyn Store, ws: WorkspaceId) -> AppResult<Option<CallId>> {
    let mut after = None;
    let mut best: Option<Call> = None;
    // Bounded: a page of 500 at a time, and a test is rare.
    loop {
        let ids = store.transcribed_calls(Some(ws), after, 500).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        let analysed = store.analyses_of(&ids).await?;
        for (call, _) in store.calls_with_versions(&ids).await? {
            if analysed.contains_key(&call.id)
                && best.as_ref().is_none_or(|b| call.started > b.started)
            {
                best = Some(call);
            }
        }
    }
    Ok(best.map(|c| c.id))
}

/// Fires a newly enabled or edited rule for the workspace's calls analysed already (at
/// most `max_rule_backfill_calls`); calls it fired for before are skipped by the store.
async fn apply_to_past_calls(store: &dyn Store, rule: &Rule, limits: &Limits) -> AppResult<usize> {
    let mut after = None;
    let mut seen = 0usize;
    let mut queued = 0usize;
    while seen < limits.max_rule_backfill_calls {
        let page = (limits.max_rule_backfill_calls - seen).min(200) as u32;
        let ids = store
            .transcribed_calls(Some(rule.workspace_id), after, page)
            .await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        seen += ids.len();
        let analyses = crate::stored::analyses_of(store, &ids).await?;
        let calls = store.calls_with_versions(&ids).await?;
        let mut parties = store.parties_of(&ids).await?;
        let mut context = store.call_context_of(&ids).await?;
        let mut fired = Vec::new();
        for (call, _) in &calls {
            let Some(analysis) = analyses.get(&call.id) else {
                continue;
            };
            let call_parties = parties.remove(&call.id).unwrap_or_default();
            let call_context = extended_context(context.remove(&call.id), &call_parties);
            let managers = managers_of(store, call.primary_user_id).await?;
            let facts = Facts::new(analysis);
            if rule
                .filter
                .matches(&facts.of(call, &call_parties, &managers, &call_context))
            {
                fired.extend(new_deliveries(rule, call.id));
            }
        }
        queued += store.queue_deliveries(&fired, Utc::now()).await?.len();
    }
    Ok(queued)
}

/// The CRM objects a filter sees: the call's own and its parties' (what Extended
/// context shows). One place, so a rule applied to past calls matches as firing does.
fn extended_context(
    call: Option<Vec<parley_domain::CrmLink>>,
    parties: &[Party],
) -> Vec<parley_domain::CrmLink> {
    let mut all = call.unwrap_or_default();
    all.extend(parties.iter().flat_map(|p| p.context.iter().cloned()));
    all
}

fn new_deliveries(rule: &Rule, call: CallId) -> impl Iterator<Item = NewDelivery> + '_ {
    (0..rule.actions.len() as u32).map(move |action| NewDelivery {
        id: DeliveryId::generate(),
        rule_id: rule.id,
        call_id: call,
        action,
        is_test: false,
    })
}

/// The primary user's managers, nearest first (at most 20 levels: a loop in the data
/// must not hang a worker).
async fn managers_of(store: &dyn Store, user: UserId) -> AppResult<Vec<UserId>> {
    let mut chain = Vec::new();
    let mut next = store.get_user(user).await?.and_then(|u| u.manager_id);
    while let Some(m) = next {
        if chain.contains(&m) || chain.len() >= 20 {
            break;
        }
        chain.push(m);
        next = store.get_user(m).await?.and_then(|u| u.manager_id);
    }
    Ok(chain)
}

/// What an analysis tells a filter.
struct Facts {
    trackers: Vec<(parley_domain::TrackerId, u32)>,
    topics: Vec<String>,
}

impl Facts {
    fn new(analysis: &CallAnalysis) -> Facts {
        Facts {
            trackers: analysis
                .trackers
                .iter()
                .filter(|t| t.count > 0)
                .map(|t| (t.tracker_id, t.count))
                .collect(),
            topics: analysis
                .topics
                .totals
                .iter()
                .filter(|(_, ms)| *ms > 0)
                .map(|(name, _)| name.clone())
                .collect(),
        }
    }

    fn of<'a>(
        &'a self,
        call: &'a Call,
        parties: &'a [Party],
        managers: &'a [UserId],
        context: &'a [parley_domain::CrmLink],
    ) -> RuleFacts<'a> {
        RuleFacts {
            call,
            parties,
            managers,
            trackers: &self.trackers,
            topics: &self.topics,
            context,
        }
    }
}

/// The deliveries a call fires as it becomes ready with `analysis`: one per action of
/// each enabled rule of its workspace whose filter it matches. Written by the store with
/// the analysis, in its transaction.
pub async fn firing(
    store: &dyn Store,
    call: &Call,
    analysis: &CallAnalysis,
) -> AppResult<Vec<NewDelivery>> {
    let rules: Vec<Rule> = store
        .rules(Some(call.workspace_id))
        .await?
        .into_iter()
        .filter(|r| r.enabled)
        .collect();
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let parties = store
        .parties_of(&[call.id])
        .await?
        .remove(&call.id)
        .unwrap_or_default();
    let mut context: HashMap<CallId, Vec<parley_domain::CrmLink>> =
        store.call_context_of(&[call.id]).await?;
    let call_context = extended_context(context.remove(&call.id), &parties);
    let managers = managers_of(store, call.primary_user_id).await?;
    let facts = Facts::new(analysis);
    let facts = facts.of(call, &parties, &managers, &call_context);
    Ok(rules
        .iter()
        .filter(|r| r.filter.matches(&facts))
        .flat_map(|r| new_deliveries(r, call.id).collect::<Vec<_>>())
        .collect())
}
