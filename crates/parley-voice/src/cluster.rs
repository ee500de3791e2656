//! Clustering speaker embeddings of any dimension (unit vectors): over-cluster with
//! average linkage at a similarity threshold, keep the clusters large enough to be a voice,
//! give every item to the nearest of those, refine like k-means.
//!
//! Why not a hard cut of the dendrogram at k: one outlier window then becomes a "speaker"
//! and the real two voices end up merged (measured in the speech anchors: worst files at
//! 50–58%). Over-clustering and reassigning small clusters is what pyannote does with its
//! centroid clustering; the k-means rounds fix windows the greedy merges put in the wrong
//! group.

/// How embeddings are grouped into speakers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterParams {
    /// Average cosine similarity at or above which two groups are the same voice.
    pub threshold: f32,
    /// A cluster with fewer than this share of all items (and fewer than `min_size`) is
    /// not a speaker of its own: its items go to the nearest large cluster.
    pub min_share: f32,
    pub min_size: usize,
    /// Rounds of "assign to the nearest centroid, recompute centroids".
    pub refine_rounds: usize,
    /// Above this many items an evenly spaced subset is clustered (memory is quadratic) and
    /// the rest only assigned.
    pub max_items: usize,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            threshold: 0.5,
            min_share: 0.05,
            min_size: 3,
            refine_rounds: 3,
            max_items: 2_500,
        }
    }
}

/// Cosine similarity of two vectors of the same length (unit vectors: the dot product).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The two most similar of some vectors (skipping `None`s) and their dot product: `(i, j, s)`
/// with `i < j`; `None` with fewer than two.
pub fn most_alike(vectors: &[Option<Vec<f32>>]) -> Option<(usize, usize, f32)> {
    let mut best: Option<(usize, usize, f32)> = None;
    for (i, a) in vectors.iter().enumerate() {
        for (j, b) in vectors.iter().enumerate().skip(i + 1) {
            if let (Some(a), Some(b)) = (a, b) {
                let s = dot(a, b);
                if best.is_none_or(|(_, _, bs)| s > bs) {
                    best = Some((i, j, s));
                }
            }
        }
    }
    best
}

/// The vector most similar to `e` among some vectors (skipping `None`s), by index; `None`
/// when there is none.
pub fn most_like(e: &[f32], vectors: &[Option<Vec<f32>>]) -> Option<usize> {
    vectors
        .iter()
        .enumerate()
        .filter_map(|(k, v)| Some((k, dot(e, v.as_ref()?))))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(k, _)| k)
}

/// Normalised mean of `items`; `None` for none or a zero/non-finite mean.
pub fn mean_direction<'a>(
    items: impl IntoIterator<Item = &'a [f32]>,
    dim: usize,
) -> Option<Vec<f32>> {
    let mut sum = vec![0f64; dim];
    let mut any = false;
    for v in items {
        any = true;
        for (s, x) in sum.iter_mut().zip(v) {
            *s += f64::from(*x);
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !(any && norm > 0.0 && norm.is_finite()) {
        return None;
    }
    Some(sum.iter().map(|x| (x / norm) as f32).collect())
}

/// A speaker label (0..k) per embedding; labels are numbered by first appearance. The
/// number of speakers comes from the threshold, at most `max`; at least `min` clusters
/// seed the refinement (repaired to `1 <= min <= max`), though a seed that attracts no
/// item disappears. Embeddings must share one dimension;
/// ones that do not, or hold non-finite values, are still labelled (nearest centroid).
pub fn cluster(embs: &[Vec<f32>], min: usize, max: usize, p: ClusterParams) -> Vec<usize> {
    let n = embs.len();
    if n == 0 {
        return Vec::new();
    }
    let max = max.max(1);
    let min = min.clamp(1, max).min(n);
    let dim = embs[0].len();
    let clean: Vec<&[f32]> = embs
        .iter()
        .map(|e| {
            if e.len() == dim && e.iter().all(|x| x.is_finite()) {
                e.as_slice()
            } else {
                &[][..]
            }
        })
        .collect();
    let usable: Vec<usize> = (0..n).filter(|&i| clean[i].len() == dim).collect();
    if usable.len() < 2 || dim == 0 {
        return vec![0; n];
    }
    // The items that shape the clusters.
    let shaping: Vec<usize> = if usable.len() > p.max_items.max(2) {
        let m = p.max_items.max(2);
        (0..m).map(|i| usable[i * usable.len() / m]).collect()
    } else {
        usable.clone()
    };
    let items: Vec<&[f32]> = shaping.iter().map(|&i| clean[i]).collect();
    let groups = average_linkage_groups(&items, p.threshold);

    // Groups large enough to be a voice, largest first.
    let mut by_size: Vec<(usize, Vec<usize>)> = groups.into_iter().map(|g| (g.len(), g)).collect();
    by_size.sort_by_key(|g| std::cmp::Reverse(g.0));
    let big_enough = (p.min_share * items.len() as f32).ceil() as usize;
    let floor = big_enough.min(p.min_size).max(1);
    let mut large: Vec<Vec<usize>> = by_size
        .iter()
        .filter(|(s, _)| *s >= floor)
        .map(|(_, g)| g.clone())
        .collect();
    // Too few: the next largest groups count too.
    for (_, g) in by_size.iter().skip(large.len()) {
        if large.len() >= min {
            break;
        }
        large.push(g.clone());
    }
    if large.is_empty() {
        large.push(by_size[0].1.clone());
    }
    let mut centroids: Vec<Vec<f32>> = large
        .iter()
        .filter_map(|g| mean_direction(g.iter().map(|&i| items[i]), dim))
        .collect();
    if centroids.is_empty() {
        return vec![0; n];
    }
    // Too many: merge the two most similar centroids until within bounds.
    while centroids.len() > max {
        let (mut bi, mut bj, mut bs) = (0, 1, f32::NEG_INFINITY);
        for i in 0..centroids.len() {
            for j in i + 1..centroids.len() {
                let s = dot(&centroids[i], &centroids[j]);
                if s > bs {
                    (bi, bj, bs) = (i, j, s);
                }
            }
        }
        let labels = nearest_all(&items, &centroids);
        let merged = mean_direction(
            labels
                .iter()
                .enumerate()
                .filter(|(_, &l)| l == bi || l == bj)
                .map(|(i, _)| items[i]),
            dim,
        );
        if let Some(m) = merged {
            centroids[bi] = m;
        }
        centroids.remove(bj);
    }
    for _ in 0..p.refine_rounds {
        let labels = nearest_all(&items, &centroids);
        for (c, centroid) in centroids.iter_mut().enumerate() {
            // A centroid that lost every item keeps its place, so `min` holds.
            if let Some(m) = mean_direction(
                labels
                    .iter()
                    .enumerate()
                    .filter(|(_, &l)| l == c)
                    .map(|(i, _)| items[i]),
                dim,
            ) {
                *centroid = m;
            }
        }
    }
    let labels: Vec<usize> = clean
        .iter()
        .map(|e| {
            if e.len() == dim {
                nearest(e, &centroids)
            } else {
                usize::MAX
            }
        })
        .collect();
    renumber(labels)
}

/// Labels numbered by first appearance; `usize::MAX` (unlabelled) takes the label of the
/// item before it, or 0.
fn renumber(labels: Vec<usize>) -> Vec<usize> {
    let mut map: Vec<(usize, usize)> = Vec::new();
    let mut prev = 0;
    labels
        .into_iter()
        .map(|l| {
            if l == usize::MAX {
                return prev;
            }
            let id = match map.iter().find(|(old, _)| *old == l) {
                Some(&(_, new)) => new,
                None => {
                    map.push((l, map.len()));
                    map.len() - 1
                }
            };
            prev = id;
            id
        })
        .collect()
}

fn nearest(e: &[f32], centroids: &[Vec<f32>]) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, c) in centroids.iter().enumerate() {
        let s = dot(e, c);
        if s > best.1 {
            best = (i, s);
        }
    }
    best.0
}

fn nearest_all(items: &[&[f32]], centroids: &[Vec<f32>]) -> Vec<usize> {
    items.iter().map(|e| nearest(e, centroids)).collect()
}

/// Groups (item indices) of average-linkage clustering cut at `threshold`: every merge at
/// an average similarity at or above it is applied. Nearest-neighbour chain, O(n²).
pub(crate) fn average_linkage_groups(items: &[&[f32]], threshold: f32) -> Vec<Vec<usize>> {
    let n = items.len();
    let mut sim = vec![0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let s = dot(items[i], items[j]);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let merges = average_linkage(sim, n);
    let mut parent: Vec<usize> = (0..n).collect();
    for &(a, b, s) in &merges {
        if s < threshold {
            continue;
        }
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[rb] = ra;
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let r = find(&mut parent, i);
        let g = *slot[r].get_or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}

pub(crate) fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The dendrogram of average linkage on a similarity matrix (row-major, n × n) by the
/// nearest-neighbour-chain algorithm: merges as (slot a, slot b, average similarity).
/// Average linkage has no inversions, so applying every merge above a threshold yields a
/// cut of the dendrogram whatever the order.
pub(crate) fn average_linkage(mut sim: Vec<f32>, n: usize) -> Vec<(usize, usize, f32)> {
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    let mut chain: Vec<usize> = Vec::new();
    for _ in 1..n {
        if chain.is_empty() {
            chain.extend(active.iter().position(|&a| a));
        }
        let (a, b) = loop {
            let Some(&a) = chain.last() else { break (0, 0) };
            let prev = chain.len().checked_sub(2).map(|i| chain[i]);
            // The previous chain element wins ties, which guarantees the chain ends in a
            // reciprocal pair.
            let mut best = prev;
            let mut best_sim = prev.map_or(f32::NEG_INFINITY, |p| sim[a * n + p]);
            for j in 0..n {
                if active[j] && j != a && sim[a * n + j] > best_sim {
                    best = Some(j);
                    best_sim = sim[a * n + j];
                }
            }
            match best {
                Some(b) if Some(b) == prev => break (a, b),
                Some(b) => chain.push(b),
                None => break (a, a),
            }
        };
        chain.pop();
        chain.pop();
        if a == b {
            break;
        }
        let (keep, gone) = (a.min(b), a.max(b));
        merges.push((keep, gone, sim[keep * n + gone]));
        // Lance-Williams update for average linkage.
        let (sk, sg) = (size[keep] as f32, size[gone] as f32);
        for j in 0..n {
            if active[j] && j != keep && j != gone {
                let s = (sk * sim[keep * n + j] + sg * sim[gone * n + j]) / (sk + sg);
                sim[keep * n + j] = s;
                sim[j * n + keep] = s;
            }
        }
        size[keep] += size[gone];
        active[gone] = false;
    }
    merges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit vector near axis `axis` of 8, nudged by `noise` in a direction set by `seed`.
    fn voice(axis: usize, noise: f32, seed: u32) -> Vec<f32> {
        let mut v = vec![0f32; 8];
        v[axis] = 1.0;
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
        for x in &mut v {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *x += noise * ((s >> 16) as f32 / 32768.0 - 1.0);
        }
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn two_voices_are_two_speakers_and_an_outlier_is_not_a_third() {
        let mut e: Vec<Vec<f32>> = Vec::new();
        for i in 0..30 {
            e.push(voice(if i % 3 == 0 { 1 } else { 0 }, 0.3, i));
        }
        // One odd window (a laugh, a cough) far from both voices.
        e.push(voice(5, 0.0, 99));
        let labels = cluster(&e, 1, 8, ClusterParams::default());
        let k = labels.iter().max().unwrap() + 1;
        assert_eq!(k, 2, "{labels:?}");
        for (i, &l) in labels.iter().take(30).enumerate() {
            assert_eq!(l == labels[0], i % 3 == 0, "item {i}: {labels:?}");
        }
    }

    #[test]
    fn one_voice_stays_one_and_bounds_are_kept() {
        let one: Vec<Vec<f32>> = (0..40).map(|i| voice(2, 0.35, i)).collect();
        let labels = cluster(&one, 1, 4, ClusterParams::default());
        assert!(labels.iter().all(|&l| l == 0), "{labels:?}");
        // Three clear voices, at most two allowed: the two closest merge.
        let three: Vec<Vec<f32>> = (0..30).map(|i| voice((i % 3) as usize, 0.1, i)).collect();
        let free = cluster(&three, 1, 8, ClusterParams::default());
        assert_eq!(free.iter().max(), Some(&2));
        let capped = cluster(&three, 1, 2, ClusterParams::default());
        assert_eq!(capped.iter().max(), Some(&1));
    }

    #[test]
    fn degenerate_input_is_labelled_without_panicking() {
        assert!(cluster(&[], 1, 2, ClusterParams::default()).is_empty());
        assert_eq!(
            cluster(&[vec![1.0, 0.0]], 1, 2, ClusterParams::default()),
            vec![0]
        );
        let odd = vec![
            vec![1.0, 0.0],
            vec![f32::NAN, 0.0],
            vec![0.0],
            vec![0.9, 0.1],
        ];
        assert_eq!(cluster(&odd, 0, 0, ClusterParams::default()).len(), 4);
        // Subsampling keeps every item labelled.
        let many: Vec<Vec<f32>> = (0..50).map(|i| voice((i % 2) as usize, 0.1, i)).collect();
        let p = ClusterParams {
            max_items: 10,
            ..ClusterParams::default()
        };
        let labels = cluster(&many, 1, 8, p);
        assert_eq!(labels.len(), 50);
        assert!(labels.iter().enumerate().all(|(i, &l)| l == labels[i % 2]));
    }

    #[test]
    fn average_linkage_matches_a_hand_worked_example() {
        // Points on a line as similarities: a,b close; c near b; d far.
        let items: Vec<Vec<f32>> = vec![
            vec![1.0, 0.0],
            vec![0.995, 0.0998],
            vec![0.98, 0.199],
            vec![0.0, 1.0],
        ];
        let refs: Vec<&[f32]> = items.iter().map(Vec::as_slice).collect();
        let g = average_linkage_groups(&refs, 0.9);
        assert_eq!(g, vec![vec![0, 1, 2], vec![3]]);
        let all = average_linkage_groups(&refs, -1.0);
        assert_eq!(all.len(), 1);
    }
}
