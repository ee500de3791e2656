//! Errors of loading a model.

use std::path::PathBuf;

/// Why the speaker-embedding model could not be loaded. Embedding and diarization never
/// fail: bad or too-short audio gives `None` or an empty result instead.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The weights file could not be read.
    #[error("cannot read speaker-encoder weights {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a torch checkpoint this reader understands.
    #[error("malformed torch checkpoint at byte {offset}: {reason}")]
    Format { offset: usize, reason: String },
    /// The checkpoint parsed but does not hold the network we expect.
    #[error("unexpected speaker-encoder weights: {0}")]
    Model(String),
}
