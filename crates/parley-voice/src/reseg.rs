//! Resegmentation: after clustering, each speech piece is read again in short windows at a
//! fine hop, every window scored against each speaker's centroid, and the best label path
//! through the piece found by Viterbi, where changing speaker costs a penalty that is lower
//! where the segmentation chunks voted for a change.
//!
//! Why: the clustering windows (1.5 s, hop 0.75 s) decide labels at their centres, so a
//! change the segmentation did not see lands up to ~0.4 s off, and a turn shorter than a
//! window is often lost inside its neighbours. Short windows alone are noisy (their
//! verification error is several times a 1.5 s window's); the path penalty keeps them from
//! flickering, the centroids (averaged over many windows) keep each score steady.

use std::ops::Range;

use crate::cluster::dot;
use crate::segmentation::{Piece, FRAME_SPAN, FRAME_STEP};

/// Embeds the windows (sample spans, in order, overlapping) of one piece: one unit-length
/// embedding per window, `None` where it cannot. Lets the caller run its network once over
/// a stretch and pool each window from it ([`crate::FrameOutputs`]).
pub type FineEmbedder<'a> = dyn Fn(&[Range<usize>]) -> Vec<Option<Vec<f32>>> + 'a;

/// Settings of [`read_piece`] and [`label_path`]; sample counts at 16 kHz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResegParams {
    /// Window embedded at every step, centred on it (clipped to the piece).
    pub window: usize,
    /// Distance between steps: the resolution of the result.
    pub hop: usize,
    /// Pieces shorter than this keep the labels they had.
    pub min_piece: usize,
    /// Score of a step for a speaker: `sharpness × cosine(window, centroid)`.
    pub sharpness: f32,
    /// Cost of changing speaker between two steps.
    pub switch: f32,
    /// Share of `switch` waived where every covering chunk voted for a change.
    pub change_discount: f32,
    /// Share of the recording's mean embedding taken off every window and centroid before
    /// scoring (0: none). What all the recording's voices share (its room, line and
    /// microphone) then no longer counts as likeness: on the dev conversations the centroids
    /// of two people on one telephone line had cosines up to 0.76.
    pub centring: f32,
    /// Pieces too short to read take the speaker whose centroid is nearest to their own
    /// embedding, scored as the steps are (centred), instead of their clustering label.
    pub short_pieces: bool,
}

impl Default for ResegParams {
    fn default() -> Self {
        ResegParams {
            window: 8_000,
            hop: 4_000,
            min_piece: 24_000,
            sharpness: 10.0,
            switch: 0.25,
            change_discount: 0.5,
            centring: 1.0,
            short_pieces: true,
        }
    }
}

/// Unit-length centroid of each label's embeddings (`None` for a label with none).
pub fn centroids(embs: &[Vec<f32>], labels: &[usize], k: usize) -> Vec<Option<Vec<f32>>> {
    let mut sums: Vec<Option<Vec<f32>>> = vec![None; k];
    for (e, &l) in embs.iter().zip(labels) {
        if l >= k {
            continue;
        }
        let s = sums[l].get_or_insert_with(|| vec![0.0; e.len()]);
        if s.len() == e.len() {
            s.iter_mut().zip(e).for_each(|(a, b)| *a += b);
        }
    }
    sums.into_iter()
        .map(|s| {
            let mut s = s?;
            let n = s.iter().map(|x| x * x).sum::<f32>().sqrt();
            (n.is_finite() && n > f32::MIN_POSITIVE).then(|| {
                s.iter_mut().for_each(|x| *x /= n);
                s
            })
        })
        .collect()
}

/// One piece read in short windows: the embedding of every step (`None` where it could not
/// be made). Apart from the path so that the caller can change the embeddings (centre them
/// on the recording) before they are scored.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The piece's sample span.
    pub range: Range<usize>,
    /// Distance between steps.
    pub hop: usize,
    /// Per step: its window's embedding.
    pub embs: Vec<Option<Vec<f32>>>,
}

impl Reading {
    /// Centre sample of step `i`.
    fn centre(&self, i: usize) -> usize {
        (self.range.start + i * self.hop + self.hop / 2).min(self.range.end - 1)
    }

    /// Span of step `i`.
    fn step_span(&self, i: usize) -> Range<usize> {
        let a = self.range.start + i * self.hop;
        let b = if i + 1 == self.embs.len() {
            self.range.end
        } else {
            self.range.start + (i + 1) * self.hop
        };
        a..b
    }
}

/// Reads a piece in short windows; `None` when the piece is too short or nothing in it could
/// be embedded (the caller keeps the labels it had).
pub fn read_piece(piece: &Piece, embed: &FineEmbedder<'_>, p: &ResegParams) -> Option<Reading> {
    let (start, end) = (piece.range.start, piece.range.end);
    if end - start < p.min_piece || p.hop == 0 {
        return None;
    }
    let mut reading = Reading {
        range: start..end,
        hop: p.hop,
        embs: Vec::new(),
    };
    let steps = (end - start).div_ceil(p.hop);
    let wins: Vec<Range<usize>> = (0..steps)
        .map(|i| {
            let c = reading.centre(i);
            c.saturating_sub(p.window / 2).max(start)..(c + p.window / 2).min(end)
        })
        .collect();
    let mut embs = embed(&wins);
    embs.resize(steps, None);
    if embs.iter().all(Option::is_none) {
        return None;
    }
    reading.embs = embs;
    Some(reading)
}

/// The best label of every step of a reading (Viterbi); `None` with fewer than two
/// speakers.
pub fn label_path(
    r: &Reading,
    centroids: &[Option<Vec<f32>>],
    changes: &[f32],
    p: &ResegParams,
) -> Option<Vec<usize>> {
    let speakers: Vec<usize> = (0..centroids.len())
        .filter(|&k| centroids[k].is_some())
        .collect();
    let steps = r.embs.len();
    if speakers.len() < 2 || steps == 0 {
        return None;
    }
    let mut scores = vec![0f32; steps * speakers.len()];
    for (row, e) in scores.chunks_exact_mut(speakers.len()).zip(&r.embs) {
        if let Some(e) = e {
            for (s, &k) in row.iter_mut().zip(&speakers) {
                if let Some(cen) = &centroids[k] {
                    *s = p.sharpness * dot(e, cen);
                }
            }
        }
    }
    // The strongest change vote between two step centres lowers the cost of switching there.
    let vote_between = |a: usize, b: usize| -> f32 {
        let fa = a.saturating_sub(FRAME_SPAN / 2) / FRAME_STEP;
        let fb = (b.saturating_sub(FRAME_SPAN / 2) / FRAME_STEP + 1).min(changes.len());
        changes
            .get(fa.min(fb)..fb)
            .map_or(0.0, |v| v.iter().copied().fold(0.0, f32::max))
    };
    let n = speakers.len();
    let mut dp = scores[..n].to_vec();
    let mut back = vec![0usize; steps * n];
    for i in 1..steps {
        let cost =
            p.switch * (1.0 - p.change_discount * vote_between(r.centre(i - 1), r.centre(i)));
        let mut next = vec![0f32; n];
        for k in 0..n {
            // Stay with k unless another label is better even after the cost of a change.
            let (prev, v) = (0..n)
                .filter(|&j| j != k)
                .map(|j| (j, dp[j] - cost))
                .fold((k, dp[k]), |best, c| if c.1 > best.1 { c } else { best });
            next[k] = v + scores[i * n + k];
            back[i * n + k] = prev;
        }
        dp = next;
    }
    let mut k = dp
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(j, _)| j);
    let mut path = vec![0usize; steps];
    for i in (0..steps).rev() {
        path[i] = speakers[k];
        k = back[i * n + k];
    }
    Some(path)
}

/// A label path as (sample span, label) tiling the reading's piece.
pub fn spans(r: &Reading, path: &[usize]) -> Vec<(Range<usize>, usize)> {
    let mut out: Vec<(Range<usize>, usize)> = Vec::new();
    for (i, &l) in path.iter().enumerate() {
        let span = r.step_span(i);
        match out.last_mut() {
            Some((s, last)) if *last == l => s.end = span.end,
            _ => out.push((span, l)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A piece read, its path found and turned into (sample span, label) spans: what the
    /// pipeline does (`crate::segmented`) without the centring.
    fn resegment(
        piece: &Piece,
        embed: &FineEmbedder<'_>,
        centroids: &[Option<Vec<f32>>],
        changes: &[f32],
        p: &ResegParams,
    ) -> Option<Vec<(Range<usize>, usize)>> {
        let reading = read_piece(piece, embed, p)?;
        label_path(&reading, centroids, changes, p).map(|path| spans(&reading, &path))
    }

    fn piece(len: usize) -> Piece {
        Piece {
            range: 0..len,
            frames: 0..len / FRAME_STEP,
        }
    }

    /// Embeddings that follow the truth: axis 0 before `change`, axis 1 after, blended in
    /// windows that straddle it.
    fn world(change: usize) -> impl Fn(&[Range<usize>]) -> Vec<Option<Vec<f32>>> {
        move |wins: &[Range<usize>]| {
            wins.iter()
                .map(|r| {
                    let a = change.saturating_sub(r.start).min(r.end - r.start) as f32;
                    let b = (r.end - r.start) as f32 - a;
                    let n = (a * a + b * b).sqrt();
                    (n > 0.0).then(|| vec![a / n, b / n])
                })
                .collect()
        }
    }

    #[test]
    fn a_change_inside_a_piece_is_found_to_a_hop() {
        let cents = vec![Some(vec![1.0, 0.0]), Some(vec![0.0, 1.0])];
        let change = 53_000;
        let embed = world(change);
        // The clustering said speaker 0 throughout (it missed the change).
        let out = resegment(&piece(96_000), &embed, &cents, &[], &ResegParams::default()).unwrap();
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].1, 0);
        assert_eq!(out[1].1, 1);
        assert!(out[0].0.end.abs_diff(change) <= 4_000, "{out:?}");
        assert_eq!(out[1].0.end, 96_000);
    }

    #[test]
    fn one_noisy_window_does_not_flip_the_label() {
        let cents = vec![Some(vec![1.0, 0.0]), Some(vec![0.0, 1.0])];
        // Speaker 0 throughout, one window near the middle leaning to speaker 1.
        let embed = |wins: &[Range<usize>]| {
            wins.iter()
                .map(|w| {
                    let c = (w.start + w.end) / 2;
                    Some(if c.abs_diff(40_000) < 2_000 {
                        vec![0.6, 0.8]
                    } else {
                        vec![1.0, 0.0]
                    })
                })
                .collect()
        };
        let out = resegment(&piece(80_000), &embed, &cents, &[], &ResegParams::default()).unwrap();
        assert_eq!(out, vec![(0..80_000, 0)]);
    }

    #[test]
    fn short_pieces_and_single_speakers_are_left_alone() {
        let cents = vec![Some(vec![1.0, 0.0]), Some(vec![0.0, 1.0])];
        let embed = world(10_000);
        let p = ResegParams::default();
        assert!(resegment(&piece(20_000), &embed, &cents, &[], &p).is_none());
        let one = vec![Some(vec![1.0, 0.0]), None];
        assert!(resegment(&piece(96_000), &embed, &one, &[], &p).is_none());
        let none = |w: &[Range<usize>]| vec![None; w.len()];
        assert!(resegment(&piece(96_000), &none, &cents, &[], &p).is_none());
    }

    #[test]
    fn centroids_average_and_normalise() {
        let e = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![0.0, 1.0]];
        let c = centroids(&e, &[0, 1, 1], 3);
        assert_eq!(c[0], Some(vec![1.0, 0.0]));
        assert_eq!(c[1], Some(vec![0.0, 1.0]));
        assert_eq!(c[2], None);
    }
}
