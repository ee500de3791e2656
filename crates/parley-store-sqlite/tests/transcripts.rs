//! Reading a long transcript without holding it: chunked reads, sizes and the talk and
//! question tallies summed where the sentences are, against the whole transcript.

use chrono::{TimeZone, Utc};
use parley_domain::*;
use parley_store::{SentenceKey, Store, TranscriptWrite};
use parley_store_sqlite::SqliteStore;

mod common;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

async fn calls(s: &SqliteStore, n: usize) -> Vec<CallId> {
    let (ws, user) = common::workspace_and_user(s, UserId::generate(), t0()).await;
    let mut out = Vec::new();
    for _ in 0..n {
        let call = common::bare_call(CallId::generate(), ws.id, user.id, t0());
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

async fn write(s: &SqliteStore, call: CallId, t: &Transcript) {
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
#[tokio::test]
async fn a_long_transcript_is_read_in_chunks_of_at_most_the_limit() {
    let (_d, s) = common::store().await;
    let call = calls(&s, 1).await[0];
    let t = long_transcript(5_000);
    write(&s, call, &t).await;

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
#[tokio::test]
async fn tallies_summed_in_the_store_are_those_of_the_whole_transcript() {
    let (_d, s) = common::store().await;
    let ids = calls(&s, 2).await;
    let (call, bare) = (ids[0], ids[1]);
    let t = long_transcript(5_000);
    write(&s, call, &t).await;

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
