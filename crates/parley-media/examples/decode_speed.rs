//! Decode throughput on long recordings built in memory from the committed fixtures:
//!
//! ```sh
//! cargo run --release -p parley-media --example decode_speed -- [minutes, default 10]
//! ```
//!
//! * WAV: the 44.1 kHz stereo fixture's samples repeated (PCM; the cost is resampling).
//! * MP3: the 22.05 kHz mono fixture's frames repeated (its tag and Xing frame dropped).
//! * AAC: the M4A fixture's AAC-LC frames repeated as an ADTS stream (.aac).
//! * Opus in Ogg: the speech encoded with opus-pure at 24 kb/s (encoding is not timed).
//!
//! Prints seconds of audio decoded per second of CPU (x realtime) and the peak memory added by
//! the decode (Linux only), to show that only the 16 kHz output accumulates.

use std::io::Cursor;
use std::time::Instant;

use parley_media::{decode, decode_file, DecodeOptions};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Resets the peak-RSS counter (Linux), returning false where that is not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run(label: &str, bytes: Vec<u8>, hint: &str) {
    let opts = DecodeOptions {
        max_duration_secs: 24 * 3600,
        ..DecodeOptions::default()
    };
    let can_measure = reset_peak();
    let before = status_kb("VmRSS:").unwrap_or(0);
    let start = Instant::now();
    let result = decode(Cursor::new(bytes), Some(hint), &opts);
    let elapsed = start.elapsed().as_secs_f64();
    let peak = status_kb("VmHWM:").unwrap_or(0);
    match result {
        Ok(audio) => {
            let out_mb = (audio.frames() * audio.channels.len() * 4) as f64 / 1e6;
            let memory = if can_measure {
                format!(
                    "peak +{:.0} MB (output {out_mb:.0} MB)",
                    peak.saturating_sub(before) as f64 / 1e3
                )
            } else {
                String::new()
            };
            let secs = audio.duration_ms as f64 / 1000.0;
            println!(
                "{label:<32} {secs:>6.0} s of audio in {elapsed:>6.2} s = {:>5.0}x realtime  {memory}",
                secs / elapsed
            );
        }
        Err(err) => println!("{label:<32} failed: {err}"),
    }
}

/// The body of a RIFF chunk.
fn wav_chunk<'a>(wav: &'a [u8], id: &[u8; 4]) -> &'a [u8] {
    let mut pos = 12;
    while pos + 8 <= wav.len() {
        let len = u32::from_le_bytes(wav[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if &wav[pos..pos + 4] == id {
            return &wav[pos + 8..(pos + 8 + len).min(wav.len())];
        }
        pos += 8 + len + (len & 1);
    }
    panic!("no {id:?} chunk");
}

fn long_wav(minutes: f64) -> Vec<u8> {
    let wav = std::fs::read(fixture("stereo_44k.wav")).unwrap();
    let fmt = wav_chunk(&wav, b"fmt ").to_vec();
    let data = wav_chunk(&wav, b"data");
    let repeats = (minutes * 60.0).ceil() as usize; // the fixture is 1 s long
    let body_len = data.len() * repeats;
    let mut out = Vec::with_capacity(body_len + 64);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((4 + 8 + fmt.len() + 8 + body_len) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    out.extend_from_slice(&fmt);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(body_len as u32).to_le_bytes());
    for _ in 0..repeats {
        out.extend_from_slice(data);
    }
    out
}

/// Length of the MPEG audio layer III frame starting at `at`.
fn mp3_frame_len(bytes: &[u8], at: usize) -> Option<usize> {
    let h = bytes.get(at..at + 4)?;
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 || h[1] & 0x06 != 0x02 {
        return None;
    }
    let mpeg1 = h[1] & 0x18 == 0x18;
    let rates_v1 = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    let rates_v2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let index = usize::from(h[2] >> 4);
    let kbps = if mpeg1 {
        *rates_v1.get(index)?
    } else {
        *rates_v2.get(index)?
    };
    let base_rate = [44_100, 48_000, 32_000]
        .get(usize::from((h[2] >> 2) & 3))
        .copied()?;
    let rate = match h[1] & 0x18 {
        0x18 => base_rate,
        0x10 => base_rate / 2,
        _ => base_rate / 4,
    };
    let padding = usize::from((h[2] >> 1) & 1);
    let coefficient = if mpeg1 { 144 } else { 72 };
    (kbps > 0).then(|| coefficient * kbps * 1000 / rate + padding)
}

fn long_mp3(minutes: f64) -> Vec<u8> {
    let mp3 = std::fs::read(fixture("speech.mp3")).unwrap();
    // Skip the ID3v2 tag (synchsafe size) and the Xing/Info frame.
    let mut at = if &mp3[..3] == b"ID3" {
        10 + mp3[6..10]
            .iter()
            .fold(0usize, |acc, &b| (acc << 7) | usize::from(b & 0x7F))
    } else {
        0
    };
    at += mp3_frame_len(&mp3, at).expect("first frame");
    let mut frames = Vec::new();
    while let Some(len) = mp3_frame_len(&mp3, at) {
        if at + len > mp3.len() {
            break;
        }
        frames.extend_from_slice(&mp3[at..at + len]);
        at += len;
    }
    let repeats = (minutes * 60.0 / 1.6).ceil() as usize; // each copy is about 1.6 s
    frames.repeat(repeats)
}

/// The M4A fixture's AAC frames (44.1 kHz mono AAC-LC) as ADTS, repeated.
fn long_aac(minutes: f64) -> Vec<u8> {
    use symphonia::core::formats::{FormatOptions, TrackType};
    use symphonia::core::io::MediaSourceStream;
    let file = std::fs::File::open(fixture("speech.m4a")).unwrap();
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &Default::default(),
            mss,
            FormatOptions::default(),
            Default::default(),
        )
        .unwrap();
    let track = format.default_track(TrackType::Audio).unwrap().id;
    let mut adts = Vec::new();
    while let Ok(Some(packet)) = format.next_packet() {
        if packet.track_id != track {
            continue;
        }
        let len = packet.data.len() + 7;
        // ADTS header: MPEG-4, no CRC, AAC LC, 44.1 kHz (index 4), mono, one raw block.
        let (profile, rate_index, channels) = (1u8, 4u8, 1u8);
        adts.extend_from_slice(&[
            0xFF,
            0xF1,
            (profile << 6) | (rate_index << 2) | (channels >> 2),
            ((channels & 3) << 6) | ((len >> 11) as u8 & 0x03),
            (len >> 3) as u8,
            (((len & 7) as u8) << 5) | 0x1F,
            0xFC,
        ]);
        adts.extend_from_slice(&packet.data);
    }
    let repeats = (minutes * 60.0 / 1.6).ceil() as usize;
    adts.repeat(repeats)
}

fn long_opus(minutes: f64) -> Vec<u8> {
    use opus_pure::{Application, OggOpusWriter, OpusEncoder, OpusHead};
    let speech = decode_file(fixture("speech.flac"), &DecodeOptions::default())
        .unwrap()
        .channels
        .remove(0);
    // 16 kHz to 48 kHz by linear interpolation: good enough to give the encoder speech.
    let up: Vec<f32> = (0..speech.len() * 3)
        .map(|i| {
            let (j, frac) = (i / 3, (i % 3) as f32 / 3.0);
            let next = speech.get(j + 1).copied().unwrap_or(0.0);
            speech[j] * (1.0 - frac) + next * frac
        })
        .collect();
    let mut encoder = OpusEncoder::new(48_000, 1, Application::Voip).unwrap();
    encoder.bitrate_bps = 24_000;
    let head = OpusHead::for_encoder(&encoder, 48_000);
    let mut out = Vec::new();
    let mut writer = OggOpusWriter::new(&mut out, head).unwrap();
    let mut packet = vec![0u8; opus_pure::MAX_PACKET_BYTES];
    let frames = (minutes * 60.0 * 50.0).ceil() as usize; // 20 ms frames
    let mut pos = 0;
    let mut frame = vec![0f32; 960];
    for _ in 0..frames {
        for sample in frame.iter_mut() {
            *sample = up[pos % up.len()];
            pos += 1;
        }
        let n = encoder.encode(&frame, 960, &mut packet).unwrap();
        writer.write_packet(&packet[..n]).unwrap();
    }
    writer.finish().unwrap();
    out
}

fn main() {
    let minutes: f64 = std::env::args()
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(10.0);
    println!("decoding {minutes} min recordings (built in memory) to 16 kHz");
    run("wav 44.1 kHz stereo pcm", long_wav(minutes), "wav");
    run("mp3 22.05 kHz mono 32 kb/s", long_mp3(minutes), "mp3");
    run(
        "aac-lc 44.1 kHz mono 48 kb/s (adts)",
        long_aac(minutes),
        "aac",
    );
    run("opus 48 kHz mono 24 kb/s (ogg)", long_opus(minutes), "opus");
}
