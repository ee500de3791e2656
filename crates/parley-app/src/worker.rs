//! Background workers: they take jobs from the queue in the database (shared by every
//! process pointing at it) and run them. `parley serve` runs them in-process; `parley
//! worker` runs only them.
//!
//! A job is held under a lease that a heartbeat extends while it runs; a worker that dies
//! (even by `kill -9`) stops heartbeating, its lease runs out, and another worker takes the
//! job over from the start. Results are written fenced by the lease in the transaction
//! that marks the job done, so a late write from a stalled worker is refused and exactly
//! one result is kept.
//!
//! Decoding and speech recognition are CPU-bound and synchronous: they run on tokio's
//! blocking pool, never on the async runtime's threads.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use parley_domain::{
    map_voices, transcript_from_speech, Affiliation, CallId, CallSpeaker, FoundVoice, JobKind,
    JobLease, JobSpec, JobState, Party, PartyId, PartyMethod, SpeakerId, VoiceUtterance, Waveform,
    WorkerBeat,
};
use parley_media::{DecodeOptions, DecodedAudio, MediaError};
use parley_store::{Failure, Store, StoreError, TranscriptWrite};
use tokio::sync::watch;

use crate::error::AppError;
use crate::jobs::JobError;

/// Cosine similarity from which two voice embeddings count as the same person.
/// For CAM++ embeddings of whole speakers (tens of seconds): on real voices (9 council
/// members across meetings, 9 LibriSpeech readers) same-speaker 5 s windows averaged 0.69-0.72
/// and different speakers 0.14, with the equal-error point at 0.48-0.50.
pub const SAME_VOICE: f32 = 0.50;

/// What the speech engine tells a transcription to expect.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    /// ISO 639-1 language code, when the call says.
    pub language: Option<String>,
    /// Most voices a mono recording can have (the call's parties); 0 = unknown.
    pub max_speakers: usize,
}

/// A recording recognised: voices and what they said.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognised {
    pub model: String,
    /// ISO 639-2/B, as Gong reports a call's language.
    pub language: String,
    pub voices: Vec<FoundVoice>,
    /// In time order.
    pub utterances: Vec<VoiceUtterance>,
}

/// Why a transcription failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// Something about the setup (a missing model, the engine failing): retrying later
    /// may help.
    #[error("{0}")]
    Engine(String),
    /// The recording itself cannot be transcribed.
    #[error("{0}")]
    Input(String),
    /// The process running the engine died on this recording (a signal, an abort, an
    /// out-of-memory kill) or was killed at its deadline, e.g. `signal 8 (SIGFPE) in
    /// transcribe`. The job is retried in a fresh process until it has crashed one
    /// [`WorkerConfig::engine_crash_limit`] times.
    #[error("{reason}")]
    Crashed { reason: String },
}

/// A speech engine as the workers see it. The binary plugs `parley-asr` in, run in
/// supervised child processes so that a crash in native code ends a job attempt and not
/// the server; keeping the trait here keeps this crate (and its tests) free of the native
/// speech runtime.
pub trait Transcriber: Send + Sync + 'static {
    fn model(&self) -> String;
    /// Blocking: runs on a blocking thread. `progress` gets the share done (0.0 to 1.0).
    fn transcribe(
        &self,
        audio: &DecodedAudio,
        hints: &Hints,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<Recognised, TranscribeError>;
}

/// How workers run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this process in job records (host and pid by default).
    pub name: String,
    /// Transcriptions run at once by this process.
    pub concurrency: usize,
    /// Media jobs (`downloadMediaUrl` pulls, deletions of replaced recordings) run at once,
    /// in loops of their own: a slow pull never holds up a transcription.
    pub media_concurrency: usize,
    /// How long a job stays held without a heartbeat.
    pub lease_secs: u32,
    /// How often an idle worker looks for work.
    pub poll: Duration,
    /// Where media is copied for decoding and pulls are downloaded (see
    /// [`crate::workdir`]).
    pub work_dir: PathBuf,
    /// A transcription job that has crashed the speech engine this many times ends
    /// `failed` (it still has no more than its `max_attempts` runs).
    pub engine_crash_limit: u32,
    /// Webhook deliveries sent at once by this process (`webhook_concurrency`).
    pub delivery_concurrency: usize,
    /// How often this process reports itself for the job queue's health view
    /// (`GET /parley/v1/workers`).
    pub report_every: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            name: default_worker_name(),
            concurrency: 1,
            media_concurrency: 2,
            lease_secs: 60,
            poll: Duration::from_millis(500),
            work_dir: std::env::temp_dir(),
            engine_crash_limit: 3,
            delivery_concurrency: 4,
            report_every: REPORT_EVERY,
        }
    }
}

/// How often a worker process reports itself by default; the health view calls one that
/// has been silent for three of these (and did not say it stopped) unresponsive.
pub const REPORT_EVERY: Duration = Duration::from_secs(15);

/// How long a worker that stopped reporting stays in the health view.
pub const FORGET_WORKERS_AFTER: chrono::Duration = chrono::Duration::days(1);

/// What this process's loops have done since it started, for its reports.
#[derive(Default)]
struct Tally {
    running: AtomicU32,
    done: AtomicU64,
    failed: AtomicU64,
}

pub fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// What the analysis loop runs: milliseconds each, so they never wait behind a
/// transcription.
pub const ANALYSIS_KINDS: [JobKind; 4] = [
    JobKind::Analyze,
    JobKind::BackfillTrackers,
    JobKind::AnalyzeWorkspace,
    JobKind::CrmUpload,
];

/// Everything a worker needs.
#[derive(Clone)]
pub struct Workers {
    pub store: Arc<dyn Store>,
    pub blobs: parley_blob::BlobStore,
    pub transcriber: Option<Arc<dyn Transcriber>>,
    pub config: WorkerConfig,
    pub fetch: Option<Arc<parley_outbound::FetchPolicy>>,
    /// Writes summaries when the operator configured an LLM endpoint.
    pub llm: Option<Arc<crate::analysis::LlmEngine>>,
    /// Sends automation rules' webhooks; `None`: this process leaves `deliver` jobs to
    /// others.
    pub webhooks: Option<Arc<crate::webhooks::Webhooks>>,
}

impl Workers {
    /// The job kinds this process can run.
    pub fn kinds(&self) -> Vec<JobKind> {
        let mut kinds = Vec::new();
        if self.fetch.is_some() {
            kinds.push(JobKind::FetchMedia);
        }
        if self.transcriber.is_some() {
            kinds.push(JobKind::Transcribe);
        }
        kinds.extend(ANALYSIS_KINDS);
        kinds.push(JobKind::DeleteMedia);
        kinds.push(JobKind::Erase);
        kinds.push(JobKind::DemoRecording);
        if self.webhooks.is_some() {
            kinds.push(JobKind::Deliver);
        }
        if self.fetch.is_some() {
            kinds.push(JobKind::CrmWrite);
        }
        kinds
    }

    /// What the media loops run.
    fn media_kinds(&self) -> Vec<JobKind> {
        let mut kinds = Vec::new();
        if self.fetch.is_some() {
            kinds.push(JobKind::FetchMedia);
        }
        kinds.push(JobKind::DeleteMedia);
        // Erasures delete recordings and wait on the media store as deletions do.
        kinds.push(JobKind::Erase);
        // Seconds of speech synthesis per demo call, writing to the media store: here, so
        // they never hold up a transcription or an analysis.
        kinds.push(JobKind::DemoRecording);
        // CRM writes wait on other servers as pulls do, and need the outbound policy.
        if self.fetch.is_some() {
            kinds.push(JobKind::CrmWrite);
        }
        kinds
    }

    /// Runs `concurrency` transcription loops, `media_concurrency` media loops and one
    /// analysis loop until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let kinds = self.kinds();
        // Work files of a process that crashed go before this one adds its own; a folder
        // that cannot be prepared fails each job that needs it, with the reason.
        let dir = self.config.work_dir.clone();
        match tokio::task::spawn_blocking(move || crate::workdir::prepare(&dir)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                tracing::warn!(work_dir = %self.config.work_dir.display(), error = %e, "cannot prepare the work folder")
            }
            Err(e) => tracing::warn!(error = %e, "preparing the work folder panicked"),
        }
        let mut transcription: Vec<JobKind> = Vec::new();
        if self.transcriber.is_some() {
            transcription.push(JobKind::Transcribe);
        }
        transcription.extend(ANALYSIS_KINDS);
        let media = self.media_kinds();
        tracing::info!(
            worker = %self.config.name,
            concurrency = self.config.concurrency,
            media_concurrency = self.config.media_concurrency,
            kinds = ?kinds.iter().map(|k| k.key()).collect::<Vec<_>>(),
            "workers started"
        );
        let tally = Arc::new(Tally::default());
        let started = Utc::now();
        let reporter = tokio::spawn(self.clone().report(
            kinds.clone(),
            started,
            tally.clone(),
            shutdown.clone(),
        ));
        let mut loops = Vec::new();
        let mut n = 0;
        let mut spawn = |kinds: Vec<JobKind>, shutdown: watch::Receiver<bool>| {
            let me = self.clone();
            let tally = tally.clone();
            let id = n;
            n += 1;
            loops.push(tokio::spawn(async move {
                me.work_loop(id, &kinds, &tally, shutdown).await
            }));
        };
        for _ in 0..self.config.concurrency.max(1) {
            spawn(transcription.clone(), shutdown.clone());
        }
        // Pulls wait on other servers, for minutes when those are slow; loops of their own
        // keep them from occupying the transcription slots.
        for _ in 0..self.config.media_concurrency.max(1) {
            spawn(media.clone(), shutdown.clone());
        }
        // Webhooks wait on receivers (up to their timeout each); loops of their own keep
        // a slow receiver from holding up analyses or pulls.
        if self.webhooks.is_some() {
            for _ in 0..self.config.delivery_concurrency.max(1) {
                spawn(vec![JobKind::Deliver], shutdown.clone());
            }
        }
        // Analyses take milliseconds; one loop of their own keeps them from waiting behind
        // a long transcription.
        spawn(ANALYSIS_KINDS.to_vec(), shutdown);
        for l in loops {
            let _ = l.await;
        }
        let _ = reporter.await;
        // The last word: stopped on purpose, not died (a dead worker just falls silent).
        self.record_beat(&kinds, started, &tally, true).await;
    }

    /// Reports this process every `report_every` until `shutdown` turns true.
    async fn report(
        self,
        kinds: Vec<JobKind>,
        started: chrono::DateTime<Utc>,
        tally: Arc<Tally>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            self.record_beat(&kinds, started, &tally, false).await;
            tokio::select! {
                _ = tokio::time::sleep(self.config.report_every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn record_beat(
        &self,
        kinds: &[JobKind],
        started: chrono::DateTime<Utc>,
        tally: &Tally,
        stopped: bool,
    ) {
        let now = Utc::now();
        let beat = WorkerBeat {
            name: self.config.name.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            kinds: kinds.iter().map(|k| k.key().to_owned()).collect(),
            speech_model: self.transcriber.as_ref().map(|t| t.model()),
            transcription_slots: if self.transcriber.is_some() {
                u32::try_from(self.config.concurrency.max(1)).unwrap_or(u32::MAX)
            } else {
                0
            },
            started,
            last_seen: now,
            stopped,
            running: tally.running.load(Ordering::Relaxed),
            done: tally.done.load(Ordering::Relaxed),
            failed: tally.failed.load(Ordering::Relaxed),
        };
        if let Err(e) = self
            .store
            .record_worker(&beat, now - FORGET_WORKERS_AFTER)
            .await
        {
            tracing::warn!(worker = %self.config.name, error = %e, "could not report this worker's health");
        }
    }

    async fn work_loop(
        &self,
        n: usize,
        kinds: &[JobKind],
        tally: &Tally,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let name = format!("{}#{n}", self.config.name);
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.run_tallied(&name, kinds, Some(tally)).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(worker = %name, error = %e, "job queue unavailable"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims and runs one job; false when there was none.
    pub async fn run_next(&self, name: &str, kinds: &[JobKind]) -> Result<bool, StoreError> {
        self.run_tallied(name, kinds, None).await
    }

    /// [`Workers::run_next`], counting the job in `tally` (running while it runs, then
    /// done or failed).
    async fn run_tallied(
        &self,
        name: &str,
        kinds: &[JobKind],
        tally: Option<&Tally>,
    ) -> Result<bool, StoreError> {
        let Some((job, lease)) = self
            .store
            .claim_job(kinds, name, self.config.lease_secs, Utc::now())
            .await?
        else {
            return Ok(false);
        };
        if let Some(t) = tally {
            t.running.fetch_add(1, Ordering::Relaxed);
        }
        tracing::info!(job_id = job.id, kind = job.kind.key(), call_id = ?job.call_id.map(|c| c.0), attempt = job.attempts, "job started");
        let progress = Arc::new(AtomicU32::new(0f32.to_bits()));
        let beat = self.heartbeat(lease, progress.clone());
        let outcome = match JobSpec::of(&job) {
            Err(m) => Err(JobError::permanent(m)),
            Ok(spec) => self.run_spec(spec, lease, progress).await,
        };
        beat.abort();
        if let Some(t) = tally {
            t.running.fetch_sub(1, Ordering::Relaxed);
            let ended = if outcome.is_ok() { &t.done } else { &t.failed };
            ended.fetch_add(1, Ordering::Relaxed);
        }
        match outcome {
            Ok(()) => tracing::info!(job_id = job.id, "job done"),
            Err(e) => {
                let limit = self.config.engine_crash_limit.max(1);
                let (failure, message) = if e.crash {
                    // The count as the store will have it once this failure is recorded.
                    let n = job.crashes + 1;
                    let message = if n >= limit || job.attempts >= job.max_attempts {
                        format!(
                            "{} (crashed the speech engine {n} times; not retried)",
                            e.message
                        )
                    } else {
                        format!("{} (speech engine crash {n} of at most {limit})", e.message)
                    };
                    (Failure::Crash { limit }, message)
                } else if e.transient {
                    (Failure::Transient, e.message)
                } else {
                    (Failure::Permanent, e.message)
                };
                let state = self
                    .store
                    .fail_job(lease, &message, failure, Utc::now())
                    .await;
                tracing::warn!(job_id = job.id, error = %message, state = ?state.as_ref().map(|s| s.key()), "job failed");
                if matches!(state, Ok(JobState::Failed)) {
                    // What the job served (a CRM upload's request, an erasure, a CRM write)
                    // was marked failed by `fail_job` in the same transaction (GaveUp),
                    // as `claim_job` does for a job whose worker died on its last attempt.
                    tracing::warn!(job_id = job.id, kind = job.kind.key(), "job gave up");
                }
            }
        }
        Ok(true)
    }

    /// Each kind's one handler.
    async fn run_spec(
        &self,
        spec: JobSpec,
        lease: JobLease,
        progress: Arc<AtomicU32>,
    ) -> Result<(), JobError> {
        let store = self.store.as_ref();
        match spec {
            JobSpec::Transcribe { call } => self.transcribe(call, lease, progress).await,
            JobSpec::FetchMedia { call } => self.fetch_media(call, lease).await,
            JobSpec::DeleteMedia { key } => self.delete_media(&key, lease).await,
            JobSpec::Erase { erasure } => {
                crate::privacy::run_erasure(store, &self.blobs, erasure, lease).await
            }
            JobSpec::DemoRecording { call } => {
                crate::demo_recordings::run(store, &self.blobs, &self.config.work_dir, call, lease)
                    .await
            }
            JobSpec::Analyze { call } => {
                let llm = self.llm.as_deref();
                crate::analysis::analyze_call(store, llm, call, Some(lease)).await
            }
            JobSpec::BackfillTrackers { workspace } => {
                crate::analysis::backfill_trackers(store, workspace, &progress).await?;
                store.finish_job(lease, Utc::now()).await?;
                Ok(())
            }
            JobSpec::CrmUpload {
                integration,
                request,
            } => {
                crate::crm::process_upload(store, integration, &request, lease).await?;
                Ok(())
            }
            JobSpec::Deliver { delivery } => {
                let hooks = self
                    .webhooks
                    .as_deref()
                    .ok_or_else(|| JobError::transient("this worker does not send webhooks"))?;
                crate::webhooks::deliver(store, hooks, delivery, lease).await
            }
            JobSpec::CrmWrite { write, .. } => {
                let policy = crate::crm_clients::policy_from(self.fetch.as_deref());
                crate::crm_writeback::run_write(store, &policy, write, lease).await
            }
            JobSpec::AnalyzeWorkspace { workspace } => {
                let n = crate::analysis::analyze_all(store, workspace).await?;
                tracing::info!(calls = n, "analysis queued for every transcribed call");
                store.finish_job(lease, Utc::now()).await?;
                Ok(())
            }
        }
    }

    /// Extends the lease every third of its length and reports progress.
    fn heartbeat(&self, lease: JobLease, progress: Arc<AtomicU32>) -> tokio::task::JoinHandle<()> {
        let store = self.store.clone();
        let secs = self.config.lease_secs;
        tokio::spawn(async move {
            let every = Duration::from_secs(u64::from(secs.max(3) / 3));
            loop {
                tokio::time::sleep(every).await;
                let p = f64::from(f32::from_bits(progress.load(Ordering::Relaxed)));
                match store.heartbeat_job(lease, Some(p), secs, Utc::now()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        // A beat can land between this attempt's own final write and the
                        // end of the beating: the job is then finished by us, not lost.
                        let ours = matches!(
                            store.get_job(lease.job_id).await,
                            Ok(Some(job)) if job.attempts == lease.attempt
                                && matches!(job.state, JobState::Done | JobState::Failed)
                        );
                        if !ours {
                            tracing::warn!(
                                job_id = lease.job_id,
                                "lease lost; the result will be refused"
                            );
                        }
                        return;
                    }
                    Err(e) => tracing::warn!(job_id = lease.job_id, error = %e, "heartbeat failed"),
                }
            }
        })
    }

    async fn transcribe(
        &self,
        call_id: CallId,
        lease: JobLease,
        progress: Arc<AtomicU32>,
    ) -> Result<(), JobError> {
        let transcriber = self
            .transcriber
            .clone()
            .ok_or_else(|| JobError::transient("no speech engine in this worker"))?;
        let call = self
            .store
            .get_call(call_id)
            .await?
            .ok_or_else(|| JobError::permanent("the call no longer exists"))?;
        let media = self
            .store
            .call_media(call_id)
            .await?
            .ok_or_else(|| JobError::permanent("the call has no recording"))?;
        let parties = self
            .store
            .parties_of(&[call_id])
            .await?
            .remove(&call_id)
            .unwrap_or_default();

        let local = crate::workdir::temp_file(&self.config.work_dir, "media")
            .map_err(|e| JobError::transient(format!("cannot create a work file: {e}")))?
            .into_temp_path();
        if let Err(e) = self.blobs.get_to_file(&media.key, &local).await {
            // A replacement may have deleted the file this job read about; the new
            // recording has a job of its own.
            let current = self.store.call_media(call_id).await?;
            if current.is_some_and(|c| c.sha256 != media.sha256) {
                return self.superseded(call_id, lease).await;
            }
            return Err(JobError::transient(format!("reading the recording: {e}")));
        }

        let hints = Hints {
            // The language the call was created with (`languageCode`, BCP-47): the engine
            // decodes in it instead of guessing from the first seconds.
            language: call
                .language_hint
                .as_deref()
                .and_then(parley_domain::lang::bcp47_whisper_code)
                .map(str::to_owned),
            max_speakers: parties.len(),
        };
        let path: PathBuf = local.to_path_buf();
        let (audio, waveform) = tokio::task::spawn_blocking(move || {
            let audio = decode(&path)?;
            let waveform =
                Waveform::of_channels(&audio.channels, audio.sample_rate, audio.duration_ms);
            Ok::<_, JobError>((audio, waveform))
        })
        .await
        .map_err(|_| JobError::transient("the decoding thread panicked"))??;
        drop(local);
        // The call page draws the recording while it is still being transcribed. Not
        // kept: the recording was replaced since it was read, and its own job will run.
        if !self
            .store
            .put_waveform(call_id, &media.sha256, &waveform)
            .await?
        {
            return self.superseded(call_id, lease).await;
        }
        drop(waveform);
        let duration_ms = audio.duration_ms;
        let recognised = tokio::task::spawn_blocking(move || {
            let report = |p: f32| progress.store(p.to_bits(), Ordering::Relaxed);
            transcriber
                .transcribe(&audio, &hints, &report)
                .map_err(|e| match e {
                    TranscribeError::Engine(m) => JobError::transient(m),
                    TranscribeError::Input(m) => JobError::permanent(m),
                    TranscribeError::Crashed { reason } => JobError::crash(reason),
                })
        })
        .await
        .map_err(|_| JobError::transient("the transcription thread panicked"))??;

        // The recording system's own account of who spoke when comes before any voice
        // comparison (a precise one regroups the words by turn). `by_timeline[v]`: voice
        // `v`'s party by it.
        let (recognised, by_timeline) = match self.store.speaker_timeline(call_id).await? {
            Some(t) => {
                let a = parley_domain::timeline::attribute(
                    recognised.voices,
                    recognised.utterances,
                    &t,
                );
                let r = Recognised {
                    voices: a.voices,
                    utterances: a.utterances,
                    ..recognised
                };
                (r, a.parties)
            }
            None => (recognised, Vec::new()),
        };

        let users: Vec<_> = parties.iter().filter_map(|p| p.user_id).collect();
        let profiles = self.store.voice_profiles(&users).await?;
        let remembered: Vec<(Vec<f32>, PartyId)> = self
            .store
            .call_speakers(call_id)
            .await?
            .into_iter()
            .filter(|s| s.source == parley_domain::SpeakerSource::Manual)
            .filter_map(|s| Some((s.voice?, s.party_id?)))
            .collect();
        let mapping = map_voices(
            &recognised.voices,
            &parties,
            Some(call.primary_user_id),
            &profiles,
            &remembered,
            &by_timeline,
            SAME_VOICE,
        );

        let speaker_ids: Vec<SpeakerId> = recognised
            .voices
            .iter()
            .map(|_| SpeakerId::generate())
            .collect();
        let mut speaking = Vec::new();
        let mut new_parties = Vec::new();
        let mut speakers = Vec::new();
        let mut unnamed = 0;
        for (i, (v, m)) in recognised.voices.iter().zip(&mapping).enumerate() {
            let party_id = match m.party {
                Some(p) => {
                    speaking.push((p, speaker_ids[i]));
                    p
                }
                None => {
                    unnamed += 1;
                    let p = unnamed_party(call_id, speaker_ids[i], unnamed, v.channel);
                    let id = p.id;
                    new_parties.push(p);
                    id
                }
            };
            speakers.push(CallSpeaker {
                speaker_id: speaker_ids[i],
                channel: v.channel,
                speech_ms: v.speech_ms,
                voice: v.voice.clone(),
                party_id: Some(party_id),
                source: m.source,
            });
        }
        let transcript = transcript_from_speech(&recognised.utterances, &speaker_ids);
        let source = format!("asr:{}", recognised.model);
        let kept = self
            .store
            .replace_transcript(TranscriptWrite {
                call_id,
                source: &source,
                transcript: &transcript,
                speaking_parties: &speaking,
                new_parties: &new_parties,
                duration_s: Some(((duration_ms + 500) / 1000) as i64),
                language: Some(&recognised.language),
                speakers: &speakers,
                at: Utc::now(),
                lease: Some(lease),
                media_sha256: Some(&media.sha256),
            })
            .await?;
        if !kept {
            return self.superseded(call_id, lease).await;
        }

        // Voices whose owner is certain teach their user's profile.
        for (sp, m) in speakers.iter().zip(&mapping) {
            let (Some(voice), Some(party)) = (&sp.voice, m.party) else {
                continue;
            };
            if !m.source.is_certain() {
                continue;
            }
            let Some(user) = parties
                .iter()
                .find(|p| p.id == party)
                .and_then(|p| p.user_id)
            else {
                continue;
            };
            let mut profile = profiles
                .iter()
                .find(|p| p.user_id == user)
                .cloned()
                .unwrap_or_else(|| parley_domain::VoiceProfile::new(user));
            // A channel mapped by the dialer convention could be wrong (a dialer that puts
            // the customer left): a voice unlike the profile it would join does not teach it.
            if m.source == parley_domain::SpeakerSource::Channel
                && profile.samples > 0
                // A profile from another embedding model (GE2E before CAM++) cannot be
                // compared: the new voice replaces it (`learn`).
                && profile.voice.len() == voice.len()
                && parley_domain::cosine(&profile.voice, voice) < SAME_VOICE
            {
                tracing::warn!(call_id = %call_id, user_id = %user, "channel voice does not match the user's voice profile; profile left as it was");
                continue;
            }
            profile.learn(voice);
            self.store.save_voice_profile(&profile, Utc::now()).await?;
        }
        tracing::info!(
            call_id = %call_id,
            model = %recognised.model,
            language = %recognised.language,
            voices = recognised.voices.len(),
            sentences = transcript.iter().map(|m| m.sentences.len()).sum::<usize>(),
            "transcript stored"
        );
        Ok(())
    }

    /// Ends a transcription whose recording was replaced while it ran: its result is
    /// dropped, and the job queued with the new recording transcribes that one.
    async fn superseded(&self, call_id: CallId, lease: JobLease) -> Result<(), JobError> {
        self.store.finish_job(lease, Utc::now()).await?;
        tracing::info!(call_id = %call_id, job_id = lease.job_id, "recording replaced during transcription; result dropped");
        Ok(())
    }

    /// Deletes a replaced recording, unless a call refers to it again. A failure is
    /// retried with the job's backoff; the new recording is never touched (its key is
    /// another).
    async fn delete_media(&self, key: &str, lease: JobLease) -> Result<(), JobError> {
        if self.store.media_key_in_use(key).await? {
            tracing::info!(key, "recording still in use; not deleted");
        } else {
            self.blobs.delete(key).await.map_err(|e| {
                JobError::transient(format!("deleting the replaced recording {key}: {e}"))
            })?;
            tracing::info!(key, "replaced recording deleted");
        }
        self.store.finish_job(lease, Utc::now()).await?;
        Ok(())
    }

    /// Pulls the call's `downloadMediaUrl` under the operator's fetch policy, then stores
    /// it as an upload would be (which queues the transcription).
    async fn fetch_media(&self, call_id: CallId, lease: JobLease) -> Result<(), JobError> {
        let policy = self
            .fetch
            .clone()
            .ok_or_else(|| JobError::transient("this worker does not fetch media"))?;
        let call = self
            .store
            .get_call(call_id)
            .await?
            .ok_or_else(|| JobError::permanent("the call no longer exists"))?;
        let url = call
            .media_source_url
            .ok_or_else(|| JobError::permanent("the call has no downloadMediaUrl"))?;
        let work_dir = &self.config.work_dir;
        let new_file = || crate::workdir::temp_file(work_dir, "fetch");
        let fetched = parley_outbound::fetch_media(&url, &policy, &new_file)
            .await
            .map_err(|e| {
                let message = format!("downloading the media: {e}");
                if e.is_transient() {
                    JobError::transient(message)
                } else {
                    JobError::permanent(message)
                }
            })?;
        let path = fetched.path.to_path_buf();
        let hash_path = path.clone();
        let sha256 = tokio::task::spawn_blocking(move || crate::media::sha256_file(&hash_path))
            .await
            .map_err(|_| JobError::transient("hashing thread panicked"))?
            .map_err(|e| JobError::transient(format!("reading the download: {e}")))?;
        let received = crate::media::Received {
            path,
            file_name: fetched.file_name.clone(),
            content_type: fetched.content_type.clone(),
            size: fetched.bytes,
            sha256,
        };
        crate::media::store_media(&self.store, &self.blobs, call_id, received)
            .await
            .map_err(|e| match e {
                AppError::NotMedia(m) => {
                    JobError::permanent(format!("the downloaded file is not usable media: {m}"))
                }
                other => JobError::transient(other.to_string()),
            })?;
        drop(fetched);
        self.store.finish_job(lease, Utc::now()).await?;
        tracing::info!(call_id = %call_id, url = %fetched_url_for_log(&url), "media downloaded");
        Ok(())
    }
}

fn fetched_url_for_log(url: &str) -> String {
    parley_outbound::Url::parse(url)
        .map(|u| parley_outbound::redact_url(&u))
        .unwrap_or_else(|_| "<invalid url>".to_owned())
}

/// A party for a voice nobody could name: "Speaker 2", or "Channel 2" on a multi-channel
/// recording.
fn unnamed_party(call_id: CallId, speaker: SpeakerId, n: usize, channel: Option<u32>) -> Party {
    let name = match channel {
        Some(c) => format!("Channel {}", c + 1),
        None => format!("Speaker {n}"),
    };
    Party {
        id: PartyId::generate(),
        call_id,
        name: Some(name),
        email: None,
        title: None,
        user_id: None,
        speaker_id: Some(speaker),
        affiliation: Affiliation::Unknown,
        phone: None,
        methods: vec![PartyMethod::Attendee],
        media_channel: channel.map(|c| c as i32),
        context: Vec::new(),
    }
}

fn decode(path: &Path) -> Result<DecodedAudio, JobError> {
    parley_media::decode_file(path, &DecodeOptions::default()).map_err(|e: MediaError| {
        if e.is_permanent() {
            JobError::permanent(format!("the recording cannot be transcribed: {e}"))
        } else {
            JobError::transient(format!("reading the recording: {e}"))
        }
    })
}
