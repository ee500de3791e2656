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

/// Settings of [`resegment`]; sample counts at 16 kHz.
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
}

impl Default for ResegParams {
    fn default() -> Self {
        ResegParams {
            window: 12_000,
            hop: 4_000,
            min_piece: 24_000,
            sharpness: 10.0,
            switch: 1.0,
            change_discount: 0.5,
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

/// New labels for one piece, as (sample span, label) tiling the piece; `None` when the
/// piece is too short or nothing in it could be embedded (the caller keeps what it had).
/// `changes` are the chunks' change votes per global frame.
pub fn resegment(
    piece: &Piece,
    embed: &FineEmbedder<'_>,
    centroids: &[Option<Vec<f32>>],
    changes: &[f32],
    p: &ResegParams,
) -> Option<Vec<(Range<usize>, usize)>> {
    let (start, end) = (piece.range.start, piece.range.end);
    let speakers: Vec<usize> = (0..centroids.len())
        .filter(|&k| centroids[k].is_some())
        .collect();
    if end - start < p.min_piece || speakers.len() < 2 || p.hop == 0 {
        return None;
    }
    let steps = (end - start).div_ceil(p.hop);
    let centre = |i: usize| (start + i * p.hop + p.hop / 2).min(end - 1);
    let mut scores = vec![0f32; steps * speakers.len()];
    let mut any = false;
    let wins: Vec<Range<usize>> = (0..steps)
        .map(|i| {
            let c = centre(i);
            c.saturating_sub(p.window / 2).max(start)..(c + p.window / 2).min(end)
        })
        .collect();
    let embs = embed(&wins);
    for (i, row) in scores.chunks_exact_mut(speakers.len()).enumerate() {
        if let Some(Some(e)) = embs.get(i) {
            any = true;
            for (s, &k) in row.iter_mut().zip(&speakers) {
                if let Some(cen) = &centroids[k] {
                    *s = p.sharpness * dot(e, cen);
                }
            }
        }
    }
    if !any {
        return None;
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
        let cost = p.switch * (1.0 - p.change_discount * vote_between(centre(i - 1), centre(i)));
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
        path[i] = k;
        k = back[i * n + k];
    }
    let mut out: Vec<(Range<usize>, usize)> = Vec::new();
    for (i, &j) in path.iter().enumerate() {
        let a = start + i * p.hop;
        let b = if i + 1 == steps {
            end
        } else {
            start + (i + 1) * p.hop
        };
        let l = speakers[j];
        match out.last_mut() {
            Some((r, last)) if *last == l => r.end = b,
            _ => out.push((a..b, l)),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
