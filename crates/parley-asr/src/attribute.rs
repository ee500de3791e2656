//! Who said each word of a mono recording, and when each speaker's stretch of text begins
//! and ends, from the diarization's speaker track.
//!
//! Words go to the speaker whose turn holds them ([`speaker_of`]). Then each utterance is
//! fitted to the turns ([`fit_to_turns`]): Whisper's word times are the alignment's guess
//! (a word can be given 60 ms of a 400 ms "hello", and the pauses around words belong to
//! nobody), while the speaker track follows the voice itself. Without the fit, a two-party
//! phone call's transcript covered 88% of its speech and gave 84.7% of the speech time to the
//! right person although the track itself gave 99.5% (the real call of `bench/diarization`).

use parley_voice::{SpeakerTrack, Turn};

use crate::{words_text, Segment, Speaker, Utterance};

/// Gives each word of a mono recording to the speaker active over most of it (see
/// [`speaker_of`]); segments are split where the speaker changes. Without a track, or with
/// one speaker, everything is one speaker.
pub(crate) fn diarize(
    segments: Vec<Segment>,
    track: Option<SpeakerTrack>,
) -> (Vec<Speaker>, Vec<Utterance>) {
    let one_speaker = |segments: Vec<Segment>, voice: Option<Vec<f32>>| {
        let speech_s = segments.iter().map(|s| s.end - s.start).sum();
        let utterances = segments
            .into_iter()
            .map(|s| Utterance {
                speaker: 0,
                start: s.start,
                end: s.end,
                text: s.text,
                words: s.words,
            })
            .collect();
        (
            vec![Speaker {
                channel: None,
                speech_s,
                voice,
            }],
            utterances,
        )
    };
    let Some(track) = track else {
        return one_speaker(segments, None);
    };
    if track.speech.len() <= 1 {
        let voice = track.voices.into_iter().next().flatten();
        let (speakers, utterances) = one_speaker(segments, voice);
        return (speakers, fit_to_turns(utterances, &track.turns));
    }
    let turns = &track.turns;
    let mut utterances: Vec<Utterance> = Vec::new();
    for s in segments {
        if s.words.is_empty() {
            utterances.push(Utterance {
                speaker: speaker_of(turns, s.start, s.end, SentenceEdge::None),
                start: s.start,
                end: s.end,
                text: s.text,
                words: s.words,
            });
            continue;
        }
        let mut current: Option<Utterance> = None;
        let mut after_sentence = true;
        for w in s.words {
            let ends_sentence = ends_sentence(&w.text);
            let edge = match (after_sentence, ends_sentence) {
                (true, _) => SentenceEdge::Starts,
                (false, true) => SentenceEdge::Ends,
                (false, false) => SentenceEdge::None,
            };
            after_sentence = ends_sentence;
            let who = speaker_of(turns, w.start, w.end, edge);
            match &mut current {
                Some(u) if u.speaker == who => {
                    u.end = w.end;
                    u.words.push(w);
                }
                _ => {
                    utterances.extend(current.take());
                    current = Some(Utterance {
                        speaker: who,
                        start: w.start,
                        end: w.end,
                        text: String::new(),
                        words: vec![w],
                    });
                }
            }
        }
        utterances.extend(current);
    }
    for u in &mut utterances {
        if u.text.is_empty() {
            u.text = words_text(&u.words);
        }
    }
    let speakers = track
        .voices
        .into_iter()
        .zip(&track.speech)
        .map(|(voice, &speech)| Speaker {
            channel: None,
            speech_s: speech as f32 / 16_000.0,
            voice,
        })
        .collect();
    (speakers, fit_to_turns(utterances, turns))
}

/// Where a word stands in its sentence, for a word that straddles a change of speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SentenceEdge {
    /// The first word of a sentence.
    Starts,
    /// The last word of a sentence.
    Ends,
    None,
}

fn ends_sentence(word: &str) -> bool {
    word.trim_end_matches(['"', '\'', ')', '”'])
        .ends_with(['.', '?', '!'])
}

/// The speaker of a word (seconds) among diarization turns (samples at 16 kHz).
///
/// Mostly the turn holding most of the word. But alignment stretches a word over the pause
/// next to it, so the first word of a reply can reach back into the other speaker's last
/// syllables (seen: "And" at 29.54-30.26 s, the reply starting at 30.08 s). A change of
/// speaker in a conversation falls at a sentence boundary: a word that straddles two
/// speakers' turns goes to the later one when it starts a sentence, to the earlier one when
/// it ends one, and by the larger overlap otherwise. A word no turn covers goes to the
/// nearest turn.
fn speaker_of(turns: &[Turn], start: f32, end: f32, edge: SentenceEdge) -> usize {
    let (a, b) = (samples(start), samples(end));
    let overlapping: Vec<(&Turn, usize)> = turns
        .iter()
        .map(|t| (t, overlap(t, a, b)))
        .filter(|(_, o)| *o > 0)
        .collect();
    if let (Some((first, _)), Some((last, _))) = (overlapping.first(), overlapping.last()) {
        if first.speaker != last.speaker {
            match edge {
                SentenceEdge::Starts => return last.speaker,
                SentenceEdge::Ends => return first.speaker,
                SentenceEdge::None => {}
            }
        }
    }
    if let Some((t, _)) = overlapping
        .iter()
        .max_by_key(|(t, o)| (*o, std::cmp::Reverse(t.start)))
    {
        return t.speaker;
    }
    turns
        .iter()
        .min_by_key(|t| distance(t, (a + b) / 2))
        .map_or(0, |t| t.speaker)
}

/// Samples (16 kHz) of a time in seconds; negative times are 0.
fn samples(s: f32) -> usize {
    (s.max(0.0) * 16_000.0) as usize
}

/// Samples of `a..b` inside turn `t`.
fn overlap(t: &Turn, a: usize, b: usize) -> usize {
    b.min(t.end).saturating_sub(a.max(t.start))
}

/// Samples from `at` to turn `t` (0 inside it).
fn distance(t: &Turn, at: usize) -> usize {
    if at < t.start {
        t.start - at
    } else {
        at.saturating_sub(t.end)
    }
}

/// Fits utterances (in any order) to the speaker track's turns, in two steps.
///
/// 1. An utterance whose words lie in two turns of its speaker with another speaker's turn
///    between them is split there: the other person spoke in between, though Whisper heard
///    no word of it (seen: a second "Hello." the model dropped, so one utterance spanned
///    the other party's whole turn).
/// 2. Each utterance reaches back to the start of the turn its first word lies in and
///    forward to the end of the turn its last word lies in, never over a neighbouring
///    utterance and never shorter than its words. Two utterances of one turn then meet.
///
/// The result is in time order.
pub(crate) fn fit_to_turns(utterances: Vec<Utterance>, turns: &[Turn]) -> Vec<Utterance> {
    if turns.is_empty() {
        return utterances;
    }
    let seconds = |x: usize| x as f32 / 16_000.0;
    // (utterance, first turn, last turn)
    let mut pieces: Vec<(Utterance, Option<usize>, Option<usize>)> = Vec::new();
    for u in utterances {
        if u.words.is_empty() {
            pieces.push((u, None, None));
            continue;
        }
        let at: Vec<Option<usize>> = u
            .words
            .iter()
            .map(|w| turn_of(turns, u.speaker, samples(w.start), samples(w.end)))
            .collect();
        let mut from = 0;
        for i in 0..u.words.len() {
            let last = i + 1 == u.words.len();
            let cut = !last
                && match (at[i], at[i + 1]) {
                    (Some(a), Some(b)) if a < b => {
                        turns[a + 1..b].iter().any(|t| t.speaker != u.speaker)
                    }
                    _ => false,
                };
            if cut || last {
                let words = u.words[from..=i].to_vec();
                let (start, end, text) = if from == 0 && last {
                    (u.start, u.end, u.text.clone())
                } else {
                    (
                        words[0].start,
                        words[words.len() - 1].end,
                        words_text(&words),
                    )
                };
                pieces.push((
                    Utterance {
                        speaker: u.speaker,
                        start,
                        end,
                        text,
                        words,
                    },
                    at[from],
                    at[i],
                ));
                from = i + 1;
            }
        }
    }
    pieces.sort_by(|a, b| a.0.start.total_cmp(&b.0.start));
    let starts: Vec<f32> = pieces.iter().map(|p| p.0.start).collect();
    let mut out: Vec<Utterance> = Vec::with_capacity(pieces.len());
    // The latest end so far: an utterance never reaches back over one before it (which
    // has already taken the gap between them when that was its turn's).
    let mut reached = 0f32;
    for (i, (mut u, first, last)) in pieces.into_iter().enumerate() {
        let before_next = starts.get(i + 1).copied().unwrap_or(f32::INFINITY);
        if let Some(t) = first {
            u.start = u.start.min(seconds(turns[t].start).max(reached));
        }
        if let Some(t) = last {
            u.end = u.end.max(seconds(turns[t].end).min(before_next));
        }
        reached = reached.max(u.end);
        out.push(u);
    }
    out
}

/// Index of the turn of `speaker` that holds most of `a..b` (samples), else the nearest
/// turn of that speaker.
fn turn_of(turns: &[Turn], speaker: usize, a: usize, b: usize) -> Option<usize> {
    let own = || {
        turns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.speaker == speaker)
    };
    if let Some((i, _)) = own()
        .filter(|(_, t)| overlap(t, a, b) > 0)
        .max_by_key(|(_, t)| overlap(t, a, b))
    {
        return Some(i);
    }
    own()
        .min_by_key(|(_, t)| distance(t, (a + b) / 2))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Word;

    fn turn(start: f32, end: f32, speaker: usize) -> Turn {
        Turn {
            start: (start * 16_000.0) as usize,
            end: (end * 16_000.0) as usize,
            speaker,
        }
    }

    fn word(start: f32, end: f32, text: &str) -> Word {
        Word {
            start,
            end,
            text: text.into(),
            prob: 1.0,
        }
    }

    fn utterance(speaker: usize, words: Vec<Word>) -> Utterance {
        Utterance {
            speaker,
            start: words[0].start,
            end: words[words.len() - 1].end,
            text: words_text(&words),
            words,
        }
    }

    #[test]
    fn an_utterance_over_a_turn_with_no_words_is_cut_there() {
        // The real call at 6.7-10 s: A says hello, B says hello (Whisper drops it), A goes
        // on; Whisper puts A's words into one segment across B's turn.
        let turns = [
            turn(6.72, 7.18, 0),
            turn(7.52, 8.31, 1),
            turn(8.31, 9.96, 0),
            turn(9.96, 10.70, 1),
        ];
        let a = utterance(
            0,
            vec![
                word(6.90, 7.40, "Hello."),
                word(8.28, 8.34, "Hello."),
                word(8.34, 8.62, "Oh,"),
                word(9.62, 9.98, "there."),
            ],
        );
        let b = utterance(1, vec![word(10.20, 10.82, "design.")]);
        let out = fit_to_turns(vec![b, a], &turns);
        let spans: Vec<(usize, f32, f32, &str)> = out
            .iter()
            .map(|u| (u.speaker, u.start, u.end, u.text.as_str()))
            .collect();
        let near = |x: f32, y: f32| (x - y).abs() < 1e-3;
        assert_eq!(spans.len(), 3, "{spans:?}");
        // Cut before B's turn; reaches back to A's turn start; never shorter than a word.
        assert_eq!(spans[0].3, "Hello.");
        assert!(
            near(spans[0].1, 6.72) && near(spans[0].2, 7.40),
            "{spans:?}"
        );
        assert_eq!(spans[1].3, "Hello. Oh, there.");
        assert!(
            near(spans[1].1, 8.28) && near(spans[1].2, 9.98),
            "{spans:?}"
        );
        // B reaches back over its turn, but not over A's last word.
        assert_eq!(spans[2].0, 1);
        assert!(
            near(spans[2].1, 9.98) && near(spans[2].2, 10.82),
            "{spans:?}"
        );
    }

    #[test]
    fn utterances_of_one_turn_meet_and_fill_it() {
        let turns = [turn(1.0, 9.0, 0), turn(9.5, 12.0, 1)];
        let first = utterance(0, vec![word(1.5, 2.0, "Okay."), word(2.1, 3.0, "so.")]);
        let second = utterance(0, vec![word(4.0, 8.0, "then.")]);
        let reply = utterance(1, vec![word(9.8, 11.0, "yes.")]);
        let out = fit_to_turns(vec![first, second, reply], &turns);
        let near = |x: f32, y: f32| (x - y).abs() < 1e-3;
        assert!(near(out[0].start, 1.0) && near(out[0].end, 4.0), "{out:?}");
        assert!(near(out[1].start, 4.0) && near(out[1].end, 9.0), "{out:?}");
        assert!(near(out[2].start, 9.5) && near(out[2].end, 12.0), "{out:?}");
        // Text and words are untouched when nothing is cut.
        assert_eq!(out[0].text, "Okay. so.");
        assert_eq!(out[0].words.len(), 2);
        // No turns: nothing changes.
        let same = fit_to_turns(out.clone(), &[]);
        assert_eq!(same, out);
    }

    #[test]
    fn words_across_a_change_of_speaker_follow_the_sentence() {
        // The bench call at 0:25-0:33: the customer until 29.79 s, the rep from 30.08 s.
        let turns = [turn(25.634, 29.79, 1), turn(30.082, 32.894, 0)];
        use SentenceEdge::*;
        // (word start, end, edge, speaker)
        let table = [
            // "And" opening the rep's reply, stretched back over the pause: more of it
            // lies in the customer's turn, but it starts a sentence.
            (29.544, 30.264, Starts, 0),
            (29.544, 30.264, None, 1),
            // A last word stretched forward into the reply ends its sentence.
            (29.5, 30.4, Ends, 1),
            // Inside one turn, or between turns, the edge does not matter.
            (26.0, 26.3, Starts, 1),
            (31.0, 31.2, Ends, 0),
            (29.85, 29.95, Starts, 1),
            (29.99, 30.05, None, 0),
        ];
        for (start, end, edge, want) in table {
            assert_eq!(
                speaker_of(&turns, start, end, edge),
                want,
                "{start}-{end} {edge:?}"
            );
        }
        assert!(ends_sentence("there.") && ends_sentence("why?\"") && !ends_sentence("Mr"));
    }
}
