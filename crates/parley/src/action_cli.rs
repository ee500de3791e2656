//! `parley action list|show|run`: the API's operations as actions, found by intent and
//! run with JSON input through a saved connection (`parley_client::{catalogue, intent,
//! run}`).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;

use parley_client::catalogue::{Action, Catalogue};
use parley_client::intent;
use parley_client::request::Limits;
use parley_client::run::{self, Outcome, Pages};

use crate::client_cli;

#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    command: ActionCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Stable JSON: a listing as {"items", "pages", "nextCursor"}, else the answer.
    Json,
    /// A listing's items, one JSON object a line.
    Ndjson,
    /// A listing's items as CSV: top-level fields as columns, nested values as JSON.
    Csv,
    /// A readable table (the default on a terminal).
    Table,
}

#[derive(Debug, Subcommand)]
enum ActionCommand {
    /// List the actions, or with --intent the ones that best match what you want to do.
    List {
        /// What you want to do, in your own words ("who talked most last week").
        #[arg(long)]
        intent: Option<String>,
        /// How many actions --intent shows
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Only the actions this connection's server has: against Gong, Gong's own
        /// (`/v2`); against a Parley, all of them
        #[arg(long)]
        connection: Option<String>,
        /// The connections file (as for `parley connection`)
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// Print JSON: each action with its id, name, description, inputSchema and
        /// outputSchema
        #[arg(long)]
        json: bool,
    },
    /// Show one action: what it does, its input and output schemas.
    Show {
        /// The action's id (or one of its names)
        action: String,
        #[arg(long)]
        json: bool,
    },
    /// Run an action with JSON input through a connection.
    Run {
        /// The action's id (`list-calls`) or one of its names ("List email references")
        action: String,
        /// The input as JSON, @FILE to read a file, @- standard input [default: {}]
        #[arg(long)]
        input: Option<String>,
        /// The connection's name [default: the environment's, else the only one saved]
        #[arg(long)]
        connection: Option<String>,
        /// Print stable JSON (the default when not on a terminal)
        #[arg(long, conflicts_with_all = ["ndjson", "csv", "format"])]
        json: bool,
        /// Print a listing's items as NDJSON
        #[arg(long, conflicts_with_all = ["csv", "format"])]
        ndjson: bool,
        /// Print a listing's items as CSV
        #[arg(long, conflicts_with = "format")]
        csv: bool,
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Follow the cursor to the last page
        #[arg(long, conflicts_with = "max_pages")]
        all_pages: bool,
        /// Follow the cursor for at most this many pages [default: 1]
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        max_pages: Option<u32>,
        /// Give up on a request after this many seconds
        #[arg(long, default_value_t = 120)]
        max_time: u64,
        /// The connections file (as for `parley connection`)
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
}

/// The intent index over the built-in catalogue, ranking by meaning too when the sentence
/// encoder is in the models folder.
fn index(models: &Path) -> &'static intent::Index<'static> {
    static INDEX: OnceLock<intent::Index<'static>> = OnceLock::new();
    INDEX.get_or_init(|| intent::open(Catalogue::builtin(), models, intent::Params::default()))
}

fn find(id: &str, models: &Path) -> Result<&'static Action> {
    Catalogue::builtin().find(id).ok_or_else(|| {
        let close: Vec<String> = index(models)
            .search(id, 3)
            .into_iter()
            .map(|h| h.action.key.clone())
            .collect();
        if close.is_empty() {
            anyhow!("no action {id:?}: `parley action list` shows them")
        } else {
            anyhow!("no action {id:?}; did you mean {}?", close.join(", "))
        }
    })
}

/// Runs the command; the exit code says how it went (`parley_client::exit_code`).
pub async fn run(args: &ActionArgs, models: &Path) -> Result<i32> {
    match &args.command {
        ActionCommand::List {
            intent: query,
            limit,
            connection,
            file,
            json,
        } => {
            // Gong has only its own API; a Parley answers both (`connection::is_gong`).
            let gong_only = match connection {
                None => false,
                Some(name) => match client_cli::connection_url(file.as_deref(), name) {
                    Ok(url) => parley_client::connection::is_gong(&url),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return Ok(parley_client::EXIT_USAGE);
                    }
                },
            };
            let served = |a: &&Action| !gong_only || a.path.starts_with("/v2/");
            let actions: Vec<&Action> = match query {
                // Ranked over the whole catalogue, then filtered: enough hits to fill the
                // limit with the connection's own.
                Some(q) => index(models)
                    .search(q, usize::MAX)
                    .into_iter()
                    .map(|h| h.action)
                    .filter(served)
                    .take((*limit).max(1))
                    .collect(),
                None => Catalogue::builtin().all().iter().filter(served).collect(),
            };
            let mut out = std::io::stdout().lock();
            if *json {
                let list: Vec<Value> = actions.iter().map(|a| a.to_json()).collect();
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else {
                let width = actions.iter().map(|a| a.key.len()).max().unwrap_or(0);
                for a in actions {
                    writeln!(out, "{:width$}  {}", a.key, a.name)?;
                }
            }
            Ok(0)
        }
        ActionCommand::Show { action, json } => {
            let a = match find(action, models) {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(parley_client::EXIT_USAGE);
                }
            };
            let mut out = std::io::stdout().lock();
            if *json {
                serde_json::to_writer_pretty(&mut out, &a.to_json())?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}  {}\n{} {}\n", a.key, a.name, a.method, a.path)?;
                if !a.description.is_empty() {
                    writeln!(out, "{}\n", a.description)?;
                }
                if !a.aliases.is_empty() {
                    writeln!(out, "also called: {}\n", a.aliases.join("; "))?;
                }
                writeln!(out, "input:")?;
                for f in &a.fields {
                    let schema = &a.input_schema["properties"][&f.name];
                    let what = schema
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    writeln!(
                        out,
                        "  {}{}  {}",
                        f.name,
                        if f.required { " (required)" } else { "" },
                        what
                    )?;
                }
                if a.paging.is_some() {
                    writeln!(
                        out,
                        "\npaged: --all-pages or --max-pages N follow the cursor"
                    )?;
                }
            }
            Ok(0)
        }
        ActionCommand::Run {
            action,
            input,
            connection,
            json,
            ndjson,
            csv,
            format,
            all_pages,
            max_pages,
            max_time,
            file,
        } => {
            let format = match (json, ndjson, csv, format) {
                (true, ..) => Format::Json,
                (_, true, ..) => Format::Ndjson,
                (_, _, true, _) => Format::Csv,
                (.., Some(f)) => *f,
                _ if std::io::stdout().is_terminal() => Format::Table,
                _ => Format::Json,
            };
            let pages = match (all_pages, max_pages) {
                (true, _) => Pages::All,
                (_, Some(n)) => Pages::AtMost(*n),
                _ => Pages::One,
            };
            let prepared = find(action, models).and_then(|a| {
                let text = match input {
                    Some(i) => String::from_utf8(client_cli::body_bytes(i)?)
                        .map_err(|_| anyhow!("--input is not UTF-8"))?,
                    None => "{}".to_owned(),
                };
                let value: Value = serde_json::from_str(&text)
                    .map_err(|e| anyhow!("--input is not valid JSON: {e}"))?;
                let limits = Limits {
                    timeout: Duration::from_secs((*max_time).max(1)),
                    ..Limits::default()
                };
                let remote = client_cli::remote(file.as_deref(), connection.as_deref(), limits)?;
                Ok((a, value, remote))
            });
            let (a, value, remote) = match prepared {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(parley_client::EXIT_USAGE);
                }
            };
            let outcome = match run::run(a, &value, &remote, pages).await {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(e.exit_code());
                }
            };
            print_outcome(&outcome, format)?;
            Ok(parley_client::exit_code(outcome.status))
        }
    }
}

fn print_outcome(outcome: &Outcome, format: Format) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if !outcome.ok() {
        // The error body as it came, for scripts and people alike.
        serde_json::to_writer(&mut out, &outcome.body)?;
        writeln!(out)?;
        if let Some(errors) = outcome.body.get("errors").and_then(Value::as_array) {
            for e in errors.iter().filter_map(Value::as_str) {
                eprintln!("error: {e}");
            }
        } else {
            eprintln!("error: the server answered {}", outcome.status);
        }
        return Ok(());
    }
    if let Some(cursor) = &outcome.next_cursor {
        eprintln!("more pages: --all-pages, or --max-pages N (next cursor {cursor})");
    }
    let rows: Vec<Value> = match &outcome.items {
        Some(items) => items.clone(),
        None => match &outcome.body {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        },
    };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &outcome.to_json())?;
            writeln!(out)?;
        }
        Format::Ndjson => {
            for row in &rows {
                serde_json::to_writer(&mut out, row)?;
                writeln!(out)?;
            }
        }
        Format::Csv => write_csv(&mut out, &rows)?,
        Format::Table => write_table(&mut out, &rows)?,
    }
    out.flush()?;
    Ok(())
}

/// Columns: the rows' top-level fields in the order first seen.
fn columns(rows: &[Value]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for row in rows {
        if let Some(o) = row.as_object() {
            for k in o.keys() {
                if !cols.contains(k) {
                    cols.push(k.clone());
                }
            }
        }
    }
    cols
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn write_csv(out: &mut impl Write, rows: &[Value]) -> Result<()> {
    fn quote(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let cols = columns(rows);
    if cols.is_empty() {
        for row in rows {
            writeln!(out, "{}", quote(&cell(Some(row))))?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",")
    )?;
    for row in rows {
        let line: Vec<String> = cols.iter().map(|c| quote(&cell(row.get(c)))).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// A table for people: scalar columns only (nested values are for --json), cells cut at
/// 40 characters.
fn write_table(out: &mut impl Write, rows: &[Value]) -> Result<()> {
    const MAX: usize = 40;
    let cols: Vec<String> = columns(rows)
        .into_iter()
        .filter(|c| {
            rows.iter()
                .all(|r| !matches!(r.get(c), Some(Value::Object(_) | Value::Array(_))))
        })
        .collect();
    if cols.is_empty() {
        for row in rows {
            writeln!(out, "{}", serde_json::to_string_pretty(row)?)?;
        }
        return Ok(());
    }
    let cut = |s: String| -> String {
        if s.chars().count() > MAX {
            let mut t: String = s.chars().take(MAX - 1).collect();
            t.push('…');
            t
        } else {
            s
        }
    };
    let grid: Vec<Vec<String>> = rows
        .iter()
        .map(|r| cols.iter().map(|c| cut(cell(r.get(c)))).collect())
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            grid.iter()
                .map(|row| row[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&cols))?;
    for row in &grid {
        writeln!(out, "{}", line(row))?;
    }
    writeln!(out, "({} rows)", rows.len())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_and_flattens() {
        let rows = vec![
            json!({"id": "1", "title": "Acme, Inc \"demo\"", "parties": [{"name": "a"}]}),
            json!({"id": "2", "extra": null}),
        ];
        let mut out = Vec::new();
        write_csv(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,title,parties,extra\n1,\"Acme, Inc \"\"demo\"\"\",\"[{\"\"name\"\":\"\"a\"\"}]\",\n2,,,\n"
        );
    }

    #[test]
    fn tables_keep_scalar_columns() {
        let rows = vec![json!({"id": "1", "nested": {"a": 1}, "title": "x".repeat(50)})];
        let mut out = Vec::new();
        write_table(&mut out, &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("id  title"), "{text}");
        assert!(!text.contains("nested"));
        assert!(text.contains('…'));
    }
}
