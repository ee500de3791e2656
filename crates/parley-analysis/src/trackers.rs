//! Keyword trackers: which configured phrases were said, how often, when and by whom.
//!
//! How matching works. Every phrase is cut into its normalised words (the rules of
//! [`crate::text`]) and written as ` w1 w2 `: one space before, between and after the
//! words. A call is written the same way: the normalised words of each monologue one
//! space apart, monologues separated by a newline. A phrase occurs exactly where its
//! pattern occurs in that stream, which gives case, punctuation and whitespace
//! insensitivity and word boundaries ("cost" never matches "costume"), lets a phrase run
//! across a sentence break, and never across two monologues (no pattern holds a
//! newline). One Aho-Corasick automaton holds the patterns of all trackers.
//!
//! Phrases that include related forms are matched on a second stream, the Snowball stem
//! of every word, against patterns made of the stems of their words. Both kinds of
//! pattern live in the same automaton; each pattern knows which stream it counts on,
//! and the stem stream is only built when a tracker that applies to the call needs it.
//!
//! Speed (see `benches/analysis.rs`): the words are normalised by a branch-free loop
//! over ASCII text, the automaton walks four parts of a stream in lockstep, stems come
//! from a per-thread cache, and the time of a hit is worked out only for the hits that
//! are kept.

use std::cell::RefCell;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous;
use aho_corasick::{dfa, Anchored, MatchKind, PatternID};
use parley_domain::{Sentence, SpeakerId, TrackerId};
use rust_stemmers::Algorithm;
use serde::{Deserialize, Serialize};

use crate::text;
use crate::CallInput;

pub use parley_domain::tracker::{
    Keywords, SaidAt, SaidBy, Stretch, TrackerDef, MAX_NAME_CHARS, MAX_PHRASES, MAX_SAID_AT_MINUTES,
};

/// One hit: when the phrase began and who said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub start_ms: i64,
    pub speaker_id: SpeakerId,
}

/// The hits of one configured phrase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhraseHits {
    /// The phrase as configured.
    pub phrase: String,
    pub count: u32,
    pub occurrences: Vec<Occurrence>,
}

/// The hits of one tracker in one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerHits {
    pub tracker_id: TrackerId,
    pub name: String,
    /// Total hits of all phrases.
    pub count: u32,
    /// All hits in time order.
    pub occurrences: Vec<Occurrence>,
    /// One entry per configured phrase that was hit, in configuration order.
    pub phrases: Vec<PhraseHits>,
}

/// A tracker definition that cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TrackerError(pub String);

/// Which stream of a call a pattern is matched on: `EXACT` for the words as said, `k +
/// 1` for the stems of `TrackerSet::algorithms[k]`.
type StreamId = usize;
const EXACT: StreamId = 0;

/// One distinct pattern of the automaton (indexed by its pattern id).
#[derive(Debug, Clone)]
struct Pattern {
    /// Number of words in the pattern.
    words: usize,
    /// Its entries in `TrackerSet::entries`.
    first_entry: usize,
    end_entry: usize,
}

/// One use of a pattern: a tracker phrase that counts when the pattern is found in one
/// stream of a call whose language the phrase applies to. Identical patterns of
/// different phrases share the pattern and each get an entry, so that all are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    stream: StreamId,
    /// Index into `TrackerSet::languages`.
    language: usize,
    /// Index into `TrackerSet::slots`.
    slot: usize,
}

/// A phrase of one tracker. Phrases of a tracker with the same words (in one or several
/// languages, with or without related forms) are one slot, so that one utterance counts
/// once for the tracker.
#[derive(Debug, Clone)]
struct Slot {
    tracker: usize,
    /// The phrase as first configured.
    phrase: String,
}

/// The filters of one tracker, ready for matching.
#[derive(Debug, Clone)]
struct Rule {
    said_by: SaidBy,
    said_at: SaidAt,
    part_of_question: bool,
    /// Lower case.
    topics: Vec<String>,
}

/// All trackers of a workspace compiled into one matcher.
#[derive(Debug, Clone)]
pub struct TrackerSet {
    defs: Vec<TrackerDef>,
    /// `None` when there is no phrase at all.
    matcher: Option<Matcher>,
    patterns: Vec<Pattern>,
    /// Grouped by pattern, see `Pattern::first_entry`.
    entries: Vec<Entry>,
    slots: Vec<Slot>,
    /// One per tracker definition.
    rules: Vec<Rule>,
    /// Distinct keyword languages, canonical (see `canonical_language`).
    languages: Vec<String>,
    /// For each language, the streams its entries are matched on.
    language_streams: Vec<Vec<StreamId>>,
    /// The stemmers of phrases that include related forms.
    algorithms: Vec<Algorithm>,
    /// Whether some tracker counts every monologue (no speaker or topic filter), so no
    /// monologue can be skipped.
    counts_everything: bool,
    any_topics: bool,
}

/// Above this many pattern bytes the automaton is built as a (compact) NFA rather than
/// a DFA: a DFA is the fastest to run but its size grows with the patterns times the
/// alphabet, and a workspace with tens of thousands of phrases should not cost
/// hundreds of megabytes.
const DFA_MAX_PATTERN_BYTES: usize = 100_000;

impl TrackerSet {
    pub fn compile(defs: &[TrackerDef]) -> Result<TrackerSet, TrackerError> {
        let mut problems = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            let messages = validate(def);
            if !messages.is_empty() {
                problems.push(format!("tracker {i}: {}", messages.join("; ")));
            }
        }
        if !problems.is_empty() {
            return Err(TrackerError(problems.join("; ")));
        }

        let mut languages: Vec<String> = Vec::new();
        let mut algorithms: Vec<Algorithm> = Vec::new();
        let mut stemmers: Vec<StemCache> = Vec::new();
        let mut slots: Vec<Slot> = Vec::new();
        let mut pattern_ids: HashMap<String, usize> = HashMap::new();
        let mut pattern_texts: Vec<String> = Vec::new();
        let mut pattern_words: Vec<usize> = Vec::new();
        let mut uses: Vec<(usize, Entry)> = Vec::new();
        let mut rules = Vec::with_capacity(defs.len());

        for (t, def) in defs.iter().enumerate() {
            rules.push(Rule {
                said_by: def.said_by,
                said_at: def.said_at,
                part_of_question: def.part_of_question,
                topics: def
                    .said_in_topics
                    .iter()
                    .map(|s| s.to_lowercase())
                    .collect(),
            });
            let mut slot_of: HashMap<String, usize> = HashMap::new();
            for kw in &def.keywords {
                let code = canonical_language(&kw.language);
                let language = match languages.iter().position(|l| *l == code) {
                    Some(l) => l,
                    None => {
                        languages.push(code);
                        languages.len() - 1
                    }
                };
                // A language without a stemmer matches its words as written.
                let algorithm = if kw.include_related_forms {
                    text::stemmer_algorithm(&kw.language)
                } else {
                    None
                };
                let stream = match algorithm {
                    None => EXACT,
                    Some(a) => match algorithms.iter().position(|b| *b == a) {
                        Some(k) => k + 1,
                        None => {
                            algorithms.push(a);
                            stemmers.push(StemCache::new(a));
                            algorithms.len()
                        }
                    },
                };
                for phrase in &kw.phrases {
                    let words = text::normalised_words(phrase);
                    if words.is_empty() {
                        continue;
                    }
                    let key = words.join(" ");
                    let slot = *slot_of.entry(key.clone()).or_insert_with(|| {
                        slots.push(Slot {
                            tracker: t,
                            phrase: phrase.clone(),
                        });
                        slots.len() - 1
                    });
                    let pattern_text = match stream.checked_sub(1).and_then(|k| stemmers.get_mut(k))
                    {
                        None => format!(" {key} "),
                        Some(stemmer) => {
                            // Stemmed exactly as the words of a call are.
                            let mut p = vec![b' '];
                            for w in &words {
                                stemmer.push_stem(w.as_bytes(), &mut p);
                                p.push(b' ');
                            }
                            String::from_utf8_lossy(&p).into_owned()
                        }
                    };
                    let pattern = *pattern_ids.entry(pattern_text.clone()).or_insert_with(|| {
                        pattern_texts.push(pattern_text);
                        pattern_words.push(words.len());
                        pattern_texts.len() - 1
                    });
                    uses.push((
                        pattern,
                        Entry {
                            stream,
                            language,
                            slot,
                        },
                    ));
                }
            }
        }

        // Group the entries by pattern; the same phrase twice in one list is one entry.
        uses.sort_unstable();
        uses.dedup();
        let mut patterns: Vec<Pattern> = pattern_words
            .iter()
            .map(|&words| Pattern {
                words,
                first_entry: 0,
                end_entry: 0,
            })
            .collect();
        let mut entries = Vec::with_capacity(uses.len());
        let mut language_streams: Vec<Vec<StreamId>> = vec![Vec::new(); languages.len()];
        let mut previous = None;
        for (pattern, entry) in &uses {
            if let Some(p) = patterns.get_mut(*pattern) {
                if previous != Some(*pattern) {
                    p.first_entry = entries.len();
                }
                p.end_entry = entries.len() + 1;
            }
            previous = Some(*pattern);
            if let Some(streams) = language_streams.get_mut(entry.language) {
                if !streams.contains(&entry.stream) {
                    streams.push(entry.stream);
                }
            }
            entries.push(*entry);
        }

        let matcher = if pattern_texts.is_empty() {
            None
        } else {
            let bytes: usize = pattern_texts.iter().map(String::len).sum();
            let too_many = |e| TrackerError(format!("the phrases are too many to match: {e}"));
            // Every pattern starts with a space, so a prefilter looking for the first
            // byte of a pattern would stop at every word: no prefilter.
            let matcher = if bytes <= DFA_MAX_PATTERN_BYTES {
                dfa::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(&pattern_texts)
                    .map(|d| Matcher::Dfa(Arc::new(d)))
            } else {
                contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(&pattern_texts)
                    .map(|n| Matcher::Nfa(Arc::new(n)))
            };
            Some(matcher.map_err(too_many)?)
        };

        Ok(TrackerSet {
            counts_everything: rules
                .iter()
                .any(|r| r.said_by == SaidBy::Anyone && r.topics.is_empty()),
            any_topics: rules.iter().any(|r| !r.topics.is_empty()),
            defs: defs.to_vec(),
            matcher,
            patterns,
            entries,
            slots,
            rules,
            languages,
            language_streams,
            algorithms,
        })
    }

    pub fn defs(&self) -> &[TrackerDef] {
        &self.defs
    }

    /// Number of distinct patterns in the automaton (a phrase with related forms and one
    /// without are two; the same phrase in two trackers is one).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// The hits of every tracker in one call; `topics` holds each monologue's topic (same
    /// length as the transcript, or empty when topics are unknown). Trackers with no
    /// hit are left out.
    pub fn scan(&self, call: &CallInput<'_>, topics: &[Option<String>]) -> Vec<TrackerHits> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let call_language = call.language.map(canonical_language);
        let language_ok: Vec<bool> = self
            .languages
            .iter()
            .map(|l| language_applies(l, call_language.as_deref()))
            .collect();
        let mut wanted = vec![false; self.algorithms.len() + 1];
        for (streams, ok) in self.language_streams.iter().zip(&language_ok) {
            if *ok {
                for s in streams {
                    if let Some(w) = wanted.get_mut(*s) {
                        *w = true;
                    }
                }
            }
        }
        if !wanted.contains(&true) {
            return Vec::new();
        }

        let monologues: Vec<MonologueInfo> = call
            .transcript
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let topic = if !self.any_topics {
                    None
                } else if topics.is_empty() {
                    m.topic.as_deref().map(str::to_lowercase)
                } else {
                    topics
                        .get(i)
                        .and_then(|t| t.as_deref())
                        .map(str::to_lowercase)
                };
                MonologueInfo {
                    company: call.is_company(m.speaker_id),
                    topic,
                }
            })
            .collect();
        let words = self.word_stream(call, &monologues);
        let mut found = Found {
            language_ok: &language_ok,
            monologues: &monologues,
            questions: vec![None; words.rows.len()],
            hits: Vec::new(),
        };
        if wanted.first() == Some(&true) {
            self.collect(matcher, call, &words, &words.exact, EXACT, &mut found);
        }
        for (k, algorithm) in self.algorithms.iter().enumerate() {
            if wanted.get(k + 1) == Some(&true) {
                let stems = cached_stem_stream(&words, *algorithm);
                self.collect(matcher, call, &words, &stems, k + 1, &mut found);
            }
        }
        self.report(call, &words, found.hits)
    }

    /// The normalised words of the monologues some tracker counts.
    fn word_stream(&self, call: &CallInput<'_>, monologues: &[MonologueInfo]) -> Words {
        let capacity: usize = call
            .transcript
            .iter()
            .map(|m| 2 + m.sentences.iter().map(|s| s.text.len() + 1).sum::<usize>())
            .sum();
        let mut words = Words {
            exact: Stream {
                bytes: Vec::with_capacity(capacity),
                row_starts: Vec::new(),
            },
            rows: Vec::new(),
            count: 0,
        };
        for (m, (monologue, info)) in call.transcript.iter().zip(monologues).enumerate() {
            if !self.counts_everything && !self.rules.iter().any(|r| r.counts_in(info)) {
                continue;
            }
            let stream = &mut words.exact;
            if !stream.bytes.is_empty() {
                stream.bytes.push(b'\n');
            }
            stream.bytes.push(b' ');
            for (s, sentence) in monologue.sentences.iter().enumerate() {
                words.rows.push(Row {
                    first_word: words.count,
                    monologue: m,
                    sentence: s,
                });
                stream.row_starts.push(stream.bytes.len());
                words.count += push_words(&sentence.text, &mut stream.bytes);
            }
        }
        words
    }

    /// Finds the patterns of one stream and keeps the hits of the entries that count.
    fn collect(
        &self,
        matcher: &Matcher,
        call: &CallInput<'_>,
        words: &Words,
        stream: &Stream,
        stream_id: StreamId,
        found: &mut Found<'_>,
    ) {
        // All matches first, then their hits: the search loop stays small enough to
        // keep its state in registers.
        let mut matches = Vec::new();
        matcher.for_each_match(&stream.bytes, |pattern_id, start| {
            matches.push((pattern_id, start));
        });
        for (pattern_id, start) in matches {
            let Some(pattern) = self.patterns.get(pattern_id.as_usize()) else {
                continue;
            };
            let Some(entries) = self.entries.get(pattern.first_entry..pattern.end_entry) else {
                continue;
            };
            // Stem patterns turn up in the exact stream and the other way round; most
            // such matches are dropped here, before any lookup.
            if !entries
                .iter()
                .any(|e| e.stream == stream_id && found.language_ok.get(e.language) == Some(&true))
            {
                continue;
            }
            // The match begins with the space before its first word.
            let Some((row_index, first)) = stream.word_at(&words.rows, start + 1) else {
                continue;
            };
            let Some(row) = words.rows.get(row_index) else {
                continue;
            };
            let Some(info) = found.monologues.get(row.monologue) else {
                continue;
            };
            for e in entries {
                if e.stream != stream_id || found.language_ok.get(e.language) != Some(&true) {
                    continue;
                }
                let Some(rule) = self
                    .slots
                    .get(e.slot)
                    .and_then(|s| self.rules.get(s.tracker))
                else {
                    continue;
                };
                if !rule.counts_in(info) {
                    continue;
                }
                if rule.part_of_question && !found.is_question(call, row_index, row) {
                    continue;
                }
                found.hits.push(Hit {
                    slot: e.slot,
                    first_word: first,
                    end_word: first + pattern.words,
                    row: row_index,
                    start_ms: 0,
                    speaker_id: SpeakerId(0),
                });
            }
        }
    }

    /// Turns the raw hits into the per-tracker report.
    fn report(&self, call: &CallInput<'_>, words: &Words, mut hits: Vec<Hit>) -> Vec<TrackerHits> {
        // Slots are numbered by tracker then configuration order, so this is also the
        // order of the report. Repeats of one phrase must not overlap: keep the
        // earliest, then the next that starts after it ends (the same words found on
        // both streams are one hit).
        hits.sort_unstable_by_key(|h| (h.slot, h.first_word, h.end_word));
        let mut last: Option<(usize, usize)> = None;
        hits.retain(|h| {
            let overlaps = last.is_some_and(|(slot, end)| slot == h.slot && h.first_word < end);
            if !overlaps {
                last = Some((h.slot, h.end_word));
            }
            !overlaps
        });
        let mut times = Timings::new(words.rows.len());
        // Only windowed trackers need the call's length (a pass over the transcript).
        let duration_ms = self
            .rules
            .iter()
            .any(|r| r.said_at != SaidAt::Anytime)
            .then(|| call.duration_ms());
        hits.retain_mut(|h| {
            let speaker = words
                .rows
                .get(h.row)
                .and_then(|r| call.transcript.get(r.monologue))
                .map(|m| m.speaker_id);
            let in_window = |start_ms: i64| {
                let Some(duration_ms) = duration_ms else {
                    return true;
                };
                self.slots
                    .get(h.slot)
                    .and_then(|s| self.rules.get(s.tracker))
                    .is_none_or(|r| r.said_at.covers(start_ms, duration_ms))
            };
            match (speaker, times.start_ms(call, words, h.row, h.first_word)) {
                (Some(speaker_id), Some(start_ms)) if in_window(start_ms) => {
                    h.speaker_id = speaker_id;
                    h.start_ms = start_ms;
                    true
                }
                _ => false,
            }
        });

        let mut out: Vec<TrackerHits> = Vec::new();
        let tracker_of = |h: &Hit| self.slots.get(h.slot).map(|s| s.tracker);
        let mut rest = &mut hits[..];
        while let Some(first) = rest.first() {
            let tracker = tracker_of(first);
            let n = rest
                .iter()
                .position(|h| tracker_of(h) != tracker)
                .unwrap_or(rest.len());
            let (group, tail) = rest.split_at_mut(n);
            rest = tail;
            let Some(def) = tracker.and_then(|t| self.defs.get(t)) else {
                continue;
            };
            let mut phrases = Vec::new();
            let mut slot_hits = &mut group[..];
            while let Some(first) = slot_hits.first() {
                let slot = first.slot;
                let n = slot_hits
                    .iter()
                    .position(|h| h.slot != slot)
                    .unwrap_or(slot_hits.len());
                let (these, tail) = slot_hits.split_at_mut(n);
                slot_hits = tail;
                these.sort_unstable_by_key(|h| (h.start_ms, h.first_word));
                if let Some(s) = self.slots.get(slot) {
                    phrases.push(PhraseHits {
                        phrase: s.phrase.clone(),
                        count: count(these.len()),
                        occurrences: these.iter().map(Hit::occurrence).collect(),
                    });
                }
            }
            group.sort_unstable_by_key(|h| (h.start_ms, h.first_word, h.slot));
            out.push(TrackerHits {
                tracker_id: def.id,
                name: def.name.clone(),
                count: count(group.len()),
                occurrences: group.iter().map(Hit::occurrence).collect(),
                phrases,
            });
        }
        out
    }
}

/// The Aho-Corasick automaton of all patterns.
#[derive(Debug, Clone)]
enum Matcher {
    Dfa(Arc<dfa::DFA>),
    /// For very many phrases, see `DFA_MAX_PATTERN_BYTES`.
    Nfa(Arc<contiguous::NFA>),
}

impl Matcher {
    /// Calls `found(pattern, start)` for every occurrence of every pattern in `stream`,
    /// overlapping ones included.
    fn for_each_match(&self, stream: &[u8], found: impl FnMut(PatternID, usize)) {
        match self {
            Matcher::Dfa(dfa) => find_all(dfa.as_ref(), stream, found),
            Matcher::Nfa(nfa) => find_all(nfa.as_ref(), stream, found),
        }
    }
}

/// How many parts of a stream the automaton walks at once. Each step of an automaton
/// waits for a memory load that depends on the step before; walking independent parts
/// in lockstep overlaps those waits. On the benchmark's 1,000 phrases this took the
/// automaton from 2.4 ns a byte (one part, or `AhoCorasick::find_overlapping_iter`) to
/// 1.4 (two) and 1.1 (four).
const LANES: usize = 4;

/// `Matcher::for_each_match` on one automaton: an overlapping search with standard
/// match semantics, run over `LANES` parts of the stream at once.
fn find_all<A: Automaton>(aut: &A, stream: &[u8], mut found: impl FnMut(PatternID, usize)) {
    let Ok(start) = aut.start_state(Anchored::No) else {
        return;
    };
    // Cut at the monologue breaks nearest to equal parts: no pattern holds a newline,
    // so none spans a cut, and parts of about equal length keep the lanes busy.
    let mut bounds = [stream.len(); LANES + 1];
    bounds[0] = 0;
    for k in 1..LANES {
        let previous = bounds[k - 1];
        let target = (stream.len() * k / LANES).max(previous);
        let after = stream
            .get(target..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map(|p| target + p);
        let before = stream
            .get(previous..target)
            .and_then(|part| part.iter().rposition(|&b| b == b'\n'))
            .map(|p| previous + p);
        bounds[k] = match (before, after) {
            (Some(b), Some(a)) if target - b < a - target => b,
            (_, Some(a)) => a,
            (Some(b), None) => b,
            (None, None) => stream.len(),
        };
    }
    let lanes: [&[u8]; LANES] =
        std::array::from_fn(|k| stream.get(bounds[k]..bounds[k + 1]).unwrap_or_default());
    let mut states = [start; LANES];
    let together = lanes.iter().map(|l| l.len()).min().unwrap_or(0);
    for i in 0..together {
        for (state, lane) in states.iter_mut().zip(&lanes) {
            *state = aut.next_state(Anchored::No, *state, lane[i]);
        }
        for (k, state) in states.iter().enumerate() {
            if aut.is_special(*state) {
                report_matches(aut, *state, bounds[k] + i + 1, &mut found);
            }
        }
    }
    // The rest of the longer parts, one after the other.
    for (k, (state, lane)) in states.iter_mut().zip(&lanes).enumerate() {
        for (i, &b) in lane.iter().enumerate().skip(together) {
            *state = aut.next_state(Anchored::No, *state, b);
            if aut.is_special(*state) {
                report_matches(aut, *state, bounds[k] + i + 1, &mut found);
            }
        }
    }
}

/// Reports the patterns that end at `end` in `state`, if it is a match state.
fn report_matches<A: Automaton>(
    aut: &A,
    state: StateID,
    end: usize,
    found: &mut impl FnMut(PatternID, usize),
) {
    if aut.is_match(state) {
        for i in 0..aut.match_len(state) {
            let pattern = aut.match_pattern(state, i);
            found(pattern, end.saturating_sub(aut.pattern_len(pattern)));
        }
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Rule {
    /// Whether the tracker counts what is said in a monologue (speaker and topic).
    fn counts_in(&self, m: &MonologueInfo) -> bool {
        let speaker = match self.said_by {
            SaidBy::Anyone => true,
            SaidBy::Company => m.company,
            SaidBy::NonCompany => !m.company,
        };
        speaker
            && (self.topics.is_empty()
                || m.topic
                    .as_ref()
                    .is_some_and(|t| self.topics.iter().any(|w| w == t)))
    }
}

/// What the tracker filters need to know about a monologue.
struct MonologueInfo {
    company: bool,
    /// Lower case; only filled when some tracker filters on topics.
    topic: Option<String>,
}

/// A stream of words: ` w1 w2 \n w3 `, each word followed by one space, monologues
/// separated by a newline.
struct Stream {
    bytes: Vec<u8>,
    /// Per row: the offset of its first word (where it would be, if it has none).
    row_starts: Vec<usize>,
}

impl Stream {
    /// The row of the word that begins at byte `at`, and the word's index in the call.
    /// Words are found from the row they lie in, rather than recording the offset of
    /// every word: a scan only asks for the few words where a phrase begins.
    fn word_at(&self, rows: &[Row], at: usize) -> Option<(usize, usize)> {
        let r = self
            .row_starts
            .partition_point(|&b| b <= at)
            .checked_sub(1)?;
        let from = *self.row_starts.get(r)?;
        let before = self
            .bytes
            .get(from..at)?
            .iter()
            .filter(|&&b| b == b' ')
            .count();
        Some((r, rows.get(r)?.first_word + before))
    }

    /// Word `j` of row `r`.
    fn nth_word(&self, r: usize, j: usize) -> Option<&[u8]> {
        let mut rest = self.bytes.get(*self.row_starts.get(r)?..)?;
        for _ in 0..j {
            rest = rest.get(rest.iter().position(|&b| b == b' ')? + 1..)?;
        }
        rest.get(..rest.iter().position(|&b| b == b' ')?)
    }

    /// The `n` words of row `r`, each followed by its space.
    fn row_words(&self, r: usize, n: usize) -> Option<&[u8]> {
        let rest = self.bytes.get(*self.row_starts.get(r)?..)?;
        if n == 0 {
            return Some(&[]);
        }
        let mut spaces = 0;
        let end = rest.iter().position(|&b| {
            spaces += usize::from(b == b' ');
            spaces == n
        })?;
        rest.get(..=end)
    }
}

/// The word stream of a call and where its sentences are.
struct Words {
    exact: Stream,
    /// One per sentence of the counted monologues, in stream order.
    rows: Vec<Row>,
    /// Number of words in the stream.
    count: usize,
}

impl Words {
    /// Number of words in row `r`.
    fn row_len(&self, r: usize) -> usize {
        let first = self.rows.get(r).map_or(self.count, |row| row.first_word);
        let end = self
            .rows
            .get(r + 1)
            .map_or(self.count, |row| row.first_word);
        end.saturating_sub(first)
    }
}

/// Where a sentence's words are in the stream.
struct Row {
    /// Index of its first word in the call (its words run up to the next row's first).
    first_word: usize,
    monologue: usize,
    sentence: usize,
}

/// A phrase found at a place where its tracker counts it.
#[derive(Debug, Clone, Copy)]
struct Hit {
    slot: usize,
    first_word: usize,
    end_word: usize,
    /// The row of the first word.
    row: usize,
    /// Filled in once the overlapping repeats are gone.
    start_ms: i64,
    speaker_id: SpeakerId,
}

impl Hit {
    fn occurrence(&self) -> Occurrence {
        Occurrence {
            start_ms: self.start_ms,
            speaker_id: self.speaker_id,
        }
    }
}

/// The state of one scan while the streams are matched.
struct Found<'a> {
    language_ok: &'a [bool],
    monologues: &'a [MonologueInfo],
    /// Whether each row's sentence is a question, once asked.
    questions: Vec<Option<bool>>,
    hits: Vec<Hit>,
}

impl Found<'_> {
    fn is_question(&mut self, call: &CallInput<'_>, row_index: usize, row: &Row) -> bool {
        if let Some(Some(q)) = self.questions.get(row_index) {
            return *q;
        }
        let q = sentence_of(call, row).is_some_and(|s| text::is_question(&s.text));
        if let Some(slot) = self.questions.get_mut(row_index) {
            *slot = Some(q);
        }
        q
    }
}

fn sentence_of<'a>(call: &CallInput<'a>, row: &Row) -> Option<&'a Sentence> {
    call.transcript
        .get(row.monologue)?
        .sentences
        .get(row.sentence)
}

/// When the words of sentences began, worked out once per sentence with a hit.
struct Timings {
    /// Per row, once asked: the start of each of its words, from the word timings when
    /// they line up with the sentence text; `None` when they do not (or there are
    /// none).
    aligned: Vec<Option<Option<Vec<i64>>>>,
    scratch: Vec<u8>,
}

impl Timings {
    fn new(rows: usize) -> Timings {
        Timings {
            aligned: vec![None; rows],
            scratch: Vec::new(),
        }
    }

    /// The start of word `word` of the call, which lies in row `row_index`.
    fn start_ms(
        &mut self,
        call: &CallInput<'_>,
        words: &Words,
        row_index: usize,
        word: usize,
    ) -> Option<i64> {
        let row = words.rows.get(row_index)?;
        let sentence = sentence_of(call, row)?;
        let n = words.row_len(row_index);
        let j = word.checked_sub(row.first_word)?;
        // The common case, one recognised word per word of the text: only the word
        // itself is compared, so a hit costs one recognised word rather than the whole
        // sentence. Other sentences are aligned in full below.
        if sentence.words.len() == n {
            if let (Some(w), Some(text_word)) =
                (sentence.words.get(j), words.exact.nth_word(row_index, j))
            {
                if self.is_word(&w.text, text_word) {
                    return Some(w.start_ms);
                }
            }
        }
        if self.aligned.get(row_index).is_some_and(Option::is_none) {
            let aligned = self.align(sentence, words.exact.row_words(row_index, n));
            if let Some(slot) = self.aligned.get_mut(row_index) {
                *slot = Some(aligned);
            }
        }
        if let Some(Some(Some(starts))) = self.aligned.get(row_index) {
            if let Some(ms) = starts.get(j) {
                return Some(*ms);
            }
        }
        // No usable word timings: spread the words evenly over the sentence.
        let span = (i128::from(sentence.end_ms) - i128::from(sentence.start_ms)).max(0);
        let offset = span * j as i128 / (n.max(1) as i128);
        let ms = i128::from(sentence.start_ms) + offset;
        Some(i64::try_from(ms).unwrap_or(sentence.start_ms))
    }

    /// Whether `text` is the one normalised word `word`, punctuation around it aside.
    fn is_word(&mut self, text: &str, word: &[u8]) -> bool {
        let bytes = text.as_bytes();
        if bytes.is_ascii() && !bytes.contains(&b'\'') {
            // Compared in place: the letters and digits from the first to the last
            // must be the word's (a separator among them makes two words).
            let first = bytes
                .iter()
                .position(|&b| STREAM_BYTE[usize::from(b)] != b' ');
            let last = bytes
                .iter()
                .rposition(|&b| STREAM_BYTE[usize::from(b)] != b' ');
            return match (first, last) {
                (Some(first), Some(last)) => bytes.get(first..=last).is_some_and(|core| {
                    core.len() == word.len()
                        && core
                            .iter()
                            .zip(word)
                            .all(|(&b, &w)| STREAM_BYTE[usize::from(b)] == w)
                }),
                _ => false,
            };
        }
        self.scratch.clear();
        push_words(text, &mut self.scratch);
        self.scratch.strip_suffix(b" ") == Some(word)
    }

    /// The start of each word of a sentence from its word timings, when the recognised
    /// words are the words of its text, `text_words` (a recognised "e-mail" gives two
    /// words, both starting when it did).
    fn align(&mut self, sentence: &Sentence, text_words: Option<&[u8]>) -> Option<Vec<i64>> {
        let text_words = text_words?;
        if sentence.words.is_empty() {
            return None;
        }
        self.scratch.clear();
        let mut starts = Vec::new();
        for w in &sentence.words {
            let n = push_words(&w.text, &mut self.scratch);
            starts.extend(std::iter::repeat_n(w.start_ms, n));
        }
        (self.scratch == text_words).then_some(starts)
    }
}

/// Appends the normalised words of `text` to `out`, each followed by one space, and
/// returns how many there were.
///
/// The words are those of [`text::word_spans`] normalised by [`text::push_normalised`]
/// (a test holds the two equal), in one pass over the bytes without allocating: this is
/// where a scan spends much of its time.
fn push_words(text: &str, out: &mut Vec<u8>) -> usize {
    if text.is_ascii() {
        push_ascii_words(text.as_bytes(), out)
    } else {
        push_unicode_words(text, out)
    }
}

/// `push_words` for ASCII text, the common case. A branch at every word boundary would
/// be mispredicted about as often as it is taken, so every byte is written (a letter or
/// a space) and the write position only moves past it when it belongs to the stream: a
/// letter, or the first space after a word.
fn push_ascii_words(bytes: &[u8], out: &mut Vec<u8>) -> usize {
    let base = out.len();
    // At most one byte per byte of text, and the space after the last word.
    out.resize(base + bytes.len() + 1, b' ');
    let mut at = base;
    let mut words = 0;
    let mut in_word = false;
    for (i, &b) in bytes.iter().enumerate() {
        // An apostrophe inside a word is part of the word, dropped on normalisation
        // ("don't" is "dont"). Tested first and apart: were `in_word` tested first, the
        // branch would be as unpredictable as word boundaries.
        if b == b'\'' && inner_apostrophe(bytes, i, in_word) {
            continue;
        }
        let c = STREAM_BYTE[usize::from(b)];
        let is_word = c != b' ';
        if let Some(slot) = out.get_mut(at) {
            *slot = c;
        }
        words += usize::from(is_word & !in_word);
        at += usize::from(is_word | in_word);
        in_word = is_word;
    }
    if in_word {
        // The slot after the last letter still holds the space `resize` wrote.
        at += 1;
    }
    out.truncate(at);
    words
}

/// Whether the apostrophe at `i` is inside a word: it follows a letter or digit and
/// one comes next.
#[cold]
#[inline(never)]
fn inner_apostrophe(bytes: &[u8], i: usize, in_word: bool) -> bool {
    in_word
        && bytes
            .get(i + 1)
            .is_some_and(|n| STREAM_BYTE[usize::from(*n)] != b' ')
}

/// `push_words` for text with non-ASCII characters.
fn push_unicode_words(text: &str, out: &mut Vec<u8>) -> usize {
    let mut words = 0;
    let mut in_word = false;
    let mut buf = [0u8; 4];
    for (i, c) in text.char_indices() {
        let inner_apostrophe =
            (c == '\'' || c == '\u{2019}') && in_word && alphanumeric_at(text, i + c.len_utf8());
        if inner_apostrophe {
            // Part of the word, dropped on normalisation.
        } else if c.is_alphanumeric() {
            if !in_word {
                words += 1;
                in_word = true;
            }
            for l in c.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        } else if in_word {
            out.push(b' ');
            in_word = false;
        }
    }
    if in_word {
        out.push(b' ');
    }
    words
}

/// For each byte: its lower case when it is an ASCII letter or digit, else a space.
const STREAM_BYTE: [u8; 256] = {
    let mut table = [b' '; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// Whether the character starting at byte `i` of `text` is alphanumeric.
fn alphanumeric_at(text: &str, i: usize) -> bool {
    text.get(i..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(char::is_alphanumeric)
}

/// Words a stem cache holds before it starts over: enough for the vocabulary of a
/// workspace's calls, and a bound on memory (about 7 MB per thread and stemming
/// language) whatever the calls hold.
const STEM_CACHE_WORDS: usize = 100_000;

/// The stems of the words seen so far. Stemming a word costs far more than finding
/// phrases in it, and calls repeat a small vocabulary, so most words are stemmed once.
struct StemCache {
    stemmer: rust_stemmers::Stemmer,
    stems: HashMap<ShortWord, ShortWord, WordHashing>,
}

/// A word of at most `ShortWord::MAX` bytes, held inline as 8-byte chunks: comparing,
/// hashing and copying one is a few register moves rather than calls to `memcmp` and
/// `memcpy`, which matters at one cache lookup per word of a call. Longer words are
/// stemmed without the cache.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShortWord {
    len: u8,
    /// Little-endian, padded with zeros.
    chunks: [u64; 3],
}

/// Hashes only the chunks that hold the word (most words fit one), and not the
/// length: words hold no zero bytes, so the padding tells lengths apart.
impl Hash for ShortWord {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for chunk in self.chunks.iter().take(usize::from(self.len).div_ceil(8)) {
            state.write_u64(*chunk);
        }
    }
}

impl ShortWord {
    const MAX: usize = 24;

    fn new(word: &[u8]) -> Option<ShortWord> {
        if word.len() > ShortWord::MAX {
            return None;
        }
        let mut chunks = [0u64; 3];
        for (chunk, part) in chunks.iter_mut().zip(word.chunks(8)) {
            // Assembled in registers: writing the bytes to memory and reading them back
            // as one number stalls the load until the byte stores complete.
            *chunk = match <[u8; 8]>::try_from(part) {
                Ok(whole) => u64::from_le_bytes(whole),
                Err(_) => part
                    .iter()
                    .rev()
                    .fold(0, |acc, b| (acc << 8) | u64::from(*b)),
            };
        }
        Some(ShortWord {
            len: u8::try_from(word.len()).ok()?,
            chunks,
        })
    }

    fn push_to(&self, out: &mut Vec<u8>) {
        let mut bytes = [0u8; ShortWord::MAX];
        for (part, chunk) in bytes.chunks_exact_mut(8).zip(&self.chunks) {
            part.copy_from_slice(&chunk.to_le_bytes());
        }
        out.extend_from_slice(bytes.get(..usize::from(self.len)).unwrap_or_default());
    }
}

impl StemCache {
    fn new(algorithm: Algorithm) -> StemCache {
        StemCache {
            stemmer: rust_stemmers::Stemmer::create(algorithm),
            stems: HashMap::with_hasher(WordHashing::new()),
        }
    }

    /// Appends the stem of a normalised word; the word itself if the stemmer leaves
    /// nothing, so that every word keeps a place in the stream.
    fn push_stem(&mut self, word: &[u8], out: &mut Vec<u8>) {
        let Some(key) = ShortWord::new(word) else {
            out.extend_from_slice(&self.stem(word));
            return;
        };
        if let Some(stem) = self.stems.get(&key) {
            stem.push_to(out);
            return;
        }
        let stem = self.stem(word);
        out.extend_from_slice(&stem);
        if let Some(stem) = ShortWord::new(&stem) {
            if self.stems.len() >= STEM_CACHE_WORDS {
                self.stems.clear();
            }
            self.stems.insert(key, stem);
        }
    }

    /// The stem of a normalised word, or the word itself if the stemmer leaves nothing.
    fn stem(&self, word: &[u8]) -> Vec<u8> {
        // Streams are built from whole characters, so a word is always valid UTF-8.
        match std::str::from_utf8(word).map(|w| self.stemmer.stem(w)) {
            Ok(stem) if !stem.is_empty() => stem.as_bytes().to_vec(),
            _ => word.to_vec(),
        }
    }
}

/// A keyed hash for short byte strings: one folded multiplication per 8 bytes, the
/// scheme of aHash's portable fallback. The stem cache is looked up once per word of a
/// call, and std's SipHash cost more than the rest of building the stem stream. Keyed
/// with a random seed like std's, so that words that collide cannot be chosen in
/// advance to slow the cache down.
#[derive(Clone)]
struct WordHashing {
    seed: u64,
}

impl WordHashing {
    fn new() -> WordHashing {
        WordHashing {
            seed: RandomState::new().hash_one(0u64),
        }
    }
}

impl BuildHasher for WordHashing {
    type Hasher = WordHasher;

    fn build_hasher(&self) -> WordHasher {
        WordHasher(self.seed)
    }
}

struct WordHasher(u64);

/// The product's two halves folded together, so every input bit reaches every output
/// bit.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

const HASH_MULTIPLIER: u64 = 0x5851_f42d_4c95_7f2d;

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = folded_multiply(self.0 ^ u64::from_le_bytes(word), HASH_MULTIPLIER);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = folded_multiply(self.0 ^ n, HASH_MULTIPLIER);
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = folded_multiply(self.0 ^ n as u64, HASH_MULTIPLIER);
    }

    fn finish(&self) -> u64 {
        folded_multiply(self.0, HASH_MULTIPLIER.rotate_left(17))
    }
}

thread_local! {
    /// Stem caches kept from one scan to the next, as the calls of a workspace share
    /// most of their vocabulary; per thread, so that parallel scans never wait on
    /// each other.
    static STEM_CACHES: RefCell<Vec<(Algorithm, StemCache)>> = const { RefCell::new(Vec::new()) };
}

/// The stem stream of a call, stemmed through this thread's cache for `algorithm` (a
/// fresh cache if the thread's cannot be reached, as while the thread shuts down).
fn cached_stem_stream(words: &Words, algorithm: Algorithm) -> Stream {
    STEM_CACHES
        .try_with(|caches| {
            let mut caches = caches.try_borrow_mut().ok()?;
            let i = match caches.iter().position(|(a, _)| *a == algorithm) {
                Some(i) => i,
                None => {
                    caches.push((algorithm, StemCache::new(algorithm)));
                    caches.len() - 1
                }
            };
            let (_, cache) = caches.get_mut(i)?;
            Some(stem_stream(words, cache))
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| stem_stream(words, &mut StemCache::new(algorithm)))
}

/// The stems of the words of a call, laid out as its word stream is.
fn stem_stream(words: &Words, cache: &mut StemCache) -> Stream {
    let exact = &words.exact;
    let mut out = Stream {
        bytes: Vec::with_capacity(exact.bytes.len()),
        row_starts: Vec::with_capacity(words.rows.len()),
    };
    let mut monologue = None;
    for (r, row) in words.rows.iter().enumerate() {
        if monologue != Some(row.monologue) {
            if monologue.is_some() {
                out.bytes.push(b'\n');
            }
            out.bytes.push(b' ');
            monologue = Some(row.monologue);
        }
        out.row_starts.push(out.bytes.len());
        // A row's words run up to the next row's (the monologue break in between, if
        // any, splits into empty pieces).
        let from = exact
            .row_starts
            .get(r)
            .copied()
            .unwrap_or(exact.bytes.len());
        let to = exact
            .row_starts
            .get(r + 1)
            .copied()
            .unwrap_or(exact.bytes.len());
        let text = exact.bytes.get(from..to).unwrap_or_default();
        for word in text.split(|&b| b == b' ' || b == b'\n') {
            if !word.is_empty() {
                cache.push_stem(word, &mut out.bytes);
                out.bytes.push(b' ');
            }
        }
    }
    out
}

/// ISO 639-2 gives twenty languages two codes; calls carry the bibliographic one
/// (`ger`), so a tracker set up with the terminology one (`deu`) still applies.
fn canonical_language(code: &str) -> String {
    let code = code.trim().to_ascii_lowercase();
    let bibliographic = match code.as_str() {
        "sqi" => "alb",
        "hye" => "arm",
        "eus" => "baq",
        "mya" => "bur",
        "zho" => "chi",
        "ces" => "cze",
        "nld" => "dut",
        "fra" => "fre",
        "kat" => "geo",
        "deu" => "ger",
        "ell" => "gre",
        "isl" => "ice",
        "mkd" => "mac",
        "mri" => "mao",
        "msa" => "may",
        "fas" => "per",
        "ron" => "rum",
        "slk" => "slo",
        "bod" => "tib",
        "cym" => "wel",
        _ => return code,
    };
    bibliographic.to_owned()
}

/// Whether phrases in `keywords` (canonical) apply to a call in `call` (canonical):
/// the same language, phrases for every language (`mul`), or a call whose language is
/// not known (none, `und`) or mixed (`mul`).
fn language_applies(keywords: &str, call: Option<&str>) -> bool {
    match call {
        None | Some("" | "und" | "mul") => true,
        Some(call) => keywords == "mul" || keywords == call,
    }
}

/// Problems with a tracker definition a user submitted, one message each (empty when
/// it is valid).
pub fn validate(def: &TrackerDef) -> Vec<String> {
    let mut problems = Vec::new();
    let name = def.name.trim();
    if name.is_empty() {
        problems.push("name is empty".to_owned());
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push(format!("name is longer than {MAX_NAME_CHARS} characters"));
    }
    let mut phrases = 0usize;
    for (k, kw) in def.keywords.iter().enumerate() {
        let code = &kw.language;
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_lowercase()) {
            problems.push(format!(
                "keywords[{k}].language {code:?} is not a three-letter lower-case language code"
            ));
        }
        for (p, phrase) in kw.phrases.iter().enumerate() {
            if text::word_spans(phrase).is_empty() {
                problems.push(format!("keywords[{k}].phrases[{p}] has no words"));
            }
        }
        phrases += kw.phrases.len();
    }
    match def.said_at {
        SaidAt::Anytime => {}
        SaidAt::First(s) | SaidAt::Last(s) => match s {
            Stretch::Minutes(0) | Stretch::Percent(0) => {
                problems.push("said_at: the stretch must be longer than 0".to_owned())
            }
            Stretch::Percent(p) if p > 100 => {
                problems.push(format!("said_at: {p} percent is more than the whole call"))
            }
            Stretch::Minutes(m) if m > MAX_SAID_AT_MINUTES => problems.push(format!(
                "said_at: {m} minutes is more than {MAX_SAID_AT_MINUTES}"
            )),
            _ => {}
        },
    }
    if phrases == 0 {
        problems.push("tracker has no phrases".to_owned());
    } else if phrases > MAX_PHRASES {
        problems.push(format!(
            "tracker has {phrases} phrases; at most {MAX_PHRASES} are allowed"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use parley_domain::{Affiliation, Monologue, Transcript, Word};

    use super::*;
    use crate::Speaker;

    const REP: SpeakerId = SpeakerId(1);
    const BUYER: SpeakerId = SpeakerId(2);
    /// Speaks but is not among the call's speakers: counts as the customer side.
    const STRANGER: SpeakerId = SpeakerId(9);

    fn speakers() -> Vec<Speaker> {
        vec![
            Speaker {
                speaker_id: REP,
                party_id: None,
                user_id: None,
                affiliation: Affiliation::Internal,
            },
            Speaker {
                speaker_id: BUYER,
                party_id: None,
                user_id: None,
                affiliation: Affiliation::External,
            },
        ]
    }

    fn tracker(name: &str, phrases: &[&str]) -> TrackerDef {
        TrackerDef {
            id: TrackerId(1000 + name.len() as i64),
            name: name.into(),
            keywords: vec![kw("eng", phrases, false)],
            said_by: SaidBy::Anyone,
            part_of_question: false,
            said_in_topics: Vec::new(),
            said_at: SaidAt::Anytime,
        }
    }

    fn kw(language: &str, phrases: &[&str], related: bool) -> Keywords {
        Keywords {
            language: language.into(),
            phrases: phrases.iter().map(|p| p.to_string()).collect(),
            include_related_forms: related,
        }
    }

    fn related(mut t: TrackerDef) -> TrackerDef {
        for k in &mut t.keywords {
            k.include_related_forms = true;
        }
        t
    }

    fn said_by(mut t: TrackerDef, by: SaidBy) -> TrackerDef {
        t.said_by = by;
        t
    }

    /// A sentence without word timings, as imported transcripts have.
    fn s(start_ms: i64, end_ms: i64, text: &str) -> Sentence {
        Sentence {
            start_ms,
            end_ms,
            text: text.into(),
            words: Vec::new(),
        }
    }

    /// A recognised sentence: its text is its words joined by spaces.
    fn timed(start_ms: i64, end_ms: i64, words: &[(i64, &str)]) -> Sentence {
        Sentence {
            start_ms,
            end_ms,
            text: words.iter().map(|w| w.1).collect::<Vec<_>>().join(" "),
            words: words
                .iter()
                .map(|&(ms, text)| Word {
                    start_ms: ms,
                    end_ms: ms + 100,
                    text: text.into(),
                })
                .collect(),
        }
    }

    fn mono(speaker_id: SpeakerId, sentences: Vec<Sentence>) -> Monologue {
        Monologue {
            speaker_id,
            topic: None,
            sentences,
        }
    }

    fn mono_in(topic: &str, speaker_id: SpeakerId, sentences: Vec<Sentence>) -> Monologue {
        Monologue {
            topic: Some(topic.into()),
            ..mono(speaker_id, sentences)
        }
    }

    /// `name(count)[tracker occurrence times]: phrase@times; phrase@times`, one line per
    /// tracker; `r`, `b` or `x` after a time says who spoke (rep, buyer, stranger).
    fn render(hits: &[TrackerHits]) -> String {
        let at = |o: &[Occurrence]| {
            o.iter()
                .map(|o| {
                    let who = match o.speaker_id {
                        REP => "r",
                        BUYER => "b",
                        _ => "x",
                    };
                    format!("{}{who}", o.start_ms)
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        hits.iter()
            .map(|t| {
                let phrases: Vec<String> = t
                    .phrases
                    .iter()
                    .map(|p| {
                        assert_eq!(p.count as usize, p.occurrences.len(), "{}", p.phrase);
                        format!("{}@{}", p.phrase, at(&p.occurrences))
                    })
                    .collect();
                format!(
                    "{}({})[{}]: {}",
                    t.name,
                    t.count,
                    at(&t.occurrences),
                    phrases.join("; ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    struct Case {
        name: &'static str,
        trackers: Vec<TrackerDef>,
        transcript: Transcript,
        language: Option<&'static str>,
        topics: Vec<Option<String>>,
        want: &'static str,
    }

    fn case(
        name: &'static str,
        trackers: Vec<TrackerDef>,
        transcript: Transcript,
        want: &'static str,
    ) -> Case {
        Case {
            name,
            trackers,
            transcript,
            language: Some("eng"),
            topics: Vec::new(),
            want,
        }
    }

    fn run(c: &Case) -> String {
        let set = match TrackerSet::compile(&c.trackers) {
            Ok(set) => set,
            Err(e) => return format!("compile error: {e}"),
        };
        let speakers = speakers();
        let call = CallInput {
            transcript: &c.transcript,
            speakers: &speakers,
            host: None,
            language: c.language,
            duration_ms: None,
        };
        let first = set.scan(&call, &c.topics);
        assert_eq!(
            first,
            set.scan(&call, &c.topics),
            "{}: not deterministic",
            c.name
        );
        render(&first)
    }

    fn check(cases: Vec<Case>) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|c| {
                let got = run(c);
                (got != c.want)
                    .then(|| format!("{}:\n  want {:?}\n  got  {:?}", c.name, c.want, got))
            })
            .collect();
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn words_match_whole_and_ignore_case_punctuation_and_spacing() {
        check(vec![
            case(
                "word boundaries",
                vec![tracker("Cost", &["cost"]), tracker("Price", &["price"])],
                vec![mono(
                    REP,
                    vec![
                        s(0, 1000, "The costume costs a cost."),
                        s(1000, 2000, "Priced to sell, the price"),
                    ],
                )],
                "Cost(1)[800r]: cost@800r\nPrice(1)[1800r]: price@1800r",
            ),
            case(
                "case, punctuation and whitespace",
                vec![
                    tracker("NPS", &["  Net-Promoter   SCORE "]),
                    tracker("Dont", &["don't"]),
                    tracker("Cafe", &["CAFÉ"]),
                ],
                vec![mono(
                    BUYER,
                    vec![
                        s(0, 700, "our NET promoter-score, (net\tpromoter score)!"),
                        s(1000, 1300, "Dont. Don’t! don't"),
                        s(2000, 2400, "café  or cafe"),
                    ],
                )],
                "NPS(2)[100b,400b]:   Net-Promoter   SCORE @100b,400b\n\
                 Dont(3)[1000b,1100b,1200b]: don't@1000b,1100b,1200b\n\
                 Cafe(1)[2000b]: CAFÉ@2000b",
            ),
            case(
                "a phrase runs across a sentence break",
                vec![tracker("Next", &["next steps"])],
                vec![mono(
                    REP,
                    vec![
                        s(0, 1000, "So what are the next."),
                        s(1000, 2000, "Steps, I mean."),
                    ],
                )],
                "Next(1)[800r]: next steps@800r",
            ),
            case(
                "but not across monologues, even of one speaker",
                vec![tracker("Next", &["next steps"])],
                vec![
                    mono(REP, vec![s(0, 1000, "So what are the next.")]),
                    mono(REP, vec![s(1000, 2000, "Steps, I mean.")]),
                ],
                "",
            ),
            case(
                "repeats of a phrase do not overlap, different phrases may",
                vec![tracker("T", &["no no", "price", "price increase"])],
                vec![mono(
                    BUYER,
                    vec![
                        s(0, 600, "No, no, no, no."),
                        s(1000, 1300, "the price increase"),
                    ],
                )],
                "T(4)[0b,300b,1100b,1100b]: no no@0b,300b; price@1100b; price increase@1100b",
            ),
            case(
                "phrases in configuration order, trackers in definition order",
                vec![
                    tracker("Second", &["zebra"]),
                    tracker("First", &["zebra", "apple"]),
                    tracker("Silent", &["mango"]),
                ],
                vec![mono(REP, vec![s(0, 200, "apple zebra")])],
                "Second(1)[100r]: zebra@100r\nFirst(2)[0r,100r]: zebra@100r; apple@0r",
            ),
            case(
                "nothing to find",
                vec![tracker("T", &["budget"])],
                vec![mono(REP, vec![s(0, 100, ""), s(100, 200, "...")])],
                "",
            ),
        ]);
    }

    #[test]
    fn related_forms_match_on_stems() {
        let text = || {
            vec![mono(
                REP,
                vec![s(0, 600, "Pricing, prices and the price. Priced!")],
            )]
        };
        check(vec![
            case(
                "exact only",
                vec![tracker("Price", &["price"])],
                text(),
                "Price(1)[400r]: price@400r",
            ),
            case(
                "with related forms",
                vec![related(tracker("Price", &["price"]))],
                text(),
                "Price(4)[0r,100r,400r,500r]: price@0r,100r,400r,500r",
            ),
            case(
                "multi-word phrase with related forms, across a sentence break",
                vec![related(tracker("Sign", &["signing contracts"]))],
                vec![mono(
                    BUYER,
                    vec![
                        s(0, 200, "We signed."),
                        s(200, 400, "Contract? signed contract"),
                    ],
                )],
                "Sign(2)[100b,266b]: signing contracts@100b,266b",
            ),
            Case {
                language: Some("jpn"),
                ..case(
                    "a language without a stemmer matches as written",
                    vec![TrackerDef {
                        keywords: vec![kw("jpn", &["price"], true)],
                        ..tracker("Price", &[])
                    }],
                    text(),
                    "Price(1)[400r]: price@400r",
                )
            },
        ]);
    }

    #[test]
    fn speaker_question_and_topic_filters() {
        let budget_by_everyone = || {
            vec![
                mono(REP, vec![s(0, 100, "Budget.")]),
                mono(BUYER, vec![s(1000, 1100, "Budget.")]),
                mono(STRANGER, vec![s(2000, 2100, "Budget.")]),
                mono(REP, vec![s(3000, 3200, "Our budget.")]),
            ]
        };
        let mut topics_given = case(
            "topics from the argument, case-insensitive",
            vec![TrackerDef {
                said_in_topics: vec!["Pricing".into()],
                said_at: SaidAt::Anytime,
                ..tracker("Discounts", &["discount"])
            }],
            vec![
                mono_in("small talk", REP, vec![s(0, 100, "discount")]),
                mono(BUYER, vec![s(1000, 1100, "discount")]),
                mono(REP, vec![s(2000, 2100, "discount")]),
            ],
            "Discounts(1)[1000b]: discount@1000b",
        );
        topics_given.topics = vec![Some("Small Talk".into()), Some("PRICING".into()), None];
        check(vec![
            case(
                "said by",
                vec![
                    said_by(tracker("Rep", &["budget"]), SaidBy::Company),
                    said_by(tracker("Customer", &["budget"]), SaidBy::NonCompany),
                    tracker("Anyone", &["budget"]),
                ],
                budget_by_everyone(),
                "Rep(2)[0r,3100r]: budget@0r,3100r\n\
                 Customer(2)[1000b,2000x]: budget@1000b,2000x\n\
                 Anyone(4)[0r,1000b,2000x,3100r]: budget@0r,1000b,2000x,3100r",
            ),
            case(
                "monologues no tracker counts are skipped without shifting times",
                vec![said_by(tracker("Rep", &["budget"]), SaidBy::Company)],
                budget_by_everyone(),
                "Rep(2)[0r,3100r]: budget@0r,3100r",
            ),
            case(
                "part of a question",
                vec![TrackerDef {
                    part_of_question: true,
                    ..tracker("Q", &["budget", "budget approval"])
                }],
                vec![mono(
                    BUYER,
                    vec![
                        s(0, 1000, "What is the budget?"),
                        s(1000, 2000, "The budget is fine."),
                        s(2000, 3000, "is there a budget"),
                        s(3000, 4000, "Approval, then."),
                    ],
                )],
                "Q(3)[750b,2750b,2750b]: budget@750b,2750b; budget approval@2750b",
            ),
            topics_given,
            case(
                "topics from the monologues when none are given",
                vec![TrackerDef {
                    said_in_topics: vec!["pricing".into(), "Next Steps".into()],
                    said_at: SaidAt::Anytime,
                    ..tracker("Discounts", &["discount"])
                }],
                vec![
                    mono_in("Small Talk", REP, vec![s(0, 100, "discount")]),
                    mono_in("Pricing", BUYER, vec![s(1000, 1100, "discount")]),
                    mono(REP, vec![s(2000, 2100, "discount")]),
                    mono_in("next steps", REP, vec![s(3000, 3100, "discount")]),
                ],
                "Discounts(2)[1000b,3000r]: discount@1000b,3000r",
            ),
        ]);
    }

    #[test]
    fn said_at_windows_cover_their_bounds() {
        use Stretch::{Minutes, Percent};
        // (window, start ms, call length ms, counts)
        let table = [
            (SaidAt::Anytime, 3_599_000, 3_600_000, true),
            (SaidAt::First(Minutes(2)), 120_000, 600_000, true),
            (SaidAt::First(Minutes(2)), 120_001, 600_000, false),
            (SaidAt::First(Minutes(20)), 590_000, 600_000, true),
            (SaidAt::Last(Minutes(2)), 480_000, 600_000, true),
            (SaidAt::Last(Minutes(2)), 479_999, 600_000, false),
            (SaidAt::First(Percent(10)), 60_000, 600_000, true),
            (SaidAt::First(Percent(10)), 60_001, 600_000, false),
            (SaidAt::Last(Percent(25)), 450_000, 600_000, true),
            (SaidAt::Last(Percent(25)), 449_999, 600_000, false),
            (SaidAt::Last(Percent(100)), 0, 600_000, true),
        ];
        for (window, start, length, want) in table {
            assert_eq!(
                window.covers(start, length),
                want,
                "{window:?} at {start} of {length}"
            );
        }
    }

    #[test]
    fn said_at_counts_only_the_start_or_end_of_the_call() {
        let at = |mut t: TrackerDef, w: SaidAt| {
            t.said_at = w;
            t
        };
        // Five minutes of transcript; "budget" at 0:11.5, 2:30.5 and 4:50 (times within an
        // untimed sentence are interpolated by word).
        let transcript = || {
            vec![
                mono(REP, vec![s(10_000, 12_000, "What is the budget?")]),
                mono(BUYER, vec![s(150_000, 152_000, "The budget is set.")]),
                mono(REP, vec![s(290_000, 300_000, "Budget noted, thanks.")]),
            ]
        };
        // With the recording's length known, it sets the window, not the transcript's end:
        // the last 10% of 600 s starts at 9:00, after every hit.
        let set = TrackerSet::compile(&[at(
            tracker("End", &["budget"]),
            SaidAt::Last(Stretch::Percent(10)),
        )])
        .unwrap();
        let (speakers, transcript_600) = (speakers(), transcript());
        let call = CallInput {
            transcript: &transcript_600,
            speakers: &speakers,
            host: None,
            language: Some("eng"),
            duration_ms: Some(600_000),
        };
        assert!(set.scan(&call, &[]).is_empty());

        check(vec![
            case(
                "first two minutes",
                vec![at(
                    tracker("Opening", &["budget"]),
                    SaidAt::First(Stretch::Minutes(2)),
                )],
                transcript(),
                "Opening(1)[11500r]: budget@11500r",
            ),
            case(
                "last 10% of the transcript (no recording length)",
                vec![at(
                    tracker("Closing", &["budget"]),
                    SaidAt::Last(Stretch::Percent(10)),
                )],
                transcript(),
                "Closing(1)[290000r]: budget@290000r",
            ),
            case(
                "windows are per tracker",
                vec![
                    at(
                        tracker("Late", &["budget"]),
                        SaidAt::Last(Stretch::Minutes(3)),
                    ),
                    tracker("Any", &["budget"]),
                ],
                transcript(),
                "Late(2)[150500b,290000r]: budget@150500b,290000r\n\
                 Any(3)[11500r,150500b,290000r]: budget@11500r,150500b,290000r",
            ),
        ]);
    }

    #[test]
    fn keywords_apply_by_language() {
        let multi = || {
            vec![TrackerDef {
                keywords: vec![
                    kw("eng", &["hello"], false),
                    kw("ger", &["hallo"], false),
                    kw("mul", &["ok"], false),
                ],
                ..tracker("Greeting", &[])
            }]
        };
        let text = || vec![mono(REP, vec![s(0, 300, "hello hallo ok")])];
        let with_language = |name, language, want| Case {
            language,
            ..case(name, multi(), text(), want)
        };
        check(vec![
            with_language(
                "english call",
                Some("eng"),
                "Greeting(2)[0r,200r]: hello@0r; ok@200r",
            ),
            with_language(
                "german call",
                Some("ger"),
                "Greeting(2)[100r,200r]: hallo@100r; ok@200r",
            ),
            with_language(
                "german call, terminology code",
                Some("DEU"),
                "Greeting(2)[100r,200r]: hallo@100r; ok@200r",
            ),
            with_language("french call", Some("fre"), "Greeting(1)[200r]: ok@200r"),
            with_language(
                "unknown language",
                None,
                "Greeting(3)[0r,100r,200r]: hello@0r; hallo@100r; ok@200r",
            ),
            with_language(
                "undetermined language",
                Some("und"),
                "Greeting(3)[0r,100r,200r]: hello@0r; hallo@100r; ok@200r",
            ),
            Case {
                language: Some("fre"),
                ..case(
                    "no keyword applies",
                    vec![tracker("T", &["hello"])],
                    text(),
                    "",
                )
            },
        ]);
    }

    #[test]
    fn identical_phrases_all_count_once_each() {
        check(vec![case(
            "the same phrase in several trackers and twice in one",
            vec![
                tracker("A", &["budget", "Budget!"]),
                tracker("B", &["budget"]),
                TrackerDef {
                    keywords: vec![kw("eng", &["budget"], false), kw("mul", &["budget"], true)],
                    ..tracker("C", &[])
                },
                related(tracker("D", &["budgets"])),
            ],
            vec![mono(REP, vec![s(0, 200, "budget budgeting")])],
            "A(1)[0r]: budget@0r\n\
             B(1)[0r]: budget@0r\n\
             C(2)[0r,100r]: budget@0r,100r\n\
             D(2)[0r,100r]: budgets@0r,100r",
        )]);
    }

    #[test]
    fn occurrences_start_at_the_first_word() {
        check(vec![
            case(
                "word timings that line up",
                vec![tracker("T", &["mail budget", "budget"])],
                vec![mono(
                    REP,
                    vec![timed(
                        1000,
                        3000,
                        &[
                            (1000, "Our"),
                            (1400, "e-mail"),
                            (2100, "budget,"),
                            (2500, "is"),
                        ],
                    )],
                )],
                "T(2)[1400r,2100r]: mail budget@1400r; budget@2100r",
            ),
            case(
                "one recognised word per word",
                vec![tracker("T", &["budget"])],
                vec![mono(
                    REP,
                    vec![timed(
                        1000,
                        3000,
                        &[(1000, "Our"), (1300, "budget,"), (1700, "is")],
                    )],
                )],
                "T(1)[1300r]: budget@1300r",
            ),
            case(
                "word timings that do not line up are ignored",
                vec![tracker("T", &["budget"])],
                vec![mono(
                    REP,
                    vec![Sentence {
                        text: "Our budget is set".into(),
                        ..timed(
                            1000,
                            2000,
                            &[
                                (1000, "our"),
                                (1100, "budgets"),
                                (1500, "is"),
                                (1800, "set"),
                            ],
                        )
                    }],
                )],
                "T(1)[1250r]: budget@1250r",
            ),
            case(
                "interpolated over the sentence, which may be backwards",
                vec![tracker("T", &["c"])],
                vec![mono(REP, vec![s(0, 1000, "a b c"), s(5000, 4000, "c d")])],
                "T(2)[666r,5000r]: c@666r,5000r",
            ),
        ]);
    }

    #[test]
    fn the_fast_tokeniser_agrees_with_the_text_rules() {
        let pieces = [
            "a",
            "Z",
            "7",
            "'",
            "\u{2019}",
            " ",
            "-",
            ".",
            "É",
            "ß",
            "İ",
            "日本",
            "ǅ",
            "\u{301}",
            "٣",
            "x'y",
            "\u{2019}s",
            "\t",
            "\n",
            "Ⅻ",
            "ǈ",
            "ﬁ",
            "Don't",
            "it's",
            "'",
            "',",
        ];
        let mut seed: u64 = 7;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for round in 0..20_000 {
            // Every other text is ASCII only, for the fast path.
            let ascii_only = round % 2 == 0;
            let mut text = String::new();
            for _ in 0..next() % 16 {
                let piece = pieces[next() % pieces.len()];
                if !ascii_only || piece.is_ascii() {
                    text.push_str(piece);
                }
            }
            let mut out = b"x ".to_vec();
            let n = push_words(&text, &mut out);
            let want: String = text::normalised_words(&text)
                .iter()
                .map(|w| format!("{w} "))
                .collect();
            assert_eq!(String::from_utf8_lossy(&out[2..]), want, "{text:?}");
            assert_eq!(n, text::word_spans(&text).len(), "{text:?}");

            // The in-place comparison of recognised words agrees too.
            let words = text::normalised_words(&text);
            let mut timings = Timings::new(0);
            for candidate in words.iter().map(String::as_str).chain(["a", "dont", "x"]) {
                assert_eq!(
                    timings.is_word(&text, candidate.as_bytes()),
                    words == [candidate],
                    "{text:?} is {candidate:?}"
                );
            }
        }
    }

    /// A small generator for the randomised tests (no `rand` in this crate).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }

    #[test]
    fn the_lockstep_search_finds_what_aho_corasick_finds() {
        let vocabulary = ["a", "ab", "b", "ba", "abc", "c"];
        let mut rng = Lcg(3);
        for round in 0..300 {
            let patterns: Vec<String> = (0..1 + rng.below(12))
                .map(|_| {
                    let words: Vec<&str> = (0..1 + rng.below(3))
                        .map(|_| vocabulary[rng.below(vocabulary.len())])
                        .collect();
                    format!(" {} ", words.join(" "))
                })
                .collect();
            let mut stream = String::from(" ");
            for _ in 0..rng.below(400) {
                match rng.below(10) {
                    0 => stream.push_str("\n "),
                    _ => {
                        stream.push_str(vocabulary[rng.below(vocabulary.len())]);
                        stream.push(' ');
                    }
                }
            }
            let reference = aho_corasick::AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .unwrap();
            let mut want: Vec<(usize, usize)> = reference
                .find_overlapping_iter(&stream)
                .map(|m| (m.pattern().as_usize(), m.start()))
                .collect();
            want.sort_unstable();
            let matchers = [
                Matcher::Dfa(Arc::new(dfa::DFA::new(&patterns).unwrap())),
                Matcher::Nfa(Arc::new(contiguous::NFA::new(&patterns).unwrap())),
            ];
            for matcher in matchers {
                let mut got = Vec::new();
                matcher.for_each_match(stream.as_bytes(), |p, start| {
                    got.push((p.as_usize(), start))
                });
                got.sort_unstable();
                assert_eq!(got, want, "round {round}: {patterns:?} in {stream:?}");
            }
        }
    }

    /// Per tracker, per phrase: who said it, counted the slow way: the normalised
    /// (or stemmed) words of each monologue compared with the phrase's at every place,
    /// repeats of a phrase not overlapping.
    fn naive_counts(
        defs: &[TrackerDef],
        transcript: &Transcript,
    ) -> Vec<Vec<(String, Vec<SpeakerId>)>> {
        let mut stemmer = text::CachedStemmer::new(Algorithm::English);
        let mut stem_all = |words: Vec<String>, related: bool| -> Vec<String> {
            if related {
                words.iter().map(|w| stemmer.stem(w).to_owned()).collect()
            } else {
                words
            }
        };
        defs.iter()
            .map(|def| {
                let kw = &def.keywords[0];
                let mut seen = Vec::new();
                let mut out = Vec::new();
                for phrase in &kw.phrases {
                    let words = text::normalised_words(phrase);
                    if seen.contains(&words) {
                        continue;
                    }
                    seen.push(words.clone());
                    let wanted = stem_all(words, kw.include_related_forms);
                    let mut speakers = Vec::new();
                    for m in transcript {
                        let said: Vec<String> = m
                            .sentences
                            .iter()
                            .flat_map(|s| text::normalised_words(&s.text))
                            .collect();
                        let said = stem_all(said, kw.include_related_forms);
                        let mut i = 0;
                        while i + wanted.len() <= said.len() {
                            if said[i..i + wanted.len()] == wanted[..] {
                                speakers.push(m.speaker_id);
                                i += wanted.len();
                            } else {
                                i += 1;
                            }
                        }
                    }
                    if !speakers.is_empty() {
                        out.push((phrase.clone(), speakers));
                    }
                }
                out
            })
            .collect()
    }

    #[test]
    fn scans_agree_with_a_naive_count() {
        let vocabulary = [
            "price", "prices", "Pricing", "no", "NO", "the", "budget", "budgets", "don't", "dont",
            "café", "CAFÉ", "e-mail", "mail",
        ];
        let punctuation = [" ", " ", " ", ", ", ". ", "? ", " - ", "  "];
        let mut rng = Lcg(11);
        let mut total = 0;
        for round in 0..200 {
            let defs: Vec<TrackerDef> = (0..1 + rng.below(4))
                .map(|t| {
                    let phrases: Vec<String> = (0..1 + rng.below(4))
                        .map(|_| {
                            (0..1 + rng.below(3))
                                .map(|_| vocabulary[rng.below(vocabulary.len())])
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect();
                    let phrases: Vec<&str> = phrases.iter().map(String::as_str).collect();
                    let def = tracker(&format!("T{t}"), &phrases);
                    if rng.below(2) == 0 {
                        related(def)
                    } else {
                        def
                    }
                })
                .collect();
            let transcript: Transcript = (0..rng.below(12))
                .map(|m| {
                    let sentences = (0..1 + rng.below(4))
                        .map(|k| {
                            let mut text = String::new();
                            for _ in 0..rng.below(8) {
                                text.push_str(vocabulary[rng.below(vocabulary.len())]);
                                text.push_str(punctuation[rng.below(punctuation.len())]);
                            }
                            let start = (m * 10 + k) as i64 * 1000;
                            s(start, start + 900, &text)
                        })
                        .collect();
                    mono([REP, BUYER, STRANGER][rng.below(3)], sentences)
                })
                .collect();
            let set = TrackerSet::compile(&defs).unwrap();
            let speakers = speakers();
            let call = CallInput {
                transcript: &transcript,
                speakers: &speakers,
                host: None,
                language: Some("eng"),
                duration_ms: None,
            };
            let got: Vec<Vec<(String, Vec<SpeakerId>)>> = {
                let hits = set.scan(&call, &[]);
                defs.iter()
                    .map(|d| {
                        hits.iter()
                            .find(|h| h.name == d.name)
                            .map(|h| {
                                h.phrases
                                    .iter()
                                    .map(|p| {
                                        (
                                            p.phrase.clone(),
                                            p.occurrences.iter().map(|o| o.speaker_id).collect(),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            };
            let want = naive_counts(&defs, &transcript);
            total += want.iter().flatten().map(|(_, s)| s.len()).sum::<usize>();
            assert_eq!(got, want, "round {round}");
        }
        assert!(total > 500, "the generator found only {total} hits");
    }

    fn valid() -> TrackerDef {
        tracker("Pricing", &["price", "discount"])
    }

    #[test]
    fn validation_names_each_problem() {
        let mut long = valid();
        long.name = "x".repeat(MAX_NAME_CHARS + 1);
        let mut too_many = valid();
        too_many.keywords = vec![kw("eng", &["a"; 600], false), kw("mul", &["b"; 401], false)];
        let mut just_enough = valid();
        just_enough.keywords = vec![kw("eng", &["a"; MAX_PHRASES], false)];
        let mut bad = valid();
        bad.name = "   ".into();
        bad.keywords = vec![
            kw("eng", &["ok"], false),
            kw("EN", &["fine", " -- ", "ok", ""], true),
        ];
        let cases: Vec<(&str, TrackerDef, Vec<&str>)> = vec![
            ("valid", valid(), vec![]),
            (
                "name at the limit",
                TrackerDef {
                    name: format!(" {} ", "é".repeat(MAX_NAME_CHARS)),
                    ..valid()
                },
                vec![],
            ),
            ("1000 phrases", just_enough, vec![]),
            (
                "long name",
                long,
                vec!["name is longer than 200 characters"],
            ),
            (
                "no keywords",
                TrackerDef {
                    keywords: vec![],
                    ..valid()
                },
                vec!["tracker has no phrases"],
            ),
            (
                "empty phrase lists",
                TrackerDef {
                    keywords: vec![kw("eng", &[], false)],
                    ..valid()
                },
                vec!["tracker has no phrases"],
            ),
            (
                "too many",
                too_many,
                vec!["tracker has 1001 phrases; at most 1000 are allowed"],
            ),
            (
                "said at: the whole call",
                TrackerDef {
                    said_at: SaidAt::Last(Stretch::Percent(100)),
                    ..valid()
                },
                vec![],
            ),
            (
                "said at: a day",
                TrackerDef {
                    said_at: SaidAt::First(Stretch::Minutes(MAX_SAID_AT_MINUTES)),
                    ..valid()
                },
                vec![],
            ),
            (
                "said at: empty stretch",
                TrackerDef {
                    said_at: SaidAt::First(Stretch::Minutes(0)),
                    ..valid()
                },
                vec!["said_at: the stretch must be longer than 0"],
            ),
            (
                "said at: over the whole call",
                TrackerDef {
                    said_at: SaidAt::Last(Stretch::Percent(101)),
                    ..valid()
                },
                vec!["said_at: 101 percent is more than the whole call"],
            ),
            (
                "said at: over a day",
                TrackerDef {
                    said_at: SaidAt::Last(Stretch::Minutes(MAX_SAID_AT_MINUTES + 1)),
                    ..valid()
                },
                vec!["said_at: 1441 minutes is more than 1440"],
            ),
            (
                "several problems",
                bad,
                vec![
                    "name is empty",
                    "keywords[1].language \"EN\" is not a three-letter lower-case language code",
                    "keywords[1].phrases[1] has no words",
                    "keywords[1].phrases[3] has no words",
                ],
            ),
        ];
        for (name, def, want) in cases {
            assert_eq!(validate(&def), want, "{name}");
        }
    }

    #[test]
    fn compile_refuses_invalid_trackers_and_accepts_none() {
        let mut bad = valid();
        bad.keywords[0].phrases.push("?!".into());
        let err = TrackerSet::compile(&[valid(), bad]).unwrap_err();
        assert_eq!(err.0, "tracker 1: keywords[0].phrases[2] has no words");

        let empty = TrackerSet::compile(&[]).unwrap();
        let t = vec![mono(REP, vec![s(0, 100, "price")])];
        let call = CallInput {
            transcript: &t,
            speakers: &[],
            host: None,
            language: None,
            duration_ms: None,
        };
        assert_eq!(empty.scan(&call, &[]), vec![]);
        assert!(empty.defs().is_empty());

        // " pricing ", " discount " exact; " price " stemmed (" discount " is its own
        // stem, so one pattern serves both streams).
        let pricing = || tracker("Pricing", &["pricing", "discount"]);
        let set = TrackerSet::compile(&[pricing(), related(pricing())]).unwrap();
        assert_eq!(set.defs().len(), 2);
        assert_eq!(set.pattern_count(), 3);

        // The server shares one compiled set between worker threads.
        fn shareable<T: Send + Sync + Clone>(_: &T) {}
        shareable(&set);
    }
}
