//! The speech commands: `transcribe`, `worker`, media `import`, `speakers`, and the worker
//! set-up `serve` shares.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Serialize;

use parley_app::worker::{Transcriber, Workers};
use parley_domain::{CallId, Direction, JobKind, JobState, NewCall, NewParty, PartyId, SpeakerId};
use parley_store::Store;

use crate::asr::LocalAsr;
use crate::engine::{EngineHosts, EngineSpec};
use crate::settings::Settings;
use crate::{app_error, open_store};

/// Loads the speech engine into this process: only `engine-host` and the one-shot
/// `parley transcribe` do; workers use [`engine_hosts`].
pub fn load_asr(settings: &Settings) -> Result<LocalAsr> {
    let (models, model) = (&settings.models, &settings.asr_model);
    LocalAsr::load(models, model, settings.asr_threads).with_context(|| {
        format!(
            "loading speech model {model:?} from {} (run scripts/fetch-models.sh to fetch the models)",
            models.display()
        )
    })
}

/// How this process starts its engine hosts: this binary's `engine-host` with the
/// resolved speech settings, so that the child needs no config file of its own.
fn engine_spec(settings: &Settings) -> Result<EngineSpec> {
    let program =
        std::env::current_exe().context("finding this program to start the speech engine")?;
    let args = vec![
        "engine-host".into(),
        "--models".into(),
        settings.models.clone().into_os_string(),
        "--asr-model".into(),
        settings.asr_model.clone().into(),
        "--asr-threads".into(),
        settings.asr_threads.to_string().into(),
    ];
    Ok(EngineSpec {
        program,
        args,
        timeout: Duration::from_secs(settings.engine_timeout_secs),
        timeout_factor: settings.engine_timeout_factor,
    })
}

/// Starts a first engine host (blocking: it loads the models).
fn engine_hosts(settings: &Settings) -> Result<EngineHosts> {
    // The host's own error names the model, its folder and the fix.
    EngineHosts::start(engine_spec(settings)?)
        .map_err(|e| anyhow::anyhow!("starting the speech engine: {e}"))
}

/// Workers for `serve` and `worker`: transcription when the models load (otherwise the
/// jobs wait for a process that has them), media download always. The speech engine runs
/// in child processes (`engine`), never in this one.
pub async fn workers(
    settings: &Settings,
    store: Arc<dyn Store>,
    blobs: parley_blob::BlobStore,
) -> Result<Workers> {
    let s = settings.clone();
    let transcriber = tokio::task::spawn_blocking(move || engine_hosts(&s)).await?;
    let transcriber: Option<Arc<dyn Transcriber>> = match transcriber {
        Ok(t) => {
            tracing::info!(model = %t.model(), "speech recognition ready");
            Some(Arc::new(t))
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "speech recognition unavailable; transcription jobs stay queued");
            None
        }
    };
    let store_for_hooks = store.clone();
    Ok(Workers {
        store,
        blobs,
        transcriber,
        config: settings.worker_config()?,
        fetch: Some(Arc::new(settings.fetch_policy()?)),
        llm: crate::analysis_cli::llm_engine(settings)?,
        webhooks: Some(Arc::new(webhooks(settings, store_for_hooks)?)),
    })
}

/// What `deliver` jobs need: the server's call renderer (so `callData` is the API's), the
/// signing key file and the sending policy.
pub fn webhooks(
    settings: &Settings,
    store: Arc<dyn Store>,
) -> Result<parley_app::webhooks::Webhooks> {
    let server = settings.server_config()?;
    let render = gong_api_v2::calls::RenderCtx {
        tz: server.timezone,
        call_url_prefix: format!("{}/call?id=", server.public_url.trim_end_matches('/')),
    };
    Ok(parley_app::webhooks::Webhooks {
        renderer: Arc::new(parley_server::WebhookRenderer {
            store,
            render: Arc::new(render),
        }),
        keys: Arc::new(parley_app::webhooks::SigningKeys::new(
            settings.webhook_key_file(),
        )),
        config: settings.webhook_config()?,
    })
}

/// `parley worker`: runs workers until Ctrl-C / SIGTERM; with `drain`, runs the queued
/// jobs of `kinds` (every kind it can run when empty) until none is left.
pub async fn worker(settings: &Settings, drain: bool, kinds: &[String]) -> Result<()> {
    let chosen = kinds
        .iter()
        .map(|k| {
            JobKind::from_key(k).ok_or_else(|| {
                let known: Vec<_> = JobKind::ALL.iter().map(|k| k.key()).collect();
                anyhow::anyhow!("no job kind {k:?} (kinds: {})", known.join(", "))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let store = open_store(settings).await?;
    let blobs = parley_blob::BlobStore::open(&settings.media_url())?;
    let w = workers(settings, store, blobs).await?;
    let transcribes = chosen.is_empty() || chosen.contains(&JobKind::Transcribe);
    if w.transcriber.is_none() && transcribes {
        bail!(
            "this worker cannot transcribe: the speech models did not load (see the warning above)"
        );
    }
    if drain {
        let can = w.kinds();
        if let Some(k) = chosen.iter().find(|k| !can.contains(k)) {
            bail!("this worker cannot run {} jobs here", k.key());
        }
        let kinds = if chosen.is_empty() { can } else { chosen };
        let name = format!("{}-drain", parley_app::worker::default_worker_name());
        let mut ran = 0usize;
        while w.run_next(&name, &kinds).await? {
            ran += 1;
        }
        println!("{ran} queued jobs run");
        return Ok(());
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(w.run(stopped));
    crate::shutdown_signal().await;
    let _ = stop.send(true);
    let _ = run.await;
    Ok(())
}

#[derive(Serialize)]
struct JsonTranscript {
    language: String,
    duration_ms: i64,
    model: String,
    segments: Vec<JsonSegment>,
}

#[derive(Serialize)]
struct JsonSegment {
    speaker: String,
    start_ms: i64,
    end_ms: i64,
    text: String,
    words: Vec<JsonWord>,
}

#[derive(Serialize)]
struct JsonWord {
    start_ms: i64,
    end_ms: i64,
    word: String,
}

/// `parley transcribe FILE`: no server, no database.
pub fn transcribe(
    settings: &Settings,
    path: &Path,
    format: &str,
    language: Option<&str>,
    max_speakers: Option<usize>,
) -> Result<()> {
    if format != "text" && format != "json" {
        bail!("unknown format {format:?}: use text or json");
    }
    let language = language
        .map(|l| {
            parley_asr::lang::whisper_code(l)
                .map(str::to_owned)
                .with_context(|| format!("unknown language {l:?}"))
        })
        .transpose()?;
    let audio = parley_media::decode_file(path, &Default::default())
        .with_context(|| format!("reading {}", path.display()))?;
    let asr = load_asr(settings)?;
    let bar = ProgressBar::new(1000);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} transcribing {bar:30} {percent}% {elapsed}",
    )?);
    let opts = parley_asr::TranscribeOptions {
        language,
        max_speakers: max_speakers.unwrap_or(0),
    };
    let t = asr.engine().transcribe(&audio.channels, &opts, &|p| {
        bar.set_position((p * 1000.0) as u64)
    })?;
    bar.finish_and_clear();
    let label = |s: usize| match t.speakers.get(s).and_then(|sp| sp.channel) {
        Some(c) => format!(
            "channel-{}",
            audio.source_channel_index.get(c).copied().unwrap_or(c)
        ),
        None => format!("speaker-{}", s + 1),
    };
    let ms = |s: f32| (s * 1000.0).round() as i64;
    if format == "json" {
        let out = JsonTranscript {
            language: parley_asr::lang::iso639_2b(&t.language).to_owned(),
            duration_ms: ms(t.duration_s),
            model: t.model.clone(),
            segments: t
                .utterances
                .iter()
                .map(|u| JsonSegment {
                    speaker: label(u.speaker),
                    start_ms: ms(u.start),
                    end_ms: ms(u.end),
                    text: u.text.clone(),
                    words: u
                        .words
                        .iter()
                        .map(|w| JsonWord {
                            start_ms: ms(w.start),
                            end_ms: ms(w.end),
                            word: w.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for u in &t.utterances {
            let at = u.start as u64;
            println!(
                "[{:02}:{:02}:{:02}] {}: {}",
                at / 3600,
                at / 60 % 60,
                at % 60,
                label(u.speaker),
                u.text
            );
        }
    }
    Ok(())
}

const MEDIA_EXTENSIONS: &[&str] = &[
    "wav", "mp3", "flac", "ogg", "oga", "opus", "webm", "m4a", "mp4", "m4v", "mov", "mkv", "aac",
];

fn media_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            MEDIA_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                        })
                })
                .collect();
            entries.sort();
            out.extend(entries);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            bail!("{} does not exist", p.display());
        }
    }
    if out.is_empty() {
        bail!("no media files found");
    }
    Ok(out)
}

/// `parley import FILES...`: each recording becomes a call of `user`, its media is stored
/// and transcribed (here, with a progress bar per file, unless `no_wait`).
pub async fn import_media(
    settings: &Settings,
    paths: &[PathBuf],
    user: Option<&str>,
    no_wait: bool,
) -> Result<()> {
    let files = media_files(paths)?;
    let store = open_store(settings).await?;
    let blobs = parley_blob::BlobStore::open(&settings.media_url())?;
    let owner = match user {
        Some(email) => store
            .find_user_by_email(email)
            .await?
            .with_context(|| format!("no user with email {email}"))?,
        None => store
            .list_users(&Default::default(), None, 1)
            .await?
            .into_iter()
            .next()
            .context("the database has no users: add the recordings' owner with `parley users add --email EMAIL --name NAME` (or POST /parley/v1/users)")?,
    };
    let mut queued: Vec<(CallId, PathBuf, i64)> = Vec::new();
    for f in &files {
        let meta = std::fs::metadata(f)?;
        let started: chrono::DateTime<chrono::Utc> = meta
            .modified()
            .map(Into::into)
            .unwrap_or_else(|_| chrono::Utc::now());
        let sha = parley_app::media::sha256_file(f)?;
        let title = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Imported recording".to_owned());
        let created = parley_app::calls::create_call(
            store.as_ref(),
            NewCall {
                client_unique_id: format!("import:{sha}"),
                actual_start: started,
                workspace_id: None,
                title: Some(title),
                purpose: None,
                scheduled_start: None,
                scheduled_end: None,
                duration_s: None,
                disposition: None,
                direction: Direction::Conference,
                primary_user: owner.id,
                parties: vec![NewParty {
                    name: Some(owner.full_name()),
                    email: Some(owner.email.clone()),
                    user_id: Some(owner.id),
                    ..NewParty::default()
                }],
                context: Vec::new(),
                custom_data: None,
                meeting_url: None,
                call_provider_code: None,
                download_media_url: None,
                language_code: None,
                speakers_timeline: None,
            },
        )
        .await
        .map_err(app_error)?;
        if !created.new && store.call_media(created.call_id).await?.is_some() {
            println!(
                "{}: already imported as call {}",
                f.display(),
                created.call_id
            );
            continue;
        }
        let received = parley_app::media::Received {
            path: f.clone(),
            file_name: f.file_name().map(|n| n.to_string_lossy().into_owned()),
            content_type: None,
            size: meta.len(),
            sha256: sha,
        };
        let (job, _) = parley_app::media::store_media(&store, &blobs, created.call_id, received)
            .await
            .map_err(|e| match e {
                parley_app::AppError::NotMedia(m) => anyhow::anyhow!("{}: {m}", f.display()),
                other => app_error(other),
            })?;
        println!("{}: call {} (job {})", f.display(), created.call_id, job.id);
        queued.push((created.call_id, f.clone(), job.id));
    }
    if no_wait || queued.is_empty() {
        return Ok(());
    }

    let w = workers(settings, store.clone(), blobs).await?;
    if w.transcriber.is_none() {
        bail!("the recordings are queued, but this process cannot transcribe them (see the warning above); run `parley serve` or `parley worker` with the models");
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let run = tokio::spawn(w.run(stopped));
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:30!} {bar:30} {percent:>3}% {msg}")?;
    let bars: Vec<ProgressBar> = queued
        .iter()
        .map(|(_, f, _)| {
            let b = multi.add(ProgressBar::new(100));
            b.set_style(style.clone());
            b.set_prefix(
                f.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            );
            b.set_message("queued");
            b
        })
        .collect();
    let mut failed = 0;
    loop {
        let mut pending = 0;
        for ((_, _, job_id), bar) in queued.iter().zip(&bars) {
            if bar.is_finished() {
                continue;
            }
            let Some(job) = store.get_job(*job_id).await? else {
                continue;
            };
            match job.state {
                JobState::Done => {
                    bar.set_position(100);
                    bar.finish_with_message("done");
                }
                JobState::Failed => {
                    failed += 1;
                    bar.abandon_with_message(format!("failed: {}", job.error.unwrap_or_default()));
                }
                JobState::Running => {
                    pending += 1;
                    bar.set_position((job.progress.unwrap_or(0.0) * 100.0) as u64);
                    bar.set_message("transcribing");
                }
                JobState::Queued => {
                    pending += 1;
                    if let Some(e) = job.error {
                        bar.set_message(format!("retrying: {e}"));
                    }
                }
            }
        }
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = stop.send(true);
    let _ = run.await;
    if failed > 0 {
        bail!("{failed} of {} recordings failed", queued.len());
    }
    Ok(())
}

/// `parley enroll`: a user's voiceprint from a recording of them alone.
pub async fn enroll(settings: &Settings, email: &str, path: &Path) -> Result<()> {
    let store = open_store(settings).await?;
    let user = store
        .find_user_by_email(email)
        .await?
        .with_context(|| format!("no user with email {email}"))?;
    let (s, p) = (settings.clone(), path.to_owned());
    // In an engine host like the workers' transcriptions: a crash in native code is then
    // reported as an error, with its reason, instead of killing this command.
    let voice = tokio::task::spawn_blocking(move || -> Result<Option<Vec<f32>>> {
        let audio = parley_media::decode_file(&p, &Default::default())
            .with_context(|| format!("reading {}", p.display()))?;
        Ok(engine_hosts(&s)?.voiceprint(&audio.channels)?)
    })
    .await??
    .context("the recording has too little speech for a voiceprint (a few seconds are needed)")?;
    let mut profile = store
        .voice_profiles(&[user.id])
        .await?
        .pop()
        .unwrap_or_else(|| parley_domain::VoiceProfile::new(user.id));
    profile.learn(&voice);
    store
        .save_voice_profile(&profile, chrono::Utc::now())
        .await?;
    println!(
        "voice profile of {} updated ({} samples)",
        user.email, profile.samples
    );
    Ok(())
}

/// `parley speakers`: list a call's voices, or tie one to a party.
pub async fn speakers(
    store: &dyn Store,
    call: &str,
    speaker: Option<&str>,
    party: Option<&str>,
) -> Result<()> {
    let call_id = CallId(
        parley_domain::parse_id(call).with_context(|| format!("{call:?} is not a call id"))?,
    );
    if let (Some(speaker), Some(party)) = (speaker, party) {
        let speaker = SpeakerId(
            parley_domain::parse_id(speaker)
                .with_context(|| format!("{speaker:?} is not a speaker id"))?,
        );
        let party = PartyId(
            parley_domain::parse_id(party)
                .with_context(|| format!("{party:?} is not a party id"))?,
        );
        parley_app::speakers::assign_speaker(store, call_id, speaker, party)
            .await
            .map_err(app_error)?;
        println!("speaker {speaker} is now party {party}");
    }
    let parties = store
        .parties_of(&[call_id])
        .await?
        .remove(&call_id)
        .unwrap_or_default();
    for s in store.call_speakers(call_id).await? {
        let who = s
            .party_id
            .and_then(|p| parties.iter().find(|x| x.id == p))
            .map(|p| {
                format!(
                    "party {} {}",
                    p.id,
                    p.name.as_deref().unwrap_or("(unnamed)")
                )
            })
            .unwrap_or_else(|| "no party".to_owned());
        let channel = s
            .channel
            .map(|c| format!("channel {c}"))
            .unwrap_or_else(|| "mono".to_owned());
        println!(
            "speaker {}  {:<10} {:>6.1}s  {:<12} {}",
            s.speaker_id,
            channel,
            s.speech_ms as f64 / 1000.0,
            s.source.key(),
            who
        );
    }
    Ok(())
}
