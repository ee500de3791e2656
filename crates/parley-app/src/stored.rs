//! Between the analysis engine's types and the store's versioned rows
//! ([`parley_store::rows`]). The engine's structs may change with the algorithm; a change
//! that the rows cannot carry needs a new row format (and a migration), which the pinned
//! test below makes visible.

use std::collections::HashMap;

use parley_analysis::interaction::{InteractionStats, PersonStats, SpeakerTalk};
use parley_analysis::summary::{EngineInfo, Highlight, Moment, Outcome, OutlineSection, Summary};
use parley_analysis::topics::{TopicSpan, Topics};
use parley_analysis::trackers::{Occurrence, PhraseHits, TrackerHits};
use parley_analysis::CallAnalysis;
use parley_domain::{CallId, Timestamp, UserId};
use parley_store::rows::*;
use parley_store::Store;

use crate::error::AppResult;

/// An engine type and its stored row.
pub trait Stored: Sized {
    type Row;
    fn to_row(&self) -> Self::Row;
    fn from_row(row: Self::Row) -> Self;
}

fn rows<T: Stored>(items: &[T]) -> Vec<T::Row> {
    items.iter().map(T::to_row).collect()
}

fn of_rows<T: Stored>(rows: Vec<T::Row>) -> Vec<T> {
    rows.into_iter().map(T::from_row).collect()
}

/// The stored analyses of some calls (those without one are absent).
pub async fn analyses_of(
    store: &dyn Store,
    ids: &[CallId],
) -> AppResult<HashMap<CallId, CallAnalysis>> {
    Ok(store
        .analyses_of(ids)
        .await?
        .into_iter()
        .map(|(id, row)| (id, CallAnalysis::from_row(row)))
        .collect())
}

/// Per-person stats of the calls started in `[from, to)`, by user.
pub async fn person_stats(
    store: &dyn Store,
    from: Timestamp,
    to: Timestamp,
    users: Option<&[UserId]>,
) -> AppResult<Vec<(UserId, PersonStats)>> {
    Ok(store
        .person_stats(from, to, users)
        .await?
        .into_iter()
        .map(|(user, row)| (user, PersonStats::from_row(row)))
        .collect())
}

impl Stored for CallAnalysis {
    type Row = AnalysisRow;
    fn to_row(&self) -> AnalysisRow {
        AnalysisRow {
            interaction: self.interaction.to_row(),
            topics: self.topics.to_row(),
            trackers: rows(&self.trackers),
            summary: self.summary.to_row(),
            engine: self.engine.to_row(),
        }
    }
    fn from_row(r: AnalysisRow) -> Self {
        CallAnalysis {
            interaction: InteractionStats::from_row(r.interaction),
            topics: Topics::from_row(r.topics),
            trackers: of_rows(r.trackers),
            summary: Summary::from_row(r.summary),
            engine: EngineInfo::from_row(r.engine),
        }
    }
}

impl Stored for InteractionStats {
    type Row = InteractionRow;
    fn to_row(&self) -> InteractionRow {
        InteractionRow {
            speakers: rows(&self.speakers),
            company_questions: self.company_questions,
            non_company_questions: self.non_company_questions,
            persons: rows(&self.persons),
            longest_customer_story_ms: self.longest_customer_story_ms,
            interactivity: self.interactivity,
            span_ms: self.span_ms,
            switches: self.switches,
            total_talk_ms: self.total_talk_ms,
        }
    }
    fn from_row(r: InteractionRow) -> Self {
        InteractionStats {
            speakers: of_rows(r.speakers),
            company_questions: r.company_questions,
            non_company_questions: r.non_company_questions,
            persons: of_rows(r.persons),
            longest_customer_story_ms: r.longest_customer_story_ms,
            interactivity: r.interactivity,
            span_ms: r.span_ms,
            switches: r.switches,
            total_talk_ms: r.total_talk_ms,
        }
    }
}

impl Stored for SpeakerTalk {
    type Row = SpeakerTalkRow;
    fn to_row(&self) -> SpeakerTalkRow {
        SpeakerTalkRow {
            speaker_id: self.speaker_id,
            talk_ms: self.talk_ms,
        }
    }
    fn from_row(r: SpeakerTalkRow) -> Self {
        SpeakerTalk {
            speaker_id: r.speaker_id,
            talk_ms: r.talk_ms,
        }
    }
}

impl Stored for PersonStats {
    type Row = PersonStatsRow;
    fn to_row(&self) -> PersonStatsRow {
        PersonStatsRow {
            speaker_id: self.speaker_id,
            user_id: self.user_id,
            talk_ms: self.talk_ms,
            talk_ratio: self.talk_ratio,
            longest_monologue_ms: self.longest_monologue_ms,
            longest_customer_story_ms: self.longest_customer_story_ms,
            interactivity: self.interactivity,
            patience_s: self.patience_s,
            patience_samples: self.patience_samples,
            questions_asked: self.questions_asked,
            question_rate: self.question_rate,
            words: self.words,
            words_per_minute: self.words_per_minute,
            call_talk_ms: self.call_talk_ms,
            call_span_ms: self.call_span_ms,
        }
    }
    fn from_row(r: PersonStatsRow) -> Self {
        PersonStats {
            speaker_id: r.speaker_id,
            user_id: r.user_id,
            talk_ms: r.talk_ms,
            talk_ratio: r.talk_ratio,
            longest_monologue_ms: r.longest_monologue_ms,
            longest_customer_story_ms: r.longest_customer_story_ms,
            interactivity: r.interactivity,
            patience_s: r.patience_s,
            patience_samples: r.patience_samples,
            questions_asked: r.questions_asked,
            question_rate: r.question_rate,
            words: r.words,
            words_per_minute: r.words_per_minute,
            call_talk_ms: r.call_talk_ms,
            call_span_ms: r.call_span_ms,
        }
    }
}

impl Stored for Topics {
    type Row = TopicsRow;
    fn to_row(&self) -> TopicsRow {
        TopicsRow {
            spans: rows(&self.spans),
            per_monologue: self.per_monologue.clone(),
            totals: self.totals.clone(),
        }
    }
    fn from_row(r: TopicsRow) -> Self {
        Topics {
            spans: of_rows(r.spans),
            per_monologue: r.per_monologue,
            totals: r.totals,
        }
    }
}

impl Stored for TopicSpan {
    type Row = TopicSpanRow;
    fn to_row(&self) -> TopicSpanRow {
        TopicSpanRow {
            name: self.name.clone(),
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            first_monologue: self.first_monologue,
            end_monologue: self.end_monologue,
        }
    }
    fn from_row(r: TopicSpanRow) -> Self {
        TopicSpan {
            name: r.name,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            first_monologue: r.first_monologue,
            end_monologue: r.end_monologue,
        }
    }
}

impl Stored for TrackerHits {
    type Row = TrackerHitsRow;
    fn to_row(&self) -> TrackerHitsRow {
        TrackerHitsRow {
            tracker_id: self.tracker_id,
            name: self.name.clone(),
            count: self.count,
            occurrences: rows(&self.occurrences),
            phrases: rows(&self.phrases),
        }
    }
    fn from_row(r: TrackerHitsRow) -> Self {
        TrackerHits {
            tracker_id: r.tracker_id,
            name: r.name,
            count: r.count,
            occurrences: of_rows(r.occurrences),
            phrases: of_rows(r.phrases),
        }
    }
}

impl Stored for PhraseHits {
    type Row = PhraseHitsRow;
    fn to_row(&self) -> PhraseHitsRow {
        PhraseHitsRow {
            phrase: self.phrase.clone(),
            count: self.count,
            occurrences: rows(&self.occurrences),
        }
    }
    fn from_row(r: PhraseHitsRow) -> Self {
        PhraseHits {
            phrase: r.phrase,
            count: r.count,
            occurrences: of_rows(r.occurrences),
        }
    }
}

impl Stored for Occurrence {
    type Row = OccurrenceRow;
    fn to_row(&self) -> OccurrenceRow {
        OccurrenceRow {
            start_ms: self.start_ms,
            speaker_id: self.speaker_id,
        }
    }
    fn from_row(r: OccurrenceRow) -> Self {
        Occurrence {
            start_ms: r.start_ms,
            speaker_id: r.speaker_id,
        }
    }
}

impl Stored for Summary {
    type Row = SummaryRow;
    fn to_row(&self) -> SummaryRow {
        SummaryRow {
            brief: self.brief.clone(),
            key_points: rows(&self.key_points),
            outline: rows(&self.outline),
            highlights: rows(&self.highlights),
            next_steps: rows(&self.next_steps),
            outcome: self.outcome.as_ref().map(Outcome::to_row),
        }
    }
    fn from_row(r: SummaryRow) -> Self {
        Summary {
            brief: r.brief,
            key_points: of_rows(r.key_points),
            outline: of_rows(r.outline),
            highlights: of_rows(r.highlights),
            next_steps: of_rows(r.next_steps),
            outcome: r.outcome.map(Outcome::from_row),
        }
    }
}

impl Stored for Moment {
    type Row = MomentRow;
    fn to_row(&self) -> MomentRow {
        MomentRow {
            text: self.text.clone(),
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            speaker_id: self.speaker_id,
        }
    }
    fn from_row(r: MomentRow) -> Self {
        Moment {
            text: r.text,
            start_ms: r.start_ms,
            end_ms: r.end_ms,
            speaker_id: r.speaker_id,
        }
    }
}

impl Stored for OutlineSection {
    type Row = OutlineSectionRow;
    fn to_row(&self) -> OutlineSectionRow {
        OutlineSectionRow {
            section: self.section.clone(),
            start_ms: self.start_ms,
            duration_ms: self.duration_ms,
            items: rows(&self.items),
        }
    }
    fn from_row(r: OutlineSectionRow) -> Self {
        OutlineSection {
            section: r.section,
            start_ms: r.start_ms,
            duration_ms: r.duration_ms,
            items: of_rows(r.items),
        }
    }
}

impl Stored for Highlight {
    type Row = HighlightRow;
    fn to_row(&self) -> HighlightRow {
        HighlightRow {
            title: self.title.clone(),
            items: rows(&self.items),
        }
    }
    fn from_row(r: HighlightRow) -> Self {
        Highlight {
            title: r.title,
            items: of_rows(r.items),
        }
    }
}

impl Stored for Outcome {
    type Row = OutcomeRow;
    fn to_row(&self) -> OutcomeRow {
        OutcomeRow {
            id: self.id.clone(),
            category: self.category.clone(),
            name: self.name.clone(),
        }
    }
    fn from_row(r: OutcomeRow) -> Self {
        Outcome {
            id: r.id,
            category: r.category,
            name: r.name,
        }
    }
}

impl Stored for EngineInfo {
    type Row = EngineRow;
    fn to_row(&self) -> EngineRow {
        EngineRow {
            engine: self.engine.clone(),
            version: self.version.clone(),
            model: self.model.clone(),
            prompt: self.prompt.clone(),
        }
    }
    fn from_row(r: EngineRow) -> Self {
        EngineInfo {
            engine: r.engine,
            version: r.version,
            model: r.model,
            prompt: r.prompt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_analysis::trackers::TrackerSet;
    use parley_analysis::{CallInput, Speaker};
    use parley_domain::tracker::{Keywords, SaidBy, TrackerDef};
    use parley_domain::{Affiliation, Monologue, Sentence, SpeakerId, TrackerId};

    fn line(who: i64, start_s: i64, text: &str) -> Monologue {
        Monologue {
            speaker_id: SpeakerId(who),
            topic: None,
            sentences: vec![Sentence {
                start_ms: start_s * 1000,
                end_ms: start_s * 1000 + 4000,
                text: text.into(),
                words: vec![],
            }],
        }
    }

    /// A real analysis with every part filled in survives the trip through its row,
    /// and through the row's JSON (what the database holds).
    #[test]
    fn an_analysis_survives_its_stored_row() {
        let transcript = vec![
            line(
                1,
                0,
                "Thanks for joining. What is your budget for this quarter?",
            ),
            line(
                2,
                5,
                "We have about fifty thousand, and we also looked at Acme.",
            ),
            line(
                1,
                10,
                "Great. Next step: I will send the proposal by Friday.",
            ),
            line(2, 15, "Sounds good, we will review the pricing with legal."),
        ];
        let speakers = [
            Speaker {
                speaker_id: SpeakerId(1),
                party_id: None,
                user_id: Some(UserId(9)),
                affiliation: Affiliation::Internal,
            },
            Speaker {
                speaker_id: SpeakerId(2),
                party_id: None,
                user_id: None,
                affiliation: Affiliation::External,
            },
        ];
        let trackers = TrackerSet::compile(&[TrackerDef {
            id: TrackerId(3),
            name: "Competitors".into(),
            keywords: vec![Keywords {
                language: "eng".into(),
                phrases: vec!["Acme".into()],
                include_related_forms: false,
            }],
            said_by: SaidBy::Anyone,
            part_of_question: false,
            said_in_topics: vec![],
            said_at: Default::default(),
        }])
        .unwrap();
        let input = CallInput {
            transcript: &transcript,
            speakers: &speakers,
            host: Some(UserId(9)),
            language: Some("eng"),
            duration_ms: Some(20_000),
        };
        let mut analysis = parley_analysis::analyze(
            &input,
            &trackers,
            &parley_analysis::topics::default_topics(),
        );
        analysis.engine.model = Some("m".into());
        analysis.engine.prompt = Some("p".into());
        assert_eq!(analysis.trackers[0].count, 1);
        assert_eq!(analysis.interaction.persons.len(), 1);
        assert!(!analysis.summary.key_points.is_empty());

        let row = analysis.to_row();
        assert_eq!(CallAnalysis::from_row(row.clone()), analysis);
        let json = serde_json::to_string(&row).unwrap();
        let back: AnalysisRow = serde_json::from_str(&json).unwrap();
        assert_eq!(CallAnalysis::from_row(back), analysis);
        let person = &analysis.interaction.persons[0];
        assert_eq!(&PersonStats::from_row(person.to_row()), person);
    }
}
