//! Whisper on CTranslate2 (`ct2rs::sys::Whisper`) with the decode loop of OpenAI's
//! `transcribe.py` as faster-whisper implements it: 30-second windows over a log-mel of the
//! whole input, timestamp tokens, seeking to the last complete segment (or the end of the
//! last aligned word), conditioning on the previous text, temperature fallback, the
//! no-speech gate, and word timestamps from cross-attention alignment (`align`).
//!
//! ct2rs's high-level `Whisper` wrapper is not used: on real calls it dropped whole turns
//! (37% WER) and builds the wrong prompt for English-only models.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use ct2rs::sys::{ComputeType, Config, Device, StorageView, Whisper, WhisperOptions};

use crate::mel::{log_mel, HOP, SAMPLE_RATE};
use crate::vocab::Vocab;
use crate::words::{self, Bounds, Timing};
use crate::{AsrError, Segment, SharedLanguage, SpeechModel};

/// Mel frames in one 30-second window.
const WINDOW_FRAMES: usize = 3000;
/// Mel frames per timestamp step (20 ms): the encoder halves the frame rate.
const INPUT_STRIDE: usize = 2;
const TIME_PRECISION: f32 = 0.02;
/// Text tokens of earlier windows given as the prompt (half the decoder context).
const MAX_PROMPT_TOKENS: usize = 223;
/// Windows with less real audio than this are not decoded: Whisper fills near-empty
/// windows with "Thank you." and similar.
const MIN_WINDOW_FRAMES: usize = 30;

/// faster-whisper's defaults for the fallback and the no-speech gate.
const TEMPERATURES: [f32; 6] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
const COMPRESSION_RATIO_THRESHOLD: f32 = 2.4;
const LOG_PROB_THRESHOLD: f32 = -1.0;
const NO_SPEECH_THRESHOLD: f32 = 0.6;
const PROMPT_RESET_ON_TEMPERATURE: f32 = 0.5;
const BEST_OF: usize = 5;
const SAMPLING_SEED: u32 = 20_240_601;

/// How to run a Whisper model.
#[derive(Debug, Clone)]
pub struct WhisperConfig {
    /// Folder with `model.bin`, `config.json` and `vocabulary.txt` (CTranslate2 format).
    pub model_dir: PathBuf,
    /// Threads per concurrent transcription.
    pub threads: usize,
    /// Transcriptions that can run at once (models loaded side by side; each costs its
    /// weights in memory).
    pub replicas: usize,
    pub beam_size: usize,
}

/// A Whisper model loaded into CTranslate2.
pub struct WhisperModel {
    whisper: Decoders,
    vocab: Vocab,
    name: String,
    beam_size: usize,
}

impl WhisperModel {
    /// What can be checked at once, without loading: the folder has a model.
    pub fn check(cfg: &WhisperConfig) -> Result<(), AsrError> {
        if !cfg.model_dir.join("model.bin").is_file() {
            return Err(AsrError::Model {
                path: cfg.model_dir.clone(),
                reason: "no model.bin in the model folder".into(),
            });
        }
        Ok(())
    }

    pub fn load(cfg: &WhisperConfig) -> Result<WhisperModel, AsrError> {
        let model_err = |reason: String| AsrError::Model {
            path: cfg.model_dir.clone(),
            reason,
        };
        Self::check(cfg)?;
        let vocab = Vocab::load(&cfg.model_dir)?;
        // The temperature fallback samples. CTranslate2 seeds each thread's generator from
        // a process-wide seed, random unless set: fixing it makes the same audio give the
        // same transcript in a fresh process (tests, benchmarks, a user's second try).
        ct2rs::sys::set_random_seed(SAMPLING_SEED);
        let config = Config {
            device: Device::CPU,
            // The PyPI model files are float16; int8 decoding was 4-6x faster than float32
            // on this class of CPU with the same text (docs/asr-engine-spike.md).
            compute_type: ComputeType::INT8,
            // One replica per model, never `device_indices: [0, 0, ...]`. CTranslate2 makes
            // the replicas of a list of device indices by copying the first model's weights
            // byte for byte (`Model::copy_to`), and on Intel CPUs (where it uses MKL and
            // packs the int8 weights with `cblas_gemm_s8u8s32_pack`) the copies are packed
            // buffers MKL never packed at that address: the second replica's int8 GEMM
            // died with SIGFPE in `mkl_blas_gemm_s8u8s32_compute` on Xeons with AVX-512/AMX,
            // whatever the audio. faster-whisper (one device index) never copies. Loading
            // each model on its own lets MKL pack every copy itself; it costs what the
            // copies cost (the weights once per concurrent transcription) and a second
            // read of model.bin at start.
            device_indices: vec![0],
            num_threads_per_replica: cfg.threads.max(1),
            ..Default::default()
        };
        // One after the other, not side by side: each load holds the float16 weights while
        // it converts them, and two at once raised the peak by ~90 MB on a 42 s call for
        // ~0.2 s of wall time (the other models load beside them, see `Engine::load`).
        let mut decoders = Vec::with_capacity(cfg.replicas.max(1));
        for _ in 0..cfg.replicas.max(1) {
            decoders.push(
                Whisper::new(&cfg.model_dir, config.clone())
                    .map_err(|e| model_err(format!("{e:#}")))?,
            );
        }
        let whisper = Decoders::new(decoders);
        let name = model_name(&cfg.model_dir);
        Ok(WhisperModel {
            whisper,
            vocab,
            name,
            beam_size: cfg.beam_size.max(1),
        })
    }

    fn encode(&self, window: &mut [f32], n_mels: usize) -> Result<StorageView<'static>, AsrError> {
        let sv =
            StorageView::new(&[1, n_mels, WINDOW_FRAMES], window, Device::CPU).map_err(engine)?;
        self.whisper.with(|w| w.encode(&sv, false)).map_err(engine)
    }

    /// `<|startoftranscript|>`, then the language and task for multilingual models only
    /// (English-only models take no such tokens).
    fn sot_sequence(&self, language: &str) -> Vec<String> {
        let mut seq = vec!["<|startoftranscript|>".to_owned()];
        if self.whisper.first().is_multilingual() {
            let lang = format!("<|{language}|>");
            if self.vocab.id(&lang).is_some() {
                seq.push(lang);
            } else {
                seq.push("<|en|>".to_owned());
            }
            seq.push("<|transcribe|>".to_owned());
        }
        seq
    }

    /// Decodes one window with faster-whisper's temperature fallback.
    fn generate_with_fallback(
        &self,
        encoded: &StorageView,
        prompt: &[String],
    ) -> Result<Decoded, AsrError> {
        let mut tried: Vec<Decoded> = Vec::new();
        for &temperature in &TEMPERATURES {
            let opts = if temperature > 0.0 {
                WhisperOptions {
                    beam_size: 1,
                    num_hypotheses: BEST_OF,
                    sampling_topk: 0,
                    sampling_temperature: temperature,
                    return_scores: true,
                    return_no_speech_prob: true,
                    ..Default::default()
                }
            } else {
                WhisperOptions {
                    beam_size: self.beam_size,
                    return_scores: true,
                    return_no_speech_prob: true,
                    ..Default::default()
                }
            };
            let res = self
                .whisper
                .with(|w| w.generate(encoded, &[prompt.to_vec()], &opts))
                .map_err(engine)?;
            let Some(r) = res.into_iter().next() else {
                return Err(AsrError::Engine("whisper returned no result".into()));
            };
            let mut tokens = r.sequences_ids.first().cloned().unwrap_or_default();
            if tokens.last() == Some(&self.vocab.eot) {
                tokens.pop();
            }
            // CTranslate2 reports the length-normalised score; undo it the way
            // faster-whisper does to get its average log probability.
            let len = tokens.len() as f32;
            let score = r.scores.first().copied().unwrap_or(0.0);
            let avg_logprob = score * len / (len + 1.0);
            let text = self.vocab.decode(&tokens);
            let decoded = Decoded {
                compression_ratio: compression_ratio(text.trim()),
                tokens,
                avg_logprob,
                no_speech_prob: r.no_speech_prob,
                temperature,
            };
            let silent = decoded.no_speech_prob > NO_SPEECH_THRESHOLD
                && decoded.avg_logprob < LOG_PROB_THRESHOLD;
            let needs_fallback = !silent
                && (decoded.compression_ratio > COMPRESSION_RATIO_THRESHOLD
                    || decoded.avg_logprob < LOG_PROB_THRESHOLD);
            if !needs_fallback {
                return Ok(decoded);
            }
            tried.push(decoded);
        }
        // Every temperature failed a check: keep the most likely result that is not a
        // repetition loop, else the most likely one.
        let pick = |only_plausible: bool| {
            tried
                .iter()
                .filter(|d| !only_plausible || d.compression_ratio <= COMPRESSION_RATIO_THRESHOLD)
                .max_by(|a, b| a.avg_logprob.total_cmp(&b.avg_logprob))
                .cloned()
        };
        pick(true)
            .or_else(|| pick(false))
            .ok_or_else(|| AsrError::Engine("whisper returned no result".into()))
    }

    /// Word timings for the text tokens of one window (relative to the window), from
    /// cross-attention alignment, tidied as whisper does ([`words`]), and the window's
    /// median and maximum word duration.
    fn align_words(
        &self,
        encoded: &StorageView,
        sot: &[String],
        text_tokens: &[usize],
        segment_frames: usize,
    ) -> Result<(Vec<Timing>, f32, f32), AsrError> {
        let sot_ids: Vec<usize> = sot.iter().filter_map(|t| self.vocab.id(t)).collect();
        let al = self
            .whisper
            .with(|w| {
                w.align(
                    encoded,
                    &sot_ids,
                    &[text_tokens.to_vec()],
                    &[segment_frames],
                    7,
                )
            })
            .map_err(engine)?;
        let Some(a) = al.into_iter().next() else {
            return Ok((Vec::new(), 0.0, 0.0));
        };
        // The time at which the alignment path moves on to each token (the last jump
        // belongs to end-of-text).
        let mut jump_times: Vec<f32> = Vec::with_capacity(text_tokens.len() + 1);
        let mut prev = -1i64;
        for p in &a.alignments {
            if p.token_x != prev {
                jump_times.push(p.frame_x as f32 * TIME_PRECISION);
                prev = p.token_x;
            }
        }
        let bytes: Vec<Vec<u8>> = text_tokens.iter().map(|&t| self.vocab.bytes(t)).collect();
        let mut timings = Vec::new();
        let mut b0 = 0usize;
        for (text, n) in words::split_words(&bytes) {
            let b1 = b0 + n;
            let start = jump_times.get(b0).copied().unwrap_or(0.0);
            let end = jump_times.get(b1).copied().unwrap_or(start);
            let probs = a.text_token_probs.get(b0..b1).unwrap_or(&[]);
            let prob = if probs.is_empty() {
                0.0
            } else {
                probs.iter().sum::<f32>() / probs.len() as f32
            };
            timings.push(Timing {
                text,
                tokens: n,
                start,
                end,
                prob,
            });
            b0 = b1;
        }
        let (median, max_duration) = words::median_max(&timings);
        words::tidy(&mut timings, max_duration);
        Ok((timings, median, max_duration))
    }
}

/// As whisper does: the mel of the audio followed by 30 s of silence, so that every window
/// is real data and the normalisation sees the same maximum.
fn padded_mel(audio: &[f32], n_mels: usize) -> crate::mel::LogMel {
    let mut padded = Vec::with_capacity(audio.len() + WINDOW_FRAMES * HOP);
    padded.extend_from_slice(audio);
    padded.resize(audio.len() + WINDOW_FRAMES * HOP, 0.0);
    log_mel(&padded, n_mels)
}

impl WhisperModel {
    /// The most likely language (ISO 639-1) and its probability, from a window's features
    /// or its encoder output (CTranslate2 encodes only what is not encoded yet).
    fn detect_in(&self, features: &StorageView) -> Result<Option<(String, f32)>, AsrError> {
        let res = self
            .whisper
            .with(|w| w.detect_language(features))
            .map_err(engine)?;
        Ok(res
            .first()
            .and_then(|r| r.first())
            .and_then(|d| parse_detection(&format!("{d:?}"))))
    }
}

/// Models loaded side by side, one per transcription that can run at once. Each call takes
/// a free one (waiting when all are busy), so a model's single worker thread never queues.
struct Decoders {
    all: Vec<Whisper>,
    free: Mutex<Vec<usize>>,
    freed: Condvar,
}

impl Decoders {
    fn new(all: Vec<Whisper>) -> Decoders {
        let free = Mutex::new((0..all.len()).rev().collect());
        Decoders {
            all,
            free,
            freed: Condvar::new(),
        }
    }

    /// For what every model answers alike (vocabulary, mel bins).
    fn first(&self) -> &Whisper {
        &self.all[0]
    }

    fn with<R>(&self, run: impl FnOnce(&Whisper) -> R) -> R {
        let index = {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(i) = free.pop() {
                    break i;
                }
                free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
            }
        };
        // Put back even if `run` unwinds.
        struct Release<'a>(&'a Decoders, usize);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0
                    .free
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(self.1);
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self, index);
        run(&self.all[index])
    }
}

#[derive(Debug, Clone)]
struct Decoded {
    tokens: Vec<usize>,
    avg_logprob: f32,
    no_speech_prob: f32,
    compression_ratio: f32,
    temperature: f32,
}

impl SpeechModel for WhisperModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn is_multilingual(&self) -> bool {
        self.whisper.first().is_multilingual()
    }

    fn detect_language(&self, audio: &[f32]) -> Result<Option<(String, f32)>, AsrError> {
        if !self.whisper.first().is_multilingual() {
            return Ok(Some(("en".to_owned(), 1.0)));
        }
        let n_mels = self.whisper.first().n_mels();
        let take = audio.len().min(WINDOW_FRAMES * HOP);
        if take < MIN_WINDOW_FRAMES * HOP {
            return Ok(None);
        }
        let mel = log_mel(&audio[..take], n_mels);
        let mut window = mel.window(0, WINDOW_FRAMES);
        let sv = StorageView::new(&[1, n_mels, WINDOW_FRAMES], &mut window, Device::CPU)
            .map_err(engine)?;
        self.detect_in(&sv)
    }

    fn transcribe(
        &self,
        audio: &[f32],
        language: &SharedLanguage,
        detect: bool,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Vec<Segment>, AsrError> {
        let n_mels = self.whisper.first().n_mels();
        let content_frames = audio.len() / HOP;
        if content_frames < MIN_WINDOW_FRAMES {
            return Ok(Vec::new());
        }
        let mel = padded_mel(audio, n_mels);

        // Known once the first window is encoded (see `SharedLanguage`).
        let mut sot: Option<Vec<String>> = None;
        let mut segments: Vec<Segment> = Vec::new();
        let mut prompt_tokens: Vec<usize> = Vec::new();
        let mut seek = 0usize;
        // End of the last word decoded so far (whisper's `last_speech_timestamp`).
        let mut last_speech = 0.0f32;
        while seek + MIN_WINDOW_FRAMES <= content_frames {
            let offset = (seek * HOP) as f32 / SAMPLE_RATE as f32;
            let segment_frames = (content_frames - seek).min(WINDOW_FRAMES);
            let mut window = mel.window(seek, WINDOW_FRAMES);
            let encoded = self.encode(&mut window, n_mels)?;
            if sot.is_none() {
                if detect {
                    let started = std::time::Instant::now();
                    if let Some((l, p)) = self.detect_in(&encoded)? {
                        tracing::debug!(language = %l, probability = p, took_s = started.elapsed().as_secs_f32(), "language detected from the first window");
                        language.offer(&l);
                    }
                }
                sot = Some(self.sot_sequence(&language.wait()));
            }
            let sot = sot.as_deref().unwrap_or_default();

            let mut prompt: Vec<String> = Vec::new();
            if !prompt_tokens.is_empty() {
                prompt.push("<|startofprev|>".to_owned());
                let from = prompt_tokens.len().saturating_sub(MAX_PROMPT_TOKENS);
                prompt.extend(
                    prompt_tokens[from..]
                        .iter()
                        .map(|&t| self.vocab.token(t).to_owned()),
                );
            }
            prompt.extend(sot.iter().cloned());
            let d = self.generate_with_fallback(&encoded, &prompt)?;

            let silent =
                d.no_speech_prob > NO_SPEECH_THRESHOLD && d.avg_logprob <= LOG_PROB_THRESHOLD;
            if silent {
                seek += segment_frames;
                progress(seek.min(content_frames) as f32 / content_frames as f32);
                continue;
            }

            let (pieces, next_seek, ended_on_single_timestamp) =
                split_segments(&self.vocab, &d.tokens, seek, segment_frames);
            let text_tokens: Vec<usize> = pieces
                .iter()
                .flat_map(|p| p.tokens.iter().copied())
                .collect();
            let (timings, median, max_duration) = if text_tokens.is_empty() {
                (Vec::new(), 0.0, 0.0)
            } else {
                self.align_words(&encoded, sot, &text_tokens, segment_frames)?
            };
            let mut bounds: Vec<Bounds> = pieces
                .iter()
                .map(|p| Bounds {
                    start: offset + p.start,
                    end: offset + p.end,
                    tokens: p.tokens.len(),
                })
                .collect();
            let placed = words::place(
                &timings,
                &mut bounds,
                offset,
                median,
                max_duration,
                last_speech,
            );
            // Whisper's `get_end`: the last word's end, else the last segment's.
            let last_end = placed
                .iter()
                .rev()
                .find_map(|ws| ws.last().map(|w| w.end))
                .or(bounds.last().map(|b| b.end));
            if let Some(end) = last_end {
                last_speech = end;
            }
            seek = resume_at(
                next_seek,
                ended_on_single_timestamp,
                last_end,
                seek,
                segment_frames,
            );
            tracing::debug!(
                window_start = offset,
                next_seek = seek as f32 / 100.0,
                temperature = d.temperature,
                avg_logprob = d.avg_logprob,
                no_speech_prob = d.no_speech_prob,
                text = %annotated(&self.vocab, &d.tokens),
                "decoded window"
            );
            let mut prompt_next: Vec<usize> = Vec::new();
            for ((piece, b), ws) in pieces.into_iter().zip(bounds).zip(placed) {
                let text = self.vocab.decode(&piece.tokens).trim().to_owned();
                // Whisper drops segments without text or length (and so from the prompt).
                if text.is_empty() || b.start == b.end {
                    continue;
                }
                prompt_next.extend(piece.prompt);
                segments.push(Segment {
                    start: b.start,
                    end: b.end.max(b.start),
                    text,
                    words: ws,
                });
            }

            if d.temperature > PROMPT_RESET_ON_TEMPERATURE {
                prompt_tokens.clear();
            } else {
                prompt_tokens.extend(prompt_next);
            }
            progress(seek.min(content_frames) as f32 / content_frames as f32);
        }
        progress(1.0);
        Ok(segments)
    }
}

/// A segment of one window as token ids, with times relative to the window.
struct Piece {
    start: f32,
    end: f32,
    /// Its text tokens.
    tokens: Vec<usize>,
    /// Its text and timestamp tokens, as the next windows' prompt carries them.
    prompt: Vec<usize>,
}

/// Whisper's segmentation of one window's tokens (consecutive timestamp pairs end a
/// segment), where the next window starts (in mel frames), and whether the window ended
/// on a lone timestamp.
fn split_segments(
    vocab: &Vocab,
    toks: &[usize],
    seek: usize,
    segment_frames: usize,
) -> (Vec<Piece>, usize, bool) {
    let is_ts = |t: usize| vocab.is_timestamp(t);
    let ts_time = |t: usize| (t - vocab.ts_begin) as f32 * TIME_PRECISION;
    let text_of =
        |s: &[usize]| -> Vec<usize> { s.iter().copied().filter(|&t| t < vocab.eot).collect() };
    // Whisper (and faster-whisper) condition the next window on the previous segments'
    // tokens *with* their timestamps; text alone let one bad window's text steer the
    // following ones into a loop on long calls (30-minute stereo WER 12.4% against 4.3%
    // without any prompt).
    let prompt_of = |s: &[usize]| -> Vec<usize> {
        s.iter()
            .copied()
            .filter(|&t| t < vocab.eot || is_ts(t))
            .collect()
    };
    let n = toks.len();
    let single_ts_ending = n >= 2 && !is_ts(toks[n - 2]) && is_ts(toks[n - 1]);
    let mut cuts: Vec<usize> = (1..n)
        .filter(|&i| is_ts(toks[i]) && is_ts(toks[i - 1]))
        .collect();
    let mut pieces = Vec::new();
    let next_seek;
    if !cuts.is_empty() {
        if single_ts_ending {
            cuts.push(n);
        }
        let mut last = 0;
        for &cut in &cuts {
            let sl = &toks[last..cut];
            let start = sl
                .first()
                .filter(|&&t| is_ts(t))
                .map_or(0.0, |&t| ts_time(t));
            let end = sl
                .last()
                .filter(|&&t| is_ts(t))
                .map_or(start, |&t| ts_time(t));
            pieces.push(Piece {
                start,
                end,
                tokens: text_of(sl),
                prompt: prompt_of(sl),
            });
            last = cut;
        }
        next_seek = if single_ts_ending {
            seek + segment_frames
        } else {
            // Resume at the last complete segment's closing timestamp.
            seek + (toks[last - 1].saturating_sub(vocab.ts_begin)) * INPUT_STRIDE
        };
    } else {
        let mut dur = (segment_frames * HOP) as f32 / SAMPLE_RATE as f32;
        if let Some(&l) = toks.iter().rev().find(|&&t| is_ts(t)) {
            if l != vocab.ts_begin {
                dur = ts_time(l);
            }
        }
        pieces.push(Piece {
            start: 0.0,
            end: dur,
            tokens: text_of(toks),
            prompt: prompt_of(toks),
        });
        next_seek = seek + segment_frames;
    }
    pieces.retain(|p| !p.tokens.is_empty());
    (pieces, next_seek, single_ts_ending)
}

/// Where the next window starts (mel frames), given `split_segments`' answer, whether the
/// window ended on a lone timestamp, the end of its last tidied word ([`words::place`]), and
/// the window's own start and length.
///
/// With word timestamps, whisper resumes after the last word when the window did not end on a
/// lone timestamp; otherwise speech after an unfinished segment is lost (seen: "If not,"
/// vanished at a window edge). The end must be the tidied one: a raw alignment end can run
/// over the next turn's first words. Never stalls: the result is past `window_start`.
fn resume_at(
    next_seek: usize,
    single_timestamp_ending: bool,
    last_word_end: Option<f32>,
    window_start: usize,
    segment_frames: usize,
) -> usize {
    let offset = window_start as f32 / 100.0;
    let mut seek = next_seek;
    if !single_timestamp_ending {
        if let Some(end) = last_word_end.filter(|&e| e > offset) {
            seek = (end * 100.0).round() as usize;
        }
    }
    if seek <= window_start {
        seek = window_start + segment_frames;
    }
    seek
}

/// A window's tokens as text with its timestamp tokens shown as `<|1.24|>`, for the debug log.
fn annotated(vocab: &Vocab, tokens: &[usize]) -> String {
    let mut out = String::new();
    let mut run: Vec<usize> = Vec::new();
    for &t in tokens {
        if vocab.is_timestamp(t) {
            out.push_str(&vocab.decode(&run));
            run.clear();
            out.push_str(&format!(
                "<|{:.2}|>",
                (t - vocab.ts_begin) as f32 * TIME_PRECISION
            ));
        } else {
            run.push(t);
        }
    }
    out.push_str(&vocab.decode(&run));
    out
}

/// `zlib` compressed size over raw size, as whisper uses to spot repetition loops.
fn compression_ratio(text: &str) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    if enc.write_all(text.as_bytes()).is_err() {
        return 0.0;
    }
    match enc.finish() {
        Ok(z) if !z.is_empty() => text.len() as f32 / z.len() as f32,
        _ => 0.0,
    }
}

/// ct2rs keeps `DetectionResult`'s fields private and offers no accessors, so the language
/// token and probability are read from its `Debug` output
/// (`DetectionResult { language: "<|de|>", probability: 0.97 }`).
fn parse_detection(debug: &str) -> Option<(String, f32)> {
    let lang_start = debug.find("<|")? + 2;
    let lang_end = lang_start + debug[lang_start..].find("|>")?;
    let lang = debug[lang_start..lang_end].to_owned();
    let p_start = debug.find("probability:")? + "probability:".len();
    let p: f32 = debug[p_start..]
        .trim()
        .trim_end_matches('}')
        .trim()
        .parse()
        .ok()?;
    Some((lang, p))
}

fn engine(e: impl std::fmt::Display) -> AsrError {
    AsrError::Engine(e.to_string())
}

/// `whisper-base` for `.../whisper-base`, else the folder name.
pub(crate) fn model_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "whisper".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    impl WhisperModel {
        /// The language as `transcribe` detects it: from the encoder output of the first
        /// window of the padded mel.
        fn first_window_language(&self, audio: &[f32]) -> Option<(String, f32)> {
            let n_mels = self.whisper.first().n_mels();
            let mut window = padded_mel(audio, n_mels).window(0, WINDOW_FRAMES);
            let encoded = self.encode(&mut window, n_mels).unwrap();
            self.detect_in(&encoded).unwrap()
        }
    }

    /// 16 kHz mono clips: the real voices of the diarization fixtures (English), and
    /// espeak-ng reading German, French and Spanish.
    fn clips() -> Vec<(String, &'static str, Vec<f32>)> {
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../parley/tests/fixtures/diarization");
        let mut clips = Vec::new();
        for name in [
            "two-speakers-phone.wav",
            "three-speakers.flac",
            "one-voice-phone.wav",
        ] {
            let audio = parley_media::decode_file(fixtures.join(name), &Default::default())
                .expect("diarization fixture");
            clips.push((name.to_owned(), "en", audio.channels[0].clone()));
        }
        let dir = tempfile::tempdir().unwrap();
        for (voice, text) in [
            ("de", "Guten Morgen, wir besprechen heute das Angebot und die Preise für das nächste Jahr. Können Sie mir sagen, wann der Vertrag beginnt?"),
            ("fr", "Bonjour, nous parlons aujourd'hui de l'offre et des prix pour l'année prochaine. Pouvez-vous me dire quand le contrat commence?"),
            ("es", "Buenos días, hoy hablamos de la oferta y de los precios para el año que viene. ¿Puede decirme cuándo empieza el contrato?"),
        ] {
            let wav = dir.path().join(format!("{voice}.wav"));
            let ok = std::process::Command::new("espeak-ng")
                .args(["-v", voice, "-w"])
                .arg(&wav)
                .arg(text)
                .status()
                .expect("espeak-ng (scripts/setup.sh installs it)")
                .success();
            assert!(ok, "espeak-ng failed for {voice}");
            let audio = parley_media::decode_file(&wav, &Default::default()).unwrap();
            clips.push((format!("espeak {voice}"), voice, audio.channels[0].clone()));
        }
        clips
    }

    #[test]
    fn the_first_window_tells_the_language_the_separate_pass_told() {
        let models = crate::ModelFiles::new(crate::ModelFiles::default_dir());
        let model = WhisperModel::load(&WhisperConfig {
            model_dir: models.whisper("base"),
            threads: 1,
            replicas: 1,
            beam_size: 5,
        })
        .expect("whisper base: run scripts/fetch-models.sh");
        for (name, expected, audio) in clips() {
            let (separate, p_separate) = model.detect_language(&audio).unwrap().unwrap();
            let (window, p_window) = model.first_window_language(&audio).unwrap();
            assert_eq!(window, separate, "{name}: {p_window} against {p_separate}");
            assert_eq!(window, expected, "{name}");
        }
        // Too little audio to tell: no answer either way (the caller falls back to English).
        assert_eq!(model.detect_language(&[0.0; 2_000]).unwrap(), None);
    }

    #[test]
    fn windows_resume_after_the_last_tidied_word() {
        // The window at 320.14 s of the 30-minute bench call: its last complete segment
        // closed at 346.14 s; "fine." ended there once tidied (its raw end, 350.12 s, was
        // past the next turn's start).
        assert_eq!(resume_at(34_614, false, Some(346.14), 32_014, 3000), 34_614);
        // A lone closing timestamp consumes the window whatever the words say.
        assert_eq!(resume_at(35_014, true, Some(346.14), 32_014, 3000), 35_014);
        // No words: the segments' answer stands.
        assert_eq!(resume_at(34_614, false, None, 32_014, 3000), 34_614);
        // Never stall, never go back.
        assert_eq!(resume_at(32_014, false, Some(310.0), 32_014, 3000), 35_014);
    }

    #[test]
    fn detection_debug_is_parsed() {
        assert_eq!(
            parse_detection(r#"DetectionResult { language: "<|de|>", probability: 0.97 }"#),
            Some(("de".to_owned(), 0.97))
        );
        assert_eq!(parse_detection("DetectionResult { }"), None);
    }

    #[test]
    fn repetition_compresses_well() {
        let loop_text = "thank you ".repeat(30);
        assert!(compression_ratio(&loop_text) > COMPRESSION_RATIO_THRESHOLD);
        let normal = "Thanks for joining. Let's review the budget for the launch.";
        assert!(compression_ratio(normal) < COMPRESSION_RATIO_THRESHOLD);
        assert_eq!(compression_ratio(""), 0.0);
    }

    fn vocab() -> Vocab {
        let mut lines: Vec<String> = ["Hi", "Ġthere", ".", "ĠBye"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for t in ["<|endoftext|>", "<|startoftranscript|>", "<|startofprev|>"] {
            lines.push(t.to_owned());
        }
        for i in 0..=1500 {
            lines.push(format!("<|{:.2}|>", i as f32 * 0.02));
        }
        Vocab::parse(&lines.join("\n")).unwrap()
    }

    #[test]
    fn segments_split_at_timestamp_pairs() {
        let v = vocab();
        let ts = |s: f32| v.ts_begin + (s / 0.02).round() as usize;
        // <0.00> Hi there. <1.00><1.20> Bye <2.00>   (ends on a single timestamp)
        let toks = vec![ts(0.0), 0, 1, 2, ts(1.0), ts(1.2), 3, ts(2.0)];
        let (pieces, next, single) = split_segments(&v, &toks, 0, 3000);
        assert!(single);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].tokens, vec![0, 1, 2]);
        // The next window's prompt keeps the timestamps, as whisper's does.
        assert_eq!(pieces[0].prompt, vec![ts(0.0), 0, 1, 2, ts(1.0)]);
        assert_eq!(pieces[1].prompt, vec![ts(1.2), 3, ts(2.0)]);
        assert!((pieces[1].start - 1.2).abs() < 1e-4 && (pieces[1].end - 2.0).abs() < 1e-4);
        assert_eq!(next, 3000, "single timestamp ending consumes the window");

        // Unfinished last segment: resume at the last complete segment's end (1.00 s = 100 frames).
        let toks = vec![ts(0.0), 0, 1, 2, ts(1.0), ts(1.2), 3];
        let (pieces, next, single) = split_segments(&v, &toks, 500, 3000);
        assert!(!single);
        assert_eq!(pieces.len(), 1);
        assert_eq!(next, 500 + 100);

        // No pairs at all: one segment over the window.
        let (pieces, next, _) = split_segments(&v, &[0, 1], 0, 1200);
        assert_eq!((pieces.len(), next), (1, 1200));
        assert!((pieces[0].end - 12.0).abs() < 1e-4);
    }
}
