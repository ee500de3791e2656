//! Analysis throughput: keyword trackers over many calls, and every analysis of one
//! long call.
//!
//! `cargo bench -p parley-analysis --bench analysis`
//!
//! The calls are generated, not recorded: sales-call English from a fixed vocabulary
//! (common words, sales words and their inflections, competitor and product names, a
//! tail of rare words) drawn with a fixed-seed generator, so every run measures the
//! same text. Scan speed is reported as megabytes of sentence text per second on one
//! thread, and as a ratio to a reference measured in the same run on the same text: the
//! aho-corasick crate's own overlapping search (ASCII case-insensitive DFA) for the same
//! exact phrases over each monologue's raw text, with no word boundaries, no
//! normalisation, no filters and no hit bookkeeping: what the library alone costs here.

use std::hint::black_box;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use std::time::{Duration, Instant};

use parley_analysis::trackers::{Keywords, SaidBy, TrackerDef, TrackerSet};
use parley_analysis::{interaction, summary, topics, CallInput, Speaker};
use parley_domain::{Affiliation, Monologue, Sentence, SpeakerId, TrackerId, Transcript, Word};

const CALLS: usize = 10_000;
/// Calls are generated and scanned this many at a time: few enough that they are still
/// in the cache when they are scanned, as a call the worker has just loaded is.
const BATCH: usize = 50;
const TRACKERS: usize = 50;
const PHRASES: usize = 1000;

/// Permuted congruential generator (PCG-XSH-RR): a plain LCG whose high bits are mixed
/// down, so that small ranges are not periodic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        let old = self.0;
        self.0 = old
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.next()) * n as u64) >> 32) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Rank in `0..n`, about Zipf-distributed: the first words of a list come up far
    /// more often than the last, as in speech.
    fn zipf(&mut self, n: usize) -> usize {
        let u = f64::from(self.next()) / f64::from(u32::MAX);
        (((n as f64 + 1.0).powf(u)) as usize)
            .saturating_sub(1)
            .min(n - 1)
    }
}

const FUNCTION_WORDS: &[&str] = &[
    "the",
    "and",
    "to",
    "a",
    "I",
    "you",
    "that",
    "we",
    "it",
    "of",
    "is",
    "so",
    "in",
    "yeah",
    "for",
    "this",
    "like",
    "just",
    "have",
    "be",
    "do",
    "on",
    "what",
    "with",
    "they",
    "are",
    "know",
    "can",
    "think",
    "it's",
    "that's",
    "but",
    "if",
    "not",
    "right",
    "our",
    "your",
    "we're",
    "there",
    "at",
    "was",
    "or",
    "get",
    "would",
    "one",
    "okay",
    "really",
    "all",
    "about",
    "how",
    "don't",
    "then",
    "from",
    "going",
    "more",
    "some",
    "yes",
    "me",
    "my",
    "mean",
    "an",
    "when",
    "kind",
    "out",
    "up",
    "them",
    "see",
    "where",
    "I'm",
    "because",
    "which",
    "also",
    "any",
    "will",
    "could",
    "make",
    "sure",
    "now",
    "those",
    "here",
    "want",
    "need",
    "well",
    "time",
    "thing",
    "things",
    "good",
    "great",
    "maybe",
    "actually",
    "lot",
    "other",
    "you're",
    "way",
    "go",
    "work",
    "say",
    "said",
    "he",
    "she",
    "been",
    "who",
    "us",
    "much",
    "as",
    "no",
    "by",
    "let's",
    "very",
    "team",
    "people",
    "able",
    "into",
    "over",
    "probably",
    "pretty",
    "something",
    "look",
    "looking",
    "point",
    "different",
    "same",
    "first",
    "next",
    "last",
    "year",
    "week",
    "month",
    "day",
    "today",
    "tomorrow",
    "should",
    "might",
    "did",
    "does",
    "had",
    "has",
    "were",
    "than",
    "too",
    "even",
    "back",
    "still",
    "sort",
    "totally",
    "exactly",
    "absolutely",
    "definitely",
    "basically",
];

/// Words a sales call is about, stems of the inflected forms below included.
const SALES_WORDS: &[&str] = &[
    "price",
    "pricing",
    "budget",
    "contract",
    "renewal",
    "discount",
    "integration",
    "onboarding",
    "demo",
    "pilot",
    "stakeholder",
    "procurement",
    "legal",
    "security",
    "compliance",
    "timeline",
    "quarter",
    "license",
    "licenses",
    "seat",
    "seats",
    "user",
    "users",
    "dashboard",
    "report",
    "reports",
    "forecast",
    "pipeline",
    "deal",
    "deals",
    "quota",
    "revenue",
    "churn",
    "retention",
    "customer",
    "customers",
    "prospect",
    "champion",
    "decision",
    "approval",
    "signature",
    "invoice",
    "payment",
    "terms",
    "annual",
    "monthly",
    "subscription",
    "tier",
    "enterprise",
    "plan",
    "feature",
    "features",
    "roadmap",
    "support",
    "implementation",
    "rollout",
    "training",
    "admin",
    "workflow",
    "automation",
    "api",
    "data",
    "export",
    "import",
    "analytics",
    "insights",
    "coaching",
    "calls",
    "meeting",
    "meetings",
    "calendar",
    "email",
    "emails",
    "sequence",
    "cadence",
    "territory",
    "account",
    "accounts",
    "opportunity",
    "opportunities",
    "stage",
    "close",
    "closing",
    "closed",
    "lost",
    "won",
    "competitor",
    "competitors",
    "vendor",
    "vendors",
    "evaluation",
    "proposal",
    "quote",
    "cost",
    "costs",
    "value",
    "roi",
    "savings",
    "headcount",
    "ramp",
    "productivity",
    "visibility",
    "manager",
    "managers",
    "director",
    "vp",
    "cfo",
    "cro",
    "ceo",
    "board",
    "sso",
    "sla",
    "uptime",
    "gdpr",
    "soc",
    "audit",
    "risk",
    "migration",
    "setup",
    "trial",
    "renew",
    "expand",
    "expansion",
    "upsell",
    "usage",
    "adoption",
    "success",
    "problem",
    "problems",
    "challenge",
    "challenges",
    "priority",
    "priorities",
    "goal",
    "goals",
    "metric",
    "metrics",
    "process",
    "processes",
    "tool",
    "tools",
    "platform",
    "system",
    "systems",
    "partner",
    "partners",
    "reseller",
    "region",
    "europe",
    "emea",
    "apac",
    "hiring",
    "growth",
];

/// Roots of inflected words; each takes every suffix below, giving real forms
/// ("connected", "connection") and near-words, as speech recognition writes them.
const ROOTS: &[&str] = &[
    "connect",
    "integrat",
    "automat",
    "configur",
    "deploy",
    "migrat",
    "optimiz",
    "schedul",
    "negotiat",
    "evaluat",
    "approv",
    "renew",
    "expand",
    "measur",
    "manag",
    "report",
    "forecast",
    "track",
    "analyz",
    "record",
    "transcrib",
    "summariz",
    "coach",
    "onboard",
    "train",
    "support",
    "escalat",
    "resolv",
    "invest",
    "budget",
    "purchas",
    "procur",
    "sign",
    "review",
    "discuss",
    "present",
    "demonstrat",
    "compar",
    "switch",
    "replac",
    "consolidat",
    "standardiz",
    "prioritiz",
    "plan",
    "launch",
    "test",
    "pilot",
    "scal",
    "grow",
    "hir",
    "ramp",
    "qualif",
    "prospect",
    "engag",
    "follow",
    "schedul",
    "confirm",
    "cancel",
    "delay",
    "accelerat",
    "simplif",
    "improv",
    "increas",
    "decreas",
    "reduc",
    "sav",
    "spend",
    "charg",
    "bill",
    "pric",
    "discount",
    "pay",
    "contract",
    "licens",
    "subscrib",
    "upgrad",
    "downgrad",
    "export",
    "import",
    "sync",
    "map",
    "custom",
    "personaliz",
    "segment",
    "target",
    "position",
    "differentiat",
    "compet",
    "win",
    "los",
    "clos",
    "book",
    "forecast",
    "commit",
    "pipelin",
    "qualif",
    "nurtur",
    "convert",
    "retain",
    "churn",
    "adopt",
    "us",
    "access",
    "secur",
    "encrypt",
    "audit",
    "certif",
    "comply",
    "regulat",
    "document",
    "process",
    "workflow",
    "rout",
    "assign",
    "notif",
    "alert",
    "monitor",
    "visualiz",
    "dashboard",
    "filter",
    "search",
    "tag",
    "label",
    "categoriz",
    "prior",
    "deliver",
    "ship",
    "releas",
    "build",
    "design",
    "develop",
    "engineer",
    "architect",
    "host",
    "stor",
    "back",
    "restor",
    "recover",
];

const SUFFIXES: &[&str] = &[
    "e", "ed", "es", "ing", "ion", "ions", "ment", "able", "er", "ers", "ive", "ively",
];

/// Competitors, products and companies: the proper names trackers follow.
const NAMES: &[&str] = &[
    "Salesforce",
    "HubSpot",
    "Gong",
    "Chorus",
    "Outreach",
    "Salesloft",
    "Clari",
    "Zoom",
    "Teams",
    "Slack",
    "Zendesk",
    "Marketo",
    "Pardot",
    "Dynamics",
    "Pipedrive",
    "ZoomInfo",
    "Apollo",
    "LinkedIn",
    "Navigator",
    "Seismic",
    "Highspot",
    "Mindtickle",
    "Jiminny",
    "Avoma",
    "Fireflies",
    "Otter",
    "Wingman",
    "Revenue.io",
    "Aircall",
    "RingCentral",
    "Dialpad",
    "Okta",
    "Snowflake",
    "Tableau",
    "Looker",
    "Workday",
    "NetSuite",
    "SAP",
    "Oracle",
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Parley",
    "ParleyIQ",
    "Insights+",
    "Forecast Pro",
    "Deal Desk",
    "Smart Trackers",
];

const COLLOCATIONS: &[&str] = &[
    "next steps",
    "decision maker",
    "sign off",
    "free trial",
    "annual contract",
    "price increase",
    "security review",
    "go live",
    "return on investment",
    "single sign on",
    "proof of concept",
    "per seat",
    "budget approval",
    "legal review",
    "end of quarter",
    "multi year",
    "pricing page",
    "volume discount",
    "net new",
    "close date",
    "success plan",
    "executive sponsor",
    "pain points",
    "use case",
    "use cases",
    "current vendor",
    "switching cost",
    "total cost",
    "data retention",
    "call recording",
    "deal review",
    "pipeline review",
    "win rate",
    "ramp time",
    "rep coaching",
    "talk ratio",
    "follow up",
    "send over",
    "loop in",
    "circle back",
    "touch base",
    "on the same page",
    "at the end of the day",
    "moving forward",
    "let me check",
    "does that make sense",
    "how does that sound",
    "what would it take",
    "out of the box",
    "best in class",
    "master service agreement",
    "order form",
    "purchase order",
    "payment terms",
    "auto renewal",
    "price lock",
    "list price",
];

const OPENERS: &[&str] = &[
    "what",
    "how",
    "do you",
    "can we",
    "is there",
    "are you",
    "would you",
    "could you",
    "when",
    "who",
    "why",
    "does",
    "did you",
    "have you",
    "should we",
    "will",
];

/// Rare words: names and jargon that turn up a few times in all the calls.
fn rare_words(rng: &mut Rng, n: usize) -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st",
        "tr", "pl", "sh", "ch", "gr",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou", "ea"];
    (0..n)
        .map(|_| {
            let mut w = String::new();
            for _ in 0..rng.range(2, 4) {
                w.push_str(rng.pick(ONSETS));
                w.push_str(rng.pick(VOWELS));
            }
            if rng.chance(40) {
                w.push_str(rng.pick(&["n", "r", "s", "x", "ly", "ing", "ed"]));
            }
            w
        })
        .collect()
}

struct Vocabulary {
    /// Most frequent first.
    words: Vec<String>,
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Vocabulary {
        let mut words: Vec<String> = FUNCTION_WORDS.iter().map(|w| w.to_string()).collect();
        let mut content: Vec<String> = ROOTS
            .iter()
            .flat_map(|r| SUFFIXES.iter().map(move |s| format!("{r}{s}")))
            .collect();
        content.extend(SALES_WORDS.iter().map(|w| w.to_string()));
        // Shuffle, so that sales words and inflections share the middle ranks and no
        // root owns the frequent ones.
        for i in (1..content.len()).rev() {
            let j = rng.below(i + 1);
            content.swap(i, j);
        }
        words.extend(content);
        words.extend(NAMES.iter().map(|w| w.to_string()));
        words.extend(rare_words(rng, 1000));
        // Position is frequency rank, so keep the first of any repeat.
        let mut seen = std::collections::HashSet::new();
        words.retain(|w| seen.insert(w.to_lowercase()));
        Vocabulary { words }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        // Names are proper nouns: give them a floor of frequency so calls mention
        // competitors.
        if rng.below(200) == 0 {
            return rng.pick(NAMES);
        }
        &self.words[rng.zipf(self.words.len())]
    }
}

/// Writes a sentence of sales talk to `out`; about one in seven is a question.
fn sentence(rng: &mut Rng, vocab: &Vocabulary, out: &mut String) {
    out.clear();
    let question = rng.chance(15);
    let target = rng.range(3, 22);
    let mut n = 0;
    if question {
        out.push_str(rng.pick(OPENERS));
        n += 1;
    }
    while n < target {
        if !out.is_empty() {
            out.push(' ');
        }
        if rng.below(200) == 0 {
            let c = rng.pick(COLLOCATIONS);
            out.push_str(c);
            n += c.split(' ').count();
        } else {
            out.push_str(vocab.word(rng));
            n += 1;
        }
        if n < target && rng.chance(7) {
            out.push(',');
        }
    }
    // Capitalised like a transcript.
    if let Some(first) = out.chars().next() {
        let upper: String = first.to_uppercase().collect();
        out.replace_range(..first.len_utf8(), &upper);
    }
    out.push_str(if question {
        "?"
    } else if rng.chance(5) {
        "!"
    } else if rng.chance(5) {
        ""
    } else {
        "."
    });
}

const REP: SpeakerId = SpeakerId(1);
const BUYER: SpeakerId = SpeakerId(2);
const OTHER: SpeakerId = SpeakerId(3);

fn speakers() -> Vec<Speaker> {
    [
        (REP, Affiliation::Internal),
        (BUYER, Affiliation::External),
        (OTHER, Affiliation::Unknown),
    ]
    .into_iter()
    .map(|(speaker_id, affiliation)| Speaker {
        speaker_id,
        party_id: None,
        user_id: None,
        affiliation,
    })
    .collect()
}

/// A call of about `words` words. Recognised calls carry word timings, imported ones
/// do not.
fn transcript(rng: &mut Rng, vocab: &Vocabulary, words: usize, timed: bool) -> Transcript {
    let mut t: Transcript = Vec::new();
    let mut ms: i64 = rng.range(0, 5000) as i64;
    let mut said = 0;
    let mut speaker = REP;
    let mut text = String::new();
    while said < words {
        let sentences = if rng.chance(10) {
            rng.range(6, 20)
        } else {
            rng.range(1, 5)
        };
        let mut m = Monologue {
            speaker_id: speaker,
            topic: None,
            sentences: Vec::with_capacity(sentences),
        };
        for _ in 0..sentences {
            sentence(rng, vocab, &mut text);
            let start = ms;
            let mut word_list = Vec::new();
            for token in text.split(' ') {
                // About 150 words a minute with the pauses.
                let dur = rng.range(160, 560) as i64;
                if timed {
                    word_list.push(Word {
                        start_ms: ms,
                        end_ms: ms + dur,
                        text: token.to_owned(),
                    });
                }
                ms += dur;
                said += 1;
            }
            m.sentences.push(Sentence {
                start_ms: start,
                end_ms: ms,
                text: text.clone(),
                words: word_list,
            });
            ms += rng.range(100, 600) as i64;
        }
        t.push(m);
        ms += rng.range(200, 1500) as i64;
        speaker = match speaker {
            REP if rng.chance(8) => OTHER,
            REP => BUYER,
            _ => REP,
        };
    }
    t
}

/// The phrases a workspace tracks: competitor names, sales words, set phrases and a
/// few random word pairs and triples (which are mostly never said).
fn trackers(rng: &mut Rng, vocab: &Vocabulary, related_every: Option<usize>) -> Vec<TrackerDef> {
    let mut phrases: Vec<String> = Vec::with_capacity(PHRASES);
    let mut seen = std::collections::HashSet::new();
    while phrases.len() < PHRASES {
        let p = match rng.below(100) {
            0..=4 => rng.pick(NAMES).to_string(),
            5..=14 => rng.pick(SALES_WORDS).to_string(),
            15..=24 => rng.pick(COLLOCATIONS).to_string(),
            25..=64 => {
                // Rarer vocabulary, some capitalised as people type them.
                let w = &vocab.words[rng.range(vocab.words.len() / 2, vocab.words.len() - 1)];
                if rng.chance(20) {
                    w.to_uppercase()
                } else {
                    w.clone()
                }
            }
            _ => {
                let n = rng.range(2, 3);
                (0..n)
                    .map(|_| {
                        vocab.words[rng.range(FUNCTION_WORDS.len(), vocab.words.len() - 1)].clone()
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        // Workspaces track a phrase in more than one tracker now and then, not often.
        if seen.insert(p.to_lowercase()) || rng.chance(3) {
            phrases.push(p);
        }
    }
    let per = PHRASES / TRACKERS;
    phrases
        .chunks(per)
        .enumerate()
        .map(|(i, chunk)| {
            let related = related_every.is_some_and(|k| i % k == 0);
            // Most trackers list English phrases; some apply to every language.
            let language = if i % 7 == 3 { "mul" } else { "eng" };
            TrackerDef {
                id: TrackerId(1_000_000_000_000_000_000 + i as i64),
                name: format!("Tracker {i}"),
                keywords: vec![Keywords {
                    language: language.into(),
                    phrases: chunk.to_vec(),
                    include_related_forms: related,
                }],
                said_by: match i % 10 {
                    4 => SaidBy::Company,
                    8 => SaidBy::NonCompany,
                    _ => SaidBy::Anyone,
                },
                part_of_question: i % 17 == 5,
                said_in_topics: Vec::new(),
                said_at: Default::default(),
            }
        })
        .collect()
}

fn text_bytes(t: &Transcript) -> usize {
    t.iter()
        .flat_map(|m| &m.sentences)
        .map(|s| s.text.len())
        .sum()
}

/// The fastest of `runs` runs of `f`.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Scenario {
    name: &'static str,
    set: TrackerSet,
    compile: Duration,
    elapsed: Duration,
    hits: u64,
}

fn main() {
    let mut rng = Rng(0x005e_ed0f_ca11);
    let vocab = Vocabulary::new(&mut rng);
    let speakers = speakers();

    let mut scenarios: Vec<Scenario> = [
        ("(a) exact only", None),
        ("(b) related forms, 1 tracker in 3", Some(3)),
        ("(c) related forms, every tracker", Some(1)),
    ]
    .into_iter()
    .map(|(name, related)| {
        // The same phrases in every scenario: only include_related_forms differs.
        let defs = trackers(&mut Rng(42), &vocab, related);
        let compile = best_of(5, || {
            black_box(TrackerSet::compile(&defs).expect("generated trackers are valid"));
        });
        Scenario {
            name,
            set: TrackerSet::compile(&defs).expect("generated trackers are valid"),
            compile,
            elapsed: Duration::ZERO,
            hits: 0,
        }
    })
    .collect();

    // The reference: the same exact phrases, searched by the library alone.
    let reference_phrases: Vec<String> = trackers(&mut Rng(42), &vocab, None)
        .iter()
        .flat_map(|d| d.keywords.iter().flat_map(|k| k.phrases.clone()))
        .collect();
    let reference = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&reference_phrases)
        .expect("reference automaton builds");
    let mut reference_elapsed = Duration::ZERO;
    let mut reference_hits = 0u64;
    let mut monologue_text = String::new();

    let mut bytes = 0usize;
    let mut words = 0usize;
    let mut monologues = 0usize;
    let mut generated = 0;
    while generated < CALLS {
        let batch: Vec<Transcript> = (0..BATCH.min(CALLS - generated))
            .map(|_| {
                // From a two-minute check-in to a 20-minute discovery call.
                let n = rng.range(300, 3000);
                let timed = rng.chance(40);
                transcript(&mut rng, &vocab, n, timed)
            })
            .collect();
        generated += batch.len();
        for t in &batch {
            bytes += text_bytes(t);
            monologues += t.len();
            words += t
                .iter()
                .flat_map(|m| &m.sentences)
                .map(|s| s.text.split(' ').count())
                .sum::<usize>();
        }
        let mut fastest = Duration::MAX;
        for pass in 0..3 {
            let start = Instant::now();
            let mut hits = 0u64;
            for t in &batch {
                for m in t {
                    monologue_text.clear();
                    for sentence in &m.sentences {
                        monologue_text.push_str(&sentence.text);
                        monologue_text.push(' ');
                    }
                    hits +=
                        black_box(reference.find_overlapping_iter(&monologue_text).count()) as u64;
                }
            }
            fastest = fastest.min(start.elapsed());
            if pass == 0 {
                reference_hits += hits;
            }
        }
        reference_elapsed += fastest;
        for s in &mut scenarios {
            // The fastest of three passes over the batch: the machine may be shared, and
            // a pass that another process interrupted measures that process.
            let mut fastest = Duration::MAX;
            for pass in 0..3 {
                let start = Instant::now();
                let mut hits = 0;
                for t in &batch {
                    let call = CallInput {
                        transcript: t,
                        speakers: &speakers,
                        host: None,
                        language: Some("eng"),
                        duration_ms: None,
                    };
                    let found = black_box(s.set.scan(&call, &[]));
                    hits += found.iter().map(|h| u64::from(h.count)).sum::<u64>();
                }
                fastest = fastest.min(start.elapsed());
                if pass == 0 {
                    s.hits += hits;
                }
            }
            s.elapsed += fastest;
        }
    }

    let mb = bytes as f64 / 1e6;
    println!(
        "tracker scan: {CALLS} calls (4 in 10 with word timings), {mb:.1} MB of text, {words} words \
         from a vocabulary of {}, {monologues} monologues; {PHRASES} phrases in {TRACKERS} \
         trackers; one thread, fastest of 3 passes per batch of {BATCH} calls",
        vocab.words.len()
    );
    println!();
    println!(
        "| {:<36} | {:>8} | {:>10} | {:>7} | {:>6} | {:>11} | {:>9} | {:>14} |",
        "trackers",
        "patterns",
        "compile ms",
        "scan s",
        "MB/s",
        "x reference",
        "hits",
        "hits/1k words"
    );
    println!(
        "|{:-<38}|{:->10}|{:->12}|{:->9}|{:->8}|{:->13}|{:->11}|{:->16}|",
        "", "", "", "", "", "", "", ""
    );
    let reference_mbs = mb / reference_elapsed.as_secs_f64();
    println!(
        "| {:<36} | {:>8} | {:>10} | {:>7.3} | {:>6.0} | {:>11.2} | {:>9} | {:>14.1} |",
        "reference: aho-corasick alone, raw",
        reference.patterns_len(),
        "-",
        reference_elapsed.as_secs_f64(),
        reference_mbs,
        1.0,
        reference_hits,
        reference_hits as f64 * 1000.0 / words as f64
    );
    for s in &scenarios {
        let mbs = mb / s.elapsed.as_secs_f64();
        println!(
            "| {:<36} | {:>8} | {:>10.2} | {:>7.3} | {:>6.0} | {:>11.2} | {:>9} | {:>14.1} |",
            s.name,
            s.set.pattern_count(),
            ms(s.compile),
            s.elapsed.as_secs_f64(),
            mbs,
            mbs / reference_mbs,
            s.hits,
            s.hits as f64 * 1000.0 / words as f64
        );
    }

    // One long call through every analysis, as the worker runs it.
    let mut rng = Rng(0x60_0000);
    let mut call_transcript = transcript(&mut rng, &vocab, 9_000, true);
    // Two voices: fold the occasional third speaker into the buyer.
    for m in &mut call_transcript {
        if m.speaker_id == OTHER {
            m.speaker_id = BUYER;
        }
    }
    let end_ms = call_transcript
        .iter()
        .flat_map(|m| &m.sentences)
        .map(|s| s.end_ms)
        .max()
        .unwrap_or(0);
    let call = CallInput {
        transcript: &call_transcript,
        speakers: &speakers,
        host: None,
        language: Some("eng"),
        duration_ms: None,
    };
    let topic_defs = topics::default_topics();
    let segmented = topics::segment(&call, &topic_defs);
    let runs = 20;
    let rows: Vec<(&str, Duration)> = vec![
        (
            "interaction::compute",
            best_of(runs, || {
                black_box(interaction::compute(&call));
            }),
        ),
        (
            "topics::segment",
            best_of(runs, || {
                black_box(topics::segment(&call, &topic_defs));
            }),
        ),
        (
            "summary::extractive",
            best_of(runs, || {
                black_box(summary::extractive(&call, &segmented));
            }),
        ),
        (
            "trackers (a) exact only",
            best_of(runs, || {
                black_box(scenarios[0].set.scan(&call, &segmented.per_monologue));
            }),
        ),
        (
            "trackers (b) related forms",
            best_of(runs, || {
                black_box(scenarios[1].set.scan(&call, &segmented.per_monologue));
            }),
        ),
    ];
    println!();
    println!(
        "full analysis of a 60-minute call: {:.0} minutes, {} monologues, {:.0} kB of text, \
         2 speakers, word timings; best of {runs}",
        end_ms as f64 / 60_000.0,
        call_transcript.len(),
        text_bytes(&call_transcript) as f64 / 1e3,
    );
    println!();
    println!("| {:<28} | {:>10} |", "step", "ms");
    println!("|{:-<30}|{:->12}|", "", "");
    let mut total = Duration::ZERO;
    for (name, d) in &rows[..4] {
        total += *d;
        println!("| {:<28} | {:>10.3} |", name, ms(*d));
    }
    println!("| {:<28} | {:>10.3} |", rows[4].0, ms(rows[4].1));
    println!("| {:<28} | {:>10.3} |", "total (with (a))", ms(total));
}
