//! The voices speech recognition finds in a recording, and how they become the call's
//! parties: by channel, by voice profile, by elimination, or by a person's correction.

use crate::{Affiliation, Party, PartyId, SpeakerId, UserId};

/// Why a voice was tied to a party. Stored with the voice so a user can see (and the
/// system can weigh) how sure the mapping is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeakerSource {
    /// The party was recorded on this voice's own channel (stereo dialer recording).
    Channel,
    /// The voice matched the stored voice profile of the party's user.
    Profile,
    /// One voice and one silent party were left: they must be each other.
    Elimination,
    /// A person said so (API or CLI); it outranks everything else.
    Manual,
    /// The call's speakers timeline (from the dialer or meeting bot) said so.
    Timeline,
    /// Nothing matched; the voice got a party of its own.
    Unmatched,
}

impl SpeakerSource {
    pub fn key(self) -> &'static str {
        match self {
            SpeakerSource::Channel => "channel",
            SpeakerSource::Profile => "profile",
            SpeakerSource::Elimination => "elimination",
            SpeakerSource::Manual => "manual",
            SpeakerSource::Timeline => "timeline",
            SpeakerSource::Unmatched => "unmatched",
        }
    }

    pub fn from_key(key: &str) -> Option<SpeakerSource> {
        [
            SpeakerSource::Channel,
            SpeakerSource::Profile,
            SpeakerSource::Elimination,
            SpeakerSource::Manual,
            SpeakerSource::Timeline,
            SpeakerSource::Unmatched,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }

    /// Identity is certain enough to teach the party's user's voice profile.
    pub fn is_certain(self) -> bool {
        matches!(self, SpeakerSource::Channel | SpeakerSource::Manual)
    }
}

/// A voice in a call's recording.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpeaker {
    pub speaker_id: SpeakerId,
    /// The source channel when the recording had one per voice.
    pub channel: Option<u32>,
    pub speech_ms: i64,
    /// The voice's embedding (unit vector), when it was long enough to compute.
    pub voice: Option<Vec<f32>>,
    pub party_id: Option<PartyId>,
    pub source: SpeakerSource,
}

/// A company user's voice, learned from calls where their identity was certain or from an
/// enrollment sample.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceProfile {
    pub user_id: UserId,
    /// Running mean of the contributing embeddings (normalised when compared).
    pub voice: Vec<f32>,
    /// How many samples went into it.
    pub samples: u32,
}

impl VoiceProfile {
    /// A profile with nothing learned yet.
    pub fn new(user_id: UserId) -> VoiceProfile {
        VoiceProfile {
            user_id,
            voice: Vec::new(),
            samples: 0,
        }
    }

    /// Folds another sample in as a running mean, so no single call dominates.
    pub fn learn(&mut self, voice: &[f32]) {
        if voice.len() != self.voice.len() {
            self.voice = voice.to_vec();
            self.samples = 1;
            return;
        }
        let n = self.samples as f32;
        for (p, v) in self.voice.iter_mut().zip(voice) {
            *p = (*p * n + v) / (n + 1.0);
        }
        self.samples = self.samples.saturating_add(1);
    }
}

/// Cosine similarity; 0 for empty, mismatched or zero vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 || !dot.is_finite() {
        return 0.0;
    }
    dot / (na * nb)
}

/// A voice found by speech recognition, before it is tied to a party.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundVoice {
    pub channel: Option<u32>,
    pub speech_ms: i64,
    pub voice: Option<Vec<f32>>,
}

/// One voice's stretch of recognised speech.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceUtterance {
    /// Index of the voice among the recording's voices.
    pub voice: usize,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub words: Vec<crate::Word>,
}

/// Builds a transcript from recognised speech in time order: a voice's consecutive
/// utterances form one monologue, and a monologue is cut into sentences after words
/// ending in `.`, `?` or `!`; an utterance's sentences cover its whole span.
/// `speaker_ids[v]` is voice `v`'s speaker id.
pub fn transcript_from_speech(
    utterances: &[VoiceUtterance],
    speaker_ids: &[SpeakerId],
) -> crate::Transcript {
    use crate::{Monologue, Sentence, Word};
    let mut out: crate::Transcript = Vec::new();
    let sentence_of = |words: &[Word]| Sentence {
        start_ms: words.first().map_or(0, |w| w.start_ms),
        end_ms: words.last().map_or(0, |w| w.end_ms),
        text: words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        words: words.to_vec(),
    };
    for u in utterances {
        let Some(&speaker_id) = speaker_ids.get(u.voice) else {
            continue;
        };
        let mut sentences = Vec::new();
        if u.words.is_empty() {
            if !u.text.trim().is_empty() {
                sentences.push(Sentence {
                    start_ms: u.start_ms,
                    end_ms: u.end_ms,
                    text: u.text.trim().to_owned(),
                    words: Vec::new(),
                });
            }
        } else {
            let mut from = 0;
            for (i, w) in u.words.iter().enumerate() {
                let ends = w.text.ends_with(['.', '?', '!']);
                if ends || i + 1 == u.words.len() {
                    sentences.push(sentence_of(&u.words[from..=i]));
                    from = i + 1;
                }
            }
            // The sentences tile the utterance: its span is where the speaker's voice is
            // (the speech recogniser fitted it to the speaker track), while word times are
            // the aligner's guess and leave the pauses between words to nobody.
            let n = sentences.len();
            for k in 0..n {
                if k == 0 {
                    sentences[k].start_ms = sentences[k].start_ms.min(u.start_ms);
                }
                sentences[k].end_ms = if k + 1 == n {
                    sentences[k].end_ms.max(u.end_ms)
                } else {
                    sentences[k].end_ms.max(sentences[k + 1].start_ms)
                };
            }
        }
        if sentences.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(m) if m.speaker_id == speaker_id => m.sentences.extend(sentences),
            _ => out.push(Monologue {
                speaker_id,
                topic: None,
                sentences,
            }),
        }
    }
    out
}

/// What [`map_voices`] decides for each voice, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceMapping {
    pub party: Option<PartyId>,
    pub source: SpeakerSource,
}

/// Ties voices to parties. In order of certainty:
/// 1. a voice whose channel a party is recorded on (`Party::media_channel`), or else, on a
///    stereo dialer recording, channel 0 to the call's primary user and channel 1 to the
///    only outside party (dialers put the rep left and the customer right);
/// 2. a voice whose embedding matches the voice profile of a party's user with cosine
///    similarity at least `min_similarity`, best pairs first, each party once;
/// 3. one voice and one party left over: each other.
///
/// Before all of these, `remembered` (voices a person tied to parties of this call before
/// it was transcribed again) wins for any voice that sounds like one of them: corrections
/// stick. Next, `timeline[v]`: the party the call's speakers timeline gives voice `v`
/// ([`crate::timeline::attribute`]); Gong lets a timeline win over media channels.
///
/// Voices left without a party get [`SpeakerSource::Unmatched`]; the caller adds parties
/// for them.
pub fn map_voices(
    voices: &[FoundVoice],
    parties: &[Party],
    primary_user: Option<UserId>,
    profiles: &[VoiceProfile],
    remembered: &[(Vec<f32>, PartyId)],
    timeline: &[Option<PartyId>],
    min_similarity: f32,
) -> Vec<VoiceMapping> {
    let mut out: Vec<VoiceMapping> = voices
        .iter()
        .map(|_| VoiceMapping {
            party: None,
            source: SpeakerSource::Unmatched,
        })
        .collect();
    let mut taken: Vec<PartyId> = Vec::new();

    // 0. Earlier corrections, best pairs first.
    let mut pairs: Vec<(f32, usize, PartyId)> = Vec::new();
    for (i, v) in voices.iter().enumerate() {
        let Some(voice) = &v.voice else { continue };
        for (old, party) in remembered {
            let sim = cosine(voice, old);
            if sim >= min_similarity && parties.iter().any(|p| p.id == *party) {
                pairs.push((sim, i, *party));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, i, party) in pairs {
        if out[i].party.is_none() && !taken.contains(&party) {
            out[i] = VoiceMapping {
                party: Some(party),
                source: SpeakerSource::Manual,
            };
            taken.push(party);
        }
    }

    // 0b. The speakers timeline.
    for (i, party) in timeline.iter().enumerate().take(voices.len()) {
        let Some(party) = *party else { continue };
        if out[i].party.is_none()
            && !taken.contains(&party)
            && parties.iter().any(|p| p.id == party)
        {
            out[i] = VoiceMapping {
                party: Some(party),
                source: SpeakerSource::Timeline,
            };
            taken.push(party);
        }
    }

    // 1. Channels.
    let stereo = voices.iter().filter(|v| v.channel.is_some()).count() == 2;
    for (i, v) in voices.iter().enumerate() {
        let Some(ch) = v.channel else { continue };
        if out[i].party.is_some() {
            continue;
        }
        let by_channel = parties
            .iter()
            .find(|p| p.media_channel == Some(ch as i32) && !taken.contains(&p.id));
        let by_convention = || {
            if !stereo {
                return None;
            }
            match ch {
                0 => parties
                    .iter()
                    .find(|p| p.user_id.is_some() && p.user_id == primary_user),
                1 => {
                    let outside: Vec<&Party> = parties
                        .iter()
                        .filter(|p| p.affiliation == Affiliation::External)
                        .collect();
                    (outside.len() == 1).then(|| outside[0])
                }
                _ => None,
            }
            .filter(|p| !taken.contains(&p.id) && p.media_channel.is_none())
        };
        if let Some(p) = by_channel.or_else(by_convention) {
            out[i] = VoiceMapping {
                party: Some(p.id),
                source: SpeakerSource::Channel,
            };
            taken.push(p.id);
        }
    }

    // 2. Voice profiles, best pairs first.
    let mut pairs: Vec<(f32, usize, PartyId)> = Vec::new();
    for (i, v) in voices.iter().enumerate() {
        let Some(voice) = &v.voice else { continue };
        if out[i].party.is_some() {
            continue;
        }
        for p in parties {
            let Some(user) = p.user_id else { continue };
            if let Some(profile) = profiles.iter().find(|pr| pr.user_id == user) {
                let sim = cosine(voice, &profile.voice);
                if sim >= min_similarity {
                    pairs.push((sim, i, p.id));
                }
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, i, party) in pairs {
        if out[i].party.is_none() && !taken.contains(&party) {
            out[i] = VoiceMapping {
                party: Some(party),
                source: SpeakerSource::Profile,
            };
            taken.push(party);
        }
    }

    // 3. Elimination.
    let free_voices: Vec<usize> = (0..voices.len())
        .filter(|&i| out[i].party.is_none())
        .collect();
    let free_parties: Vec<&Party> = parties.iter().filter(|p| !taken.contains(&p.id)).collect();
    if free_voices.len() == 1 && free_parties.len() == 1 {
        out[free_voices[0]] = VoiceMapping {
            party: Some(free_parties[0].id),
            source: SpeakerSource::Elimination,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CallId;

    fn party(id: i64, user: Option<i64>, affiliation: Affiliation) -> Party {
        Party {
            id: PartyId(id),
            call_id: CallId(1),
            name: None,
            email: None,
            title: None,
            user_id: user.map(UserId),
            speaker_id: None,
            affiliation,
            phone: None,
            methods: Vec::new(),
            media_channel: None,
            context: Vec::new(),
        }
    }

    fn voice(channel: Option<u32>, v: Option<Vec<f32>>) -> FoundVoice {
        FoundVoice {
            channel,
            speech_ms: 1000,
            voice: v,
        }
    }

    #[test]
    fn stereo_follows_the_dialer_convention() {
        let parties = vec![
            party(10, Some(7), Affiliation::Internal),
            party(11, None, Affiliation::External),
        ];
        let m = map_voices(
            &[voice(Some(0), None), voice(Some(1), None)],
            &parties,
            Some(UserId(7)),
            &[],
            &[],
            &[],
            0.8,
        );
        assert_eq!(m[0].party, Some(PartyId(10)));
        assert_eq!(m[1].party, Some(PartyId(11)));
        assert!(m.iter().all(|x| x.source == SpeakerSource::Channel));
    }

    #[test]
    fn declared_channels_win_over_the_convention() {
        let mut rep = party(10, Some(7), Affiliation::Internal);
        rep.media_channel = Some(1);
        let mut buyer = party(11, None, Affiliation::External);
        buyer.media_channel = Some(0);
        let m = map_voices(
            &[voice(Some(0), None), voice(Some(1), None)],
            &[rep, buyer],
            Some(UserId(7)),
            &[],
            &[],
            &[],
            0.8,
        );
        assert_eq!(m[0].party, Some(PartyId(11)));
        assert_eq!(m[1].party, Some(PartyId(10)));
    }

    #[test]
    fn mono_voices_match_profiles_then_eliminate() {
        let parties = vec![
            party(10, Some(7), Affiliation::Internal),
            party(11, None, Affiliation::External),
        ];
        let profiles = vec![VoiceProfile {
            user_id: UserId(7),
            voice: vec![1.0, 0.0, 0.0],
            samples: 3,
        }];
        // The second voice sounds like user 7; the first is left for the outside party.
        let m = map_voices(
            &[
                voice(None, Some(vec![0.0, 1.0, 0.0])),
                voice(None, Some(vec![0.95, 0.1, 0.0])),
            ],
            &parties,
            Some(UserId(7)),
            &profiles,
            &[],
            &[],
            0.8,
        );
        assert_eq!(m[1].party, Some(PartyId(10)));
        assert_eq!(m[1].source, SpeakerSource::Profile);
        assert_eq!(m[0].party, Some(PartyId(11)));
        assert_eq!(m[0].source, SpeakerSource::Elimination);
    }

    #[test]
    fn weak_matches_and_crowds_stay_unmatched() {
        let parties = vec![
            party(10, Some(7), Affiliation::Internal),
            party(11, None, Affiliation::External),
            party(12, None, Affiliation::External),
        ];
        let profiles = vec![VoiceProfile {
            user_id: UserId(7),
            voice: vec![1.0, 0.0],
            samples: 1,
        }];
        let m = map_voices(
            &[voice(None, Some(vec![0.5, 0.5])), voice(None, None)],
            &parties,
            None,
            &profiles,
            &[],
            &[],
            0.8,
        );
        assert!(m
            .iter()
            .all(|x| x.party.is_none() && x.source == SpeakerSource::Unmatched));
    }

    #[test]
    fn corrections_stick_across_transcriptions() {
        let parties = vec![
            party(10, Some(7), Affiliation::Internal),
            party(11, None, Affiliation::External),
        ];
        // Stereo convention would say channel 0 is user 7, but a person said the voice
        // that sounds like this is party 11.
        let remembered = vec![(vec![0.0, 1.0], PartyId(11))];
        let m = map_voices(
            &[
                voice(Some(0), Some(vec![0.1, 0.99])),
                voice(Some(1), Some(vec![1.0, 0.0])),
            ],
            &parties,
            Some(UserId(7)),
            &[],
            &remembered,
            &[],
            0.8,
        );
        assert_eq!(m[0].party, Some(PartyId(11)));
        assert_eq!(m[0].source, SpeakerSource::Manual);
        // Party 11 is taken, so channel 1 falls to elimination: the rep.
        assert_eq!(m[1].party, Some(PartyId(10)));
    }

    #[test]
    fn a_timeline_wins_over_channels_but_not_over_corrections() {
        let parties = vec![
            party(10, Some(7), Affiliation::Internal),
            party(11, None, Affiliation::External),
            party(12, None, Affiliation::External),
        ];
        let remembered = vec![(vec![0.0, 1.0], PartyId(12))];
        let m = map_voices(
            &[
                voice(Some(0), Some(vec![1.0, 0.0])),
                voice(Some(1), None),
                voice(None, Some(vec![0.0, 1.0])),
            ],
            &parties,
            Some(UserId(7)),
            &[],
            &remembered,
            // The timeline puts the customer on channel 0 and gives voice 2 to party 10,
            // which a person had tied to party 12.
            &[Some(PartyId(11)), None, Some(PartyId(10))],
            0.8,
        );
        assert_eq!(m[0].party, Some(PartyId(11)));
        assert_eq!(m[0].source, SpeakerSource::Timeline);
        assert_eq!(m[2].party, Some(PartyId(12)));
        assert_eq!(m[2].source, SpeakerSource::Manual);
        // Channel 1 is nobody's by declaration and the convention's customer is taken.
        assert_eq!(m[1].party, Some(PartyId(10)));
        assert_eq!(m[1].source, SpeakerSource::Elimination);
    }

    #[test]
    fn speech_becomes_monologues_and_sentences() {
        let w = |s: i64, e: i64, t: &str| crate::Word {
            start_ms: s,
            end_ms: e,
            text: t.into(),
        };
        let u = |voice: usize, words: Vec<crate::Word>| VoiceUtterance {
            voice,
            start_ms: words.first().map_or(0, |x| x.start_ms),
            end_ms: words.last().map_or(0, |x| x.end_ms),
            text: String::new(),
            words,
        };
        let speech = vec![
            u(
                0,
                vec![
                    w(0, 300, "Hi."),
                    w(400, 700, "How"),
                    w(700, 900, "are"),
                    w(900, 1200, "you?"),
                ],
            ),
            u(0, vec![w(1500, 1800, "Good")]),
            // Fitted to its speaker's turn: wider than its words.
            VoiceUtterance {
                start_ms: 1900,
                end_ms: 3000,
                ..u(1, vec![w(2000, 2400, "Fine,"), w(2400, 2800, "thanks.")])
            },
        ];
        let t = transcript_from_speech(&speech, &[SpeakerId(5), SpeakerId(6)]);
        assert_eq!(t.len(), 2);
        let texts: Vec<&str> = t[0].sentences.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, vec!["Hi.", "How are you?", "Good"]);
        assert_eq!(
            (t[0].sentences[1].start_ms, t[0].sentences[1].end_ms),
            (400, 1200)
        );
        assert_eq!(t[0].sentences[1].words.len(), 3);
        // Sentences of one utterance meet; those of two utterances do not.
        assert_eq!(
            (t[0].sentences[0].start_ms, t[0].sentences[0].end_ms),
            (0, 400)
        );
        assert_eq!(
            (t[0].sentences[2].start_ms, t[0].sentences[2].end_ms),
            (1500, 1800)
        );
        assert_eq!(t[1].speaker_id, SpeakerId(6));
        assert_eq!(t[1].sentences[0].text, "Fine, thanks.");
        assert_eq!(
            (t[1].sentences[0].start_ms, t[1].sentences[0].end_ms),
            (1900, 3000)
        );
    }

    #[test]
    fn profiles_learn_as_a_running_mean() {
        let mut p = VoiceProfile {
            user_id: UserId(1),
            voice: vec![1.0, 0.0],
            samples: 1,
        };
        p.learn(&[0.0, 1.0]);
        assert_eq!((p.voice.clone(), p.samples), (vec![0.5, 0.5], 2));
        p.learn(&[1.0]);
        assert_eq!((p.voice, p.samples), (vec![1.0], 1));
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 0.0]), 0.0);
        assert!((cosine(&[1.0, 1.0], &[2.0, 2.0]) - 1.0).abs() < 1e-6);
    }
}
