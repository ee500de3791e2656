//! Writing audio: a mono FLAC file laid out from clips placed on a timeline, for the
//! recordings Parley makes itself (the demo company's calls, spoken from their scripts).
//!
//! FLAC because it is lossless, every browser plays it, symphonia reads it back, and the
//! long silences between a scripted call's lines cost almost nothing (a constant subframe
//! per block), so an hour-long call with five minutes of speech stays a few megabytes.
//! The encoder is `flacenc` (pure Rust, no build script) without its thread pool: a worker
//! job owns one core, never all of them.
//!
//! Memory is the clips plus the encoded stream: the timeline is mixed block by block as
//! the encoder asks for it, never as one buffer the length of the call.

use flacenc::component::BitRepr;
use flacenc::error::Verify;
use flacenc::source::{Fill, Source};

/// Samples starting at a position of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// The first sample's index on the timeline.
    pub start: usize,
    /// Samples in `[-1, 1]`; louder ones are clipped.
    pub samples: Vec<f32>,
}

impl Clip {
    fn end(&self) -> usize {
        self.start + self.samples.len()
    }
}

/// Why a FLAC file could not be written (a bug or an impossible layout, never the input's
/// fault: any clips and any length are encodable).
#[derive(Debug, thiserror::Error)]
#[error("flac encoding failed: {0}")]
pub struct EncodeError(String);

/// A FLAC file (16-bit mono at `sample_rate`) `total` samples long, holding `clips`
/// mixed where they start (overlapping clips add up) and silence elsewhere. Clips past
/// `total` are cut there.
pub fn flac_from_clips(
    clips: &[Clip],
    total: usize,
    sample_rate: u32,
) -> Result<Vec<u8>, EncodeError> {
    let mut config = flacenc::config::Encoder::default();
    config.multithread = false;
    let config = config
        .into_verified()
        .map_err(|(_, e)| EncodeError(e.to_string()))?;
    let mut clips: Vec<&Clip> = clips.iter().filter(|c| !c.samples.is_empty()).collect();
    clips.sort_by_key(|c| c.start);
    let source = Timeline {
        clips,
        total,
        pos: 0,
        first_live: 0,
        sample_rate: sample_rate as usize,
        block: Vec::new(),
    };
    let block_size = config.block_size;
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, block_size)
        .map_err(|e| EncodeError(e.to_string()))?;
    // flacenc records the short last block as the minimum block size; the format's
    // minimum excludes the last block, and symphonia reads a stream whose minimum and
    // maximum differ as one of variable block sizes, finding no frames in ours.
    stream
        .stream_info_mut()
        .set_block_sizes(block_size, block_size)
        .map_err(|e| EncodeError(e.to_string()))?;
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(sink.into_inner())
}

/// The timeline as a `flacenc` source: each read mixes the clips that overlap the block.
struct Timeline<'a> {
    /// Sorted by start.
    clips: Vec<&'a Clip>,
    total: usize,
    pos: usize,
    /// Clips before this index end before `pos` (they are never needed again).
    first_live: usize,
    sample_rate: usize,
    block: Vec<i32>,
}

impl Source for Timeline<'_> {
    fn channels(&self) -> usize {
        1
    }

    fn bits_per_sample(&self) -> usize {
        16
    }

    fn sample_rate(&self) -> usize {
        self.sample_rate
    }

    fn read_samples<F: Fill>(
        &mut self,
        block_size: usize,
        dest: &mut F,
    ) -> Result<usize, flacenc::error::SourceError> {
        let from = self.pos;
        let to = (from + block_size).min(self.total);
        if to <= from {
            return Ok(0);
        }
        let mut mix = vec![0f32; to - from];
        while self.first_live < self.clips.len() && self.clips[self.first_live].end() <= from {
            self.first_live += 1;
        }
        for clip in &self.clips[self.first_live..] {
            if clip.start >= to {
                break;
            }
            if clip.end() <= from {
                continue;
            }
            let lo = clip.start.max(from);
            let hi = clip.end().min(to);
            for (i, s) in clip.samples[lo - clip.start..hi - clip.start]
                .iter()
                .enumerate()
            {
                mix[lo - from + i] += s;
            }
        }
        self.block.clear();
        self.block.extend(
            mix.iter()
                .map(|s| (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i32),
        );
        dest.fill_interleaved(&self.block)?;
        self.pos = to;
        Ok(to - from)
    }

    fn len_hint(&self) -> Option<usize> {
        Some(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeOptions;

    fn tone(n: usize, freq: f32, rate: f32) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate).sin())
            .collect()
    }

    #[test]
    fn clips_land_where_they_start_and_silence_costs_little() {
        let rate = 16_000;
        // A minute of timeline with two half-second tones, one cut by the end.
        let total = 60 * rate;
        let clips = vec![
            Clip {
                start: 10 * rate,
                samples: tone(rate / 2, 440.0, rate as f32),
            },
            Clip {
                start: total - rate / 4,
                samples: tone(rate / 2, 660.0, rate as f32),
            },
        ];
        let flac = flac_from_clips(&clips, total, rate as u32).unwrap();
        // A minute of 16-bit audio is 1.9 MB raw; nearly all of it is silence.
        assert!(flac.len() < 120_000, "{} bytes", flac.len());

        let audio = crate::decode(
            std::io::Cursor::new(flac),
            Some("flac"),
            &DecodeOptions {
                dedupe_channels: false,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(audio.container, "flac");
        let ch = &audio.channels[0];
        assert_eq!(ch.len(), total);
        let loud = |r: std::ops::Range<usize>| ch[r].iter().any(|s| s.abs() > 0.2);
        assert!(!loud(0..10 * rate - 10));
        assert!(loud(10 * rate..10 * rate + rate / 2));
        assert!(!loud(10 * rate + rate / 2 + 10..total - rate / 4 - 10));
        assert!(loud(total - rate / 4..total));
        // Lossless: the tone comes back to within 16-bit quantisation.
        let back = ch[10 * rate + 100];
        assert!((back - clips[0].samples[100]).abs() < 1e-3);
    }

    #[test]
    fn overlapping_clips_add_and_clip() {
        let clips = vec![
            Clip {
                start: 0,
                samples: vec![0.75; 100],
            },
            Clip {
                start: 50,
                samples: vec![0.75; 100],
            },
        ];
        let flac = flac_from_clips(&clips, 200, 8_000).unwrap();
        let audio = crate::decode(
            std::io::Cursor::new(flac),
            Some("flac"),
            &DecodeOptions {
                target_rate: 8_000,
                dedupe_channels: false,
                ..Default::default()
            },
        )
        .unwrap();
        let ch = &audio.channels[0];
        assert!((ch[10] - 0.75).abs() < 1e-3);
        assert!((ch[75] - 1.0).abs() < 1e-3, "{}", ch[75]);
        assert!(ch[180].abs() < 1e-6);
    }
}
