//! Topics: the call cut into stretches about one thing (small talk, discovery, pricing,
//! ...), from keyword evidence per monologue.
//!
//! # Rules
//!
//! * **Matching.** Every keyword of a topic is split into words, normalised and stemmed
//!   (see [`crate::text`]); a keyword matches a run of the same stems inside one sentence.
//!   Stems are Snowball stems of the call's language, English when the language is
//!   unknown; a language without a stemmer matches words as written. A topic's keywords
//!   that stem the same count once.
//! * **Evidence.** Each monologue scores, per topic, the keywords found in it: 1 for a
//!   one-word keyword plus ½ for every further word ("next steps" scores 1.5). At one word
//!   position only the longest keyword of a topic counts.
//! * **Segmentation.** Each monologue gets a topic, or none, by the labelling that
//!   maximises `Σ evidence of each monologue's topic + 0.15 × minutes of talk labelled
//!   with no topic − 2 × number of topic changes` (a Viterbi pass over the monologues,
//!   in integer arithmetic). So a topic starts only when its evidence outweighs the cost
//!   of changing, a stray keyword does not break a stretch, and only long stretches with
//!   no evidence at all (about 13 minutes at the edges of the call, 27 in its middle) are
//!   left without a topic. Talk with no evidence between two topics stays with the
//!   earlier topic (the conversation is still on it until something else comes up);
//!   talk before the first evidence joins the first topic. Ties go, in this order, to
//!   keeping the topic, then to the topic listed first.
//! * **Minimum span.** A stretch shorter than 10 s (or a twentieth of the call, when that
//!   is shorter) is then absorbed by a neighbouring topic: the one with more evidence
//!   inside the stretch, the earlier one on a tie. Short stretches between two stretches
//!   with no topic are kept. The shortest stretch is absorbed first.
//! * **Output.** `per_monologue` holds each monologue's topic. `spans` are the maximal
//!   runs of monologues with the same topic; a span starts where its first monologue
//!   starts and ends where the next monologue starts (the end of the call for the last
//!   one), so spans are contiguous and silence belongs to the topic before it. Runs with
//!   no topic have no span. `totals` sums span durations per topic in order of first
//!   appearance. A call with no evidence at all (or no topic definitions, or text in a
//!   language the keywords do not match) has no topics.

use std::collections::HashMap;

use rust_stemmers::Algorithm;
use serde::{Deserialize, Serialize};

use crate::text::{push_normalised, stemmer_algorithm, word_spans, CachedStemmer};
use crate::CallInput;

pub use parley_domain::tracker::TopicDef;

/// The default topic set for a new workspace: the English topics of a sales call
/// (`data/en/topics.toml`).
pub fn default_topics() -> Vec<TopicDef> {
    crate::lexicon::default_topics_of(None).to_vec()
}

/// A contiguous stretch of the call about one topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicSpan {
    pub name: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Index of the first monologue of the span, and one past the last.
    pub first_monologue: usize,
    pub end_monologue: usize,
}

/// The topics of one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Topics {
    /// In time order, covering the talk of the call; consecutive spans differ in name.
    pub spans: Vec<TopicSpan>,
    /// The topic of each monologue (same length as the transcript).
    pub per_monologue: Vec<Option<String>>,
    /// Total milliseconds per topic, in order of first appearance.
    pub totals: Vec<(String, i64)>,
}

/// Evidence weights and costs, in thousandths, so that the segmentation is exact
/// integer arithmetic.
const WORD_WEIGHT: i64 = 1000;
const EXTRA_WORD_WEIGHT: i64 = 500;
const SWITCH_PENALTY: i64 = 2000;
/// Score per minute of talk left with no topic (0.15 per minute).
const NO_TOPIC_PER_MINUTE: i64 = 150;
const MIN_SPAN_MS: i64 = 10_000;

/// Words to stem ids: one stem, one small integer, numbered in order of first sight (so
/// nothing depends on hash order).
pub(crate) struct Vocab {
    stemmer: Option<CachedStemmer>,
    ids: HashMap<String, u32>,
    buf: String,
}

impl Vocab {
    /// Stems of `language` (English when unknown); words as written when the language
    /// has no stemmer.
    pub(crate) fn new(language: Option<&str>) -> Vocab {
        let algorithm = match language.map(str::trim) {
            None | Some("") => Some(Algorithm::English),
            Some(l) => stemmer_algorithm(l),
        };
        Vocab {
            stemmer: algorithm.map(CachedStemmer::new),
            ids: HashMap::new(),
            buf: String::new(),
        }
    }

    /// Number of ids handed out so far (ids are `0..len`).
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id of the stem of a normalised word.
    pub(crate) fn stem_id(&mut self, normalised: &str) -> u32 {
        let stem: &str = match &mut self.stemmer {
            Some(s) => s.stem(normalised),
            None => normalised,
        };
        if let Some(&id) = self.ids.get(stem) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(stem.to_owned(), id);
        id
    }

    /// The id of the stem of a word as written.
    pub(crate) fn word_id(&mut self, word: &str) -> u32 {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        push_normalised(word, &mut buf);
        let id = self.stem_id(&buf);
        self.buf = buf;
        id
    }

    /// Appends the stem ids of the words of `text`.
    pub(crate) fn ids_of(&mut self, text: &str, out: &mut Vec<u32>) {
        for (s, e) in word_spans(text) {
            out.push(self.word_id(&text[s..e]));
        }
    }
}

/// One keyword: the stems after its first, and its weight.
struct Phrase {
    topic: usize,
    rest: Vec<u32>,
    weight: i64,
}

/// Keywords of several topics, compiled for matching stem ids.
pub(crate) struct KeywordIndex {
    by_first: HashMap<u32, Vec<Phrase>>,
}

impl KeywordIndex {
    /// Compiles the keywords of each entry (a topic) of `topics`.
    pub(crate) fn new<K, W>(topics: &[K], vocab: &mut Vocab) -> KeywordIndex
    where
        K: AsRef<[W]>,
        W: AsRef<str>,
    {
        let mut by_first: HashMap<u32, Vec<Phrase>> = HashMap::new();
        let mut ids = Vec::new();
        for (topic, keywords) in topics.iter().enumerate() {
            for keyword in keywords.as_ref() {
                ids.clear();
                vocab.ids_of(keyword.as_ref(), &mut ids);
                let Some((&first, rest)) = ids.split_first() else {
                    continue;
                };
                let bucket = by_first.entry(first).or_default();
                if bucket.iter().any(|p| p.topic == topic && p.rest == rest) {
                    continue;
                }
                let extra = i64::try_from(rest.len()).unwrap_or(i64::MAX / 2);
                bucket.push(Phrase {
                    topic,
                    rest: rest.to_vec(),
                    weight: WORD_WEIGHT.saturating_add(extra.saturating_mul(EXTRA_WORD_WEIGHT)),
                });
            }
        }
        // Within a bucket: by topic, longest first, so the first match of a topic is its
        // longest.
        for bucket in by_first.values_mut() {
            bucket.sort_by(|a, b| a.topic.cmp(&b.topic).then(b.rest.len().cmp(&a.rest.len())));
        }
        KeywordIndex { by_first }
    }

    /// Adds the evidence (in thousandths) per topic in the words `ids` of one sentence
    /// to `scores` (one entry per topic).
    pub(crate) fn score(&self, ids: &[u32], scores: &mut [i64]) {
        for (k, id) in ids.iter().enumerate() {
            let Some(bucket) = self.by_first.get(id) else {
                continue;
            };
            let mut last_topic = None;
            for p in bucket {
                if last_topic == Some(p.topic) {
                    continue;
                }
                if ids[k + 1..].starts_with(&p.rest) {
                    last_topic = Some(p.topic);
                    if let Some(s) = scores.get_mut(p.topic) {
                        *s = s.saturating_add(p.weight);
                    }
                }
            }
        }
    }
}

/// Where each monologue starts, made non-decreasing, and where the call's talk ends.
fn monologue_bounds(call: &CallInput<'_>) -> (Vec<i64>, i64) {
    let mut starts = Vec::with_capacity(call.transcript.len());
    let mut prev = i64::MIN;
    let mut end = i64::MIN;
    for m in call.transcript {
        let first = m.sentences.iter().map(|s| s.start_ms).min();
        let last = m.sentences.iter().map(|s| s.end_ms.max(s.start_ms)).max();
        let start = match first {
            Some(s) if prev == i64::MIN => s,
            Some(s) => s.max(prev),
            None if prev == i64::MIN => 0,
            None => prev,
        };
        starts.push(start);
        prev = start;
        end = end.max(start).max(last.unwrap_or(start));
    }
    (starts, end.max(0))
}

/// A run of monologues with one label.
#[derive(Debug, Clone, Copy)]
struct Run {
    label: Option<usize>,
    first: usize,
    end: usize,
}

pub fn segment(call: &CallInput<'_>, defs: &[TopicDef]) -> Topics {
    let n = call.transcript.len();
    let mut out = Topics {
        per_monologue: vec![None; n],
        ..Topics::default()
    };
    let t = defs.len();
    if n == 0 || t == 0 {
        return out;
    }

    let mut vocab = Vocab::new(call.language);
    let keyword_lists: Vec<Vec<&str>> = defs
        .iter()
        .map(|d| d.keywords.iter().map(String::as_str).collect())
        .collect();
    let index = KeywordIndex::new(&keyword_lists, &mut vocab);

    let mut evidence = vec![0i64; n * t];
    let mut ids = Vec::new();
    for (i, m) in call.transcript.iter().enumerate() {
        for s in &m.sentences {
            ids.clear();
            vocab.ids_of(&s.text, &mut ids);
            index.score(&ids, &mut evidence[i * t..(i + 1) * t]);
        }
    }
    if evidence.iter().all(|&e| e <= 0) {
        return out;
    }

    let (starts, call_end) = monologue_bounds(call);
    let bound = |k: usize| starts.get(k).copied().unwrap_or(call_end);
    let labels = viterbi(&evidence, t, |i| bound(i + 1).saturating_sub(bound(i)));

    let mut runs = runs_of(&labels);
    let total = call_end.saturating_sub(bound(0));
    let min_span = MIN_SPAN_MS.min(total / 20);
    absorb_short_runs(&mut runs, &evidence, t, min_span, |r: &Run| {
        bound(r.end).saturating_sub(bound(r.first))
    });

    for r in &runs {
        let Some(topic) = r.label else { continue };
        let name = &defs[topic].name;
        for slot in &mut out.per_monologue[r.first..r.end] {
            *slot = Some(name.clone());
        }
        let (start_ms, end_ms) = (bound(r.first), bound(r.end));
        match out.spans.last_mut() {
            // Two definitions with one name, side by side: one span.
            Some(last) if last.end_monologue == r.first && last.name == *name => {
                last.end_ms = end_ms;
                last.end_monologue = r.end;
            }
            _ => out.spans.push(TopicSpan {
                name: name.clone(),
                start_ms,
                end_ms,
                first_monologue: r.first,
                end_monologue: r.end,
            }),
        }
    }
    for span in &out.spans {
        let ms = span.end_ms.saturating_sub(span.start_ms);
        match out.totals.iter_mut().find(|(name, _)| *name == span.name) {
            Some((_, total)) => *total = total.saturating_add(ms),
            None => out.totals.push((span.name.clone(), ms)),
        }
    }
    out
}

/// The best labelling of the monologues (see the module doc). `evidence` holds `t`
/// scores per monologue; label `None` is "no topic". The pass runs from the last
/// monologue to the first, so that ties move a change of topic as late as possible:
/// talk with no evidence stays with the topic before it.
fn viterbi(evidence: &[i64], t: usize, duration_ms: impl Fn(usize) -> i64) -> Vec<Option<usize>> {
    let n = evidence.len() / t.max(1);
    let states = t + 1;
    let none = t;
    let emission = |i: usize, s: usize| -> i64 {
        if s == none {
            duration_ms(i).max(0).saturating_mul(NO_TOPIC_PER_MINUTE) / 60_000
        } else {
            evidence[i * t + s]
        }
    };
    let mut score: Vec<i64> = (0..states).map(|s| emission(n - 1, s)).collect();
    let mut next = vec![0usize; n * states];
    let mut new_score = vec![0i64; states];
    for i in (0..n.saturating_sub(1)).rev() {
        // The best and second best states of the step after i (ties to the lower index).
        let (mut best, mut second) = (0usize, usize::MAX);
        for s in 1..states {
            if score[s] > score[best] {
                second = best;
                best = s;
            } else if second == usize::MAX || score[s] > score[second] {
                second = s;
            }
        }
        for s in 0..states {
            let other = if s == best { second } else { best };
            let stay = score[s];
            let (from, value) =
                if other != usize::MAX && score[other].saturating_sub(SWITCH_PENALTY) > stay {
                    (other, score[other].saturating_sub(SWITCH_PENALTY))
                } else {
                    (s, stay)
                };
            next[i * states + s] = from;
            new_score[s] = value.saturating_add(emission(i, s));
        }
        std::mem::swap(&mut score, &mut new_score);
    }
    // Ties at the start of the call: topics before "no topic", then definition order.
    let mut state = 0;
    for s in 1..states {
        if score[s] > score[state] {
            state = s;
        }
    }
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        labels.push((state != none).then_some(state));
        if i + 1 < n {
            state = next[i * states + state];
        }
    }
    labels
}

fn runs_of(labels: &[Option<usize>]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (i, &label) in labels.iter().enumerate() {
        match runs.last_mut() {
            Some(r) if r.label == label => r.end = i + 1,
            _ => runs.push(Run {
                label,
                first: i,
                end: i + 1,
            }),
        }
    }
    runs
}

/// Merges runs shorter than `min_span` into a neighbouring topic, shortest first.
fn absorb_short_runs(
    runs: &mut Vec<Run>,
    evidence: &[i64],
    t: usize,
    min_span: i64,
    duration: impl Fn(&Run) -> i64,
) {
    let inside = |r: &Run, topic: usize| -> i64 {
        (r.first..r.end)
            .map(|i| evidence[i * t + topic])
            .fold(0i64, i64::saturating_add)
    };
    loop {
        let mut pick: Option<(usize, i64)> = None;
        for (k, r) in runs.iter().enumerate() {
            let d = duration(r);
            if d >= min_span || runs.len() < 2 {
                continue;
            }
            let named_neighbour = (k > 0 && runs[k - 1].label.is_some())
                || runs.get(k + 1).is_some_and(|n| n.label.is_some());
            if named_neighbour && pick.is_none_or(|(_, best)| d < best) {
                pick = Some((k, d));
            }
        }
        let Some((k, _)) = pick else { return };
        let prev = k.checked_sub(1).and_then(|p| runs[p].label);
        let next = runs.get(k + 1).and_then(|n| n.label);
        let label = match (prev, next) {
            (Some(p), Some(n)) if inside(&runs[k], n) > inside(&runs[k], p) => Some(n),
            (Some(p), _) => Some(p),
            (None, n) => n,
        };
        runs[k].label = label;
        // Merge equal neighbours.
        let mut merged: Vec<Run> = Vec::with_capacity(runs.len());
        for r in runs.drain(..) {
            match merged.last_mut() {
                Some(m) if m.label == r.label => m.end = r.end,
                _ => merged.push(r),
            }
        }
        *runs = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Speaker;
    use parley_domain::{Affiliation, Monologue, SpeakerId, Transcript};

    /// A transcript from `(speaker, start seconds, text)` lines; each line is a sentence
    /// lasting until the next line (or 5 s), consecutive lines of one speaker are one
    /// monologue.
    fn transcript(lines: &[(i64, i64, &str)]) -> Transcript {
        crate::test_support::timed_lines(lines, false)
    }

    fn speakers() -> Vec<Speaker> {
        vec![
            Speaker {
                speaker_id: SpeakerId(1),
                party_id: None,
                user_id: None,
                affiliation: Affiliation::Internal,
            },
            Speaker {
                speaker_id: SpeakerId(2),
                party_id: None,
                user_id: None,
                affiliation: Affiliation::External,
            },
        ]
    }

    fn run(t: &Transcript, defs: &[TopicDef]) -> Topics {
        let speakers = speakers();
        let call = CallInput {
            transcript: t,
            speakers: &speakers,
            host: None,
            language: Some("eng"),
            duration_ms: None,
        };
        segment(&call, defs)
    }

    fn spans(topics: &Topics) -> Vec<(&str, i64, i64)> {
        topics
            .spans
            .iter()
            .map(|s| (s.name.as_str(), s.start_ms / 1000, s.end_ms / 1000))
            .collect()
    }

    #[test]
    fn default_topics_are_the_sales_call_set() {
        let defs = default_topics();
        let names: Vec<_> = defs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Small Talk",
                "Introductions",
                "Discovery",
                "Product",
                "Pricing",
                "Competition",
                "Objections",
                "Next Steps"
            ]
        );
        for d in &defs {
            assert!(
                (20..=60).contains(&d.keywords.len()),
                "{}: {}",
                d.name,
                d.keywords.len()
            );
        }
    }

    #[test]
    fn a_sales_call_is_cut_into_its_phases() {
        let t = transcript(&[
            (1, 0, "Hi Dana, how are you? How was your weekend?"),
            (2, 5, "Great, we went hiking, the weather was sunny."),
            (1, 12, "Nice. Let me introduce myself, my name is Sam, account executive."),
            (2, 20, "I'm Dana, head of sales operations, responsible for the team."),
            (1, 30, "So what is the biggest challenge in your current process?"),
            (2, 38, "Honestly everything is manual, we track the pipeline in a spreadsheet."),
            (1, 50, "Got it."),
            (2, 52, "And the forecast is a problem, no visibility at all."),
            (1, 60, "On pricing, it is fifty dollars per user per month, billed annually."),
            (2, 72, "Is there a discount on a multi year contract?"),
            (1, 80, "Yes, ten percent. So next steps: I'll send you the proposal and schedule a call next week."),
            (2, 92, "Sounds good, send over the calendar invite for Tuesday."),
        ]);
        let topics = run(&t, &default_topics());
        assert_eq!(
            spans(&topics),
            [
                ("Small Talk", 0, 12),
                ("Introductions", 12, 30),
                ("Discovery", 30, 60),
                ("Pricing", 60, 80),
                ("Next Steps", 80, 97),
            ]
        );
        assert_eq!(topics.per_monologue.len(), t.len());
        assert_eq!(
            topics.per_monologue[6].as_deref(),
            Some("Discovery"),
            "'Got it.'"
        );
        assert_eq!(
            topics.totals,
            [
                ("Small Talk".to_string(), 12_000),
                ("Introductions".to_string(), 18_000),
                ("Discovery".to_string(), 30_000),
                ("Pricing".to_string(), 20_000),
                ("Next Steps".to_string(), 17_000),
            ]
        );
    }

    fn defs(list: &[(&str, &[&str])]) -> Vec<TopicDef> {
        list.iter()
            .map(|(n, k)| TopicDef {
                name: (*n).into(),
                keywords: k.iter().map(|s| (*s).into()).collect(),
            })
            .collect()
    }

    #[test]
    fn a_stray_keyword_does_not_break_a_stretch() {
        let d = defs(&[
            ("Fruit", &["apple", "banana", "cherry"]),
            ("Cars", &["engine", "wheel", "brake"]),
        ]);
        let t = transcript(&[
            (1, 0, "apple banana cherry"),
            (2, 20, "an engine"),
            (1, 40, "apples and bananas"),
            (2, 60, "a cherry"),
        ]);
        assert_eq!(spans(&run(&t, &d)), [("Fruit", 0, 65)]);
    }

    #[test]
    fn silence_stays_with_the_topic_before_and_lead_in_joins_the_first() {
        let d = defs(&[
            ("Fruit", &["apple", "banana", "cherry"]),
            ("Cars", &["engine", "wheel", "brake"]),
        ]);
        let t = transcript(&[
            (1, 0, "hello there"),
            (2, 20, "apple banana cherry"),
            (1, 40, "right"),
            (2, 60, "okay"),
            (1, 80, "engine wheel brake, brakes"),
            (2, 100, "yes"),
        ]);
        let topics = run(&t, &d);
        assert_eq!(spans(&topics), [("Fruit", 0, 80), ("Cars", 80, 105)]);
        assert_eq!(
            topics.totals,
            [("Fruit".into(), 80_000), ("Cars".into(), 25_000)]
        );
    }

    #[test]
    fn short_stretches_are_absorbed_by_the_neighbour_with_more_evidence() {
        let d = defs(&[
            ("Fruit", &["apple", "banana", "cherry"]),
            ("Cars", &["engine", "wheel", "brake"]),
            ("Sea", &["boat", "sail", "wave"]),
        ]);
        // A dense burst of three Sea keywords lasting 2 s in a 120 s call.
        let t = transcript(&[
            (1, 0, "apple banana cherry apple"),
            (2, 30, "banana cherry"),
            (1, 50, "boat sail wave wave engine"),
            (2, 52, "engine wheel brake wheel"),
            (1, 90, "brake engine"),
            (2, 115, "ok"),
        ]);
        assert_eq!(spans(&run(&t, &d)), [("Fruit", 0, 50), ("Cars", 50, 120)]);
    }

    #[test]
    fn long_stretches_without_evidence_have_no_topic() {
        let d = defs(&[("Fruit", &["apple", "banana"])]);
        let mut lines = vec![(1, 0, "apple banana apple")];
        for k in 1..40 {
            lines.push((1 + k % 2, k * 60, "nothing to see here"));
        }
        let topics = run(&transcript(&lines), &d);
        let first = &topics.spans[0];
        assert_eq!(first.name, "Fruit");
        assert!(first.end_monologue < 40, "{:?}", topics.spans);
        assert_eq!(topics.per_monologue[39], None);
        assert_eq!(topics.spans.len(), 1);
    }

    #[test]
    fn multi_word_keywords_and_stems() {
        let d = defs(&[
            ("Next", &["next steps", "follow up"]),
            ("Price", &["pricing"]),
        ]);
        let t = transcript(&[
            (1, 0, "Prices, priced, pricing."),
            (2, 30, "Next step: we follow up. Following up, next steps!"),
        ]);
        assert_eq!(spans(&run(&t, &d)), [("Price", 0, 30), ("Next", 30, 35)]);
        // "next" alone is no evidence.
        let t = transcript(&[(1, 0, "next next next")]);
        assert_eq!(
            run(&t, &d),
            Topics {
                per_monologue: vec![None],
                ..Topics::default()
            }
        );
    }

    #[test]
    fn no_evidence_no_topics_and_empty_input() {
        let t = transcript(&[(1, 0, "Hallo, wie geht es?"), (2, 3, "Gut, danke.")]);
        let topics = run(&t, &default_topics());
        assert_eq!(topics.per_monologue, [None, None]);
        assert!(topics.spans.is_empty() && topics.totals.is_empty());
        assert_eq!(run(&Vec::new(), &default_topics()), Topics::default());
        let t = transcript(&[(1, 0, "apple")]);
        assert_eq!(run(&t, &[]).per_monologue, [None]);
        // Empty monologues and keywords, odd times: no panic.
        let mut t = transcript(&[(1, 10, "banana"), (2, 5, "apple")]);
        t.push(Monologue {
            speaker_id: SpeakerId(3),
            topic: None,
            sentences: vec![],
        });
        let topics = run(&t, &defs(&[("Fruit", &["apple", "", "!!", "banana"])]));
        assert_eq!(topics.per_monologue.len(), 3);
        assert!(topics.spans.iter().all(|s| s.end_ms >= s.start_ms));
    }

    #[test]
    fn deterministic() {
        let t = transcript(&[
            (1, 0, "apple engine"),
            (2, 20, "wheel banana"),
            (1, 40, "cherry brake"),
        ]);
        let d = defs(&[
            ("Fruit", &["apple", "banana", "cherry"]),
            ("Cars", &["engine", "wheel", "brake"]),
        ]);
        let a = run(&t, &d);
        assert_eq!(a, run(&t, &d));
        // A tie goes to the topic listed first.
        assert_eq!(spans(&a), [("Fruit", 0, 45)]);
    }
}
