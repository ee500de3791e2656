//! Recordings for the demo company's calls: each call's scripted transcript spoken by
//! espeak-ng, one voice per speaker, every line placed where the transcript says it
//! starts and silence between, written as FLAC and stored as the call's media without a
//! transcription (the transcript it was spoken from stays the call's).
//!
//! espeak-ng is a program, not a library: it is run once per line with the text on its
//! standard input (never on the command line, where a line starting with `-` would be an
//! option), writing a WAV file into the work folder, and killed past a deadline. Lines
//! are cut to [`MAX_LINE_CHARS`]. Without espeak-ng (a machine that never installed it)
//! the demo works as before, without recordings: the job ends and says why once.
//!
//! Each call is its own typed job (`demo-recording`), so recordings appear one call at a
//! time after `parley serve --demo` starts, survive a restart half-way, and never block
//! the API: synthesis and encoding run on the blocking pool, a few seconds a call.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parley_domain::{CallId, JobLease, JobSpec, SpeakerId, Waveform};
use parley_media::Clip;
use parley_store::Store;

use crate::error::{AppError, AppResult};
use crate::jobs::JobError;

/// The synthesiser, looked up on `PATH`.
pub const SYNTHESISER: &str = "espeak-ng";

/// Voices in the order speakers first talk: the call's host, then the customer, then
/// the rest. espeak-ng's variants (`+m3`, `+f2`, ...) make voices that are easy to tell
/// apart; two accents double the choice.
const VOICES: [&str; 6] = [
    "en-us+m3", "en-us+f2", "en-gb+m1", "en-us+f4", "en-us+m5", "en-gb+f3",
];

/// The rate recordings are written at: what speech recognition reads, and enough for
/// a synthetic voice.
const RATE: u32 = parley_media::TARGET_RATE;

/// espeak-ng speaks at full scale; this leaves headroom where lines overlap.
const GAIN: f32 = 0.7;

/// Longest line spoken; a longer one is cut (imported transcripts can hold anything).
pub const MAX_LINE_CHARS: usize = 2_000;

/// How long one line may take to synthesise before espeak-ng is killed.
const LINE_DEADLINE: Duration = Duration::from_secs(30);

/// Words per minute: espeak-ng's usual pace, sped up (to a limit) for a line that would
/// not fit its slot in the transcript.
const WPM: u32 = 165;
const MAX_WPM: u32 = 260;

/// Queues a recording for each of `calls` (the demo's calls with transcripts).
pub async fn queue(store: &dyn Store, calls: &[CallId]) -> AppResult<usize> {
    for call in calls {
        crate::jobs::enqueue(store, JobSpec::DemoRecording { call: *call }).await?;
    }
    Ok(calls.len())
}

/// Whether espeak-ng can be run here. Asked once per process (a demo seed queues 40
/// recordings, each asking): installing espeak-ng under a running server takes a restart.
pub fn synthesiser_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        Command::new(SYNTHESISER)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// One line to speak: when it starts, how long its slot is, who says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub start_ms: i64,
    pub slot_ms: i64,
    pub voice: &'static str,
    pub text: String,
}

/// The lines of a transcript with a voice per speaker, in order of first appearance.
pub fn lines_of(transcript: &parley_domain::Transcript) -> Vec<Line> {
    let mut speakers: Vec<SpeakerId> = Vec::new();
    let mut lines = Vec::new();
    for m in transcript {
        let n = match speakers.iter().position(|s| *s == m.speaker_id) {
            Some(n) => n,
            None => {
                speakers.push(m.speaker_id);
                speakers.len() - 1
            }
        };
        for s in &m.sentences {
            let text: String = s.text.chars().take(MAX_LINE_CHARS).collect();
            if text.trim().is_empty() {
                continue;
            }
            lines.push(Line {
                start_ms: s.start_ms.max(0),
                slot_ms: (s.end_ms - s.start_ms).max(0),
                voice: VOICES[n % VOICES.len()],
                text,
            });
        }
    }
    lines
}

/// The pace that fits `text` into `slot_ms`, between the usual pace and the limit.
fn words_per_minute(text: &str, slot_ms: i64) -> u32 {
    let words = text.split_whitespace().count() as i64;
    if slot_ms <= 0 {
        return WPM;
    }
    let needed = words * 60_000 / slot_ms;
    (needed.clamp(i64::from(WPM), i64::from(MAX_WPM))) as u32
}

/// Speaks one line into `wav` and reads it back as samples at [`RATE`].
fn speak(line: &Line, wav: &Path) -> Result<Vec<f32>, String> {
    let mut child = Command::new(SYNTHESISER)
        .args(["-v", line.voice, "-s"])
        .arg(words_per_minute(&line.text, line.slot_ms).to_string())
        .arg("-w")
        .arg(wav)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {SYNTHESISER}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // espeak-ng reads to the end of its input; the pipe closes when `stdin` drops.
        stdin
            .write_all(line.text.as_bytes())
            .map_err(|e| format!("writing to {SYNTHESISER}: {e}"))?;
    }
    let began = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if began.elapsed() > LINE_DEADLINE => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{SYNTHESISER} took longer than {LINE_DEADLINE:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for {SYNTHESISER}: {e}")),
        }
    };
    if !status.success() {
        return Err(format!("{SYNTHESISER} failed: {status}"));
    }
    let options = parley_media::DecodeOptions {
        dedupe_channels: false,
        ..Default::default()
    };
    match parley_media::decode_file(wav, &options) {
        Ok(audio) => Ok(audio.channels.into_iter().next().unwrap_or_default()),
        // A line of punctuation only is spoken as nothing.
        Err(parley_media::MediaError::Silent) => Ok(Vec::new()),
        Err(e) => Err(format!("reading {SYNTHESISER}'s output: {e}")),
    }
}

/// Speaks every line and lays them out over `duration_ms`: a FLAC file's bytes, and the
/// recording's waveform.
pub fn render(
    lines: &[Line],
    duration_ms: i64,
    work_dir: &Path,
) -> Result<(Vec<u8>, Waveform), String> {
    let wav = crate::workdir::temp_file(work_dir, "speech")
        .map_err(|e| format!("cannot create a work file: {e}"))?
        .into_temp_path();
    let per_ms = RATE as usize / 1000;
    let mut clips = Vec::with_capacity(lines.len());
    for line in lines {
        let mut samples = speak(line, &wav)?;
        samples.iter_mut().for_each(|s| *s *= GAIN);
        clips.push(Clip {
            start: line.start_ms as usize * per_ms,
            samples,
        });
    }
    // The recording is as long as the call, and at least as long as its last line.
    let end = clips
        .iter()
        .map(|c| c.start + c.samples.len())
        .max()
        .unwrap_or(0);
    let total = (duration_ms.max(0) as usize * per_ms).max(end);
    let mut waveform = Waveform::builder((total / per_ms) as u64, RATE);
    for c in &clips {
        waveform.add(c.start, &c.samples);
    }
    let flac = parley_media::flac_from_clips(&clips, total, RATE).map_err(|e| e.to_string())?;
    Ok((flac, waveform.finish()))
}

/// The `demo-recording` job: speaks the call's transcript and stores it as the call's
/// recording. A call that already has a recording, or no transcript, is left alone.
pub async fn run(
    store: &dyn Store,
    blobs: &parley_blob::BlobStore,
    work_dir: &Path,
    call_id: CallId,
    lease: JobLease,
) -> Result<(), JobError> {
    let now = chrono::Utc::now;
    if store.call_media(call_id).await?.is_some() {
        store.finish_job(lease, now()).await?;
        return Ok(());
    }
    let Some(call) = store.get_call(call_id).await? else {
        return Err(JobError::permanent("the call no longer exists"));
    };
    let Some(transcript) = store.transcripts_of(&[call_id]).await?.remove(&call_id) else {
        store.finish_job(lease, now()).await?;
        return Ok(());
    };
    if !synthesiser_available() {
        // Not a failure to retry: the machine has no synthesiser, and the demo is whole
        // without recordings. Said once per process, not once per call.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            tracing::warn!(
                synthesiser = SYNTHESISER,
                "demo calls get no recordings: espeak-ng is not installed (apt install espeak-ng)"
            )
        });
        store.finish_job(lease, now()).await?;
        return Ok(());
    }
    let lines = lines_of(&transcript);
    let duration_ms = call.duration_s * 1000;
    let dir: PathBuf = work_dir.to_path_buf();
    let (flac, waveform) = tokio::task::spawn_blocking(move || render(&lines, duration_ms, &dir))
        .await
        .map_err(|_| JobError::transient("the speech synthesis thread panicked"))?
        .map_err(JobError::transient)?;

    let file = crate::workdir::temp_file(work_dir, "recording")
        .map_err(|e| JobError::transient(format!("cannot create a work file: {e}")))?;
    let path = file.into_temp_path();
    let sha256 = crate::media::hex(&<sha2::Sha256 as sha2::Digest>::digest(&flac));
    let size = flac.len() as u64;
    tokio::fs::write(&path, &flac)
        .await
        .map_err(|e| JobError::transient(format!("writing the recording: {e}")))?;
    let received = crate::media::Received {
        path: path.to_path_buf(),
        file_name: Some("recording.flac".to_owned()),
        content_type: Some("audio/flac".to_owned()),
        size,
        sha256: sha256.clone(),
    };
    crate::media::store_recording_of_transcript(store, blobs, call_id, received)
        .await
        .map_err(|e: AppError| JobError::transient(e.to_string()))?;
    store.put_waveform(call_id, &sha256, &waveform).await?;
    store.finish_job(lease, now()).await?;
    tracing::info!(call_id = %call_id, bytes = size, "demo recording made");
    Ok(())
}

/// Seeds' callers use this to say what happened, so a missing synthesiser is visible
/// where the demo is started, not only in the workers' log.
pub fn availability_note() -> Option<&'static str> {
    (!synthesiser_available()).then_some(
        "demo calls will have no recordings: espeak-ng is not installed (apt install espeak-ng)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::{Monologue, Sentence};

    fn monologue(speaker: i64, at: i64, text: &str) -> Monologue {
        Monologue {
            speaker_id: SpeakerId(speaker),
            topic: None,
            sentences: vec![Sentence {
                start_ms: at,
                end_ms: at + 4_000,
                text: text.into(),
                words: Vec::new(),
            }],
        }
    }

    #[test]
    fn speakers_get_voices_in_order_of_first_words() {
        let t = vec![
            monologue(7, 1_000, "Hi, thanks for joining."),
            monologue(3, 6_000, "Happy to be here."),
            monologue(7, 11_000, "Shall we start?"),
            monologue(9, 16_000, "   "),
        ];
        let lines = lines_of(&t);
        assert_eq!(lines.len(), 3, "a blank line is not spoken");
        assert_eq!(lines[0].voice, VOICES[0]);
        assert_eq!(lines[1].voice, VOICES[1]);
        assert_eq!(lines[2].voice, VOICES[0]);
        assert_eq!((lines[1].start_ms, lines[1].slot_ms), (6_000, 4_000));
    }

    #[test]
    fn long_lines_are_cut_and_paced_to_fit() {
        let long = "word ".repeat(5_000);
        let lines = lines_of(&vec![monologue(1, 0, &long)]);
        assert_eq!(lines[0].text.chars().count(), MAX_LINE_CHARS);
        assert_eq!(words_per_minute("a b c", 60_000), WPM);
        assert_eq!(words_per_minute(&"w ".repeat(20), 6_000), 200);
        assert_eq!(words_per_minute(&"w ".repeat(100), 1_000), MAX_WPM);
        assert_eq!(words_per_minute("a", 0), WPM);
    }

    /// The real synthesiser: a two-line script becomes a FLAC file of the call's length
    /// with speech where each line starts and silence elsewhere.
    #[test]
    fn a_script_is_spoken_where_its_lines_start() {
        if !synthesiser_available() {
            assert!(
                std::env::var_os("PARLEY_REQUIRE_ESPEAK").is_none(),
                "espeak-ng is required (PARLEY_REQUIRE_ESPEAK) but cannot be run"
            );
            eprintln!("skipped: espeak-ng is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let t = vec![
            monologue(1, 2_000, "Thanks for making the time today."),
            monologue(2, 12_000, "Of course, we have been looking forward to it."),
        ];
        let (flac, waveform) = render(&lines_of(&t), 20_000, dir.path()).unwrap();
        let audio = parley_media::decode(
            std::io::Cursor::new(flac),
            Some("flac"),
            &parley_media::DecodeOptions::default(),
        )
        .unwrap();
        assert_eq!(audio.duration_ms, 20_000);
        let ch = &audio.channels[0];
        let loud = |from_ms: usize, to_ms: usize| {
            ch[from_ms * 16..to_ms * 16].iter().any(|s| s.abs() > 0.05)
        };
        assert!(!loud(0, 1_990), "silence before the first line");
        assert!(loud(2_000, 4_000), "the first line");
        assert!(!loud(9_000, 11_990), "silence between the lines");
        assert!(loud(12_000, 14_000), "the second line");
        // The waveform drawn beside it is the recording's own: the same peaks as the
        // decoded file's (FLAC is lossless; rounding to a byte may differ by one).
        assert_eq!(waveform.duration_ms, 20_000);
        let decoded = parley_domain::Waveform::of_channels(&audio.channels, 16_000, 20_000);
        assert_eq!(waveform.peaks.len(), decoded.peaks.len());
        for (i, (a, b)) in waveform.peaks.iter().zip(&decoded.peaks).enumerate() {
            assert!(a.abs_diff(*b) <= 1, "bucket {i}: {a} against {b}");
        }
        assert!(
            waveform.peaks[..39].iter().all(|&p| p == 0),
            "silence before the first line"
        );
        assert!(
            waveform.peaks[40..80].iter().any(|&p| p > 12),
            "the first line"
        );
        // No stray work files: the WAV scratch file goes with the render.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
