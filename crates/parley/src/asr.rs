//! The local speech engine (`parley-asr`) in the domain's terms. Workers never call it in
//! their own process: `engine` runs it in a supervised `parley engine-host` child.

use parley_app::worker::{Hints, Recognised, TranscribeError};
use parley_asr::{lang, Engine, EngineConfig, ModelFiles, TranscribeOptions};
use parley_domain::{FoundVoice, VoiceUtterance, Word};

pub struct LocalAsr {
    engine: Engine,
}

impl LocalAsr {
    pub fn load(
        models: &std::path::Path,
        model: &str,
        threads: usize,
    ) -> Result<LocalAsr, parley_asr::AsrError> {
        let mut cfg = EngineConfig::new(ModelFiles::new(models), model);
        if threads > 0 {
            cfg.threads = threads;
        }
        Ok(LocalAsr {
            engine: Engine::load(&cfg)?,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

fn ms(s: f32) -> i64 {
    (s * 1000.0).round() as i64
}

/// The engine's result in the domain's terms; channel numbers are the source's
/// (`source_channel_index` is [`parley_media::DecodedAudio::source_channel_index`]).
pub fn recognised(t: parley_asr::Transcription, source_channel_index: &[usize]) -> Recognised {
    Recognised {
        model: t.model,
        language: lang::iso639_2b(&t.language).to_owned(),
        voices: t
            .speakers
            .into_iter()
            .map(|s| FoundVoice {
                channel: s
                    .channel
                    .map(|c| source_channel_index.get(c).copied().unwrap_or(c) as u32),
                speech_ms: ms(s.speech_s),
                voice: s.voice,
            })
            .collect(),
        utterances: t
            .utterances
            .into_iter()
            .map(|u| VoiceUtterance {
                voice: u.speaker,
                start_ms: ms(u.start),
                end_ms: ms(u.end),
                text: u.text,
                words: u
                    .words
                    .into_iter()
                    .map(|w| Word {
                        start_ms: ms(w.start),
                        end_ms: ms(w.end),
                        text: w.text,
                    })
                    .collect(),
            })
            .collect(),
    }
}

impl LocalAsr {
    /// Transcribes decoded channels (16 kHz, as `parley-media` gives them).
    pub fn recognise(
        &self,
        channels: &[Vec<f32>],
        source_channel_index: &[usize],
        hints: &Hints,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Recognised, TranscribeError> {
        let opts = TranscribeOptions {
            language: hints
                .language
                .as_deref()
                .and_then(lang::whisper_code)
                .map(str::to_owned),
            max_speakers: hints.max_speakers,
        };
        let t = self
            .engine
            .transcribe(channels, &opts, progress)
            .map_err(|e| match e {
                parley_asr::AsrError::NoAudio => TranscribeError::Input(e.to_string()),
                other => TranscribeError::Engine(other.to_string()),
            })?;
        Ok(recognised(t, source_channel_index))
    }
}
