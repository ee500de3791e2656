//! The analysis commands: `trackers` (list, add, remove) and `analyze`.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use parley_analysis::trackers::{Keywords, SaidAt, SaidBy, Stretch, TrackerDef};
use parley_app::analysis::{analyze_call, delete_tracker, save_tracker, LlmEngine};
use parley_domain::{CallId, TrackerId, WorkspaceId};
use parley_store::{Store, TrackerRecord};

use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum TrackersCommand {
    /// List the keyword trackers.
    List {
        /// Only this workspace's.
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Add a keyword tracker; its hits in existing calls are back-filled by the workers.
    Add {
        #[arg(long)]
        name: String,
        /// A word or phrase to track (repeat for more).
        #[arg(long = "phrase", required = true)]
        phrases: Vec<String>,
        /// Language of the phrases (ISO 639-2/B), or mul for any language.
        #[arg(long, default_value = "eng")]
        language: String,
        /// Also match other forms of the words ("price" finds "pricing").
        #[arg(long)]
        related_forms: bool,
        /// Whose words count: anyone, company or non-company.
        #[arg(long, default_value = "anyone")]
        said_by: String,
        /// Count only phrases inside questions.
        #[arg(long)]
        question: bool,
        /// Count only in these topics (repeat for more).
        #[arg(long = "topic")]
        topics: Vec<String>,
        /// Count only at the start of the call: minutes (5m) or a share of it (10%).
        #[arg(long, conflicts_with = "last")]
        first: Option<String>,
        /// Count only at the end of the call: minutes (5m) or a share of it (10%).
        #[arg(long)]
        last: Option<String>,
        /// The workspace [default: the default workspace].
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Remove a tracker (its hits leave existing calls with the next back-fill).
    Remove { id: String },
}

async fn workspace(store: &dyn Store, id: Option<&str>) -> Result<WorkspaceId> {
    Ok(parley_app::workspaces::workspace_or_default(store, id)
        .await
        .map_err(crate::app_error)?
        .id)
}

/// `5m` (minutes) or `10%` (a share of the call).
fn stretch(s: &str) -> Result<Stretch> {
    let s = s.trim();
    let number = |n: &str| {
        n.trim()
            .parse::<u32>()
            .with_context(|| format!("{s:?}: use minutes (5m) or a share of the call (10%)"))
    };
    if let Some(p) = s.strip_suffix('%') {
        Ok(Stretch::Percent(number(p)?))
    } else if let Some(m) = s.strip_suffix("min").or_else(|| s.strip_suffix('m')) {
        Ok(Stretch::Minutes(number(m)?))
    } else {
        bail!("{s:?}: use minutes (5m) or a share of the call (10%)")
    }
}

pub async fn trackers(store: &dyn Store, cmd: &TrackersCommand) -> Result<()> {
    let now = chrono::Utc::now();
    match cmd {
        TrackersCommand::List { workspace: w } => {
            let w = match w {
                Some(w) => Some(workspace(store, Some(w)).await?),
                None => None,
            };
            for t in store.trackers(w).await? {
                let phrases: Vec<String> = t
                    .def
                    .keywords
                    .iter()
                    .flat_map(|k| {
                        let forms = if k.include_related_forms { "~" } else { "" };
                        k.phrases
                            .iter()
                            .map(move |p| format!("{forms}{p} ({})", k.language))
                    })
                    .collect();
                let stretch = |s: Stretch| match s {
                    Stretch::Minutes(m) => format!("{m}m"),
                    Stretch::Percent(p) => format!("{p}%"),
                };
                let when = match t.def.said_at {
                    SaidAt::Anytime => String::new(),
                    SaidAt::First(s) => format!("  first {}", stretch(s)),
                    SaidAt::Last(s) => format!("  last {}", stretch(s)),
                };
                println!(
                    "{}  {:<24}  {:?}{when}  {}",
                    t.def.id,
                    t.def.name,
                    t.def.said_by,
                    phrases.join(", ")
                );
            }
        }
        TrackersCommand::Add {
            name,
            phrases,
            language,
            related_forms,
            said_by,
            question,
            topics,
            first,
            last,
            workspace: w,
        } => {
            let said_at = match (first, last) {
                (Some(f), _) => SaidAt::First(stretch(f)?),
                (None, Some(l)) => SaidAt::Last(stretch(l)?),
                (None, None) => SaidAt::Anytime,
            };
            let said_by = match said_by.as_str() {
                "anyone" => SaidBy::Anyone,
                "company" => SaidBy::Company,
                "non-company" => SaidBy::NonCompany,
                other => bail!("--said-by {other:?}: use anyone, company or non-company"),
            };
            let def = TrackerDef {
                id: TrackerId::generate(),
                name: name.trim().to_owned(),
                keywords: vec![Keywords {
                    language: language.to_ascii_lowercase(),
                    phrases: phrases.clone(),
                    include_related_forms: *related_forms,
                }],
                said_by,
                part_of_question: *question,
                said_in_topics: topics.clone(),
                said_at,
            };
            let problems = parley_analysis::trackers::validate(&def);
            if !problems.is_empty() {
                bail!("{}", problems.join("; "));
            }
            let workspace_id = workspace(store, w.as_deref()).await?;
            let record = TrackerRecord {
                def: def.clone(),
                workspace_id,
                created: now,
                creator: None,
                updated: now,
                updater: None,
            };
            save_tracker(store, &record, None).await?;
            println!(
                "tracker {} added; existing calls are back-filled by the workers",
                def.id
            );
        }
        TrackersCommand::Remove { id } => {
            let n = parley_domain::parse_id(id)
                .with_context(|| format!("{id:?} is not a tracker id"))?;
            let t = store
                .get_tracker(TrackerId(n))
                .await?
                .with_context(|| format!("no tracker {id}"))?;
            delete_tracker(store, &t).await?;
            println!("tracker {id} removed");
        }
    }
    Ok(())
}

/// The LLM engine the settings describe, if any.
pub fn llm_engine(settings: &Settings) -> Result<Option<Arc<LlmEngine>>> {
    let Some(config) = settings.llm_config()? else {
        return Ok(None);
    };
    let engine = LlmEngine::new(config).map_err(anyhow::Error::msg)?;
    Ok(Some(Arc::new(engine)))
}

/// `parley analyze`: analyses calls right here (no server needed).
pub async fn analyze(
    store: &dyn Store,
    settings: &Settings,
    call: Option<&str>,
    workspace_id: Option<&str>,
) -> Result<()> {
    let llm = llm_engine(settings)?;
    let ids = match call {
        Some(c) => vec![CallId(
            parley_domain::parse_id(c).with_context(|| format!("{c:?} is not a call id"))?,
        )],
        None => {
            let w = match workspace_id {
                Some(w) => Some(workspace(store, Some(w)).await?),
                None => None,
            };
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = store.transcribed_calls(w, after, 1000).await?;
                let Some(last) = page.last().copied() else {
                    break;
                };
                after = Some(last);
                all.extend(page);
            }
            all
        }
    };
    let bar = ProgressBar::new(ids.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} calls analysed {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut failed = 0;
    for id in &ids {
        if let Err(e) = analyze_call(store, llm.as_deref(), *id, None).await {
            bar.suspend(|| eprintln!("call {id}: {}", e.message));
            failed += 1;
        }
        bar.inc(1);
    }
    bar.finish();
    if failed > 0 {
        bail!("{failed} of {} calls could not be analysed", ids.len());
    }
    Ok(())
}

/// `parley analyze --queued`: runs the queued analysis jobs (and those they queue) here
/// until none is left; prints how many ran.
pub async fn run_queued(store: Arc<dyn Store>, settings: &Settings) -> Result<()> {
    let workers = parley_app::worker::Workers {
        store,
        blobs: parley_blob::BlobStore::open("memory://")?,
        transcriber: None,
        config: settings.worker_config()?,
        fetch: None,
        llm: llm_engine(settings)?,
        webhooks: None,
    };
    let name = format!("{}-analyze", parley_app::worker::default_worker_name());
    let mut ran = 0usize;
    while workers
        .run_next(&name, &parley_app::worker::ANALYSIS_KINDS)
        .await?
    {
        ran += 1;
    }
    println!("{ran} queued analysis jobs run");
    Ok(())
}
