//! The CRM field action, run: "write the phrases of tracker T said in the call to field F
//! of the opportunity the call is linked to". [`enqueue_for_call`] records a write and
//! queues its `crm-write` job (a rule's delivery calls [`enqueue_for_delivery`] when a
//! rule with the action fires; `POST /parley/v1/calls/{id}/crm-writes` and `parley crm-writes run` call it by
//! hand); [`run_write`] is the job's handler.
//!
//! The target is the call's context object of the connector's system whose type is an
//! opportunity (`parley_domain::crm_write::target_object`), chosen when the write is
//! queued and recorded on it. The value is a pure function of the call's stored tracker
//! hits and, in merge mode, the field's current value, read just before the write
//! (`parley_domain::crm_write::{said_phrases, field_value}`).

use chrono::Utc;
use parley_domain::automation::DeliveryId;
use parley_domain::crm_write::{
    field_value, said_phrases, target_object, CrmFieldAction, CrmWrite, CrmWriteState, SaidPhrase,
    TrackerRef,
};
use parley_domain::{random_id, CallId, JobLease, JobSpec, Principal};
use parley_outbound::FetchPolicy;
use parley_store::{NewJob, Store};

use crate::crm_clients::{Client, CrmError};
use crate::error::AppError;
use crate::jobs::JobError;

type AppResult<T> = Result<T, AppError>;

/// Records a write of `action` for `call` and queues its job; the write as recorded
/// (pending, or skipped at once when the call's context names no object to write to:
/// its job then only finishes).
pub async fn enqueue_for_call(
    store: &dyn Store,
    call: CallId,
    action: &CrmFieldAction,
) -> AppResult<CrmWrite> {
    enqueue(store, random_id(), call, action).await
}

/// The write a rule's delivery hands its CRM field action to. It takes the delivery's
/// id, so a delivery attempt that dies after queuing it and is run again finds it
/// instead of queuing a second write.
pub async fn enqueue_for_delivery(
    store: &dyn Store,
    delivery: DeliveryId,
    call: CallId,
    action: &CrmFieldAction,
) -> AppResult<CrmWrite> {
    if let Some(w) = store.crm_write(delivery.0).await? {
        return Ok(w);
    }
    enqueue(store, delivery.0, call, action).await
}

async fn enqueue(
    store: &dyn Store,
    id: i64,
    call: CallId,
    action: &CrmFieldAction,
) -> AppResult<CrmWrite> {
    action.validate().map_err(AppError::invalid)?;
    let c = store
        .get_call(call)
        .await?
        .ok_or_else(|| AppError::call_not_found(call))?;
    let connector = store
        .crm_connector(action.connector)
        .await?
        .filter(|k| k.workspace_id == c.workspace_id)
        .ok_or_else(|| {
            AppError::invalid(format!(
                "crm connector {} is not a connector of the call's workspace",
                action.connector
            ))
        })?;
    let context = store
        .call_context_of(&[call])
        .await?
        .remove(&call)
        .unwrap_or_default();
    let system = connector.kind.system();
    let object_id =
        target_object(&context, system, action.object_type).map(|l| l.object_id.clone());
    let now = Utc::now();
    let mut w = CrmWrite {
        id,
        workspace_id: c.workspace_id,
        call_id: call,
        action: action.clone(),
        object_id,
        state: CrmWriteState::Pending,
        attempts: 0,
        value: None,
        previous: None,
        outcome: None,
        created: now,
        updated: now,
    };
    let job = NewJob::from(JobSpec::CrmWrite { call, write: w.id });
    if w.object_id.is_none() {
        // Nothing to write to: the record says so, and no job is queued.
        w.state = CrmWriteState::Skipped;
        w.outcome = Some(format!(
            "the call's context has no {} of {system:?}",
            action.object_type.key()
        ));
        store.create_crm_write(&w, &job, now).await?;
        return Ok(w);
    }
    store.create_crm_write(&w, &job, now).await?;
    tracing::info!(call_id = %call, write_id = w.id, connector_id = connector.id, "crm write queued");
    Ok(w)
}

fn to_job(e: CrmError) -> JobError {
    match e {
        CrmError::Transient(m) => JobError::transient(m),
        CrmError::Permanent(m) => JobError::permanent(m),
    }
}

/// The phrases of the action's tracker said in the call, from its stored analysis.
async fn said(store: &dyn Store, w: &CrmWrite) -> Result<Vec<String>, JobError> {
    let trackers = store.trackers(Some(w.workspace_id)).await?;
    let def = trackers
        .iter()
        .map(|t| &t.def)
        .find(|d| w.action.tracker.names(d));
    let analysis = store
        .analyses_of(&[w.call_id])
        .await?
        .remove(&w.call_id)
        .ok_or_else(|| JobError::transient("the call has not been analysed yet"))?;
    let hits = analysis
        .trackers
        .iter()
        .find(|h| match (&w.action.tracker, def) {
            (_, Some(d)) => h.tracker_id == d.id,
            (TrackerRef::Id(id), None) => h.tracker_id == *id,
            (TrackerRef::Name(n), None) => h.name.eq_ignore_ascii_case(n.trim()),
        });
    if def.is_none() && hits.is_none() {
        return Err(JobError::permanent(match &w.action.tracker {
            TrackerRef::Id(id) => format!("tracker {id} is not a tracker of the call's workspace"),
            TrackerRef::Name(n) => format!("the call's workspace has no tracker named {n:?}"),
        }));
    }
    let phrases: Vec<SaidPhrase> = hits
        .map(|h| {
            h.phrases
                .iter()
                .filter_map(|p| {
                    let first = p.occurrences.iter().map(|o| o.start_ms).min()?;
                    Some(SaidPhrase {
                        phrase: p.phrase.clone(),
                        first_ms: first,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(said_phrases(def, &phrases))
}

/// The `crm-write` job: computes the value, reads the field when merging, writes it,
/// and records the outcome on the write, finished fenced by the lease.
pub async fn run_write(
    store: &dyn Store,
    policy: &FetchPolicy,
    write: i64,
    lease: JobLease,
) -> Result<(), JobError> {
    let Some(mut w) = store.crm_write(write).await? else {
        return Err(JobError::permanent("the crm write no longer exists"));
    };
    if w.state != CrmWriteState::Pending {
        // Skipped when queued, or finished by an earlier attempt whose job end was lost.
        store.finish_job(lease, Utc::now()).await?;
        return Ok(());
    }
    w.attempts = lease.attempt;
    match attempt(store, policy, &mut w).await {
        Ok(()) => {
            w.updated = Utc::now();
            store.finish_crm_write(&w, lease, w.updated).await?;
            tracing::info!(write_id = w.id, state = w.state.key(), "crm write done");
            Ok(())
        }
        Err(e) => {
            w.outcome = Some(e.message.clone());
            w.state = if e.transient {
                CrmWriteState::Pending
            } else {
                CrmWriteState::Failed
            };
            w.updated = Utc::now();
            store.update_crm_write(&w).await?;
            Err(e)
        }
    }
}

async fn attempt(
    store: &dyn Store,
    policy: &FetchPolicy,
    w: &mut CrmWrite,
) -> Result<(), JobError> {
    let Some(object_id) = w.object_id.clone() else {
        w.state = CrmWriteState::Skipped;
        w.outcome = Some("the call's context names no object to write to".into());
        return Ok(());
    };
    let connector = store
        .crm_connector(w.action.connector)
        .await?
        .ok_or_else(|| {
            JobError::permanent(format!("crm connector {} was deleted", w.action.connector))
        })?;
    let said = said(store, w).await?;
    if said.is_empty() {
        w.state = CrmWriteState::Skipped;
        w.outcome = Some("none of the tracker's phrases was said in the call".into());
        return Ok(());
    }
    let secrets = crate::crm_connectors::unseal(store, &connector)
        .await
        .map_err(|e| match e {
            AppError::Store(e) => JobError::transient(e.to_string()),
            other => JobError::permanent(other.to_string()),
        })?;
    let client = Client {
        connector: &connector,
        secrets,
        policy,
        store,
    };
    let a = &w.action;
    let current = if a.merge_with_current {
        client
            .read(a.object_type, &object_id, a.field.trim())
            .await
            .map_err(to_job)?
    } else {
        None
    };
    w.previous = current.clone();
    let Some(value) = field_value(&said, current.as_deref(), a.merge_with_current) else {
        w.state = CrmWriteState::Skipped;
        w.outcome = Some("the field already holds every phrase".into());
        w.value = current;
        return Ok(());
    };
    if value.chars().count() > parley_domain::crm_write::MAX_VALUE_CHARS {
        return Err(JobError::permanent(format!(
            "the value would be longer than {} characters",
            parley_domain::crm_write::MAX_VALUE_CHARS
        )));
    }
    w.value = Some(value.clone());
    client
        .write(a.object_type, &object_id, a.field.trim(), &value)
        .await
        .map_err(to_job)?;
    w.state = CrmWriteState::Written;
    w.outcome = None;
    Ok(())
}

/// A call the caller may see, by id (a 404 in Gong's words otherwise).
async fn seen_call(
    store: &dyn Store,
    who: &Principal,
    call: CallId,
) -> AppResult<parley_domain::Call> {
    let c = store
        .get_call(call)
        .await?
        .ok_or_else(|| AppError::call_not_found(call))?;
    crate::access::visible(who, c.workspace_id, || {
        gong_api_v2::messages::call_not_found(&call.to_string())
    })?;
    if !crate::access::may_see_call(store, who, &c).await? {
        return Err(AppError::call_not_found(call));
    }
    Ok(c)
}

/// Runs an action against one call by hand (an admin testing a connector, or catching
/// up a call): the same write a rule queues.
pub async fn run_by_hand(
    store: &dyn Store,
    who: &Principal,
    call: CallId,
    action: &CrmFieldAction,
) -> AppResult<CrmWrite> {
    seen_call(store, who, call).await?;
    enqueue_for_call(store, call, action).await
}

/// The writes of a call the caller may see, oldest first.
pub async fn writes_of_call(
    store: &dyn Store,
    who: &Principal,
    call: CallId,
) -> AppResult<Vec<CrmWrite>> {
    seen_call(store, who, call).await?;
    Ok(store.crm_writes_of_call(call).await?)
}
