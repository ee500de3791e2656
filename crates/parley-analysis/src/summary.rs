//! Brief, key points, outline, highlights, next steps and outcome of a call.
//!
//! The built-in extractive engine picks sentences of the call itself, so every item
//! points at its moment: each [`Moment`] is one sentence of the transcript, its text
//! as transcribed (trimmed), its start and end and its speaker. Nothing is generated
//! except the few connecting words of the brief. It needs no model and no network, and
//! the same transcript and topics always give the same summary.
//!
//! # Rules
//!
//! Sentences with no word are ignored. The word lists below are data, per language
//! ([`crate::lexicon`], `data/en/lexicon.toml`); only English has them, so every call
//! uses the English lists and patterns. In other languages the statistics (key points,
//! outline) still work, the patterns (next steps, highlights, outcome) mostly find
//! nothing.
//!
//! * **Content words** are the words that are not English stop words ("the", "we",
//!   "would") or filler ("um", "yeah", "okay", "basically", "makes sense"), and have at
//!   least three letters (or a digit, or a non-Latin letter). They are stemmed as topics
//!   are (see [`crate::topics`]).
//! * **Informativeness.** Each sentence is a TF-IDF vector over the stems of its content
//!   words (`(1 + ln tf) · ln(1 + N/df)`, unit length, N = sentences of the call). Its
//!   centrality is its mean cosine similarity to the other sentences; its signal is the
//!   weighted keyword hits of the highlight word lists below (pains, pricing,
//!   competition, concerns). Its score is `0.45 · centrality / best centrality + 0.25 ·
//!   min(content words, 12) / 12 + 0.3 · min(signal, 3) / 3`, × 0.5 for a question,
//!   × 0.4 in a "Small Talk" stretch, × √(40 / words) above 40 words, × 1.1 with a
//!   digit, × 1.2 for the customer side when the call has a company voice. Sentences of
//!   fewer than 4 words or 2 content words score 0.
//! * **Near duplicates** are two sentences with cosine similarity ≥ 0.5; every list
//!   below keeps only the better of them.
//! * **Next steps.** A sentence scores: a commitment or request with an action verb,
//!   1 + 2 for a strong follow-up verb (send, schedule, book, follow up, loop in, set up,
//!   get back, invite, sign, ...) or 1 + 1 for a weak one (call, talk, discuss, review,
//!   meet, ...). A commitment is a subject ("I", "we", "you", "they", "let's", "let me")
//!   with a modal or future ("will", "'ll", "can", "should", "need to", "going to",
//!   "want to", "am/are") before the verb, a request is "can/could/would/will/should
//!   you/we/I …", "please …" or a sentence opening with the verb; a negation ("not",
//!   "won't", "can't", ...) before the verb cancels it; "share … screen" and "introduce
//!   myself" are no actions. Plus 3 for "next step(s)" or "action item(s)", or 2 for a
//!   follow-up phrase ("follow up", "circle back", "touch base", "reach out", "get back
//!   to", "loop in", "calendar invite", "send over"); 1.5 for a future time (a
//!   weekday, tomorrow, next week, end of the month, a date or clock time, "in two
//!   weeks"); 0.5 for a deliverable (proposal, quote, contract, deck, invite, demo,
//!   ...); −2 for a past time (yesterday, last week, "ago"); −1 for a question that is
//!   not a request. A sentence of at least 4 words scoring 3 or more is a next step. At most 5 are kept,
//!   ranked by score × (0.8 + 0.4 × position in the call), so the end of the call wins
//!   ties, without near duplicates; they are listed in time order.
//! * **Key points** are the 3–7 best scoring sentences (about √N / 2) of at least 6
//!   words and 3 content words, not next steps, without near duplicates, in time order.
//! * **Highlights**, in this order and only when found: "Pain points", "Pricing",
//!   "Competition", "Concerns" (up to 3 sentences each) and "Next steps" (the next
//!   steps). A sentence of at least 5 words scores the weighted keyword hits of a word
//!   list (pain words; the default Pricing, Competition and Objections topic keywords),
//!   +0.5 with a digit or currency sign for pricing, × 1.5 inside the matching topic
//!   (Discovery, Pricing, Competition, Objections), × 0.3 for a question about pains and
//!   × 0.6 for other questions, × 0.5 for company voices' pains when the call has a
//!   company voice; 1.5 or more qualifies. A sentence belongs to the qualifying
//!   highlight whose words it matches most (weighted hits alone; the earlier on a tie);
//!   a highlight that owns no sentence takes the best of those that qualify for it
//!   anyway, so one sentence can stand under two highlights only then. Next steps
//!   appear only under "Next steps".
//! * **Outline**: one section per topic span (its name, start and duration) with the
//!   best scoring sentences of the span (next steps get +0.3): 1 for a span under a
//!   minute, 2 under three minutes, 3 otherwise; when no sentence of the span scores,
//!   its sentence with the most content words. No topic spans, no outline.
//! * **Brief**: "This N-minute call covered a, b and c." (topics in order of first
//!   appearance, small talk left out unless alone; default topic names in lower case),
//!   or "… had K speakers." without topics; then the best key point, quoted and said by
//!   "the customer" or "the company side" when the speaker is known; then "Next step:"
//!   with the best ranked next step. Quotes longer than 30 words are cut with "…".
//! * **Outcome**, the first rule that holds:
//!   1. `voicemail` (No Answer): in a call of at most two minutes from first word to
//!      last, a voicemail phrase ("leave a message", "after the tone", "voicemail",
//!      "you've reached", ...) with at most 2 voices and 4 monologues, or one voice only
//!      with a voicemail or call-back phrase ("call me back", "reach me at", "my number
//!      is", ...).
//!   2. `not-interested` (Negative): a customer-side voice says a rejection ("not
//!      interested", "not a good fit", "take me off", "we'll pass", "went with
//!      another", "not moving forward", ...; not within 3 words after "if") and no
//!      next step or scheduled meeting comes after it.
//!   3. `meeting-scheduled` (Positive): a next step, or a sentence in the last third
//!      of the call, names a meeting (meeting, call, demo, session, invite, calendar,
//!      schedule, book, ...) and a future time, with no negation or past time.
//!   4. `follow-up-agreed` (Positive): there are next steps.
//!   5. `no-decision` (Neutral) otherwise.
//!
//!   No outcome for a call with no words.

use parley_domain::SpeakerId;
use serde::{Deserialize, Serialize};

use crate::lexicon::{default_topics_of, Lexicon};
use crate::text::{is_question, push_normalised, word_spans};
use crate::topics::{KeywordIndex, TopicDef, Topics, Vocab};
use crate::CallInput;

/// A piece of the summary and the moment of the call it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moment {
    pub text: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub speaker_id: Option<SpeakerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineSection {
    pub section: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub items: Vec<Moment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Highlight {
    pub title: String,
    pub items: Vec<Moment>,
}

/// How the call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub category: String,
    pub name: String,
}

/// Which engine wrote a summary, so that results can be compared and reproduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// `extractive` or `llm`.
    pub engine: String,
    pub version: String,
    /// The model an LLM engine used.
    pub model: Option<String>,
    /// The prompt an LLM engine was given.
    pub prompt: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub brief: Option<String>,
    pub key_points: Vec<Moment>,
    pub outline: Vec<OutlineSection>,
    /// Includes a "Next steps" highlight when next steps were found.
    pub highlights: Vec<Highlight>,
    pub next_steps: Vec<Moment>,
    pub outcome: Option<Outcome>,
}

pub const EXTRACTIVE_VERSION: &str = "1";

pub fn extractive_engine() -> EngineInfo {
    EngineInfo {
        engine: "extractive".into(),
        version: EXTRACTIVE_VERSION.into(),
        model: None,
        prompt: None,
    }
}

/// The outcomes the extractive engine tells apart: id, category, name.
pub const OUTCOMES: &[(&str, &str, &str)] = &[
    ("meeting-scheduled", "Positive", "Meeting Scheduled"),
    ("follow-up-agreed", "Positive", "Follow-up Agreed"),
    ("not-interested", "Negative", "Not Interested"),
    ("voicemail", "No Answer", "Voicemail"),
    ("no-decision", "Neutral", "No Decision"),
];

/// The built-in engine: a summary made of the call's own sentences.
pub fn extractive(call: &CallInput<'_>, topics: &Topics) -> Summary {
    let p = Prepared::new(call, topics);
    if p.sents.is_empty() {
        return Summary::default();
    }
    let steps = p.next_steps();
    let keys = p.key_points(&steps);
    let mut steps_in_time = steps.clone();
    p.sort_in_time(&mut steps_in_time);
    let mut keys_in_time = keys.clone();
    p.sort_in_time(&mut keys_in_time);
    Summary {
        brief: Some(p.brief(topics, keys.first().copied(), steps.first().copied())),
        key_points: p.moments(&keys_in_time),
        outline: p.outline(topics),
        highlights: p.highlights(&steps_in_time),
        next_steps: p.moments(&steps_in_time),
        outcome: Some(p.outcome(&steps)),
    }
}

const NEXT_STEP_THRESHOLD: f64 = 3.0;
const MAX_NEXT_STEPS: usize = 5;
const NEAR_DUPLICATE: f64 = 0.5;
const HIGHLIGHT_THRESHOLD: f64 = 1.5;
const HIGHLIGHT_ITEMS: usize = 3;
const BRIEF_QUOTE_WORDS: usize = 30;
const VOICEMAIL_MAX_MS: i64 = 120_000;

/// Highlights from keyword lists: title, keyword list, the topic whose stretches count
/// more, and whether the list is about pains.
struct HighlightKind {
    title: &'static str,
    keywords: &'static [String],
    topic: &'static str,
}

fn default_keywords(defaults: &'static [TopicDef], topic: &str) -> &'static [String] {
    defaults
        .iter()
        .find(|t| t.name == topic)
        .map_or(&[][..], |t| t.keywords.as_slice())
}

fn highlight_kinds(lex: &'static Lexicon, defaults: &'static [TopicDef]) -> [HighlightKind; 4] {
    [
        HighlightKind {
            title: "Pain points",
            keywords: &lex.pain_words,
            topic: "Discovery",
        },
        HighlightKind {
            title: "Pricing",
            keywords: default_keywords(defaults, "Pricing"),
            topic: "Pricing",
        },
        HighlightKind {
            title: "Competition",
            keywords: default_keywords(defaults, "Competition"),
            topic: "Competition",
        },
        HighlightKind {
            title: "Concerns",
            keywords: default_keywords(defaults, "Objections"),
            topic: "Objections",
        },
    ]
}

// ---------------------------------------------------------------------------------------
// Sentences.

struct Sent<'a> {
    mono: usize,
    speaker: SpeakerId,
    start_ms: i64,
    end_ms: i64,
    text: &'a str,
    /// Lower-case words, apostrophes kept (as `'`).
    words: Vec<String>,
    /// The same words normalised (apostrophes dropped).
    norm: Vec<String>,
    /// Stem ids of every word.
    stems: Vec<u32>,
    /// Stem ids of content words and their counts, by id.
    content: Vec<(u32, u32)>,
    content_words: usize,
    company: bool,
    question: bool,
    has_digit: bool,
}

/// Whether `word` is an entry of `list`.
fn listed(list: &[String], word: &str) -> bool {
    list.iter().any(|l| l == word)
}

fn is_content(lex: &Lexicon, norm: &str) -> bool {
    if listed(&lex.stopwords, norm) || listed(&lex.fillers, norm) {
        return false;
    }
    norm.chars().count() >= 3 || norm.chars().any(|c| c.is_numeric() || !c.is_ascii())
}

/// The first position where the words `phrase` (space separated) occur in `words`.
fn find_phrase(words: &[String], phrase: &str) -> Option<usize> {
    let len = phrase.split(' ').count();
    if len == 0 || words.len() < len {
        return None;
    }
    (0..=words.len() - len).find(|&k| {
        phrase
            .split(' ')
            .zip(&words[k..k + len])
            .all(|(p, w)| p == w)
    })
}

fn starts_with_phrase(words: &[String], k: usize, phrase: &str) -> bool {
    let mut n = 0;
    for p in phrase.split(' ') {
        if words.get(k + n).map(String::as_str) != Some(p) {
            return false;
        }
        n += 1;
    }
    n > 0
}

fn has_any(words: &[String], phrases: &[String]) -> bool {
    phrases.iter().any(|p| find_phrase(words, p).is_some())
}

fn in_list(word: Option<&String>, list: &[&str]) -> bool {
    word.is_some_and(|w| list.contains(&w.as_str()))
}

fn cosine(a: &[(u32, f64)], b: &[(u32, f64)]) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// The strength of the action verb (or phrase) at `k`, if there is one.
fn action_at(lex: &Lexicon, words: &[String], k: usize) -> Option<f64> {
    let mut best: Option<f64> = None;
    for (phrase, strength) in lex.actions.weighted() {
        if starts_with_phrase(words, k, phrase) {
            best = Some(best.map_or(strength, |b: f64| b.max(strength)));
        }
    }
    let best = best?;
    // "share my screen" is a demo and "introduce myself" an introduction, not follow-ups.
    let after = &words[k + 1..];
    if (words[k] == "share" && after.iter().take(3).any(|w| w == "screen"))
        || (words[k] == "introduce" && in_list(after.first(), &["myself", "ourselves"]))
    {
        return None;
    }
    Some(best)
}

/// A commitment or request with an action verb: `(verb strength, is a request form)`.
fn commitment(lex: &Lexicon, words: &[String]) -> Option<(f64, bool)> {
    let mut best: Option<(f64, bool)> = None;
    let mut consider = |found: (f64, bool)| {
        if best.is_none_or(|b| found.0 > b.0) {
            best = Some(found);
        }
    };
    for i in 0..words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1);
        let (from, mut modal, request) = if listed(&lex.subjects_with_modal, w) {
            (i + 1, true, false)
        } else if listed(&lex.subjects, w) {
            (i + 1, false, false)
        } else if listed(&lex.inverted_modals, w) && in_list(next, &["you", "we", "i"]) {
            (i + 2, true, true)
        } else if w == "let" && in_list(next, &["me", "us"]) {
            (i + 2, true, false)
        } else if w == "please" {
            (i + 1, true, true)
        } else {
            continue;
        };
        for j in from..words.len().min(from + 6) {
            let t = words[j].as_str();
            if listed(&lex.negations, t) {
                break;
            }
            if modal {
                if let Some(strength) = action_at(lex, words, j) {
                    consider((strength, request));
                    break;
                }
            }
            if listed(&lex.modals, t) {
                modal = true;
            } else if !listed(&lex.bridges, t) {
                break;
            }
        }
    }
    // A sentence opening with the verb: "Send me the contract."
    if let Some(k) = words.iter().position(|w| !listed(&lex.openers, w)) {
        if let Some(strength) = action_at(lex, words, k) {
            consider((strength, true));
        }
    }
    best
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())
}

/// Whether the words name a time to come.
fn future_time(lex: &Lexicon, words: &[String]) -> bool {
    let periods = ["day", "days", "week", "weeks", "month", "months"];
    words.iter().enumerate().any(|(k, w)| {
        let w = w.as_str();
        let next = words.get(k + 1).map(String::as_str);
        let prev = k.checked_sub(1).map(|p| words[p].as_str());
        listed(&lex.weekdays, w)
            || matches!(
                w,
                "tomorrow" | "tonight" | "eod" | "eow" | "noon" | "o'clock"
            )
            || (matches!(w, "next" | "this")
                && next.is_some_and(|n| {
                    listed(&lex.weekdays, n)
                        || matches!(n, "week" | "month" | "quarter" | "year" | "afternoon")
                }))
            || (w == "end" && next == Some("of"))
            || (w == "later" && matches!(next, Some("today" | "this")))
            || ((is_number(w) || listed(&lex.number_words, w))
                && next.is_some_and(|n| periods.contains(&n))
                && prev == Some("in"))
            || (is_number(w) && matches!(next, Some("am" | "pm")))
            || (w.len() > 2
                && w.starts_with(|c: char| c.is_ascii_digit())
                && (w.ends_with("am") || w.ends_with("pm")))
            || (listed(&lex.months, w)
                || (matches!(w, "may" | "march")
                    && (next.is_some_and(is_number) || prev.is_some_and(is_number))))
            || (w.len() == 2
                && w.starts_with('q')
                && w[1..].chars().all(|c| ('1'..='4').contains(&c)))
            || (w.len() > 2
                && w.starts_with(|c: char| c.is_ascii_digit())
                && ["st", "nd", "rd", "th"].iter().any(|s| w.ends_with(s))
                && w[..w.len() - 2].chars().all(|c| c.is_ascii_digit()))
    })
}

/// Whether the words name a time gone by.
fn past_time(lex: &Lexicon, words: &[String]) -> bool {
    words.iter().enumerate().any(|(k, w)| {
        let next = words.get(k + 1).map(String::as_str);
        matches!(w.as_str(), "yesterday" | "ago")
            || (w == "last"
                && next.is_some_and(|n| {
                    listed(&lex.weekdays, n)
                        || matches!(
                            n,
                            "week" | "month" | "quarter" | "year" | "time" | "call" | "meeting"
                        )
                }))
    })
}

/// The next-step score of a sentence (see the module doc).
fn next_step_score(lex: &Lexicon, s: &Sent<'_>) -> f64 {
    if s.words.len() < 4 {
        return 0.0;
    }
    let mut score = 0.0;
    let found = commitment(lex, &s.words);
    if let Some((strength, _)) = found {
        score += 1.0 + strength;
    }
    if has_any(&s.norm, &lex.strong_markers) {
        score += 3.0;
    } else if has_any(&s.norm, &lex.markers) {
        score += 2.0;
    }
    let past = past_time(lex, &s.words);
    if past {
        score -= 2.0;
    } else if future_time(lex, &s.words) {
        score += 1.5;
    }
    if has_any(&s.norm, &lex.deliverables) {
        score += 0.5;
    }
    if s.question && !found.is_some_and(|(_, request)| request) {
        score -= 1.0;
    }
    score
}

// ---------------------------------------------------------------------------------------
// The engine.

struct Prepared<'a> {
    call: &'a CallInput<'a>,
    sents: Vec<Sent<'a>>,
    /// The topic of each sentence's monologue.
    topic: Vec<Option<&'a str>>,
    /// Unit TF-IDF vectors.
    vectors: Vec<Vec<(u32, f64)>>,
    /// Informativeness, 0 for sentences too short to stand alone.
    info: Vec<f64>,
    next_step: Vec<f64>,
    keywords: Vec<KeywordIndex>,
    has_company: bool,
    /// The word lists and default topics of the call's language.
    lex: &'static Lexicon,
    defaults: &'static [TopicDef],
}

impl<'a> Prepared<'a> {
    fn new(call: &'a CallInput<'a>, topics: &'a Topics) -> Prepared<'a> {
        let lex = Lexicon::of(call.language);
        let defaults = default_topics_of(call.language);
        let mut vocab = Vocab::new(call.language);
        let keywords: Vec<KeywordIndex> = highlight_kinds(lex, defaults)
            .iter()
            .map(|k| KeywordIndex::new(&[k.keywords], &mut vocab))
            .collect();
        let mut sents = Vec::new();
        let mut topic = Vec::new();
        let mut has_company = false;
        for (mono, m) in call.transcript.iter().enumerate() {
            let company = call.is_company(m.speaker_id);
            has_company |= company;
            let mono_topic = topics.per_monologue.get(mono).and_then(|t| t.as_deref());
            for s in &m.sentences {
                let text = s.text.trim();
                let spans = word_spans(text);
                if spans.is_empty() {
                    continue;
                }
                let mut words = Vec::with_capacity(spans.len());
                let mut norm = Vec::with_capacity(spans.len());
                let mut stems = Vec::with_capacity(spans.len());
                let mut content = Vec::new();
                for &(a, b) in &spans {
                    let raw = &text[a..b];
                    let lower: String = raw
                        .chars()
                        .flat_map(char::to_lowercase)
                        .map(|c| if c == '\u{2019}' { '\'' } else { c })
                        .collect();
                    let mut n = String::with_capacity(raw.len());
                    push_normalised(raw, &mut n);
                    let id = vocab.stem_id(&n);
                    stems.push(id);
                    if is_content(lex, &n) {
                        content.push(id);
                    }
                    words.push(lower);
                    norm.push(n);
                }
                let content_words = content.len();
                content.sort_unstable();
                let mut counted: Vec<(u32, u32)> = Vec::new();
                for id in content {
                    match counted.last_mut() {
                        Some((last, c)) if *last == id => *c += 1,
                        _ => counted.push((id, 1)),
                    }
                }
                sents.push(Sent {
                    mono,
                    speaker: m.speaker_id,
                    start_ms: s.start_ms,
                    end_ms: s.end_ms.max(s.start_ms),
                    text,
                    words,
                    norm,
                    stems,
                    content: counted,
                    content_words,
                    company,
                    question: is_question(text),
                    has_digit: text.chars().any(|c| c.is_ascii_digit()),
                });
                topic.push(mono_topic);
            }
        }

        // TF-IDF and centrality.
        let n = sents.len();
        let mut df = vec![0u32; vocab.len()];
        for s in &sents {
            for &(id, _) in &s.content {
                if let Some(d) = df.get_mut(id as usize) {
                    *d += 1;
                }
            }
        }
        let vectors: Vec<Vec<(u32, f64)>> = sents
            .iter()
            .map(|s| {
                let mut v: Vec<(u32, f64)> = s
                    .content
                    .iter()
                    .map(|&(id, tf)| {
                        let d = f64::from(df.get(id as usize).copied().unwrap_or(1).max(1));
                        let idf = (1.0 + n as f64 / d).ln();
                        (id, (1.0 + f64::from(tf).ln()) * idf)
                    })
                    .collect();
                let len = v.iter().map(|x| x.1 * x.1).sum::<f64>().sqrt();
                if len > 0.0 {
                    for x in &mut v {
                        x.1 /= len;
                    }
                }
                v
            })
            .collect();
        let mut sum = vec![0.0f64; vocab.len()];
        for v in &vectors {
            for &(id, w) in v {
                if let Some(x) = sum.get_mut(id as usize) {
                    *x += w;
                }
            }
        }
        let centrality: Vec<f64> = vectors
            .iter()
            .map(|v| {
                if n < 2 || v.is_empty() {
                    return 0.0;
                }
                let dot: f64 = v
                    .iter()
                    .map(|&(id, w)| w * sum.get(id as usize).copied().unwrap_or(0.0))
                    .sum();
                ((dot - 1.0) / (n - 1) as f64).max(0.0)
            })
            .collect();
        let standalone = |s: &Sent<'_>| s.words.len() >= 4 && s.content_words >= 2;
        let best_centrality = sents
            .iter()
            .zip(&centrality)
            .filter(|(s, _)| standalone(s))
            .map(|(_, c)| *c)
            .fold(0.0f64, f64::max);
        // Business signal: keyword hits of the highlight lists (pains, pricing,
        // competition, concerns).
        let signal: Vec<f64> = sents
            .iter()
            .map(|s| {
                let mut hits = [0i64; 1];
                for k in &keywords {
                    k.score(&s.stems, &mut hits);
                }
                hits[0] as f64 / 1000.0
            })
            .collect();
        let info = sents
            .iter()
            .zip(&centrality)
            .zip(&topic)
            .zip(&signal)
            .map(|(((s, &c), t), &signal)| {
                if !standalone(s) {
                    return 0.0;
                }
                let c = if best_centrality > 0.0 {
                    c / best_centrality
                } else {
                    0.0
                };
                let substance = s.content_words.min(12) as f64 / 12.0;
                let signal = signal.min(3.0) / 3.0;
                let mut score = 0.45 * c + 0.25 * substance + 0.3 * signal;
                if s.question {
                    score *= 0.5;
                }
                if t.is_some_and(|t| t.eq_ignore_ascii_case("small talk")) {
                    score *= 0.4;
                }
                if s.words.len() > 40 {
                    score *= (40.0 / s.words.len() as f64).sqrt();
                }
                if s.has_digit {
                    score *= 1.1;
                }
                if has_company && !s.company {
                    score *= 1.2;
                }
                score
            })
            .collect();
        let next_step = sents.iter().map(|s| next_step_score(lex, s)).collect();
        Prepared {
            call,
            sents,
            topic,
            vectors,
            info,
            next_step,
            keywords,
            has_company,
            lex,
            defaults,
        }
    }

    fn sort_in_time(&self, picked: &mut [usize]) {
        picked.sort_by_key(|&i| (self.sents[i].start_ms, i));
    }

    fn moment(&self, i: usize) -> Moment {
        let s = &self.sents[i];
        Moment {
            text: s.text.to_owned(),
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            speaker_id: Some(s.speaker),
        }
    }

    fn moments(&self, picked: &[usize]) -> Vec<Moment> {
        picked.iter().map(|&i| self.moment(i)).collect()
    }

    /// Up to `max` of `candidates` (index, score), best first, skipping near duplicates
    /// of those already picked (and of `avoid`).
    fn pick(&self, mut candidates: Vec<(usize, f64)>, max: usize, avoid: &[usize]) -> Vec<usize> {
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut picked: Vec<usize> = Vec::new();
        for (i, _) in candidates {
            if picked.len() >= max {
                break;
            }
            let dup = picked.iter().chain(avoid).any(|&j| {
                j == i
                    || cosine(&self.vectors[i], &self.vectors[j]) >= NEAR_DUPLICATE
                    || self.sents[i].norm == self.sents[j].norm
            });
            if !dup {
                picked.push(i);
            }
        }
        picked
    }

    /// Next steps, best ranked first.
    fn next_steps(&self) -> Vec<usize> {
        let n = self.sents.len();
        let candidates = (0..n)
            .filter(|&i| self.next_step[i] >= NEXT_STEP_THRESHOLD)
            .map(|i| {
                let position = if n > 1 {
                    i as f64 / (n - 1) as f64
                } else {
                    1.0
                };
                (i, self.next_step[i] * (0.8 + 0.4 * position))
            })
            .collect();
        self.pick(candidates, MAX_NEXT_STEPS, &[])
    }

    /// Key points, best first.
    fn key_points(&self, steps: &[usize]) -> Vec<usize> {
        let target = ((self.sents.len() as f64).sqrt() / 2.0)
            .round()
            .clamp(3.0, 7.0) as usize;
        let candidates = (0..self.sents.len())
            .filter(|&i| {
                let s = &self.sents[i];
                self.info[i] > 0.0
                    && s.words.len() >= 6
                    && s.content_words >= 3
                    && self.next_step[i] < NEXT_STEP_THRESHOLD
                    && !steps.contains(&i)
            })
            .map(|i| (i, self.info[i]))
            .collect();
        self.pick(candidates, target, &[])
    }

    fn outline(&self, topics: &Topics) -> Vec<OutlineSection> {
        topics
            .spans
            .iter()
            .map(|span| {
                let in_span: Vec<usize> = (0..self.sents.len())
                    .filter(|&i| {
                        (span.first_monologue..span.end_monologue).contains(&self.sents[i].mono)
                    })
                    .collect();
                let duration_ms = span.end_ms.saturating_sub(span.start_ms).max(0);
                let max = match duration_ms {
                    d if d < 60_000 => 1,
                    d if d < 180_000 => 2,
                    _ => 3,
                };
                let candidates: Vec<(usize, f64)> = in_span
                    .iter()
                    .filter(|&&i| self.info[i] > 0.0)
                    .map(|&i| {
                        let bonus = if self.next_step[i] >= NEXT_STEP_THRESHOLD {
                            0.3
                        } else {
                            0.0
                        };
                        (i, self.info[i] + bonus)
                    })
                    .collect();
                let mut picked = self.pick(candidates, max, &[]);
                if picked.is_empty() {
                    // Nothing stands alone: the sentence with the most content.
                    picked.extend(in_span.iter().copied().max_by(|&a, &b| {
                        let (sa, sb) = (&self.sents[a], &self.sents[b]);
                        (sa.content_words, sa.words.len())
                            .cmp(&(sb.content_words, sb.words.len()))
                            .then(b.cmp(&a))
                    }));
                }
                self.sort_in_time(&mut picked);
                OutlineSection {
                    section: span.name.clone(),
                    start_ms: span.start_ms,
                    duration_ms,
                    items: self.moments(&picked),
                }
            })
            .collect()
    }

    fn highlights(&self, steps_in_time: &[usize]) -> Vec<Highlight> {
        let kinds = highlight_kinds(self.lex, self.defaults);
        // The score of every sentence for every kind (0 when it does not qualify), and its
        // plain keyword hits.
        let mut hits = [0i64; 1];
        let mut raw: Vec<Vec<i64>> = vec![vec![0; self.sents.len()]; kinds.len()];
        let scores: Vec<Vec<f64>> = kinds
            .iter()
            .zip(&self.keywords)
            .zip(&mut raw)
            .map(|((kind, index), raw)| {
                let pains = kind.title == "Pain points";
                let pricing = kind.title == "Pricing";
                (0..self.sents.len())
                    .map(|i| {
                        let s = &self.sents[i];
                        if s.words.len() < 5 || steps_in_time.contains(&i) {
                            return 0.0;
                        }
                        hits[0] = 0;
                        index.score(&s.stems, &mut hits);
                        if hits[0] <= 0 {
                            return 0.0;
                        }
                        raw[i] = hits[0];
                        let mut score = hits[0] as f64 / 1000.0;
                        if pricing && (s.has_digit || s.text.contains(['$', '€', '£'])) {
                            score += 0.5;
                        }
                        if self.topic[i].is_some_and(|t| t.eq_ignore_ascii_case(kind.topic)) {
                            score *= 1.5;
                        }
                        if s.question {
                            score *= if pains { 0.3 } else { 0.6 };
                        }
                        if pains && self.has_company && s.company {
                            score *= 0.5;
                        }
                        if score >= HIGHLIGHT_THRESHOLD {
                            score + 0.01 * self.info[i]
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        // Each qualifying sentence belongs to the kind whose keywords it matches most (the
        // earlier on a tie).
        let owner = |i: usize| -> Option<usize> {
            let mut best: Option<usize> = None;
            for (k, row) in scores.iter().enumerate() {
                if row[i] > 0.0 && best.is_none_or(|b| raw[k][i] > raw[b][i]) {
                    best = Some(k);
                }
            }
            best
        };
        let owners: Vec<Option<usize>> = (0..self.sents.len()).map(owner).collect();

        let mut out = Vec::new();
        for (k, kind) in kinds.iter().enumerate() {
            let row = &scores[k];
            let qualifying = (0..self.sents.len()).filter(|&i| row[i] > 0.0);
            let own: Vec<(usize, f64)> = qualifying
                .clone()
                .filter(|&i| owners[i] == Some(k))
                .map(|i| (i, row[i]))
                .collect();
            let candidates = if own.is_empty() {
                qualifying.map(|i| (i, row[i])).collect()
            } else {
                own
            };
            let mut picked = self.pick(candidates, HIGHLIGHT_ITEMS, &[]);
            if picked.is_empty() {
                continue;
            }
            self.sort_in_time(&mut picked);
            out.push(Highlight {
                title: kind.title.to_owned(),
                items: self.moments(&picked),
            });
        }
        if !steps_in_time.is_empty() {
            out.push(Highlight {
                title: "Next steps".to_owned(),
                items: self.moments(steps_in_time),
            });
        }
        out
    }

    fn outcome(&self, steps: &[usize]) -> Outcome {
        let make = |id: &str| {
            let (id, category, name) = OUTCOMES.iter().copied().find(|o| o.0 == id).unwrap_or((
                "no-decision",
                "Neutral",
                "No Decision",
            ));
            Outcome {
                id: id.to_owned(),
                category: category.to_owned(),
                name: name.to_owned(),
            }
        };
        let mut voices: Vec<SpeakerId> = self.sents.iter().map(|s| s.speaker).collect();
        voices.sort_unstable();
        voices.dedup();
        let mut monologues: Vec<usize> = self.sents.iter().map(|s| s.mono).collect();
        monologues.dedup();
        let greeting = self
            .sents
            .iter()
            .any(|s| has_any(&s.norm, &self.lex.voicemail_greetings));
        let call_back = self
            .sents
            .iter()
            .any(|s| has_any(&s.norm, &self.lex.call_backs));
        let first = self.sents.iter().map(|s| s.start_ms).min().unwrap_or(0);
        let last = self.sents.iter().map(|s| s.end_ms).max().unwrap_or(0);
        let short = last.saturating_sub(first) <= VOICEMAIL_MAX_MS;
        if short
            && ((greeting && voices.len() <= 2 && monologues.len() <= 4)
                || (voices.len() == 1 && (greeting || call_back)))
        {
            return make("voicemail");
        }

        let n = self.sents.len();
        let meeting = |i: usize| {
            let s = &self.sents[i];
            has_any(&s.norm, &self.lex.meeting_words)
                && future_time(self.lex, &s.words)
                && !past_time(self.lex, &s.words)
                && !s.words.iter().any(|w| listed(&self.lex.negations, w))
                && (steps.contains(&i) || 3 * i >= 2 * n)
        };
        let meetings: Vec<usize> = (0..n).filter(|&i| meeting(i)).collect();
        let last_positive = steps.iter().chain(&meetings).copied().max();
        let rejected = (0..n).rev().find(|&i| {
            let s = &self.sents[i];
            !s.company
                && self.lex.rejections.iter().any(|r| {
                    find_phrase(&s.norm, r)
                        .is_some_and(|k| !s.norm[k.saturating_sub(3)..k].iter().any(|w| w == "if"))
                })
        });
        match (rejected, last_positive) {
            (Some(r), p) if p.is_none_or(|p| r > p) => make("not-interested"),
            _ if !meetings.is_empty() => make("meeting-scheduled"),
            _ if !steps.is_empty() => make("follow-up-agreed"),
            _ => make("no-decision"),
        }
    }

    fn brief(&self, topics: &Topics, key: Option<usize>, step: Option<usize>) -> String {
        let first = self.sents.iter().map(|s| s.start_ms).min().unwrap_or(0);
        let last = self.sents.iter().map(|s| s.end_ms).max().unwrap_or(0);
        let minutes = last.saturating_sub(first).saturating_add(30_000) / 60_000;
        let call = if minutes >= 1 {
            format!("This {minutes}-minute call")
        } else {
            "This short call".to_owned()
        };

        let named: Vec<&str> = topics.totals.iter().map(|(n, _)| n.as_str()).collect();
        let mut covered: Vec<String> = named
            .iter()
            .filter(|n| named.len() == 1 || !n.eq_ignore_ascii_case("small talk"))
            .map(|n| {
                if self.defaults.iter().any(|d| d.name == *n) {
                    n.to_lowercase()
                } else {
                    (*n).to_owned()
                }
            })
            .collect();
        covered.truncate(5);
        let mut out = match covered.split_last() {
            Some((last, [])) => format!("{call} covered {last}."),
            Some((last, rest)) => format!("{call} covered {} and {last}.", rest.join(", ")),
            None => {
                let mut voices: Vec<SpeakerId> = self.sents.iter().map(|s| s.speaker).collect();
                voices.sort_unstable();
                voices.dedup();
                match voices.len() {
                    1 => format!("{call} had one speaker."),
                    k => format!("{call} had {k} speakers."),
                }
            }
        };
        if let Some(k) = key {
            let who = match self.call.speaker(self.sents[k].speaker) {
                Some(_) if self.sents[k].company => "The company side said",
                Some(_) => "The customer said",
                None => "One key point was",
            };
            out.push_str(&format!(" {who}: {}", quote(self.sents[k].text)));
        }
        if let Some(s) = step {
            out.push_str(&format!(" Next step: {}", quote(self.sents[s].text)));
        }
        out
    }
}

/// A sentence in quotes, cut to `BRIEF_QUOTE_WORDS` words, ending the brief's sentence.
fn quote(text: &str) -> String {
    let spans = word_spans(text);
    let mut body = match spans.get(BRIEF_QUOTE_WORDS) {
        Some(&(cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text.to_owned(),
    };
    body = body.replace('"', "'");
    if body.ends_with(['.', '!', '?', '…']) {
        format!("\"{body}\"")
    } else {
        format!("\"{body}\".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topics::{default_topics, segment};
    use crate::Speaker;
    use parley_domain::{Affiliation, Monologue, Sentence, Transcript};

    const REP: i64 = 1;
    const BUYER: i64 = 2;

    /// `(speaker, start seconds, text)` lines; each line is a sentence lasting until the
    /// next line (or 5 s); consecutive lines of one speaker form a monologue.
    fn transcript(lines: &[(i64, i64, &str)]) -> Transcript {
        crate::test_support::timed_lines(lines, true)
    }

    fn speakers() -> Vec<Speaker> {
        [(REP, Affiliation::Internal), (BUYER, Affiliation::External)]
            .into_iter()
            .map(|(id, affiliation)| Speaker {
                speaker_id: SpeakerId(id),
                party_id: None,
                user_id: None,
                affiliation,
            })
            .collect()
    }

    fn summarise(t: &Transcript) -> (Topics, Summary) {
        let speakers = speakers();
        let call = CallInput {
            transcript: t,
            speakers: &speakers,
            host: None,
            language: Some("eng"),
            duration_ms: None,
        };
        let topics = segment(&call, &default_topics());
        let summary = extractive(&call, &topics);
        (topics, summary)
    }

    fn texts(m: &[Moment]) -> Vec<&str> {
        m.iter().map(|m| m.text.as_str()).collect()
    }

    fn demo_call() -> Transcript {
        transcript(&[
            (REP, 0, "Hi Maria, how are you doing today?"),
            (BUYER, 4, "Good, thanks. How was your weekend?"),
            (REP, 8, "Great, we went hiking, the weather was lovely."),
            (BUYER, 12, "Sounds like fun, it rained all weekend here."),
            (REP, 15, "Let me introduce myself, I'm Sam, the account executive for your region."),
            (BUYER, 22, "Nice to meet you. I'm Maria, head of sales operations, responsible for a team of forty reps."),
            (REP, 34, "What is the biggest challenge with your current process?"),
            (BUYER, 40, "Our reps spend hours every week updating spreadsheets manually, which is frustrating."),
            (BUYER, 50, "We have no visibility into the pipeline, so the forecast is always wrong."),
            (REP, 60, "Got it."),
            (BUYER, 62, "Yeah, um, you know, it's kind of a mess, right."),
            (REP, 66, "Let me share my screen."),
            (REP, 70, "The dashboard syncs with Salesforce automatically, so pipeline data is always current."),
            (BUYER, 82, "Does the integration also handle custom fields in Salesforce?"),
            (REP, 88, "Yes, custom fields sync both ways with no setup."),
            (REP, 96, "Let's talk about pricing."),
            (REP, 99, "Pricing is fifty dollars per user per month, billed annually."),
            (BUYER, 108, "That seems expensive compared to Acme, which quoted us thirty dollars per user."),
            (REP, 118, "We can discount a multi year contract by fifteen percent."),
            (BUYER, 126, "My concern is that our CFO has to approve anything above budget."),
            (REP, 134, "Makes sense."),
            (REP, 136, "So as next steps, I'll send you the proposal by Friday."),
            (REP, 142, "Can you loop in your CFO for the pricing review?"),
            (BUYER, 147, "Sure, let's schedule a technical demo next Tuesday with my team."),
            (REP, 153, "Perfect, I'll send the calendar invite for Tuesday at 2pm."),
            (BUYER, 158, "Sounds good, thanks Sam."),
            (REP, 161, "Thanks Maria, talk soon."),
        ])
    }

    #[test]
    fn a_discovery_call_summarised() {
        let t = demo_call();
        let (topics, s) = summarise(&t);

        assert_eq!(
            texts(&s.next_steps),
            [
                "So as next steps, I'll send you the proposal by Friday.",
                "Can you loop in your CFO for the pricing review?",
                "Sure, let's schedule a technical demo next Tuesday with my team.",
                "Perfect, I'll send the calendar invite for Tuesday at 2pm.",
            ]
        );
        let step = &s.next_steps[0];
        assert_eq!((step.start_ms, step.end_ms), (136_000, 142_000));
        assert_eq!(step.speaker_id, Some(SpeakerId(REP)));

        assert!(
            (3..=7).contains(&s.key_points.len()),
            "{:?}",
            texts(&s.key_points)
        );
        assert!(s
            .key_points
            .windows(2)
            .all(|w| w[0].start_ms <= w[1].start_ms));
        let filler = [
            "Got it.",
            "Makes sense.",
            "Sounds good, thanks Sam.",
            "Yeah, um, you know, it's kind of a mess, right.",
            "Let me share my screen.",
            "Let's talk about pricing.",
            "Thanks Maria, talk soon.",
        ];
        for m in s.key_points.iter().chain(&s.next_steps) {
            assert!(!filler.contains(&m.text.as_str()), "{:?}", m.text);
        }
        for m in &s.key_points {
            assert!(!texts(&s.next_steps).contains(&m.text.as_str()));
        }
        let keys = texts(&s.key_points);
        assert!(
            keys.contains(
                &"Our reps spend hours every week updating spreadsheets manually, which is frustrating."
            ) || keys.contains(&"We have no visibility into the pipeline, so the forecast is always wrong."),
            "{keys:?}"
        );

        // Outline follows the topic spans.
        let names: Vec<_> = s.outline.iter().map(|o| o.section.as_str()).collect();
        assert_eq!(
            names,
            [
                "Small Talk",
                "Introductions",
                "Discovery",
                "Product",
                "Pricing",
                "Next Steps"
            ]
        );
        assert_eq!(s.outline.len(), topics.spans.len());
        for (section, span) in s.outline.iter().zip(&topics.spans) {
            assert_eq!(section.section, span.name);
            assert_eq!(section.start_ms, span.start_ms);
            assert_eq!(section.duration_ms, span.end_ms - span.start_ms);
            assert!((1..=3).contains(&section.items.len()), "{section:?}");
            for item in &section.items {
                assert!(item.start_ms >= span.start_ms && item.start_ms < span.end_ms);
            }
        }

        let titles: Vec<_> = s.highlights.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Pain points",
                "Pricing",
                "Competition",
                "Concerns",
                "Next steps"
            ]
        );
        let pains = texts(&s.highlights[0].items);
        assert!(pains.contains(
            &"Our reps spend hours every week updating spreadsheets manually, which is frustrating."
        ));
        assert!(texts(&s.highlights[1].items)
            .contains(&"Pricing is fifty dollars per user per month, billed annually."));
        assert_eq!(
            texts(&s.highlights[2].items),
            ["That seems expensive compared to Acme, which quoted us thirty dollars per user."]
        );
        assert_eq!(
            texts(&s.highlights[3].items),
            ["My concern is that our CFO has to approve anything above budget."]
        );
        assert_eq!(s.highlights[4].items, s.next_steps);

        assert_eq!(
            s.outcome.as_ref().map(|o| o.id.as_str()),
            Some("meeting-scheduled")
        );
        let brief = s.brief.unwrap();
        assert!(
            brief.starts_with("This 3-minute call covered introductions, discovery"),
            "{brief}"
        );
        assert!(brief.contains(" said: \""), "{brief}");
        assert!(brief.contains("Next step: \""), "{brief}");
    }

    fn outcome(lines: &[(i64, i64, &str)]) -> String {
        let (_, s) = summarise(&transcript(lines));
        s.outcome.map(|o| o.id).unwrap_or_default()
    }

    #[test]
    fn outcomes() {
        // An answering machine and the rep's message: no dialogue.
        assert_eq!(
            outcome(&[
                (
                    BUYER,
                    0,
                    "Hi, you've reached Jane Smith, please leave a message after the tone."
                ),
                (
                    REP,
                    8,
                    "Hi Jane, this is Sam from Parley, I'll try you again tomorrow."
                ),
            ]),
            "voicemail"
        );
        assert_eq!(
            outcome(&[(
                REP,
                0,
                "Hi Jane, Sam here from Parley, give me a call back at 555 0100 when you can."
            )]),
            "voicemail"
        );
        assert_eq!(
            outcome(&[
                (
                    REP,
                    0,
                    "Hi John, I'm calling about your sales coaching program."
                ),
                (
                    BUYER,
                    5,
                    "Honestly we're not interested, please take me off your list."
                ),
                (REP, 10, "Understood, sorry to bother you."),
            ]),
            "not-interested"
        );
        // The rep's "if you're not interested" is no rejection, and a meeting follows.
        assert_eq!(
            outcome(&[
                (
                    REP,
                    0,
                    "If you're not interested, just tell me and I'll stop calling."
                ),
                (BUYER, 5, "No, it sounds relevant for our team."),
                (
                    REP,
                    10,
                    "Great, let's book a thirty minute demo on Thursday at 10am."
                ),
                (BUYER, 16, "Thursday works, send me the invite."),
            ]),
            "meeting-scheduled"
        );
        // A rejection, then the buyer comes round to a follow-up.
        assert_eq!(
            outcome(&[
                (BUYER, 0, "We're not interested in switching right now."),
                (REP, 5, "Understood. What would change that?"),
                (
                    BUYER,
                    10,
                    "Maybe if the price came down, so send me the case study anyway."
                ),
                (REP, 16, "Will do, I'll send you the case study."),
            ]),
            "follow-up-agreed"
        );
        assert_eq!(
            outcome(&[
                (
                    REP,
                    0,
                    "How is the rollout of the new territory plan going?"
                ),
                (
                    BUYER,
                    5,
                    "It's going fine, the team likes the new accounts."
                ),
                (
                    REP,
                    10,
                    "Good to hear, anything blocking you at the moment?"
                ),
                (
                    BUYER,
                    15,
                    "Not really, we are in good shape for the quarter."
                ),
            ]),
            "no-decision"
        );
    }

    #[test]
    fn past_actions_questions_and_demos_are_no_next_steps() {
        let (_, s) = summarise(&transcript(&[
            (REP, 0, "I sent you the proposal last week."),
            (BUYER, 5, "What are the next steps on your side?"),
            (REP, 10, "Let me show you the reporting dashboard."),
            (BUYER, 15, "Can you hear me okay?"),
            (REP, 20, "We will not be able to send the contract."),
            (BUYER, 25, "Could you walk me through the setup?"),
            (
                REP,
                30,
                "We will follow up with the security questionnaire.",
            ),
        ]));
        assert_eq!(
            texts(&s.next_steps),
            ["We will follow up with the security questionnaire."]
        );
        assert_eq!(
            s.highlights.last().map(|h| h.title.as_str()),
            Some("Next steps")
        );
    }

    #[test]
    fn repeated_commitments_are_listed_once() {
        let (_, s) = summarise(&transcript(&[
            (REP, 0, "I'll send you the proposal tomorrow."),
            (BUYER, 5, "Great."),
            (REP, 8, "So yes, I will send you the proposal tomorrow."),
        ]));
        assert_eq!(
            texts(&s.next_steps),
            ["So yes, I will send you the proposal tomorrow."]
        );
    }

    #[test]
    fn deterministic() {
        let t = demo_call();
        let (_, a) = summarise(&t);
        let (_, b) = summarise(&t);
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn empty_tiny_and_foreign_calls() {
        assert_eq!(summarise(&Vec::new()).1, Summary::default());
        let silent = vec![Monologue {
            speaker_id: SpeakerId(REP),
            topic: None,
            sentences: vec![Sentence {
                start_ms: 0,
                end_ms: 10,
                text: " ... ".into(),
                words: vec![],
            }],
        }];
        assert_eq!(summarise(&silent).1, Summary::default());

        let (_, s) = summarise(&transcript(&[(BUYER, 0, "Hello?")]));
        assert_eq!(s.brief.as_deref(), Some("This short call had one speaker."));
        assert!(s.key_points.is_empty() && s.next_steps.is_empty() && s.outline.is_empty());
        assert_eq!(s.outcome.map(|o| o.id).as_deref(), Some("no-decision"));

        let (_, s) = summarise(&transcript(&[
            (
                REP,
                0,
                "Guten Tag, wie läuft die Einführung der neuen Software bei Ihnen?",
            ),
            (
                BUYER,
                6,
                "Die Einführung läuft gut, aber die Schulung der Mitarbeiter dauert länger.",
            ),
            (
                REP,
                14,
                "Verstehe, die Schulung ist oft der schwierigste Teil.",
            ),
            (BUYER, 20, "Ja, genau. 🙂 Danke!"),
            (REP, 24, "通话结束了谢谢"),
        ]));
        assert!(s.next_steps.is_empty());
        assert!(!s.key_points.is_empty());
        assert!(s.brief.is_some());
    }

    #[test]
    fn odd_input_does_not_panic() {
        let sentence = |start_ms: i64, end_ms: i64, text: &str| Sentence {
            start_ms,
            end_ms,
            text: text.into(),
            words: vec![],
        };
        let t = vec![
            Monologue {
                speaker_id: SpeakerId(REP),
                topic: None,
                sentences: vec![
                    sentence(
                        i64::MAX,
                        i64::MIN,
                        "I'll send you the pricing proposal on Friday.",
                    ),
                    sentence(
                        i64::MIN,
                        i64::MAX,
                        "Q1 q5 1st 2pm 10am 3 pm in 2 weeks may 5",
                    ),
                ],
            },
            Monologue {
                speaker_id: SpeakerId(BUYER),
                topic: Some("Imported".into()),
                sentences: vec![],
            },
            Monologue {
                speaker_id: SpeakerId(99),
                topic: None,
                sentences: vec![
                    sentence(5, 1, "'' ’ ?? ! Ünïcödé ŞĞ ﬁ ǅ 🙂🙂 next"),
                    sentence(0, 0, "send"),
                    sentence(-5, -1, "can you"),
                    sentence(7, 8, "let me"),
                    sentence(9, 9, "please"),
                ],
            },
        ];
        for language in [Some("eng"), Some("jpn"), Some(""), None] {
            let speakers = speakers();
            let call = CallInput {
                transcript: &t,
                speakers: &speakers,
                host: None,
                language,
                duration_ms: None,
            };
            let topics = segment(&call, &default_topics());
            assert_eq!(topics.per_monologue.len(), 3);
            let s = extractive(&call, &topics);
            assert!(s.brief.is_some() && s.outcome.is_some());
            // Topics that do not fit the transcript are tolerated.
            let odd = Topics {
                spans: vec![crate::topics::TopicSpan {
                    name: "X".into(),
                    start_ms: 10,
                    end_ms: 0,
                    first_monologue: 7,
                    end_monologue: 2,
                }],
                per_monologue: vec![],
                totals: vec![("X".into(), -10)],
            };
            let s = extractive(&call, &odd);
            assert_eq!(s.outline.len(), 1);
        }
    }

    #[test]
    fn quotes_are_cut_and_closed() {
        assert_eq!(
            quote("We use \"spreadsheets\"."),
            "\"We use 'spreadsheets'.\""
        );
        assert_eq!(quote("we use spreadsheets"), "\"we use spreadsheets\".");
        let long = vec!["word"; 40].join(" ");
        assert!(quote(&long).ends_with("word…\""));
    }
}
