//! Embeddings separate voices: same voice, different text scores clearly higher than two
//! different voices.

mod common;

use common::{encoder, speak, LINES, VOICE_A, VOICE_B};

#[test]
fn same_voice_beats_different_voice() {
    let dir = tempfile::tempdir().unwrap();
    let enc = encoder();
    let e = |voice, text| enc.embed(&speak(dir.path(), voice, text)).expect("embeds");
    let a1 = e(VOICE_A, LINES[0]);
    let a2 = e(VOICE_A, LINES[1]);
    let b1 = e(VOICE_B, LINES[2]);
    let b2 = e(VOICE_B, LINES[3]);
    let same = [a1.cosine(&a2), b1.cosine(&b2)];
    let diff = [
        a1.cosine(&b1),
        a1.cosine(&b2),
        a2.cosine(&b1),
        a2.cosine(&b2),
    ];
    println!(
        "same voice, different text: A {:.3}, B {:.3}",
        same[0], same[1]
    );
    println!(
        "different voices: {:.3} {:.3} {:.3} {:.3}",
        diff[0], diff[1], diff[2], diff[3]
    );
    let min_same = same.iter().cloned().fold(1.0, f32::min);
    let max_diff = diff.iter().cloned().fold(-1.0, f32::max);
    assert!(
        min_same > max_diff + 0.05,
        "same {same:?} vs different {diff:?}"
    );
}
