//! Which channels carry their own sound: silent channels and copies of another channel are
//! dropped, so a dialer's "stereo" export of one mixed signal is transcribed once, and a stereo
//! call with one dead side is transcribed as mono.

/// Window for the silence test: 100 ms at 16 kHz (any rate works; the window is in samples).
const WINDOW: usize = 1_600;
/// A window is sound when its RMS is above -55 dBFS. Speech sits around -40 to -20 dBFS even on a
/// quiet line; line noise and dither sit below -60 dBFS.
const SOUND_RMS: f32 = 0.001_778; // 10^(-55/20)
/// A channel is audible when at least this many windows (300 ms) are sound, so a lone click or
/// pop in an otherwise silent channel does not count.
const MIN_SOUND_WINDOWS: usize = 3;
/// Two channels are copies when their normalised correlation is above this ...
const COPY_CORRELATION: f64 = 0.99;
/// ... and their levels are within this many dB. The level test keeps apart a talker's channel
/// and the other side's channel that only carries the talker's echo (highly correlated, but much
/// quieter).
const COPY_LEVEL_DB: f64 = 1.0;

/// True when the channel has sound: at least 300 ms (or the whole channel, if shorter) of 100 ms
/// windows above -55 dBFS RMS.
pub fn is_audible(samples: &[f32]) -> bool {
    let windows = samples.len().div_ceil(WINDOW);
    let needed = MIN_SOUND_WINDOWS.min(windows.max(1));
    let threshold = SOUND_RMS * SOUND_RMS * WINDOW as f32;
    let mut loud = 0;
    for window in samples.chunks(WINDOW) {
        let energy: f32 = window.iter().map(|s| s * s).sum();
        // Scale short tail windows as if they were full length.
        if energy * (WINDOW as f32 / window.len() as f32) > threshold {
            loud += 1;
            if loud >= needed {
                return true;
            }
        }
    }
    false
}

/// Sums needed to compare two channels, over their common length.
fn pair_stats(a: &[f32], b: &[f32]) -> (f64, f64, f64) {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    // f32 partial sums over short blocks keep the inner loop vectorisable; f64 across blocks
    // keeps two hours of samples accurate.
    for (x, y) in a.chunks(4096).zip(b.chunks(4096)) {
        let (mut sab, mut saa, mut sbb) = (0f32, 0f32, 0f32);
        for (&p, &q) in x.iter().zip(y) {
            sab += p * q;
            saa += p * p;
            sbb += q * q;
        }
        ab += f64::from(sab);
        aa += f64::from(saa);
        bb += f64::from(sbb);
    }
    (ab, aa, bb)
}

/// True when `b` is a (near-)copy of `a`: normalised correlation above 0.99 and RMS within
/// 1 dB over the whole recording.
pub fn is_copy(a: &[f32], b: &[f32]) -> bool {
    let (ab, aa, bb) = pair_stats(a, b);
    if aa <= 0.0 || bb <= 0.0 {
        return aa == bb;
    }
    let correlation = ab / (aa * bb).sqrt();
    let level_db = 10.0 * (aa / bb).log10();
    correlation > COPY_CORRELATION && level_db.abs() < COPY_LEVEL_DB
}

/// Indices of the channels worth keeping, in order: audible channels that are not a copy of an
/// earlier kept channel. Empty when every channel is silent.
pub fn distinct_channels(channels: &[Vec<f32>]) -> Vec<usize> {
    let mut kept: Vec<usize> = Vec::with_capacity(channels.len());
    for (index, channel) in channels.iter().enumerate() {
        if !is_audible(channel) {
            continue;
        }
        if kept.iter().any(|&k| is_copy(&channels[k], channel)) {
            continue;
        }
        kept.push(index);
    }
    kept
}

/// Drops silent channels and channels that are (near-)copies of an earlier one, and returns how
/// many remain. A channel is silent when it has less than 300 ms above -55 dBFS; two channels are
/// copies when their normalised correlation is above 0.99 and their RMS levels are within 1 dB
/// over the whole recording (the first one is kept). One pass per channel pair, no allocation.
///
/// Returns 0 (and leaves `channels` empty) when every channel is silent.
pub fn dedupe_channels(channels: &mut Vec<Vec<f32>>) -> usize {
    let kept = distinct_channels(channels);
    let mut index = 0;
    channels.retain(|_| {
        let keep = kept.contains(&index);
        index += 1;
        keep
    });
    channels.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, amp: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (i as f32 * freq * std::f32::consts::TAU / 16_000.0).sin() * amp)
            .collect()
    }

    fn noise(amp: f32, n: usize, mut seed: u32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed as f32 / u32::MAX as f32 * 2.0 - 1.0) * amp
            })
            .collect()
    }

    #[test]
    fn identical_and_near_identical_channels_merge() {
        let a = tone(300.0, 0.3, 16_000);
        let mut near: Vec<f32> = a
            .iter()
            .zip(noise(0.003, a.len(), 7))
            .map(|(s, n)| s * 0.95 + n)
            .collect();
        near[100] = 0.9; // a click on one side only
        let mut channels = vec![a.clone(), near];
        assert_eq!(dedupe_channels(&mut channels), 1);
    }

    #[test]
    fn different_or_echo_channels_stay() {
        let a = tone(300.0, 0.3, 16_000);
        let b = tone(450.0, 0.3, 16_000);
        assert_eq!(distinct_channels(&[a.clone(), b]), vec![0, 1]);
        // The other side only hears the talker's echo, 20 dB down: correlated but not a copy.
        let echo: Vec<f32> = a.iter().map(|s| s * 0.1).collect();
        assert_eq!(distinct_channels(&[a, echo]), vec![0, 1]);
    }

    #[test]
    fn silent_channels_are_dropped() {
        let speech = tone(300.0, 0.3, 16_000);
        let line_noise = noise(0.0003, 16_000, 3);
        let mut clicks = vec![0.0; 16_000];
        clicks[5_000] = 0.8;
        assert!(!is_audible(&line_noise));
        assert!(!is_audible(&clicks));
        assert!(!is_audible(&[]));
        let mut channels = vec![line_noise, speech, vec![0.0; 16_000], clicks];
        assert_eq!(dedupe_channels(&mut channels), 1);
        let mut silent = vec![vec![0.0; 100]];
        assert_eq!(dedupe_channels(&mut silent), 0);
        assert!(silent.is_empty());
    }

    #[test]
    fn short_audible_clip_counts() {
        assert!(is_audible(&tone(300.0, 0.3, 800)));
    }
}
