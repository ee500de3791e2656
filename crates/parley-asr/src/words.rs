//! Word timings of one decoded window, as OpenAI's whisper (`timing.py`) and faster-whisper
//! derive them from the cross-attention alignment.
//!
//! The raw alignment gives every word the stretch between the path's jumps onto its first
//! token and onto the next word. That is wrong at the edges: a sentence's closing "." often
//! absorbs the pause after it, and the first word after a pause its silence. The decode
//! loop resumes the next window after the last word's end, so a stretched end skips the
//! speech that follows (on the 30-minute bench call, whole short turns). Whisper's fixes,
//! kept here rule for rule:
//!
//! * words split on spaces, and punctuation is a word of its own until the timings are set,
//!   so a "." cannot stretch the word before it;
//! * words at sentence ends longer than twice the median word (capped at 0.7 s) are cut;
//! * punctuation is then merged into its neighbours, keeping their times;
//! * per segment, the first word after a pause and the segment's first and last words are
//!   held to the segment's own timestamps when the alignment strays by more than 0.5 s.

use crate::Word;

/// Punctuation that joins the word after it / before it (whisper's defaults).
const PREPEND: &str = "\"'“¿([{-";
const APPEND: &str = "\"'.。,，!！?？:：”)]}、";
const SENTENCE_END: &str = ".。!！?？";
/// Python's `string.punctuation`: a subword whose trimmed text occurs in it is a word of its
/// own (an empty one does too, as in Python).
const ASCII_PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A word of the aligned text, times in seconds from the window's start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timing {
    /// With its leading space, as decoded; empty once merged into a neighbour.
    pub text: String,
    /// How many of the window's text tokens it spans (merging moves them too).
    pub tokens: usize,
    pub start: f32,
    pub end: f32,
    pub prob: f32,
}

/// Groups text tokens (given as their decoded bytes) into words: a new word at a leading
/// space or at punctuation; tokens that end inside a UTF-8 character wait for the rest.
/// Returns each word's text and token count.
pub(crate) fn split_words(token_bytes: &[Vec<u8>]) -> Vec<(String, usize)> {
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_tokens = 0usize;
    for (i, bytes) in token_bytes.iter().enumerate() {
        pending.extend_from_slice(bytes);
        pending_tokens += 1;
        let last = i + 1 == token_bytes.len();
        let sub = match std::str::from_utf8(&pending) {
            Ok(s) => s.to_owned(),
            Err(_) if last => String::from_utf8_lossy(&pending).into_owned(),
            Err(_) => continue,
        };
        let new_word =
            sub.starts_with(' ') || ASCII_PUNCTUATION.contains(sub.trim()) || words.is_empty();
        match words.last_mut() {
            Some((text, n)) if !new_word => {
                text.push_str(&sub);
                *n += pending_tokens;
            }
            _ => words.push((sub, pending_tokens)),
        }
        pending.clear();
        pending_tokens = 0;
    }
    words
}

/// Median and maximum word duration of a window (whisper: median capped at 0.7 s, max
/// twice the median), over the words with a non-zero duration.
pub(crate) fn median_max(words: &[Timing]) -> (f32, f32) {
    let mut d: Vec<f32> = words
        .iter()
        .map(|w| w.end - w.start)
        .filter(|&d| d != 0.0)
        .collect();
    if d.is_empty() {
        return (0.0, 0.0);
    }
    d.sort_by(f32::total_cmp);
    let n = d.len();
    let median = if n % 2 == 1 {
        d[n / 2]
    } else {
        (d[n / 2 - 1] + d[n / 2]) / 2.0
    };
    let median = median.min(0.7);
    (median, median * 2.0)
}

/// Cuts words at sentence boundaries to at most `max_duration`, then merges punctuation
/// into its neighbours (whisper's `merge_punctuations`).
pub(crate) fn tidy(words: &mut [Timing], max_duration: f32) {
    let any_duration = words.iter().any(|w| w.end - w.start != 0.0);
    if any_duration {
        for i in 1..words.len() {
            if words[i].end - words[i].start > max_duration {
                if SENTENCE_END.contains(words[i].text.as_str()) {
                    words[i].end = words[i].start + max_duration;
                } else if SENTENCE_END.contains(words[i - 1].text.as_str()) {
                    words[i].start = words[i].end - max_duration;
                }
            }
        }
    }
    // Opening punctuation joins the word after it.
    if words.len() >= 2 {
        let mut j = words.len() - 1;
        for i in (0..words.len() - 1).rev() {
            let prev = &words[i];
            if prev.text.starts_with(' ') && PREPEND.contains(prev.text.trim()) {
                let (text, tokens) = (std::mem::take(&mut words[i].text), words[i].tokens);
                words[i].tokens = 0;
                words[j].text.insert_str(0, &text);
                words[j].tokens += tokens;
            } else {
                j = i;
            }
        }
    }
    // Closing punctuation joins the word before it.
    let mut i = 0;
    for j in 1..words.len() {
        if !words[i].text.ends_with(' ') && APPEND.contains(words[j].text.as_str()) {
            let (text, tokens) = (std::mem::take(&mut words[j].text), words[j].tokens);
            words[j].tokens = 0;
            words[i].text.push_str(&text);
            words[i].tokens += tokens;
        } else {
            i = j;
        }
    }
}

/// A segment's bounds (from its timestamp tokens, absolute) and its count of text tokens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub start: f32,
    pub end: f32,
    pub tokens: usize,
}

/// Hands the window's words (times from the start of the decoded audio) to its segments in
/// order by token count, and holds the edges:
/// the first word after a pause longer than four median words is cut to `max_duration`,
/// and a segment's first/last word yields to the segment's timestamp when it strays more
/// than 0.5 s beyond it (otherwise the segment takes the word's time). `last_speech` is
/// the end of the speech before this window; it returns each segment's words and its
/// adjusted bounds.
pub(crate) fn place(
    words: &[Timing],
    segments: &mut [Bounds],
    offset: f32,
    median: f32,
    max_duration: f32,
    mut last_speech: f32,
) -> Vec<Vec<Word>> {
    let round2 = |t: f32| (t * 100.0).round() / 100.0;
    let mut out = Vec::with_capacity(segments.len());
    let mut next = 0usize;
    for seg in segments.iter_mut() {
        let mut saved = 0usize;
        let mut ws: Vec<Word> = Vec::new();
        while next < words.len() && saved < seg.tokens {
            let w = &words[next];
            if !w.text.is_empty() {
                ws.push(Word {
                    text: w.text.trim().to_owned(),
                    start: round2(offset + w.start),
                    end: round2(offset + w.end),
                    prob: w.prob,
                });
            }
            saved += w.tokens;
            next += 1;
        }
        if !ws.is_empty() {
            let first_long = ws[0].end - ws[0].start > max_duration;
            let pair_long = ws.len() > 1 && ws[1].end - ws[0].start > max_duration * 2.0;
            if ws[0].end - last_speech > median * 4.0 && (first_long || pair_long) {
                if ws.len() > 1 && ws[1].end - ws[1].start > max_duration {
                    let boundary = (ws[1].end / 2.0).max(ws[1].end - max_duration);
                    ws[0].end = boundary;
                    ws[1].start = boundary;
                }
                ws[0].start = (ws[0].end - max_duration).max(0.0);
            }
            if seg.start < ws[0].end && seg.start - 0.5 > ws[0].start {
                ws[0].start = (ws[0].end - median).min(seg.start).max(0.0);
            } else {
                seg.start = ws[0].start;
            }
            let last = ws.len() - 1;
            if seg.end > ws[last].start && seg.end + 0.5 < ws[last].end {
                ws[last].end = (ws[last].start + median).max(seg.end);
            } else {
                seg.end = ws[last].end;
            }
            last_speech = seg.end;
        }
        out.push(ws);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str, tokens: usize, start: f32, end: f32) -> Timing {
        Timing {
            text: text.into(),
            tokens,
            start,
            end,
            prob: 0.9,
        }
    }

    #[test]
    fn punctuation_is_a_word_until_merged() {
        let bytes: Vec<Vec<u8>> = [" Hello", ",", " wor", "ld", ".", " \"", "Hi", "\""]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let words = split_words(&bytes);
        let texts: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        // As in whisper, a word without a leading space joins the one before, even a quote.
        assert_eq!(texts, [" Hello", ",", " world", ".", " \"Hi", "\""]);
        assert_eq!(words[2].1, 2);
    }

    #[test]
    fn split_characters_wait_for_their_bytes() {
        // "é" is two bytes, cut across two tokens.
        let bytes = vec![b" caf".to_vec(), vec![0xC3], vec![0xA9], b" ok".to_vec()];
        let words = split_words(&bytes);
        assert_eq!(words, vec![(" café".to_owned(), 3), (" ok".to_owned(), 1)]);
    }

    #[test]
    fn median_is_capped_and_ignores_zero_lengths() {
        let ws = [
            t(" a", 1, 0.0, 0.2),
            t(" b", 1, 0.2, 0.2),
            t(" c", 1, 0.2, 0.6),
            t(" d", 1, 0.6, 1.2),
        ];
        let (m, x) = median_max(&ws);
        assert!((m - 0.4).abs() < 1e-6 && (x - 0.8).abs() < 1e-6, "{m} {x}");
        let long = [t(" a", 1, 0.0, 3.0)];
        assert_eq!(median_max(&long), (0.7, 1.4));
        assert_eq!(median_max(&[]), (0.0, 0.0));
    }

    #[test]
    fn a_period_cannot_stretch_its_word() {
        // The "." took the 2-second pause after "world".
        let mut ws = vec![
            t(" Hello", 1, 0.0, 0.4),
            t(" world", 1, 0.4, 0.8),
            t(".", 1, 0.8, 2.8),
            t(" Next", 1, 2.8, 3.2),
        ];
        tidy(&mut ws, 0.8);
        assert_eq!(ws[1].text, " world.");
        assert_eq!(
            (ws[1].start, ws[1].end),
            (0.4, 0.8),
            "keeps the word's own end"
        );
        assert_eq!(ws[1].tokens, 2);
        assert_eq!((ws[2].text.as_str(), ws[2].tokens), ("", 0));
    }

    #[test]
    fn sentence_starts_are_cut_after_a_long_period() {
        let mut ws = vec![
            t(" Done", 1, 0.0, 0.4),
            t(".", 1, 0.4, 0.5),
            t(" So", 1, 0.5, 3.0),
        ];
        tidy(&mut ws, 0.8);
        assert!((ws[2].start - 2.2).abs() < 1e-6, "{:?}", ws[2]);
    }

    #[test]
    fn opening_quotes_join_the_next_word() {
        let mut ws = vec![
            t(" said", 1, 0.0, 0.3),
            t(" \"", 1, 0.3, 0.4),
            t("yes", 1, 0.4, 0.7),
        ];
        tidy(&mut ws, 10.0);
        assert_eq!(ws[2].text, " \"yes");
        assert_eq!(ws[2].tokens, 2);
        assert_eq!((ws[2].start, ws[2].end), (0.4, 0.7));
    }

    #[test]
    fn words_go_to_segments_by_tokens_and_edges_follow_timestamps() {
        let ws = vec![
            t(" Hi", 1, 0.0, 0.3),
            t(" there.", 2, 0.3, 1.9),
            t(" Bye", 1, 2.0, 2.4),
        ];
        let mut segs = vec![
            Bounds {
                start: 10.0,
                end: 10.8,
                tokens: 3,
            },
            Bounds {
                start: 12.0,
                end: 12.4,
                tokens: 1,
            },
        ];
        let placed = place(&ws, &mut segs, 10.0, 0.4, 0.8, 10.0);
        assert_eq!(placed.len(), 2);
        assert_eq!(placed[0].len(), 2);
        // "there." ran 1.1 s past its segment's end: held to max(start + median, end).
        assert!((placed[0][1].end - 10.8).abs() < 1e-5, "{:?}", placed[0][1]);
        assert_eq!(placed[1][0].text, "Bye");
        // The segment takes its words' times when they agree.
        assert!((segs[1].start - 12.0).abs() < 1e-5);
    }

    #[test]
    fn random_windows_keep_every_word_in_order_with_sane_times() {
        // xorshift: no dependency, same cases every run.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let pieces = [
            " the", " price", ".", ",", " \"", "\"", " (", ")", "ing", "s", " ok", "?", "-", " é",
            "'", " it", "'s",
        ];
        for case in 0..500 {
            let n = 1 + next(40) as usize;
            let tokens: Vec<Vec<u8>> = (0..n)
                .map(|_| {
                    pieces[next(pieces.len() as u64) as usize]
                        .as_bytes()
                        .to_vec()
                })
                .collect();
            let text: String = tokens
                .iter()
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .collect();
            let split = split_words(&tokens);
            assert_eq!(split.iter().map(|w| w.1).sum::<usize>(), n, "case {case}");
            assert_eq!(
                split.iter().map(|w| w.0.as_str()).collect::<String>(),
                text,
                "case {case}"
            );
            // Jump times only move forward, as the alignment path does.
            let mut t = 0.0f32;
            let mut timings: Vec<Timing> = split
                .into_iter()
                .map(|(text, tokens)| {
                    let start = t;
                    t += next(150) as f32 / 100.0;
                    Timing {
                        text,
                        tokens,
                        start,
                        end: t,
                        prob: 0.5,
                    }
                })
                .collect();
            let (median, max) = median_max(&timings);
            tidy(&mut timings, max);
            assert_eq!(timings.iter().map(|w| w.tokens).sum::<usize>(), n);
            assert_eq!(
                timings.iter().map(|w| w.text.as_str()).collect::<String>(),
                text
            );
            // Two segments splitting the tokens somewhere.
            let cut = next(n as u64 + 1) as usize;
            let mut segs = [
                Bounds {
                    start: 0.0,
                    end: t / 2.0,
                    tokens: cut,
                },
                Bounds {
                    start: t / 2.0,
                    end: t,
                    tokens: n - cut,
                },
            ];
            let placed = place(&timings, &mut segs, 30.0, median, max, 0.0);
            let words: Vec<&Word> = placed.iter().flatten().collect();
            let want: Vec<String> = timings
                .iter()
                .filter(|w| !w.text.is_empty())
                .map(|w| w.text.trim().to_owned())
                .collect();
            assert_eq!(
                words.iter().map(|w| w.text.clone()).collect::<Vec<_>>(),
                want,
                "case {case}"
            );
            for w in &words {
                assert!(w.start >= 0.0 && w.start <= w.end, "case {case}: {w:?}");
            }
        }
    }

    #[test]
    fn a_long_first_word_after_a_pause_is_cut() {
        // Last speech at 0 s; "Well" aligned over 3 s of silence.
        let ws = vec![t(" Well", 1, 5.0, 8.0), t(" yes", 1, 8.0, 8.3)];
        let mut segs = vec![Bounds {
            start: 7.5,
            end: 8.3,
            tokens: 2,
        }];
        let placed = place(&ws, &mut segs, 0.0, 0.3, 0.6, 0.0);
        assert!(
            (placed[0][0].start - 7.4).abs() < 1e-5,
            "{:?}",
            placed[0][0]
        );
    }
}
