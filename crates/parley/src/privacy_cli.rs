//! `parley privacy`: what Parley holds about an e-mail address or phone number, erasing
//! it (with a dry run first), and the erase reports — `/v2/data-privacy/*` and
//! `/parley/v1/data-privacy/erasures`.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};

use gong_api_v2::privacy::{EraseBody, ErasureView};
use parley_app::privacy::Findings;
use parley_domain::privacy::{Erasure, ErasureState, Subject};
use parley_domain::AuditAction;

use crate::manage::{body, Ctx, LocalWorkers, POLL};
use crate::settings::Settings;

/// Most erasures one listing shows, as the route.
const MAX_LISTED: u32 = 500;

#[derive(Debug, Args)]
pub struct PrivacyArgs {
    /// Print JSON (the records the routes answer with) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: PrivacyCommand,
}

/// The person: an e-mail address or a phone number.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Person {
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Everything that references an e-mail address or phone number: calls, parties,
    /// transcript mentions, CRM objects, users.
    Find {
        #[command(flatten)]
        person: Person,
    },
    /// Erase everything held about a person (calls where they were the only outside
    /// party, their party rows, voice and sentences, mentions redacted, recordings they
    /// are heard in) and print the report. Needs --yes, or --dry-run to see the report
    /// without deleting anything.
    Erase {
        #[arg(long, conflicts_with = "file")]
        email: Option<String>,
        #[arg(long, conflicts_with = "file")]
        phone: Option<String>,
        /// The body of POST /parley/v1/data-privacy/erasures instead:
        /// {"emailAddress" | "phoneNumber", "dryRun"} (`-` for standard input).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Report what would be erased; delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Really erase (it cannot be undone).
        #[arg(long)]
        yes: bool,
    },
    /// List erase reports, newest first.
    Erasures {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show one erase report.
    Erasure { id: String },
}

fn subject(email: Option<&str>, phone: Option<&str>) -> Result<Subject> {
    match (email, phone) {
        (Some(e), None) => Subject::email(e).map_err(|e| anyhow!("invalid: {}", e.0)),
        (None, Some(p)) => Subject::phone(p).map_err(|e| anyhow!("invalid: {}", e.0)),
        _ => bail!("invalid: give exactly one of --email and --phone (or emailAddress and phoneNumber in --file)"),
    }
}

pub fn audited(args: &PrivacyArgs) -> Option<(AuditAction, Vec<String>)> {
    let PrivacyCommand::Erase {
        email,
        phone,
        file,
        dry_run,
        ..
    } = &args.command
    else {
        return None;
    };
    // Never the address itself: the log outlives the erase.
    let who = match (file, subject(email.as_deref(), phone.as_deref())) {
        (Some(f), _) => format!("from {}", f.display()),
        (None, Ok(s)) => s.masked(),
        (None, Err(_)) => "(no valid address)".to_owned(),
    };
    let what = if *dry_run { "erase dry run" } else { "erase" };
    Some((
        AuditAction::PersonalDataErased,
        vec![format!("{what} {who}")],
    ))
}

fn print_findings(s: &Subject, f: &Findings) {
    let list = |ids: Vec<String>| {
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        }
    };
    println!("{}:", s.masked());
    println!(
        "  calls as a party: {}",
        list(f.party_calls.keys().map(|c| c.to_string()).collect())
    );
    println!(
        "  calls mentioning it: {}",
        list(f.mention_calls.keys().map(|c| c.to_string()).collect())
    );
    println!(
        "  calls with it in their fields: {}",
        list(f.field_calls.iter().map(|c| c.to_string()).collect())
    );
    println!(
        "  users: {}",
        list(f.users.iter().map(|u| u.to_string()).collect())
    );
    println!(
        "  crm objects: {}",
        list(
            f.crm_objects
                .iter()
                .map(|o| format!("{} {}", o.object_type, o.object_id))
                .collect()
        )
    );
    if !f.matching_phones.is_empty() {
        println!(
            "  stored as: {}",
            list(f.matching_phones.iter().cloned().collect())
        );
    }
}

fn print_erasure(e: &ErasureView) {
    println!(
        "erasure {}  {} {}  {}{}  requested {} by {}{}",
        e.id,
        e.kind,
        e.subject,
        e.state,
        if e.dry_run { " (dry run)" } else { "" },
        e.requested,
        e.requested_by,
        e.finished
            .as_deref()
            .map(|f| format!("  finished {f}"))
            .unwrap_or_default()
    );
    if let Some(err) = &e.error {
        println!("  error: {err}");
    }
    if let Some(r) = &e.report {
        let ids = |v: &[parley_domain::CallId]| {
            v.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let f = &r.found;
        println!(
            "  found: {} calls as a party, {} mentioning, {} with fields; {} parties, {} sentences, {} users, {} crm objects, {} audit entries",
            f.calls_as_party.len(),
            f.calls_mentioning.len(),
            f.calls_with_fields.len(),
            f.parties,
            f.transcript_sentences,
            f.users.len(),
            f.crm_objects,
            f.audit_entries
        );
        let d = &r.done;
        let verb = if e.dry_run { "would be" } else { "were" };
        println!(
            "  {} calls {verb} deleted{}",
            d.calls_deleted.len(),
            if d.calls_deleted.is_empty() {
                String::new()
            } else {
                format!(" ({})", ids(&d.calls_deleted))
            }
        );
        println!(
            "  {} recordings, {} parties, {} sentences and {} voices {verb} removed; {} sentences {verb} redacted; {} users {verb} anonymised; {} calls {verb} re-analysed",
            d.recordings_deleted.len(),
            d.parties_removed,
            d.sentences_removed,
            d.voices_removed,
            d.sentences_redacted,
            d.users_anonymised.len(),
            d.calls_reanalysed.len()
        );
        for (table, n) in &d.rows_redacted {
            println!("  {n} rows of {table} {verb} redacted");
        }
        for (table, n) in &d.rows_deleted {
            println!("  {n} rows of {table} {verb} deleted");
        }
    }
}

fn show_erasure(ctx: &Ctx, e: Erasure) -> Result<()> {
    let view = ErasureView::of(e);
    ctx.show(&serde_json::json!({ "erasure": view }), || {
        print_erasure(&view)
    })
}

pub async fn run(settings: &Settings, args: &PrivacyArgs) -> Result<()> {
    let ctx = Ctx::open(settings, args.json).await?;
    let store = ctx.store();
    match &args.command {
        PrivacyCommand::Find { person } => {
            let s = subject(person.email.as_deref(), person.phone.as_deref())?;
            let f = parley_app::privacy::find(store, &s)
                .await
                .map_err(crate::app_error)?;
            // The API's answer, without its request id.
            let mut value = match (&person.email, &person.phone) {
                (Some(_), _) => serde_json::to_value(
                    parley_server::email_answer(store, &s, ctx.render.tz)
                        .await
                        .map_err(crate::app_error)?,
                )?,
                (None, phone) => serde_json::to_value(
                    parley_server::phone_answer(store, &s, phone.clone().unwrap_or_default())
                        .await
                        .map_err(crate::app_error)?,
                )?,
            };
            if let Some(o) = value.as_object_mut() {
                o.remove("requestId");
            }
            ctx.show(&value, || print_findings(&s, &f))
        }
        PrivacyCommand::Erase {
            email,
            phone,
            file,
            dry_run,
            yes,
        } => {
            let (s, dry_run) = match file {
                Some(path) => {
                    let b: EraseBody = body(path)?;
                    let s = subject(b.email_address.as_deref(), b.phone_number.as_deref())?;
                    (s, *dry_run || b.dry_run)
                }
                None => (subject(email.as_deref(), phone.as_deref())?, *dry_run),
            };
            if dry_run {
                let e = parley_app::privacy::dry_run(store, &s, &ctx.who)
                    .await
                    .map_err(crate::app_error)?;
                return show_erasure(&ctx, e);
            }
            if !*yes {
                bail!(
                    "invalid: erasing cannot be undone: run with --dry-run to see what would be erased, then again with --yes"
                );
            }
            let e = parley_app::privacy::request_erase(store, &s, &ctx.who)
                .await
                .map_err(crate::app_error)?;
            // The erase runs as a job (the same one the API queues); this command runs it
            // here unless a server's worker takes it first, and waits for its report.
            let workers = LocalWorkers::start(&ctx)?;
            let waited = async {
                loop {
                    let now = store
                        .get_erasure(e.id)
                        .await?
                        .ok_or_else(|| anyhow!("failed: erasure {} disappeared", e.id))?;
                    if now.state != ErasureState::Queued {
                        return Ok::<_, anyhow::Error>(now);
                    }
                    // A job that gave up leaves the erasure queued: say why instead of
                    // waiting for ever.
                    if let Some(job) = now.job_id {
                        if let Some(j) = store.get_job(job).await? {
                            if j.state == parley_domain::JobState::Failed {
                                bail!(
                                    "failed: the erase job {job} failed: {}; `parley jobs --state failed` lists it",
                                    j.error.unwrap_or_default()
                                );
                            }
                        }
                    }
                    tokio::time::sleep(POLL).await;
                }
            }
            .await;
            workers.stop().await;
            let done = waited?;
            let failed = done.state == ErasureState::Failed;
            show_erasure(&ctx, done)?;
            if failed {
                bail!("failed: the erase did not complete (see the error above)");
            }
            Ok(())
        }
        PrivacyCommand::Erasures { limit } => {
            if !(1..=MAX_LISTED).contains(limit) {
                bail!("invalid: --limit must be from 1 to {MAX_LISTED}");
            }
            let list: Vec<ErasureView> = store
                .list_erasures(*limit)
                .await?
                .into_iter()
                .map(ErasureView::of)
                .collect();
            ctx.show(&serde_json::json!({ "erasures": list }), || {
                for e in &list {
                    println!(
                        "{}  {:<5} {:<24} {:<6}{}  requested {} by {}",
                        e.id,
                        e.kind,
                        e.subject,
                        e.state,
                        if e.dry_run { " (dry run)" } else { "" },
                        e.requested,
                        e.requested_by
                    );
                }
            })
        }
        PrivacyCommand::Erasure { id } => {
            let missing = || {
                anyhow!("not found: no erasure {id:?}; list them with `parley privacy erasures`")
            };
            let n: i64 = id.trim().parse().map_err(|_| missing())?;
            let e = store.get_erasure(n).await?.ok_or_else(missing)?;
            show_erasure(&ctx, e)
        }
    }
}
