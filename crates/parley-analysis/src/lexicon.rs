//! The words the analysis rules look for, per language, as data.
//!
//! Each language is a folder under `data/` (`data/en/`) with two TOML files, embedded in
//! the binary: `lexicon.toml`, the word lists of the rules (a key per list, see
//! [`Lexicon`]), and `topics.toml`, the default topics of a workspace. TOML rather than
//! one plain-text file per list: one file holds a language's twenty-odd lists with a
//! comment on what each is for, quoted strings keep phrases and apostrophes
//! unambiguous, and the parser is already a workspace dependency. Adding a language is
//! adding its folder and a line to `LANGUAGES`.
//!
//! The files are parsed once, on first use. A broken file would fail there, so the unit
//! tests below parse every embedded file and check every list: a file that does not
//! parse, or has an empty, unnormalised or duplicated entry, fails `cargo test`, not a
//! server.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::topics::TopicDef;

/// The word lists of one language. Entries are lower case and trimmed; several words
/// make a phrase, matched as consecutive words. Lists marked *normalised* are matched
/// against normalised words (apostrophes dropped, see [`crate::text`]); the others
/// against lower-case words with their apostrophes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Words that open a question without end punctuation. Normalised.
    pub question_openers: Vec<String>,
    /// Words with no content, for the summary's sentence vectors. Normalised.
    pub stopwords: Vec<String>,
    /// Filler and politeness words, no content either. Normalised.
    pub fillers: Vec<String>,
    /// Subjects that carry their modal ("i'll").
    pub subjects_with_modal: Vec<String>,
    pub subjects: Vec<String>,
    pub modals: Vec<String>,
    /// Words allowed between a subject or modal and its verb.
    pub bridges: Vec<String>,
    /// Modals that open a request ("can you").
    pub inverted_modals: Vec<String>,
    pub negations: Vec<String>,
    /// Words skipped before an opening verb.
    pub openers: Vec<String>,
    /// Action verbs and phrases of a follow-up, by strength.
    pub actions: Actions,
    /// Phrases that mark a next step. Normalised.
    pub strong_markers: Vec<String>,
    /// Follow-up phrases. Normalised.
    pub markers: Vec<String>,
    /// Things sent or held after a call. Normalised.
    pub deliverables: Vec<String>,
    pub weekdays: Vec<String>,
    /// Month names that are no other word.
    pub months: Vec<String>,
    /// Counts in "in two weeks".
    pub number_words: Vec<String>,
    /// Words that name a meeting. Normalised.
    pub meeting_words: Vec<String>,
    /// A customer turning the offer down. Normalised.
    pub rejections: Vec<String>,
    /// What a voicemail greeting says. Normalised.
    pub voicemail_greetings: Vec<String>,
    /// What a message left on a voicemail says. Normalised.
    pub call_backs: Vec<String>,
    /// Words of a pain point, matched on stems like topic keywords.
    pub pain_words: Vec<String>,
}

/// Action verbs of a follow-up: a strong one ("send", "schedule") makes a firmer next
/// step than a weak one ("call", "discuss").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    pub strong: Vec<String>,
    pub weak: Vec<String>,
}

impl Actions {
    /// Every action phrase with its strength (the scores of the summary's module doc).
    pub fn weighted(&self) -> impl Iterator<Item = (&str, f64)> {
        let strong = self.strong.iter().map(|a| (a.as_str(), 2.0));
        strong.chain(self.weak.iter().map(|a| (a.as_str(), 1.0)))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    topic: Vec<TopicFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicFile {
    name: String,
    keywords: Vec<String>,
}

/// An embedded language: the ISO 639 codes it answers to (639-2/B first), its word
/// lists and its default topics, as TOML.
struct Language {
    codes: &'static [&'static str],
    lexicon: &'static str,
    topics: &'static str,
}

/// The embedded languages; the first is the fallback for every other language, as the
/// rules were written for it.
const LANGUAGES: &[Language] = &[Language {
    codes: &["eng", "en"],
    lexicon: include_str!("../data/en/lexicon.toml"),
    topics: include_str!("../data/en/topics.toml"),
}];

struct Parsed {
    lexicon: Lexicon,
    topics: Vec<TopicDef>,
}

fn parse(language: &Language) -> Result<Parsed, toml::de::Error> {
    let topics: TopicsFile = toml::from_str(language.topics)?;
    Ok(Parsed {
        lexicon: toml::from_str(language.lexicon)?,
        topics: topics
            .topic
            .into_iter()
            .map(|t| TopicDef {
                name: t.name,
                keywords: t.keywords,
            })
            .collect(),
    })
}

static PARSED: LazyLock<Vec<Parsed>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        // The files are part of the binary and the tests below parse each of them.
        .map(|l| parse(l).expect("embedded lexicons parse (see the unit tests)"))
        .collect()
});

fn parsed(language: Option<&str>) -> &'static Parsed {
    let language = language.map(|l| l.trim().to_ascii_lowercase());
    let index = language
        .and_then(|l| LANGUAGES.iter().position(|e| e.codes.contains(&l.as_str())))
        .unwrap_or(0);
    &PARSED[index]
}

impl Lexicon {
    /// The word lists of a language (an ISO 639-2/B or 639-1 code), English for a
    /// language without lists of its own.
    pub fn of(language: Option<&str>) -> &'static Lexicon {
        &parsed(language).lexicon
    }

    /// The English word lists.
    pub fn english() -> &'static Lexicon {
        Lexicon::of(None)
    }
}

/// The default topics of a language (English for a language without its own), in
/// their order of precedence.
pub fn default_topics_of(language: Option<&str>) -> &'static [TopicDef] {
    &parsed(language).topics
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Checks one list: not empty, every entry lower case, trimmed, words separated by one
    /// space, no duplicates; `normalised` lists without apostrophes.
    fn check(what: &str, list: &[String], normalised: bool) {
        assert!(!list.is_empty(), "{what} is empty");
        let mut seen = HashSet::new();
        for entry in list {
            assert!(!entry.is_empty(), "{what} has an empty entry");
            assert_eq!(
                entry,
                &entry.to_lowercase(),
                "{what}: {entry:?} is not lower case"
            );
            assert_eq!(
                entry,
                &entry.split_whitespace().collect::<Vec<_>>().join(" "),
                "{what}: {entry:?} has stray spaces"
            );
            if normalised {
                assert!(
                    !entry.contains(['\'', '\u{2019}']),
                    "{what}: {entry:?} is matched against normalised words, which have no apostrophes"
                );
            }
            assert!(seen.insert(entry), "{what}: {entry:?} is listed twice");
        }
    }

    #[test]
    fn every_embedded_lexicon_parses_and_is_normalised() {
        for language in LANGUAGES {
            let parsed = parse(language).unwrap_or_else(|e| panic!("{:?}: {e}", language.codes));
            let l = &parsed.lexicon;
            let lists: [(&str, &[String], bool); 23] = [
                ("question_openers", &l.question_openers, true),
                ("stopwords", &l.stopwords, true),
                ("fillers", &l.fillers, true),
                ("subjects_with_modal", &l.subjects_with_modal, false),
                ("subjects", &l.subjects, false),
                ("modals", &l.modals, false),
                ("bridges", &l.bridges, false),
                ("inverted_modals", &l.inverted_modals, false),
                ("negations", &l.negations, false),
                ("openers", &l.openers, false),
                ("actions.strong", &l.actions.strong, false),
                ("actions.weak", &l.actions.weak, false),
                ("strong_markers", &l.strong_markers, true),
                ("markers", &l.markers, true),
                ("deliverables", &l.deliverables, true),
                ("weekdays", &l.weekdays, false),
                ("months", &l.months, false),
                ("number_words", &l.number_words, false),
                ("meeting_words", &l.meeting_words, true),
                ("rejections", &l.rejections, true),
                ("voicemail_greetings", &l.voicemail_greetings, true),
                ("call_backs", &l.call_backs, true),
                ("pain_words", &l.pain_words, false),
            ];
            for (name, list, normalised) in lists {
                check(&format!("{:?} {name}", language.codes), list, normalised);
            }
            let both: Vec<String> = l.actions.weighted().map(|(a, _)| a.to_owned()).collect();
            check(&format!("{:?} actions", language.codes), &both, false);

            assert!(
                !parsed.topics.is_empty(),
                "{:?} has no topics",
                language.codes
            );
            let mut names = HashSet::new();
            for topic in &parsed.topics {
                assert!(!topic.name.trim().is_empty() && topic.name.trim() == topic.name);
                assert!(names.insert(&topic.name), "topic {} twice", topic.name);
                check(
                    &format!("{:?} topic {}", language.codes, topic.name),
                    &topic.keywords,
                    false,
                );
            }
        }
    }

    #[test]
    fn unknown_languages_fall_back_to_english() {
        let english = Lexicon::english();
        assert!(std::ptr::eq(Lexicon::of(Some("eng")), english));
        assert!(std::ptr::eq(Lexicon::of(Some(" EN ")), english));
        assert!(std::ptr::eq(Lexicon::of(Some("xyz")), english));
        assert!(english.stopwords.iter().any(|w| w == "the"));
        assert_eq!(default_topics_of(Some("fre")), default_topics_of(None));
    }
}
