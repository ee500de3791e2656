//! Diarization of a mono recording from speech regions, and matching speakers to profiles.
//! The method and its constants are described (with the measurements behind them) in the
//! crate documentation.

use std::ops::Range;

use crate::cluster::find;
use crate::encoder::{Embedding, SpeakerEncoder, MIN_EMBED_SAMPLES, PARTIAL_SAMPLES};

/// Window embedded for clustering: exactly one 1.6 s partial of the encoder, so each window
/// costs one LSTM pass and needs no zero padding.
const WINDOW: usize = PARTIAL_SAMPLES;
/// Hop between windows (0.8 s, half a window): the resolution of speaker changes inside a
/// speech region.
const STEP: usize = WINDOW / 2;
/// Average-linkage cosine similarity above which two groups of windows are taken to be the
/// same voice. See the crate docs for the measurements.
pub(crate) const SAME_SPEAKER_SIMILARITY: f32 = 0.65;
/// Clustering is O(n²) in memory: above this many windows an evenly spaced subset is
/// clustered (2,000 windows ≈ 27 min of speech, a 16 MB similarity matrix) and the rest are
/// assigned to the nearest centroid.
const MAX_CLUSTERED_WINDOWS: usize = 2_000;
/// Rounds of "assign every window to its nearest centroid, recompute centroids" after the
/// hierarchical clustering, which fixes windows the greedy merges put in the wrong group.
const REFINE_ROUNDS: usize = 2;

/// How many speakers the caller expects: at least `min`, at most `max` (for example the
/// number of parties on the call). Out-of-order or zero values are repaired, not rejected.
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

    /// `max` is at least 1 and `min` within [1, max].
    fn repaired(self) -> (usize, usize) {
        let max = self.max.max(1);
        (self.min.clamp(1, max), max)
    }
}

impl Default for SpeakerBounds {
    /// One to eight speakers: meetings rarely have more distinct voices than that, and the
    /// threshold decides within the range.
    fn default() -> Self {
        Self { min: 1, max: 8 }
    }
}

/// A stretch of speech by one speaker, in sample indices of the recording (`end` exclusive).
/// `speaker` indexes [`Diarization::centroids`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub start: usize,
    pub end: usize,
    pub speaker: usize,
}

/// Result of [`diarize`]. Speakers are numbered 0.. in order of first appearance; turns are
/// sorted and do not overlap. Empty when no speech region was long enough to embed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diarization {
    pub turns: Vec<Turn>,
    /// Mean embedding of each speaker's windows, for [`match_profiles`] or enrolment.
    pub centroids: Vec<Embedding>,
}

#[derive(Debug, Clone)]
struct Window {
    region: usize,
    range: Range<usize>,
    /// Shorter than [`WINDOW`] (a whole short region): noisier, so it is assigned to a
    /// centroid but does not shape the clusters unless nothing else exists.
    short: bool,
    embedding: Embedding,
    label: usize,
}

/// Splits the speech regions of a 16 kHz mono recording into speaker turns.
///
/// `speech` are sample ranges (as from a VAD); they are clipped to the recording, sorted and
/// merged when overlapping. Never panics: bad ranges, NaN samples or too little speech give
/// fewer turns, possibly none.
pub fn diarize(
    enc: &SpeakerEncoder,
    samples: &[f32],
    speech: &[Range<usize>],
    bounds: SpeakerBounds,
) -> Diarization {
    let regions = clean_regions(speech, samples.len());
    let (min, max) = bounds.repaired();

    let mut ranges = Vec::new();
    for (ri, r) in regions.iter().enumerate() {
        let len = r.end - r.start;
        if len >= WINDOW {
            let mut s = r.start;
            loop {
                ranges.push((ri, s..s + WINDOW, false));
                if s + WINDOW >= r.end {
                    break;
                }
                // The last window is aligned to the region's end so the tail is covered.
                s = (s + STEP).min(r.end - WINDOW);
            }
        } else if len >= MIN_EMBED_SAMPLES {
            ranges.push((ri, r.clone(), true));
        }
    }
    let clips: Vec<&[f32]> = ranges.iter().map(|(_, r, _)| &samples[r.clone()]).collect();
    let mut windows: Vec<Window> = ranges
        .into_iter()
        .zip(enc.embed_batch(&clips))
        .filter_map(|((region, range, short), e)| {
            Some(Window {
                region,
                range,
                short,
                embedding: e?,
                label: 0,
            })
        })
        .collect();
    if windows.is_empty() {
        return Diarization::default();
    }

    // Cluster the full windows (short ones only when there is nothing else).
    let mut shaping: Vec<usize> = (0..windows.len()).filter(|&i| !windows[i].short).collect();
    if shaping.is_empty() {
        shaping = (0..windows.len()).collect();
    }
    if shaping.len() > MAX_CLUSTERED_WINDOWS {
        let n = shaping.len();
        shaping = (0..MAX_CLUSTERED_WINDOWS)
            .map(|i| shaping[i * n / MAX_CLUSTERED_WINDOWS])
            .collect();
    }
    let embs: Vec<&Embedding> = shaping.iter().map(|&i| &windows[i].embedding).collect();
    let labels = cluster(&embs, min, max);
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut centroids: Vec<Embedding> = (0..k)
        .filter_map(|c| {
            Embedding::average(
                shaping
                    .iter()
                    .zip(&labels)
                    .filter(|(_, &l)| l == c)
                    .map(|(&i, _)| &windows[i].embedding),
            )
        })
        .collect();

    for _ in 0..REFINE_ROUNDS {
        assign(&mut windows, &centroids);
        let refined = centroids_of(&windows, centroids.len(), true);
        // Keep the old centroid for a cluster that lost every member: dropping it here would
        // silently break `min`.
        for (c, r) in centroids.iter_mut().zip(refined) {
            if let Some(r) = r {
                *c = r;
            }
        }
    }
    assign(&mut windows, &centroids);
    smooth(&mut windows);

    // Label every region: full and short windows carry labels; a region with none takes the
    // label of the window nearest in time.
    let mut turns = Vec::new();
    for (ri, r) in regions.iter().enumerate() {
        let own: Vec<&Window> = windows.iter().filter(|w| w.region == ri).collect();
        if own.is_empty() {
            let centre = (r.start + r.end) / 2;
            let nearest = windows
                .iter()
                .min_by_key(|w| ((w.range.start + w.range.end) / 2).abs_diff(centre));
            if let Some(w) = nearest {
                push_turn(&mut turns, r.start, r.end, w.label);
            }
            continue;
        }
        // Each window owns the span from the midpoint with its predecessor's centre to the
        // midpoint with its successor's, so a change of speaker lands between windows.
        let centres: Vec<usize> = own
            .iter()
            .map(|w| (w.range.start + w.range.end) / 2)
            .collect();
        for (i, w) in own.iter().enumerate() {
            let start = if i == 0 {
                r.start
            } else {
                (centres[i - 1] + centres[i]) / 2
            };
            let end = if i + 1 == own.len() {
                r.end
            } else {
                (centres[i] + centres[i + 1]) / 2
            };
            push_turn(&mut turns, start, end, w.label);
        }
    }

    // Number speakers by first appearance and drop clusters that no turn uses.
    let mut order: Vec<Option<usize>> = vec![None; centroids.len()];
    let mut next = 0;
    for t in &mut turns {
        let id = *order[t.speaker].get_or_insert_with(|| {
            next += 1;
            next - 1
        });
        t.speaker = id;
    }
    for w in &mut windows {
        w.label = order[w.label].unwrap_or(usize::MAX);
    }
    let mut old_of_new = vec![0; next];
    for (old, new) in order.iter().enumerate() {
        if let Some(n) = new {
            old_of_new[*n] = old;
        }
    }
    let centroids = centroids_of(&windows, next, false)
        .into_iter()
        .zip(old_of_new)
        .map(|(c, old)| c.unwrap_or_else(|| centroids[old].clone()))
        .collect();
    Diarization { turns, centroids }
}

/// Appends a turn, extending the previous one when it continues the same speaker without a gap.
fn push_turn(turns: &mut Vec<Turn>, start: usize, end: usize, speaker: usize) {
    if start >= end {
        return;
    }
    match turns.last_mut() {
        Some(t) if t.speaker == speaker && t.end == start => t.end = end,
        _ => turns.push(Turn {
            start,
            end,
            speaker,
        }),
    }
}

/// Clips to `0..len`, drops empty ranges, sorts and merges overlapping or touching ones.
fn clean_regions(speech: &[Range<usize>], len: usize) -> Vec<Range<usize>> {
    let mut r: Vec<Range<usize>> = speech
        .iter()
        .map(|s| s.start.min(len)..s.end.min(len))
        .filter(|s| s.start < s.end)
        .collect();
    r.sort_by_key(|s| s.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(r.len());
    for s in r {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

fn assign(windows: &mut [Window], centroids: &[Embedding]) {
    for w in windows {
        w.label = nearest(&w.embedding, centroids);
    }
}

fn nearest(e: &Embedding, centroids: &[Embedding]) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, c) in centroids.iter().enumerate() {
        let s = e.cosine(c);
        if s > best.1 {
            best = (i, s);
        }
    }
    best.0
}

/// Mean embedding per label; `full_only` leaves the short windows out.
fn centroids_of(windows: &[Window], k: usize, full_only: bool) -> Vec<Option<Embedding>> {
    (0..k)
        .map(|c| {
            Embedding::average(
                windows
                    .iter()
                    .filter(|w| w.label == c && !(full_only && w.short))
                    .map(|w| &w.embedding),
            )
        })
        .collect()
}

/// Removes one-window flips inside a region (A B A → A A A): a 0.8 s hop is shorter than
/// nearly every real turn, and single-window errors are the commonest mistake. A flip is
/// kept when it is the speaker's only window anywhere, so smoothing never erases a speaker.
fn smooth(windows: &mut [Window]) {
    let k = windows.iter().map(|w| w.label + 1).max().unwrap_or(0);
    let mut count = vec![0usize; k];
    for w in windows.iter() {
        count[w.label] += 1;
    }
    for i in 1..windows.len().saturating_sub(1) {
        let (prev, cur, next) = (&windows[i - 1], &windows[i], &windows[i + 1]);
        let same_region = prev.region == cur.region && next.region == cur.region;
        if same_region
            && !cur.short
            && prev.label == next.label
            && cur.label != prev.label
            && count[cur.label] > 1
        {
            count[cur.label] -= 1;
            count[prev.label] += 1;
            windows[i].label = prev.label;
        }
    }
}

/// Average-linkage agglomerative clustering on cosine similarity. Returns a label per item
/// (0..k). k is the number of groups whose internal average similarity stays at or above
/// [`SAME_SPEAKER_SIMILARITY`], clamped to [min, max] and to the number of items.
pub(crate) fn cluster(items: &[&Embedding], min: usize, max: usize) -> Vec<usize> {
    let n = items.len();
    if n == 0 {
        return Vec::new();
    }
    let merges = average_linkage(items);
    let natural = n - merges
        .iter()
        .filter(|m| m.2 >= SAME_SPEAKER_SIMILARITY)
        .count();
    let k = natural.clamp(min, max).clamp(1, n);
    // Average linkage has no inversions, so the n - k most similar merges form a cut of the
    // dendrogram; applying them with union-find yields its clusters.
    let mut parent: Vec<usize> = (0..n).collect();
    for &(a, b, _) in merges.iter().take(n - k) {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[rb] = ra;
    }
    let mut ids: Vec<Option<usize>> = vec![None; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let r = find(&mut parent, i);
            *ids[r].get_or_insert_with(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// The full dendrogram by the nearest-neighbour-chain algorithm (O(n²) time and memory):
/// merges as (slot a, slot b, average similarity), sorted most similar first. Slot `a`
/// stands for the merged cluster afterwards.
fn average_linkage(items: &[&Embedding]) -> Vec<(usize, usize, f32)> {
    let n = items.len();
    let mut sim = vec![0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s = items[i].cosine(items[j]);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let mut merges = crate::cluster::average_linkage(sim, n);
    merges.sort_by(|x, y| y.2.total_cmp(&x.2));
    merges
}

/// Assigns each centroid to at most one profile, maximising the total cosine similarity of
/// the assigned pairs (Hungarian algorithm); a pair below `min_similarity` is never assigned.
/// Returns, per centroid, the index of its profile.
pub fn match_profiles(
    centroids: &[Embedding],
    profiles: &[Embedding],
    min_similarity: f32,
) -> Vec<Option<usize>> {
    let (n, m) = (centroids.len(), profiles.len());
    if n == 0 || m == 0 {
        return vec![None; n];
    }
    // Columns 0..m are profiles, m..m+n "no profile" at cost 0, so a centroid is left
    // unmatched rather than forced onto a profile that loses similarity overall. Forbidden
    // pairs cost more than any assignment with the dummy columns.
    const FORBIDDEN: f64 = 1e6;
    let cost: Vec<Vec<f64>> = centroids
        .iter()
        .map(|c| {
            let mut row: Vec<f64> = profiles
                .iter()
                .map(|p| {
                    let s = c.cosine(p);
                    if s >= min_similarity {
                        -f64::from(s)
                    } else {
                        FORBIDDEN
                    }
                })
                .collect();
            row.resize(m + n, 0.0);
            row
        })
        .collect();
    hungarian(&cost)
        .into_iter()
        .zip(&cost)
        .map(|(j, row)| j.filter(|&j| j < m && row[j] < FORBIDDEN))
        .collect()
}

/// Minimum-cost assignment of every row to a distinct column (rows ≤ columns); the classic
/// O(n² m) potentials formulation.
fn hungarian(cost: &[Vec<f64>]) -> Vec<Option<usize>> {
    let n = cost.len();
    let m = cost.first().map_or(0, Vec::len);
    if n == 0 || m < n {
        return vec![None; n];
    }
    let mut u = vec![0f64; n + 1];
    let mut v = vec![0f64; m + 1];
    let mut p = vec![0usize; m + 1]; // p[j]: 1-based row matched to column j
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            if j1 == 0 {
                // Only possible with non-finite costs, which the caller never builds.
                return vec![None; n];
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![None; n];
    for j in 1..=m {
        if p[j] != 0 {
            out[p[j] - 1] = Some(j - 1);
        }
    }
    out
}
