//! The audit log from the command line: what each write command records (actor `cli`
//! with the operating-system user), and `parley audit`, which prints recent entries.

use anyhow::{Context, Result};
use chrono::Utc;

use parley_domain::audit::bounded_text;
use parley_domain::{Actor, AuditAction, AuditEntry, AuditRecord, Outcome, Timestamp};
use parley_store::AuditFilter;

use crate::analysis_cli::TrackersCommand;
use crate::settings::Settings;
use crate::{Command, KeysCommand, OAuthAppsCommand, UsersCommand};

/// The write a command makes, and what it acts on; `None` for commands that only read.
pub fn audited(command: &Command) -> Option<(AuditAction, Vec<String>)> {
    Some(match command {
        Command::Keys(KeysCommand::Create { name, .. }) => {
            (AuditAction::KeyCreated, vec![name.clone()])
        }
        Command::Keys(KeysCommand::Rotate { access_key }) => {
            (AuditAction::KeyRotated, vec![access_key.clone()])
        }
        Command::Users(UsersCommand::Password { email })
        | Command::Users(UsersCommand::ResetLink { email }) => {
            (AuditAction::PermissionChanged, vec![email.clone()])
        }
        Command::Users(UsersCommand::Role { email, .. })
        | Command::Users(UsersCommand::Profile { email, .. }) => {
            (AuditAction::PermissionChanged, vec![email.clone()])
        }
        Command::Keys(KeysCommand::Revoke { access_key }) => {
            (AuditAction::KeyRevoked, vec![access_key.clone()])
        }
        Command::OauthApps(OAuthAppsCommand::Create { name, .. }) => {
            (AuditAction::OAuthAppCreated, vec![name.clone()])
        }
        Command::OauthApps(OAuthAppsCommand::Revoke { client_id }) => {
            (AuditAction::OAuthAppRevoked, vec![client_id.clone()])
        }
        Command::Users(UsersCommand::Add { email, .. }) => {
            (AuditAction::UserAdded, vec![email.clone()])
        }
        Command::Import {
            call: Some(call), ..
        } => (AuditAction::TranscriptImported, vec![call.clone()]),
        Command::Import {
            call: None, files, ..
        } => (
            AuditAction::MediaImported,
            files.iter().map(|f| f.display().to_string()).collect(),
        ),
        Command::Speakers {
            call,
            speaker: Some(speaker),
            party: Some(party),
        } => (
            AuditAction::SpeakerAssigned,
            vec![call.clone(), speaker.clone(), party.clone()],
        ),
        Command::Enroll { user, .. } => (AuditAction::VoiceEnrolled, vec![user.clone()]),
        Command::Trackers(TrackersCommand::Add { name, .. }) => (
            AuditAction::SettingsChanged,
            vec![format!("tracker {name}")],
        ),
        Command::Trackers(TrackersCommand::Remove { id }) => {
            (AuditAction::SettingsChanged, vec![format!("tracker {id}")])
        }
        Command::Analyze {
            call, workspace, ..
        } => (
            AuditAction::AnalysisRequested,
            vec![call
                .clone()
                .or_else(|| workspace.as_ref().map(|w| format!("workspace {w}")))
                .unwrap_or_else(|| "all".to_owned())],
        ),
        Command::Demo => (AuditAction::DemoSeeded, vec![]),
        Command::Scorecards(args) => return crate::scorecards_cli::audited(args),
        Command::Library(args) => return crate::library_cli::audited(args),
        Command::Meetings(args) => return crate::meetings_cli::audited(args),
        Command::Crm(args) => return crate::crm_cli::audited(args),
        Command::Privacy(args) => return crate::privacy_cli::audited(args),
        Command::Access(args) => return crate::access_cli::audited(args),
        Command::Flows(args) => return crate::flows_cli::audited(args),
        Command::Rules(args) => return crate::rules_cli::audited(args),
        Command::CrmConnectors(args) => return crate::crm_writeback_cli::audited_connectors(args),
        Command::CrmWrites(args) => return crate::crm_writeback_cli::audited_writes(args),
        _ => return None,
    })
}

/// Who runs this process. `USER` (or `LOGNAME`, `USERNAME`) is what the shell says;
/// whoever can run the CLI can also write the database, so it is a record, not a proof.
fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// How a command ended, as the kind `main::app_error` puts first (`not found: ...`).
fn outcome_of(result: &Result<()>) -> Outcome {
    match result {
        Ok(()) => Outcome::Done,
        Err(e) => {
            let text = e.to_string();
            let kind = ["invalid", "not found", "conflict", "forbidden"]
                .into_iter()
                .find(|k| text.starts_with(&format!("{k}: ")))
                .unwrap_or("failed");
            Outcome::Failed(kind.to_owned())
        }
    }
}

/// Records a command's write once it ended. Never fails the command: a log that cannot be
/// written is a warning (the command's own error, if any, is the one that matters).
pub async fn record(
    settings: &Settings,
    action: AuditAction,
    targets: Vec<String>,
    result: &Result<()>,
) {
    let entry = AuditEntry::new(
        Utc::now(),
        parley_app::audit::cli_actor(&os_user()),
        action,
        outcome_of(result),
    )
    .on(targets);
    let written = async {
        let store = crate::open_store(settings).await?;
        parley_app::audit::append(store.as_ref(), entry)
            .await
            .map_err(crate::app_error)
    };
    if let Err(e) = written.await {
        tracing::warn!(error = %e, action = action.key(), "could not record the command in the audit log");
    }
}

/// `parley audit`: the newest `limit` entries (since `since`), oldest first.
pub async fn print(settings: &Settings, since: Option<&str>, limit: u32) -> Result<()> {
    let since = since.map(|s| parse_since(s, Utc::now())).transpose()?;
    let store = crate::open_store(settings).await?;
    let filter = AuditFilter {
        log: None,
        from: since,
        to: None,
        newest_first: true,
    };
    let page = parley_app::audit::list(store.as_ref(), &filter, None, limit)
        .await
        .map_err(crate::app_error)?;
    for r in page.records.iter().rev() {
        println!("{}", line(r));
    }
    Ok(())
}

/// `--since`: a duration back from now (`90m`, `24h`, `7d`), an RFC 3339 date-time or a
/// UTC date.
fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp> {
    let text = text.trim();
    let relative = text
        .char_indices()
        .last()
        .and_then(|(i, unit)| Some((text[..i].parse::<i64>().ok()?, unit)))
        .and_then(|(n, unit)| match unit {
            's' => chrono::Duration::try_seconds(n),
            'm' => chrono::Duration::try_minutes(n),
            'h' => chrono::Duration::try_hours(n),
            'd' => chrono::Duration::try_days(n),
            _ => None,
        });
    if let Some(back) = relative {
        return now
            .checked_sub_signed(back)
            .context("--since: too far back");
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    anyhow::bail!(
        "--since: {:?} is neither a duration (90m, 24h, 7d) nor a date (2025-06-01, \
         2025-06-01T09:00:00Z)",
        bounded_text(text, 64)
    )
}

/// One entry on one line: when, who, what, on what, from where, how it ended.
fn line(r: &AuditRecord) -> String {
    let e = &r.entry;
    let who = match &e.actor {
        Actor::ApiKey { access_key, .. } => format!("key {access_key}"),
        Actor::Rejected { fingerprint } => {
            format!(
                "rejected key {}",
                fingerprint.as_deref().unwrap_or("(none)")
            )
        }
        Actor::Cli { os_user } => format!("cli {os_user}"),
        Actor::User { user_id } => format!("user {user_id}"),
        Actor::MediaUrl => "signed media url".to_owned(),
    };
    let what = match &e.request {
        Some(req) => format!(
            "{} {} {}",
            req.method,
            req.route.as_deref().unwrap_or("-"),
            req.path
        ),
        None => e.action.key().to_owned(),
    };
    let mut out = format!(
        "{}  {:<8}  {:<32}  {}",
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        e.actor.source(),
        who,
        what
    );
    if !e.targets.is_empty() {
        out.push_str(&format!("  on {}", e.targets.join(",")));
    }
    if let Some(ip) = e.client_ip {
        out.push_str(&format!("  from {ip}"));
    }
    out.push_str(&format!("  {}", e.outcome.key()));
    if e.count > 1 {
        out.push_str(&format!(
            "  x{} until {}",
            e.count,
            e.last_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    // Stored text is bounded and escaped already; this keeps a corrupt row harmless too.
    bounded_text(&out, 2048)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_reads_durations_and_dates() {
        let now = Utc.with_ymd_and_hms(2025, 6, 12, 12, 0, 0).unwrap();
        assert_eq!(
            parse_since("24h", now).unwrap(),
            Utc.with_ymd_and_hms(2025, 6, 11, 12, 0, 0).unwrap()
        );
        assert_eq!(
            parse_since("7d", now).unwrap(),
            Utc.with_ymd_and_hms(2025, 6, 5, 12, 0, 0).unwrap()
        );
        assert_eq!(
            parse_since("2025-06-01T00:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap()
        );
        let err = parse_since("yesterday", now).unwrap_err().to_string();
        assert!(err.starts_with("--since: "), "{err}");
    }

    #[test]
    fn failures_keep_only_their_kind() {
        assert_eq!(outcome_of(&Ok(())), Outcome::Done);
        assert_eq!(
            outcome_of(&Err(anyhow::anyhow!("not found: no active key X"))),
            Outcome::Failed("not found".into())
        );
        assert_eq!(
            outcome_of(&Err(anyhow::anyhow!("no active key X"))),
            Outcome::Failed("failed".into())
        );
    }
}
