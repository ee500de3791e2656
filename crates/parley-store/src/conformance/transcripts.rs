//! Transcripts: long ones read without holding them (chunks, sizes, tallies summed where
//! the sentences are), word timings and sources, speakers and voices.

use parley_domain::*;

use super::{bare_call, t0, workspace_and_user, Harness};
use crate::{SentenceKey, Store, StoreError, TranscriptWrite};

async fn calls(s: &dyn Store, n: usize) -> Vec<CallId> {
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let mut out = Vec::new();
    for _ in 0..n {
        let call = bare_call(CallId::generate(), ws.id, user.id, t0());
        s.insert_call(&call, &[], &[], &[]).await.unwrap();
        out.push(call.id);
    }
    out
}

/// `sentences` sentences, the speaker changing every seven (so monologues cross chunk
/// edges), some of them questions with trailing white space `trim_end` removes, and
/// spans that do not add up to round seconds.
fn long_transcript(sentences: usize) -> Transcript {
    let mut t: Transcript = Vec::new();
    for i in 0..sentences {
        let speaker = SpeakerId(1 + (i / 7 % 3) as i64);
        let text = match i % 5 {
            0 => format!("Is sentence {i} a question?"),
            1 => format!("And this one, {i}?\u{3000}\u{a0}\n"),
            2 => format!("Not this one? No, {i}."),
            3 => format!("Ünïcödé \"quoted\" {i}"),
            _ => format!("Plain sentence {i}"),
        };
        let sentence = Sentence {
            start_ms: i as i64 * 1_000,
            end_ms: i as i64 * 1_000 + 333 + (i % 7) as i64,
            text,
            words: vec![],
        };
        match t.last_mut() {
            Some(m) if m.speaker_id == speaker => m.sentences.push(sentence),
            _ => t.push(Monologue {
                speaker_id: speaker,
                topic: (i % 2 == 0).then(|| format!("topic {}", i / 7)),
                sentences: vec![sentence],
            }),
        }
    }
    t
}

async fn write(s: &dyn Store, call: CallId, t: &Transcript) {
    s.replace_transcript(TranscriptWrite {
        call_id: call,
        source: "import:test",
        transcript: t,
        speaking_parties: &[],
        new_parties: &[],
        duration_s: None,
        language: None,
        speakers: &[],
        at: t0(),
        lease: None,
        media_sha256: None,
    })
    .await
    .unwrap();
}

/// A 5,000-sentence transcript read 300 sentences at a time: no chunk holds more, and
/// the chunks put together are the transcript, every sentence once, in order.
pub async fn a_long_transcript_is_read_in_chunks_of_at_most_the_limit(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let call = calls(s, 1).await[0];
    let t = long_transcript(5_000);
    write(s, call, &t).await;

    let mut rebuilt: Transcript = Vec::new();
    let mut last: Option<SentenceKey> = None;
    let mut chunks = 0;
    loop {
        let chunk = s.transcript_sentences(call, last, 300).await.unwrap();
        assert!(chunk.len() <= 300, "a chunk held {} sentences", chunk.len());
        for sentence in &chunk {
            assert!(last < Some(sentence.key), "in order, each once");
            let same = last.is_some_and(|k| k.monologue == sentence.key.monologue);
            if !same {
                rebuilt.push(Monologue {
                    speaker_id: sentence.speaker_id,
                    topic: sentence.topic.clone(),
                    sentences: vec![],
                });
            }
            rebuilt.last_mut().unwrap().sentences.push(Sentence {
                start_ms: sentence.start_ms,
                end_ms: sentence.end_ms,
                text: sentence.text.clone(),
                words: vec![],
            });
            last = Some(sentence.key);
        }
        if chunk.len() < 300 {
            break;
        }
        chunks += 1;
    }
    assert_eq!(chunks, 16);
    assert_eq!(rebuilt, t);
    assert_eq!(s.transcripts_of(&[call]).await.unwrap()[&call], t);

    let size = s.transcript_sizes(&[call]).await.unwrap()[&call];
    assert_eq!(size.sentences, 5_000);
    assert_eq!(size.monologues, t.len() as i64);
    let text: usize = t
        .iter()
        .flat_map(|m| &m.sentences)
        .map(|s| s.text.len())
        .sum();
    assert_eq!(size.text_bytes, text as i64);
}

/// Talk time and questions summed by the store are, to the bit, what the whole
/// transcript gives; calls without a transcript are absent from both.
pub async fn tallies_summed_in_the_store_are_those_of_the_whole_transcript(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let ids = calls(s, 2).await;
    let (call, bare) = (ids[0], ids[1]);
    let t = long_transcript(5_000);
    write(s, call, &t).await;

    let tallies = s.transcript_tallies(&[call, bare]).await.unwrap();
    let tally = &tallies[&call];
    assert_eq!(*tally, TranscriptTally::of(&t));
    let bits = |v: &[(SpeakerId, f64)]| -> Vec<(SpeakerId, u64)> {
        v.iter().map(|(s, x)| (*s, x.to_bits())).collect()
    };
    assert_eq!(bits(&tally.talk), bits(&talk_time(&t)));
    let asked: i64 = tally.questions.iter().map(|(_, n)| n).sum();
    assert_eq!(asked, 2_000, "two sentences in five end in a question mark");
    assert!(!tallies.contains_key(&bare));
    assert!(!s
        .transcript_sizes(&[bare])
        .await
        .unwrap()
        .contains_key(&bare));
    assert!(s
        .transcript_sentences(bare, None, 10)
        .await
        .unwrap()
        .is_empty());
}

fn party(call: CallId, name: &str, user: Option<UserId>) -> Party {
    Party {
        id: PartyId::generate(),
        call_id: call,
        name: Some(name.into()),
        email: None,
        title: None,
        user_id: user,
        speaker_id: None,
        affiliation: Affiliation::Unknown,
        phone: None,
        methods: vec![],
        media_channel: None,
        context: vec![],
    }
}

fn speaker(id: i64, channel: u32, party: Option<PartyId>, source: SpeakerSource) -> CallSpeaker {
    CallSpeaker {
        speaker_id: SpeakerId(id),
        channel: Some(channel),
        speech_ms: 1000 * id,
        voice: Some(vec![0.5, -0.25, 1.0e-7, id as f32]),
        party_id: party,
        source,
    }
}

/// A speech-recognition write: word timings and the source come back as written, the
/// voices replace the call's, speaking parties get their speaker and new parties are
/// appended; the duration is set only when the call had none.
pub async fn transcript_detail_keeps_words_and_source_and_new_parties(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, user) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = bare_call(CallId::generate(), ws.id, user.id, t0());
    let ann = party(call.id, "Ann", Some(user.id));
    s.insert_call(&call, std::slice::from_ref(&ann), &[], &[])
        .await
        .unwrap();
    let word = |start_ms, text: &str| Word {
        start_ms,
        end_ms: start_ms + 90,
        text: text.into(),
    };
    let t: Transcript = vec![
        Monologue {
            speaker_id: SpeakerId(1),
            topic: None,
            sentences: vec![Sentence {
                start_ms: 0,
                end_ms: 200,
                text: "Hi there".into(),
                words: vec![word(0, "Hi"), word(100, "there")],
            }],
        },
        Monologue {
            speaker_id: SpeakerId(2),
            topic: Some("Intro".into()),
            sentences: vec![Sentence {
                start_ms: 300,
                end_ms: 400,
                text: "Hello?".into(),
                words: vec![],
            }],
        },
    ];
    let bob = party(call.id, "Bob", None);
    let speaking = [(ann.id, SpeakerId(1))];
    let new_parties = [Party {
        speaker_id: Some(SpeakerId(2)),
        ..bob.clone()
    }];
    let speakers = [
        speaker(1, 0, Some(ann.id), SpeakerSource::Channel),
        speaker(2, 1, Some(bob.id), SpeakerSource::Unmatched),
    ];
    let write = TranscriptWrite {
        call_id: call.id,
        source: "asr:whisper-small",
        transcript: &t,
        speaking_parties: &speaking,
        new_parties: &new_parties,
        duration_s: Some(30),
        language: Some("eng"),
        speakers: &speakers,
        at: t0(),
        lease: None,
        media_sha256: None,
    };
    assert!(s.replace_transcript(write.clone()).await.unwrap());
    assert_eq!(
        s.transcript_detail(call.id).await.unwrap(),
        Some(("asr:whisper-small".to_owned(), t.clone()))
    );
    let mut plain = t.clone();
    plain[0].sentences[0].words.clear();
    assert_eq!(s.transcripts_of(&[call.id]).await.unwrap()[&call.id], plain);
    let parties = &s.parties_of(&[call.id]).await.unwrap()[&call.id];
    assert_eq!(
        parties
            .iter()
            .map(|p| (p.id, p.speaker_id))
            .collect::<Vec<_>>(),
        [(ann.id, Some(SpeakerId(1))), (bob.id, Some(SpeakerId(2)))]
    );
    assert_eq!(s.call_speakers(call.id).await.unwrap(), speakers);
    let got = s.get_call(call.id).await.unwrap().unwrap();
    assert_eq!((got.duration_s, got.language.as_deref()), (30, Some("eng")));
    let size = s.transcript_sizes(&[call.id]).await.unwrap()[&call.id];
    assert_eq!((size.monologues, size.sentences), (2, 2));
    assert_eq!(
        size.version,
        s.analysis_input(call.id).await.unwrap().unwrap().version
    );

    // Again, with no voices and another duration: the voices go, the duration stays,
    // and parties keep a speaker only when this transcript says so.
    let again = TranscriptWrite {
        speaking_parties: &[],
        new_parties: &[],
        speakers: &[],
        duration_s: Some(99),
        language: None,
        at: t0() + chrono::Duration::seconds(1),
        ..write
    };
    assert!(s.replace_transcript(again).await.unwrap());
    assert!(s.call_speakers(call.id).await.unwrap().is_empty());
    let got = s.get_call(call.id).await.unwrap().unwrap();
    assert_eq!((got.duration_s, got.language.as_deref()), (30, Some("eng")));
    let parties = &s.parties_of(&[call.id]).await.unwrap()[&call.id];
    assert!(parties.iter().all(|p| p.speaker_id.is_none()));
    assert_eq!(parties.len(), 2);

    assert_eq!(s.transcript_detail(CallId(3)).await.unwrap(), None);
    let t = super::one_sentence(1, "nobody");
    let err = s
        .replace_transcript(super::import(CallId(3), &t, t0()))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert!(s.transcripts_of(&[]).await.unwrap().is_empty());
    assert!(s.transcript_tallies(&[]).await.unwrap().is_empty());
    assert!(s.transcript_sizes(&[]).await.unwrap().is_empty());
}

/// A voice tied to a party by hand: the party takes the voice's speaker (no one else
/// keeps it), the voice the party (no other voice keeps it), and the user's voice
/// profile is learned in the same write.
pub async fn speakers_are_assigned_by_hand_and_voices_learned(h: &dyn Harness) {
    let f = h.fresh().await;
    let s = &*f.store;
    let (ws, me) = workspace_and_user(s, UserId::generate(), t0()).await;
    let call = bare_call(CallId::generate(), ws.id, me.id, t0());
    let ann = party(call.id, "Ann", Some(me.id));
    let bob = party(call.id, "Bob", None);
    s.insert_call(&call, &[ann.clone(), bob.clone()], &[], &[])
        .await
        .unwrap();
    let t: Transcript = vec![
        super::one_sentence(1, "one").remove(0),
        super::one_sentence(2, "two").remove(0),
        super::one_sentence(3, "three").remove(0),
    ];
    let speaking = [(ann.id, SpeakerId(1))];
    let speakers = [
        speaker(1, 0, Some(ann.id), SpeakerSource::Profile),
        speaker(2, 1, None, SpeakerSource::Unmatched),
    ];
    let mut w = super::import(call.id, &t, t0());
    w.speaking_parties = &speaking;
    w.speakers = &speakers;
    assert!(s.replace_transcript(w).await.unwrap());

    let learned = VoiceProfile {
        user_id: me.id,
        voice: vec![0.1, 0.2, 0.3],
        samples: 4,
    };
    s.assign_speaker(call.id, SpeakerId(2), ann.id, None, Some(&learned), t0())
        .await
        .unwrap();
    let voices = s.call_speakers(call.id).await.unwrap();
    assert_eq!(
        voices
            .iter()
            .map(|v| (v.speaker_id, v.party_id, v.source))
            .collect::<Vec<_>>(),
        [
            (SpeakerId(1), None, SpeakerSource::Unmatched),
            (SpeakerId(2), Some(ann.id), SpeakerSource::Manual),
        ]
    );
    let speaker_of = async |p: PartyId| {
        s.parties_of(&[call.id]).await.unwrap()[&call.id]
            .iter()
            .find(|x| x.id == p)
            .expect("the party")
            .speaker_id
    };
    assert_eq!(speaker_of(ann.id).await, Some(SpeakerId(2)));
    assert_eq!(
        s.voice_profiles(&[me.id, UserId(1)]).await.unwrap(),
        vec![learned]
    );

    // A voice only the transcript knows (no embedding) can be assigned too; it moves
    // from the party that had it.
    s.assign_speaker(call.id, SpeakerId(3), bob.id, None, None, t0())
        .await
        .unwrap();
    s.assign_speaker(call.id, SpeakerId(3), ann.id, None, None, t0())
        .await
        .unwrap();
    assert_eq!(speaker_of(ann.id).await, Some(SpeakerId(3)));
    assert_eq!(speaker_of(bob.id).await, None);

    // Someone who was not on the call: their party is added in the same write, last.
    let cleo = party(call.id, "Cleo", None);
    s.assign_speaker(call.id, SpeakerId(1), cleo.id, Some(&cleo), None, t0())
        .await
        .unwrap();
    let names = |ps: &[parley_domain::Party]| ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    let now = s
        .parties_of(&[call.id])
        .await
        .unwrap()
        .remove(&call.id)
        .unwrap();
    assert_eq!(
        names(&now),
        [Some("Ann".into()), Some("Bob".into()), Some("Cleo".into())]
    );
    assert_eq!(speaker_of(cleo.id).await, Some(SpeakerId(1)));
    // A refused assignment adds nobody.
    let dan = party(call.id, "Dan", None);
    let err = s
        .assign_speaker(call.id, SpeakerId(9), dan.id, Some(&dan), None, t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(s.parties_of(&[call.id]).await.unwrap()[&call.id].len(), 3);

    let err = s
        .assign_speaker(call.id, SpeakerId(9), ann.id, None, None, t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let err = s
        .assign_speaker(call.id, SpeakerId(1), PartyId(5), None, None, t0())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");

    let better = VoiceProfile {
        user_id: me.id,
        voice: vec![-0.5, 0.0, 0.5],
        samples: 5,
    };
    s.save_voice_profile(&better, t0()).await.unwrap();
    assert_eq!(s.voice_profiles(&[me.id]).await.unwrap(), vec![better]);
    assert!(s.voice_profiles(&[]).await.unwrap().is_empty());
}
