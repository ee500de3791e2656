//! Resemblyzer's GE2E speaker encoder: 40-band power mel → 3-layer LSTM (256) → linear →
//! ReLU → L2 norm, run on 1.6 s partials whose embeddings are averaged.

use std::path::Path;

use crate::cell::lstm_cell;
use crate::error::VoiceError;
use crate::gemm::PackedWeights;
use crate::mel::{MelFrontEnd, HOP, N_MELS, SAMPLE_RATE};
use crate::torch_legacy::{read_model_state, Tensor};

/// Dimension of a speaker embedding.
pub const EMBEDDING_DIM: usize = 256;
/// Shortest audio [`SpeakerEncoder::embed`] will embed: 0.5 s at 16 kHz. Below that the
/// model sees mostly zero padding and the embedding says more about the padding than the
/// voice.
pub const MIN_EMBED_SAMPLES: usize = SAMPLE_RATE / 2;

const HIDDEN: usize = 256;
const GATES: usize = 4 * HIDDEN;
const LAYERS: usize = 3;
/// Frames per partial utterance (1.6 s), Resemblyzer's `partials_n_frames`.
pub(crate) const PARTIAL_FRAMES: usize = 160;
pub(crate) const PARTIAL_SAMPLES: usize = PARTIAL_FRAMES * HOP;
/// Resemblyzer's `embed_utterance` defaults.
const PARTIALS_PER_SECOND: f64 = 1.3;
const MIN_COVERAGE: f64 = 0.75;
/// Volume target of Resemblyzer's `normalize_volume` (increase only).
const TARGET_DBFS: f64 = -30.0;
/// RMS below which a clip is treated as silence (-100 dBFS): normalising it to -30 dBFS
/// would only amplify numerical noise.
const SILENCE_RMS: f64 = 1e-5;
/// Partials pushed through the LSTM together. Batching turns the recurrent mat-vec into a
/// mat-mat product that reuses each weight B times; 32 keeps the pre-activation buffer
/// (B x 160 x 1024 f32 = 21 MB) reasonable.
const MAX_BATCH: usize = 32;

/// A speaker embedding: a 256-d unit vector. Cosine similarity is the dot product.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    /// Normalises `v` to unit length. `None` unless it has [`EMBEDDING_DIM`] finite components
    /// and is not all zero, so every `Embedding` is comparable with every other.
    pub fn from_vec(mut v: Vec<f32>) -> Option<Self> {
        if v.len() != EMBEDDING_DIM || v.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let norm = v
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            .sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        for x in &mut v {
            *x = (f64::from(*x) / norm) as f32;
        }
        Some(Self(v))
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<f32> {
        self.0
    }

    /// Cosine similarity in [-1, 1]. GE2E embeddings are non-negative (ReLU), so in practice
    /// [0, 1].
    pub fn cosine(&self, other: &Embedding) -> f32 {
        let dot: f32 = self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum();
        dot.clamp(-1.0, 1.0)
    }

    /// Normalised mean. `None` for no items (or items that cancel out exactly).
    pub fn average<'a>(items: impl IntoIterator<Item = &'a Embedding>) -> Option<Embedding> {
        let mut sum = vec![0f32; EMBEDDING_DIM];
        for e in items {
            for (s, x) in sum.iter_mut().zip(&e.0) {
                *s += x;
            }
        }
        Embedding::from_vec(sum)
    }
}

struct Layer {
    input: usize,
    /// (1024, input), PyTorch gate order i, f, g, o.
    w_ih: PackedWeights,
    /// (1024, 256).
    w_hh: PackedWeights,
    /// bias_ih + bias_hh: the two are only ever added.
    bias: Vec<f32>,
}

/// The GE2E speaker encoder. Immutable after loading, so `Send + Sync`: load once, share
/// behind an `Arc`, call from any thread.
pub struct SpeakerEncoder {
    layers: Vec<Layer>,
    /// (256, 256).
    linear_w: PackedWeights,
    linear_b: Vec<f32>,
    mel: MelFrontEnd,
}

impl std::fmt::Debug for SpeakerEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeakerEncoder").finish_non_exhaustive()
    }
}

impl SpeakerEncoder {
    /// Loads Resemblyzer's `pretrained.pt` (legacy torch format).
    pub fn load(path: &Path) -> Result<Self, VoiceError> {
        let bytes = std::fs::read(path).map_err(|source| VoiceError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Like [`SpeakerEncoder::load`], from the file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VoiceError> {
        let mut state = read_model_state(bytes)?;
        let mut take = |name: &str, shape: &[usize]| -> Result<Vec<f32>, VoiceError> {
            let i = state
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| VoiceError::Model(format!("missing tensor {name}")))?;
            let (_, Tensor { shape: got, data }) = state.swap_remove(i);
            if got != shape {
                return Err(VoiceError::Model(format!(
                    "tensor {name} has shape {got:?}, expected {shape:?}"
                )));
            }
            Ok(data)
        };
        let mut layers = Vec::with_capacity(LAYERS);
        for l in 0..LAYERS {
            let input = if l == 0 { N_MELS } else { HIDDEN };
            let w_ih = take(&format!("lstm.weight_ih_l{l}"), &[GATES, input])?;
            let w_hh = take(&format!("lstm.weight_hh_l{l}"), &[GATES, HIDDEN])?;
            let b_ih = take(&format!("lstm.bias_ih_l{l}"), &[GATES])?;
            let b_hh = take(&format!("lstm.bias_hh_l{l}"), &[GATES])?;
            finite(&[&w_ih, &w_hh, &b_ih, &b_hh])?;
            let bias = b_ih.iter().zip(&b_hh).map(|(a, b)| a + b).collect();
            layers.push(Layer {
                input,
                w_ih: PackedWeights::new(&w_ih, GATES, input),
                w_hh: PackedWeights::new(&w_hh, GATES, HIDDEN),
                bias,
            });
        }
        let linear_w = take("linear.weight", &[EMBEDDING_DIM, HIDDEN])?;
        let linear_b = take("linear.bias", &[EMBEDDING_DIM])?;
        finite(&[&linear_w, &linear_b])?;
        Ok(Self {
            layers,
            linear_w: PackedWeights::new(&linear_w, EMBEDDING_DIM, HIDDEN),
            linear_b,
            mel: MelFrontEnd::new(),
        })
    }

    /// Embeds one utterance of 16 kHz mono speech (silences already removed), as Resemblyzer's
    /// `embed_utterance(preprocess_wav(wav))` minus the VAD trimming. `None` when the audio is
    /// shorter than [`MIN_EMBED_SAMPLES`] or silent. Non-finite samples count as zero.
    pub fn embed(&self, samples_16k: &[f32]) -> Option<Embedding> {
        self.embed_batch(&[samples_16k]).pop().flatten()
    }

    /// [`SpeakerEncoder::embed`] for many clips at once: their partials share LSTM batches,
    /// which is several times faster than embedding short clips one by one.
    pub fn embed_batch(&self, clips: &[&[f32]]) -> Vec<Option<Embedding>> {
        // (clip index, 160 x 40 mel) for every partial of every usable clip.
        let mut owners = Vec::new();
        let mut mels = Vec::new();
        for (ci, clip) in clips.iter().enumerate() {
            let Some(wav) = prepare(clip) else { continue };
            let starts = partial_starts(wav.len());
            let Some(&last) = starts.last() else { continue };
            // Zero-pad so the last partial is complete, as Resemblyzer does.
            let mut wav = wav;
            let needed = (last + PARTIAL_FRAMES) * HOP;
            if needed > wav.len() {
                wav.resize(needed, 0.0);
            }
            let mel = self.mel.compute(&wav);
            for s in starts {
                let Some(m) = mel.get(s * N_MELS..(s + PARTIAL_FRAMES) * N_MELS) else {
                    continue;
                };
                owners.push(ci);
                mels.extend_from_slice(m);
            }
        }

        let mut sums = vec![vec![0f32; EMBEDDING_DIM]; clips.len()];
        let mut counts = vec![0usize; clips.len()];
        let per = PARTIAL_FRAMES * N_MELS;
        for (chunk_owners, chunk) in owners.chunks(MAX_BATCH).zip(mels.chunks(MAX_BATCH * per)) {
            let Some(partials) = self.forward(chunk, chunk_owners.len()) else {
                continue;
            };
            for (&ci, p) in chunk_owners.iter().zip(partials.chunks(EMBEDDING_DIM)) {
                // A partial whose ReLU output is all zero has no direction (Resemblyzer would
                // divide by zero and poison the mean with NaN): leave it out.
                if let Some(e) = Embedding::from_vec(p.to_vec()) {
                    for (s, x) in sums[ci].iter_mut().zip(e.as_slice()) {
                        *s += x;
                    }
                    counts[ci] += 1;
                }
            }
        }
        sums.into_iter()
            .zip(counts)
            .map(|(s, n)| if n == 0 { None } else { Embedding::from_vec(s) })
            .collect()
    }

    /// Runs `batch` partials (each 160 x 40, contiguous) through the network; returns
    /// `batch` x 256 ReLU outputs (not yet normalised).
    fn forward(&self, mels: &[f32], batch: usize) -> Option<Vec<f32>> {
        let t_len = PARTIAL_FRAMES;
        let rows = batch * t_len;
        let mut x = mels.to_vec();
        let mut h = vec![0f32; batch * HIDDEN];
        let mut c = vec![0f32; batch * HIDDEN];
        let mut pre = vec![0f32; rows * GATES];
        let mut ok = true;
        for (li, layer) in self.layers.iter().enumerate() {
            let last_layer = li + 1 == self.layers.len();
            // Input projections for every frame of every partial in one product:
            // pre (rows x 1024) = x (rows x in) . W_ih^T + bias.
            for row in pre.chunks_mut(GATES) {
                row.copy_from_slice(&layer.bias);
            }
            ok &= layer
                .w_ih
                .matmul_acc(&x, layer.input, rows, &mut pre, GATES);
            h.fill(0.0);
            c.fill(0.0);
            let mut out = if last_layer {
                Vec::new()
            } else {
                vec![0f32; rows * HIDDEN]
            };
            for t in 0..t_len {
                // Recurrent term added in place into frame t of every partial: those rows sit
                // t_len * 1024 apart in `pre`.
                ok &=
                    layer
                        .w_hh
                        .matmul_acc(&h, HIDDEN, batch, &mut pre[t * GATES..], t_len * GATES);
                for b in 0..batch {
                    let g = &mut pre[(b * t_len + t) * GATES..][..GATES];
                    let hb = &mut h[b * HIDDEN..][..HIDDEN];
                    let cb = &mut c[b * HIDDEN..][..HIDDEN];
                    lstm_cell(g, cb, hb);
                    if !last_layer {
                        out[(b * t_len + t) * HIDDEN..][..HIDDEN].copy_from_slice(hb);
                    }
                }
            }
            if !last_layer {
                x = out;
            }
        }
        // Final hidden state of the last layer -> linear -> ReLU.
        let mut e = vec![0f32; batch * EMBEDDING_DIM];
        for row in e.chunks_mut(EMBEDDING_DIM) {
            row.copy_from_slice(&self.linear_b);
        }
        ok &= self
            .linear_w
            .matmul_acc(&h, HIDDEN, batch, &mut e, EMBEDDING_DIM);
        for v in &mut e {
            *v = v.max(0.0);
        }
        ok.then_some(e)
    }
}

fn finite(tensors: &[&[f32]]) -> Result<(), VoiceError> {
    if tensors.iter().any(|t| t.iter().any(|x| !x.is_finite())) {
        return Err(VoiceError::Model("non-finite weight".into()));
    }
    Ok(())
}

/// Sanitises and volume-normalises a clip; `None` when too short or silent.
fn prepare(clip: &[f32]) -> Option<Vec<f32>> {
    if clip.len() < MIN_EMBED_SAMPLES {
        return None;
    }
    let mut wav: Vec<f32> = clip
        .iter()
        .map(|&x| if x.is_finite() { x } else { 0.0 })
        .collect();
    let rms = (wav.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / wav.len() as f64).sqrt();
    if !(rms > SILENCE_RMS && rms.is_finite()) {
        return None;
    }
    // Resemblyzer's normalize_volume(increase_only=True): raise quiet clips to -30 dBFS,
    // leave loud ones alone.
    let target = 10f64.powf(TARGET_DBFS / 20.0);
    if rms < target {
        let gain = (target / rms) as f32;
        for x in &mut wav {
            *x *= gain;
        }
    }
    Some(wav)
}

/// Start frames of the partials Resemblyzer's `compute_partial_slices` cuts from an
/// utterance of `n_samples` (rate 1.3 partials/s, min coverage 0.75).
pub(crate) fn partial_starts(n_samples: usize) -> Vec<usize> {
    let n_frames = n_samples / HOP + 1; // ceil((n + 1) / hop)
    let frame_step = (SAMPLE_RATE as f64 / PARTIALS_PER_SECOND / HOP as f64).round() as usize;
    let steps = (n_frames + frame_step + 1)
        .saturating_sub(PARTIAL_FRAMES)
        .max(1);
    let mut starts: Vec<usize> = (0..steps).step_by(frame_step).collect();
    if let Some(&last) = starts.last() {
        let coverage = (n_samples as f64 - (last * HOP) as f64) / PARTIAL_SAMPLES as f64;
        if coverage < MIN_COVERAGE && starts.len() > 1 {
            starts.pop();
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_slices_match_resemblyzer() {
        // Values from resemblyzer's compute_partial_slices(n, 1.3, 0.75).
        assert_eq!(partial_starts(0), vec![0]);
        assert_eq!(partial_starts(8_000), vec![0]);
        assert_eq!(partial_starts(25_600), vec![0]);
        assert_eq!(partial_starts(32_000), vec![0, 77]);
        assert_eq!(partial_starts(16_000 * 5), vec![0, 77, 154, 231, 308]);
    }

    #[test]
    fn embedding_rejects_bad_vectors() {
        assert!(Embedding::from_vec(vec![]).is_none());
        assert!(Embedding::from_vec(vec![0.0; EMBEDDING_DIM]).is_none());
        let mut v = vec![1.0; EMBEDDING_DIM];
        v[3] = f32::NAN;
        assert!(Embedding::from_vec(v).is_none());
        let e = Embedding::from_vec(vec![2.0; EMBEDDING_DIM]).unwrap();
        assert!((e.cosine(&e) - 1.0).abs() < 1e-5);
        assert!(Embedding::average(std::iter::empty()).is_none());
    }

    /// The mel front end (with Resemblyzer's volume normalisation and padding) against
    /// librosa, on the committed parity clip; needs no weights.
    #[test]
    fn mel_matches_librosa() {
        let clip: Vec<f32> = include_bytes!("../tests/fixtures/parity_clip.s16")
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        let want: Vec<f32> = include_bytes!("../tests/fixtures/parity_mel.f32")
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let mut wav = prepare(&clip).unwrap();
        let last = *partial_starts(wav.len()).last().unwrap();
        wav.resize(wav.len().max((last + PARTIAL_FRAMES) * HOP), 0.0);
        let got = MelFrontEnd::new().compute(&wav);
        assert_eq!(got.len(), want.len());
        // Relative to the frame's energy: quiet bands in f32 carry rounding noise only.
        let mut worst = 0f32;
        for (g, w) in got.chunks(N_MELS).zip(want.chunks(N_MELS)) {
            let scale = w.iter().cloned().fold(1e-6, f32::max);
            for (a, b) in g.iter().zip(w) {
                worst = worst.max((a - b).abs() / scale);
            }
        }
        assert!(worst < 1e-3, "worst relative mel error {worst}");
    }
}
