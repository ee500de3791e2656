//! Finding actions by intent, offline: "who talked most on last week's calls" →
//! `get-interaction-stats`.
//!
//! Two rankings, added:
//! - **Words**: a ranked text search over each action's words (its key, name,
//!   description, tag and path, the names other tools give it, and everyday phrasings from
//!   `data/actions.toml`), where words are compared by their stems (Snowball, English) and
//!   by meaning through a thesaurus of the domain (`data/thesaurus.toml`: "chatty",
//!   "talked" and "monologue" mean talk; "forget", "wipe" and "erase" mean delete).
//!   Scoring is BM25 over the weighted fields: rare words count more, a word found many
//!   times counts less each time, and a long description does not win by its length.
//! - **Meaning** (when the sentence encoder is installed: `scripts/fetch-models.sh` puts
//!   all-MiniLM-L6-v2 in the models folder): the request and every phrasing of every
//!   action as sentence embeddings ([`parley_embed`]), an action scored by a soft maximum
//!   of its phrasings' cosines. It finds what shares no word ("how chatty was Bob" and
//!   "talk ratio").
//!
//! The words' scores (favouring actions of the request's kind: reading, making, changing,
//! deleting) and the meaning's are each put in standard units over the catalogue and added,
//! the meaning with a weight. The actions' embeddings are computed once per catalogue and model and cached
//! on disk; a query costs one encoder pass (10–15 ms). Measured on a set of
//! everyday intents in BENCHMARKS.md (`cargo run -p parley-client --example intents`).
//! Without the model the words alone rank.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use parley_embed::Encoder;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalogue::{Action, Catalogue};

const THESAURUS: &str = include_str!("../data/thesaurus.toml");

/// Words that say nothing about which action is meant.
const STOP: &[&str] = &[
    "a", "about", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "by", "can",
    "could", "do", "does", "for", "from", "give", "had", "has", "have", "i", "in", "into", "is",
    "it", "its", "me", "my", "of", "on", "or", "our", "please", "so", "some", "that", "the",
    "their", "them", "there", "these", "this", "those", "to", "us", "was", "we", "were", "with",
    "you", "your", "i'd", "i'm", "want", "need", "like", "would", "should", "let", "just",
    // Question words: they say a request reads (see `Kind`), not what it reads.
    "what", "which", "who", "whose", "how", "when", "where", "why", "did", "done", "will",
];

/// The ranking's weights (the defaults are the measured ones; `examples/intents.rs
/// --sweep` tries others).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Field weights: the key and the names say most, the description least.
    pub key: f32,
    pub name: f32,
    pub phrase: f32,
    pub text: f32,
    /// How much a match by meaning (a thesaurus group) counts against a match of the word.
    pub concept: f32,
    /// BM25's saturation and length normalisation.
    pub k1: f32,
    pub b: f32,
    /// A request of one kind (reading, making, changing, deleting): actions of that kind
    /// count this much more, actions of another kind this much less.
    pub same_kind: f32,
    pub other_kind: f32,
    /// How much the meaning counts against the words (both in standard units).
    pub meaning: f32,
    /// The soft maximum over an action's phrasings: `ln Σ exp(s·cos) / s`. Large is the
    /// best phrasing alone; smaller lets several close phrasings add up.
    pub sharpness: f32,
    /// An action no word of the request matches is found by meaning only when one of its
    /// phrasings is at least this close.
    pub min_cosine: f32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            key: 3.0,
            name: 2.0,
            phrase: 2.0,
            text: 0.6,
            concept: 0.7,
            k1: 1.2,
            b: 0.5,
            same_kind: 1.25,
            other_kind: 0.75,
            meaning: 1.0,
            sharpness: 10.0,
            min_cosine: 0.3,
        }
    }
}

#[derive(Deserialize)]
struct Thesaurus {
    verbs: Verbs,
    groups: Vec<Vec<String>>,
}

#[derive(Deserialize)]
struct Verbs {
    read: Vec<String>,
    create: Vec<String>,
    create_first: Vec<String>,
    change: Vec<String>,
    delete: Vec<String>,
}

/// What a request or an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Create,
    Change,
    Delete,
}

/// An action's kind, by its key's first word (the keys are verb first).
fn kind_of_action(key: &str) -> Option<Kind> {
    match key.split('-').next().unwrap_or_default() {
        "list" | "get" | "download" => Some(Kind::Read),
        "create" | "add" | "report" | "upload" | "register" | "record" | "answer" | "generate" => {
            Some(Kind::Create)
        }
        "update" | "set" | "replace" | "rename" | "rotate" | "assign" => Some(Kind::Change),
        "delete" | "remove" | "erase" | "revoke" => Some(Kind::Delete),
        _ => None,
    }
}

/// The search index over a catalogue.
pub struct Index<'a> {
    actions: &'a [Action],
    /// Per action: term → weighted frequency.
    docs: Vec<HashMap<String, f32>>,
    lengths: Vec<f32>,
    average: f32,
    /// term → in how many actions it occurs.
    df: HashMap<String, usize>,
    words: Words,
    params: Params,
    meaning: Option<Meaning>,
}

/// Ranking by meaning: the encoder and, per action, its phrasings' embeddings.
pub struct Meaning {
    encoder: Encoder,
    /// Per action, the embeddings of its texts (`dim` each, concatenated).
    vectors: Vec<Vec<f32>>,
}

/// The texts of an action that are embedded: its name, the names other tools give it and
/// its everyday phrasings (descriptions are too long and too technical to compare with a
/// request).
fn texts(a: &Action) -> impl Iterator<Item = &str> {
    std::iter::once(a.name.as_str())
        .chain(a.aliases.iter().map(String::as_str))
        .chain(a.phrases.iter().map(String::as_str))
}

/// Bumped when what is cached, or how, changes.
const CACHE_MAGIC: &[u8; 8] = b"PRLYINT1";

impl Meaning {
    /// Embeds every action's texts, or reads them from `cache_dir` when an earlier run
    /// embedded the same texts with the same model (keyed by both). A cache that cannot be
    /// read or written is skipped: it only saves time.
    pub fn new(encoder: Encoder, actions: &[Action], cache_dir: Option<&Path>) -> Meaning {
        let dim = encoder.dim();
        let mut key = Sha256::new();
        key.update(CACHE_MAGIC);
        key.update(encoder.fingerprint());
        for a in actions {
            for t in texts(a) {
                key.update((t.len() as u64).to_le_bytes());
                key.update(t.as_bytes());
            }
            key.update([0xff]);
        }
        let key: [u8; 32] = key.finalize().into();
        let file = cache_dir.map(|d| d.join(format!("intent-{}.f32", hex(&key[..8]))));
        let counts: Vec<usize> = actions.iter().map(|a| texts(a).count()).collect();
        let total: usize = counts.iter().sum();
        let flat = file
            .as_deref()
            .and_then(|f| read_cache(f, &key, total * dim))
            .unwrap_or_else(|| {
                let all: Vec<&str> = actions.iter().flat_map(texts).collect();
                let flat = encode_all(&encoder, &all);
                if let Some(f) = &file {
                    if let Err(e) = write_cache(f, &key, &flat) {
                        tracing::debug!(file = %f.display(), error = %e, "intent cache not written");
                    }
                }
                flat
            });
        let mut rest = flat.as_slice();
        let vectors = counts
            .iter()
            .map(|&c| {
                let (mine, tail) = rest.split_at(c * dim);
                rest = tail;
                mine.to_vec()
            })
            .collect();
        Meaning { encoder, vectors }
    }

    /// Per action: (soft maximum of its texts' cosines with `query`, best cosine).
    fn scores(&self, query: &str, sharpness: f32) -> Vec<(f32, f32)> {
        let q = self.encoder.encode(query);
        let dim = q.len();
        self.vectors
            .iter()
            .map(|v| {
                let cosines: Vec<f32> = v
                    .chunks_exact(dim)
                    .map(|p| p.iter().zip(&q).map(|(a, b)| a * b).sum())
                    .collect();
                let best = cosines.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                if cosines.is_empty() {
                    return (0.0, 0.0);
                }
                let soft = best
                    + cosines
                        .iter()
                        .map(|c| (sharpness * (c - best)).exp())
                        .sum::<f32>()
                        .ln()
                        / sharpness;
                (soft, best)
            })
            .collect()
    }
}

/// Every text's embedding, concatenated, on all cores (the catalogue's ~800 texts take
/// 5-10 s on two; done once, then cached).
fn encode_all(encoder: &Encoder, texts: &[&str]) -> Vec<f32> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = texts
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|t| encoder.encode(t))
                        .collect::<Vec<f32>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn read_cache(file: &Path, key: &[u8; 32], floats: usize) -> Option<Vec<f32>> {
    let bytes = std::fs::read(file).ok()?;
    let body = bytes.strip_prefix(CACHE_MAGIC)?.strip_prefix(key)?;
    (body.len() == floats * 4).then(|| {
        body.chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    })
}

/// Written to a temporary name and renamed: a reader never sees half a file.
fn write_cache(file: &Path, key: &[u8; 32], flat: &[f32]) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = Vec::with_capacity(40 + flat.len() * 4);
    bytes.extend_from_slice(CACHE_MAGIC);
    bytes.extend_from_slice(key);
    for v in flat {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let part = file.with_extension(format!("part.{}", std::process::id()));
    std::fs::write(&part, &bytes)?;
    std::fs::rename(&part, file)
}

/// Turns text into terms: stems, and the thesaurus groups of each word.
struct Words {
    stemmer: Stemmer,
    /// stem → group ids.
    groups: HashMap<String, Vec<usize>>,
    /// stem → the kind of request it makes (the first word with one decides).
    verbs: HashMap<String, Kind>,
    /// Stems that make a request of making something when they open it.
    create_first: Vec<String>,
}

impl Words {
    fn new() -> Words {
        let stemmer = Stemmer::create(Algorithm::English);
        // The thesaurus is part of the build and checked by its tests.
        let t: Thesaurus = toml::from_str(THESAURUS).expect("the thesaurus parses");
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, group) in t.groups.iter().enumerate() {
            for word in group {
                for w in split(word) {
                    let stem = stemmer.stem(&w).into_owned();
                    let ids = groups.entry(stem).or_default();
                    if !ids.contains(&i) {
                        ids.push(i);
                    }
                }
            }
        }
        let mut verbs = HashMap::new();
        for (kind, words) in [
            (Kind::Read, &t.verbs.read),
            (Kind::Create, &t.verbs.create),
            (Kind::Change, &t.verbs.change),
            (Kind::Delete, &t.verbs.delete),
        ] {
            for w in words {
                verbs.entry(stemmer.stem(w).into_owned()).or_insert(kind);
            }
        }
        let create_first = t
            .verbs
            .create_first
            .iter()
            .map(|w| stemmer.stem(w).into_owned())
            .collect();
        Words {
            stemmer,
            groups,
            verbs,
            create_first,
        }
    }

    /// The kind of request `text` makes: its first verb that names one. A past participle
    /// describes what is read ("users created since June", "the erasure I started") rather
    /// than asking for it, so it does not count.
    fn kind(&self, text: &str) -> Option<Kind> {
        let first = split(text).next().unwrap_or_default();
        if self
            .create_first
            .iter()
            .any(|c| *c == self.stemmer.stem(&first))
        {
            return Some(Kind::Create);
        }
        split(text)
            .filter(|w| !w.ends_with("ed"))
            .find_map(|w| self.verbs.get(self.stemmer.stem(&w).as_ref()).copied())
    }

    /// The words of `text` as (stem, its groups' terms).
    fn terms(&self, text: &str) -> Vec<(String, Vec<String>)> {
        let text = typed_values(text);
        split(&text)
            .filter(|w| !STOP.contains(&w.as_str()))
            .map(|w| {
                let stem = self.stemmer.stem(&w).into_owned();
                let concepts = self
                    .groups
                    .get(&stem)
                    .map(|ids| ids.iter().map(|i| format!("#{i}")).collect())
                    .unwrap_or_default();
                (stem, concepts)
            })
            .collect()
    }
}

/// Values that say what kind of thing they are: an e-mail address is "email", a phone
/// number "phone" (`+1 425 555 2671`, `(425) 555-2671`), a long number an "id" ("calls of
/// 7782342274025937895"). Dates (`2026-11-01`: eight digits) stay as they are.
fn typed_values(text: &str) -> String {
    let text = phones(text);
    let text = without_dates(&text);
    text.split_whitespace()
        .map(|w| {
            let w = w.trim_matches(|c: char| matches!(c, ',' | ';' | '?' | '!' | '(' | ')' | '"'));
            let digits = w.chars().filter(char::is_ascii_digit).count();
            if w.contains('@') && w.contains('.') {
                "email"
            } else if digits >= 5 && digits == w.len() {
                "id"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words naming a time, not a thing: a request's dates are filter values ("last week's
/// calls" lists calls), so "last week", "this month", "since Monday", "in March",
/// "yesterday" are dropped. "Week by week" and "each day" stay: there the unit is the point.
fn without_dates(text: &str) -> String {
    const NAMES: &[&str] = &[
        "yesterday",
        "today",
        "tomorrow",
        "tonight",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    const LEADS: &[&str] = &[
        "last", "this", "next", "past", "previous", "since", "in", "on",
    ];
    const UNITS: &[&str] = &[
        "week",
        "weeks",
        "week's",
        "month",
        "months",
        "month's",
        "quarter",
        "quarter's",
        "year",
        "year's",
        "day",
        "days",
        "morning",
        "afternoon",
        "q1",
        "q2",
        "q3",
        "q4",
    ];
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
            .to_lowercase()
    };
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = bare(words[i]);
        let next = words.get(i + 1).map(|n| bare(n)).unwrap_or_default();
        if NAMES.contains(&w.as_str()) {
            i += 1;
        } else if LEADS.contains(&w.as_str())
            && (UNITS.contains(&next.as_str()) || NAMES.contains(&next.as_str()))
        {
            i += 2;
        } else {
            out.push(words[i]);
            i += 1;
        }
    }
    out.join(" ")
}

/// Replaces phone numbers by the word "phone": a run of digits and separators (space, `-`,
/// `.`, parentheses) with at least nine digits and a separator, or starting with `+` and
/// holding at least seven.
fn phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '+' || chars[i] == '(' || chars[i].is_ascii_digit();
        let fresh = i == 0 || !chars[i - 1].is_alphanumeric();
        if starts && fresh {
            let mut j = i;
            let mut end = i;
            // A separator counts only between digits (a trailing space does not make an
            // id a phone number).
            let (mut digits, mut separated, mut pending) = (0, false, false);
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || matches!(chars[j], '+' | ' ' | '-' | '.' | '(' | ')'))
            {
                if chars[j].is_ascii_digit() {
                    separated |= pending;
                    digits += 1;
                    end = j + 1;
                } else if digits > 0 {
                    pending = true;
                }
                j += 1;
            }
            let plus = chars[i] == '+';
            if (plus && digits >= 7) || (separated && digits >= 9) {
                out.push_str(" phone ");
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Lowercase words: letters and digits, `'s` dropped; camelCase and kebab-case split.
fn split(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut spaced = String::with_capacity(text.len() + 8);
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_uppercase() && prev_lower {
            spaced.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        spaced.push(c);
    }
    spaced
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').trim_end_matches("'s").to_owned())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// One ranked action.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub action: &'a Action,
    pub score: f32,
}

impl<'a> Index<'a> {
    pub fn new(catalogue: &'a Catalogue) -> Index<'a> {
        Index::with_params(catalogue, Params::default())
    }

    pub fn with_params(catalogue: &'a Catalogue, p: Params) -> Index<'a> {
        let words = Words::new();
        let actions = catalogue.all();
        let mut docs = Vec::with_capacity(actions.len());

        let mut lengths = Vec::with_capacity(actions.len());
        let mut df: HashMap<String, usize> = HashMap::new();
        for a in actions {
            let mut doc: HashMap<String, f32> = HashMap::new();
            let mut length = 0.0;
            let mut add = |text: &str, weight: f32| {
                for (stem, concepts) in words.terms(text) {
                    *doc.entry(stem).or_default() += weight;
                    for c in concepts {
                        *doc.entry(c).or_default() += weight;
                    }
                    length += weight;
                }
            };
            add(&a.key, p.key);
            add(&a.name, p.name);
            for alias in &a.aliases {
                add(alias, p.name);
            }
            for phrase in &a.phrases {
                add(phrase, p.phrase);
            }
            add(&a.description, p.text);
            add(&a.tag, p.text);
            add(&a.path.replace(['{', '}', '/'], " "), p.text);
            for term in doc.keys() {
                *df.entry(term.clone()).or_default() += 1;
            }
            docs.push(doc);
            lengths.push(length);
        }
        let average = lengths.iter().sum::<f32>() / lengths.len().max(1) as f32;
        Index {
            actions,
            docs,
            lengths,
            average,
            df,
            words,
            params: p,
            meaning: None,
        }
    }

    /// Adds ranking by meaning (see the module's documentation).
    pub fn with_meaning(mut self, meaning: Meaning) -> Index<'a> {
        self.meaning = Some(meaning);
        self
    }

    /// Whether the search ranks by meaning too (the encoder was found).
    pub fn has_meaning(&self) -> bool {
        self.meaning.is_some()
    }

    /// The actions this index ranks, in the catalogue's order.
    pub fn actions(&self) -> &'a [Action] {
        self.actions
    }

    fn idf(&self, term: &str) -> f32 {
        let n = self.actions.len() as f32;
        let df = *self.df.get(term).unwrap_or(&0) as f32;
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    fn weight(&self, doc: usize, term: &str) -> f32 {
        let Some(&tf) = self.docs[doc].get(term) else {
            return 0.0;
        };
        let (k1, b) = (self.params.k1, self.params.b);
        let norm = 1.0 - b + b * self.lengths[doc] / self.average;
        self.idf(term) * tf * (k1 + 1.0) / (tf + k1 * norm)
    }

    /// The actions best matching `query`, best first; none when no word matches and
    /// nothing comes close in meaning.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit<'a>> {
        let p = &self.params;
        let terms = self.words.terms(query);
        let words: Vec<f32> = (0..self.actions.len())
            .map(|d| {
                terms
                    .iter()
                    .map(|(stem, concepts)| {
                        let direct = self.weight(d, stem);
                        concepts
                            .iter()
                            .map(|c| p.concept * self.weight(d, c))
                            .fold(direct, f32::max)
                    })
                    .sum()
            })
            .collect();
        let meaning = self.meaning.as_ref().map(|m| m.scores(query, p.sharpness));
        let wanted = self.words.kind(query);
        let by_kind = |d: usize| match (wanted, kind_of_action(&self.actions[d].key)) {
            (Some(w), Some(k)) if w == k => p.same_kind,
            (Some(_), Some(_)) => p.other_kind,
            _ => 1.0,
        };
        let words: Vec<f32> = words
            .iter()
            .enumerate()
            .map(|(d, w)| w * by_kind(d))
            .collect();
        let scores: Vec<f32> = match &meaning {
            None => words.clone(),
            // The two scales differ (BM25 is unbounded, cosines lie in [-1, 1]), so each
            // is put in standard units over the catalogue before they are added.
            Some(m) => {
                let soft: Vec<f32> = m.iter().map(|(soft, _)| *soft).collect();
                standard(&words)
                    .zip(standard(&soft))
                    .map(|(w, s)| w + p.meaning * s)
                    .collect()
            }
        };
        let mut hits: Vec<Hit<'a>> = (0..self.actions.len())
            .filter(|&d| words[d] > 0.0 || meaning.as_ref().is_some_and(|m| m[d].1 >= p.min_cosine))
            .map(|d| Hit {
                action: &self.actions[d],
                score: scores[d],
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.action.key.cmp(&b.action.key))
        });
        hits.truncate(limit);
        hits
    }
}

/// `(x - mean) / standard deviation` of each value (zeros when all are equal).
fn standard(xs: &[f32]) -> impl Iterator<Item = f32> + '_ {
    let n = xs.len().max(1) as f32;
    let mean = xs.iter().sum::<f32>() / n;
    let sd = (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n).sqrt();
    xs.iter()
        .map(move |x| if sd > 0.0 { (x - mean) / sd } else { 0.0 })
}

/// The models folder: `$PARLEY_MODELS`, else `~/.cache/parley/models` (where
/// `scripts/fetch-models.sh` installs).
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PARLEY_MODELS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    home_cache().join("models")
}

fn home_cache() -> PathBuf {
    match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("parley"),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/parley"),
    }
}

/// An index over `catalogue` that ranks by meaning too when the sentence encoder is in
/// `models` (its actions' embeddings cached under the user's cache folder), by words
/// alone otherwise.
pub fn open<'a>(catalogue: &'a Catalogue, models: &Path, p: Params) -> Index<'a> {
    let index = Index::with_params(catalogue, p);
    match Encoder::load(&parley_embed::default_model_dir(models)) {
        Ok(encoder) => {
            let cache = home_cache().join("intent");
            index.with_meaning(Meaning::new(encoder, catalogue.all(), Some(&cache)))
        }
        Err(e) => {
            tracing::debug!(error = %e, "intent search by words only: no sentence encoder");
            index
        }
    }
}

/// The index over the built-in catalogue with the encoder of [`models_dir`] when it is
/// there (built once).
pub fn builtin() -> &'static Index<'static> {
    static INDEX: OnceLock<Index<'static>> = OnceLock::new();
    INDEX.get_or_init(|| open(Catalogue::builtin(), &models_dir(), Params::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_gives_back_only_what_was_written_under_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/intent-x.f32");
        let key = [7u8; 32];
        write_cache(&file, &key, &[1.0, -2.5, 3.25]).unwrap();
        assert_eq!(read_cache(&file, &key, 3), Some(vec![1.0, -2.5, 3.25]));
        // Another model or catalogue, a different shape, a damaged file: computed afresh.
        assert_eq!(read_cache(&file, &[8u8; 32], 3), None);
        assert_eq!(read_cache(&file, &key, 4), None);
        std::fs::write(&file, b"PRLYINT1short").unwrap();
        assert_eq!(read_cache(&file, &key, 3), None);
        assert_eq!(read_cache(&dir.path().join("absent"), &key, 3), None);
    }

    #[test]
    fn scores_are_put_in_standard_units() {
        let z: Vec<f32> = standard(&[1.0, 2.0, 3.0]).collect();
        assert!((z[0] + 1.2247).abs() < 1e-3 && z[1].abs() < 1e-6 && (z[2] - 1.2247).abs() < 1e-3);
        assert_eq!(standard(&[5.0, 5.0]).collect::<Vec<_>>(), [0.0, 0.0]);
        assert_eq!(standard(&[]).count(), 0);
    }

    #[test]
    fn words_are_split_and_stemmed() {
        let w = Words::new();
        let stems: Vec<String> = w
            .terms("Who talked most on last week's callIds")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(stems, ["talk", "most", "call", "id"]);
        let typed: Vec<String> = w
            .terms("forget jane@example.com, +1 415 555 0100 and call 7782342274025937895")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(typed, ["forget", "email", "phone", "call", "id"]);
        assert_eq!(
            phones("(425) 555-2671 since 2026-11-01"),
            " phone  since 2026-11-01"
        );
        let id = "call 5267567709724788696 please";
        assert_eq!(phones(id), id);
        assert_eq!(
            without_dates("calls since Monday and last week's demos in March, week by week"),
            "calls and demos week by week"
        );
    }
}
