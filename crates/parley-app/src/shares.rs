//! Sharing a call outside the company: a link whose holder reads the call's transcript
//! and plays its recording without an account (`parley_domain::share`).
//!
//! Who may do what: whoever may see the call makes a link and lists its links (a rep
//! shares their calls with the customer, as in Gong); a link is revoked by its maker or
//! an admin. The token is shown once, to its maker; the store keeps its SHA-256. A link
//! opens the call's title, date, speakers' names and sides, transcript and recording —
//! never the parties' addresses, comments, analysis or anything else of the company.

use chrono::Duration;

use parley_domain::share::{
    CallShare, ShareBounds, ShareId, DEFAULT_SHARE_DAYS, MAX_RECIPIENT_CHARS,
};
use parley_domain::{Affiliation, Call, Principal, Role, SpeakerId, Timestamp, Transcript};
use parley_store::{ShareAdded, Store};

use crate::access::may_see_call;
use crate::error::{AppError, AppResult};
use crate::sessions::{random_token, token_sha};

/// A link as its maker asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewShare {
    /// Days it stays open; [`DEFAULT_SHARE_DAYS`] when absent.
    pub expires_in_days: Option<i64>,
    pub recipient: Option<String>,
}

/// A link just made: its token goes to the maker once, and nowhere else.
#[derive(Debug, Clone)]
pub struct MadeShare {
    pub share: CallShare,
    pub token: String,
}

/// The message for a link that does not exist (or is not the caller's to see).
pub fn share_not_found(id: &str) -> String {
    format!("Share ID {id} was not found")
}

async fn visible_call(store: &dyn Store, p: &Principal, call: &Call) -> AppResult<()> {
    if may_see_call(store, p, call).await? {
        Ok(())
    } else {
        Err(AppError::call_not_found(call.id))
    }
}

/// The recipient note as stored: trimmed, `None` when blank; every problem a sentence.
fn recipient_of(raw: Option<String>) -> Result<Option<String>, String> {
    let Some(text) = raw else { return Ok(None) };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_RECIPIENT_CHARS {
        return Err(format!(
            "recipient: at most {MAX_RECIPIENT_CHARS} characters"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("recipient: control characters are not allowed".into());
    }
    Ok(Some(text.to_owned()))
}

/// Makes a link to `call` for someone outside the company, made by the principal's user.
pub async fn create(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    new: NewShare,
    bounds: ShareBounds,
    now: Timestamp,
) -> AppResult<MadeShare> {
    visible_call(store, p, call).await?;
    let Some(maker) = p.user else {
        return Err(AppError::invalid(
            "a link is made by a company user, and this key acts for no user: use a key or \
             token of the user who shares the call",
        ));
    };
    let mut problems = Vec::new();
    let days = new.expires_in_days.unwrap_or(i64::from(DEFAULT_SHARE_DAYS));
    if !(1..=i64::from(bounds.max_days)).contains(&days) {
        problems.push(format!(
            "expiresInDays: {days} is not from 1 to {} (max_share_days)",
            bounds.max_days
        ));
    }
    let recipient = recipient_of(new.recipient).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let token = random_token();
    let share = CallShare {
        id: ShareId::generate(),
        call_id: call.id,
        created_by: maker,
        recipient,
        created: now,
        expires: now + Duration::days(days),
        revoked: None,
        views: 0,
        last_viewed: None,
    };
    match store
        .add_share(&share, &token_sha(&token), bounds.max_per_call)
        .await?
    {
        ShareAdded::Added => {
            tracing::info!(call_id = %call.id, share_id = %share.id, days, "call shared outside the company");
            Ok(MadeShare { share, token })
        }
        ShareAdded::Full => Err(AppError::invalid(format!(
            "call {} already has {} links, the most allowed (max_shares_per_call)",
            call.id, bounds.max_per_call
        ))),
    }
}

/// A call's links, newest first.
pub async fn list(store: &dyn Store, p: &Principal, call: &Call) -> AppResult<Vec<CallShare>> {
    visible_call(store, p, call).await?;
    Ok(store.call_shares(call.id).await?)
}

/// Revokes a link of `call`: its maker, or an admin.
pub async fn revoke(
    store: &dyn Store,
    p: &Principal,
    call: &Call,
    id: ShareId,
    now: Timestamp,
) -> AppResult<CallShare> {
    visible_call(store, p, call).await?;
    let found = store
        .call_shares(call.id)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::NotFound(share_not_found(&id.to_string())))?;
    if p.user != Some(found.created_by) && p.role < Role::Admin {
        return Err(AppError::Forbidden(
            "a link is revoked by the user who made it, or an admin".into(),
        ));
    }
    let revoked = store
        .revoke_share(call.id, id, now)
        .await?
        .ok_or_else(|| AppError::NotFound(share_not_found(&id.to_string())))?;
    tracing::info!(call_id = %call.id, share_id = %id, "link revoked");
    Ok(revoked)
}

/// A voice of a shared call as the holder of the link sees it: a name and a side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedSpeaker {
    pub speaker_id: SpeakerId,
    pub name: String,
    pub affiliation: Affiliation,
}

/// What a link opens.
#[derive(Debug, Clone)]
pub struct SharedCall {
    pub share: CallShare,
    pub call: Call,
    pub speakers: Vec<SharedSpeaker>,
    /// `None` while the call has no transcript.
    pub transcript: Option<Transcript>,
    pub has_recording: bool,
}

/// The link whose token this is, if it is open at `now`; `None` when unknown, expired or
/// revoked (alike: the holder learns nothing else). With `count_view`, counts a view.
pub async fn open(
    store: &dyn Store,
    token: &str,
    now: Timestamp,
    count_view: bool,
) -> AppResult<Option<CallShare>> {
    // A token is 64 hex digits; anything else is no link, without a lookup.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(store.open_share(&token_sha(token), now, count_view).await?)
}

/// The call a link opens, counting the view; `None` as [`open`].
pub async fn shared_call(
    store: &dyn Store,
    token: &str,
    now: Timestamp,
) -> AppResult<Option<SharedCall>> {
    let Some(share) = open(store, token, now, true).await? else {
        return Ok(None);
    };
    let Some(call) = store.get_call(share.call_id).await? else {
        return Ok(None);
    };
    let transcript = store.transcript_detail(call.id).await?.map(|(_, t)| t);
    let parties = store
        .parties_of(&[call.id])
        .await?
        .remove(&call.id)
        .unwrap_or_default();
    let mut speakers: Vec<SharedSpeaker> = Vec::new();
    for m in transcript.iter().flatten() {
        if speakers.iter().any(|s| s.speaker_id == m.speaker_id) {
            continue;
        }
        let party = parties.iter().find(|p| p.speaker_id == Some(m.speaker_id));
        speakers.push(SharedSpeaker {
            speaker_id: m.speaker_id,
            name: party
                .and_then(|p| p.name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("Speaker {}", speakers.len() + 1)),
            affiliation: party.map_or(Affiliation::Unknown, |p| p.affiliation),
        });
    }
    let has_recording = store.call_media(call.id).await?.is_some();
    Ok(Some(SharedCall {
        share,
        call,
        speakers,
        transcript,
        has_recording,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_notes_are_trimmed_bounded_and_printable() {
        assert_eq!(recipient_of(None), Ok(None));
        assert_eq!(recipient_of(Some("  ".into())), Ok(None));
        assert_eq!(
            recipient_of(Some(" ana@customer.example ".into())),
            Ok(Some("ana@customer.example".into()))
        );
        assert!(recipient_of(Some("a\u{7}b".into())).is_err());
        assert!(recipient_of(Some("é".repeat(MAX_RECIPIENT_CHARS))).is_ok());
        assert!(recipient_of(Some("é".repeat(MAX_RECIPIENT_CHARS + 1))).is_err());
    }
}
