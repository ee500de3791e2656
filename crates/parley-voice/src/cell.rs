//! The LSTM cell's element-wise update, vectorised.
//!
//! libm's scalar `expf` (and before that `tanhf`) were 20-30% of the encoder's time once the
//! matrix products were fast. This uses a Cephes-style `exp` polynomial (about 1 ulp on
//! the clamped range) in plain loops with no calls, which LLVM vectorises; with AVX2 + FMA
//! when the CPU has them.

const HIDDEN: usize = 256;

/// One time step for one sequence. `g` holds the 4 x 256 gate pre-activations in PyTorch
/// order (i, f, g, o) and is overwritten with scratch; `c` and `h` are updated in place.
pub(crate) fn lstm_cell(g: &mut [f32], c: &mut [f32], h: &mut [f32]) {
    if g.len() != 4 * HIDDEN || c.len() != HIDDEN || h.len() != HIDDEN {
        debug_assert!(false, "lstm_cell shape");
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports the features the function is compiled for.
            unsafe { cell_avx2(g, c, h) };
            return;
        }
    }
    cell_body(g, c, h);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn cell_avx2(g: &mut [f32], c: &mut [f32], h: &mut [f32]) {
    cell_body(g, c, h);
}

#[inline(always)]
fn cell_body(g: &mut [f32], c: &mut [f32], h: &mut [f32]) {
    let (ifg, o) = g.split_at_mut(3 * HIDDEN);
    let (i_f, gg) = ifg.split_at_mut(2 * HIDDEN);
    // Separate loops: a chained iterator defeats the vectoriser.
    for v in i_f.iter_mut() {
        *v = sigmoid(*v);
    }
    for v in o.iter_mut() {
        *v = sigmoid(*v);
    }
    for v in gg.iter_mut() {
        *v = tanh(*v);
    }
    let (i, f) = i_f.split_at(HIDDEN);
    for ((((cj, hj), &ij), &fj), (&gj, &oj)) in c
        .iter_mut()
        .zip(h.iter_mut())
        .zip(i.iter())
        .zip(f.iter())
        .zip(gg.iter().zip(o.iter()))
    {
        *cj = fj * *cj + ij * gj;
        *hj = oj * tanh(*cj);
    }
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh through one `exp`: absolute error about 1e-7, and the limits come out exactly
/// (the clamped exp stays finite, so large |x| gives ±1, never NaN).
#[inline(always)]
fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// `e^x` for x clamped to [-87.3, 88.3] (the normal f32 range), via 2^n * p(r).
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // 1.5 * 2^23: adding it rounds to an integer that can be read back from the low bits.
    const MAGIC: f32 = 12_582_912.0;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.3, 88.3);
    let t = x * LOG2E + MAGIC;
    let n = t - MAGIC;
    let ni = t.to_bits() as i32 - MAGIC.to_bits() as i32;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((1.987_569_1e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((ni + 127) << 23) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate() {
        let mut x = -87.0f32;
        while x < 88.0 {
            let (got, want) = (exp(x), x.exp());
            assert!(
                ((got - want) / want).abs() < 3e-7,
                "exp({x}) = {got}, want {want}"
            );
            x += 0.0137;
        }
        assert!(exp(1000.0).is_finite() && exp(-1000.0) >= 0.0);
    }

    #[test]
    fn cell_matches_scalar_formula() {
        let mut g: Vec<f32> = (0..1024)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let g0 = g.clone();
        let mut c: Vec<f32> = (0..256).map(|i| (i as f32 - 128.0) / 50.0).collect();
        let c0 = c.clone();
        let mut h = vec![0f32; 256];
        lstm_cell(&mut g, &mut c, &mut h);
        let s = |x: f32| 1.0 / (1.0 + (-x).exp());
        for j in 0..256 {
            let cj = s(g0[256 + j]) * c0[j] + s(g0[j]) * g0[512 + j].tanh();
            let hj = s(g0[768 + j]) * cj.tanh();
            assert!((c[j] - cj).abs() < 1e-5 && (h[j] - hj).abs() < 1e-5, "{j}");
        }
    }
}
