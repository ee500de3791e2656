//! The language a transcript is written in, for transcripts that arrive as text (imported
//! WebVTT, SRT or Gong JSON) and so carry no speech engine's detection.

use parley_domain::lang;

/// Text looked at: a few thousand characters tell a language as well as a whole call.
const SAMPLE_CHARS: usize = 4_000;

/// The ISO 639-2/B code (`eng`, `ger`) of the language of `text`, when the detector is
/// confident (trigram profiles, `whatlang`); `None` for short, mixed or unknown text.
pub fn detect<'a>(text: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut sample = String::new();
    for part in text {
        if sample.len() >= SAMPLE_CHARS {
            break;
        }
        sample.push_str(part);
        sample.push(' ');
    }
    let info = whatlang::detect(&sample)?;
    if !info.is_reliable() {
        return None;
    }
    // whatlang names languages by ISO 639-3, which is 639-2/T for the languages both
    // know; Mandarin has a code of its own there.
    let code = match info.lang().code() {
        "cmn" => "zh",
        other => other,
    };
    let b = lang::iso639_2b(lang::whisper_code(code)?);
    (b != "und").then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_language_of_a_conversation() {
        let english = [
            "Thanks for taking the time today, I wanted to walk you through the pricing.",
            "Sure, we have been looking at a few options and the budget is tight this quarter.",
        ];
        assert_eq!(detect(english), Some("eng"));
        let german = [
            "Vielen Dank, dass Sie sich heute die Zeit nehmen.",
            "Wir haben uns mehrere Angebote angesehen und das Budget ist in diesem Quartal knapp.",
        ];
        assert_eq!(detect(german), Some("ger"));
        let french = ["Merci d'avoir pris le temps aujourd'hui, je voulais vous présenter nos tarifs et répondre à vos questions."];
        assert_eq!(detect(french), Some("fre"));
        // Too little to tell.
        assert_eq!(detect(["ok"]), None);
        assert_eq!(detect([]), None);
    }
}
