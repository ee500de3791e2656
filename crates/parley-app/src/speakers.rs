//! Who spoke: correcting the party a voice of a recording is tied to.

use chrono::Utc;

use parley_domain::*;
use parley_store::Store;

use crate::error::{AppError, AppResult};

/// Ties a voice of a call's recording to one of its parties, by a person's word. When
/// the party is a company user and the voice has an embedding, the user's voice profile
/// learns from it, so their later mono calls name them; re-transcribing this call keeps
/// the correction (see `parley_domain::map_voices`). The call is analysed again.
pub async fn assign_speaker(
    store: &dyn Store,
    call_id: CallId,
    speaker: parley_domain::SpeakerId,
    party: parley_domain::PartyId,
) -> AppResult<()> {
    assign(store, call_id, speaker, VoiceOwner::Party(party)).await
}

/// Who a voice is said to be: a party of the call, or a company user (on the call or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceOwner {
    Party(PartyId),
    User(UserId),
}

/// Ties a voice of a call to a party of it or to a company user. A user who is a party
/// of the call is that party (the first one, by the call's order); a user who is not on
/// the call becomes a party of it (company side, an attendee, named as the user), added
/// in the same write as the assignment, so a refused assignment adds nobody.
pub async fn assign(
    store: &dyn Store,
    call_id: CallId,
    speaker: parley_domain::SpeakerId,
    owner: VoiceOwner,
) -> AppResult<()> {
    if store.get_call(call_id).await?.is_none() {
        return Err(AppError::call_not_found(call_id));
    }
    let parties = store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    let added: Option<Party>;
    let target = match owner {
        VoiceOwner::Party(party) => {
            added = None;
            parties.iter().find(|p| p.id == party).ok_or_else(|| {
                AppError::not_found(format!("party {party} is not a party of call {call_id}"))
            })?
        }
        VoiceOwner::User(user) => match parties.iter().find(|p| p.user_id == Some(user)) {
            Some(p) => {
                added = None;
                p
            }
            None => {
                let Some(u) = store.get_user(user).await? else {
                    return Err(AppError::not_found(format!("user {user} not found")));
                };
                added = Some(Party {
                    id: PartyId::generate(),
                    call_id,
                    name: Some(u.full_name()).filter(|n| !n.trim().is_empty()),
                    email: Some(u.email.clone()),
                    title: u.title.clone(),
                    user_id: Some(u.id),
                    speaker_id: None,
                    affiliation: Affiliation::Internal,
                    phone: None,
                    methods: vec![PartyMethod::Attendee],
                    media_channel: None,
                    context: vec![],
                });
                added.as_ref().expect("just set")
            }
        },
    };
    let party = target.id;
    let voices = store.call_speakers(call_id).await?;
    let voice = voices.iter().find(|v| v.speaker_id == speaker);
    let learn = match (target.user_id, voice.and_then(|v| v.voice.as_ref())) {
        (Some(user), Some(v)) => {
            let mut profile = store
                .voice_profiles(&[user])
                .await?
                .pop()
                .unwrap_or_else(|| parley_domain::VoiceProfile::new(user));
            profile.learn(v);
            Some(profile)
        }
        _ => None,
    };
    match store
        .assign_speaker(
            call_id,
            speaker,
            party,
            added.as_ref(),
            learn.as_ref(),
            Utc::now(),
        )
        .await
    {
        Err(parley_store::StoreError::NotFound(_)) => {
            return Err(AppError::not_found(format!(
                "speaker {speaker} does not speak in call {call_id}"
            )))
        }
        other => other?,
    }
    // Who said what decides the people's stats (talk ratio, monologues, questions) and
    // trackers said by one side: the call is analysed again. Queued after the write: if
    // queueing fails the correction stands and the caller's retry (the same PUT) queues it.
    crate::jobs::enqueue(store, JobSpec::Analyze { call: call_id }).await?;
    Ok(())
}
