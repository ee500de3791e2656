//! Parley's audio front end for local speech recognition: any recording a sales team has (WAV,
//! MP3, FLAC, Ogg Vorbis, Opus in Ogg or WebM, M4A/AAC, MP4 and MKV video) becomes 16 kHz mono
//! `f32` PCM per channel, or a classified [`MediaError`] whose message can be shown to the client.
//!
//! ```no_run
//! # fn main() -> Result<(), parley_media::MediaError> {
//! let file = std::fs::File::open("call.m4a")?;
//! let audio = parley_media::decode(file, Some("m4a"), &parley_media::DecodeOptions::default())?;
//! for (i, samples) in audio.channels.iter().enumerate() {
//!     println!("channel {i} (source channel {}): {} samples at 16 kHz",
//!         audio.source_channel_index[i], samples.len());
//! }
//! # Ok(()) }
//! ```
//!
//! # Threading
//!
//! Decoding is CPU-bound and synchronous by design (one core decodes a one-hour call in about
//! 2 to 14 seconds depending on the codec; see `examples/decode_speed.rs`). From async code, run
//! [`decode`] on a blocking thread, e.g. `tokio::task::spawn_blocking`. All inputs are `Send`,
//! and nothing here touches global state.
//!
//! # Memory
//!
//! Decoding streams: packets are decoded and resampled chunk by chunk, and only the 16 kHz output
//! accumulates (64 KB per channel-second: 460 MB per channel for a two-hour call), never a
//! second full-rate copy. [`DecodeOptions::max_duration_secs`] bounds it.
//!
//! # Errors and edge cases
//!
//! * A damaged packet is replaced by silence of the same length (so timestamps stay true) and
//!   decoding goes on; past a bound (100 in a row, or over 50 and a quarter of all packets) the
//!   rest of the file counts as damaged.
//! * A file that is cut off (an interrupted upload, a crashed recorder) fails with
//!   [`MediaError::Truncated`], which hands back the audio before the cut. It is recognised by
//!   a decoded length short of an exact declared one (WAV, FLAC, MP3 with a Xing/Info frame, MP4,
//!   Ogg), an Ogg file whose last page is incomplete or not marked as the end, and Matroska/WebM
//!   or MP4 files whose structure runs past the end of the file. Estimated durations (MP3
//!   without a Xing frame, ADTS AAC) are never taken as proof of a cut.
//! * WAV files whose recorder never finalised the header (sizes 0 or 0xFFFFFFFF) are read to
//!   the end of the file.
//! * MP4 edit lists are applied (symphonia 0.6 ignores them), so AAC encoder priming is dropped
//!   and timestamps line up. Matroska files have no such information for AAC; there the
//!   priming (about 21 ms) stays, as it does with ffmpeg.
//! * Only one audio track is decoded: the default one, else the first decodable one.
//! * All channels silent (below -55 dBFS except for clicks): [`MediaError::Silent`].
//!
//! No input makes this crate panic: each demuxer and decoder call is also guarded, and a
//! decoder that panics on a packet is treated like a damaged packet (the panic message is still
//! printed by the process's panic hook).
//!
//! # Crate choices
//!
//! * [symphonia](https://docs.rs/symphonia) demuxes every container and decodes everything but
//!   Opus; pure Rust.
//! * Opus: symphonia 0.6 has no Opus decoder, so [`opus-pure`](https://docs.rs/opus-pure), a
//!   pure-Rust port checked against libopus 1.6.1 with no dependencies and no build script, is
//!   registered into symphonia's codec registry (see `opus.rs`). Linking libopus would need a C
//!   toolchain plus cmake or system libopus on every developer and CI machine.
//! * [rubato](https://docs.rs/rubato)'s synchronous FFT resampler for every rate pair.

mod channels;
mod decode;
mod encode;
mod error;
mod mp4;
mod opus;
mod resample;
mod sniff;

pub use channels::{dedupe_channels, distinct_channels, is_audible, is_copy};
pub use decode::{decode, decode_file, probe, probe_file};
pub use encode::{flac_from_clips, Clip, EncodeError};
pub use error::{MediaError, MediaErrorKind};

/// The sample rate of every [`DecodedAudio`] unless [`DecodeOptions::target_rate`] says
/// otherwise.
pub const TARGET_RATE: u32 = 16_000;

/// Default [`DecodeOptions::max_duration_secs`]: 4 hours.
pub const DEFAULT_MAX_DURATION_SECS: u64 = 4 * 3600;

/// Recordings with more channels than this are refused as unsupported (calls have one or two;
/// 7.1 video has eight).
pub const MAX_CHANNELS: usize = 8;

/// How to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Longer recordings fail with [`MediaError::TooLong`]: immediately when the container
    /// declares its duration, otherwise as soon as decoding passes the limit. Default 4 hours.
    pub max_duration_secs: u64,
    /// Output sample rate. Default 16 kHz, what speech recognition models expect.
    pub target_rate: u32,
    /// Drop silent channels and channels that copy another (see [`dedupe_channels`]). Default
    /// `true`. With `false` every source channel is returned, and
    /// [`DecodedAudio::distinct_channels`] still says how many are distinct.
    pub dedupe_channels: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_duration_secs: DEFAULT_MAX_DURATION_SECS,
            target_rate: TARGET_RATE,
            dedupe_channels: true,
        }
    }
}

/// A decoded recording: one vector of samples in `[-1, 1]` (lossy codecs may overshoot slightly)
/// per channel, all at [`DecodedAudio::sample_rate`] and of equal length.
#[derive(Clone, PartialEq)]
pub struct DecodedAudio {
    /// Always [`DecodeOptions::target_rate`] (16 kHz by default).
    pub sample_rate: u32,
    /// Samples per channel. With [`DecodeOptions::dedupe_channels`] (the default), only the
    /// distinct audible channels, in source order.
    pub channels: Vec<Vec<f32>>,
    /// For each entry of `channels`, its index among the source's channels (0 = left).
    pub source_channel_index: Vec<usize>,
    /// The sample rate of the decoded stream before resampling.
    pub source_rate: u32,
    /// The number of channels in the source.
    pub source_channels: usize,
    /// Length of the decoded audio.
    pub duration_ms: u64,
    /// Short codec name: `pcm_s16le`, `pcm_mulaw`, `mp3`, `aac`, `flac`, `vorbis`, `opus`, ...
    pub codec: String,
    /// Short container name: `wav`, `mp3`, `flac`, `ogg`, `mp4`, `m4a`, `mkv`, `webm`, ...
    pub container: String,
    /// Source channels that are audible and not copies of another channel.
    pub distinct_channels: usize,
    /// Damaged packets that were replaced by silence (0 for a healthy file).
    pub skipped_packets: u64,
}

impl std::fmt::Debug for DecodedAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never dump millions of samples into a log line.
        f.debug_struct("DecodedAudio")
            .field("sample_rate", &self.sample_rate)
            .field(
                "channels",
                &format_args!("{} x {} samples", self.channels.len(), self.frames()),
            )
            .field("source_channel_index", &self.source_channel_index)
            .field("source_rate", &self.source_rate)
            .field("source_channels", &self.source_channels)
            .field("duration_ms", &self.duration_ms)
            .field("codec", &self.codec)
            .field("container", &self.container)
            .field("distinct_channels", &self.distinct_channels)
            .field("skipped_packets", &self.skipped_packets)
            .finish()
    }
}

impl DecodedAudio {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }
}

/// What [`probe`] finds without decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaInfo {
    /// Short container name, as in [`DecodedAudio::container`].
    pub container: String,
    /// Short codec name of the audio track that [`decode`] would use.
    pub codec: String,
    /// Channels of that track, when the container says.
    pub channels: Option<usize>,
    /// Sample rate of that track, when the container says.
    pub sample_rate: Option<u32>,
    /// Duration the container declares (or, for MP3 without a Xing/Info frame and for ADTS AAC,
    /// estimates from the bitrate), when known.
    pub duration_ms: Option<u64>,
    /// `duration_ms` is an estimate from the bitrate, not a count.
    pub duration_is_estimate: bool,
    /// Audio tracks in the file (only one is decoded: the default, else the first decodable).
    pub audio_tracks: usize,
    /// Whether the file also has video.
    pub has_video: bool,
}
