//! Voice activity detection with Silero VAD (v6 ONNX model) on ONNX Runtime, and the
//! segmentation of its per-frame probabilities into speech regions (a port of
//! `get_speech_timestamps` as faster-whisper ships it).

use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;

use crate::AsrError;

/// Samples per VAD frame (32 ms at 16 kHz).
pub const FRAME: usize = 512;
/// Silero v5+ sees the last 64 samples of the previous frame in front of each frame; the
/// probabilities are wrong without them.
const CONTEXT: usize = 64;
const RATE: usize = 16_000;

/// ONNX Runtime allows one environment per process; every VAD shares it.
static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

pub(crate) fn environment(lib: &Path) -> Result<ort::environment::Environment, AsrError> {
    ENVIRONMENT
        .get_or_init(|| {
            let builder =
                ort::init_from(lib).map_err(|e| format!("loading {}: {e}", lib.display()))?;
            builder.build().map_err(|e| e.to_string())
        })
        .clone()
        .map_err(AsrError::Engine)
}

/// A session of `model` on one intra-op and one inter-op thread: the ONNX models run beside
/// the Whisper decoders, which own the other cores.
pub(crate) fn one_thread_session(onnxruntime: &Path, model: &Path) -> Result<Session, AsrError> {
    let env = environment(onnxruntime)?;
    let model_err = |e: String| AsrError::Model {
        path: model.to_owned(),
        reason: e,
    };
    Session::builder(&env)
        .map_err(|e| model_err(e.to_string()))?
        .with_intra_threads(1)
        .map_err(|e| model_err(e.to_string()))?
        .with_inter_threads(1)
        .map_err(|e| model_err(e.to_string()))?
        .commit_from_file(model)
        .map_err(|e| model_err(e.to_string()))
}

/// Silero VAD. Sessions are not reentrant, so calls take turns (VAD costs about 1% of
/// real time on one core, far less than transcription).
pub struct SileroVad {
    session: Mutex<Session>,
}

impl SileroVad {
    /// Loads the model; `onnxruntime` is the path of `libonnxruntime.so` (loaded at run
    /// time: ort's build-time download does not work offline).
    pub fn load(onnxruntime: &Path, model: &Path) -> Result<SileroVad, AsrError> {
        let session = one_thread_session(onnxruntime, model)?;
        Ok(SileroVad {
            session: Mutex::new(session),
        })
    }

    /// Speech probability of every 512-sample frame of 16 kHz audio (the last frame is
    /// zero-padded).
    pub fn probabilities(&self, audio: &[f32]) -> Result<Vec<f32>, AsrError> {
        let mut session = self
            .session
            .lock()
            .map_err(|_| AsrError::Engine("vad session poisoned".into()))?;
        let mut state = vec![0f32; 2 * 128];
        let mut context = vec![0f32; CONTEXT];
        let mut probs = Vec::with_capacity(audio.len() / FRAME + 1);
        let err = |e: ort::Error| AsrError::Engine(format!("vad: {e}"));
        for chunk in audio.chunks(FRAME) {
            let mut x = Vec::with_capacity(CONTEXT + FRAME);
            x.extend_from_slice(&context);
            x.extend_from_slice(chunk);
            x.resize(CONTEXT + FRAME, 0.0);
            context.copy_from_slice(&x[FRAME..]);
            let out = session
                .run(ort::inputs![
                    "input" => Tensor::from_array(([1usize, CONTEXT + FRAME], x)).map_err(err)?,
                    "state" => Tensor::from_array(([2usize, 1, 128], state.clone())).map_err(err)?,
                    "sr" => Tensor::from_array(((), vec![RATE as i64])).map_err(err)?,
                ])
                .map_err(err)?;
            let (_, p) = out["output"].try_extract_tensor::<f32>().map_err(err)?;
            let (_, s) = out["stateN"].try_extract_tensor::<f32>().map_err(err)?;
            if s.len() == state.len() {
                state.copy_from_slice(s);
            }
            probs.push(p.first().copied().unwrap_or(0.0));
        }
        Ok(probs)
    }
}

/// How probabilities become speech regions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadParams {
    pub threshold: f32,
    pub min_speech_ms: u32,
    pub min_silence_ms: u32,
    pub speech_pad_ms: u32,
}

impl VadParams {
    /// faster-whisper's `vad_filter` defaults: only long silences (2 s) split speech, and
    /// 400 ms of margin keeps word edges. Used to cut silence before transcription.
    pub const TRANSCRIPTION: VadParams = VadParams {
        threshold: 0.5,
        min_speech_ms: 0,
        min_silence_ms: 2000,
        speech_pad_ms: 400,
    };
    /// Silero's own defaults: short pauses split regions, as speaker turns need.
    pub const TURNS: VadParams = VadParams {
        threshold: 0.5,
        min_speech_ms: 250,
        min_silence_ms: 100,
        speech_pad_ms: 30,
    };
}

/// Speech regions (sample ranges) from per-frame probabilities, for audio of `len` samples.
pub fn speech_regions(probs: &[f32], len: usize, p: VadParams) -> Vec<Range<usize>> {
    let ms = |v: u32| RATE * v as usize / 1000;
    let min_speech = ms(p.min_speech_ms);
    let min_silence = ms(p.min_silence_ms);
    let pad = ms(p.speech_pad_ms);
    let neg_threshold = (p.threshold - 0.15).max(0.01);

    let mut speeches: Vec<Range<usize>> = Vec::new();
    let mut start: Option<usize> = None;
    let mut temp_end = 0usize;
    for (i, &prob) in probs.iter().enumerate() {
        let at = FRAME * i;
        if prob >= p.threshold {
            temp_end = 0;
            if start.is_none() {
                start = Some(at);
            }
            continue;
        }
        let Some(s) = start else { continue };
        if prob < neg_threshold {
            if temp_end == 0 {
                temp_end = at;
            }
            if at - temp_end < min_silence {
                continue;
            }
            if temp_end - s > min_speech {
                speeches.push(s..temp_end);
            }
            start = None;
            temp_end = 0;
        }
    }
    if let Some(s) = start {
        if len.saturating_sub(s) > min_speech {
            speeches.push(s..len);
        }
    }

    // Pad each region, splitting gaps too small for two pads between neighbours.
    let n = speeches.len();
    for i in 0..n {
        if i == 0 {
            speeches[0].start = speeches[0].start.saturating_sub(pad);
        }
        if i + 1 < n {
            let gap = speeches[i + 1].start.saturating_sub(speeches[i].end);
            if gap < 2 * pad {
                speeches[i].end += gap / 2;
                speeches[i + 1].start = speeches[i + 1].start.saturating_sub(gap / 2);
            } else {
                speeches[i].end = (speeches[i].end + pad).min(len);
                speeches[i + 1].start = speeches[i + 1].start.saturating_sub(pad);
            }
        } else {
            speeches[i].end = (speeches[i].end + pad).min(len);
        }
    }
    speeches.retain(|r| r.start < r.end);
    speeches
}

/// The speech of a recording laid end to end, with the way back to recording time.
pub struct SpeechOnly {
    pub audio: Vec<f32>,
    /// `(offset in audio, region in the recording)` for each region, in order.
    regions: Vec<(usize, Range<usize>)>,
}

impl SpeechOnly {
    pub fn collect(audio: &[f32], regions: &[Range<usize>]) -> SpeechOnly {
        let mut out = Vec::with_capacity(regions.iter().map(|r| r.len()).sum());
        let mut map = Vec::with_capacity(regions.len());
        for r in regions {
            let r = r.start.min(audio.len())..r.end.min(audio.len());
            map.push((out.len(), r.clone()));
            out.extend_from_slice(&audio[r]);
        }
        SpeechOnly {
            audio: out,
            regions: map,
        }
    }

    /// The region that holds `t` (seconds into the collected audio).
    pub fn region_of(&self, t: f32) -> usize {
        let at = (t.max(0.0) * RATE as f32) as usize;
        self.regions
            .partition_point(|(off, _)| *off <= at)
            .saturating_sub(1)
    }

    /// Recording time of `t` (seconds into the collected audio), counted within region
    /// `region` so that a word's start and end move together.
    pub fn to_recording(&self, t: f32, region: usize) -> f32 {
        match self.regions.get(region) {
            Some((off, r)) => {
                let within = (t.max(0.0) * RATE as f32) as isize - *off as isize;
                (r.start as isize + within).max(0) as f32 / RATE as f32
            }
            None => t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(pattern: &str) -> Vec<f32> {
        // One char per 32 ms frame: '#' speech (0.9), '-' silence (0.05), '~' unsure (0.4).
        pattern
            .chars()
            .map(|c| match c {
                '#' => 0.9,
                '~' => 0.4,
                _ => 0.05,
            })
            .collect()
    }

    #[test]
    fn turns_split_at_short_pauses() {
        // 10 speech, 5 silence (160 ms > 100 ms), 10 speech.
        let p = frames("##########-----##########-----");
        let len = p.len() * FRAME;
        let r = speech_regions(&p, len, VadParams::TURNS);
        assert_eq!(r.len(), 2, "{r:?}");
        // Padded by 30 ms (480 samples), the first from sample 0.
        assert_eq!(r[0].start, 0);
        assert_eq!(r[0].end, 10 * FRAME + 480);
        assert_eq!(r[1].start, 15 * FRAME - 480);
    }

    #[test]
    fn transcription_params_bridge_short_pauses() {
        let p = frames("##########-----##########");
        let r = speech_regions(&p, p.len() * FRAME, VadParams::TRANSCRIPTION);
        assert_eq!(r, vec![0..p.len() * FRAME]);
    }

    #[test]
    fn unsure_frames_do_not_end_speech_and_blips_are_dropped() {
        // '~' is between the thresholds: it keeps speech going but never starts it.
        let p = frames("~~~~#####~~~~~~#####-----------##------------");
        let r = speech_regions(&p, p.len() * FRAME, VadParams::TURNS);
        // The 2-frame blip (64 ms) is shorter than min_speech (250 ms).
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].start, 4 * FRAME - 480);
        assert!(speech_regions(&[], 0, VadParams::TURNS).is_empty());
        assert!(speech_regions(&frames("-----"), 5 * FRAME, VadParams::TURNS).is_empty());
    }

    #[test]
    fn collected_speech_maps_back() {
        let audio: Vec<f32> = (0..48_000).map(|i| i as f32).collect();
        let s = SpeechOnly::collect(&audio, &[8_000..16_000, 32_000..40_000]);
        assert_eq!(s.audio.len(), 16_000);
        assert_eq!(s.audio[8_000], 32_000.0);
        // 0.75 s into the collected audio is 0.25 s into the second region: 2.25 s.
        let region = s.region_of(0.75);
        assert_eq!(region, 1);
        assert!((s.to_recording(0.75, region) - 2.25).abs() < 1e-4);
        // A word ending exactly at the region's end stays in its region.
        assert!((s.to_recording(0.5, 0) - 1.0).abs() < 1e-4);
    }
}
