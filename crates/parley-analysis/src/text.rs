//! Words, normalisation, stemming and questions: the text rules every analysis shares.
//!
//! A *word* is a maximal run of alphanumeric characters; an apostrophe between two
//! letters stays inside the word and is dropped on normalisation ("don't" → "dont"),
//! every other character separates words. Normalised words are lower case.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// Byte spans `(start, end)` of the words of `text`.
pub fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe = (c == '\'' || c == '\u{2019}')
            && start.is_some()
            && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, i));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Appends the normalised form of one word: lower case, apostrophes dropped.
pub fn push_normalised(word: &str, out: &mut String) {
    if word.is_ascii() {
        out.extend(
            word.bytes()
                .filter(|b| *b != b'\'')
                .map(|b| b.to_ascii_lowercase() as char),
        );
    } else {
        for c in word.chars().filter(|c| *c != '\'' && *c != '\u{2019}') {
            out.extend(c.to_lowercase());
        }
    }
}

/// The normalised words of `text`, each on its own.
pub fn normalised_words(text: &str) -> Vec<String> {
    word_spans(text)
        .into_iter()
        .map(|(s, e)| {
            let mut w = String::with_capacity(e - s);
            push_normalised(&text[s..e], &mut w);
            w
        })
        .collect()
}

/// The Snowball algorithm for an ISO 639-2/B (or 639-1) language code; `None` when the
/// language has no stemmer (its words are then matched as written).
pub fn stemmer_algorithm(language: &str) -> Option<Algorithm> {
    Some(match language.to_ascii_lowercase().as_str() {
        "eng" | "en" | "mul" => Algorithm::English,
        "ara" | "ar" => Algorithm::Arabic,
        "dan" | "da" => Algorithm::Danish,
        "dut" | "nld" | "nl" => Algorithm::Dutch,
        "fin" | "fi" => Algorithm::Finnish,
        "fre" | "fra" | "fr" => Algorithm::French,
        "ger" | "deu" | "de" => Algorithm::German,
        "gre" | "ell" | "el" => Algorithm::Greek,
        "hun" | "hu" => Algorithm::Hungarian,
        "ita" | "it" => Algorithm::Italian,
        "nor" | "nob" | "no" | "nb" => Algorithm::Norwegian,
        "por" | "pt" => Algorithm::Portuguese,
        "rum" | "ron" | "ro" => Algorithm::Romanian,
        "rus" | "ru" => Algorithm::Russian,
        "spa" | "es" => Algorithm::Spanish,
        "swe" | "sv" => Algorithm::Swedish,
        "tam" | "ta" => Algorithm::Tamil,
        "tur" | "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// A stemmer that remembers the stems it computed: a call repeats a small vocabulary,
/// so after the first few hundred words stemming is one hash lookup.
pub struct CachedStemmer {
    stemmer: Stemmer,
    cache: HashMap<String, String>,
}

impl CachedStemmer {
    pub fn new(algorithm: Algorithm) -> Self {
        CachedStemmer {
            stemmer: Stemmer::create(algorithm),
            cache: HashMap::new(),
        }
    }

    /// The stem of a normalised word.
    pub fn stem(&mut self, word: &str) -> &str {
        if !self.cache.contains_key(word) {
            let stem = self.stemmer.stem(word).into_owned();
            self.cache.insert(word.to_owned(), stem);
        }
        &self.cache[word]
    }
}

/// Whether a sentence is a question: it ends in `?` (ignoring closing quotes and
/// brackets), or it has no end punctuation at all and its first word is an English
/// question opener ("what", "how", "do", "can", ...).
pub fn is_question(sentence: &str) -> bool {
    let trimmed = sentence.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | ')' | ']' | '\u{201d}' | '\u{2019}')
    });
    match trimmed.chars().last() {
        Some('?' | '\u{ff1f}' | '\u{061f}') => true,
        Some('.' | '!' | '\u{2026}' | '\u{3002}' | ';' | ':') | None => false,
        Some(_) => {
            let first = word_spans(trimmed).first().map(|&(s, e)| {
                let mut w = String::new();
                push_normalised(&trimmed[s..e], &mut w);
                w
            });
            let openers = &crate::lexicon::Lexicon::english().question_openers;
            first.is_some_and(|w| openers.contains(&w))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_apostrophes_and_split_on_the_rest() {
        assert_eq!(
            normalised_words("Don't  use SALESFORCE's API—ok? e-mail 3.5"),
            [
                "dont",
                "use",
                "salesforces",
                "api",
                "ok",
                "e",
                "mail",
                "3",
                "5"
            ]
        );
        assert_eq!(normalised_words("'quoted' Straße"), ["quoted", "straße"]);
    }

    #[test]
    fn questions() {
        for (text, want) in [
            ("How much does it cost?", true),
            ("It costs ten dollars.", false),
            ("Is that in the budget", true),
            ("that is in the budget", false),
            ("\"Really?\" ", true),
            ("", false),
            ("What a day!", false),
        ] {
            assert_eq!(is_question(text), want, "{text:?}");
        }
    }

    #[test]
    fn stems_word_forms_together() {
        let mut s = CachedStemmer::new(stemmer_algorithm("eng").unwrap());
        assert_eq!(s.stem("pricing"), "price");
        assert_eq!(s.stem("prices"), "price");
        let companies = s.stem("companies").to_owned();
        assert_eq!(companies, s.stem("company"));
        assert!(stemmer_algorithm("jpn").is_none());
    }
}
