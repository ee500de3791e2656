//! Decodes every committed fixture (see tests/fixtures/README.md) and checks the result against
//! one table: container, codec, rates, channels, duration, that the speech is there and in the
//! right place, and the error kind for the bad files.

use std::path::PathBuf;

use parley_media::{
    decode, decode_file, probe_file, DecodeOptions, DecodedAudio, MediaError, MediaErrorKind,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// What a good fixture decodes to.
struct Good {
    container: &'static str,
    codec: &'static str,
    source_rate: u32,
    source_channels: usize,
    distinct_channels: usize,
    duration_ms: u64,
    /// Where each kept channel has speech, in seconds.
    speech: (f32, f32),
    /// How late the audio may be against the lossless reference, in ms: 0 except where the
    /// container itself does not say how much encoder priming to drop.
    late_ms: i32,
}

enum Expect {
    Ok(Good),
    Err(MediaErrorKind),
}

fn good(
    container: &'static str,
    codec: &'static str,
    source_rate: u32,
    source_channels: usize,
    distinct_channels: usize,
    duration_ms: u64,
) -> Expect {
    Expect::Ok(Good {
        container,
        codec,
        source_rate,
        source_channels,
        distinct_channels,
        duration_ms,
        speech: if duration_ms == 1000 {
            (0.1, 0.8)
        } else {
            (0.2, 1.4)
        },
        late_ms: 0,
    })
}

fn late(expect: Expect, ms: i32) -> Expect {
    match expect {
        Expect::Ok(good) => Expect::Ok(Good {
            late_ms: ms,
            ..good
        }),
        other => other,
    }
}

fn table() -> Vec<(&'static str, Expect)> {
    use MediaErrorKind as K;
    vec![
        (
            "stereo_44k.wav",
            good("wav", "pcm_s16le", 44_100, 2, 2, 1000),
        ),
        (
            "telephony_8k_ulaw.wav",
            good("wav", "pcm_mulaw", 8_000, 1, 1, 1600),
        ),
        ("speech.mp3", good("mp3", "mp3", 22_050, 1, 1, 1600)),
        ("speech.flac", good("flac", "flac", 16_000, 1, 1, 1600)),
        ("speech.ogg", good("ogg", "vorbis", 32_000, 1, 1, 1600)),
        ("speech.opus", good("ogg", "opus", 48_000, 1, 1, 1600)),
        (
            "browser_stereo.webm",
            good("webm", "opus", 48_000, 2, 1, 1600),
        ),
        ("speech.m4a", good("m4a", "aac", 44_100, 1, 1, 1600)),
        ("video.mp4", good("mp4", "aac", 24_000, 1, 1, 1600)),
        // Matroska has no edit list and ffmpeg writes no codec delay for AAC: the 1024 frames of
        // encoder priming (21 ms) stay, exactly as ffmpeg itself decodes this file.
        (
            "screen.mkv",
            late(good("mkv", "aac", 48_000, 1, 1, 1600), 21),
        ),
        (
            "dialer_identical_stereo.mp3",
            good("mp3", "mp3", 16_000, 2, 1, 1600),
        ),
        ("silent.wav", Expect::Err(K::Silent)),
        ("empty.wav", Expect::Err(K::Empty)),
        ("notes.txt", Expect::Err(K::NotMedia)),
        ("truncated.mp3", Expect::Err(K::Truncated)),
        ("corrupt.wav", Expect::Err(K::Corrupt)),
        ("gsm.wav", Expect::Err(K::Unsupported)),
        ("video_only.mp4", Expect::Err(K::NoAudioTrack)),
    ]
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

fn dbfs(value: f32) -> f32 {
    20.0 * value.max(1e-9).log10()
}

/// 10 ms RMS envelope.
fn envelope(samples: &[f32]) -> Vec<f32> {
    samples.chunks(160).map(rms).collect()
}

fn correlation(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mean = |x: &[f32]| x.iter().sum::<f32>() / n as f32;
    let (ma, mb) = (mean(a), mean(b));
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    ab / (aa * bb).sqrt()
}

/// The FLAC fixture is lossless at 16 kHz: the reference for every fixture made from the same
/// speech.
fn reference() -> Vec<f32> {
    let audio = decode_file(fixture("speech.flac"), &DecodeOptions::default()).unwrap();
    audio.channels[0].clone()
}

fn check_good(name: &str, audio: &DecodedAudio, want: &Good, reference: &[f32]) {
    assert_eq!(audio.sample_rate, 16_000, "{name}: rate");
    assert_eq!(audio.container, want.container, "{name}: container");
    assert_eq!(audio.codec, want.codec, "{name}: codec");
    assert_eq!(audio.source_rate, want.source_rate, "{name}: source rate");
    assert_eq!(
        audio.source_channels, want.source_channels,
        "{name}: source channels"
    );
    assert_eq!(
        audio.distinct_channels, want.distinct_channels,
        "{name}: distinct channels"
    );
    assert_eq!(
        audio.channels.len(),
        want.distinct_channels,
        "{name}: kept channels"
    );
    assert_eq!(
        audio.source_channel_index.len(),
        audio.channels.len(),
        "{name}: channel map"
    );
    assert_eq!(audio.skipped_packets, 0, "{name}: damaged packets");
    let diff = audio.duration_ms.abs_diff(want.duration_ms);
    assert!(
        diff <= 50,
        "{name}: duration {} ms, want {} ms ±50",
        audio.duration_ms,
        want.duration_ms
    );
    for (i, channel) in audio.channels.iter().enumerate() {
        assert_eq!(channel.len(), audio.frames(), "{name}: channel {i} length");
        assert_eq!(
            audio.duration_ms,
            channel.len() as u64 * 1000 / 16_000,
            "{name}: duration matches samples"
        );
        assert!(
            channel.iter().all(|s| s.is_finite() && s.abs() < 2.0),
            "{name}: channel {i} samples in range"
        );
        let (from, to) = (
            (want.speech.0 * 16_000.0) as usize,
            (want.speech.1 * 16_000.0) as usize,
        );
        let speech = dbfs(rms(&channel[from..to]));
        assert!(
            speech > -35.0,
            "{name}: channel {i} speech at {speech:.1} dBFS"
        );
        // The lead-in before the speech is quiet: the audio is where it should be in time.
        let lead = dbfs(rms(&channel[..(0.02 * 16_000.0) as usize]));
        assert!(
            lead < speech - 20.0,
            "{name}: channel {i} lead-in at {lead:.1} dBFS"
        );
    }
    if want.duration_ms == 1600 {
        // Same speech as the FLAC reference: the 10 ms loudness contour matches best at the
        // expected lag, so nothing is shifted (priming, pre-skip) or stretched (wrong rate).
        let got = envelope(&audio.channels[0]);
        let want_env = envelope(reference);
        let (lag, best) = (-5i32..=5)
            .map(|lag| {
                let c = if lag >= 0 {
                    correlation(&got[lag as usize..], &want_env)
                } else {
                    correlation(&got, &want_env[(-lag) as usize..])
                };
                (lag, c)
            })
            .fold((0, f32::MIN), |best, x| if x.1 > best.1 { x } else { best });
        assert!(
            best > 0.95,
            "{name}: envelope correlation {best:.3} with the reference"
        );
        let late = lag * 10;
        assert!(
            (late - want.late_ms).abs() <= 10,
            "{name}: {late} ms late, want {} ms",
            want.late_ms
        );
    }
}

#[test]
fn every_fixture_decodes_as_expected() {
    let reference = reference();
    let opts = DecodeOptions::default();
    for (name, expect) in table() {
        let result = decode_file(fixture(name), &opts);
        match (expect, result) {
            (Expect::Ok(want), Ok(audio)) => check_good(name, &audio, &want, &reference),
            (Expect::Err(kind), Err(err)) => {
                assert_eq!(err.kind(), kind, "{name}: {err}");
                let message = err.to_string();
                assert_eq!(
                    message,
                    message.to_lowercase(),
                    "{name}: message is lowercase"
                );
                assert!(
                    !message.contains("fixtures"),
                    "{name}: message names no path"
                );
            }
            (Expect::Ok(_), Err(err)) => {
                panic!("{name}: expected audio, got {:?}: {err}", err.kind())
            }
            (Expect::Err(kind), Ok(audio)) => panic!("{name}: expected {kind:?}, got {audio:?}"),
        }
    }
}

#[test]
fn probe_agrees_with_decode() {
    for (name, expect) in table() {
        let result = probe_file(fixture(name));
        match expect {
            Expect::Ok(want) => {
                let info = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(info.container, want.container, "{name}");
                assert_eq!(info.codec, want.codec, "{name}");
                assert_eq!(info.channels, Some(want.source_channels), "{name}");
                assert_eq!(info.sample_rate, Some(want.source_rate), "{name}");
                assert_eq!(info.audio_tracks, 1, "{name}");
                assert_eq!(
                    info.has_video,
                    matches!(name, "video.mp4" | "screen.mkv"),
                    "{name}"
                );
                if let Some(ms) = info.duration_ms {
                    assert!(
                        ms.abs_diff(want.duration_ms) <= 50,
                        "{name}: declared {ms} ms"
                    );
                }
            }
            // Probing reads headers only: it cannot see silence or a cut-off tail.
            Expect::Err(MediaErrorKind::Silent | MediaErrorKind::Truncated) => {
                assert!(result.is_ok(), "{name}")
            }
            Expect::Err(kind) => assert_eq!(result.unwrap_err().kind(), kind, "{name}"),
        }
    }
}

#[test]
fn messages_are_specific() {
    let message = |name: &str| {
        decode_file(fixture(name), &DecodeOptions::default())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(message("empty.wav"), "file is empty");
    assert_eq!(
        message("notes.txt"),
        "file is not a recording: it contains text"
    );
    assert_eq!(message("video_only.mp4"), "mp4 file has no audio track");
    assert_eq!(
        message("gsm.wav"),
        "wav file uses gsm 6.10 audio, which is not supported"
    );
    assert_eq!(
        message("corrupt.wav"),
        "file is damaged: wav header is not valid"
    );
    assert_eq!(
        message("silent.wav"),
        "recording is silent: no channel contains any sound"
    );
    assert_eq!(
        message("truncated.mp3"),
        "recording ends early: only 0.8 s of 1.6 s could be decoded"
    );
    let random: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let err = decode(
        std::io::Cursor::new(random),
        None,
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), MediaErrorKind::NotMedia, "{err}");
    assert_eq!(
        err.to_string(),
        "file is not a recording: no known audio or video container"
    );
}

#[test]
fn truncated_file_hands_back_what_was_decoded() {
    let err = decode_file(fixture("truncated.mp3"), &DecodeOptions::default()).unwrap_err();
    let MediaError::Truncated {
        decoded_ms,
        expected_ms,
        partial: Some(partial),
    } = err
    else {
        panic!("expected Truncated with audio, got {err:?}");
    };
    assert_eq!(expected_ms, Some(1600));
    assert!((600..1100).contains(&decoded_ms), "decoded {decoded_ms} ms");
    assert_eq!(partial.sample_rate, 16_000);
    assert_eq!(partial.channels.len(), 1);
    assert!(partial.duration_ms.abs_diff(decoded_ms) <= 50);
    assert!(
        dbfs(rms(&partial.channels[0][3_200..9_600])) > -35.0,
        "speech in the partial audio"
    );
}

#[test]
fn identical_stereo_keeps_both_channels_without_dedupe() {
    let opts = DecodeOptions {
        dedupe_channels: false,
        ..DecodeOptions::default()
    };
    for name in ["dialer_identical_stereo.mp3", "browser_stereo.webm"] {
        let audio = decode_file(fixture(name), &opts).unwrap();
        assert_eq!(audio.channels.len(), 2, "{name}");
        assert_eq!(audio.source_channel_index, vec![0, 1], "{name}");
        assert_eq!(audio.distinct_channels, 1, "{name}");
        let mut channels = audio.channels.clone();
        assert_eq!(parley_media::dedupe_channels(&mut channels), 1, "{name}");
    }
    let audio = decode_file(fixture("stereo_44k.wav"), &DecodeOptions::default()).unwrap();
    assert_eq!(audio.source_channel_index, vec![0, 1]);
    assert!(!parley_media::is_copy(
        &audio.channels[0],
        &audio.channels[1]
    ));
}

#[test]
fn duration_limit() {
    let opts = DecodeOptions {
        max_duration_secs: 1,
        ..DecodeOptions::default()
    };
    // Declared in the header: refused before decoding.
    let err = decode_file(fixture("speech.mp3"), &opts).unwrap_err();
    assert_eq!(err.kind(), MediaErrorKind::TooLong);
    assert_eq!(err.to_string(), "recording is longer than the 1.0 s limit");
    // WebM declares no duration here: refused while decoding.
    let err = decode_file(fixture("browser_stereo.webm"), &opts).unwrap_err();
    assert_eq!(err.kind(), MediaErrorKind::TooLong);
    // Exactly at the limit is fine.
    assert!(decode_file(fixture("stereo_44k.wav"), &opts).is_ok());
}

#[test]
fn hint_is_only_a_hint_and_readers_can_be_in_memory() {
    let bytes = std::fs::read(fixture("speech.m4a")).unwrap();
    for hint in [
        None,
        Some("wav"),
        Some(".m4a"),
        Some("upload.M4A"),
        Some("audio/mp4"),
        Some(""),
    ] {
        let audio = decode(
            std::io::Cursor::new(&bytes[..]),
            hint,
            &DecodeOptions::default(),
        )
        .unwrap();
        assert_eq!(audio.codec, "aac", "hint {hint:?}");
    }
    let info = parley_media::probe(std::io::Cursor::new(bytes), Some("mp3")).unwrap();
    assert_eq!(info.container, "m4a");
}

#[test]
fn other_target_rates() {
    let opts = DecodeOptions {
        target_rate: 8_000,
        ..DecodeOptions::default()
    };
    let audio = decode_file(fixture("speech.opus"), &opts).unwrap();
    assert_eq!(audio.sample_rate, 8_000);
    assert_eq!(audio.frames(), 12_800);
    assert_eq!(audio.duration_ms, 1600);
}

#[test]
fn every_container_reports_a_cut_off_file() {
    // An interrupted upload: the first 60 % of each good fixture.
    for (name, expect) in table() {
        if !matches!(expect, Expect::Ok(_)) {
            continue;
        }
        let bytes = std::fs::read(fixture(name)).unwrap();
        let cut = &bytes[..bytes.len() * 6 / 10];
        let err = decode(std::io::Cursor::new(cut), None, &DecodeOptions::default()).unwrap_err();
        let MediaError::Truncated {
            decoded_ms,
            partial,
            ..
        } = &err
        else {
            panic!("{name}: expected Truncated, got {:?}: {err}", err.kind());
        };
        // MP4 keeps its index at the end (ffmpeg's default), so nothing of it is readable.
        match partial {
            Some(partial) => {
                assert!(
                    *decoded_ms > 0 && *decoded_ms < 1600,
                    "{name}: decoded {decoded_ms} ms"
                );
                assert!(partial.duration_ms.abs_diff(*decoded_ms) <= 50, "{name}");
            }
            None => assert_eq!(*decoded_ms, 0, "{name}"),
        }
    }
}

/// A 16-bit PCM WAV file in memory.
fn wav(rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    out.extend_from_slice(&(channels * 2).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[test]
fn absurd_headers_are_refused_cheaply() {
    let tone: Vec<i16> = (0..2000)
        .map(|i| ((i as f32 * 0.3).sin() * 8000.0) as i16)
        .collect();
    // A sample rate no recording has (and that would need enormous resampling buffers).
    let err = decode(
        std::io::Cursor::new(wav(1, 1, &tone)),
        None,
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), MediaErrorKind::Unsupported, "{err}");
    assert_eq!(err.to_string(), "sample rate 1 hz is not supported");
    // A data chunk larger than the RIFF chunk around it: an inconsistent header.
    let mut lying = wav(8_000, 1, &tone);
    lying[40..44].copy_from_slice(&100_000u32.to_le_bytes());
    lying[4..8].copy_from_slice(&1000u32.to_le_bytes());
    let err = decode(std::io::Cursor::new(lying), None, &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.kind(), MediaErrorKind::Corrupt, "{err}");
    // Zero channels, or a silly target rate.
    let err = decode(
        std::io::Cursor::new(wav(8_000, 0, &tone)),
        None,
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            MediaErrorKind::Corrupt | MediaErrorKind::Unsupported
        ),
        "{err}"
    );
    let opts = DecodeOptions {
        target_rate: 0,
        ..DecodeOptions::default()
    };
    assert_eq!(
        decode_file(fixture("speech.flac"), &opts)
            .unwrap_err()
            .kind(),
        MediaErrorKind::Unsupported
    );
}

#[test]
fn unfinalised_wav_files_decode() {
    // Recorders that stream (0xFFFFFFFF) or crash before rewriting the header (0) leave the
    // sizes unknown: everything in the file is the recording.
    let tone: Vec<i16> = (0..16_000)
        .map(|i| ((i as f32 * 0.3).sin() * 8000.0) as i16)
        .collect();
    for size in [0u32, u32::MAX] {
        let mut file = wav(16_000, 1, &tone);
        file[4..8].copy_from_slice(&size.to_le_bytes());
        file[40..44].copy_from_slice(&size.to_le_bytes());
        // Not at the start of the reader: an upload behind some other bytes.
        let mut bytes = b"prefix".to_vec();
        bytes.extend_from_slice(&file);
        let mut reader = std::io::Cursor::new(bytes);
        reader.set_position(6);
        let audio = decode(reader, Some("wav"), &DecodeOptions::default())
            .unwrap_or_else(|e| panic!("size {size:#x}: {e}"));
        assert_eq!(audio.duration_ms, 1000, "size {size:#x}");
        let info = parley_media::probe(std::io::Cursor::new(file), None).unwrap();
        assert!(
            info.duration_ms.is_none() || info.duration_is_estimate,
            "size {size:#x}"
        );
    }
}

#[test]
fn a_header_only_wav_is_silent() {
    let err = decode(
        std::io::Cursor::new(wav(16_000, 1, &[])),
        None,
        &DecodeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), MediaErrorKind::Silent, "{err}");
}
