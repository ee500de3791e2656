//! Who spoke when, as the system that recorded a call knows it: a dialer or a meeting bot
//! sends it as the call's speakers timeline when it creates the call, and it decides the
//! transcript's speakers before any voice is compared.
//!
//! A *precise* timeline is taken as the truth about turns: every recognised word goes to
//! the party speaking at its middle, whatever voice cluster it came from, so two people
//! the voice model confuses are still told apart. An imprecise one (a bot's coarse
//! "active speaker" events) only ties each voice to the party it overlaps most, when that
//! party holds at least half of the voice's speech.

use crate::{FoundVoice, PartyId, VoiceUtterance, Word};

/// The timeline of a call. `P` names parties: an index into the request's parties while a
/// call is created, a [`PartyId`] once stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerTimeline<P> {
    pub precise: bool,
    pub segments: Vec<TimelineSegment<P>>,
}

/// A stretch of the recording (milliseconds from its start, end exclusive) and who spoke
/// in it; several parties when they spoke over each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineSegment<P> {
    pub from_ms: i64,
    pub to_ms: i64,
    pub parties: Vec<P>,
}

impl<P: Copy> SpeakerTimeline<P> {
    /// The same timeline with its parties renamed.
    pub fn map_parties<Q>(&self, f: impl Fn(P) -> Q) -> SpeakerTimeline<Q> {
        SpeakerTimeline {
            precise: self.precise,
            segments: self
                .segments
                .iter()
                .map(|s| TimelineSegment {
                    from_ms: s.from_ms,
                    to_ms: s.to_ms,
                    parties: s.parties.iter().map(|&p| f(p)).collect(),
                })
                .collect(),
        }
    }
}

/// A timeline sorted for "who speaks at t" queries in logarithmic time.
struct Index<'a> {
    segments: Vec<&'a TimelineSegment<PartyId>>,
    /// `reach[i]`: the latest end among `segments[..=i]`, so a backwards scan knows when
    /// no earlier segment can still cover a time.
    reach: Vec<i64>,
}

impl<'a> Index<'a> {
    fn new(t: &'a SpeakerTimeline<PartyId>) -> Index<'a> {
        let mut segments: Vec<_> = t.segments.iter().filter(|s| s.to_ms > s.from_ms).collect();
        segments.sort_by_key(|s| s.from_ms);
        let mut reach = Vec::with_capacity(segments.len());
        let mut max = i64::MIN;
        for s in &segments {
            max = max.max(s.to_ms);
            reach.push(max);
        }
        Index { segments, reach }
    }

    /// The parties speaking at `t`, each once.
    fn at(&self, t: i64) -> Vec<PartyId> {
        let mut out = Vec::new();
        let mut i = self.segments.partition_point(|s| s.from_ms <= t);
        while i > 0 && self.reach[i - 1] > t {
            i -= 1;
            let s = self.segments[i];
            if s.to_ms > t {
                for p in &s.parties {
                    if !out.contains(p) {
                        out.push(*p);
                    }
                }
            }
        }
        out
    }
}

/// Recognised speech with the parties a timeline gives its voices.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributed {
    pub voices: Vec<FoundVoice>,
    pub utterances: Vec<VoiceUtterance>,
    /// `parties[v]`: voice `v`'s party by the timeline, if it decides one.
    pub parties: Vec<Option<PartyId>>,
}

/// How long a word counts for when voices are weighed (a word has at least 1 ms).
fn span(w: &Word) -> i64 {
    (w.end_ms - w.start_ms).max(1)
}

/// The words of an utterance; one spanning it when the recogniser gave none.
fn words_of(u: &VoiceUtterance) -> Vec<Word> {
    if u.words.is_empty() {
        vec![Word {
            start_ms: u.start_ms,
            end_ms: u.end_ms,
            text: u.text.trim().to_owned(),
        }]
    } else {
        u.words.clone()
    }
}

/// Milliseconds of each voice's words that fall (by their middle) in each party's turns.
fn overlaps(
    index: &Index,
    voices: usize,
    utterances: &[VoiceUtterance],
) -> Vec<Vec<(PartyId, i64)>> {
    let mut out: Vec<Vec<(PartyId, i64)>> = vec![Vec::new(); voices];
    for u in utterances {
        let Some(row) = out.get_mut(u.voice) else {
            continue;
        };
        for w in words_of(u) {
            for p in index.at((w.start_ms + w.end_ms) / 2) {
                match row.iter_mut().find(|(q, _)| *q == p) {
                    Some((_, ms)) => *ms += span(&w),
                    None => row.push((p, span(&w))),
                }
            }
        }
    }
    out
}

/// The party among `candidates` that `voice` overlaps most (the first on a tie).
fn likeliest(row: &[(PartyId, i64)], candidates: &[PartyId]) -> Option<PartyId> {
    let mut best: Option<(PartyId, i64)> = None;
    for &p in candidates {
        let ms = row.iter().find(|(q, _)| *q == p).map_or(0, |(_, ms)| *ms);
        if best.is_none_or(|(_, b)| ms > b) {
            best = Some((p, ms));
        }
    }
    best.map(|(p, _)| p)
}

/// Applies a call's timeline to what the recogniser found (see the module's comment).
pub fn attribute(
    voices: Vec<FoundVoice>,
    utterances: Vec<VoiceUtterance>,
    timeline: &SpeakerTimeline<PartyId>,
) -> Attributed {
    let index = Index::new(timeline);
    let overlap = overlaps(&index, voices.len(), &utterances);
    if timeline.precise {
        split(voices, utterances, &index, &overlap)
    } else {
        let parties = match_voices(&voices, &utterances, &overlap);
        Attributed {
            voices,
            utterances,
            parties,
        }
    }
}

/// Imprecise timelines: best voice-party pairs first, each once, a voice only to a party
/// holding at least half of its speech.
fn match_voices(
    voices: &[FoundVoice],
    utterances: &[VoiceUtterance],
    overlap: &[Vec<(PartyId, i64)>],
) -> Vec<Option<PartyId>> {
    let mut total = vec![0i64; voices.len()];
    for u in utterances {
        if let Some(t) = total.get_mut(u.voice) {
            *t += words_of(u).iter().map(span).sum::<i64>();
        }
    }
    let mut pairs: Vec<(i64, usize, PartyId)> = Vec::new();
    for (v, row) in overlap.iter().enumerate() {
        for &(p, ms) in row {
            if 2 * ms >= total[v] && ms > 0 {
                pairs.push((ms, v, p));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out = vec![None; voices.len()];
    let mut taken = Vec::new();
    for (_, v, p) in pairs {
        if out[v].is_none() && !taken.contains(&p) {
            out[v] = Some(p);
            taken.push(p);
        }
    }
    out
}

/// Who a word belongs to in a precise split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Party(PartyId),
    /// No turn covers it, and its voice overlaps no turn: it stays with its voice.
    Voice(usize),
}

/// Precise timelines: words regrouped by the party speaking at their middle.
fn split(
    voices: Vec<FoundVoice>,
    utterances: Vec<VoiceUtterance>,
    index: &Index,
    overlap: &[Vec<(PartyId, i64)>],
) -> Attributed {
    // The party each original voice mostly is: where an overlap leaves a word to several
    // parties, and for words outside every turn.
    let usual: Vec<Option<PartyId>> = overlap
        .iter()
        .map(|row| {
            let all: Vec<PartyId> = row.iter().map(|(p, _)| *p).collect();
            likeliest(row, &all)
        })
        .collect();
    let owner_of = |voice: usize, w: &Word| -> Owner {
        let here = index.at((w.start_ms + w.end_ms) / 2);
        let usual = usual.get(voice).copied().flatten();
        let chosen = match here.len() {
            0 => usual,
            1 => Some(here[0]),
            _ => match usual.filter(|u| here.contains(u)) {
                Some(u) => Some(u),
                None => overlap.get(voice).and_then(|row| likeliest(row, &here)),
            },
        };
        chosen.map_or(Owner::Voice(voice), Owner::Party)
    };

    let mut owners: Vec<Owner> = Vec::new();
    // Words each new voice got from each original voice, in ms.
    let mut sources: Vec<Vec<i64>> = Vec::new();
    let mut out_utterances: Vec<VoiceUtterance> = Vec::new();
    for u in &utterances {
        let words = words_of(u);
        let mut run: Vec<Word> = Vec::new();
        let mut run_owner: Option<Owner> = None;
        let mut flush = |run: &mut Vec<Word>, owner: Owner, out: &mut Vec<VoiceUtterance>| {
            if run.is_empty() {
                return;
            }
            let k = match owners.iter().position(|o| *o == owner) {
                Some(k) => k,
                None => {
                    owners.push(owner);
                    sources.push(vec![0; voices.len()]);
                    owners.len() - 1
                }
            };
            if let Some(ms) = sources[k].get_mut(u.voice) {
                *ms += run.iter().map(span).sum::<i64>();
            }
            let words = std::mem::take(run);
            out.push(VoiceUtterance {
                voice: k,
                start_ms: words.first().map_or(u.start_ms, |w| w.start_ms),
                end_ms: words.last().map_or(u.end_ms, |w| w.end_ms),
                text: words
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                words: if u.words.is_empty() {
                    Vec::new()
                } else {
                    words
                },
            });
        };
        for w in words {
            let owner = owner_of(u.voice, &w);
            if run_owner.is_some_and(|o| o != owner) {
                flush(&mut run, run_owner.unwrap_or(owner), &mut out_utterances);
            }
            run_owner = Some(owner);
            run.push(w);
        }
        if let Some(o) = run_owner {
            flush(&mut run, o, &mut out_utterances);
        }
    }
    let new_voices: Vec<FoundVoice> = owners
        .iter()
        .zip(&sources)
        .map(|(owner, from)| {
            let speech_ms: i64 = from.iter().sum();
            // A voice print only when one cluster made (nearly) all of this speech and
            // gave (nearly) all of its own to it: otherwise it would blend two people.
            let voice = from
                .iter()
                .enumerate()
                .max_by_key(|(_, ms)| **ms)
                .filter(|(v, ms)| {
                    let given: i64 = sources.iter().map(|s| s[*v]).sum();
                    **ms * 10 >= speech_ms * 9 && **ms * 10 >= given * 9
                })
                .and_then(|(v, _)| voices[v].voice.clone());
            let channel = match owner {
                Owner::Voice(v) => voices[*v].channel,
                Owner::Party(_) => None,
            };
            FoundVoice {
                channel,
                speech_ms,
                voice,
            }
        })
        .collect();
    let parties = owners
        .iter()
        .map(|o| match o {
            Owner::Party(p) => Some(*p),
            Owner::Voice(_) => None,
        })
        .collect();
    Attributed {
        voices: new_voices,
        utterances: out_utterances,
        parties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(start: i64, end: i64, text: &str) -> Word {
        Word {
            start_ms: start,
            end_ms: end,
            text: text.to_owned(),
        }
    }

    fn utterance(voice: usize, words: Vec<Word>) -> VoiceUtterance {
        VoiceUtterance {
            voice,
            start_ms: words[0].start_ms,
            end_ms: words[words.len() - 1].end_ms,
            text: words
                .iter()
                .map(|w| w.text.clone())
                .collect::<Vec<_>>()
                .join(" "),
            words,
        }
    }

    fn found(voice: Option<Vec<f32>>) -> FoundVoice {
        FoundVoice {
            channel: None,
            speech_ms: 0,
            voice,
        }
    }

    fn segment(from: i64, to: i64, parties: &[i64]) -> TimelineSegment<PartyId> {
        TimelineSegment {
            from_ms: from,
            to_ms: to,
            parties: parties.iter().map(|&p| PartyId(p)).collect(),
        }
    }

    #[test]
    fn precise_timeline_splits_one_voice_into_its_parties() {
        // The recogniser heard one voice; the dialer knows two people spoke.
        let utterances = vec![
            utterance(0, vec![word(0, 400, "hello"), word(450, 900, "there.")]),
            utterance(
                0,
                vec![word(1000, 1400, "hi,"), word(1450, 1900, "thanks.")],
            ),
            utterance(0, vec![word(2000, 2400, "bye.")]),
        ];
        let t = SpeakerTimeline {
            precise: true,
            segments: vec![
                segment(0, 950, &[10]),
                segment(950, 1950, &[11]),
                segment(1950, 2500, &[10]),
            ],
        };
        let a = attribute(vec![found(Some(vec![1.0, 0.0]))], utterances, &t);
        assert_eq!(a.parties, vec![Some(PartyId(10)), Some(PartyId(11))]);
        let by_voice: Vec<(usize, &str)> = a
            .utterances
            .iter()
            .map(|u| (u.voice, u.text.as_str()))
            .collect();
        assert_eq!(
            by_voice,
            vec![(0, "hello there."), (1, "hi, thanks."), (0, "bye.")]
        );
        assert_eq!(a.voices[0].speech_ms, 400 + 450 + 400);
        // The one cluster spoke for both parties: neither gets its voice print.
        assert!(a.voices.iter().all(|v| v.voice.is_none()), "{a:?}");
    }

    #[test]
    fn precise_timeline_cuts_an_utterance_at_a_turn() {
        let utterances = vec![utterance(
            0,
            vec![
                word(0, 400, "yes"),
                word(500, 900, "no"),
                word(1000, 1400, "maybe"),
            ],
        )];
        let t = SpeakerTimeline {
            precise: true,
            segments: vec![segment(0, 950, &[1]), segment(950, 2000, &[2])],
        };
        let a = attribute(vec![found(None)], utterances, &t);
        let texts: Vec<&str> = a.utterances.iter().map(|u| u.text.as_str()).collect();
        assert_eq!(texts, vec!["yes no", "maybe"]);
        assert_eq!(a.utterances[1].start_ms, 1000);
        assert_eq!(a.parties, vec![Some(PartyId(1)), Some(PartyId(2))]);
    }

    #[test]
    fn overlapping_turns_keep_a_word_with_its_voices_usual_party() {
        // Voice 0 is mostly party 1, voice 1 mostly party 2; in the overlap (both speak)
        // each word stays with its own voice's party.
        let utterances = vec![
            utterance(0, vec![word(0, 900, "long"), word(1000, 1900, "answer")]),
            utterance(1, vec![word(1500, 1700, "right"), word(2100, 2900, "okay")]),
            utterance(0, vec![word(1550, 1650, "so")]),
        ];
        let t = SpeakerTimeline {
            precise: true,
            segments: vec![segment(0, 2000, &[1]), segment(1400, 3000, &[2])],
        };
        let a = attribute(vec![found(None), found(None)], utterances, &t);
        let owner = |word: &str| {
            let u = a
                .utterances
                .iter()
                .find(|u| u.words.iter().any(|w| w.text == word))
                .unwrap();
            a.parties[u.voice]
        };
        assert_eq!(owner("right"), Some(PartyId(2)));
        assert_eq!(owner("so"), Some(PartyId(1)));
        assert_eq!(owner("okay"), Some(PartyId(2)));
    }

    #[test]
    fn words_outside_every_turn_stay_with_their_voice() {
        let utterances = vec![
            utterance(0, vec![word(0, 400, "covered")]),
            utterance(1, vec![word(5000, 5400, "stranger")]),
        ];
        let t = SpeakerTimeline {
            precise: true,
            segments: vec![segment(0, 1000, &[7])],
        };
        let a = attribute(
            vec![found(Some(vec![1.0])), found(Some(vec![0.5]))],
            utterances,
            &t,
        );
        assert_eq!(a.parties, vec![Some(PartyId(7)), None]);
        // Whole clusters keep their voice prints.
        assert_eq!(a.voices[0].voice, Some(vec![1.0]));
        assert_eq!(a.voices[1].voice, Some(vec![0.5]));
    }

    #[test]
    fn imprecise_timeline_names_voices_by_majority_only() {
        let utterances = vec![
            utterance(0, vec![word(0, 1000, "mostly"), word(1000, 1200, "one")]),
            utterance(
                1,
                vec![word(2000, 3000, "split"), word(5000, 6000, "evenly")],
            ),
            utterance(2, vec![word(7000, 8000, "nobody")]),
        ];
        let t = SpeakerTimeline {
            precise: false,
            segments: vec![
                segment(0, 1100, &[1]),
                segment(1100, 1300, &[2]),
                // Voice 1: half in party 3's turn, half outside any turn.
                segment(2000, 3000, &[3]),
            ],
        };
        let voices = vec![found(None), found(None), found(None)];
        let a = attribute(voices.clone(), utterances.clone(), &t);
        assert_eq!(a.parties, vec![Some(PartyId(1)), Some(PartyId(3)), None]);
        // Imprecise timelines leave the recogniser's voices as they were.
        assert_eq!(a.utterances, utterances);
        assert_eq!(a.voices, voices);
    }

    #[test]
    fn a_party_is_given_to_one_voice_only() {
        let utterances = vec![
            utterance(0, vec![word(0, 1000, "a")]),
            utterance(1, vec![word(1000, 1500, "b")]),
        ];
        let t = SpeakerTimeline {
            precise: false,
            segments: vec![segment(0, 2000, &[1])],
        };
        let a = attribute(vec![found(None), found(None)], utterances, &t);
        assert_eq!(a.parties, vec![Some(PartyId(1)), None]);
    }

    #[test]
    fn who_speaks_at_sees_long_segments_that_started_early() {
        let t = SpeakerTimeline {
            precise: true,
            segments: vec![
                segment(0, 10_000, &[1]),
                segment(100, 200, &[2]),
                segment(300, 400, &[3]),
                segment(500, 500, &[4]),
            ],
        };
        let index = Index::new(&t);
        assert_eq!(index.at(350), vec![PartyId(3), PartyId(1)]);
        assert_eq!(index.at(9_999), vec![PartyId(1)]);
        assert_eq!(index.at(10_000), Vec::<PartyId>::new());
        // Empty segments cover nothing.
        assert_eq!(index.at(500), vec![PartyId(1)]);
    }
}
