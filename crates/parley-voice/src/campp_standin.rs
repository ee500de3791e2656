//! STAND-IN for the native CAM++ encoder another branch is writing (`CamPlusPlus`, 192-d).
//! Same signatures, backed by the GE2E [`SpeakerEncoder`], so the segmentation pipeline can
//! be built and tested before CAM++ lands. The lead deletes this file when merging CAM++;
//! nothing else refers to GE2E through it.

use std::ops::Range;
use std::path::Path;

use crate::encoder::{SpeakerEncoder, EMBEDDING_DIM, MIN_EMBED_SAMPLES};
use crate::error::VoiceError;

/// Features of a recording at 100 frames per second (frame `i` = samples
/// `i*160 .. i*160+400`). The stand-in keeps the samples themselves: GE2E makes its own mel.
pub struct Fbank {
    samples: Vec<f32>,
}

/// The speaker encoder behind the CAM++ interface.
pub struct CamPlusPlus {
    enc: SpeakerEncoder,
}

impl std::fmt::Debug for CamPlusPlus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CamPlusPlus(stand-in: GE2E)").finish()
    }
}

const HOP: usize = 160;
const WIN: usize = 400;

impl CamPlusPlus {
    /// Embedding dimension (GE2E's 256 in the stand-in; CAM++ has 192).
    pub const DIM: usize = EMBEDDING_DIM;

    /// Loads the weights (the stand-in: GE2E's `pretrained.pt`).
    pub fn load(path: &Path) -> Result<CamPlusPlus, VoiceError> {
        Ok(CamPlusPlus {
            enc: SpeakerEncoder::load(path)?,
        })
    }

    pub fn features(&self, samples: &[f32]) -> Fbank {
        Fbank {
            samples: samples.to_vec(),
        }
    }

    /// Embedding of the frames `frames` (unit length); `None` when too short or silent.
    pub fn embed_frames(&self, f: &Fbank, frames: Range<usize>) -> Option<Vec<f32>> {
        self.embed_spans(f, std::slice::from_ref(&frames))
    }

    /// Embedding of several frame spans taken together.
    pub fn embed_spans(&self, f: &Fbank, spans: &[Range<usize>]) -> Option<Vec<f32>> {
        let mut audio = Vec::new();
        for s in spans {
            let a = (s.start * HOP).min(f.samples.len());
            let b = (s.end.saturating_sub(1) * HOP + WIN).min(f.samples.len());
            if a < b {
                audio.extend_from_slice(&f.samples[a..b]);
            }
        }
        if audio.len() < MIN_EMBED_SAMPLES {
            return None;
        }
        self.enc.embed(&audio).map(|e| e.into_vec())
    }

    pub fn embed(&self, samples: &[f32]) -> Option<Vec<f32>> {
        self.enc.embed(samples).map(|e| e.into_vec())
    }
}
