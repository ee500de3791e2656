//! Transcripts, and how the voices in an imported transcript become call parties.

use std::collections::HashMap;

use crate::{Affiliation, Party, PartyId, SpeakerId};

/// One sentence (or subtitle cue) with its time span from the start of the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    /// Word timings when speech recognition produced the sentence (imports have none).
    pub words: Vec<Word>,
}

/// A recognised word and when it was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

/// An uninterrupted stretch of one speaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monologue {
    pub speaker_id: SpeakerId,
    pub topic: Option<String>,
    pub sentences: Vec<Sentence>,
}

/// A stored transcript: monologues in time order.
pub type Transcript = Vec<Monologue>;

/// How an imported file names a voice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SpeakerLabel {
    /// A display name, as WebVTT voice tags and "Name: text" captions carry.
    Name(String),
    /// An opaque speaker id, as Gong's transcript JSON carries.
    Id(String),
}

/// One timed piece of text from an imported file, before speakers are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub speaker: Option<SpeakerLabel>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub topic: Option<String>,
}

/// A party the import has to add because no existing party matched a voice.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpeakerParty {
    pub id: PartyId,
    pub name: Option<String>,
    pub speaker_id: SpeakerId,
    pub affiliation: Affiliation,
}

/// The result of tying an imported transcript to a call's parties.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerAssignment {
    pub transcript: Transcript,
    /// Existing parties that spoke and get (or keep) this speaker id.
    pub speaking_parties: Vec<(PartyId, SpeakerId)>,
    /// Voices that matched no party.
    pub new_parties: Vec<NewSpeakerParty>,
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Finds the party a voice label stands for.
///
/// A name matches, in this order: a party's full name; a party's email address or its
/// local part (`jane.doe`); a party's first name when only one party has it. An id
/// matches the party that already carries that speaker id. Parties taken by an earlier
/// voice are not matched twice.
fn match_party(label: &SpeakerLabel, parties: &[Party], taken: &[PartyId]) -> Option<usize> {
    let free = |p: &&Party| !taken.contains(&p.id);
    match label {
        SpeakerLabel::Id(id) => parties
            .iter()
            .position(|p| p.speaker_id.is_some_and(|s| s.to_string() == *id) && free(&p)),
        SpeakerLabel::Name(name) => {
            let wanted = normalise(name);
            if wanted.is_empty() {
                return None;
            }
            let by_name = parties.iter().position(|p| {
                free(&p) && p.name.as_deref().map(normalise).as_deref() == Some(&wanted)
            });
            if by_name.is_some() {
                return by_name;
            }
            let by_email = parties.iter().position(|p| {
                free(&p)
                    && p.email.as_deref().is_some_and(|e| {
                        let e = e.to_lowercase();
                        e == wanted || e.split('@').next() == Some(wanted.as_str())
                    })
            });
            if by_email.is_some() {
                return by_email;
            }
            let first = wanted.split(' ').next().unwrap_or_default();
            let mut by_first = parties.iter().enumerate().filter(|(_, p)| {
                free(p)
                    && p.name
                        .as_deref()
                        .map(normalise)
                        .is_some_and(|n| n.split(' ').next() == Some(first))
            });
            match (by_first.next(), by_first.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        }
    }
}

/// Ties every voice in `cues` to a party of the call, adding parties for voices that
/// match none, and groups consecutive cues of one voice into monologues.
///
/// Cues are ordered by start time; cues with no text are dropped. A transcript with no
/// speaker labels at all is given to a single unnamed speaker.
pub fn assign_speakers(mut cues: Vec<Cue>, parties: &[Party]) -> SpeakerAssignment {
    cues.retain(|c| !c.text.trim().is_empty());
    cues.sort_by_key(|c| (c.start_ms, c.end_ms));

    // Keyed on the normalised label, so "jane  doe" and "Jane Doe" are one voice.
    let label_key = |l: &Option<SpeakerLabel>| match l {
        Some(SpeakerLabel::Name(n)) => Some(SpeakerLabel::Name(normalise(n))),
        other => other.clone(),
    };
    let mut speaker_of: HashMap<Option<SpeakerLabel>, SpeakerId> = HashMap::new();
    let mut taken: Vec<PartyId> = Vec::new();
    let mut speaking_parties = Vec::new();
    let mut new_parties: Vec<NewSpeakerParty> = Vec::new();
    let mut used_speaker_ids: Vec<SpeakerId> =
        parties.iter().filter_map(|p| p.speaker_id).collect();

    let mut transcript: Transcript = Vec::new();
    for cue in cues {
        let speaker_id = match speaker_of.get(&label_key(&cue.speaker)) {
            Some(id) => *id,
            None => {
                let matched = cue
                    .speaker
                    .as_ref()
                    .and_then(|l| match_party(l, parties, &taken));
                let id = match matched {
                    Some(i) => {
                        let party = &parties[i];
                        taken.push(party.id);
                        let id = party.speaker_id.unwrap_or_else(SpeakerId::generate);
                        speaking_parties.push((party.id, id));
                        id
                    }
                    None => {
                        // Keep a numeric id from the source file when it is free, so that
                        // references into the original export still resolve.
                        let id = match &cue.speaker {
                            Some(SpeakerLabel::Id(s)) => s
                                .parse::<SpeakerId>()
                                .ok()
                                .filter(|id| !used_speaker_ids.contains(id))
                                .unwrap_or_else(SpeakerId::generate),
                            _ => SpeakerId::generate(),
                        };
                        let name = match &cue.speaker {
                            Some(SpeakerLabel::Name(n)) if !n.trim().is_empty() => {
                                Some(n.trim().to_owned())
                            }
                            _ => Some(format!("Speaker {}", new_parties.len() + 1)),
                        };
                        new_parties.push(NewSpeakerParty {
                            id: PartyId::generate(),
                            name,
                            speaker_id: id,
                            affiliation: Affiliation::Unknown,
                        });
                        id
                    }
                };
                used_speaker_ids.push(id);
                speaker_of.insert(label_key(&cue.speaker), id);
                id
            }
        };
        let sentence = Sentence {
            start_ms: cue.start_ms,
            end_ms: cue.end_ms,
            text: cue.text.trim().to_owned(),
            words: Vec::new(),
        };
        match transcript.last_mut() {
            Some(m)
                if m.speaker_id == speaker_id && (cue.topic.is_none() || m.topic == cue.topic) =>
            {
                m.sentences.push(sentence)
            }
            _ => transcript.push(Monologue {
                speaker_id,
                topic: cue.topic,
                sentences: vec![sentence],
            }),
        }
    }
    SpeakerAssignment {
        transcript,
        speaking_parties,
        new_parties,
    }
}

/// The end of the last sentence, in milliseconds.
pub fn transcript_end_ms(t: &Transcript) -> i64 {
    t.iter()
        .flat_map(|m| &m.sentences)
        .map(|s| s.end_ms)
        .max()
        .unwrap_or(0)
}

/// Seconds each speaker talked: the sum of their sentence spans.
pub fn talk_time(t: &Transcript) -> Vec<(SpeakerId, f64)> {
    TranscriptTally::of(t).talk
}

/// Questions asked by each side: sentences ending in `?`, counted for the company when
/// the speaker's party is internal and for the other side otherwise (including voices
/// tied to no party).
pub fn question_counts(t: &Transcript, parties: &[Party]) -> (i64, i64) {
    TranscriptTally::of(t).question_counts(parties)
}

/// Whether a sentence asks a question: its text ends in `?`, trailing white space aside.
pub fn is_question(text: &str) -> bool {
    text.trim_end().ends_with('?')
}

/// The characters [`str::trim_end`] removes (Unicode `White_Space`), for a store that
/// tells questions apart where the sentences are, as [`is_question`] does.
pub const WHITE_SPACE: &str = "\u{9}\u{a}\u{b}\u{c}\u{d}\u{20}\u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

/// One monologue reduced to what talk time and question counts need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonologueTally {
    pub speaker_id: SpeakerId,
    /// The sum of its sentences' spans.
    pub talk_ms: i64,
    /// Its sentences that ask a question ([`is_question`]).
    pub questions: i64,
}

impl MonologueTally {
    pub fn of(m: &Monologue) -> Self {
        MonologueTally {
            speaker_id: m.speaker_id,
            talk_ms: m.sentences.iter().map(|s| s.end_ms - s.start_ms).sum(),
            questions: m.sentences.iter().filter(|s| is_question(&s.text)).count() as i64,
        }
    }
}

/// Talk time and questions per speaker, summed monologue by monologue in transcript
/// order: a store can feed it one monologue at a time (see [`MonologueTally`]) and get
/// the very numbers, to the last bit of each `f64`, that the whole transcript gives, so
/// a listing never has to hold a transcript for them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TranscriptTally {
    /// Seconds each speaker talked, speakers in the order they first spoke.
    pub talk: Vec<(SpeakerId, f64)>,
    /// Questions each speaker asked, in the same order.
    pub questions: Vec<(SpeakerId, i64)>,
}

impl TranscriptTally {
    pub fn of(t: &Transcript) -> Self {
        let mut tally = TranscriptTally::default();
        for m in t {
            tally.add(MonologueTally::of(m));
        }
        tally
    }

    /// Adds the next monologue. The seconds are added per monologue, as they always
    /// were: a different order of additions could change the last digit of the output.
    pub fn add(&mut self, m: MonologueTally) {
        let secs = m.talk_ms as f64 / 1000.0;
        match self.talk.iter().position(|(s, _)| *s == m.speaker_id) {
            Some(i) => {
                self.talk[i].1 += secs;
                self.questions[i].1 += m.questions;
            }
            None => {
                self.talk.push((m.speaker_id, secs));
                self.questions.push((m.speaker_id, m.questions));
            }
        }
    }

    /// Questions asked by each side (see [`question_counts`]).
    pub fn question_counts(&self, parties: &[Party]) -> (i64, i64) {
        let mut company = 0;
        let mut non_company = 0;
        for (speaker, asked) in &self.questions {
            let internal = parties
                .iter()
                .any(|p| p.speaker_id == Some(*speaker) && p.affiliation == Affiliation::Internal);
            if internal {
                company += asked;
            } else {
                non_company += asked;
            }
        }
        (company, non_company)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CallId, UserId};

    fn party(name: &str, email: Option<&str>) -> Party {
        Party {
            id: PartyId::generate(),
            call_id: CallId(1),
            name: Some(name.into()),
            email: email.map(Into::into),
            title: None,
            user_id: Some(UserId(1)),
            speaker_id: None,
            affiliation: Affiliation::Internal,
            phone: None,
            methods: vec![],
            media_channel: None,
            context: vec![],
        }
    }

    fn cue(who: &str, start: i64, text: &str) -> Cue {
        Cue {
            speaker: Some(SpeakerLabel::Name(who.into())),
            start_ms: start,
            end_ms: start + 900,
            text: text.into(),
            topic: None,
        }
    }

    #[test]
    fn names_match_by_full_name_email_and_unique_first_name() {
        let parties = vec![
            party("Jane Doe", Some("jane.doe@acme.com")),
            party("Bob Stone", Some("bstone@client.io")),
            party("Carla Diaz", None),
        ];
        let cues = vec![
            cue("jane  doe", 0, "Hi."),
            cue("bstone", 1000, "Hello."),
            cue("Carla", 2000, "Hey."),
            cue("Jane Doe", 3000, "So."),
            cue("Jane Doe", 4000, "Anyway."),
        ];
        let a = assign_speakers(cues, &parties);
        assert_eq!(a.new_parties, vec![]);
        assert_eq!(a.speaking_parties.len(), 3);
        assert_eq!(a.transcript.len(), 4, "consecutive cues of one voice merge");
        assert_eq!(a.transcript[3].sentences.len(), 2);
        let jane = a.speaking_parties[0].1;
        assert_eq!(a.transcript[0].speaker_id, jane);
        assert_eq!(a.transcript[3].speaker_id, jane);
    }

    #[test]
    fn ambiguous_first_names_and_strangers_become_new_parties() {
        let parties = vec![party("Sam One", None), party("Sam Two", None)];
        let a = assign_speakers(
            vec![cue("Sam", 0, "Hi."), cue("Zed", 1000, "Yo.")],
            &parties,
        );
        let names: Vec<_> = a
            .new_parties
            .iter()
            .map(|p| p.name.clone().unwrap())
            .collect();
        assert_eq!(names, vec!["Sam", "Zed"]);
        assert!(a.speaking_parties.is_empty());
    }

    #[test]
    fn existing_speaker_ids_are_kept_and_ids_from_files_reused() {
        let mut p = party("Jane Doe", None);
        p.speaker_id = Some(SpeakerId(4242));
        let a = assign_speakers(
            vec![
                Cue {
                    speaker: Some(SpeakerLabel::Id("4242".into())),
                    start_ms: 0,
                    end_ms: 5,
                    text: "a".into(),
                    topic: None,
                },
                Cue {
                    speaker: Some(SpeakerLabel::Id("777".into())),
                    start_ms: 10,
                    end_ms: 15,
                    text: "b".into(),
                    topic: None,
                },
            ],
            &[p.clone()],
        );
        assert_eq!(a.speaking_parties, vec![(p.id, SpeakerId(4242))]);
        assert_eq!(a.new_parties[0].speaker_id, SpeakerId(777));
    }

    #[test]
    fn talk_time_and_questions_follow_the_sentences() {
        let mut rep = party("Rita Rep", None);
        rep.speaker_id = Some(SpeakerId(1));
        let mut buyer = party("Carl", None);
        buyer.affiliation = Affiliation::External;
        buyer.speaker_id = Some(SpeakerId(2));
        let s = |a: i64, b: i64, t: &str| Sentence {
            start_ms: a,
            end_ms: b,
            text: t.into(),
            words: Vec::new(),
        };
        let t = vec![
            Monologue {
                speaker_id: SpeakerId(1),
                topic: None,
                sentences: vec![s(0, 1500, "Hi."), s(1500, 3000, "Ready? ")],
            },
            Monologue {
                speaker_id: SpeakerId(2),
                topic: None,
                sentences: vec![s(3000, 4000, "Price?"), s(4000, 4250, "Ok?")],
            },
            Monologue {
                speaker_id: SpeakerId(1),
                topic: None,
                sentences: vec![s(5000, 5500, "Sure.")],
            },
            Monologue {
                speaker_id: SpeakerId(9),
                topic: None,
                sentences: vec![s(6000, 6100, "Who?")],
            },
        ];
        assert_eq!(
            talk_time(&t),
            vec![
                (SpeakerId(1), 3.5),
                (SpeakerId(2), 1.25),
                (SpeakerId(9), 0.1)
            ]
        );
        assert_eq!(question_counts(&t, &[rep, buyer]), (1, 3));
    }

    #[test]
    fn unlabelled_transcripts_get_one_speaker_and_empty_cues_drop() {
        let cues = vec![
            Cue {
                speaker: None,
                start_ms: 2000,
                end_ms: 2500,
                text: "second".into(),
                topic: None,
            },
            Cue {
                speaker: None,
                start_ms: 0,
                end_ms: 500,
                text: "first".into(),
                topic: None,
            },
            Cue {
                speaker: None,
                start_ms: 900,
                end_ms: 950,
                text: "  ".into(),
                topic: None,
            },
        ];
        let a = assign_speakers(cues, &[]);
        assert_eq!(a.new_parties.len(), 1);
        assert_eq!(a.transcript.len(), 1);
        let texts: Vec<_> = a.transcript[0]
            .sentences
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(texts, ["first", "second"]);
        assert_eq!(transcript_end_ms(&a.transcript), 2500);
    }

    /// A store trims with this list where the sentences are: it must be exactly what
    /// `trim_end` trims, or a question would be counted on one path and not the other.
    #[test]
    fn white_space_is_what_trim_end_trims() {
        let all: String = (0..=0x10ffff_u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(WHITE_SPACE, all);
        assert!(is_question("why?\u{3000}\n"));
        assert!(!is_question("why?."));
    }
}
