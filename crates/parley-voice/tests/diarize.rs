//! Diarization and profile matching on synthetic two-voice conversations (espeak-ng + sox).

mod common;

use common::{attribution, conversation, encoder, speak, LINES, VOICE_A, VOICE_B};
use parley_voice::{diarize, match_profiles, Embedding, SpeakerBounds};

fn alternating(dir: &std::path::Path) -> common::Conversation {
    // A B A B A B, the fourth turn following the third with no pause (one speech region
    // holding a change of speaker), then a short "Okay, thanks." from A, shorter than a
    // window.
    let mut parts: Vec<(usize, &str, bool)> = LINES[..6]
        .iter()
        .enumerate()
        .map(|(i, t)| (i % 2, *t, i == 3))
        .collect();
    parts.push((0, "Okay, thanks.", false));
    conversation(dir, &parts, &[VOICE_A, VOICE_B])
}

#[test]
fn two_voices_alternating() {
    let dir = tempfile::tempdir().unwrap();
    let c = alternating(dir.path());
    let d = diarize(&encoder(), &c.samples, &c.speech, SpeakerBounds::at_most(4));
    let acc = attribution(&c.truth, &d.turns);
    println!(
        "two voices: {} speakers, attribution {:.1}%",
        d.centroids.len(),
        acc * 100.0
    );
    for t in &d.turns {
        println!(
            "  {:6.2}-{:6.2} s speaker {}",
            t.start as f64 / 16e3,
            t.end as f64 / 16e3,
            t.speaker
        );
    }
    assert_eq!(d.centroids.len(), 2);
    assert!(acc >= 0.9, "attribution {acc}");
    assert_eq!(
        d.turns[0].speaker, 0,
        "speakers are numbered by first appearance"
    );
    let short = c.truth.last().unwrap().0.clone();
    println!(
        "short final turn: {:.2} s",
        (short.end - short.start) as f64 / 16e3
    );
    let last = d.turns.last().unwrap();
    assert_eq!(
        (last.start, last.end, last.speaker),
        (short.start, short.end, 0)
    );
}

#[test]
fn one_voice_is_one_speaker() {
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<(usize, &str, bool)> = LINES.iter().map(|t| (0, *t, false)).collect();
    let c = conversation(dir.path(), &parts, &[VOICE_A]);
    let d = diarize(&encoder(), &c.samples, &c.speech, SpeakerBounds::at_most(4));
    println!(
        "one voice: {} speakers, {} turns",
        d.centroids.len(),
        d.turns.len()
    );
    assert_eq!(d.centroids.len(), 1);
    assert!(d.turns.iter().all(|t| t.speaker == 0));
    let covered: usize = d.turns.iter().map(|t| t.end - t.start).sum();
    let speech: usize = c.speech.iter().map(|r| r.end - r.start).sum();
    assert_eq!(covered, speech, "every speech sample is attributed");
}

#[test]
fn max_one_forces_one_speaker() {
    let dir = tempfile::tempdir().unwrap();
    let c = alternating(dir.path());
    let d = diarize(&encoder(), &c.samples, &c.speech, SpeakerBounds::at_most(1));
    assert_eq!(d.centroids.len(), 1);
    assert!(d.turns.iter().all(|t| t.speaker == 0));
}

#[test]
fn enrolled_profile_matches_its_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let c = alternating(dir.path());
    let enc = encoder();
    let d = diarize(&enc, &c.samples, &c.speech, SpeakerBounds::at_most(4));
    assert_eq!(d.centroids.len(), 2);
    // Enrolment from text that is not in the conversation.
    let enrol = |voice| {
        let a = speak(
            dir.path(),
            voice,
            "My name is on file, please use this recording as my voice sample for future calls.",
        );
        enc.embed(&a).expect("enrolment embeds")
    };
    let (pa, pb) = (enrol(VOICE_A), enrol(VOICE_B));
    for (i, cen) in d.centroids.iter().enumerate() {
        println!(
            "centroid {i}: profile A {:.3}, profile B {:.3}",
            cen.cosine(&pa),
            cen.cosine(&pb)
        );
    }
    // Speaker 0 spoke first, and the conversation opens with voice A.
    let profiles = [pb.clone(), pa.clone()];
    assert_eq!(
        match_profiles(&d.centroids, &profiles, 0.6),
        vec![Some(1), Some(0)]
    );
    // Only A enrolled: B's cluster stays unmatched.
    assert_eq!(
        match_profiles(&d.centroids, &[pa], 0.6),
        vec![Some(0), None]
    );
}

// One-range arrays and a reversed range are deliberate inputs here, not mistakes.
#[allow(clippy::single_range_in_vec_init, clippy::reversed_empty_ranges)]
#[test]
fn bad_input_never_panics() {
    let enc = encoder();
    let b = SpeakerBounds::default();
    let one = [0..100];
    assert_eq!(diarize(&enc, &[], &one, b).turns, vec![]);
    let nan = vec![f32::NAN; 48_000];
    let all = [0..48_000];
    assert!(diarize(&enc, &nan, &all, b).turns.is_empty());
    assert!(enc.embed(&nan).is_none());
    assert!(enc.embed(&[]).is_none());
    assert!(enc.embed(&[0.1; 100]).is_none());
    let noise: Vec<f32> = (0..64_000)
        .map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.1)
        .collect();
    let weird = [
        50_000..10,
        0..0,
        10..200,
        63_000..1_000_000,
        0..40_000,
        30_000..45_000,
    ];
    let d = diarize(&enc, &noise, &weird, SpeakerBounds::new(5, 2));
    for t in &d.turns {
        assert!(t.start < t.end && t.end <= noise.len() && t.speaker < d.centroids.len());
    }
    assert!(match_profiles(&[], &d.centroids, 0.5).is_empty());
    let e = Embedding::from_vec(vec![1.0; 256]).unwrap();
    assert_eq!(
        match_profiles(std::slice::from_ref(&e), std::slice::from_ref(&e), f32::NAN),
        vec![None]
    );
}
