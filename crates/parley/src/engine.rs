//! Speech engines in supervised child processes.
//!
//! Everything that calls into CTranslate2 or ONNX Runtime (transcription, VAD, voice
//! embeddings) runs in `parley engine-host`, a hidden subcommand of this binary that a
//! worker starts (one per transcription slot) and talks to over the child's stdin and
//! stdout. A crash in native code (a SIGFPE, an abort, the OOM killer) then ends one job
//! attempt instead of the API server: the worker records why on the job
//! ([`TranscribeError::Crashed`]), the next request starts a fresh child, and the jobs stay
//! in the database as before. The boundary is about isolation, not a second queue: a child
//! serves one request at a time and holds nothing between them but the loaded models.
//!
//! Protocol version [`PROTOCOL`], all integers little-endian:
//! - child → worker, once: a hello line `{"parley_engine":1,"model":"whisper-base","pid":42}`,
//!   or `{"parley_engine":1,"error":"..."}` and exit status 1 when the models do not load;
//! - worker → child, per request: one JSON header line, `{"op":"transcribe","language":null,
//!   "max_speakers":2,"source_channel_index":[0,1],"samples":[n0,n1]}` or
//!   `{"op":"voiceprint","samples":[n0]}`, then each channel's `n` samples as raw f32;
//! - child → worker: any number of `{"progress":0.42}` lines, then one final line:
//!   `{"transcribed":{...}}`, `{"voiceprint":[...]}` / `{"voiceprint":null}`, or
//!   `{"error":{"input":true,"message":"..."}}` (`input`: the recording is at fault).
//!
//! End of input ends the child. A child that dies, breaks the framing or passes the
//! request's deadline is killed and reaped, and its exit status becomes the reason.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parley_app::worker::{Hints, Recognised, TranscribeError, Transcriber};
use parley_domain::{FoundVoice, VoiceUtterance, Word};
use parley_media::DecodedAudio;
use serde::{Deserialize, Serialize};

use crate::asr::LocalAsr;

/// The protocol spoken between a worker and its engine hosts. A host built from another
/// version (the binary was replaced under a running worker) is refused at hello.
pub const PROTOCOL: u32 = 1;

/// Test-only switch read by the engine host: `fpe`, `segv`, `abort` or `hang` makes it die
/// (or hang) on every request after a first progress report, as a crash in native code
/// would; `pause` makes it wait 5 s after that report and then work normally (so a test can
/// catch a job mid-run however fast the machine); `stdout` makes it print to its standard
/// output first, as a chatty native library would. The binary's tests use it to check the supervision; nothing else should set it.
pub const TEST_CRASH_ENV: &str = "PARLEY_TEST_ENGINE_CRASH";

/// Longest header line a host accepts.
const MAX_HEADER: usize = 1 << 20;
/// Longest reply line a worker accepts (a long call's transcript is a few MB).
const MAX_REPLY: usize = 256 << 20;
/// Most channels and samples per channel in one request (12 h at 16 kHz).
const MAX_CHANNELS: usize = 64;
const MAX_SAMPLES: usize = 16_000 * 3600 * 12;
/// How long a host may take to load its models and say hello.
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a host that closed its pipes gets to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);
/// Stderr lines: longest kept, most logged per minute, last few kept for a crash report.
const MAX_STDERR_LINE: usize = 2048;
const STDERR_LINES_PER_MINUTE: u32 = 200;
const STDERR_TAIL: usize = 12;

#[derive(Debug, Serialize, Deserialize)]
struct Hello {
    parley_engine: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
enum Request {
    Transcribe {
        language: Option<String>,
        max_speakers: usize,
        source_channel_index: Vec<usize>,
        samples: Vec<usize>,
    },
    Voiceprint {
        samples: Vec<usize>,
    },
}

impl Request {
    fn samples(&self) -> &[usize] {
        match self {
            Request::Transcribe { samples, .. } | Request::Voiceprint { samples } => samples,
        }
    }

    /// Names the request in crash reasons (`signal 8 (SIGFPE) in transcribe`).
    fn op(&self) -> &'static str {
        match self {
            Request::Transcribe { .. } => "transcribe",
            Request::Voiceprint { .. } => "voiceprint",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Progress(f32),
    Transcribed(WireRecognised),
    Voiceprint(Option<Vec<f32>>),
    Error { input: bool, message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WireRecognised {
    model: String,
    language: String,
    voices: Vec<WireVoice>,
    utterances: Vec<WireUtterance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WireVoice {
    channel: Option<u32>,
    speech_ms: i64,
    voice: Option<Vec<f32>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WireUtterance {
    voice: usize,
    start_ms: i64,
    end_ms: i64,
    text: String,
    words: Vec<WireWord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WireWord {
    start_ms: i64,
    end_ms: i64,
    text: String,
}

impl From<Recognised> for WireRecognised {
    fn from(r: Recognised) -> Self {
        WireRecognised {
            model: r.model,
            language: r.language,
            voices: r
                .voices
                .into_iter()
                .map(|v| WireVoice {
                    channel: v.channel,
                    speech_ms: v.speech_ms,
                    voice: v.voice,
                })
                .collect(),
            utterances: r
                .utterances
                .into_iter()
                .map(|u| WireUtterance {
                    voice: u.voice,
                    start_ms: u.start_ms,
                    end_ms: u.end_ms,
                    text: u.text,
                    words: u
                        .words
                        .into_iter()
                        .map(|w| WireWord {
                            start_ms: w.start_ms,
                            end_ms: w.end_ms,
                            text: w.text,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<WireRecognised> for Recognised {
    fn from(r: WireRecognised) -> Self {
        Recognised {
            model: r.model,
            language: r.language,
            voices: r
                .voices
                .into_iter()
                .map(|v| FoundVoice {
                    channel: v.channel,
                    speech_ms: v.speech_ms,
                    voice: v.voice,
                })
                .collect(),
            utterances: r
                .utterances
                .into_iter()
                .map(|u| VoiceUtterance {
                    voice: u.voice,
                    start_ms: u.start_ms,
                    end_ms: u.end_ms,
                    text: u.text,
                    words: u
                        .words
                        .into_iter()
                        .map(|w| Word {
                            start_ms: w.start_ms,
                            end_ms: w.end_ms,
                            text: w.text,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One line without its newline; `None` at a clean end of input. A line longer than `max`
/// or cut off by the end of input is an error: the framing cannot be trusted after it.
fn read_line(r: &mut impl BufRead, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    r.take(max as u64 + 1).read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        let why = if buf.len() > max {
            format!("a line longer than {max} bytes")
        } else {
            "a line cut off by the end of input".to_owned()
        };
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    buf.pop();
    Ok(Some(buf))
}

fn write_line(w: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line)?;
    w.flush()
}

/// Writes channels as raw little-endian f32, a slice at a time (no second copy of the
/// recording in memory).
fn write_channels(w: &mut impl Write, channels: &[Vec<f32>]) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(16 * 1024 * 4);
    for c in channels {
        for chunk in c.chunks(16 * 1024) {
            bytes.clear();
            for s in chunk {
                bytes.extend_from_slice(&s.to_le_bytes());
            }
            w.write_all(&bytes)?;
        }
    }
    w.flush()
}

fn read_channels(r: &mut impl Read, samples: &[usize]) -> io::Result<Vec<Vec<f32>>> {
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
    if samples.len() > MAX_CHANNELS {
        return Err(bad(format!(
            "{} channels (at most {MAX_CHANNELS})",
            samples.len()
        )));
    }
    if let Some(n) = samples.iter().find(|&&n| n > MAX_SAMPLES) {
        return Err(bad(format!("{n} samples (at most {MAX_SAMPLES})")));
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(samples.len());
    for &n in samples {
        let mut c = Vec::with_capacity(n);
        let mut left = n * 4;
        while left > 0 {
            let take = left.min(buf.len());
            r.read_exact(&mut buf[..take])?;
            c.extend(
                buf[..take]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            left -= take;
        }
        out.push(c);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The child: `parley engine-host`.

/// Runs the engine host on stdin/stdout until its input ends. `load` loads the models;
/// its error is reported in the hello line.
pub fn host_main(load: impl FnOnce() -> anyhow::Result<LocalAsr>) -> anyhow::Result<()> {
    let out = Mutex::new(protocol_output()?);
    let send = |reply: &dyn ErasedReply| -> io::Result<()> {
        let mut w = lock(&out);
        reply.write_to(&mut *w)
    };
    // The host is long-lived: it waits for Whisper (which `Engine::load` leaves loading in
    // the background, for one-shot `parley transcribe`) so that a model that cannot load is
    // reported in the hello, not by every job.
    let loaded = load().and_then(|asr| {
        asr.engine().ready()?;
        Ok(asr)
    });
    let asr = match loaded {
        Ok(asr) => asr,
        Err(e) => {
            let message = format!("{e:#}");
            let _ = send(&Hello {
                parley_engine: PROTOCOL,
                model: None,
                pid: None,
                error: Some(message),
            });
            // The worker reports the error from the hello; a second copy on stderr would
            // only repeat it in its log.
            std::process::exit(1);
        }
    };
    send(&Hello {
        parley_engine: PROTOCOL,
        model: Some(asr.engine().model_name().to_owned()),
        pid: Some(std::process::id()),
        error: None,
    })?;
    let mut input = BufReader::new(io::stdin().lock());
    loop {
        let Some(header) = read_line(&mut input, MAX_HEADER)? else {
            // The worker closed our input: it is done with us.
            return Ok(());
        };
        let req: Request = serde_json::from_slice(&header)
            .map_err(|e| anyhow::anyhow!("bad request header: {e}"))?;
        let channels = read_channels(&mut input, req.samples())?;
        tracing::debug!(op = req.op(), channels = channels.len(), "request");
        test_crash_switch(&|p| send(&Reply::Progress(p)));

        let last = AtomicU32::new(f32::NEG_INFINITY.to_bits());
        let progress = |p: f32| {
            // Whisper reports per segment; a line per whole percent is plenty.
            if p < f32::from_bits(last.load(Ordering::Relaxed)) + 0.01 && p < 1.0 {
                return;
            }
            last.store(p.to_bits(), Ordering::Relaxed);
            if send(&Reply::Progress(p)).is_err() {
                // The worker is gone (killed with its server): nobody wants the result.
                std::process::exit(0);
            }
        };
        let reply = match &req {
            Request::Transcribe {
                language,
                max_speakers,
                source_channel_index,
                ..
            } => {
                let hints = Hints {
                    language: language.clone(),
                    max_speakers: *max_speakers,
                };
                match asr.recognise(&channels, source_channel_index, &hints, &progress) {
                    Ok(r) => Reply::Transcribed(r.into()),
                    Err(e) => Reply::Error {
                        input: matches!(e, TranscribeError::Input(_)),
                        message: e.to_string(),
                    },
                }
            }
            Request::Voiceprint { .. } => match asr.engine().voiceprint(&channels) {
                Ok(v) => Reply::Voiceprint(v),
                Err(e) => Reply::Error {
                    input: matches!(e, parley_asr::AsrError::NoAudio),
                    message: e.to_string(),
                },
            },
        };
        if send(&reply).is_err() {
            return Ok(());
        }
    }
}

/// The stdout the worker reads, moved to a descriptor of its own, with descriptor 1 pointed
/// at stderr: whatever else prints to stdout (a native library, a stray `println!`) then
/// lands in the worker's log instead of in the protocol.
fn protocol_output() -> io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain descriptor calls on the process's own standard descriptors; the new
    // descriptor is owned by the returned File and by nothing else.
    unsafe {
        let fd = libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let file = std::fs::File::from_raw_fd(fd);
        if libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(file)
    }
}

/// Lets one closure send both hello and reply lines.
trait ErasedReply {
    fn write_to(&self, w: &mut dyn Write) -> io::Result<()>;
}

impl<T: Serialize> ErasedReply for T {
    fn write_to(&self, mut w: &mut dyn Write) -> io::Result<()> {
        write_line(&mut w, self)
    }
}

/// See [`TEST_CRASH_ENV`].
fn test_crash_switch(progress: &dyn Fn(f32) -> io::Result<()>) {
    let Ok(mode) = std::env::var(TEST_CRASH_ENV) else {
        return;
    };
    let _ = progress(0.01);
    match mode.as_str() {
        "fpe" => die_by(libc::SIGFPE),
        "segv" => die_by(libc::SIGSEGV),
        "abort" => std::process::abort(),
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "pause" => std::thread::sleep(Duration::from_secs(5)),
        "stdout" => {
            let chatter = b"native library chatter on stdout\n";
            // SAFETY: writes a static buffer to descriptor 1, as C code's printf would.
            unsafe { libc::write(libc::STDOUT_FILENO, chatter.as_ptr().cast(), chatter.len()) };
        }
        other => tracing::warn!(mode = other, "unknown {TEST_CRASH_ENV} mode; ignored"),
    }
}

/// Dies of `signal` as a fault in native code would. The default action is restored first
/// because Rust's runtime handles SIGSEGV itself (for stack overflows).
fn die_by(signal: libc::c_int) -> ! {
    // SAFETY: resetting a signal to its default action and raising it in this process
    // touches no memory of ours; the process ends here.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
    std::process::abort()
}

// ---------------------------------------------------------------------------------------
// The worker's side.

/// How to start an engine host and how long it may take.
#[derive(Debug, Clone)]
pub struct EngineSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// A request is killed after `timeout + timeout_factor × audio length`.
    pub timeout: Duration,
    pub timeout_factor: f64,
}

impl EngineSpec {
    pub fn deadline(&self, audio_ms: u64) -> Duration {
        let factor = if self.timeout_factor.is_finite() {
            self.timeout_factor.clamp(0.0, 1e6)
        } else {
            0.0
        };
        let scaled = audio_ms as f64 / 1000.0 * factor;
        self.timeout
            .saturating_add(Duration::try_from_secs_f64(scaled).unwrap_or(Duration::MAX))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding one of these leaves nothing half-updated that
    // matters here (a child handle, a list of idle hosts).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a child's exit status means, in the words a job record uses.
pub fn describe_exit(status: ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        if signal == libc::SIGKILL {
            return "killed (signal 9, SIGKILL: out of memory?)".to_owned();
        }
        let name = match signal {
            libc::SIGHUP => "SIGHUP",
            libc::SIGINT => "SIGINT",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGILL => "SIGILL",
            libc::SIGTRAP => "SIGTRAP",
            libc::SIGABRT => "SIGABRT",
            libc::SIGBUS => "SIGBUS",
            libc::SIGFPE => "SIGFPE",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGPIPE => "SIGPIPE",
            libc::SIGTERM => "SIGTERM",
            libc::SIGSYS => "SIGSYS",
            _ => return format!("signal {signal}"),
        };
        return format!("signal {signal} ({name})");
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "exited".to_owned(),
    }
}

/// Kills `child` unless `done` is dropped first; says whether it fired.
struct Watchdog {
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<bool>>,
}

impl Watchdog {
    fn arm(child: Arc<Mutex<Child>>, after: Duration) -> Watchdog {
        let (done, wait) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("engine-deadline".into())
            .spawn(move || match wait.recv_timeout(after) {
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = lock(&child).kill();
                    true
                }
                _ => false,
            })
            .map_err(
                |e| tracing::warn!(error = %e, "no deadline thread; the request runs unguarded"),
            )
            .ok();
        Watchdog {
            done: Some(done),
            thread,
        }
    }

    /// Stops the watchdog; true when it killed the child.
    fn disarm(mut self) -> bool {
        drop(self.done.take());
        self.thread
            .take()
            .is_some_and(|t| t.join().unwrap_or(false))
    }
}

enum Failed {
    /// A pipe broke or closed: the child is dying or dead.
    Io(io::Error),
    /// The child said something that is not the protocol.
    Protocol(String),
}

/// One running engine host.
struct Host {
    // Shared with the deadline thread, which kills it. The child is reaped only after that
    // thread has stopped, so its pid cannot be reused under it.
    child: Arc<Mutex<Child>>,
    pid: u32,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Option<JoinHandle<()>>,
    tail: Arc<Mutex<VecDeque<String>>>,
    model: String,
}

impl Host {
    fn start(spec: &EngineSpec) -> Result<Host, String> {
        let mut child = Command::new(&spec.program)
            .args(&spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C meant for the server (which shuts down
            // gracefully) must not reach the engine and look like a crash.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.program.display()))?;
        let pid = child.id();
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the engine host has no pipes".to_owned());
        };
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let stderr = {
            let tail = tail.clone();
            std::thread::Builder::new()
                .name("engine-stderr".into())
                .spawn(move || forward_stderr(pid, stderr, &tail))
                .ok()
        };
        let mut host = Host {
            child: Arc::new(Mutex::new(child)),
            pid,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            stderr,
            tail,
            model: String::new(),
        };
        let dog = Watchdog::arm(host.child.clone(), START_TIMEOUT);
        let hello = read_line(&mut host.stdout, MAX_HEADER);
        let timed_out = dog.disarm();
        let hello = match hello {
            Ok(Some(line)) => serde_json::from_slice::<Hello>(&line)
                .map_err(|e| format!("bad hello from the engine host: {e}")),
            Ok(None) => Err(String::new()),
            Err(e) => Err(format!("bad hello from the engine host: {e}")),
        };
        let reason = match hello {
            Ok(h) if h.parley_engine != PROTOCOL => format!(
                "the engine host speaks protocol {}, this worker {PROTOCOL} (was the binary replaced? restart the worker)",
                h.parley_engine
            ),
            Ok(Hello {
                error: Some(e), ..
            }) => e,
            Ok(Hello {
                model: Some(model),
                ..
            }) => {
                host.model = model;
                tracing::info!(engine_pid = pid, model = %host.model, "speech engine started");
                return Ok(host);
            }
            Ok(_) => "the engine host's hello names no model".to_owned(),
            Err(e) => e,
        };
        let (status, _) = host.reap(EXIT_GRACE);
        Err(if timed_out {
            format!("no hello within {} s", START_TIMEOUT.as_secs())
        } else if reason.is_empty() {
            format!("{} at start-up", describe_exit(status))
        } else {
            reason
        })
    }

    /// The child's exit status once it has gone: waits up to `grace` for it to exit by
    /// itself, then kills it. True when it had to be killed.
    fn reap(&mut self, grace: Duration) -> (ExitStatus, bool) {
        drop(self.stdin.take());
        let until = Instant::now() + grace;
        let mut child = lock(&self.child);
        let (status, killed) = loop {
            match child.try_wait() {
                Ok(Some(status)) => break (Some(status), false),
                Ok(None) if Instant::now() < until => {
                    drop(child);
                    std::thread::sleep(Duration::from_millis(20));
                    child = lock(&self.child);
                }
                _ => {
                    let _ = child.kill();
                    break (child.wait().ok(), true);
                }
            }
        };
        drop(child);
        // The child is gone, so its stderr ends: let the last lines reach the log first.
        if let Some(t) = self.stderr.take() {
            let _ = t.join();
        }
        (status.unwrap_or_else(|| ExitStatus::from_raw(0)), killed)
    }

    /// Exited while idle? Then its status.
    fn exited(&self) -> Option<ExitStatus> {
        lock(&self.child).try_wait().ok().flatten()
    }

    fn tail(&self) -> Vec<String> {
        lock(&self.tail).iter().cloned().collect()
    }

    fn exchange(
        &mut self,
        req: &Request,
        channels: &[Vec<f32>],
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Reply, Failed> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| Failed::Io(io::ErrorKind::BrokenPipe.into()))?;
        write_line(stdin, req).map_err(Failed::Io)?;
        write_channels(stdin, channels).map_err(Failed::Io)?;
        loop {
            let line = match read_line(&mut self.stdout, MAX_REPLY) {
                Ok(Some(line)) => line,
                Ok(None) => return Err(Failed::Io(io::ErrorKind::UnexpectedEof.into())),
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    return Err(Failed::Protocol(e.to_string()))
                }
                Err(e) => return Err(Failed::Io(e)),
            };
            let reply: Reply = serde_json::from_slice(&line)
                .map_err(|e| Failed::Protocol(format!("bad reply: {e}")))?;
            match (reply, req) {
                (Reply::Progress(p), _) => {
                    if p.is_finite() {
                        progress(p.clamp(0.0, 1.0));
                    }
                }
                (r @ Reply::Error { .. }, _)
                | (r @ Reply::Transcribed(_), Request::Transcribe { .. })
                | (r @ Reply::Voiceprint(_), Request::Voiceprint { .. }) => return Ok(r),
                _ => return Err(Failed::Protocol("a reply to another request".to_owned())),
            }
        }
    }

    /// Sends one request and returns its final reply, or why the host died on it (the
    /// host is then gone).
    fn request(
        &mut self,
        req: &Request,
        channels: &[Vec<f32>],
        deadline: Duration,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Reply, String> {
        let dog = Watchdog::arm(self.child.clone(), deadline);
        let result = self.exchange(req, channels, progress);
        let timed_out = dog.disarm();
        let failed = match result {
            Ok(reply) => return Ok(reply),
            Err(f) => f,
        };
        let op = req.op();
        let grace = match failed {
            Failed::Io(_) => EXIT_GRACE,
            Failed::Protocol(_) => Duration::ZERO,
        };
        let (status, killed) = self.reap(grace);
        Err(if timed_out {
            format!("timed out after {} s in {op}", deadline.as_secs())
        } else if !killed {
            format!("{} in {op}", describe_exit(status))
        } else {
            match failed {
                Failed::Io(e) => format!("the engine host stopped talking ({e}) in {op}"),
                Failed::Protocol(e) => format!("the engine host broke the protocol ({e}) in {op}"),
            }
        })
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            // Idle: it would exit at the end of its input; no need to wait for that.
            self.reap(Duration::ZERO);
        }
    }
}

/// Copies a host's stderr (its log and whatever the native libraries print) into ours,
/// bounded per line and per minute, keeping the last lines for a crash report.
fn forward_stderr(pid: u32, stderr: ChildStderr, tail: &Mutex<VecDeque<String>>) {
    let mut r = BufReader::new(stderr);
    let mut window = Instant::now();
    let (mut logged, mut dropped) = (0u32, 0u64);
    loop {
        let mut buf = Vec::new();
        match (&mut r)
            .take(MAX_STDERR_LINE as u64)
            .read_until(b'\n', &mut buf)
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if buf.last() != Some(&b'\n') {
            // Longer than we keep: skip to its end.
            let mut rest = Vec::new();
            let _ = (&mut r).take(1 << 20).read_until(b'\n', &mut rest);
        }
        let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
        if line.is_empty() {
            continue;
        }
        {
            let mut t = lock(tail);
            if t.len() == STDERR_TAIL {
                t.pop_front();
            }
            t.push_back(line.clone());
        }
        if window.elapsed() >= Duration::from_secs(60) {
            if dropped > 0 {
                tracing::warn!(
                    engine_pid = pid,
                    dropped,
                    "engine host output not logged (too much)"
                );
            }
            window = Instant::now();
            (logged, dropped) = (0, 0);
        }
        if logged >= STDERR_LINES_PER_MINUTE {
            dropped += 1;
            continue;
        }
        logged += 1;
        let trimmed = line.trim_start();
        if trimmed.starts_with("WARN") || trimmed.starts_with("ERROR") {
            tracing::warn!(engine_pid = pid, "engine: {trimmed}");
        } else {
            tracing::info!(engine_pid = pid, "engine: {trimmed}");
        }
    }
    if dropped > 0 {
        tracing::warn!(
            engine_pid = pid,
            dropped,
            "engine host output not logged (too much)"
        );
    }
}

/// The worker's speech engine: engine hosts started on demand, one per request in flight,
/// kept between requests while they live.
pub struct EngineHosts {
    spec: EngineSpec,
    model: String,
    idle: Mutex<Vec<Host>>,
    starts: Mutex<StartBackoff>,
}

#[derive(Default)]
struct StartBackoff {
    failures: u32,
    not_before: Option<Instant>,
}

impl EngineHosts {
    /// Starts the first host now, so that a model that does not load is reported when the
    /// worker starts rather than at its first job. Blocking.
    pub fn start(spec: EngineSpec) -> Result<EngineHosts, String> {
        let host = Host::start(&spec)?;
        Ok(EngineHosts {
            spec,
            model: host.model.clone(),
            idle: Mutex::new(vec![host]),
            starts: Mutex::default(),
        })
    }

    fn take(&self) -> Result<Host, TranscribeError> {
        loop {
            let Some(host) = lock(&self.idle).pop() else {
                break;
            };
            match host.exited() {
                None => return Ok(host),
                Some(status) => tracing::warn!(
                    engine_pid = host.pid,
                    reason = %describe_exit(status),
                    stderr_tail = ?host.tail(),
                    "idle speech engine died; starting another"
                ),
            }
        }
        self.spawn()
    }

    /// A new host, spaced out after failed starts (an engine that dies while loading its
    /// models would otherwise be restarted in a tight loop).
    fn spawn(&self) -> Result<Host, TranscribeError> {
        let mut backoff = lock(&self.starts);
        if let Some(at) = backoff.not_before {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
        }
        match Host::start(&self.spec) {
            Ok(host) => {
                *backoff = StartBackoff::default();
                if host.model != self.model {
                    tracing::warn!(engine_pid = host.pid, model = %host.model, expected = %self.model, "the restarted speech engine loaded another model");
                }
                Ok(host)
            }
            Err(reason) => {
                backoff.failures += 1;
                let wait = Duration::from_secs((1u64 << backoff.failures.min(6)).min(60));
                backoff.not_before = Some(Instant::now() + wait);
                tracing::error!(reason = %reason, failures = backoff.failures, retry_in_s = wait.as_secs(), "speech engine did not start");
                Err(TranscribeError::Engine(format!(
                    "the speech engine did not start: {reason}"
                )))
            }
        }
    }

    fn run(
        &self,
        req: &Request,
        channels: &[Vec<f32>],
        deadline: Duration,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Reply, TranscribeError> {
        let mut host = self.take()?;
        match host.request(req, channels, deadline, progress) {
            Ok(reply) => {
                lock(&self.idle).push(host);
                Ok(reply)
            }
            Err(reason) => {
                tracing::error!(engine_pid = host.pid, reason = %reason, stderr_tail = ?host.tail(), "speech engine died; the next request starts a new one");
                Err(TranscribeError::Crashed { reason })
            }
        }
    }

    /// A voiceprint of a recording of one person, computed in an engine host.
    pub fn voiceprint(&self, channels: &[Vec<f32>]) -> Result<Option<Vec<f32>>, TranscribeError> {
        let req = Request::Voiceprint {
            samples: channels.iter().map(Vec::len).collect(),
        };
        let audio_ms = channels.first().map_or(0, |c| c.len() as u64 / 16);
        match self.run(&req, channels, self.spec.deadline(audio_ms), &|_| {})? {
            Reply::Voiceprint(v) => Ok(v),
            Reply::Error {
                input: true,
                message,
            } => Err(TranscribeError::Input(message)),
            Reply::Error { message, .. } => Err(TranscribeError::Engine(message)),
            _ => Err(TranscribeError::Engine("unexpected reply".to_owned())),
        }
    }
}

impl Transcriber for EngineHosts {
    fn model(&self) -> String {
        self.model.clone()
    }

    fn transcribe(
        &self,
        audio: &DecodedAudio,
        hints: &Hints,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Recognised, TranscribeError> {
        let req = Request::Transcribe {
            language: hints.language.clone(),
            max_speakers: hints.max_speakers,
            source_channel_index: audio.source_channel_index.clone(),
            samples: audio.channels.iter().map(Vec::len).collect(),
        };
        let deadline = self.spec.deadline(audio.duration_ms);
        match self.run(&req, &audio.channels, deadline, progress)? {
            Reply::Transcribed(r) => Ok(r.into()),
            Reply::Error {
                input: true,
                message,
            } => Err(TranscribeError::Input(message)),
            Reply::Error { message, .. } => Err(TranscribeError::Engine(message)),
            _ => Err(TranscribeError::Engine("unexpected reply".to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit_of(script: &str) -> ExitStatus {
        Command::new("sh").args(["-c", script]).status().unwrap()
    }

    #[test]
    fn exit_statuses_read_as_reasons() {
        assert_eq!(describe_exit(exit_of("kill -FPE $$")), "signal 8 (SIGFPE)");
        assert_eq!(
            describe_exit(exit_of("kill -SEGV $$")),
            "signal 11 (SIGSEGV)"
        );
        assert_eq!(
            describe_exit(exit_of("kill -ABRT $$")),
            "signal 6 (SIGABRT)"
        );
        assert_eq!(
            describe_exit(exit_of("kill -KILL $$")),
            "killed (signal 9, SIGKILL: out of memory?)"
        );
        assert_eq!(describe_exit(exit_of("exit 134")), "exit status 134");
        assert_eq!(describe_exit(exit_of("kill -USR1 $$")), "signal 10");
    }

    #[test]
    fn a_request_and_its_audio_round_trip() {
        let req = Request::Transcribe {
            language: Some("en".into()),
            max_speakers: 2,
            source_channel_index: vec![0, 1],
            samples: vec![3, 40_000],
        };
        let channels = vec![
            vec![0.0, -1.0, f32::MIN_POSITIVE],
            (0..40_000).map(|i| (i as f32 * 0.001).sin()).collect(),
        ];
        let mut wire = Vec::new();
        write_line(&mut wire, &req).unwrap();
        write_channels(&mut wire, &channels).unwrap();
        assert!(wire.starts_with(br#"{"op":"transcribe","language":"en""#));
        let mut r = io::Cursor::new(wire);
        let header = read_line(&mut r, MAX_HEADER).unwrap().unwrap();
        let back: Request = serde_json::from_slice(&header).unwrap();
        assert_eq!(back, req);
        assert_eq!(read_channels(&mut r, back.samples()).unwrap(), channels);
        assert_eq!(read_line(&mut r, MAX_HEADER).unwrap(), None, "clean end");
    }

    #[test]
    fn broken_framing_is_an_error_not_a_guess() {
        let mut cut = io::Cursor::new(b"{\"op\":\"voicepr".to_vec());
        assert!(read_line(&mut cut, MAX_HEADER).is_err());
        let mut long = io::Cursor::new(vec![b'x'; 100]);
        assert!(read_line(&mut long, 10).is_err());
        let mut short = io::Cursor::new(vec![0u8; 10]);
        assert!(read_channels(&mut short, &[3]).is_err(), "10 of 12 bytes");
        assert!(read_channels(&mut io::empty(), &[MAX_SAMPLES + 1]).is_err());
        assert!(read_channels(&mut io::empty(), &vec![0; MAX_CHANNELS + 1]).is_err());
    }

    #[test]
    fn replies_are_one_small_line_each() {
        let line = serde_json::to_string(&Reply::Progress(0.5)).unwrap();
        assert_eq!(line, r#"{"progress":0.5}"#);
        let line = serde_json::to_string(&Reply::Error {
            input: true,
            message: "no audio".into(),
        })
        .unwrap();
        assert_eq!(line, r#"{"error":{"input":true,"message":"no audio"}}"#);
        let voice = vec![0.1f32, -0.333_333_34, 1e-7];
        let line = serde_json::to_string(&Reply::Voiceprint(Some(voice.clone()))).unwrap();
        let back: Reply = serde_json::from_str(&line).unwrap();
        assert_eq!(back, Reply::Voiceprint(Some(voice)), "floats exact");
    }

    #[test]
    fn the_deadline_scales_with_the_audio() {
        let spec = EngineSpec {
            program: "parley".into(),
            args: vec![],
            timeout: Duration::from_secs(60),
            timeout_factor: 4.0,
        };
        assert_eq!(spec.deadline(140_000), Duration::from_secs(620));
        assert_eq!(spec.deadline(0), Duration::from_secs(60));
        let odd = EngineSpec {
            timeout_factor: f64::NAN,
            ..spec.clone()
        };
        assert_eq!(odd.deadline(1_000), Duration::from_secs(60));
    }
}
