//! Probe and decode: open the container, pick the audio track, decode packet by packet into the
//! streaming resampler, then classify how it ended.

use std::io::{Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioCodecParameters, AudioDecoder, AudioDecoderOptions, CODEC_ID_NULL_AUDIO,
};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackFlags};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::TimeBase;

use crate::channels::distinct_channels;
use crate::error::MediaError;
use crate::mp4::{self, AudioEdit};
use crate::resample::StreamResampler;
use crate::sniff::{sniff, wav_codec_name, Sniffed, SNIFF_LEN};
use crate::{DecodeOptions, DecodedAudio, MediaInfo, MAX_CHANNELS};

/// symphonia's decoders plus the Opus adapter.
static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_audio_decoder::<crate::opus::OpusDecoder>();
    registry
});

/// After this many damaged packets in a row, the rest of the stream is taken as damaged.
const MAX_CONSECUTIVE_BAD_PACKETS: u64 = 100;
/// Past this many damaged packets, decoding stops if they are also over a quarter of the
/// packets seen.
const MAX_BAD_PACKETS: u64 = 50;
/// Silence inserted for one damaged packet is capped (a corrupt duration field must not
/// allocate gigabytes).
const MAX_GAP_SECS: u64 = 2;

/// A `Read + Seek` input, from its start position on, as a symphonia media source. The input is
/// shared so that a container that fails to open in seekable mode can be opened again as a
/// plain stream, and header fields can be patched on the fly (see [`wav_patches`]).
struct Source<R> {
    inner: Arc<Mutex<R>>,
    /// Absolute position of the recording's first byte in `inner`.
    start: u64,
    /// Position relative to `start`.
    pos: u64,
    /// `None` hides the length (and seeking) from the demuxer: streaming mode.
    len: Option<u64>,
    /// Bytes shown instead of the input's, at positions relative to `start`.
    patches: Arc<[(u64, [u8; 4])]>,
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("input is unusable after a decoder failure")
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.lock().map_err(|_| poisoned())?.read(buf)?;
        for (at, bytes) in self.patches.iter() {
            for (i, byte) in bytes.iter().enumerate() {
                let abs = at + i as u64;
                if abs >= self.pos && abs < self.pos + n as u64 {
                    buf[(abs - self.pos) as usize] = *byte;
                }
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Source<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let mut inner = self.inner.lock().map_err(|_| poisoned())?;
        let abs = match pos {
            SeekFrom::Start(x) => inner.seek(SeekFrom::Start(self.start.saturating_add(x)))?,
            other => inner.seek(other)?,
        };
        if abs < self.start {
            inner.seek(SeekFrom::Start(self.start))?;
            self.pos = 0;
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the recording",
            ));
        }
        self.pos = abs - self.start;
        Ok(self.pos)
    }
}

impl<R: Read + Seek + Send> MediaSource for Source<R> {
    fn is_seekable(&self) -> bool {
        self.len.is_some()
    }

    fn byte_len(&self) -> Option<u64> {
        self.len
    }
}

/// WAV files whose recorder never finalised them carry 0 (a crash before the header was
/// rewritten) or 0xFFFFFFFF (a stream) as their RIFF and data sizes. Returns patches that make
/// both "unknown" (0xFFFFFFFF), which symphonia reads to the end of the file, and whether the
/// declared sizes can be trusted as the recording's length.
fn wav_patches(head: &[u8], file_len: u64) -> (Vec<(u64, [u8; 4])>, bool) {
    let le = |at: usize| {
        head.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let Some(riff) = le(4) else {
        return (Vec::new(), true);
    };
    let mut pos = 12usize;
    while let (Some(id), Some(len)) = (head.get(pos..pos + 4), le(pos + 4)) {
        if id == b"data" {
            let unknown = |v: u32| v == 0 || v == u32::MAX;
            let has_data = file_len > pos as u64 + 8;
            if !has_data || (!unknown(riff) && !unknown(len)) {
                return (Vec::new(), true);
            }
            let patches = vec![(4, [0xFF; 4]), (pos as u64 + 4, [0xFF; 4])];
            return (patches, false);
        }
        let Some(next) = (len as usize)
            .checked_add(len as usize & 1)
            .and_then(|l| l.checked_add(pos + 8))
        else {
            break;
        };
        pos = next;
    }
    (Vec::new(), true)
}

/// An opened container.
struct Opened<'s> {
    format: Box<dyn FormatReader + 's>,
    container: String,
    /// MP4 edit lists of the audio tracks (empty for other containers).
    edits: Vec<AudioEdit>,
    /// The end of the file is known to be missing: a Matroska or Ogg file that only opens as
    /// a plain stream, or an Ogg file whose last page is not marked as the end of the stream.
    cut_off: bool,
    /// The container's duration is exact, not an estimate from the bitrate (MP3 without a
    /// Xing/Info/VBRI frame, ADTS AAC): only an exact one can show that a file is cut off.
    exact_duration: bool,
    /// Bytes from the start position to the end.
    len: u64,
}

fn hint_for(hint: Option<&str>) -> Hint {
    let mut out = Hint::new();
    if let Some(hint) = hint.map(str::trim).filter(|h| !h.is_empty()) {
        if hint.contains('/') && !hint.contains('.') {
            out.mime_type(&hint.to_ascii_lowercase());
        } else {
            let ext = hint.rsplit('.').next().unwrap_or(hint);
            out.with_extension(&ext.to_ascii_lowercase());
        }
    }
    out
}

fn container_name(sniffed: &Sniffed, format: &dyn FormatReader) -> String {
    if let Sniffed::Container(name) = sniffed {
        return (*name).to_string();
    }
    match format.format_info().short_name {
        "wave" => "wav",
        "isomp4" => "mp4",
        "matroska" | "mkv" => "mkv",
        other => other,
    }
    .to_string()
}

type Probed<'s> = std::thread::Result<symphonia::core::errors::Result<Box<dyn FormatReader + 's>>>;

fn probe_source<'s, R: Read + Seek + Send + Sync + 's>(
    shared: &Arc<Mutex<R>>,
    start: u64,
    len: Option<u64>,
    patches: &Arc<[(u64, [u8; 4])]>,
    hint: &Hint,
) -> Result<Probed<'s>, MediaError> {
    shared
        .lock()
        .map_err(|_| poisoned())?
        .seek(SeekFrom::Start(start))?;
    let source = Source {
        inner: Arc::clone(shared),
        start,
        pos: 0,
        len,
        patches: Arc::clone(patches),
    };
    let mss = MediaSourceStream::new(Box::new(source), Default::default());
    Ok(catch_unwind(AssertUnwindSafe(|| {
        symphonia::default::get_probe().probe(
            hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
    })))
}

fn open<'s, R: Read + Seek + Send + Sync + 's>(
    mut reader: R,
    hint: Option<&str>,
) -> Result<Opened<'s>, MediaError> {
    let start = reader.stream_position()?;
    let end = reader.seek(SeekFrom::End(0))?;
    if end <= start {
        return Err(MediaError::Empty);
    }
    reader.seek(SeekFrom::Start(start))?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut reader)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)?;

    let sniffed = sniff(&head);
    match &sniffed {
        Sniffed::UnsupportedContainer(name) => {
            return Err(MediaError::Unsupported(format!(
                "{name} files are not supported"
            )))
        }
        Sniffed::Document(what) => return Err(MediaError::NotMedia(format!("it is {what}"))),
        Sniffed::Text => return Err(MediaError::NotMedia("it contains text".into())),
        Sniffed::Container(_) | Sniffed::Unknown => {}
    }

    let mp4 = match sniffed {
        Sniffed::Container("mp4" | "m4a" | "mov" | "3gp") => mp4::layout(&mut reader, start, end),
        _ => mp4::Layout::default(),
    };
    let ogg_cut_off = sniffed == Sniffed::Container("ogg") && ogg_missing_end(&mut reader, end);
    let (patches, wav_sized) = match sniffed {
        Sniffed::Container("wav") => wav_patches(&head, end - start),
        _ => (Vec::new(), true),
    };
    let patches: Arc<[(u64, [u8; 4])]> = patches.into();
    let exact_duration = match sniffed {
        Sniffed::Container("aac") => false,
        Sniffed::Container("mp3") => mp3_has_length_frame(&mut reader, start, &head),
        Sniffed::Container("wav") => wav_sized,
        _ => true,
    };
    let hint = hint_for(hint);
    let shared = Arc::new(Mutex::new(reader));
    let err = match probe_source(&shared, start, Some(end - start), &patches, &hint)? {
        Ok(Ok(format)) => {
            let container = container_name(&sniffed, format.as_ref());
            return Ok(Opened {
                format,
                container,
                edits: mp4.edits,
                cut_off: ogg_cut_off,
                exact_duration,
                len: end - start,
            });
        }
        Ok(Err(err)) => err,
        Err(_) => SymError::DecodeError("demuxer failed"),
    };
    // Matroska and Ogg demuxers look at the end of a seekable file (cues, the last page) and
    // give up when it is cut off. Read as a plain stream, they deliver what is there.
    if matches!(sniffed, Sniffed::Container("mkv" | "webm" | "ogg")) && !is_io_failure(&err) {
        match probe_source(&shared, start, None, &patches, &hint)? {
            Ok(Ok(format)) => {
                let container = container_name(&sniffed, format.as_ref());
                return Ok(Opened {
                    format,
                    container,
                    edits: Vec::new(),
                    cut_off: true,
                    exact_duration,
                    len: end - start,
                });
            }
            Ok(Err(SymError::IoError(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                if let Sniffed::Container(name) = sniffed {
                    return Err(cut_off_before_audio(name));
                }
            }
            _ => {}
        }
    }
    if mp4.cut_off {
        if let Sniffed::Container(name) = sniffed {
            // Without its index (written last by most recorders) an MP4 cannot be read at all.
            return Err(cut_off_before_audio(name));
        }
    }
    Err(open_error(err, &sniffed, &head))
}

/// True when the last Ogg page in the file is incomplete or does not carry the end-of-stream
/// flag: the recording was cut off (an interrupted upload, a recorder that crashed).
fn ogg_missing_end<R: Read + Seek>(reader: &mut R, end: u64) -> bool {
    let tail_len = end.min(64 * 1024);
    let mut tail = Vec::with_capacity(tail_len as usize);
    let read = reader
        .seek(SeekFrom::Start(end - tail_len))
        .and_then(|_| reader.take(tail_len).read_to_end(&mut tail));
    if read.is_err() {
        return false;
    }
    // The last page header: "OggS", version 0, then the header-type flags.
    let last_page = tail
        .windows(6)
        .rposition(|w| &w[..4] == b"OggS" && w[4] == 0);
    let Some(at) = last_page else { return false };
    let page = &tail[at..];
    let Some(&segments) = page.get(26) else {
        return true;
    };
    let Some(lacing) = page.get(27..27 + usize::from(segments)) else {
        return true;
    };
    let page_len =
        27 + usize::from(segments) + lacing.iter().map(|&l| usize::from(l)).sum::<usize>();
    page.len() < page_len || page[5] & 0x04 == 0
}

/// True when the first MPEG audio frame (after an ID3v2 tag) is a Xing, Info or VBRI frame,
/// which states the exact number of frames.
fn mp3_has_length_frame<R: Read + Seek>(reader: &mut R, start: u64, head: &[u8]) -> bool {
    let mut offset = 0u64;
    if head.len() >= 10 && &head[..3] == b"ID3" {
        let size = head[6..10]
            .iter()
            .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7F));
        let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
        offset = 10 + size + footer;
    }
    let mut frame = Vec::with_capacity(2048);
    let read = reader
        .seek(SeekFrom::Start(start + offset))
        .and_then(|_| reader.take(2048).read_to_end(&mut frame));
    read.is_ok()
        && frame
            .windows(4)
            .any(|w| w == b"Xing" || w == b"Info" || w == b"VBRI")
}

fn is_io_failure(err: &SymError) -> bool {
    matches!(err, SymError::IoError(e) if e.kind() != std::io::ErrorKind::UnexpectedEof)
}

fn cut_off_before_audio(container: &str) -> MediaError {
    tracing::debug!(container, "file is cut off before any audio");
    MediaError::Truncated {
        decoded_ms: 0,
        expected_ms: None,
        partial: None,
    }
}

fn not_media() -> MediaError {
    MediaError::NotMedia("no known audio or video container".into())
}

/// Classifies a failure to open the container.
fn open_error(err: SymError, sniffed: &Sniffed, head: &[u8]) -> MediaError {
    let Sniffed::Container(name) = sniffed else {
        // symphonia may find a frame marker somewhere inside random bytes and then fail on it;
        // without a known header at the start, this is not media.
        return match err {
            SymError::IoError(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
                MediaError::Io(e)
            }
            _ => not_media(),
        };
    };
    match err {
        SymError::Unsupported(what) if what.starts_with("core (probe)") => {
            MediaError::Corrupt(format!("{name} header is not valid"))
        }
        // Structural problems that symphonia reports as "unsupported".
        SymError::Unsupported(what)
            if what.contains("missing")
                || what.contains("not marked")
                || what.contains(" is not ") =>
        {
            MediaError::Corrupt(format!("{name} header is not valid"))
        }
        SymError::Unsupported(_) => {
            if *name == "wav" {
                if let Some(codec) = wav_codec_name(head) {
                    return MediaError::Unsupported(format!(
                        "wav file uses {codec} audio, which is not supported"
                    ));
                }
            }
            MediaError::Unsupported(format!(
                "{name} file uses a format variant that is not supported"
            ))
        }
        SymError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            cut_off_before_audio(name)
        }
        SymError::IoError(e) => MediaError::Io(e),
        _ => MediaError::Corrupt(format!("{name} header is not valid")),
    }
}

/// A readable name for any codec id (for messages about codecs without a decoder).
fn codec_name(id: AudioCodecId) -> String {
    if let Some(registered) = CODECS.get_audio_decoder(id) {
        return registered.codec.info.short_name.to_string();
    }
    let name = match id {
        CODEC_ID_AC3 => "ac-3",
        CODEC_ID_EAC3 => "e-ac-3",
        CODEC_ID_AC4 => "ac-4",
        CODEC_ID_DCA => "dts",
        CODEC_ID_TRUEHD => "truehd",
        CODEC_ID_WMA => "wma",
        CODEC_ID_SPEEX => "speex",
        CODEC_ID_MUSEPACK => "musepack",
        CODEC_ID_WAVPACK => "wavpack",
        CODEC_ID_MONKEYS_AUDIO => "monkey's audio",
        CODEC_ID_TTA => "tta",
        CODEC_ID_ADPCM_G722 => "g.722",
        CODEC_ID_ADPCM_G726 | CODEC_ID_ADPCM_G726LE => "g.726",
        CODEC_ID_ATRAC1 | CODEC_ID_ATRAC3 | CODEC_ID_ATRAC3PLUS | CODEC_ID_ATRAC9 => "atrac",
        CODEC_ID_RA10 | CODEC_ID_RA20 | CODEC_ID_SIPR | CODEC_ID_COOK | CODEC_ID_RALF => {
            "realaudio"
        }
        CODEC_ID_SBC | CODEC_ID_APTX | CODEC_ID_APTX_HD | CODEC_ID_LDAC => "bluetooth audio",
        CODEC_ID_NULL_AUDIO => "an unknown codec",
        _ => return format!("codec {id}"),
    };
    name.to_string()
}

fn audio_params(track: &Track) -> Option<&AudioCodecParameters> {
    match &track.codec_params {
        Some(CodecParameters::Audio(params)) => Some(params),
        _ => None,
    }
}

/// The track [`decode`] uses: the default audio track if it is decodable, else the first
/// decodable audio track.
fn pick_track<'a>(format: &'a dyn FormatReader, container: &str) -> Result<&'a Track, MediaError> {
    let audio: Vec<&Track> = format
        .tracks()
        .iter()
        .filter(|t| audio_params(t).is_some())
        .collect();
    let decodable =
        |t: &&Track| audio_params(t).is_some_and(|p| CODECS.get_audio_decoder(p.codec).is_some());
    if let Some(track) = audio
        .iter()
        .copied()
        .filter(decodable)
        .find(|t| t.flags.contains(TrackFlags::DEFAULT))
    {
        return Ok(track);
    }
    if let Some(track) = audio.iter().copied().find(decodable) {
        return Ok(track);
    }
    match audio.first().and_then(|t| audio_params(t)) {
        Some(params) => Err(MediaError::Unsupported(format!(
            "{container} file has {} audio, which is not supported",
            codec_name(params.codec)
        ))),
        None => Err(MediaError::NoAudioTrack {
            container: container.to_string(),
        }),
    }
}

/// The duration a track declares, in source frames.
fn declared_frames(track: &Track, rate: Option<u32>) -> Option<u64> {
    if let Some(frames) = track.num_frames {
        return Some(frames);
    }
    let rate = rate?;
    let secs = track
        .time_base?
        .calc_duration(track.duration?)?
        .as_secs_f64();
    (secs.is_finite() && secs >= 0.0).then(|| (secs * f64::from(rate)).round() as u64)
}

/// `units` at `timescale` per second, in frames at `rate`.
fn units_to_frames(units: u64, timescale: u32, rate: u32) -> u64 {
    let frames = u128::from(units) * u128::from(rate) / u128::from(timescale.max(1));
    u64::try_from(frames).unwrap_or(u64::MAX)
}

fn frames_to_ms(frames: u64, rate: u32) -> u64 {
    if rate == 0 {
        return 0;
    }
    u64::try_from(u128::from(frames) * 1000 / u128::from(rate)).unwrap_or(u64::MAX)
}

/// Reads what [`decode`] would, without decoding: container, codec, channels, rate and the
/// declared duration. Cheap: it reads the headers only (for MP4 with its index at the end, it
/// seeks there).
///
/// Fails like [`decode`] does for empty, non-media, damaged-header, unsupported-codec and
/// video-only files.
pub fn probe<R: Read + Seek + Send + Sync>(
    reader: R,
    hint: Option<&str>,
) -> Result<MediaInfo, MediaError> {
    let opened = open(reader, hint)?;
    let format = opened.format.as_ref();
    let track = pick_track(format, &opened.container)?;
    let params = audio_params(track);
    let sample_rate = params.and_then(|p| p.sample_rate);
    let edit = opened.edits.iter().find(|e| e.track_id == track.id);
    let duration_ms = match edit {
        Some(edit) => Some(frames_to_ms(edit.duration, edit.timescale)),
        None => declared_frames(track, sample_rate)
            .zip(sample_rate)
            .map(|(frames, rate)| frames_to_ms(frames, rate)),
    };
    let tracks = format.tracks();
    let duration_is_estimate = duration_ms.is_some() && !opened.exact_duration;
    Ok(MediaInfo {
        container: opened.container.clone(),
        codec: params.map_or_else(|| "unknown".into(), |p| codec_name(p.codec)),
        channels: params.and_then(|p| p.channels.as_ref()).map(|c| c.count()),
        sample_rate,
        duration_ms,
        duration_is_estimate,
        audio_tracks: tracks.iter().filter(|t| audio_params(t).is_some()).count(),
        has_video: tracks
            .iter()
            .any(|t| matches!(t.codec_params, Some(CodecParameters::Video(_)))),
    })
}

/// [`probe`] for a file on disk; its extension is the hint.
pub fn probe_file(path: impl AsRef<Path>) -> Result<MediaInfo, MediaError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)?;
    probe(file, path.extension().and_then(|e| e.to_str()))
}

/// [`decode`] for a file on disk; its extension is the hint.
pub fn decode_file(
    path: impl AsRef<Path>,
    opts: &DecodeOptions,
) -> Result<DecodedAudio, MediaError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)?;
    decode(file, path.extension().and_then(|e| e.to_str()), opts)
}

/// How the packet loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The container said the stream is over.
    Complete,
    /// The data ran out in the middle of a packet or structure.
    Eof,
    /// The container or too many packets were damaged.
    Damaged,
}

/// Decoded audio on its way to the target rate.
struct Pipeline {
    target_rate: u32,
    channels: usize,
    resampler: StreamResampler,
    out: Vec<Vec<f32>>,
    /// Scratch for one packet, planar.
    planes: Vec<Vec<f32>>,
    /// Source frames pushed (decoded plus silence for damaged packets).
    frames: u64,
    /// Source frames pushed, in milliseconds, summed over rate changes.
    decoded_ms_before: u64,
}

impl Pipeline {
    fn new(
        rate: u32,
        channels: usize,
        target_rate: u32,
        reserve_frames: usize,
    ) -> Result<Self, MediaError> {
        let out: Vec<Vec<f32>> = (0..channels)
            .map(|_| Vec::with_capacity(reserve_frames))
            .collect();
        let resampler = resampler_for(rate, target_rate, channels, &out)?;
        Ok(Pipeline {
            target_rate,
            channels,
            resampler,
            out,
            planes: vec![Vec::new(); channels],
            frames: 0,
            decoded_ms_before: 0,
        })
    }

    fn rate(&self) -> u32 {
        self.resampler.in_rate()
    }

    fn decoded_ms(&self) -> u64 {
        self.decoded_ms_before + frames_to_ms(self.frames, self.rate())
    }

    /// Starts a new resampling segment when the stream's rate changes mid-file.
    fn switch_rate(&mut self, rate: u32) -> Result<(), MediaError> {
        self.decoded_ms_before = self.decoded_ms();
        self.frames = 0;
        self.resampler.finish(&mut self.out);
        self.resampler = resampler_for(rate, self.target_rate, self.channels, &self.out)?;
        Ok(())
    }

    /// Pushes `self.planes[..][skip..frames]`, fitting the packet's channel count to the stream's.
    fn push_planes(&mut self, decoded_channels: usize, skip: usize, frames: usize) {
        if frames <= skip {
            return;
        }
        // Fit the channel layout: a mono packet in a stereo stream plays on every channel, extra
        // channels are dropped, missing ones are silent.
        if decoded_channels != self.channels {
            self.planes
                .resize(self.channels.max(decoded_channels), Vec::new());
            for c in decoded_channels..self.channels {
                let fill = if decoded_channels == 1 {
                    self.planes[0][..frames].to_vec()
                } else {
                    vec![0.0; frames]
                };
                self.planes[c] = fill;
            }
        }
        for plane in &mut self.planes[..self.channels] {
            plane.truncate(frames);
            if skip > 0 {
                plane.drain(..skip);
            }
            for sample in plane.iter_mut() {
                if !sample.is_finite() {
                    *sample = 0.0;
                }
            }
        }
        let n = frames - skip;
        self.resampler
            .push(&self.planes[..self.channels], n, &mut self.out);
        self.frames += n as u64;
    }

    fn push_silence(&mut self, frames: usize) {
        for plane in &mut self.planes[..self.channels] {
            plane.clear();
            plane.resize(frames, 0.0);
        }
        self.resampler
            .push(&self.planes[..self.channels], frames, &mut self.out);
        self.frames += frames as u64;
    }

    fn finish(mut self) -> (Vec<Vec<f32>>, u64) {
        let decoded_ms = self.decoded_ms();
        self.resampler.finish(&mut self.out);
        (self.out, decoded_ms)
    }
}

/// Source rates outside this range are refused: no recording uses them, and a damaged header
/// claiming 1 Hz would make the resampler's buffers enormous.
const SOURCE_RATES: std::ops::RangeInclusive<u32> = 4_000..=768_000;

fn resampler_for(
    rate: u32,
    target_rate: u32,
    channels: usize,
    out: &[Vec<f32>],
) -> Result<StreamResampler, MediaError> {
    let unsupported = || MediaError::Unsupported(format!("sample rate {rate} hz is not supported"));
    if !SOURCE_RATES.contains(&rate) {
        return Err(unsupported());
    }
    StreamResampler::new(rate, target_rate, channels, out).map_err(|err| {
        tracing::debug!(%err, rate, "no resampler for this rate");
        unsupported()
    })
}

/// Converts a packet timestamp or duration in `time_base` units to source frames.
fn ts_to_frames(units: i128, time_base: Option<TimeBase>, rate: u32) -> i128 {
    match time_base {
        Some(tb) => {
            units * i128::from(tb.numer.get()) * i128::from(rate) / i128::from(tb.denom.get())
        }
        None => units,
    }
}

/// Decodes a recording into [`DecodedAudio`] at [`DecodeOptions::target_rate`] (16 kHz): one
/// vector per distinct audible channel.
///
/// `hint` is a file extension (`"m4a"`, `".mp3"`, `"call.wav"`) or a MIME type; detection does
/// not depend on it. The reader is read from its current position to its end.
///
/// CPU-heavy and synchronous: call it from a blocking thread (`tokio::task::spawn_blocking`).
///
/// # Errors
///
/// Every failure is a classified [`MediaError`] with a client-safe message. A recording that
/// ends before its declared duration, or whose audio turns to damage partway, fails with
/// [`MediaError::Truncated`], which carries the audio decoded up to there.
pub fn decode<R: Read + Seek + Send + Sync>(
    reader: R,
    hint: Option<&str>,
    opts: &DecodeOptions,
) -> Result<DecodedAudio, MediaError> {
    if !(1_000..=192_000).contains(&opts.target_rate) {
        return Err(MediaError::Unsupported(format!(
            "target sample rate {} hz is not supported",
            opts.target_rate
        )));
    }
    let Opened {
        mut format,
        container,
        edits,
        cut_off,
        exact_duration,
        len,
    } = open(reader, hint)?;
    let track = pick_track(format.as_ref(), &container)?.clone();
    let params = audio_params(&track).cloned().unwrap_or_default();
    let edit = edits.iter().find(|e| e.track_id == track.id).copied();
    let declared_rate = params.sample_rate;
    let declared = match (edit, declared_rate) {
        (Some(edit), Some(rate)) => Some(units_to_frames(edit.duration, edit.timescale, rate)),
        _ => declared_frames(&track, declared_rate),
    };
    let declared_ms = declared.zip(declared_rate).map(|(f, r)| frames_to_ms(f, r));
    // An estimated duration neither refuses a file up front nor shows that it is cut off.
    let declared_ms = declared_ms.filter(|_| exact_duration);
    let limit_ms = opts.max_duration_secs.saturating_mul(1000);
    if declared_ms.is_some_and(|ms| ms > limit_ms) {
        return Err(MediaError::TooLong {
            limit_secs: opts.max_duration_secs,
        });
    }
    if params
        .channels
        .as_ref()
        .is_some_and(|c| c.count() > MAX_CHANNELS)
    {
        return Err(MediaError::Unsupported(format!(
            "recordings with more than {MAX_CHANNELS} channels are not supported"
        )));
    }

    let dec_opts = AudioDecoderOptions::default().gapless(true);
    let make_decoder =
        |params: &AudioCodecParameters| -> Result<Box<dyn AudioDecoder>, MediaError> {
            match catch_unwind(AssertUnwindSafe(|| {
                CODECS.make_audio_decoder(params, &dec_opts)
            })) {
                Ok(Ok(decoder)) => Ok(decoder),
                Ok(Err(SymError::Unsupported(_))) => Err(MediaError::Unsupported(format!(
                    "{container} file has a {} audio variant that is not supported",
                    codec_name(params.codec)
                ))),
                _ => Err(MediaError::Corrupt(format!(
                    "{} audio header is not valid",
                    codec_name(params.codec)
                ))),
            }
        };
    let mut decoder = make_decoder(&params)?;
    let codec = decoder.codec_info().short_name.to_string();
    let track_id = track.id;
    let time_base = track.time_base;
    // Reserve the output up front when the length is known: growing a vector by doubling would
    // briefly need twice the memory.
    // Never more than 32 output frames per input byte (a 4 kb/s codec), so a header that lies
    // about its length cannot make a small file allocate gigabytes.
    let reserve = declared
        .zip(declared_rate)
        .map(|(frames, rate)| {
            frames.saturating_mul(u64::from(opts.target_rate)) / u64::from(rate.max(1))
        })
        .map_or(0, |f| {
            f.min(len.saturating_mul(32))
                .min(limit_ms.saturating_mul(u64::from(opts.target_rate)) / 1000)
        });
    let reserve = usize::try_from(reserve).unwrap_or(0);

    let mut pipeline: Option<Pipeline> = None;
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    let (mut good, mut bad, mut consecutive_bad) = (0u64, 0u64, 0u64);
    let mut first_error: Option<MediaError> = None;
    // MP4 edit list: leading frames dropped so far.
    let mut edit_skipped = 0u64;
    let end = loop {
        let next = catch_unwind(AssertUnwindSafe(|| format.next_packet()));
        let packet: Packet = match next {
            Ok(Ok(Some(packet))) => packet,
            Ok(Ok(None)) => break End::Complete,
            // A chained Ogg stream or a new track list: the first stream is the recording.
            Ok(Err(SymError::ResetRequired)) => break End::Complete,
            Ok(Err(SymError::IoError(e))) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break End::Eof
            }
            Ok(Err(SymError::IoError(e))) => return Err(MediaError::Io(e)),
            Ok(Err(err)) => {
                tracing::debug!(%err, "demuxing stopped");
                break End::Damaged;
            }
            Err(_) => break End::Damaged,
        };
        if packet.track_id != track_id {
            continue;
        }

        let decoded = catch_unwind(AssertUnwindSafe(|| match decoder.decode(&packet) {
            Ok(buf) => {
                let spec = buf.spec().clone();
                let frames = buf.frames();
                if frames > 0 {
                    buf.copy_to_vecs_planar::<f32>(&mut scratch);
                }
                Ok((spec.rate(), buf.num_planes(), frames))
            }
            Err(err) => Err(err),
        }));
        let outcome = match decoded {
            Ok(Ok(ok)) => Ok(ok),
            Ok(Err(SymError::ResetRequired)) => {
                decoder = make_decoder(&params)?;
                continue;
            }
            Ok(Err(SymError::IoError(e))) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
                return Err(MediaError::Io(e))
            }
            Ok(Err(err)) => Err(Some(err)),
            Err(_) => {
                decoder.reset();
                Err(None)
            }
        };
        match outcome {
            Ok((rate, channels, frames)) => {
                if frames == 0 {
                    continue;
                }
                if rate == 0 {
                    bad += 1;
                    continue;
                }
                let p = match pipeline.as_mut() {
                    Some(p) => p,
                    None => {
                        if channels == 0 || channels > MAX_CHANNELS {
                            return Err(MediaError::Unsupported(format!(
                                "recordings with {channels} channels are not supported"
                            )));
                        }
                        pipeline.insert(Pipeline::new(rate, channels, opts.target_rate, reserve)?)
                    }
                };
                if rate != p.rate() {
                    tracing::debug!(from = p.rate(), to = rate, "sample rate changes mid-stream");
                    p.switch_rate(rate)?;
                }
                // Decoders drop codec delay themselves (symphonia's gapless mode, the Opus
                // pre-skip); MP4 edit lists are applied here.
                let mut skip = 0;
                let mut until = frames;
                if let Some(edit) = edit {
                    // The edit list's priming at the start, its length at the end.
                    let lead = units_to_frames(edit.skip, edit.timescale, rate);
                    let now = lead.saturating_sub(edit_skipped).min(frames as u64) as usize;
                    edit_skipped += now as u64;
                    skip = skip.max(now);
                    let keep = units_to_frames(edit.duration, edit.timescale, rate);
                    let room = keep.saturating_sub(p.frames);
                    if room == 0 {
                        break End::Complete;
                    }
                    until =
                        until.min(skip.saturating_add(usize::try_from(room).unwrap_or(usize::MAX)));
                }
                std::mem::swap(&mut p.planes, &mut scratch);
                p.push_planes(channels, skip, until);
                std::mem::swap(&mut p.planes, &mut scratch);
                good += 1;
                consecutive_bad = 0;
            }
            Err(err) => {
                bad += 1;
                consecutive_bad += 1;
                if let Some(err) = &err {
                    tracing::debug!(%err, packet = good + bad, "skipping a damaged packet");
                    if good == 0 && first_error.is_none() {
                        if let SymError::Unsupported(_) = err {
                            first_error = Some(MediaError::Unsupported(format!(
                                "{container} file has a {codec} audio variant that is not supported"
                            )));
                        }
                    }
                }
                // Keep the timeline: the damaged packet's length as silence.
                if let Some(p) = pipeline.as_mut() {
                    let rate = p.rate();
                    let gap = ts_to_frames(i128::from(packet.dur.get()), time_base, rate)
                        .clamp(0, i128::from(rate) * i128::from(MAX_GAP_SECS));
                    p.push_silence(usize::try_from(gap).unwrap_or(0));
                }
                if consecutive_bad > MAX_CONSECUTIVE_BAD_PACKETS
                    || (bad > MAX_BAD_PACKETS && bad * 4 > good + bad)
                {
                    break End::Damaged;
                }
            }
        }
        if pipeline.as_ref().is_some_and(|p| p.decoded_ms() > limit_ms) {
            return Err(MediaError::TooLong {
                limit_secs: opts.max_duration_secs,
            });
        }
    };

    // 0.1 s plus 0.1 % of slack: encoder delay and padding conventions differ between muxers.
    let short = |decoded_ms: u64, expected: u64| decoded_ms + 100 + expected / 1000 < expected;
    let cut = |decoded_ms: u64| match (end, declared_ms) {
        _ if cut_off => true,
        (_, Some(expected)) if short(decoded_ms, expected) => true,
        (End::Damaged, None) => true,
        _ => false,
    };

    let Some(pipeline) = pipeline else {
        if let Some(err) = first_error {
            return Err(err);
        }
        if bad > 0 || end == End::Damaged {
            return Err(MediaError::Corrupt(format!(
                "{container} audio could not be decoded"
            )));
        }
        if end == End::Eof || cut(0) {
            return Err(cut_off_before_audio(&container));
        }
        // A well-formed track with no audio in it (e.g. a WAV header with an empty data chunk).
        return Err(MediaError::Silent);
    };
    if bad > 0 {
        tracing::warn!(bad, good, ?end, "damaged packets replaced by silence");
    }
    let source_rate = pipeline.rate();
    let source_channels = pipeline.channels;
    let (channels, decoded_ms) = pipeline.finish();
    let audio = finish_audio(
        channels,
        opts,
        source_rate,
        source_channels,
        codec,
        container,
        bad,
    );
    if cut(decoded_ms) {
        return Err(MediaError::Truncated {
            decoded_ms,
            expected_ms: declared_ms,
            partial: Some(Box::new(audio)),
        });
    }
    if audio.distinct_channels == 0 {
        return Err(MediaError::Silent);
    }
    Ok(audio)
}

/// Dedupes (if asked) and packages the resampled channels.
fn finish_audio(
    mut channels: Vec<Vec<f32>>,
    opts: &DecodeOptions,
    source_rate: u32,
    source_channels: usize,
    codec: String,
    container: String,
    skipped_packets: u64,
) -> DecodedAudio {
    let frames = channels.first().map_or(0, Vec::len) as u64;
    let kept = distinct_channels(&channels);
    let distinct = kept.len();
    let source_channel_index = if opts.dedupe_channels {
        let mut index = 0;
        channels.retain(|_| {
            let keep = kept.contains(&index);
            index += 1;
            keep
        });
        kept
    } else {
        (0..channels.len()).collect()
    };
    DecodedAudio {
        sample_rate: opts.target_rate,
        channels,
        source_channel_index,
        source_rate,
        source_channels,
        duration_ms: frames_to_ms(frames, opts.target_rate),
        codec,
        container,
        distinct_channels: distinct,
        skipped_packets,
    }
}
