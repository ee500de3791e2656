//! The Rust encoder against the numpy/librosa reference (tests/reference/ge2e_reference.py).

mod common;

use parley_voice::Embedding;

const CLIP: &[u8] = include_bytes!("fixtures/parity_clip.s16");
const GOLDEN: &[u8] = include_bytes!("fixtures/parity_embedding.f32");

#[test]
fn embedding_matches_numpy_reference() {
    let enc = common::encoder();
    let clip = common::s16_to_f32(CLIP);
    let got = enc.embed(&clip).expect("2 s of speech embeds");
    let want = Embedding::from_vec(common::f32_le(GOLDEN)).expect("golden embedding");
    let cos = got.cosine(&want);
    let max_diff = got
        .as_slice()
        .iter()
        .zip(want.as_slice())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    println!("parity: cosine {cos:.6}, max abs diff {max_diff:.2e}");
    assert!(cos >= 0.999, "cosine to reference {cos}");
}
