//! How the calls search reads a transcript phrase: its words, and whether a sentence says
//! them. Both stores index a call's transcript by words (SQLite FTS5, PostgreSQL
//! `tsvector`); these rules decide what the user's text means before either sees it, so
//! both backends, and the sentence the calls list quotes, agree on one meaning.

/// Words of a phrase at most: the rest of a long text is ignored (a phrase of 32 words
/// already names one moment).
pub const MAX_PHRASE_WORDS: usize = 32;

/// The words of `text`, lowercased: runs of letters and digits (any script); everything
/// else separates words. "Pricing, page!" is `["pricing", "page"]`.
pub fn phrase_words(text: &str) -> Vec<String> {
    split_words(text).take(MAX_PHRASE_WORDS).collect()
}

fn split_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Whether `sentence` says `words` in that order, one after another, the last one as the
/// start of a word ("pric" ends "we talked pricing"). No words: false.
pub fn says_phrase(sentence: &str, words: &[String]) -> bool {
    let Some((last, rest)) = words.split_last() else {
        return false;
    };
    // Every word of the sentence: a sentence is already bounded by its transcript.
    let said: Vec<String> = split_words(sentence).collect();
    said.windows(words.len())
        .any(|w| w[..rest.len()] == *rest && w[rest.len()].starts_with(last.as_str()))
}

/// The longest of `words`: the one a store narrows sentences by before [`says_phrase`]
/// decides (the rarest, most likely).
pub fn longest_word(words: &[String]) -> Option<&str> {
    words
        .iter()
        .max_by_key(|w| w.chars().count())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_lowercased() {
        assert_eq!(phrase_words("Pricing, page!"), w(&["pricing", "page"]));
        assert_eq!(phrase_words("  "), Vec::<String>::new());
        assert_eq!(phrase_words("%_\"*"), Vec::<String>::new());
        assert_eq!(phrase_words("Größe 2026"), w(&["größe", "2026"]));
        assert_eq!(phrase_words("jane@acme.com"), w(&["jane", "acme", "com"]));
        let long = "a ".repeat(100);
        assert_eq!(phrase_words(&long).len(), MAX_PHRASE_WORDS);
    }

    #[test]
    fn a_sentence_says_the_words_in_order_the_last_as_a_prefix() {
        let p = phrase_words("pricing pag");
        assert!(says_phrase("Let's open the Pricing page now.", &p));
        assert!(!says_phrase("The page about pricing.", &p), "order counts");
        assert!(!says_phrase("pricing, then the page", &p), "adjacent only");
        assert!(
            !says_phrase("repricing page", &p),
            "whole words but the last"
        );
        assert!(says_phrase("PRICING PAGES", &p));
        assert!(!says_phrase("anything", &[]));
        assert!(!says_phrase("", &p));
    }

    #[test]
    fn the_longest_word_narrows() {
        assert_eq!(longest_word(&w(&["a", "pricing", "page"])), Some("pricing"));
        assert_eq!(longest_word(&[]), None);
    }
}
