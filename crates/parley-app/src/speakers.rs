//! Who spoke: correcting the party a voice of a recording is tied to.

use chrono::Utc;

use parley_domain::*;
use parley_store::Store;

use crate::error::{AppError, AppResult};

/// Ties a voice of a call's recording to one of its parties, by a person's word. When
/// the party is a company user and the voice has an embedding, the user's voice profile
/// learns from it, so their later mono calls name them; re-transcribing this call keeps
/// the correction (see `parley_domain::map_voices`).
pub async fn assign_speaker(
    store: &dyn Store,
    call_id: CallId,
    speaker: parley_domain::SpeakerId,
    party: parley_domain::PartyId,
) -> AppResult<()> {
    if store.get_call(call_id).await?.is_none() {
        return Err(AppError::call_not_found(call_id));
    }
    let parties = store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    let Some(target) = parties.iter().find(|p| p.id == party) else {
        return Err(AppError::not_found(format!(
            "party {party} is not a party of call {call_id}"
        )));
    };
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
        .assign_speaker(call_id, speaker, party, learn.as_ref(), Utc::now())
        .await
    {
        Err(parley_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!(
            "speaker {speaker} does not speak in call {call_id}"
        ))),
        other => Ok(other?),
    }
}
