//! Running the conversation analysis: a call's transcript and its workspace's settings
//! in, the stored [`CallAnalysis`] out. The analysis itself is pure and runs on the
//! blocking pool; this module does the reading, writing, and the optional LLM call.
//!
//! Jobs: `Analyze` analyses one call (queued by every transcript write, and on request);
//! `BackfillTrackers` re-runs only the trackers over every transcribed call of a
//! workspace (after a tracker changed); `AnalyzeWorkspace` queues an analysis of every
//! transcribed call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use parley_analysis::topics::{default_topics, TopicDef};
use parley_analysis::trackers::{TrackerDef, TrackerSet};
use parley_analysis::{CallAnalysis, CallInput, Speaker};
use parley_domain::{Call, CallId, Job, JobLease, JobSpec, Party, WorkspaceId};
use parley_store::{AnalysisInput, AnalysisWrite, Store, StoreError, TrackerRecord};
use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::jobs::{enqueue, JobError};
use crate::stored::Stored;

/// An OpenAI-compatible chat endpoint (OpenAI, a local Ollama or vLLM, ...) that writes
/// the summaries instead of the built-in extractive engine.
#[derive(Clone)]
pub struct LlmConfig {
    /// The API base, e.g. `http://localhost:11434/v1`; `/chat/completions` is appended.
    pub url: String,
    pub model: String,
    /// Sent as a bearer token; never logged.
    pub api_key: Option<String>,
    pub timeout: Duration,
    /// Longest transcript (characters) put into one prompt.
    pub max_prompt_chars: usize,
}

/// Never shows the key, so that a logged config cannot leak it.
impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("max_prompt_chars", &self.max_prompt_chars)
            .finish()
    }
}

/// The LLM engine: its settings and the outbound policy its requests run under.
pub struct LlmEngine {
    config: LlmConfig,
    policy: parley_outbound::FetchPolicy,
}

/// Largest LLM answer read: a chat completion is a few kilobytes; a runaway or hostile
/// endpoint must not fill the worker's memory.
const MAX_LLM_REPLY_BYTES: u64 = 4 * 1024 * 1024;

impl LlmEngine {
    pub fn new(config: LlmConfig) -> Result<LlmEngine, String> {
        let url = parley_outbound::Url::parse(config.url.trim())
            .map_err(|e| format!("llm url {:?} is not a url: {e}", config.url))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("llm url {:?} must be http or https", config.url));
        }
        // What `post_json` reads of a policy: the allow-list, the connect and total
        // timeouts and the size limit (it follows no redirect and has no rate check).
        let policy = parley_outbound::FetchPolicy {
            // The operator named this endpoint (often a model on the same machine or
            // network), so any address it resolves to is allowed; clients cannot change
            // it, and redirects are not followed, so nothing else is reachable through it.
            allow: parley_outbound::HostAllowList::parse(&["0.0.0.0/0", "::/0"])?,
            max_bytes: MAX_LLM_REPLY_BYTES,
            connect_timeout: config.timeout,
            total_timeout: config.timeout,
            ..parley_outbound::FetchPolicy::default()
        };
        Ok(LlmEngine { config, policy })
    }

    /// Asks the model; the reply's text.
    async fn complete(&self, prompt: &str) -> Result<String, String> {
        let url = format!("{}/chat/completions", self.config.url.trim_end_matches('/'));
        let body = json!({
            "model": self.config.model,
            "temperature": 0,
            "seed": 0,
            "messages": [
                {"role": "system", "content": parley_analysis::llm::SYSTEM_PROMPT},
                {"role": "user", "content": prompt},
            ],
        });
        let reply =
            parley_outbound::post_json(&url, &body, self.config.api_key.as_deref(), &self.policy)
                .await
                .map_err(|e| match e {
                    parley_outbound::FetchError::Status { status } => {
                        format!("llm endpoint answered {status}")
                    }
                    other => format!("llm endpoint: {other}"),
                })?;
        reply["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "llm reply has no choices[0].message.content".to_owned())
    }
}

/// Who each voice of a call is, from its parties.
pub fn speakers_of(parties: &[Party]) -> Vec<Speaker> {
    parties
        .iter()
        .filter_map(|p| {
            Some(Speaker {
                speaker_id: p.speaker_id?,
                party_id: Some(p.id),
                user_id: p.user_id,
                affiliation: p.affiliation,
            })
        })
        .collect()
}

/// A workspace's analysis settings.
pub struct Settings {
    pub trackers: Vec<TrackerDef>,
    pub topics: Vec<TopicDef>,
}

pub async fn settings(store: &dyn Store, workspace: WorkspaceId) -> Result<Settings, JobError> {
    let trackers = store
        .trackers(Some(workspace))
        .await?
        .into_iter()
        .map(|t| t.def)
        .collect();
    let topics = store
        .workspace_topics(workspace)
        .await?
        .unwrap_or_else(default_topics);
    Ok(Settings { trackers, topics })
}

fn compile(trackers: &[TrackerDef]) -> Result<TrackerSet, JobError> {
    TrackerSet::compile(trackers)
        .map_err(|e| JobError::permanent(format!("the workspace's trackers do not compile: {e}")))
}

/// Everything one call's analysis reads.
struct Loaded {
    call: Call,
    speakers: Vec<Speaker>,
    input: AnalysisInput,
}

impl Loaded {
    fn call_input(&self) -> CallInput<'_> {
        CallInput {
            transcript: &self.input.transcript,
            speakers: &self.speakers,
            host: Some(self.call.primary_user_id),
            language: self.call.language.as_deref(),
            // Zero when the call has no recording length yet.
            duration_ms: (self.call.duration_s > 0).then(|| self.call.duration_s * 1000),
        }
    }
}

async fn load(store: &dyn Store, id: CallId) -> Result<Option<Loaded>, JobError> {
    let Some(call) = store.get_call(id).await? else {
        return Err(JobError::permanent(format!("call {id} no longer exists")));
    };
    let Some(input) = store.analysis_input(id).await? else {
        return Ok(None);
    };
    let parties = store
        .parties_of(&[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(Some(Loaded {
        call,
        speakers: speakers_of(&parties),
        input,
    }))
}

/// Analyses one call and stores the result. A transcript replaced while the analysis
/// ran makes the result stale; it is then computed again from the new transcript.
pub async fn analyze_call(
    store: &dyn Store,
    llm: Option<&LlmEngine>,
    id: CallId,
    lease: Option<JobLease>,
) -> Result<(), JobError> {
    for _ in 0..3 {
        let Some(loaded) = load(store, id).await? else {
            // No transcript (yet): nothing to analyse. A transcript write queues a job.
            if let Some(lease) = lease {
                store.finish_job(lease, Utc::now()).await?;
            }
            return Ok(());
        };
        let settings = settings(store, loaded.call.workspace_id).await?;
        let trackers = compile(&settings.trackers)?;
        let previous = store
            .analyses_of(&[id])
            .await?
            .remove(&id)
            .map(CallAnalysis::from_row);
        let version = loaded.input.version;
        let call = loaded.call.clone();
        let analysis = compute(loaded, trackers, settings.topics, llm, previous).await?;
        // The call is ready now: the automation rules it matches fire, their deliveries
        // written in the analysis's transaction (none if it is refused).
        let fired = crate::automation::firing(store, &call, &analysis)
            .await
            .map_err(|e| JobError::transient(format!("evaluating automation rules: {e}")))?;
        let stored = store
            .save_analysis_firing(
                AnalysisWrite {
                    call_id: id,
                    transcript_version: version,
                    analysis: &analysis.to_row(),
                    at: Utc::now(),
                    lease,
                },
                &fired,
            )
            .await?;
        if stored {
            tracing::info!(
                call_id = %id,
                engine = %analysis.engine.engine,
                trackers = analysis.trackers.len(),
                topics = analysis.topics.spans.len(),
                "analysis stored"
            );
            return Ok(());
        }
        tracing::info!(call_id = %id, "transcript changed during analysis; analysing again");
    }
    Err(JobError::transient(
        "the transcript kept changing during analysis",
    ))
}

async fn compute(
    loaded: Loaded,
    trackers: TrackerSet,
    topics: Vec<TopicDef>,
    llm: Option<&LlmEngine>,
    previous: Option<CallAnalysis>,
) -> Result<CallAnalysis, JobError> {
    let max_chars = llm.map(|l| l.config.max_prompt_chars);
    // The call goes to the blocking pool and comes back for the LLM reply's parsing.
    let (loaded, mut analysis, prompt) = tokio::task::spawn_blocking(move || {
        let input = loaded.call_input();
        let analysis = parley_analysis::analyze(&input, &trackers, &topics);
        let prompt = max_chars.map(|m| parley_analysis::llm::prompt(&input, m));
        (loaded, analysis, prompt)
    })
    .await
    .map_err(|e| JobError::transient(format!("analysis task failed: {e}")))?;
    let (Some(llm), Some(prompt)) = (llm, prompt) else {
        return Ok(analysis);
    };
    let engine = parley_analysis::llm::engine(&llm.config.model, &prompt);
    // The same prompt to the same model gives the stored answer back: analysing a call
    // twice with one engine gives one result, and costs one model call.
    if let Some(prev) = previous.filter(|p| p.engine == engine) {
        analysis.summary = prev.summary;
        analysis.engine = engine;
        return Ok(analysis);
    }
    let reply = llm.complete(&prompt).await.map_err(JobError::transient)?;
    analysis.summary =
        parley_analysis::llm::parse_reply(&loaded.call_input(), &reply, &analysis.summary)
            .map_err(JobError::transient)?;
    analysis.engine = engine;
    Ok(analysis)
}

/// Re-runs the trackers of one workspace over its transcribed calls. Calls never
/// analysed get a full analysis queued instead.
pub async fn backfill_trackers(
    store: &dyn Store,
    workspace: Option<WorkspaceId>,
    progress: &AtomicU32,
) -> Result<(), JobError> {
    // How many calls there are, from the id index alone, so that progress is a true
    // fraction (calls transcribed meanwhile may push it past 1: it is clamped).
    let mut total = 0u64;
    let mut after = None;
    loop {
        let ids = store.transcribed_calls(workspace, after, 5000).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        total += ids.len() as u64;
    }
    let mut after = None;
    let mut done = 0u64;
    // Compiled once per workspace, not per call (1,000 phrases take milliseconds).
    let mut compiled: std::collections::HashMap<WorkspaceId, Arc<TrackerSet>> =
        std::collections::HashMap::new();
    loop {
        let ids = store.transcribed_calls(workspace, after, 200).await?;
        let Some(last) = ids.last().copied() else {
            return Ok(());
        };
        after = Some(last);
        for id in ids {
            done += 1;
            progress.store(backfill_progress(done, total).to_bits(), Ordering::Relaxed);
            let Some(loaded) = load(store, id).await? else {
                continue;
            };
            let workspace_id = loaded.call.workspace_id;
            let trackers = match compiled.get(&workspace_id) {
                Some(t) => t.clone(),
                None => {
                    let settings = settings(store, workspace_id).await?;
                    let t = Arc::new(compile(&settings.trackers)?);
                    compiled.insert(workspace_id, t.clone());
                    t
                }
            };
            let version = loaded.input.version;
            let topics = store
                .analyses_of(&[id])
                .await?
                .remove(&id)
                .map(|row| row.topics.per_monologue);
            let Some(topics) = topics else {
                enqueue(store, JobSpec::Analyze { call: id }).await?;
                continue;
            };
            let hits =
                tokio::task::spawn_blocking(move || trackers.scan(&loaded.call_input(), &topics))
                    .await
                    .map_err(|e| JobError::transient(format!("tracker task failed: {e}")))?;
            let hits: Vec<_> = hits.iter().map(Stored::to_row).collect();
            if !store.save_tracker_hits(id, version, &hits).await? {
                // The transcript changed meanwhile; its own analysis job covers it.
                tracing::debug!(call_id = %id, "tracker back-fill skipped a changed transcript");
            }
        }
    }
}

/// The share of a back-fill done after `done` of `total` calls, below 1 until the job
/// ends (the job's own end says it is complete).
fn backfill_progress(done: u64, total: u64) -> f32 {
    if total == 0 {
        return 0.0;
    }
    (done as f32 / total as f32).min(0.99)
}

/// Queues a full analysis of every transcribed call (of one workspace, or all).
pub async fn analyze_all(
    store: &dyn Store,
    workspace: Option<WorkspaceId>,
) -> Result<usize, JobError> {
    let mut after = None;
    let mut queued = 0;
    loop {
        let ids = store.transcribed_calls(workspace, after, 500).await?;
        let Some(last) = ids.last().copied() else {
            return Ok(queued);
        };
        after = Some(last);
        for id in ids {
            enqueue(store, JobSpec::Analyze { call: id }).await?;
            queued += 1;
        }
    }
}

/// Replaces a workspace's topics and queues a re-analysis of its calls: topics shape
/// everything downstream (tracker topic filters, the outline).
pub async fn set_topics(
    store: &dyn Store,
    workspace: WorkspaceId,
    topics: &[TopicDef],
) -> AppResult<Job> {
    store
        .set_workspace_topics(workspace, topics, Utc::now())
        .await?;
    request_workspace_analysis(store, Some(workspace)).await
}

/// Queues the analysis of one call, which must have a transcript.
pub async fn request_analysis(store: &dyn Store, call: CallId) -> AppResult<Job> {
    if store.analysis_input(call).await?.is_none() {
        return Err(AppError::invalid(format!(
            "call {call} has no transcript to analyse yet"
        )));
    }
    Ok(enqueue(store, JobSpec::Analyze { call }).await?)
}

/// Queues an analysis of every transcribed call of a workspace (`None`: of all).
pub async fn request_workspace_analysis(
    store: &dyn Store,
    workspace: Option<WorkspaceId>,
) -> AppResult<Job> {
    Ok(enqueue(store, JobSpec::AnalyzeWorkspace { workspace }).await?)
}

/// Stores a tracker and queues the back-fill of its workspace; a tracker that moved from
/// `left` (another workspace) back-fills that one too, to drop its stale hits. Returns the
/// back-fill of the tracker's workspace.
pub async fn save_tracker(
    store: &dyn Store,
    record: &TrackerRecord,
    left: Option<WorkspaceId>,
) -> Result<Job, StoreError> {
    store.save_tracker(record).await?;
    let job = enqueue(store, backfill(record.workspace_id)).await?;
    if let Some(old) = left.filter(|w| *w != record.workspace_id) {
        enqueue(store, backfill(old)).await?;
    }
    Ok(job)
}

/// Deletes a tracker and queues the back-fill that removes its hits.
pub async fn delete_tracker(store: &dyn Store, record: &TrackerRecord) -> Result<Job, StoreError> {
    store.delete_tracker(record.def.id).await?;
    enqueue(store, backfill(record.workspace_id)).await
}

fn backfill(workspace: WorkspaceId) -> JobSpec {
    JobSpec::BackfillTrackers {
        workspace: Some(workspace),
    }
}

/// Most calls a tracker preview reads, and its default.
pub const PREVIEW_MAX_CALLS: usize = 50;
pub const PREVIEW_DEFAULT_CALLS: usize = 20;
/// Most snippets shown per call, and characters per snippet.
pub const PREVIEW_SNIPPETS_PER_CALL: usize = 5;
const PREVIEW_SNIPPET_CHARS: usize = 300;
/// Most calls looked at (with or without a transcript) before the preview gives up
/// finding more transcribed ones.
const PREVIEW_MAX_EXAMINED: usize = 1_000;

/// One hit of a previewed tracker: the sentence it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewSnippet {
    pub start_ms: i64,
    /// The configured phrase that matched.
    pub phrase: String,
    /// The speaker's party name, when the voice is tied to a party.
    pub speaker_name: Option<String>,
    pub affiliation: Option<parley_domain::Affiliation>,
    /// The sentence the phrase begins in (cut to 300 characters).
    pub text: String,
}

/// A call where the draft tracker matched.
#[derive(Debug, Clone)]
pub struct PreviewCall {
    pub call: Call,
    /// All its hits (more than the snippets shown).
    pub hits: u32,
    pub snippets: Vec<PreviewSnippet>,
}

/// What saving a tracker would find in the most recent transcribed calls.
#[derive(Debug, Clone)]
pub struct TrackerPreview {
    /// Transcribed calls the draft ran over (at most the number asked for).
    pub calls_scanned: usize,
    /// The calls it matched in, newest first.
    pub calls: Vec<PreviewCall>,
}

/// Runs a draft tracker — not stored — over the `limit` most recent transcribed calls of
/// `workspace` that `principal` may see, with the matcher the analysis uses (the
/// stored topics of each call feed its topic filter, as in a back-fill).
pub async fn preview_tracker(
    store: &dyn Store,
    principal: &parley_domain::Principal,
    workspace: WorkspaceId,
    def: &TrackerDef,
    limit: usize,
) -> AppResult<TrackerPreview> {
    let limit = limit.clamp(1, PREVIEW_MAX_CALLS);
    let set = TrackerSet::compile(std::slice::from_ref(def))
        .map_err(|e| AppError::invalid(e.to_string()))?;
    let access = crate::access::call_access(store, principal).await?;
    let mut preview = TrackerPreview {
        calls_scanned: 0,
        calls: Vec::new(),
    };
    let mut examined = 0usize;
    // Windows going back in time, each twice as long as the last: the newest calls
    // first, and a few dozen index reads reach back to 1970.
    let floor = chrono::DateTime::<Utc>::UNIX_EPOCH;
    let mut to: Option<parley_domain::Timestamp> = None;
    let mut span = chrono::Duration::days(7);
    'windows: loop {
        let from = to
            .unwrap_or_else(Utc::now)
            .checked_sub_signed(span)
            .unwrap_or(floor)
            .max(floor);
        let filter = parley_store::CallFilter {
            from: Some(from),
            to,
            workspace_id: Some(workspace),
            visible_to: access.clone(),
            ..Default::default()
        };
        // The window's calls, oldest first; only the newest few are kept.
        let mut keys = std::collections::VecDeque::new();
        let mut after = None;
        loop {
            let page = store.list_call_versions(&filter, after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.key);
            let full = page.len() == 1000;
            for v in page {
                keys.push_back(v.key);
                if keys.len() > PREVIEW_MAX_EXAMINED {
                    keys.pop_front();
                }
            }
            if !full {
                break;
            }
        }
        for key in keys.into_iter().rev() {
            if preview.calls_scanned >= limit || examined >= PREVIEW_MAX_EXAMINED {
                break 'windows;
            }
            examined += 1;
            let id = CallId(key.id);
            let Some(loaded) = load(store, id).await.map_err(job_to_app)? else {
                continue;
            };
            preview.calls_scanned += 1;
            let topics = store
                .analyses_of(&[id])
                .await?
                .remove(&id)
                .map(|row| row.topics.per_monologue)
                .unwrap_or_default();
            let hits = set.scan(&loaded.call_input(), &topics);
            let Some(hit) = hits.into_iter().next() else {
                continue;
            };
            let parties = store
                .parties_of(&[id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            let mut found: Vec<(i64, parley_domain::SpeakerId, &str)> = hit
                .phrases
                .iter()
                .flat_map(|p| {
                    p.occurrences
                        .iter()
                        .map(move |o| (o.start_ms, o.speaker_id, p.phrase.as_str()))
                })
                .collect();
            found.sort_by_key(|(start, _, _)| *start);
            let snippets = found
                .into_iter()
                .take(PREVIEW_SNIPPETS_PER_CALL)
                .map(|(start_ms, speaker, phrase)| {
                    let party = parties.iter().find(|p| p.speaker_id == Some(speaker));
                    PreviewSnippet {
                        start_ms,
                        phrase: phrase.to_owned(),
                        speaker_name: party.and_then(|p| p.name.clone()),
                        affiliation: party.map(|p| p.affiliation),
                        text: sentence_at(&loaded.input.transcript, speaker, start_ms),
                    }
                })
                .collect();
            preview.calls.push(PreviewCall {
                call: loaded.call,
                hits: hit.count,
                snippets,
            });
        }
        if from <= floor {
            break;
        }
        to = Some(from);
        span = span * 2;
    }
    Ok(preview)
}

fn job_to_app(e: JobError) -> AppError {
    AppError::Internal(e.message)
}

/// The text of `speaker`'s sentence that holds `start_ms` (the last one starting at or
/// before it), cut to [`PREVIEW_SNIPPET_CHARS`].
fn sentence_at(
    transcript: &parley_domain::Transcript,
    speaker: parley_domain::SpeakerId,
    start_ms: i64,
) -> String {
    let text = transcript
        .iter()
        .filter(|m| m.speaker_id == speaker)
        .flat_map(|m| &m.sentences)
        .filter(|s| s.start_ms <= start_ms)
        .max_by_key(|s| s.start_ms)
        .map(|s| s.text.as_str())
        .unwrap_or_default();
    match text.char_indices().nth(PREVIEW_SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod preview_tests {
    use super::*;

    #[test]
    fn backfill_progress_is_a_fraction_below_one() {
        assert_eq!(backfill_progress(0, 0), 0.0);
        assert_eq!(backfill_progress(1, 4), 0.25);
        assert_eq!(backfill_progress(4, 4), 0.99);
        assert_eq!(backfill_progress(9, 4), 0.99);
    }

    #[test]
    fn a_snippet_is_the_speakers_sentence_holding_the_hit() {
        use parley_domain::{Monologue, Sentence, SpeakerId};
        let s = |start: i64, text: &str| Sentence {
            start_ms: start,
            end_ms: start + 900,
            text: text.into(),
            words: Vec::new(),
        };
        let t = vec![
            Monologue {
                speaker_id: SpeakerId(1),
                topic: None,
                sentences: vec![s(0, "Hello there."), s(1000, "We use Acme today.")],
            },
            Monologue {
                speaker_id: SpeakerId(2),
                topic: None,
                sentences: vec![s(2000, "Acme is slow.")],
            },
        ];
        assert_eq!(sentence_at(&t, SpeakerId(1), 1400), "We use Acme today.");
        assert_eq!(sentence_at(&t, SpeakerId(2), 2100), "Acme is slow.");
        assert_eq!(sentence_at(&t, SpeakerId(3), 2100), "");
        let long = vec![Monologue {
            speaker_id: SpeakerId(1),
            topic: None,
            sentences: vec![s(0, &"é".repeat(400))],
        }];
        let cut = sentence_at(&long, SpeakerId(1), 0);
        assert_eq!(cut.chars().count(), PREVIEW_SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
