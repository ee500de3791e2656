//! Whisper's log-mel front end, computed as `whisper.audio.log_mel_spectrogram` and
//! faster-whisper's `FeatureExtractor` do (checked against the latter to 2e-5, see
//! docs/asr-engine-spike.md): CTranslate2 takes features, not audio.

use rustfft::{num_complex::Complex, FftPlanner};

pub const SAMPLE_RATE: usize = 16_000;
pub const N_FFT: usize = 400;
pub const HOP: usize = 160;

/// `librosa.filters.mel(sr=16000, n_fft=400, n_mels)` (htk=False, norm='slaney'): Slaney
/// mel scale with area normalisation, 0 Hz to Nyquist, as `[n_mels][201]`.
pub fn mel_filters(n_mels: usize) -> Vec<Vec<f32>> {
    let n_bins = N_FFT / 2 + 1;
    let fmax = SAMPLE_RATE as f64 / 2.0;
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(fmax));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let fft_freqs: Vec<f64> = (0..n_bins)
        .map(|k| fmax * k as f64 / (n_bins - 1) as f64)
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

// Slaney's mel scale: linear below 1 kHz, logarithmic above.
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// A log-mel spectrogram, row-major `[n_mels][frames]`.
pub struct LogMel {
    pub n_mels: usize,
    pub frames: usize,
    pub data: Vec<f32>,
}

impl LogMel {
    /// Copies `n` frames starting at `start` into a `[n_mels][n]` window, zero beyond the end.
    pub fn window(&self, start: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0f32; self.n_mels * n];
        let avail = self.frames.saturating_sub(start).min(n);
        for m in 0..self.n_mels {
            let src = &self.data[m * self.frames + start..m * self.frames + start + avail];
            out[m * n..m * n + avail].copy_from_slice(src);
        }
        out
    }
}

/// Whisper's normalised log-mel of `audio` (16 kHz): reflect-padded centred STFT with a
/// periodic Hann window, `len / HOP` frames (whisper drops torch's last one), power, mel,
/// `log10(max(x, 1e-10))`, floor at the global maximum minus 8, then `(x + 4) / 4`.
pub fn log_mel(audio: &[f32], n_mels: usize) -> LogMel {
    let filters = mel_filters(n_mels);
    let n = audio.len();
    let frames = n / HOP;
    let mut data = vec![0f32; n_mels * frames];
    if frames == 0 {
        return LogMel {
            n_mels,
            frames,
            data,
        };
    }
    let pad = N_FFT / 2;
    let mut padded = Vec::with_capacity(n + 2 * pad);
    // Reflect padding needs more than `pad` samples; shorter input repeats its edge instead.
    for i in (1..=pad).rev() {
        padded.push(audio[i.min(n - 1)]);
    }
    padded.extend_from_slice(audio);
    for i in 0..pad {
        padded.push(audio[n.saturating_sub(2 + i)]);
    }
    let window: Vec<f32> = (0..N_FFT)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / N_FFT as f32).cos())
        .collect();
    let fft = FftPlanner::<f32>::new().plan_fft_forward(N_FFT);
    let n_bins = N_FFT / 2 + 1;
    let mut buf = vec![Complex::new(0f32, 0f32); N_FFT];
    let mut scratch = vec![Complex::new(0f32, 0f32); fft.get_inplace_scratch_len()];
    let mut power = vec![0f32; n_bins];
    for t in 0..frames {
        let s = t * HOP;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = Complex::new(padded[s + i] * window[i], 0.0);
        }
        fft.process_with_scratch(&mut buf, &mut scratch);
        for (p, b) in power.iter_mut().zip(&buf) {
            *p = b.norm_sqr();
        }
        for (m, f) in filters.iter().enumerate() {
            let v: f32 = f.iter().zip(&power).map(|(a, b)| a * b).sum();
            data[m * frames + t] = v.max(1e-10).log10();
        }
    }
    let mx = data.iter().copied().fold(f32::MIN, f32::max);
    for v in data.iter_mut() {
        *v = (v.max(mx - 8.0) + 4.0) / 4.0;
    }
    LogMel {
        n_mels,
        frames,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filterbank_matches_librosa_shape() {
        let f = mel_filters(80);
        assert_eq!(f.len(), 80);
        assert!(f.iter().all(|r| r.len() == 201));
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)[0][1] = 0.02486259
        assert!((f[0][1] - 0.024_862_59).abs() < 1e-6, "{}", f[0][1]);
        // Every filter has some weight, and none reaches past Nyquist.
        assert!(f.iter().all(|r| r.iter().any(|&v| v > 0.0)));
    }

    #[test]
    fn filters_match_librosa() {
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)[0, :5]
        let f = mel_filters(40);
        let want = [0.0, 0.007_390_21, 0.012_404_52, 0.005_014_31, 0.0];
        for (a, b) in f[0][..5].iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn silence_and_tone() {
        let silence = log_mel(&vec![0.0; 16_000], 80);
        assert_eq!(silence.frames, 100);
        // All values equal after the floor: (log10(1e-10) + 4) / 4.
        assert!(silence.data.iter().all(|&v| (v - (-1.5)).abs() < 1e-6));

        let tone: Vec<f32> = (0..16_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin() * 0.5)
            .collect();
        let mel = log_mel(&tone, 80);
        // The loudest band of a middle frame is the one around 1 kHz (mel bin ~ 25).
        let t = 50;
        let loudest = (0..80)
            .max_by(|&a, &b| mel.data[a * 100 + t].total_cmp(&mel.data[b * 100 + t]))
            .unwrap();
        assert!((22..=28).contains(&loudest), "loudest band {loudest}");
    }

    #[test]
    fn tiny_inputs_do_not_panic() {
        assert_eq!(log_mel(&[], 80).frames, 0);
        assert_eq!(log_mel(&[0.1; 100], 80).frames, 0);
        assert_eq!(log_mel(&[0.1; 170], 80).frames, 1);
        let w = log_mel(&[0.1; 1600], 80).window(5, 20);
        assert_eq!(w.len(), 80 * 20);
    }
}
