//! `C = A · B` over strided views of slices, the one matrix product the pure-Rust networks
//! (CAM++ in parley-voice, the sentence encoder in parley-embed) need, as a safe function:
//! `matrixmultiply::sgemm` takes raw pointers, and every view is checked against its slice
//! here, once, instead of in each caller.

/// `C = A · B`: `(m, k, n)`, then each operand as (slice, row stride, column stride), so a
/// transposed or column-offset operand needs no copy. With `k == 0` C is zeroed.
///
/// # Panics
/// When a view reaches past its slice. Shapes come from models, never from input, so
/// only a bug in the caller can cause it.
pub fn gemm(
    (m, k, n): (usize, usize, usize),
    (a, rsa, csa): (&[f32], usize, usize),
    (b, rsb, csb): (&[f32], usize, usize),
    (c, rsc, csc): (&mut [f32], usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    let last = |r: usize, rs: usize, cl: usize, cs: usize| (r - 1) * rs + (cl - 1) * cs;
    assert!(k == 0 || last(m, rsa, k, csa) < a.len(), "gemm: A overruns");
    assert!(k == 0 || last(k, rsb, n, csb) < b.len(), "gemm: B overruns");
    assert!(last(m, rsc, n, csc) < c.len(), "gemm: C overruns");
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                c[i * rsc + j * csc] = 0.0;
            }
        }
        return;
    }
    let s = |v: usize| v as isize;
    // SAFETY: the asserts above keep every element the views address inside its slice;
    // `c` is borrowed mutably, so it cannot alias `a` or `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            s(rsa),
            s(csa),
            b.as_ptr(),
            s(rsb),
            s(csb),
            0.0,
            c.as_mut_ptr(),
            s(rsc),
            s(csc),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::gemm;

    #[test]
    fn strided_views_multiply_as_the_naive_product() {
        // A is 2×3 row-major; B is given as its 3×2 transpose's storage (column strides).
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let bt = [7.0, 9.0, 11.0, 8.0, 10.0, 12.0]; // B = [[7, 8], [9, 10], [11, 12]]
        let mut c = [0.0; 4];
        gemm((2, 3, 2), (&a, 3, 1), (&bt, 1, 3), (&mut c, 2, 1));
        assert_eq!(c, [58.0, 64.0, 139.0, 154.0]);
        // The same product written into C's transpose.
        let mut ct = [0.0; 4];
        gemm((2, 3, 2), (&a, 3, 1), (&bt, 1, 3), (&mut ct, 1, 2));
        assert_eq!(ct, [58.0, 139.0, 64.0, 154.0]);
    }

    #[test]
    fn an_empty_inner_dimension_zeroes_c() {
        let mut c = [5.0; 4];
        gemm((2, 0, 2), (&[], 0, 1), (&[], 2, 1), (&mut c, 2, 1));
        assert_eq!(c, [0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "A overruns")]
    fn a_view_past_its_slice_panics_instead_of_reading_out_of_bounds() {
        let mut c = [0.0; 4];
        gemm(
            (2, 3, 2),
            (&[1.0; 5], 3, 1),
            (&[1.0; 6], 2, 1),
            (&mut c, 2, 1),
        );
    }
}
