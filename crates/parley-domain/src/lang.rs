//! Whisper names languages by ISO 639-1 code (a few by 639-2/3: `haw`, `yue`); Gong reports
//! a call's language as ISO 639-2/B (`eng`, `ger`, `fre`).

/// Whisper's language codes with their ISO 639-2/B equivalents.
const TABLE: &[(&str, &str)] = &[
    ("af", "afr"),
    ("am", "amh"),
    ("ar", "ara"),
    ("as", "asm"),
    ("az", "aze"),
    ("ba", "bak"),
    ("be", "bel"),
    ("bg", "bul"),
    ("bn", "ben"),
    ("bo", "tib"),
    ("br", "bre"),
    ("bs", "bos"),
    ("ca", "cat"),
    ("cs", "cze"),
    ("cy", "wel"),
    ("da", "dan"),
    ("de", "ger"),
    ("el", "gre"),
    ("en", "eng"),
    ("es", "spa"),
    ("et", "est"),
    ("eu", "baq"),
    ("fa", "per"),
    ("fi", "fin"),
    ("fo", "fao"),
    ("fr", "fre"),
    ("gl", "glg"),
    ("gu", "guj"),
    ("ha", "hau"),
    ("haw", "haw"),
    ("he", "heb"),
    ("hi", "hin"),
    ("hr", "hrv"),
    ("ht", "hat"),
    ("hu", "hun"),
    ("hy", "arm"),
    ("id", "ind"),
    ("is", "ice"),
    ("it", "ita"),
    ("ja", "jpn"),
    ("jw", "jav"),
    ("ka", "geo"),
    ("kk", "kaz"),
    ("km", "khm"),
    ("kn", "kan"),
    ("ko", "kor"),
    ("la", "lat"),
    ("lb", "ltz"),
    ("ln", "lin"),
    ("lo", "lao"),
    ("lt", "lit"),
    ("lv", "lav"),
    ("mg", "mlg"),
    ("mi", "mao"),
    ("mk", "mac"),
    ("ml", "mal"),
    ("mn", "mon"),
    ("mr", "mar"),
    ("ms", "may"),
    ("mt", "mlt"),
    ("my", "bur"),
    ("ne", "nep"),
    ("nl", "dut"),
    ("nn", "nno"),
    ("no", "nor"),
    ("oc", "oci"),
    ("pa", "pan"),
    ("pl", "pol"),
    ("ps", "pus"),
    ("pt", "por"),
    ("ro", "rum"),
    ("ru", "rus"),
    ("sa", "san"),
    ("sd", "snd"),
    ("si", "sin"),
    ("sk", "slo"),
    ("sl", "slv"),
    ("sn", "sna"),
    ("so", "som"),
    ("sq", "alb"),
    ("sr", "srp"),
    ("su", "sun"),
    ("sv", "swe"),
    ("sw", "swa"),
    ("ta", "tam"),
    ("te", "tel"),
    ("tg", "tgk"),
    ("th", "tha"),
    ("tk", "tuk"),
    ("tl", "tgl"),
    ("tr", "tur"),
    ("tt", "tat"),
    ("uk", "ukr"),
    ("ur", "urd"),
    ("uz", "uzb"),
    ("vi", "vie"),
    ("yi", "yid"),
    ("yo", "yor"),
    ("yue", "chi"),
    ("zh", "chi"),
];

/// ISO 639-2/B code of a Whisper language code (`en` → `eng`); `und` when unknown.
pub fn iso639_2b(whisper_code: &str) -> &'static str {
    TABLE
        .iter()
        .find(|(w, _)| *w == whisper_code)
        .map_or("und", |(_, b)| b)
}

/// The Whisper language code for a user-given ISO 639-1 or 639-2 (B or T) code.
pub fn whisper_code(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_lowercase();
    // 639-2/T codes that differ from /B for the languages above.
    let t_to_b = [
        ("deu", "ger"),
        ("fra", "fre"),
        ("zho", "chi"),
        ("nld", "dut"),
        ("ces", "cze"),
        ("ell", "gre"),
        ("fas", "per"),
        ("hye", "arm"),
        ("isl", "ice"),
        ("kat", "geo"),
        ("mkd", "mac"),
        ("mri", "mao"),
        ("msa", "may"),
        ("mya", "bur"),
        ("ron", "rum"),
        ("slk", "slo"),
        ("sqi", "alb"),
        ("bod", "tib"),
        ("cym", "wel"),
        ("eus", "baq"),
    ];
    let code = t_to_b
        .iter()
        .find(|(t, _)| *t == code)
        .map_or(code.as_str(), |(_, b)| b);
    TABLE
        .iter()
        .find(|(w, b)| *w == code || *b == code)
        .map(|(w, _)| *w)
}

/// The Whisper language code of a BCP-47 tag's language (`en-US` → `en`, `deu-CH` →
/// `de`); `None` when the language is not one of the table's.
pub fn bcp47_whisper_code(tag: &str) -> Option<&'static str> {
    whisper_code(tag.trim().split(['-', '_']).next()?)
}

/// The ISO 639-2/B code of a BCP-47 tag's language (`en-US` → `eng`, `de` → `ger`);
/// `None` when the language is not one of the table's.
pub fn bcp47_to_2b(tag: &str) -> Option<&'static str> {
    let b = iso639_2b(bcp47_whisper_code(tag)?);
    (b != "und").then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_convert_both_ways() {
        assert_eq!(iso639_2b("en"), "eng");
        assert_eq!(iso639_2b("de"), "ger");
        assert_eq!(iso639_2b("xx"), "und");
        assert_eq!(whisper_code("eng"), Some("en"));
        assert_eq!(whisper_code("DEU"), Some("de"));
        assert_eq!(whisper_code("ger"), Some("de"));
        assert_eq!(whisper_code("fr"), Some("fr"));
        assert_eq!(whisper_code("klingon"), None);
        assert_eq!(bcp47_whisper_code(" pt-BR"), Some("pt"));
        assert_eq!(bcp47_whisper_code("deu-CH"), Some("de"));
        assert_eq!(bcp47_whisper_code("x-klingon"), None);
        assert_eq!(bcp47_to_2b("en-US"), Some("eng"));
        assert_eq!(bcp47_to_2b("de_AT"), Some("ger"));
        assert_eq!(bcp47_to_2b("tlh"), None);
        assert_eq!(bcp47_to_2b(""), None);
        // Every entry round-trips except the two Chinese codes sharing "chi".
        for (w, b) in TABLE {
            if *b != "chi" {
                assert_eq!(whisper_code(b), Some(*w));
            }
        }
    }
}
