//! Interaction stats: talk time, talk ratio, monologues, customer stories, interactivity,
//! patience, questions and talk speed, per call and aggregated over a period.
//!
//! The exact definitions, with a worked example computed by hand, are in
//! `docs/analysis-metrics.md`; the test `worked_example_of_the_docs` below is that
//! example, so the document and the code cannot drift apart. In short:
//!
//! * Only sentences with at least one word are speech; a sentence whose end is before
//!   its start lasts 0 ms.
//! * The call is read as one sequence of sentences ordered by (start, end, position in
//!   the transcript). A *backchannel* is a sentence of a voice other than the one holding
//!   the floor that lasts less than 1 s and has at most 2 words; it neither interrupts a
//!   monologue nor counts as a switch. Every other sentence by a different voice is a
//!   *switch* and starts a new *run* (a monologue).
//! * Talk time of a voice is the length of the union of its sentence intervals.
//!
//! All arithmetic on milliseconds saturates, every ratio has a guarded denominator, and
//! floats are computed in a fixed order, so any input gives the same finite numbers.

use std::collections::BTreeMap;

use parley_domain::{SpeakerId, UserId};
use serde::{Deserialize, Serialize};

use crate::text::{is_question, word_spans};
use crate::CallInput;

/// A sentence of another voice shorter than this (and of at most
/// [`BACKCHANNEL_MAX_WORDS`] words) is a backchannel.
pub const BACKCHANNEL_MAX_MS: i64 = 1_000;
/// The most words a backchannel has.
pub const BACKCHANNEL_MAX_WORDS: u32 = 2;
/// Interactivity never exceeds this.
pub const INTERACTIVITY_CAP: f64 = 10.0;
/// Calls (or periods) whose span is shorter than this have no interactivity and no
/// question rate: a rate over a few milliseconds means nothing.
pub const MIN_SPAN_MS: i64 = 1_000;

const MS_PER_MINUTE: f64 = 60_000.0;
const MS_PER_HOUR: f64 = 3_600_000.0;

/// Talk time of one voice.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeakerTalk {
    pub speaker_id: SpeakerId,
    pub talk_ms: i64,
}

/// The stats of one company speaker in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonStats {
    pub speaker_id: SpeakerId,
    pub user_id: Option<UserId>,
    pub talk_ms: i64,
    /// Share of all talk time in the call, 0–1.
    pub talk_ratio: f64,
    pub longest_monologue_ms: i64,
    /// The longest customer story in this call (the same for every person of the call).
    pub longest_customer_story_ms: i64,
    /// 0–10.
    pub interactivity: f64,
    /// Mean pause in seconds before this person answers the customer.
    pub patience_s: f64,
    /// Number of pauses `patience_s` averages (0 when the person never answered).
    pub patience_samples: u32,
    pub questions_asked: u32,
    /// Questions asked per hour of call.
    pub question_rate: f64,
    pub words: u32,
    /// Words per minute of own talk time.
    pub words_per_minute: f64,
    /// Talk time of all voices of the call together (the denominator of `talk_ratio`),
    /// kept so that talk ratios can be aggregated over many calls.
    #[serde(default)]
    pub call_talk_ms: i64,
    /// The call's span (first spoken word to last; the denominator of `question_rate`).
    #[serde(default)]
    pub call_span_ms: i64,
}

/// Interaction stats of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InteractionStats {
    /// Every voice that spoke, in order of first speech.
    pub speakers: Vec<SpeakerTalk>,
    pub company_questions: u32,
    pub non_company_questions: u32,
    /// Every company voice that spoke.
    pub persons: Vec<PersonStats>,
    pub longest_customer_story_ms: i64,
    /// 0–10, the whole call.
    pub interactivity: f64,
    /// From the first spoken word to the last.
    pub span_ms: i64,
    /// Speaker switches (the numerator of `interactivity`).
    #[serde(default)]
    pub switches: u32,
    /// Talk time of all voices together.
    #[serde(default)]
    pub total_talk_ms: i64,
}

/// One person's interaction stats over many calls (a period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonAggregate {
    /// Number of calls aggregated.
    pub calls: u32,
    pub talk_ms: i64,
    /// Talk time of all voices of those calls.
    pub call_talk_ms: i64,
    /// Σ own talk / Σ calls' talk, 0–1.
    pub talk_ratio: f64,
    /// Mean of the per-call longest monologues, seconds.
    pub longest_monologue_s: f64,
    /// Mean of the per-call longest customer stories, seconds.
    pub longest_customer_story_s: f64,
    /// Mean of the per-call interactivity, 0–10.
    pub interactivity: f64,
    /// Mean pause over all the pauses of all calls, seconds.
    pub patience_s: f64,
    pub patience_samples: u32,
    pub questions_asked: u32,
    /// Σ spans of the calls.
    pub span_ms: i64,
    /// Σ questions per Σ hours of call span.
    pub question_rate: f64,
    pub words: u32,
    /// Σ words per Σ minutes of own talk time.
    pub words_per_minute: f64,
}

/// A sentence that counts as speech.
struct Spoken<'a> {
    voice: usize,
    start: i64,
    end: i64,
    words: u32,
    text: &'a str,
}

impl Spoken<'_> {
    fn duration(&self) -> i64 {
        self.end.saturating_sub(self.start)
    }
}

/// What one voice did in the call.
struct Voice {
    speaker_id: SpeakerId,
    company: bool,
    intervals: Vec<(i64, i64)>,
    words: u32,
    questions: u32,
    longest_run_ms: i64,
    pause_total_ms: i64,
    pause_samples: u32,
}

/// A maximal stretch of one voice between switches.
#[derive(Clone, Copy)]
struct Run {
    voice: usize,
    start: i64,
    end: i64,
}

/// Length of the union of intervals (each with `end >= start`).
fn union_ms(intervals: &mut [(i64, i64)]) -> i64 {
    intervals.sort_unstable();
    let mut total: i64 = 0;
    let mut current: Option<(i64, i64)> = None;
    for &(start, end) in intervals.iter() {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total = total.saturating_add(e.saturating_sub(s));
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total = total.saturating_add(e.saturating_sub(s));
    }
    total
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `count` per `unit_ms` of `span_ms`; 0 when `span_ms` is not positive.
fn per(count: f64, span_ms: i64, unit_ms: f64) -> f64 {
    if span_ms <= 0 {
        0.0
    } else {
        count * unit_ms / span_ms as f64
    }
}

/// The interaction stats of one call. See `docs/analysis-metrics.md`.
pub fn compute(call: &CallInput<'_>) -> InteractionStats {
    // Voices in order of first appearance in the transcript; re-ordered by first speech
    // below.
    let mut voices: Vec<Voice> = Vec::new();
    let mut index: BTreeMap<SpeakerId, usize> = BTreeMap::new();
    let mut spoken: Vec<Spoken<'_>> = Vec::new();
    for monologue in call.transcript {
        for sentence in &monologue.sentences {
            let words = count_u32(word_spans(&sentence.text).len());
            if words == 0 {
                continue;
            }
            let voice = *index.entry(monologue.speaker_id).or_insert_with(|| {
                voices.push(Voice {
                    speaker_id: monologue.speaker_id,
                    company: call.is_company(monologue.speaker_id),
                    intervals: Vec::new(),
                    words: 0,
                    questions: 0,
                    longest_run_ms: 0,
                    pause_total_ms: 0,
                    pause_samples: 0,
                });
                voices.len() - 1
            });
            spoken.push(Spoken {
                voice,
                start: sentence.start_ms,
                end: sentence.end_ms.max(sentence.start_ms),
                words,
                text: &sentence.text,
            });
        }
    }
    // Stable: equal (start, end) keep their transcript order.
    spoken.sort_by_key(|s| (s.start, s.end));

    let (Some(first), Some(call_end)) = (spoken.first(), spoken.iter().map(|s| s.end).max()) else {
        return InteractionStats::default();
    };
    let span_ms = call_end.saturating_sub(first.start);

    let mut switches: u32 = 0;
    let mut run: Option<Run> = None;
    let mut first_speech: Vec<usize> = Vec::new();
    for s in &spoken {
        let voice = &mut voices[s.voice];
        if voice.intervals.is_empty() {
            first_speech.push(s.voice);
        }
        voice.intervals.push((s.start, s.end));
        voice.words = voice.words.saturating_add(s.words);
        if is_question(s.text) {
            voice.questions = voice.questions.saturating_add(1);
        }

        match run {
            None => {
                run = Some(Run {
                    voice: s.voice,
                    start: s.start,
                    end: s.end,
                })
            }
            Some(ref mut r) if r.voice == s.voice => r.end = r.end.max(s.end),
            Some(_) if s.duration() < BACKCHANNEL_MAX_MS && s.words <= BACKCHANNEL_MAX_WORDS => {
                // A backchannel: the floor stays with the current run.
            }
            Some(r) => {
                switches = switches.saturating_add(1);
                let previous = &mut voices[r.voice];
                previous.longest_run_ms =
                    previous.longest_run_ms.max(r.end.saturating_sub(r.start));
                let from_customer = !previous.company;
                let next = &mut voices[s.voice];
                if from_customer && next.company {
                    let pause = s.start.saturating_sub(r.end).max(0);
                    next.pause_total_ms = next.pause_total_ms.saturating_add(pause);
                    next.pause_samples = next.pause_samples.saturating_add(1);
                }
                run = Some(Run {
                    voice: s.voice,
                    start: s.start,
                    end: s.end,
                });
            }
        }
    }
    if let Some(r) = run {
        let last = &mut voices[r.voice];
        last.longest_run_ms = last.longest_run_ms.max(r.end.saturating_sub(r.start));
    }

    let talk: Vec<i64> = voices
        .iter_mut()
        .map(|v| union_ms(&mut v.intervals))
        .collect();
    let total_talk_ms = talk.iter().fold(0i64, |a, t| a.saturating_add(*t));

    let interactivity = if span_ms < MIN_SPAN_MS || voices.len() < 2 {
        0.0
    } else {
        per(f64::from(switches), span_ms, MS_PER_MINUTE).min(INTERACTIVITY_CAP)
    };
    let longest_customer_story_ms = voices
        .iter()
        .filter(|v| !v.company)
        .map(|v| v.longest_run_ms)
        .max()
        .unwrap_or(0);

    let mut stats = InteractionStats {
        speakers: Vec::with_capacity(first_speech.len()),
        company_questions: 0,
        non_company_questions: 0,
        persons: Vec::new(),
        longest_customer_story_ms,
        interactivity,
        span_ms,
        switches,
        total_talk_ms,
    };
    for &i in &first_speech {
        let v = &voices[i];
        stats.speakers.push(SpeakerTalk {
            speaker_id: v.speaker_id,
            talk_ms: talk[i],
        });
        if !v.company {
            stats.non_company_questions = stats.non_company_questions.saturating_add(v.questions);
            continue;
        }
        stats.company_questions = stats.company_questions.saturating_add(v.questions);
        let patience_s = if v.pause_samples == 0 {
            0.0
        } else {
            v.pause_total_ms as f64 / f64::from(v.pause_samples) / 1000.0
        };
        stats.persons.push(PersonStats {
            speaker_id: v.speaker_id,
            user_id: call.speaker(v.speaker_id).and_then(|s| s.user_id),
            talk_ms: talk[i],
            talk_ratio: if total_talk_ms > 0 {
                talk[i] as f64 / total_talk_ms as f64
            } else {
                0.0
            },
            longest_monologue_ms: v.longest_run_ms,
            longest_customer_story_ms,
            interactivity,
            patience_s,
            patience_samples: v.pause_samples,
            questions_asked: v.questions,
            question_rate: question_rate(v.questions, span_ms),
            words: v.words,
            words_per_minute: per(f64::from(v.words), talk[i], MS_PER_MINUTE),
            call_talk_ms: total_talk_ms,
            call_span_ms: span_ms,
        });
    }
    stats
}

fn question_rate(questions: u32, span_ms: i64) -> f64 {
    if span_ms < MIN_SPAN_MS {
        0.0
    } else {
        per(f64::from(questions), span_ms, MS_PER_HOUR)
    }
}

/// One person's stats over the calls of a period (`per_call` holds that person's stats
/// of each call, in any order); `None` when there are no calls. See
/// `docs/analysis-metrics.md`.
pub fn aggregate(per_call: &[PersonStats]) -> Option<PersonAggregate> {
    if per_call.is_empty() {
        return None;
    }
    let n = per_call.len() as f64;
    let sum_i64 = |f: fn(&PersonStats) -> i64| {
        per_call
            .iter()
            .fold(0i64, |acc, p| acc.saturating_add(f(p)))
    };
    let sum_u32 = |f: fn(&PersonStats) -> u32| {
        per_call
            .iter()
            .fold(0u32, |acc, p| acc.saturating_add(f(p)))
    };
    let talk_ms = sum_i64(|p| p.talk_ms);
    let call_talk_ms = sum_i64(|p| p.call_talk_ms);
    let span_ms = sum_i64(|p| p.call_span_ms);
    let patience_samples = sum_u32(|p| p.patience_samples);
    let questions_asked = sum_u32(|p| p.questions_asked);
    let words = sum_u32(|p| p.words);
    let weighted_pauses: f64 = per_call
        .iter()
        .map(|p| p.patience_s * f64::from(p.patience_samples))
        .sum();
    let mean_s = |total_ms: i64| total_ms as f64 / 1000.0 / n;
    Some(PersonAggregate {
        calls: count_u32(per_call.len()),
        talk_ms,
        call_talk_ms,
        talk_ratio: if call_talk_ms > 0 {
            talk_ms as f64 / call_talk_ms as f64
        } else {
            0.0
        },
        longest_monologue_s: mean_s(sum_i64(|p| p.longest_monologue_ms)),
        longest_customer_story_s: mean_s(sum_i64(|p| p.longest_customer_story_ms)),
        interactivity: per_call.iter().map(|p| p.interactivity).sum::<f64>() / n,
        patience_s: if patience_samples == 0 {
            0.0
        } else {
            weighted_pauses / f64::from(patience_samples)
        },
        patience_samples,
        questions_asked,
        span_ms,
        question_rate: question_rate(questions_asked, span_ms),
        words,
        words_per_minute: per(f64::from(words), talk_ms, MS_PER_MINUTE),
    })
}

/// The team's average over a period: each rep's [`aggregate`] counts once, whatever their
/// number of calls, so one rep with many calls does not set the team's norm. See
/// `docs/analysis-metrics.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamAverage {
    /// Reps averaged (those with at least one analysed call in the period).
    pub reps: u32,
    /// Their calls, summed (a call two reps were on counts for each).
    pub calls: u32,
    pub talk_ratio: f64,
    pub longest_monologue_s: f64,
    pub longest_customer_story_s: f64,
    pub interactivity: f64,
    /// Mean over the reps who paused at all (a rep with no pause has no patience, not 0).
    pub patience_s: f64,
    pub question_rate: f64,
}

/// The mean of the reps' period aggregates; `None` when there are none.
pub fn team_average(reps: &[PersonAggregate]) -> Option<TeamAverage> {
    if reps.is_empty() {
        return None;
    }
    let n = reps.len() as f64;
    let mean = |f: fn(&PersonAggregate) -> f64| reps.iter().map(f).sum::<f64>() / n;
    let paused: Vec<f64> = reps
        .iter()
        .filter(|r| r.patience_samples > 0)
        .map(|r| r.patience_s)
        .collect();
    Some(TeamAverage {
        reps: count_u32(reps.len()),
        calls: reps.iter().fold(0u32, |acc, r| acc.saturating_add(r.calls)),
        talk_ratio: mean(|r| r.talk_ratio),
        longest_monologue_s: mean(|r| r.longest_monologue_s),
        longest_customer_story_s: mean(|r| r.longest_customer_story_s),
        interactivity: mean(|r| r.interactivity),
        patience_s: if paused.is_empty() {
            0.0
        } else {
            paused.iter().sum::<f64>() / paused.len() as f64
        },
        question_rate: mean(|r| r.question_rate),
    })
}

#[cfg(test)]
mod tests {
    use parley_domain::{Affiliation, Transcript};

    use super::*;
    use crate::Speaker;

    const REP: i64 = 1;
    const CUSTOMER: i64 = 2;
    const REP2: i64 = 3;
    const UNKNOWN: i64 = 4;
    /// A voice with no entry in the call's speakers at all.
    const STRANGER: i64 = 5;

    /// `(speaker, start_ms, end_ms, text)`; consecutive rows of one voice form one
    /// monologue, as in a stored transcript.
    type Row<'a> = (i64, i64, i64, &'a str);

    fn transcript(rows: &[Row<'_>]) -> Transcript {
        crate::test_support::transcript_of(
            rows.iter()
                .map(|&(who, start, end, text)| (who, start, end, text.to_owned())),
        )
    }

    fn speakers() -> Vec<Speaker> {
        let speaker = |id: i64, user: Option<i64>, affiliation| Speaker {
            speaker_id: SpeakerId(id),
            party_id: None,
            user_id: user.map(UserId),
            affiliation,
        };
        vec![
            speaker(REP, Some(7), Affiliation::Internal),
            speaker(CUSTOMER, None, Affiliation::External),
            speaker(REP2, Some(8), Affiliation::Internal),
            speaker(UNKNOWN, None, Affiliation::Unknown),
        ]
    }

    fn stats(rows: &[Row<'_>]) -> InteractionStats {
        let t = transcript(rows);
        let speakers = speakers();
        compute(&CallInput {
            transcript: &t,
            speakers: &speakers,
            host: Some(UserId(7)),
            language: Some("eng"),
            duration_ms: None,
        })
    }

    fn person(s: &InteractionStats, id: i64) -> &PersonStats {
        s.persons
            .iter()
            .find(|p| p.speaker_id == SpeakerId(id))
            .expect("person present")
    }

    #[track_caller]
    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "got {got}, want {want}"
        );
    }

    fn talk(s: &InteractionStats) -> Vec<(i64, i64)> {
        s.speakers
            .iter()
            .map(|t| (t.speaker_id.0, t.talk_ms))
            .collect()
    }

    /// The worked example of `docs/analysis-metrics.md`, row for row.
    const WORKED_EXAMPLE: &[Row<'static>] = &[
        (REP, 0, 4_000, "Hi Carl, thanks for making the time."),
        (REP, 5_000, 9_000, "How do you review calls today?"),
        (
            CUSTOMER,
            10_000,
            20_000,
            "We record everything, but nobody has time to listen.",
        ),
        (REP, 20_500, 21_000, "Right."),
        (
            CUSTOMER,
            22_000,
            30_000,
            "So coaching only happens after a deal is lost.",
        ),
        (
            REP,
            29_000,
            36_000,
            "What would change if every call were reviewed?",
        ),
        (CUSTOMER, 38_000, 44_000, "Can it flag pricing questions?"),
        (REP, 45_500, 51_000, "Yes, let me show you."),
    ];

    #[test]
    fn worked_example_of_the_docs() {
        let s = stats(WORKED_EXAMPLE);
        assert_eq!(talk(&s), [(REP, 21_000), (CUSTOMER, 24_000)]);
        assert_eq!(s.total_talk_ms, 45_000);
        assert_eq!(s.span_ms, 51_000);
        assert_eq!(s.switches, 4);
        close(s.interactivity, 240.0 / 51.0);
        assert_eq!(s.longest_customer_story_ms, 20_000);
        assert_eq!((s.company_questions, s.non_company_questions), (2, 1));
        assert_eq!(s.persons.len(), 1);

        let rep = person(&s, REP);
        assert_eq!(rep.user_id, Some(UserId(7)));
        assert_eq!(rep.talk_ms, 21_000);
        assert_eq!(rep.call_talk_ms, 45_000);
        assert_eq!(rep.call_span_ms, 51_000);
        close(rep.talk_ratio, 21.0 / 45.0);
        assert_eq!(rep.longest_monologue_ms, 9_000);
        assert_eq!(rep.longest_customer_story_ms, 20_000);
        close(rep.interactivity, 240.0 / 51.0);
        assert_eq!(rep.patience_samples, 2);
        close(rep.patience_s, 0.75);
        assert_eq!(rep.questions_asked, 2);
        close(rep.question_rate, 7_200.0 / 51.0);
        assert_eq!(rep.words, 27);
        close(rep.words_per_minute, 540.0 / 7.0);
    }

    #[test]
    fn calls_with_no_speech_have_zero_stats() {
        for rows in [
            &[][..],
            &[(REP, 0, 5_000, ""), (CUSTOMER, 5_000, 9_000, " -- ... ")][..],
        ] {
            assert_eq!(stats(rows), InteractionStats::default(), "{rows:?}");
        }
    }

    #[test]
    fn a_single_speaker_has_all_the_talk_and_no_interactivity() {
        let s = stats(&[
            (REP, 0, 4_000, "Hello everyone, welcome."),
            (REP, 10_000, 14_000, "Any questions so far?"),
        ]);
        assert_eq!(talk(&s), [(REP, 8_000)]);
        assert_eq!((s.span_ms, s.switches), (14_000, 0));
        assert_eq!(s.interactivity, 0.0);
        assert_eq!(s.longest_customer_story_ms, 0);
        let rep = person(&s, REP);
        assert_eq!(rep.talk_ratio, 1.0);
        assert_eq!(rep.longest_monologue_ms, 14_000, "the pause counts");
        assert_eq!((rep.patience_s, rep.patience_samples), (0.0, 0));
        assert_eq!(rep.questions_asked, 1);
        close(rep.question_rate, 3_600_000.0 / 14_000.0);
        assert_eq!(rep.words, 7);
        close(rep.words_per_minute, 52.5);
    }

    #[test]
    fn overlap_counts_once_per_voice_and_for_each_voice() {
        let s = stats(&[
            (REP, 0, 5_000, "First part of my point."),
            (REP, 3_000, 8_000, "Overlapping second part."),
            (CUSTOMER, 4_000, 10_000, "I disagree with that entirely."),
        ]);
        assert_eq!(talk(&s), [(REP, 8_000), (CUSTOMER, 6_000)]);
        assert_eq!(s.total_talk_ms, 14_000);
        let rep = person(&s, REP);
        close(rep.talk_ratio, 8.0 / 14.0);
        assert_eq!(rep.longest_monologue_ms, 8_000);
        assert_eq!(s.longest_customer_story_ms, 6_000);
        assert_eq!(s.switches, 1);
        close(s.interactivity, 6.0);
        assert_eq!(
            rep.patience_samples, 0,
            "a switch to the customer is no answer"
        );
    }

    #[test]
    fn backchannels_neither_break_a_monologue_nor_switch() {
        // (text, duration of the customer's sentence, rep's longest monologue,
        //  switches, customer story, customer questions)
        let cases: &[(&str, i64, i64, u32, i64, u32)] = &[
            ("Uh-huh.", 600, 10_000, 0, 0, 0),
            ("Right.", 999, 10_000, 0, 0, 0),
            ("Really?", 500, 10_000, 0, 0, 1),
            ("Right.", 1_000, 5_000, 2, 1_000, 0),
            ("Yes, got it.", 600, 5_000, 2, 600, 0),
        ];
        for &(text, ms, monologue, switches, story, questions) in cases {
            let s = stats(&[
                (REP, 0, 5_000, "Let me walk you through the plan."),
                (CUSTOMER, 5_200, 5_200 + ms, text),
                (REP, 6_000, 10_000, "It starts with a pilot."),
            ]);
            let case = format!("{text:?} for {ms} ms");
            assert_eq!(person(&s, REP).longest_monologue_ms, monologue, "{case}");
            assert_eq!(s.switches, switches, "{case}");
            assert_eq!(s.longest_customer_story_ms, story, "{case}");
            assert_eq!(s.non_company_questions, questions, "{case}");
            assert_eq!(
                talk(&s),
                [(REP, 9_000), (CUSTOMER, ms)],
                "backchannels are talk: {case}"
            );
        }
    }

    #[test]
    fn the_first_sentence_of_a_call_is_never_a_backchannel() {
        let s = stats(&[
            (CUSTOMER, 0, 300, "Hi."),
            (REP, 500, 5_000, "Hello, thanks for calling."),
        ]);
        assert_eq!(s.switches, 1);
        assert_eq!(s.longest_customer_story_ms, 300);
        let rep = person(&s, REP);
        assert_eq!(rep.patience_samples, 1);
        close(rep.patience_s, 0.2);
    }

    #[test]
    fn patience_counts_negative_gaps_as_zero_and_only_answers_to_the_customer() {
        // (rows, rep's patience in s, rep's samples)
        let cases: &[(&[Row<'_>], f64, u32)] = &[
            (
                &[
                    (CUSTOMER, 0, 5_000, "We tried three vendors already."),
                    (REP, 4_000, 8_000, "Which ones did you try?"),
                    (CUSTOMER, 9_000, 12_000, "Two big ones and a startup."),
                    (REP, 15_000, 16_000, "That helps a lot."),
                    (REP2, 16_500, 18_000, "I can add some context here."),
                ],
                1.5,
                2,
            ),
            (
                // The pause runs from the end of the customer's turn, not from the
                // rep's own backchannel inside it.
                &[
                    (CUSTOMER, 0, 5_000, "Our renewal is in March."),
                    (REP, 5_100, 5_400, "Mm-hmm."),
                    (CUSTOMER, 5_500, 8_000, "So timing matters for us."),
                    (REP, 10_000, 12_000, "Then let us plan for February."),
                ],
                2.0,
                1,
            ),
        ];
        for (rows, patience, samples) in cases {
            let s = stats(rows);
            let rep = person(&s, REP);
            assert_eq!(rep.patience_samples, *samples, "{rows:?}");
            close(rep.patience_s, *patience);
            if let Some(rep2) = s.persons.iter().find(|p| p.speaker_id == SpeakerId(REP2)) {
                assert_eq!((rep2.patience_s, rep2.patience_samples), (0.0, 0));
                assert_eq!(rep2.user_id, Some(UserId(8)));
            }
        }
    }

    #[test]
    fn interactivity_is_capped_and_needs_a_span_of_a_second() {
        // 20 alternating sentences of exactly 1 s (so none is a backchannel): 19
        // switches in 20 s is 57 a minute.
        let rows: Vec<Row<'_>> = (0..20)
            .map(|i| {
                let who = if i % 2 == 0 { REP } else { CUSTOMER };
                (who, i * 1_000, (i + 1) * 1_000, "Okay then.")
            })
            .collect();
        let s = stats(&rows);
        assert_eq!((s.switches, s.span_ms), (19, 20_000));
        assert_eq!(s.interactivity, 10.0);
        assert_eq!(person(&s, REP).interactivity, 10.0);

        let short = stats(&[
            (REP, 0, 400, "Who is this?"),
            (CUSTOMER, 400, 900, "It is me."),
        ]);
        assert_eq!((short.switches, short.span_ms), (1, 900));
        assert_eq!(short.interactivity, 0.0);
        let rep = person(&short, REP);
        assert_eq!(rep.questions_asked, 1);
        assert_eq!(rep.question_rate, 0.0);
    }

    #[test]
    fn voices_of_unknown_or_no_affiliation_are_the_customer() {
        let s = stats(&[
            (UNKNOWN, 0, 3_000, "Is this the pricing call?"),
            (REP, 3_500, 6_000, "Yes, it is, welcome."),
            (
                STRANGER,
                7_000,
                15_000,
                "I need to understand the renewal terms first.",
            ),
            (REP, 15_000, 17_000, "Of course."),
        ]);
        assert_eq!(
            talk(&s),
            [(UNKNOWN, 3_000), (REP, 4_500), (STRANGER, 8_000)]
        );
        assert_eq!(s.persons.len(), 1);
        assert_eq!((s.company_questions, s.non_company_questions), (0, 1));
        assert_eq!(s.longest_customer_story_ms, 8_000);
        let rep = person(&s, REP);
        assert_eq!(rep.patience_samples, 2);
        close(rep.patience_s, 0.25);
    }

    #[test]
    fn broken_sentences_do_not_panic() {
        let s = stats(&[
            (REP, 5_000, 1_000, "Backwards sentence here."),
            (CUSTOMER, 2_000, 2_000, ""),
            (CUSTOMER, i64::MIN, i64::MAX, "Everything at once."),
            (REP, i64::MAX, i64::MIN, "Why?"),
            (REP2, i64::MAX, i64::MAX, "Late."),
        ]);
        assert_eq!(
            talk(&s),
            [(CUSTOMER, i64::MAX), (REP, 0), (REP2, 0)],
            "a sentence ending before it starts lasts 0 ms"
        );
        assert_eq!(s.span_ms, i64::MAX);
        for p in &s.persons {
            for x in [p.talk_ratio, p.interactivity, p.patience_s, p.question_rate] {
                assert!(x.is_finite() && x >= 0.0, "{p:?}");
            }
            assert!(p.talk_ratio <= 1.0 && p.interactivity <= 10.0);
        }
    }

    #[test]
    fn team_average_weighs_each_rep_once() {
        assert_eq!(team_average(&[]), None);
        let rep = |calls: u32, talk_ratio: f64, patience_s: f64, samples: u32| PersonAggregate {
            calls,
            talk_ms: 0,
            call_talk_ms: 0,
            talk_ratio,
            longest_monologue_s: 10.0 * f64::from(calls),
            longest_customer_story_s: 4.0,
            interactivity: 5.0,
            patience_s,
            patience_samples: samples,
            questions_asked: 0,
            span_ms: 0,
            question_rate: 2.0 * f64::from(calls),
            words: 0,
            words_per_minute: 0.0,
        };
        // Ten calls at 0.8 and one at 0.4: the reps' mean is 0.6, not the calls' 0.76.
        let t = team_average(&[rep(10, 0.8, 1.0, 30), rep(1, 0.4, 0.0, 0)]).unwrap();
        assert_eq!((t.reps, t.calls), (2, 11));
        assert!((t.talk_ratio - 0.6).abs() < 1e-9);
        assert!((t.longest_monologue_s - 55.0).abs() < 1e-9);
        assert!((t.question_rate - 11.0).abs() < 1e-9);
        assert!((t.interactivity - 5.0).abs() < 1e-9);
        // The rep who never paused does not pull patience to half.
        assert!((t.patience_s - 1.0).abs() < 1e-9);
    }

    #[test]
    fn aggregate_over_calls() {
        assert_eq!(aggregate(&[]), None);
        let first = person(&stats(WORKED_EXAMPLE), REP).clone();
        let second = PersonStats {
            speaker_id: SpeakerId(REP),
            user_id: Some(UserId(7)),
            talk_ms: 30_000,
            talk_ratio: 0.75,
            longest_monologue_ms: 20_000,
            longest_customer_story_ms: 10_000,
            interactivity: 2.0,
            patience_s: 2.0,
            patience_samples: 1,
            questions_asked: 1,
            question_rate: 60.0,
            words: 60,
            words_per_minute: 120.0,
            call_talk_ms: 40_000,
            call_span_ms: 60_000,
        };
        let a = aggregate(&[first, second]).expect("two calls");
        assert_eq!(a.calls, 2);
        assert_eq!(
            (a.talk_ms, a.call_talk_ms, a.span_ms),
            (51_000, 85_000, 111_000)
        );
        close(a.talk_ratio, 0.6);
        close(a.longest_monologue_s, 14.5);
        close(a.longest_customer_story_s, 15.0);
        close(a.interactivity, 171.0 / 51.0);
        assert_eq!(a.patience_samples, 3);
        close(a.patience_s, 3.5 / 3.0);
        assert_eq!((a.questions_asked, a.words), (3, 87));
        close(a.question_rate, 10_800.0 / 111.0);
        close(a.words_per_minute, 5_220.0 / 51.0);
    }
}
