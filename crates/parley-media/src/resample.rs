//! Streaming sample-rate conversion to the target rate: decoded audio goes in packet by packet,
//! and only the target-rate output accumulates, so a long file never needs a second full-rate
//! copy in memory.
//!
//! rubato's synchronous FFT resampler is used for every rate pair: the ratio of a file is fixed,
//! and it is both the fastest and the highest-quality resampler rubato has (anti-aliasing with a
//! Blackman-Harris window, no quality knobs to get wrong). Its startup delay is trimmed so that
//! output sample 0 lines up with input sample 0, and the tail is flushed so nothing is lost.

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Indexing, Resampler};

/// Frames per resampler call (a hint: rubato rounds it to fit the rate ratio).
const CHUNK: usize = 4096;

pub(crate) struct StreamResampler {
    fft: Option<Fft<f32>>,
    channels: usize,
    in_rate: u32,
    out_rate: u32,
    /// Input frames waiting for a full chunk, per channel.
    pending: Vec<Vec<f32>>,
    /// One chunk of output, per channel.
    chunk_out: Vec<Vec<f32>>,
    /// Output frames still to drop: the resampler's startup delay.
    to_trim: usize,
    /// Input frames pushed since creation.
    frames_in: u64,
    /// Length of the caller's output vectors when this resampler started (a file whose rate
    /// changes mid-stream gets one resampler per segment).
    out_start: usize,
}

impl StreamResampler {
    /// A resampler from `in_rate` to `out_rate` appending to `out` (one vector per channel).
    pub(crate) fn new(
        in_rate: u32,
        out_rate: u32,
        channels: usize,
        out: &[Vec<f32>],
    ) -> Result<Self, String> {
        let fft = if in_rate == out_rate {
            None
        } else {
            Some(
                Fft::<f32>::new(
                    in_rate as usize,
                    out_rate as usize,
                    CHUNK,
                    channels,
                    FixedSync::Both,
                )
                .map_err(|e| e.to_string())?,
            )
        };
        let (chunk_in, chunk_out, delay) = match &fft {
            Some(fft) => (
                fft.input_frames_max(),
                fft.output_frames_max(),
                fft.output_delay(),
            ),
            None => (0, 0, 0),
        };
        Ok(StreamResampler {
            fft,
            channels,
            in_rate,
            out_rate,
            pending: (0..channels)
                .map(|_| Vec::with_capacity(chunk_in * 2))
                .collect(),
            chunk_out: vec![vec![0.0; chunk_out]; channels],
            to_trim: delay,
            frames_in: 0,
            out_start: out.first().map_or(0, Vec::len),
        })
    }

    pub(crate) fn in_rate(&self) -> u32 {
        self.in_rate
    }

    /// Feeds planar input (`planes[c][i]`, all planes the same length) and appends whatever
    /// output is ready to `out`.
    pub(crate) fn push(&mut self, planes: &[Vec<f32>], frames: usize, out: &mut [Vec<f32>]) {
        self.frames_in += frames as u64;
        if self.fft.is_none() {
            for (dst, src) in out.iter_mut().zip(planes) {
                dst.extend_from_slice(&src[..frames]);
            }
            return;
        }
        for (pending, src) in self.pending.iter_mut().zip(planes) {
            pending.extend_from_slice(&src[..frames]);
        }
        self.drain_full_chunks(out);
    }

    fn drain_full_chunks(&mut self, out: &mut [Vec<f32>]) {
        let Some(fft) = self.fft.as_ref() else { return };
        let chunk_in = fft.input_frames_next();
        let mut consumed = 0;
        while self.pending[0].len() - consumed >= chunk_in {
            let indexing = Indexing::new().input_offset(consumed);
            self.process(Some(&indexing), out);
            consumed += chunk_in;
        }
        if consumed > 0 {
            for pending in &mut self.pending {
                pending.drain(..consumed);
            }
        }
    }

    /// Runs one resampler call and appends its output (after the startup trim) to `out`.
    fn process(&mut self, indexing: Option<&Indexing>, out: &mut [Vec<f32>]) {
        let Some(fft) = self.fft.as_mut() else { return };
        let pending_len = self.pending[0].len();
        let written = {
            let input = SequentialSliceOfVecs::new(&self.pending, self.channels, pending_len);
            let capacity = self.chunk_out[0].len();
            let output =
                SequentialSliceOfVecs::new_mut(&mut self.chunk_out, self.channels, capacity);
            match (input, output) {
                (Ok(input), Ok(mut output)) => {
                    match fft.process_into_buffer(&input, &mut output, indexing) {
                        Ok((_, written)) => written,
                        Err(err) => {
                            // Sizes are computed from the resampler itself; this is a bug guard,
                            // not an expected path.
                            tracing::error!(%err, "resampler rejected a chunk");
                            0
                        }
                    }
                }
                _ => 0,
            }
        };
        let skip = self.to_trim.min(written);
        self.to_trim -= skip;
        for (dst, src) in out.iter_mut().zip(&self.chunk_out) {
            dst.extend_from_slice(&src[skip..written]);
        }
    }

    /// Flushes the tail: the last partial chunk, then silence until every input frame has come
    /// out, and trims `out` to exactly the converted length.
    pub(crate) fn finish(&mut self, out: &mut [Vec<f32>]) {
        if self.fft.is_none() {
            return;
        }
        let expected = usize::try_from(
            (u128::from(self.frames_in) * u128::from(self.out_rate) + u128::from(self.in_rate) / 2)
                / u128::from(self.in_rate),
        )
        .unwrap_or(usize::MAX);
        let produced = |out: &[Vec<f32>], start: usize| out.first().map_or(0, |c| c.len() - start);
        let pending_len = self.pending[0].len();
        if pending_len > 0 {
            let indexing = Indexing::new().partial_len(pending_len);
            self.process(Some(&indexing), out);
            for pending in &mut self.pending {
                pending.clear();
            }
        }
        // Each call yields a full output chunk, so a few calls always suffice; the bound only
        // guards against a resampler that stops producing.
        let mut guard = 0;
        while produced(out, self.out_start) < expected && guard < 64 {
            let indexing = Indexing::new().partial_len(0);
            self.process(Some(&indexing), out);
            guard += 1;
        }
        for channel in out.iter_mut() {
            channel.truncate(self.out_start + expected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f32, secs: f32) -> Vec<f32> {
        let n = (rate as f32 * secs) as usize;
        (0..n)
            .map(|i| (i as f32 * freq * std::f32::consts::TAU / rate as f32).sin() * 0.5)
            .collect()
    }

    fn run(in_rate: u32, input: &[f32], packet: usize) -> Vec<f32> {
        let mut out = vec![Vec::new()];
        let mut rs = StreamResampler::new(in_rate, 16_000, 1, &out).unwrap();
        for piece in input.chunks(packet) {
            rs.push(&[piece.to_vec()], piece.len(), &mut out);
        }
        rs.finish(&mut out);
        out.pop().unwrap()
    }

    #[test]
    fn converts_length_and_keeps_phase() {
        for (rate, packet) in [
            (44_100, 1152),
            (48_000, 960),
            (8_000, 160),
            (22_050, 576),
            (16_000, 1024),
        ] {
            let input = sine(rate, 440.0, 1.3);
            let out = run(rate, &input, packet);
            let expected = (input.len() as u64 * 16_000 + u64::from(rate) / 2) / u64::from(rate);
            assert_eq!(out.len() as u64, expected, "length at {rate} Hz");
            // The output is the same sine at 16 kHz, in phase (startup delay trimmed).
            let reference = sine(16_000, 440.0, 1.3);
            let (mut err, mut energy) = (0.0f64, 0.0f64);
            for i in 800..out.len() - 800 {
                err += f64::from(out[i] - reference[i]).powi(2);
                energy += f64::from(reference[i]).powi(2);
            }
            let snr = 10.0 * (energy / err).log10();
            assert!(snr > 40.0, "snr {snr:.1} dB at {rate} Hz");
        }
    }

    #[test]
    fn removes_content_above_the_new_nyquist() {
        // 6 kHz survives, 11 kHz (above 8 kHz Nyquist) must not alias back in.
        let out = run(44_100, &sine(44_100, 11_000.0, 1.0), 4096);
        // Away from the abrupt start and end of the test tone.
        let middle = &out[1600..out.len() - 1600];
        let rms = (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt();
        eprintln!("aliased rms {rms}");
        assert!(rms < 0.0005, "aliased energy {rms}");
    }

    #[test]
    fn odd_rates_work() {
        for (rate, secs, packet) in [
            (11_025, 0.5, 1000),
            (44_099, 0.25, 777),
            (96_000, 0.3, 4096),
        ] {
            let input = sine(rate, 300.0, secs);
            let out = run(rate, &input, packet);
            let expected = (input.len() as u64 * 16_000 + u64::from(rate) / 2) / u64::from(rate);
            assert_eq!(out.len() as u64, expected, "{rate} Hz");
            let middle = &out[800..out.len() - 800];
            let rms = (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt();
            assert!((rms - 0.3536).abs() < 0.01, "{rate} Hz: rms {rms}");
        }
    }
}
