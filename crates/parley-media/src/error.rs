//! Classified decode errors. Every message is lowercase, names what is wrong with the file, and is
//! safe to show to the client who uploaded it (no paths, no library internals).

use crate::DecodedAudio;

/// Why a recording could not be turned into audio.
///
/// [`MediaError::kind`] gives a field-less [`MediaErrorKind`] for matching and for mapping to
/// job states or HTTP statuses.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The input has no bytes at all.
    #[error("file is empty")]
    Empty,

    /// No audio or video container was recognised: text, an image, a document, random bytes.
    #[error("file is not a recording: {0}")]
    NotMedia(String),

    /// The container is known but its audio codec (or the container itself) is one Parley does
    /// not decode, e.g. GSM 6.10 in WAV, AC-3 in MKV, WMA in ASF.
    #[error("{0}")]
    Unsupported(String),

    /// The container was recognised but its headers or audio data are damaged and nothing
    /// usable could be decoded.
    #[error("file is damaged: {0}")]
    Corrupt(String),

    /// Decoding stopped early: the file is cut off (an interrupted upload or recording) or turns
    /// to damage partway. What could be decoded is in `partial`, fully processed (16 kHz,
    /// deduplicated; no channels if it is silent), so a caller that prefers a partial transcript
    /// to none can use it. `partial` is `None` when the file is cut off before any audio.
    #[error("{}", truncated_message(*.decoded_ms, *.expected_ms))]
    Truncated {
        /// How much audio was decoded before the end or the damage.
        decoded_ms: u64,
        /// The duration the container declares, when it declares one.
        expected_ms: Option<u64>,
        /// The audio decoded before the end or the damage.
        partial: Option<Box<DecodedAudio>>,
    },

    /// A container with tracks, none of which is audio (e.g. a screen recording without sound).
    #[error("{container} file has no audio track")]
    NoAudioTrack {
        /// The container, e.g. `mp4`.
        container: String,
    },

    /// The recording is longer than [`crate::DecodeOptions::max_duration_secs`].
    #[error("recording is longer than the {} limit", human_duration(*.limit_secs))]
    TooLong {
        /// The limit that was exceeded, in seconds.
        limit_secs: u64,
    },

    /// Every channel is silent (nothing louder than line noise anywhere in the file).
    #[error("recording is silent: no channel contains any sound")]
    Silent,

    /// Reading the input failed (a file system or network error, not a problem with the data).
    #[error("could not read the recording: {0}")]
    Io(#[from] std::io::Error),
}

/// The variant of a [`MediaError`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaErrorKind {
    /// See [`MediaError::Empty`].
    Empty,
    /// See [`MediaError::NotMedia`].
    NotMedia,
    /// See [`MediaError::Unsupported`].
    Unsupported,
    /// See [`MediaError::Corrupt`].
    Corrupt,
    /// See [`MediaError::Truncated`].
    Truncated,
    /// See [`MediaError::NoAudioTrack`].
    NoAudioTrack,
    /// See [`MediaError::TooLong`].
    TooLong,
    /// See [`MediaError::Silent`].
    Silent,
    /// See [`MediaError::Io`].
    Io,
}

impl MediaError {
    /// The variant, without its data.
    pub fn kind(&self) -> MediaErrorKind {
        match self {
            MediaError::Empty => MediaErrorKind::Empty,
            MediaError::NotMedia(_) => MediaErrorKind::NotMedia,
            MediaError::Unsupported(_) => MediaErrorKind::Unsupported,
            MediaError::Corrupt(_) => MediaErrorKind::Corrupt,
            MediaError::Truncated { .. } => MediaErrorKind::Truncated,
            MediaError::NoAudioTrack { .. } => MediaErrorKind::NoAudioTrack,
            MediaError::TooLong { .. } => MediaErrorKind::TooLong,
            MediaError::Silent => MediaErrorKind::Silent,
            MediaError::Io(_) => MediaErrorKind::Io,
        }
    }

    /// True when the problem is the uploaded file itself (as opposed to [`MediaError::Io`]):
    /// retrying the same bytes will fail the same way.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, MediaError::Io(_))
    }
}

fn truncated_message(decoded_ms: u64, expected_ms: Option<u64>) -> String {
    if decoded_ms == 0 {
        return "recording is cut off before any audio could be decoded".to_string();
    }
    match expected_ms {
        Some(expected) => format!(
            "recording ends early: only {} of {} could be decoded",
            seconds(decoded_ms),
            seconds(expected)
        ),
        None => format!(
            "recording ends early: it is cut off or damaged after {}",
            seconds(decoded_ms)
        ),
    }
}

/// `12.3 s`, `1 min 05 s`, `2 h 03 min`.
pub(crate) fn seconds(ms: u64) -> String {
    let secs = ms / 1000;
    if secs < 60 {
        format!("{}.{} s", secs, (ms % 1000) / 100)
    } else if secs < 3600 {
        format!("{} min {:02} s", secs / 60, secs % 60)
    } else {
        format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
    }
}

fn human_duration(secs: u64) -> String {
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        seconds(secs.saturating_mul(1000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_and_specific() {
        let too_long = MediaError::TooLong {
            limit_secs: 4 * 3600,
        };
        assert_eq!(
            too_long.to_string(),
            "recording is longer than the 4 h limit"
        );
        assert_eq!(
            MediaError::NoAudioTrack {
                container: "mp4".into()
            }
            .to_string(),
            "mp4 file has no audio track"
        );
        assert_eq!(
            truncated_message(900, Some(1670)),
            "recording ends early: only 0.9 s of 1.6 s could be decoded"
        );
        assert_eq!(seconds(65_000), "1 min 05 s");
        assert_eq!(seconds(7_380_000), "2 h 03 min");
        assert_eq!(human_duration(90), "1 min 30 s");
        assert_eq!(human_duration(1800), "30 min");
    }
}
