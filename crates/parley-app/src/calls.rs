//! Registering calls.

use chrono::Utc;

use parley_domain::*;
use parley_store::{Store, StoreError};

use crate::error::{AppError, AppResult};
use crate::limits::Limits;
use crate::workspaces::ensure_default_workspace;

/// The result of creating a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Created {
    pub call_id: CallId,
    /// False when the clientUniqueId was already known and the existing call is returned.
    pub new: bool,
}

/// Registers a call: validates it, resolves users and the workspace, classifies parties.
///
/// Choice: a repeated `clientUniqueId` returns the existing call's id with 200, so a
/// client that retries after a timeout does not get a spurious failure, and the call is
/// never created twice.
pub async fn create_call(store: &dyn Store, new: NewCall) -> AppResult<Created> {
    create_call_within(store, new, &Limits::default()).await
}

/// [`create_call`] under the operator's [`Limits`] (parties per call, CRM fields).
pub async fn create_call_within(
    store: &dyn Store,
    new: NewCall,
    limits: &Limits,
) -> AppResult<Created> {
    // Size first: the other checks walk every party.
    let problems = limits.check_call(&new);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let problems = new.validate();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if let Some(id) = store
        .call_by_client_unique_id(&new.client_unique_id)
        .await?
    {
        return Ok(Created {
            call_id: id,
            new: false,
        });
    }
    let mut problems = Vec::new();
    if store.get_user(new.primary_user).await?.is_none() {
        problems.push(format!(
            "primaryUser {} is not a known user",
            new.primary_user
        ));
    }
    let workspace_id = match new.workspace_id {
        Some(id) => {
            if store.get_workspace(id).await?.is_none() {
                problems.push(format!("workspaceId {id} is not a known workspace"));
            }
            id
        }
        None => ensure_default_workspace(store).await?.id,
    };
    let call_id = CallId::generate();
    let mut parties = Vec::with_capacity(new.parties.len());
    for (i, p) in new.parties.iter().enumerate() {
        let user = match p.user_id {
            Some(id) => {
                let user = store.get_user(id).await?;
                if user.is_none() {
                    problems.push(format!("parties[{i}].userId {id} is not a known user"));
                }
                user
            }
            None => match &p.email {
                Some(email) => store.find_user_by_email(email).await?,
                None => None,
            },
        };
        let affiliation = if user.is_some() {
            Affiliation::Internal
        } else if p.email.is_some() || p.phone.is_some() {
            Affiliation::External
        } else {
            Affiliation::Unknown
        };
        if user.is_some() && !p.context.is_empty() {
            problems.push(format!(
                "parties[{i}].context is only valid for non-company parties"
            ));
        }
        parties.push(Party {
            id: PartyId::generate(),
            call_id,
            name: p
                .name
                .clone()
                .or_else(|| user.as_ref().map(User::full_name)),
            email: p
                .email
                .clone()
                .or_else(|| user.as_ref().map(|u| u.email.clone())),
            title: p
                .title
                .clone()
                .or_else(|| user.as_ref().and_then(|u| u.title.clone())),
            user_id: user.as_ref().map(|u| u.id),
            speaker_id: None,
            affiliation,
            phone: p
                .phone
                .clone()
                .or_else(|| user.as_ref().and_then(|u| u.phone.clone())),
            methods: vec![PartyMethod::Attendee],
            media_channel: p.media_channel,
            context: p.context.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let now = Utc::now();
    let call = Call {
        id: call_id,
        workspace_id,
        title: new.title.clone().unwrap_or_default(),
        scheduled: new.scheduled_start,
        started: new.actual_start,
        duration_s: new.duration_s.map_or(0, |d| d.round() as i64),
        primary_user_id: new.primary_user,
        direction: new.direction,
        system: Some(
            new.call_provider_code
                .as_deref()
                .map_or_else(|| "Upload".to_owned(), system_for_provider),
        ),
        scope: scope_of(parties.iter().map(|p| p.affiliation)),
        media: MediaKind::Audio,
        language: None,
        sdr_disposition: new.disposition.clone(),
        client_unique_id: Some(new.client_unique_id.clone()),
        custom_data: new.custom_data.clone(),
        purpose: new.purpose.clone(),
        meeting_url: new.meeting_url.clone(),
        is_private: false,
        calendar_event_id: None,
        media_source_url: new.download_media_url.clone(),
        language_hint: new.language_code.clone(),
        created: now,
    };
    // The recording is pulled by a worker, queued with the call: the client's request
    // does not wait on someone else's server.
    let jobs: Vec<parley_store::NewJob> = call
        .media_source_url
        .is_some()
        .then(|| JobSpec::FetchMedia { call: call_id }.into())
        .into_iter()
        .collect();
    let timeline = new
        .speakers_timeline
        .as_ref()
        .map(|t| t.map_parties(|i| parties[i].id));
    match store
        .insert_call_with(&call, &parties, &new.context, &jobs, timeline.as_ref())
        .await
    {
        Ok(()) => {
            tracing::info!(call_id = %call_id, workspace_id = %workspace_id, parties = parties.len(), "call created");
            // A meeting becomes a call when it is recorded.
            crate::meetings::link_recorded_call(store, &call).await;
            Ok(Created { call_id, new: true })
        }
        // Two concurrent requests with one clientUniqueId: the loser returns the winner.
        Err(StoreError::Conflict(_)) => match store
            .call_by_client_unique_id(&new.client_unique_id)
            .await?
        {
            Some(id) => Ok(Created {
                call_id: id,
                new: false,
            }),
            None => Err(AppError::internal(
                "a clientUniqueId conflicted, but no call has it",
            )),
        },
        Err(e) => Err(e.into()),
    }
}

/// Deletes a call the principal may see, with everything of it; its recording goes by a
/// queued `DeleteMedia` job (retried until the media store answers). True when it had a
/// recording. `NotFound` for a call the principal may not see (as if it did not exist);
/// `Forbidden` when they may see it but their right to delete calls (the admin role, or
/// a permission profile's `deleteCalls`) does not reach its workspace.
pub async fn delete_call(store: &dyn Store, p: &Principal, id: CallId) -> AppResult<bool> {
    let not_found = || AppError::call_not_found(id);
    let call = store.get_call(id).await?.ok_or_else(not_found)?;
    if !crate::access::may_see_call(store, p, &call).await? {
        return Err(not_found());
    }
    if !p.reaches(call.workspace_id) {
        return Err(AppError::Forbidden(format!(
            "you may not delete calls of workspace {}",
            call.workspace_id
        )));
    }
    let key = store
        .delete_call(id, Utc::now())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => not_found(),
            other => other.into(),
        })?;
    tracing::info!(call_id = %id, recording = key.is_some(), "call deleted");
    Ok(key.is_some())
}
