//! Power mel spectrogram matching what Resemblyzer's encoder was trained on:
//! `librosa.feature.melspectrogram(y, sr=16000, n_fft=400, hop_length=160, n_mels=40)`
//! with librosa's pre-0.10 defaults: periodic Hann window, `center=True` with *reflect*
//! padding (librosa 0.10 switched the default to zero padding, after the model was trained),
//! power 2, Slaney mel scale with Slaney (area) normalisation, 0 Hz to Nyquist.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

pub(crate) const SAMPLE_RATE: usize = 16_000;
pub(crate) const N_FFT: usize = 400;
pub(crate) const HOP: usize = 160;
pub(crate) const N_MELS: usize = 40;
const N_BINS: usize = N_FFT / 2 + 1;

pub(crate) struct MelFrontEnd {
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// Sparse filter bank: for each mel band, the first FFT bin and its weights.
    filters: Vec<(usize, Vec<f32>)>,
}

impl MelFrontEnd {
    pub(crate) fn new() -> Self {
        let fft = FftPlanner::new().plan_fft_forward(N_FFT);
        // Periodic ("fftbins=True") Hann, as scipy.signal.get_window('hann', n) gives.
        let window = (0..N_FFT)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        let filters = slaney_filters(N_MELS)
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
                let last = row.iter().rposition(|&w| w != 0.0).unwrap_or(0);
                (first, row[first..=last.max(first)].to_vec())
            })
            .collect();
        Self {
            fft,
            window,
            filters,
        }
    }

    /// Frames x 40 power mel spectrogram, row-major. `1 + len / HOP` frames, frame `t`
    /// centred on sample `t * HOP`.
    pub(crate) fn compute(&self, samples: &[f32]) -> Vec<f32> {
        let n = samples.len();
        if n == 0 {
            return Vec::new();
        }
        let frames = 1 + n / HOP;
        let mut out = vec![0f32; frames * N_MELS];
        let mut buf = vec![Complex32::new(0.0, 0.0); N_FFT];
        let mut scratch = vec![Complex32::new(0.0, 0.0); self.fft.get_inplace_scratch_len()];
        let mut power = vec![0f32; N_BINS];
        let pad = (N_FFT / 2) as isize;
        for t in 0..frames {
            let start = (t * HOP) as isize - pad;
            for (k, (slot, w)) in buf.iter_mut().zip(&self.window).enumerate() {
                let x = samples[reflect(start + k as isize, n)];
                *slot = Complex32::new(x * w, 0.0);
            }
            self.fft.process_with_scratch(&mut buf, &mut scratch);
            for (p, c) in power.iter_mut().zip(&buf) {
                *p = c.norm_sqr();
            }
            for (m, (first, w)) in self.filters.iter().enumerate() {
                out[t * N_MELS + m] = w.iter().zip(&power[*first..]).map(|(a, b)| a * b).sum();
            }
        }
        out
    }
}

/// numpy's `np.pad(mode='reflect')` index: mirror about the end samples without repeating
/// them, periodically, so it is defined for any offset and any non-empty length.
fn reflect(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let m = i.rem_euclid(period);
    (if m < n as isize { m } else { period - m }) as usize
}

fn hz_to_mel(hz: f64) -> f64 {
    // Slaney: linear below 1 kHz, logarithmic above.
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// `librosa.filters.mel(sr=16000, n_fft=400, n_mels)` (htk=False, norm='slaney') as
/// `[n_mels][201]`: the filterbank of both GE2E (40 bands) and Whisper (80 or 128).
pub fn slaney_filters(n_mels: usize) -> Vec<Vec<f32>> {
    let fmax = SAMPLE_RATE as f64 / 2.0;
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(fmax));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let fft_freqs: Vec<f64> = (0..N_BINS)
        .map(|k| fmax * k as f64 / (N_BINS - 1) as f64)
        .collect();
    (0..n_mels)
        .map(|i| {
            let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
            fft_freqs
                .iter()
                .map(|&f| {
                    let lower = (f - mel_f[i]) / (mel_f[i + 1] - mel_f[i]);
                    let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
                    (lower.min(upper).max(0.0) * enorm) as f32
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_matches_numpy() {
        // np.pad([0,1,2,3], 5, 'reflect') -> [1 2 3 2 1 | 0 1 2 3 | 2 1 0 1 2]
        let got: Vec<usize> = (-5..9).map(|i| reflect(i, 4)).collect();
        assert_eq!(got, vec![1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2]);
        assert_eq!(reflect(-3, 1), 0);
    }

    #[test]
    fn frame_count_and_tiny_inputs() {
        let fe = MelFrontEnd::new();
        assert!(fe.compute(&[]).is_empty());
        assert_eq!(fe.compute(&[0.5]).len(), N_MELS);
        assert_eq!(fe.compute(&vec![0.0; 16_000]).len(), 101 * N_MELS);
    }

    #[test]
    fn filters_match_librosa() {
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)[0, :5]
        let f = slaney_filters(N_MELS);
        let want = [0.0, 0.007_390_21, 0.012_404_52, 0.005_014_31, 0.0];
        for (a, b) in f[0][..5].iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }
}
