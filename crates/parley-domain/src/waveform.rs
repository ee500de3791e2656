//! A recording's waveform: the loudest sample of each short stretch, one byte each, which
//! the call page draws beside its speaker lanes.
//!
//! Computed where the recording is already decoded (the transcription job, the demo's
//! spoken recordings) and kept with the SHA-256 of the recording it was made from, so a
//! replaced recording never shows its predecessor's shape.

/// The shortest stretch a peak covers.
pub const MIN_BUCKET_MS: u32 = 50;
/// The most peaks a waveform has: a longer recording gets longer stretches (a 60-minute
/// call: 360 ms each), so the payload stays under ~40 KB of JSON whatever the length;
/// a call page is ~1,000–2,000 pixels wide.
pub const MAX_BUCKETS: u64 = 10_000;

/// Peaks of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waveform {
    /// Milliseconds each peak covers (the last may cover less).
    pub bucket_ms: u32,
    /// Length of the recording.
    pub duration_ms: u64,
    /// One per `bucket_ms` from the start: the largest absolute sample over every channel,
    /// linear, 255 = full scale.
    pub peaks: Vec<u8>,
}

impl Waveform {
    /// The stretch each peak covers for a recording of `duration_ms`: [`MIN_BUCKET_MS`],
    /// or more in steps of 10 ms so that there are at most [`MAX_BUCKETS`].
    pub fn bucket_ms_for(duration_ms: u64) -> u32 {
        let needed = duration_ms.div_ceil(MAX_BUCKETS).div_ceil(10) * 10;
        (needed.min(u64::from(u32::MAX)) as u32).max(MIN_BUCKET_MS)
    }

    /// Starts a waveform of `duration_ms` of audio at `sample_rate`.
    pub fn builder(duration_ms: u64, sample_rate: u32) -> WaveformBuilder {
        let bucket_ms = Self::bucket_ms_for(duration_ms);
        let buckets = duration_ms.div_ceil(u64::from(bucket_ms)) as usize;
        WaveformBuilder {
            bucket_ms,
            duration_ms,
            per_bucket: u64::from(sample_rate.max(1)) * u64::from(bucket_ms),
            peaks: vec![0.0; buckets],
        }
    }

    /// The waveform of whole channels of `sample_rate` audio lasting `duration_ms`.
    pub fn of_channels<C: AsRef<[f32]>>(
        channels: &[C],
        sample_rate: u32,
        duration_ms: u64,
    ) -> Self {
        let mut b = Self::builder(duration_ms, sample_rate);
        for c in channels {
            b.add(0, c.as_ref());
        }
        b.finish()
    }
}

/// Gathers peaks from clips laid anywhere on the recording (see [`Waveform::builder`]).
#[derive(Debug, Clone)]
pub struct WaveformBuilder {
    bucket_ms: u32,
    duration_ms: u64,
    /// Samples per bucket, times 1000 (kept as a product so odd rates stay exact).
    per_bucket: u64,
    peaks: Vec<f32>,
}

impl WaveformBuilder {
    /// Takes `samples` starting `start` samples into the recording; samples past the
    /// recording's length are ignored.
    pub fn add(&mut self, start: usize, samples: &[f32]) {
        let n = self.peaks.len();
        for (i, s) in samples.iter().enumerate() {
            let bucket = ((start + i) as u64 * 1000 / self.per_bucket) as usize;
            if bucket >= n {
                break;
            }
            let a = s.abs();
            // NaN never wins a comparison, so a damaged sample leaves its peak alone.
            if a > self.peaks[bucket] {
                self.peaks[bucket] = a;
            }
        }
    }

    pub fn finish(self) -> Waveform {
        Waveform {
            bucket_ms: self.bucket_ms,
            duration_ms: self.duration_ms,
            peaks: self
                .peaks
                .into_iter()
                .map(|p| (p.min(1.0) * 255.0).round() as u8)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_widen_past_five_hundred_seconds_to_stay_under_the_cap() {
        assert_eq!(Waveform::bucket_ms_for(0), 50);
        assert_eq!(Waveform::bucket_ms_for(30_000), 50);
        assert_eq!(Waveform::bucket_ms_for(500_000), 50);
        assert_eq!(Waveform::bucket_ms_for(500_001), 60);
        assert_eq!(Waveform::bucket_ms_for(3_600_000), 360);
        for d in [1, 499_999, 500_001, 3_600_000, 3_600_001, 86_400_000] {
            let b = u64::from(Waveform::bucket_ms_for(d));
            assert!(d.div_ceil(b) <= MAX_BUCKETS, "{d} ms in {b} ms buckets");
        }
    }

    #[test]
    fn a_peak_is_the_loudest_sample_of_any_channel_in_its_stretch() {
        // 1,000 Hz: 50 samples a bucket; 0.12 s = two whole buckets and a partial one.
        let left: Vec<f32> = (0..120)
            .map(|i| if i == 10 { -0.5 } else { 0.01 })
            .collect();
        let right: Vec<f32> = (0..120).map(|i| if i == 60 { 1.5 } else { 0.0 }).collect();
        let w = Waveform::of_channels(&[left, right], 1000, 120);
        assert_eq!(w.bucket_ms, 50);
        assert_eq!(w.duration_ms, 120);
        // -0.5 → 128; 1.5 is clipped to full scale; the partial bucket keeps its 0.01.
        assert_eq!(w.peaks, vec![128, 255, 3]);
    }

    #[test]
    fn clips_land_where_they_start_and_nothing_past_the_end_counts() {
        let mut b = Waveform::builder(200, 1000);
        b.add(150, &[0.0, 1.0]);
        b.add(195, &[1.0; 50]);
        b.add(10_000, &[1.0]);
        b.add(60, &[f32::NAN, 0.2]);
        let w = b.finish();
        assert_eq!(w.peaks, vec![0, 51, 0, 255]);
    }

    #[test]
    fn an_empty_recording_has_no_peaks() {
        let w = Waveform::of_channels::<Vec<f32>>(&[], 16_000, 0);
        assert!(w.peaks.is_empty());
        assert_eq!(w.bucket_ms, MIN_BUCKET_MS);
    }
}
