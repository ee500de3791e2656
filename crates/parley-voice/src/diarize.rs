//! The types diarization takes and gives: how many speakers to expect, and who spoke
//! when. The diarizer itself is `segmented`.

/// How many speakers the caller expects: at least `min`, at most `max` (for example the
/// number of parties on the call). Out-of-order or zero values are repaired by the clustering,
/// not rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeakerBounds {
    pub min: usize,
    pub max: usize,
}

impl SpeakerBounds {
    pub fn new(min: usize, max: usize) -> Self {
        Self { min, max }
    }

    /// At most `max` speakers, at least one.
    pub fn at_most(max: usize) -> Self {
        Self { min: 1, max }
    }
}

impl Default for SpeakerBounds {
    /// One to eight speakers: meetings rarely have more distinct voices than that, and the
    /// clustering decides within the range.
    fn default() -> Self {
        Self { min: 1, max: 8 }
    }
}

/// A stretch of speech by one speaker, in sample indices of the recording (`end` exclusive).
/// `speaker` indexes [`SpeakerTrack::voices`](crate::SpeakerTrack::voices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub start: usize,
    pub end: usize,
    pub speaker: usize,
}
