//! Speaker segmentation output (pyannote segmentation-3.0) turned into speech pieces in
//! which one voice speaks, and embedding windows over them.
//!
//! The model itself runs elsewhere (`parley-asr`, on ONNX Runtime); this module is the pure
//! arithmetic around it: the model's framing, powerset decoding, aggregation of
//! overlapping chunks, and cutting speech at the speaker changes the chunks agree on.

use std::ops::Range;

/// Samples of one segmentation chunk: 10 s at 16 kHz.
pub const CHUNK_SAMPLES: usize = 160_000;
/// Output frames per chunk.
pub const CHUNK_FRAMES: usize = 589;
/// Samples between output frames (16.875 ms).
pub const FRAME_STEP: usize = 270;
/// Samples one output frame sees (its receptive field, 61.9 ms); frame `j` of a chunk
/// starting at sample `s` covers `s + j * FRAME_STEP .. + FRAME_SPAN`.
pub const FRAME_SPAN: usize = 991;
/// Powerset classes of the output: {}, {1}, {2}, {3}, {1,2}, {1,3}, {2,3}.
pub const POWERSET_CLASSES: usize = 7;
/// Bit set of local speakers per powerset class (bit k = local speaker k).
const POWERSET: [u8; POWERSET_CLASSES] = [0b000, 0b001, 0b010, 0b100, 0b011, 0b101, 0b110];

/// Centre (in samples, relative to its chunk) of output frame `j`.
pub fn frame_centre(j: usize) -> usize {
    j * FRAME_STEP + FRAME_SPAN / 2
}

/// Start samples of the chunks covering a recording of `len` samples with hop `step`: the
/// last chunk is aligned to the end, so no speech at the end is seen by fewer chunks than
/// needed. A recording shorter than a chunk is one (zero-padded) chunk.
pub fn chunk_starts(len: usize, step: usize) -> Vec<usize> {
    let step = step.max(FRAME_STEP);
    if len <= CHUNK_SAMPLES {
        return vec![0];
    }
    let last = len - CHUNK_SAMPLES;
    let mut starts: Vec<usize> = (0..=last).step_by(step).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
}

/// The active local speakers (bit set) of every frame of one chunk, from the model's
/// `(frames, 7)` log-probabilities (row-major) by the most probable class. A row holding a
/// non-finite value counts as silence.
pub fn decode_powerset(log_probs: &[f32]) -> Vec<u8> {
    log_probs
        .chunks_exact(POWERSET_CLASSES)
        .map(|row| {
            if row.iter().any(|x| !x.is_finite()) {
                return 0;
            }
            let best = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(i, _)| i);
            POWERSET[best]
        })
        .collect()
}

/// One chunk's decoded frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkFrames {
    /// First sample of the chunk in the recording.
    pub start: usize,
    /// Active local speakers per frame (bit set), [`CHUNK_FRAMES`] of them or fewer.
    pub frames: Vec<u8>,
}

/// How chunk outputs become speech pieces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PieceParams {
    /// Share of the chunks covering a place that must see a change of speaker there for the
    /// speech to be cut.
    pub change_vote: f32,
    /// Changes closer than this (frames) count as one; also the search radius when the votes
    /// of neighbouring chunks are a frame or two apart.
    pub change_radius: usize,
    /// Speech pieces shorter than this (samples) are dropped: the model's blips.
    pub min_piece: usize,
}

impl Default for PieceParams {
    fn default() -> Self {
        PieceParams {
            change_vote: 0.5,
            change_radius: 3,
            min_piece: FRAME_STEP * 6,
        }
    }
}

/// A stretch of speech with, as far as the segmentation can tell, one speaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Samples of the recording.
    pub range: Range<usize>,
    /// Global frame indices (see [`GlobalFrames`]).
    pub frames: Range<usize>,
}

/// Frames on the recording's own grid (frame `g` centred at `g * FRAME_STEP + FRAME_SPAN / 2`),
/// which every chunk shares when chunk starts are multiples of [`FRAME_STEP`]; other starts
/// are rounded to the nearest frame.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalFrames {
    /// Mean number of active speakers over the chunks covering each frame.
    pub speakers: Vec<f32>,
    /// Share of covering chunks that see a change of local speaker at each frame.
    pub changes: Vec<f32>,
}

/// Frames of a recording of `len` samples on the global grid.
pub fn global_frame_count(len: usize) -> usize {
    if len < FRAME_SPAN {
        usize::from(len > 0)
    } else {
        (len - FRAME_SPAN) / FRAME_STEP + 1
    }
}

/// Aggregates overlapping chunks: speaker count and change votes per global frame.
pub fn aggregate(chunks: &[ChunkFrames], len: usize) -> GlobalFrames {
    let n = global_frame_count(len);
    let mut cover = vec![0u32; n];
    let mut count = vec![0f32; n];
    let mut change = vec![0f32; n];
    for c in chunks {
        let offset = (c.start + FRAME_STEP / 2) / FRAME_STEP;
        let mut last: Option<(usize, u8)> = None;
        for (j, &f) in c.frames.iter().enumerate() {
            let g = offset + j;
            if g >= n {
                break;
            }
            cover[g] += 1;
            count[g] += f.count_ones() as f32;
            // A change of local speaker between two single-speaker frames, placed midway
            // (a pause or an overlap between them does not hide it).
            if f.count_ones() == 1 {
                if let Some((lj, lf)) = last {
                    if lf != f {
                        change[offset + (lj + j) / 2] += 1.0;
                    }
                }
                last = Some((j, f));
            }
        }
    }
    for g in 0..n {
        let c = cover[g].max(1) as f32;
        count[g] /= c;
        change[g] /= c;
    }
    GlobalFrames {
        speakers: count,
        changes: change,
    }
}

/// Local speakers of one chunk heard alone for at least `min_solo` frames: how many voices
/// the segmentation model hears in its 10 s, which it was trained to tell apart on real
/// conversations.
pub fn local_voices(c: &ChunkFrames, min_solo: usize) -> usize {
    let mut solo = [0usize; 3];
    for &f in &c.frames {
        if f.count_ones() == 1 {
            solo[f.trailing_zeros() as usize % 3] += 1;
        }
    }
    solo.iter().filter(|&&n| n >= min_solo.max(1)).count()
}

/// How many voices the segmentation hears in the recording: the most local voices (see
/// [`local_voices`]) that at least `share` of the chunks hear, at least one.
pub fn voices_heard(chunks: &[ChunkFrames], min_solo: usize, share: f32) -> usize {
    let counts: Vec<usize> = chunks.iter().map(|c| local_voices(c, min_solo)).collect();
    (2..=3)
        .take_while(|&v| {
            let heard = counts.iter().filter(|&&n| n >= v).count();
            !counts.is_empty() && heard as f32 >= share * counts.len() as f32
        })
        .last()
        .unwrap_or(1)
}

/// Speech pieces: frames where at least one speaker is active (by the rounded mean count),
/// cut wherever enough chunks agree on a change of speaker.
pub fn speech_pieces(g: &GlobalFrames, len: usize, p: PieceParams) -> Vec<Piece> {
    let n = g.speakers.len();
    let r = p.change_radius.max(1);
    // Chunks place the same change a frame or two apart: votes no more than `r` frames from
    // each other form one group, and a group with enough votes cuts at its weighted centre.
    let mut cuts = vec![false; n];
    let mut i = 0;
    while i < n {
        if g.changes[i] <= 0.0 {
            i += 1;
            continue;
        }
        let (mut votes, mut moment, mut last) = (0f32, 0f32, i);
        let mut k = i;
        while k < n && k <= last + r {
            if g.changes[k] > 0.0 {
                votes += g.changes[k];
                moment += g.changes[k] * k as f32;
                last = k;
            }
            k += 1;
        }
        if votes >= p.change_vote {
            let at = ((moment / votes).round() as usize).clamp(i, last);
            cuts[at] = true;
        }
        i = last + 1;
    }
    let speech: Vec<bool> = g.speakers.iter().map(|&s| s >= 0.5).collect();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < n {
        if !speech[i] {
            i += 1;
            continue;
        }
        let mut k = i + 1;
        while k < n && speech[k] && !cuts[k] {
            k += 1;
        }
        // A frame's own span is its step around the centre, so adjacent frames tile.
        let start = (frame_centre(i) - FRAME_STEP / 2).min(len);
        let end = (frame_centre(k - 1) + FRAME_STEP / 2 + FRAME_STEP % 2).min(len);
        if end > start && end - start >= p.min_piece {
            pieces.push(Piece {
                range: start..end,
                frames: i..k,
            });
        }
        i = k;
    }
    pieces
}

/// A window of a piece to embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Index into the pieces.
    pub piece: usize,
    /// Samples of the recording.
    pub range: Range<usize>,
}

/// Windows of `size` samples every `shift` over each piece, the last aligned to the piece's
/// end; a piece shorter than `size` but at least `min` is one window of its own; shorter
/// pieces get none.
pub fn windows(pieces: &[Piece], size: usize, shift: usize, min: usize) -> Vec<Window> {
    let shift = shift.max(1);
    let mut out = Vec::new();
    for (pi, p) in pieces.iter().enumerate() {
        let len = p.range.end - p.range.start;
        if len <= size {
            if len >= min {
                out.push(Window {
                    piece: pi,
                    range: p.range.clone(),
                });
            }
            continue;
        }
        let mut s = p.range.start;
        loop {
            out.push(Window {
                piece: pi,
                range: s..s + size,
            });
            if s + size >= p.range.end {
                break;
            }
            s = (s + shift).min(p.range.end - size);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powerset_rows_decode_to_speaker_sets() {
        let mut lp = vec![-10f32; 7 * 4];
        lp[0] = -0.1; // frame 0: silence
        lp[7 + 2] = -0.1; // frame 1: {2}
        lp[14 + 5] = -0.1; // frame 2: {1,3}
        lp[21 + 3] = f32::NAN; // frame 3: broken row -> silence
        assert_eq!(decode_powerset(&lp), vec![0, 0b010, 0b101, 0]);
        // A trailing partial row is ignored.
        assert_eq!(decode_powerset(&[0.0; 9]).len(), 1);
    }

    #[test]
    fn chunks_cover_the_recording_and_end_at_its_end() {
        assert_eq!(chunk_starts(1000, 40_000), vec![0]);
        assert_eq!(chunk_starts(CHUNK_SAMPLES, 40_000), vec![0]);
        let s = chunk_starts(CHUNK_SAMPLES + 50_000, 40_000);
        assert_eq!(s, vec![0, 40_000, 50_000]);
        assert_eq!(
            chunk_starts(CHUNK_SAMPLES + 80_000, 40_000),
            vec![0, 40_000, 80_000]
        );
        // A zero step does not loop forever.
        assert!(chunk_starts(CHUNK_SAMPLES + 1000, 0).len() > 1);
    }

    /// Frames of a chunk: one char per frame, '-' silence, 'a'/'b'/'c' one local speaker,
    /// 'x' speakers a and b at once.
    fn chunk(start: usize, pattern: &str) -> ChunkFrames {
        ChunkFrames {
            start,
            frames: pattern
                .chars()
                .map(|c| match c {
                    'a' => 0b001,
                    'b' => 0b010,
                    'c' => 0b100,
                    'x' => 0b011,
                    _ => 0,
                })
                .collect(),
        }
    }

    #[test]
    fn speech_is_cut_where_the_speaker_changes() {
        // 60 frames: a for 20, b for 20 (after an overlap of 2), silence, a again.
        let pat = format!(
            "{}{}{}{}{}",
            "a".repeat(20),
            "xx",
            "b".repeat(18),
            "-".repeat(10),
            "a".repeat(10)
        );
        let len = 60 * FRAME_STEP + FRAME_SPAN;
        let g = aggregate(&[chunk(0, &pat)], len);
        // a -> b after the overlap, and b -> a across the pause.
        let voted: Vec<usize> = (0..g.changes.len())
            .filter(|&i| g.changes[i] > 0.0)
            .collect();
        assert_eq!(voted, vec![20, 44]);
        let pieces = speech_pieces(&g, len, PieceParams::default());
        let frames: Vec<_> = pieces.iter().map(|p| p.frames.clone()).collect();
        // The change is placed midway between the last frame of a and the first of b.
        assert_eq!(frames, vec![0..20, 20..40, 50..60], "{pieces:?}");
        // Pieces tile their frames without gaps or overlap; silence is no piece.
        assert_eq!(pieces[0].range.end, pieces[1].range.start);
        assert!(pieces[2].range.start > pieces[1].range.end);
    }

    #[test]
    fn a_change_needs_the_votes_of_the_covering_chunks() {
        // Two chunks over the same frames: one sees a change, the other does not.
        let one = format!("{}{}", "a".repeat(20), "b".repeat(20));
        let other = "a".repeat(40);
        let len = 40 * FRAME_STEP + FRAME_SPAN;
        let both = aggregate(&[chunk(0, &one), chunk(0, &other)], len);
        let p = speech_pieces(&both, len, PieceParams::default());
        assert_eq!(p.len(), 2, "half of the chunks is enough by default: {p:?}");
        let strict = PieceParams {
            change_vote: 0.75,
            ..PieceParams::default()
        };
        assert_eq!(speech_pieces(&both, len, strict).len(), 1);
        // Chunk starts that are not on the frame grid are rounded onto it.
        let shifted = aggregate(&[chunk(FRAME_STEP * 2 + 10, &one)], len + 3 * FRAME_STEP);
        assert!(shifted.changes[21] > 0.0 || shifted.changes[22] > 0.0);
    }

    #[test]
    fn the_voices_a_chunk_hears_alone_are_counted() {
        // a alone for 30 frames, b alone for 10, c only ever with a: two voices at 10
        // frames, one at 20; overlap is nobody's solo.
        let pat = format!("{}{}{}", "a".repeat(30), "x".repeat(40), "b".repeat(10));
        let c = chunk(0, &pat);
        assert_eq!(local_voices(&c, 10), 2);
        assert_eq!(local_voices(&c, 20), 1);
        assert_eq!(local_voices(&chunk(0, "---"), 1), 0);
        // Across chunks: the count at least `share` of them hear.
        let two = chunk(0, &format!("{}{}", "a".repeat(20), "b".repeat(20)));
        let one = chunk(0, &"a".repeat(40));
        let three = chunk(
            0,
            &format!("{}{}{}", "a".repeat(20), "b".repeat(20), "c".repeat(20)),
        );
        assert_eq!(voices_heard(&[two.clone(), one.clone()], 20, 0.5), 2);
        assert_eq!(
            voices_heard(&[two.clone(), one.clone(), one.clone()], 20, 0.5),
            1
        );
        assert_eq!(voices_heard(&[three.clone(), two.clone()], 20, 0.5), 3);
        assert_eq!(voices_heard(&[three, two, one], 20, 0.5), 2);
        assert_eq!(voices_heard(&[], 20, 0.5), 1);
    }

    #[test]
    fn short_blips_are_not_pieces() {
        let pat = format!("{}{}{}", "-".repeat(10), "a".repeat(3), "-".repeat(10));
        let len = 23 * FRAME_STEP + FRAME_SPAN;
        let g = aggregate(&[chunk(0, &pat)], len);
        assert!(speech_pieces(&g, len, PieceParams::default()).is_empty());
        assert!(speech_pieces(&aggregate(&[], 0), 0, PieceParams::default()).is_empty());
    }

    #[test]
    fn windows_cover_pieces_and_end_at_their_end() {
        let piece = |a: usize, b: usize| Piece {
            range: a..b,
            frames: 0..1,
        };
        let w = windows(
            &[piece(0, 100), piece(200, 230), piece(300, 305)],
            40,
            20,
            10,
        );
        let ranges: Vec<_> = w.iter().map(|w| (w.piece, w.range.clone())).collect();
        assert_eq!(
            ranges,
            vec![
                (0, 0..40),
                (0, 20..60),
                (0, 40..80),
                (0, 60..100),
                (1, 200..230)
            ]
        );
    }
}
