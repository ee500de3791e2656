//! The one matrix product the encoder needs, `C += A · Wᵀ` with `W` a fixed weight matrix
//! in PyTorch's (out × in) layout.
//!
//! Why not a general sgemm: the LSTM's recurrent step multiplies a small batch of hidden
//! states (B × 256) by the same 1 MB weight matrix 160 times per layer; a general library
//! re-packs that matrix on every call (it was 22% of the run time with `matrixmultiply`).
//! Here the weights are packed once at load into 16-column panels, and a 6 × 16 register
//! block (6 x 16) is accumulated over all of k: with AVX2 + FMA intrinsics when the CPU has them
//! (runtime detection; LLVM did not vectorise the plain loop by itself, it spilled the
//! accumulators), with a plain loop otherwise.

/// Output columns per panel: two 8-lane AVX registers.
const NR: usize = 16;
/// Rows per register block: 6 x 16 accumulators = 12 of the 16 AVX registers.
const MR: usize = 6;
/// Rows of `A` per cache block: 66 rows x 256 x 4 B = 66 KB, kept in L2 while every panel
/// passes over it.
const MB: usize = 66;

/// `W` (n × k, row-major) rearranged as n/16 panels, each k × 16 contiguous, so the inner
/// loop reads 16 consecutive output columns of one input dimension.
pub(crate) struct PackedWeights {
    n: usize,
    k: usize,
    panels: Vec<f32>,
}

impl PackedWeights {
    /// `w` is (n × k) row-major. Columns past a multiple of 16 are zero-filled.
    pub(crate) fn new(w: &[f32], n: usize, k: usize) -> Self {
        let n_panels = n.div_ceil(NR);
        let mut panels = vec![0f32; n_panels * k * NR];
        for p in 0..n_panels {
            for kk in 0..k {
                for c in 0..NR {
                    let j = p * NR + c;
                    if j < n {
                        panels[(p * k + kk) * NR + c] = w[j * k + kk];
                    }
                }
            }
        }
        Self { n, k, panels }
    }

    /// `c[r * ldc + j] += Σ_kk a[r * lda + kk] · W[j][kk]` for r < m, j < n.
    ///
    /// Returns `false` (and does nothing) when the slices are too short for the shape,
    /// which would be a bug in the caller.
    #[must_use]
    pub(crate) fn matmul_acc(
        &self,
        a: &[f32],
        lda: usize,
        m: usize,
        c: &mut [f32],
        ldc: usize,
    ) -> bool {
        if m == 0 {
            return true;
        }
        let (k, n) = (self.k, self.n);
        if lda < k || ldc < n || a.len() < (m - 1) * lda + k || c.len() < (m - 1) * ldc + n {
            return false;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports the features the function is compiled for.
                unsafe { matmul_fma(self, a, lda, m, c, ldc) };
                return true;
            }
        }
        matmul_body(self, a, lda, m, c, ldc);
        true
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn matmul_fma(
    w: &PackedWeights,
    a: &[f32],
    lda: usize,
    m: usize,
    c: &mut [f32],
    ldc: usize,
) {
    let (k, n) = (w.k, w.n);
    for m0 in (0..m).step_by(MB) {
        let m1 = (m0 + MB).min(m);
        for (p, panel) in w.panels.chunks_exact(k * NR).enumerate() {
            let j0 = p * NR;
            let cols = NR.min(n - j0);
            let mut r = m0;
            while r + MR <= m1 {
                let acc = block_fma::<MR>(std::array::from_fn(|i| &a[(r + i) * lda..][..k]), panel);
                add_block(&acc, c, ldc, r, j0, cols);
                r += MR;
            }
            while r < m1 {
                let acc = block_fma::<1>([&a[r * lda..][..k]], panel);
                add_block(&acc, c, ldc, r, j0, cols);
                r += 1;
            }
        }
    }
}

/// R rows × 16 columns of `A · Wᵀ`, accumulated in 2R AVX registers over all of k.
/// Every row slice must hold `panel.len() / 16` elements.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn block_fma<const R: usize>(rows: [&[f32]; R], panel: &[f32]) -> [[f32; NR]; R] {
    use std::arch::x86_64::*;
    let k = panel.len() / NR;
    debug_assert!(rows.iter().all(|r| r.len() >= k));
    let mut lo = [_mm256_setzero_ps(); R];
    let mut hi = [_mm256_setzero_ps(); R];
    let mut wp = panel.as_ptr();
    for kk in 0..k {
        // SAFETY: kk < k, so wp..wp+16 lies inside `panel` and kk inside every row.
        let w0 = _mm256_loadu_ps(wp);
        let w1 = _mm256_loadu_ps(wp.add(8));
        for i in 0..R {
            let x = _mm256_set1_ps(*rows[i].get_unchecked(kk));
            lo[i] = _mm256_fmadd_ps(x, w0, lo[i]);
            hi[i] = _mm256_fmadd_ps(x, w1, hi[i]);
        }
        wp = wp.add(NR);
    }
    let mut out = [[0f32; NR]; R];
    for i in 0..R {
        _mm256_storeu_ps(out[i].as_mut_ptr(), lo[i]);
        _mm256_storeu_ps(out[i].as_mut_ptr().add(8), hi[i]);
    }
    out
}

/// Portable fallback: the same panels, one row at a time in axpy form.
fn matmul_body(w: &PackedWeights, a: &[f32], lda: usize, m: usize, c: &mut [f32], ldc: usize) {
    let (k, n) = (w.k, w.n);
    for r in 0..m {
        let row = &a[r * lda..][..k];
        for (p, panel) in w.panels.chunks_exact(k * NR).enumerate() {
            let mut acc = [0f32; NR];
            for (x, wk) in row.iter().zip(panel.chunks_exact(NR)) {
                for (s, wv) in acc.iter_mut().zip(wk) {
                    *s += x * wv;
                }
            }
            let j0 = p * NR;
            add_block(&[acc], c, ldc, r, j0, NR.min(n - j0));
        }
    }
}

fn add_block<const R: usize>(
    acc: &[[f32; NR]; R],
    c: &mut [f32],
    ldc: usize,
    r0: usize,
    j0: usize,
    cols: usize,
) {
    for (i, row) in acc.iter().enumerate() {
        let out = &mut c[(r0 + i) * ldc + j0..][..cols];
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive_product_with_odd_shapes() {
        let (m, k, n) = (7, 5, 20);
        let a: Vec<f32> = (0..m * k).map(|x| (x % 7) as f32 - 3.0).collect();
        let w: Vec<f32> = (0..n * k).map(|x| (x % 5) as f32 * 0.25).collect();
        let mut c = vec![1f32; m * n];
        let packed = PackedWeights::new(&w, n, k);
        assert!(packed.matmul_acc(&a, k, m, &mut c, n));
        for r in 0..m {
            for j in 0..n {
                let want = 1.0 + (0..k).map(|i| a[r * k + i] * w[j * k + i]).sum::<f32>();
                assert!((c[r * n + j] - want).abs() < 1e-4, "({r},{j})");
            }
        }
        // The portable path agrees too.
        let mut c2 = vec![1f32; m * n];
        matmul_body(&packed, &a, k, m, &mut c2, n);
        for (x, y) in c.iter().zip(&c2) {
            assert!((x - y).abs() < 1e-4);
        }
        // Too-short output is refused, not a panic.
        assert!(!packed.matmul_acc(&a, k, m, &mut c[..10], n));
    }
}
