//! Opus for symphonia: symphonia 0.6 demuxes Opus (Ogg, WebM/Matroska) but has no Opus decoder,
//! so this adapter plugs the pure-Rust `opus-pure` decoder into symphonia's codec registry. One
//! pipeline then serves every container.
//!
//! Decoding is at 48 kHz, the rate Opus timestamps, pre-skip and trims are expressed in; the
//! resampler brings it to the target rate afterwards. As symphonia 0.6 expects of a decoder, this
//! one drops the `OpusHead` pre-skip (the encoder's lookahead) from the start of the stream, for
//! Ogg and Matroska alike, and applies the demuxer's packet trims (the Ogg end trim).

use symphonia::core::audio::{
    AsGenericAudioBufferRef, Audio, AudioBuffer, AudioMut, AudioSpec, Channels,
    GenericAudioBufferRef,
};
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::errors::{Error, Result};
use symphonia::core::packet::PacketRef;

/// Opus always decodes (and timestamps) at 48 kHz here.
const RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_FRAMES: usize = 5_760;

/// The `OpusHead` fields that matter for decoding (RFC 7845, section 5.1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OpusHead {
    pub channels: usize,
    pub pre_skip: u16,
    pub output_gain_q8: i16,
    pub mapping_family: u8,
    pub stream_count: u8,
    pub coupled_count: u8,
    pub mapping: Vec<u8>,
}

impl OpusHead {
    pub(crate) fn parse(data: &[u8]) -> Option<OpusHead> {
        if data.len() < 19 || &data[..8] != b"OpusHead" || data[8] >> 4 != 0 {
            return None;
        }
        let channels = usize::from(data[9]);
        let pre_skip = u16::from_le_bytes([data[10], data[11]]);
        let output_gain_q8 = i16::from_le_bytes([data[16], data[17]]);
        let mapping_family = data[18];
        let (stream_count, coupled_count, mapping) = if mapping_family == 0 {
            (1, u8::from(channels == 2), (0..channels as u8).collect())
        } else {
            let table = data.get(19..21 + channels)?;
            (table[0], table[1], table[2..].to_vec())
        };
        if channels == 0 {
            return None;
        }
        Some(OpusHead {
            channels,
            pre_skip,
            output_gain_q8,
            mapping_family,
            stream_count,
            coupled_count,
            mapping,
        })
    }
}

enum Inner {
    Single(Box<opus_pure::OpusDecoder>),
    Multi(opus_pure::OpusMSDecoder),
}

impl Inner {
    fn decode(&mut self, packet: &[u8], pcm: &mut [f32]) -> opus_pure::Result<usize> {
        match self {
            Inner::Single(d) => d.decode(packet, MAX_FRAMES, pcm),
            Inner::Multi(d) => d.decode(packet, MAX_FRAMES, pcm),
        }
    }
}

/// A symphonia [`AudioDecoder`] for Opus backed by `opus-pure`.
pub struct OpusDecoder {
    params: AudioCodecParameters,
    inner: Inner,
    channels: usize,
    gain: f32,
    /// Pre-skip frames still to drop.
    pre_skip: usize,
    pcm: Vec<f32>,
    buf: AudioBuffer<f32>,
}

impl OpusDecoder {
    fn try_new(params: &AudioCodecParameters, _opts: &AudioDecoderOptions) -> Result<Self> {
        let head = params.extra_data.as_deref().and_then(OpusHead::parse);
        let channels = match (&head, &params.channels) {
            (Some(head), _) => head.channels,
            (None, Some(channels)) => channels.count(),
            (None, None) => return Err(Error::Unsupported("opus: unknown channel count")),
        };
        let family = head.as_ref().map_or(0, |h| h.mapping_family);
        let inner = match family {
            0 if (1..=2).contains(&channels) => Inner::Single(Box::new(
                opus_pure::OpusDecoder::new(RATE as i32, channels)
                    .map_err(|_| Error::Unsupported("opus: unsupported channel count"))?,
            )),
            1 => {
                let layout = opus_pure::ChannelLayout::surround(channels, 1)
                    .map_err(|_| Error::Unsupported("opus: unsupported channel layout"))?;
                let matches_standard = head.as_ref().is_some_and(|h| {
                    usize::from(h.stream_count) == layout.nb_streams
                        && usize::from(h.coupled_count) == layout.nb_coupled_streams
                        && h.mapping == layout.mapping
                });
                if !matches_standard {
                    return Err(Error::Unsupported("opus: non-standard channel mapping"));
                }
                Inner::Multi(
                    opus_pure::OpusMSDecoder::new(RATE as i32, channels, 1)
                        .map_err(|_| Error::Unsupported("opus: unsupported channel layout"))?,
                )
            }
            _ => {
                return Err(Error::Unsupported(
                    "opus: unsupported channel mapping family",
                ))
            }
        };
        let gain_db = head
            .as_ref()
            .map_or(0.0, |h| f32::from(h.output_gain_q8) / 256.0);
        Ok(OpusDecoder {
            params: params.clone(),
            inner,
            channels,
            gain: 10f32.powf(gain_db / 20.0),
            pre_skip: head.as_ref().map_or(0, |h| usize::from(h.pre_skip)),
            pcm: vec![0.0; MAX_FRAMES * channels],
            buf: AudioBuffer::new(
                AudioSpec::new(RATE, Channels::Discrete(channels as u16)),
                MAX_FRAMES,
            ),
        })
    }
}

impl AudioDecoder for OpusDecoder {
    fn reset(&mut self) {
        // A fresh decoder is the reset: opus-pure's state is plain data.
        let fresh = match &self.inner {
            Inner::Single(_) => opus_pure::OpusDecoder::new(RATE as i32, self.channels)
                .map(|d| Inner::Single(Box::new(d))),
            Inner::Multi(_) => {
                opus_pure::OpusMSDecoder::new(RATE as i32, self.channels, 1).map(Inner::Multi)
            }
        };
        if let Ok(inner) = fresh {
            self.inner = inner;
        }
    }

    fn codec_info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        self.buf.clear();
        if packet.data.is_empty() {
            return Ok(self.buf.as_generic_audio_buffer_ref());
        }
        let frames = self
            .inner
            .decode(packet.data, &mut self.pcm)
            .map_err(|_| Error::DecodeError("opus: invalid packet"))?;
        let frames = frames.min(MAX_FRAMES);
        let samples = &mut self.pcm[..frames * self.channels];
        if self.gain != 1.0 {
            samples.iter_mut().for_each(|s| *s *= self.gain);
        }
        self.buf.render_uninit(Some(frames));
        self.buf
            .copy_from_slice_interleaved(&&self.pcm[..frames * self.channels]);
        let trim_start = usize::try_from(packet.trim_start.get()).unwrap_or(usize::MAX);
        let trim_end = usize::try_from(packet.trim_end.get()).unwrap_or(usize::MAX);
        self.buf.trim(trim_start, trim_end);
        if self.pre_skip > 0 {
            let skip = self.pre_skip.min(self.buf.frames());
            self.buf.shift(skip);
            self.pre_skip -= skip;
        }
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

static SUPPORTED: [SupportedAudioCodec; 1] = [SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo {
        short_name: "opus",
        long_name: "Opus (opus-pure)",
        profiles: &[],
    },
}];

impl RegisterableAudioDecoder for OpusDecoder {
    fn try_registry_new(
        params: &AudioCodecParameters,
        opts: &AudioDecoderOptions,
    ) -> Result<Box<dyn AudioDecoder>>
    where
        Self: Sized,
    {
        Ok(Box::new(OpusDecoder::try_new(params, opts)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        &SUPPORTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_opus_head() {
        let mut head = b"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0\0".to_vec();
        assert_eq!(
            OpusHead::parse(&head),
            Some(OpusHead {
                channels: 2,
                pre_skip: 312,
                output_gain_q8: 0,
                mapping_family: 0,
                stream_count: 1,
                coupled_count: 1,
                mapping: vec![0, 1],
            })
        );
        head[18] = 1; // family 1 needs a mapping table, which is missing
        assert_eq!(OpusHead::parse(&head), None);
        assert_eq!(OpusHead::parse(b"OpusHead"), None);
    }
}
