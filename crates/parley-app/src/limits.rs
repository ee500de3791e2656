//! How much one call or transcript may hold. Every entry point (the API, `parley import`,
//! the demo) goes through these, so what is stored stays bounded whatever is sent: a call
//! is rendered, cached and analysed in full on every listing, so its size is a cost paid
//! on every read, not once.
//!
//! Each bound is a setting of the binary (the field name is the setting's name, which
//! every refusal names, so an operator who meets one knows what to raise).

use parley_domain::{CrmLink, NewCall};

use crate::error::AppError;

/// Bounds on a call and its transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Parties (participants) per call.
    pub max_call_parties: usize,
    /// Fields per CRM object of a call's or a party's context.
    pub max_crm_fields: usize,
    /// Sentences per transcript.
    pub max_transcript_sentences: usize,
    /// Speech segments of a call's `speakersTimeline`.
    pub max_timeline_segments: usize,
    /// Bytes of one generic-CRM upload file (`POST /v2/crm/entities`).
    pub max_crm_upload_bytes: usize,
    /// Lines (objects) of one generic-CRM upload file.
    pub max_crm_upload_lines: usize,
    /// Automation rules per workspace.
    pub max_rules_per_workspace: usize,
    /// Actions of one automation rule.
    pub max_rule_actions: usize,
    /// Values in one rule's filter (all its lists together).
    pub max_rule_filter_values: usize,
    /// Characters of a webhook URL.
    pub max_webhook_url_chars: usize,
    /// Past calls a rule is applied to when created or edited with `applyToPastCalls`.
    pub max_rule_backfill_calls: usize,
    /// Deliveries listed at once from a rule's log.
    pub max_deliveries_page: usize,
    /// Requests for recordings (`GET /parley/v1/calls/{id}/media`, where `media.audioUrl`
    /// and `videoUrl` point) per minute, per access key, or per client address for signed
    /// URLs (which carry no key); a minute's allowance may be used at once. 0 turns the
    /// limit off. Every request counts, byte ranges included: each one reads the media
    /// store, and a limit on whole downloads alone would be escaped by asking for
    /// `bytes=1-`.
    pub media_requests_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A large webinar; a 50,000-party call cost 2 GB per listing page.
            max_call_parties: 1_000,
            // Salesforce's own limit on custom fields per object is 800.
            max_crm_fields: 1_000,
            // Four hours of fast speech is about 15,000 sentences.
            max_transcript_sentences: 50_000,
            // Turns as short as a fifth of a second over four hours.
            max_timeline_segments: 100_000,
            // Gong documents no limit; 20 MiB is about 100,000 objects of ten fields.
            max_crm_upload_bytes: 20 << 20,
            max_crm_upload_lines: 100_000,
            // Each is evaluated for every call that becomes ready.
            max_rules_per_workspace: 100,
            max_rule_actions: 10,
            max_rule_filter_values: 1_000,
            // Browsers and most servers stop at 8 KB of request line.
            max_webhook_url_chars: 2_048,
            // Evaluated in the request that edits the rule.
            max_rule_backfill_calls: 10_000,
            max_deliveries_page: 500,
            // A player streaming one recording asks for a few dozen ranges a minute at
            // most; a script fetching every recording is held to ten a second.
            media_requests_per_minute: 600,
        }
    }
}

impl Limits {
    /// The size problems of a call to create, each a sentence naming the limit.
    pub fn check_call(&self, new: &NewCall) -> Vec<String> {
        let mut problems = Vec::new();
        if new.parties.len() > self.max_call_parties {
            problems.push(format!(
                "parties has {} entries, more than the {} allowed (max_call_parties)",
                new.parties.len(),
                self.max_call_parties
            ));
        }
        let objects = new.context.iter().map(|o| ("context", o)).chain(
            new.parties
                .iter()
                .flat_map(|p| p.context.iter().map(|o| ("parties[].context", o))),
        );
        for (place, object) in objects {
            if let Some(problem) = self.check_crm_object(place, object) {
                problems.push(problem);
                break;
            }
        }
        if let Some(t) = &new.speakers_timeline {
            if t.segments.len() > self.max_timeline_segments {
                problems.push(format!(
                    "speakersTimeline has {} speech segments, more than the {} allowed (max_timeline_segments)",
                    t.segments.len(),
                    self.max_timeline_segments
                ));
            }
        }
        problems
    }

    fn check_crm_object(&self, place: &str, o: &CrmLink) -> Option<String> {
        (o.fields.len() > self.max_crm_fields).then(|| {
            format!(
                "{place}: {} object {} has {} fields, more than the {} allowed (max_crm_fields)",
                o.object_type,
                o.object_id,
                o.fields.len(),
                self.max_crm_fields
            )
        })
    }

    /// Refuses a CRM upload file over the size or line bounds.
    pub fn check_crm_upload(&self, bytes: usize, lines: usize) -> Result<(), AppError> {
        if bytes > self.max_crm_upload_bytes {
            return Err(AppError::invalid(format!(
                "dataFile is larger than the {} byte limit (max_crm_upload_bytes)",
                self.max_crm_upload_bytes
            )));
        }
        if lines > self.max_crm_upload_lines {
            return Err(AppError::invalid(format!(
                "dataFile has {lines} lines, more than the {} allowed (max_crm_upload_lines)",
                self.max_crm_upload_lines
            )));
        }
        Ok(())
    }

    /// Refuses a transcript with more sentences than allowed.
    pub fn check_sentences(&self, sentences: usize) -> Result<(), AppError> {
        if sentences > self.max_transcript_sentences {
            return Err(AppError::invalid(format!(
                "transcript has {sentences} sentences, more than the {} allowed (max_transcript_sentences)",
                self.max_transcript_sentences
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::{CrmSystem, NewParty, UserId};

    fn call(parties: usize, fields: usize) -> NewCall {
        NewCall {
            client_unique_id: "x".into(),
            actual_start: chrono::Utc::now(),
            workspace_id: None,
            title: None,
            purpose: None,
            scheduled_start: None,
            scheduled_end: None,
            duration_s: None,
            disposition: None,
            direction: parley_domain::Direction::Inbound,
            primary_user: UserId(1),
            parties: vec![NewParty::default(); parties],
            context: vec![CrmLink {
                system: CrmSystem::Salesforce,
                object_type: "Account".into(),
                object_id: "A1".into(),
                fields: vec![("f".into(), serde_json::Value::Null); fields],
            }],
            custom_data: None,
            meeting_url: None,
            call_provider_code: None,
            download_media_url: None,
            language_code: None,
            speakers_timeline: None,
        }
    }

    #[test]
    fn calls_over_a_limit_are_refused_naming_the_setting() {
        let limits = Limits {
            max_call_parties: 3,
            max_crm_fields: 2,
            max_transcript_sentences: 10,
            ..Limits::default()
        };
        assert!(limits.check_call(&call(3, 2)).is_empty());
        let p = limits.check_call(&call(4, 3));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("max_call_parties"), "{p:?}");
        assert!(p[1].contains("max_crm_fields"), "{p:?}");
        assert!(limits.check_sentences(10).is_ok());
        let e = limits.check_sentences(11).unwrap_err().to_string();
        assert!(e.contains("max_transcript_sentences"), "{e}");
    }
}
