//! pyannote segmentation-3.0 (MIT) on ONNX Runtime: 10 s chunks of raw 16 kHz audio in,
//! per-frame powerset log-probabilities out, decoded to local speakers per frame
//! (`parley_voice::segmentation`).

use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;
use parley_voice::segmentation::{
    chunk_starts, decode_powerset, ChunkFrames, CHUNK_FRAMES, CHUNK_SAMPLES, FRAME_STEP,
    POWERSET_CLASSES,
};
use parley_voice::{CamPlusPlus, SegmentedParams, SpeakerBounds, SpeakerTrack};

use crate::AsrError;

/// Chunks per model run: batching amortises the per-run overhead (measured: 87 ms for one
/// chunk alone, 52 ms per chunk in fours, on one busy core); bigger batches gained nothing.
const BATCH: usize = 4;

/// The segmentation model. Sessions are not reentrant, so calls take turns.
pub struct Segmenter {
    session: Mutex<Session>,
}

impl Segmenter {
    /// Loads `segmentation-3.0.onnx`; `onnxruntime` as for [`crate::SileroVad::load`].
    pub fn load(onnxruntime: &Path, model: &Path) -> Result<Segmenter, AsrError> {
        let session = crate::vad::one_thread_session(onnxruntime, model)?;
        Ok(Segmenter {
            session: Mutex::new(session),
        })
    }

    /// Local speakers per frame of every chunk of `audio` (16 kHz mono), chunks every
    /// `step` samples, the last one aligned to the end (zero-padded when the audio is
    /// shorter than a chunk).
    pub fn chunks(&self, audio: &[f32], step: usize) -> Result<Vec<ChunkFrames>, AsrError> {
        let starts = chunk_starts(audio.len(), step);
        let mut session = self
            .session
            .lock()
            .map_err(|_| AsrError::Engine("segmentation session poisoned".into()))?;
        let err = |e: ort::Error| AsrError::Engine(format!("segmentation: {e}"));
        let mut out = Vec::with_capacity(starts.len());
        for batch in starts.chunks(BATCH) {
            let mut x = vec![0f32; batch.len() * CHUNK_SAMPLES];
            for (b, &s) in batch.iter().enumerate() {
                let end = (s + CHUNK_SAMPLES).min(audio.len());
                let dst = &mut x[b * CHUNK_SAMPLES..][..end - s];
                dst.copy_from_slice(&audio[s..end]);
                // NaN or infinite samples would poison the whole chunk's output.
                for v in dst.iter_mut() {
                    if !v.is_finite() {
                        *v = 0.0;
                    }
                }
            }
            let input = Tensor::from_array(([batch.len(), 1, CHUNK_SAMPLES], x)).map_err(err)?;
            let result = session
                .run(ort::inputs!["input_values" => input])
                .map_err(err)?;
            let (shape, logp) = result["logits"].try_extract_tensor::<f32>().map_err(err)?;
            let frames = shape.get(1).copied().unwrap_or(0).max(0) as usize;
            let per_chunk = frames * POWERSET_CLASSES;
            if frames == 0 || logp.len() < per_chunk * batch.len() {
                return Err(AsrError::Engine(format!(
                    "segmentation: unexpected output shape {shape:?}"
                )));
            }
            for (b, &s) in batch.iter().enumerate() {
                let mut f = decode_powerset(&logp[b * per_chunk..(b + 1) * per_chunk]);
                f.truncate(CHUNK_FRAMES);
                out.push(ChunkFrames {
                    start: s,
                    frames: f,
                });
            }
        }
        Ok(out)
    }
}

/// How a mono recording is diarized.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiarizationSettings {
    /// Hop between segmentation chunks, in samples.
    pub chunk_step: usize,
    pub params: SegmentedParams,
    /// Longest stretch of speech (samples) run through CAM++ in one pass, whose frame
    /// outputs the resegmentation's windows are pooled from.
    pub pool_stretch: usize,
}

impl Default for DiarizationSettings {
    fn default() -> Self {
        DiarizationSettings {
            // 2.5 s, a whole number of frames so every chunk shares one frame grid: each
            // moment is seen by four chunks, whose votes decide speaker changes.
            chunk_step: 148 * FRAME_STEP,
            params: SegmentedParams::default(),
            pool_stretch: 3 * 16_000,
        }
    }
}

/// Diarizes 16 kHz mono audio: segmentation chunks, then embeddings and clustering
/// (`parley_voice::diarize_segmented`). CPU-bound: call from a thread of its own.
pub fn diarize_mono(
    seg: &Segmenter,
    enc: &CamPlusPlus,
    audio: &[f32],
    bounds: SpeakerBounds,
    settings: &DiarizationSettings,
) -> Result<SpeakerTrack, AsrError> {
    let started = std::time::Instant::now();
    let chunks = seg.chunks(audio, settings.chunk_step)?;
    let segmented = started.elapsed();
    let fbank = enc.features(audio);
    let embed = |spans: &[Range<usize>]| {
        let frames: Vec<Range<usize>> = spans.iter().filter_map(fbank_frames).collect();
        enc.embed_spans(&fbank, &frames)
    };
    // The resegmentation's short windows (one every 0.25 s) are pooled from one network
    // pass per stretch of at most `pool_stretch`: on the dev bench the resegmentation cost
    // 24 CPU s this way against 207 s embedding each window alone. Short stretches keep what the network sees around a window close
    // to it, and a long monologue's buffers small (~6 KB per frame).
    let fine = |wins: &[Range<usize>]| -> Vec<Option<Vec<f32>>> {
        let mut out = Vec::with_capacity(wins.len());
        let mut i = 0;
        while i < wins.len() {
            let from = wins[i].start;
            let mut j = i + 1;
            while j < wins.len() && wins[j].end - from <= settings.pool_stretch {
                j += 1;
            }
            let to = wins[i..j].iter().map(|w| w.end).max().unwrap_or(from);
            match fbank_frames(&(from..to)).and_then(|f| enc.frame_outputs(&fbank, f)) {
                Some(pass) => out.extend(
                    wins[i..j]
                        .iter()
                        .map(|w| fbank_frames(w).and_then(|f| pass.embed(f))),
                ),
                None => out.extend(std::iter::repeat_n(None, j - i)),
            }
            i = j;
        }
        out
    };
    let track = parley_voice::diarize_segmented_with(
        &chunks,
        audio.len(),
        &embed,
        &fine,
        bounds,
        &settings.params,
    );
    tracing::debug!(
        chunks = chunks.len(),
        segmentation_s = segmented.as_secs_f32(),
        embedding_s = (started.elapsed() - segmented).as_secs_f32(),
        "diarization costs"
    );
    Ok(track)
}

/// The fbank frames (10 ms hop, 25 ms window) lying inside a span of samples.
fn fbank_frames(span: &Range<usize>) -> Option<Range<usize>> {
    let first = span.start.div_ceil(160);
    let end = span.end.checked_sub(400)? / 160 + 1;
    (first < end).then_some(first..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_map_to_the_fbank_frames_inside_them() {
        assert_eq!(fbank_frames(&(0..400)), Some(0..1));
        assert_eq!(fbank_frames(&(0..559)), Some(0..1));
        assert_eq!(fbank_frames(&(0..560)), Some(0..2));
        assert_eq!(fbank_frames(&(1..560)), Some(1..2));
        assert_eq!(fbank_frames(&(0..399)), None);
        assert_eq!(fbank_frames(&(161..600)), None);
    }

    /// The real model, from the models folder (`scripts/fetch-models.sh`); a missing model
    /// fails the test rather than skipping it.
    fn segmenter() -> Segmenter {
        let m = crate::ModelFiles::new(crate::ModelFiles::default_dir());
        Segmenter::load(&m.onnxruntime(), &m.segmentation())
            .expect("segmentation model: run scripts/fetch-models.sh")
    }

    #[test]
    fn silence_and_broken_samples_give_no_speech_and_every_chunk() {
        let seg = segmenter();
        // 23 s: chunks at 0, 5 and 10 s, and the last aligned to the end (13 s).
        let mut audio = vec![0f32; 23 * 16_000];
        audio[1000] = f32::NAN;
        audio[2000] = f32::INFINITY;
        let chunks = seg.chunks(&audio, 80_000).unwrap();
        let starts: Vec<usize> = chunks.iter().map(|c| c.start).collect();
        assert_eq!(starts, vec![0, 80_000, 160_000, 208_000]);
        for c in &chunks {
            assert_eq!(c.frames.len(), CHUNK_FRAMES);
            assert!(c.frames.iter().all(|&f| f == 0), "speech in silence");
        }
        // Shorter than a chunk: one zero-padded chunk.
        assert_eq!(seg.chunks(&[0.0; 1600], 40_000).unwrap().len(), 1);
    }
}
