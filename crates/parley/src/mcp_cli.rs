//! `parley mcp`: an MCP server on standard input and output (newline-delimited JSON-RPC,
//! as MCP's stdio transport has it) whose tools run through a saved connection. The
//! connection's key or token is what the API sees, so its scopes, role and workspace
//! decide what each tool may do. Standard output carries protocol messages only; every
//! log line goes to standard error.

use std::time::Duration;

use anyhow::Result;
use clap::Args;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};

use parley_client::mcp::{self, Server, MAX_MESSAGE_BYTES};
use parley_client::request::Limits;

use crate::client_cli;

#[derive(Debug, Args)]
pub struct McpArgs {
    /// The connection's name [default: the environment's, else the only one saved]
    #[arg(long)]
    connection: Option<String>,
    /// The connections file (as for `parley connection`)
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// Give up on one request to the API after this many seconds
    #[arg(long, default_value_t = 120)]
    max_time: u64,
}

/// One line of input.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Message(Vec<u8>),
    /// Longer than the limit: skipped to its end, never held whole.
    TooLong,
}

/// The next line of `r` without its newline, holding at most `max` bytes of it; `None`
/// at the end of input.
async fn read_line(
    r: &mut (impl AsyncBufRead + Unpin),
    max: usize,
) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            if line.is_empty() && !too_long {
                return Ok(None);
            }
            break;
        }
        let (piece, end) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        if !too_long {
            if line.len() + piece.len() > max {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(piece);
            }
        }
        let used = end.unwrap_or(chunk.len());
        r.consume(used);
        if end.is_some() {
            break;
        }
    }
    Ok(Some(if too_long {
        Line::TooLong
    } else {
        Line::Message(line)
    }))
}

/// Serves until standard input ends; the exit code is 0, or 2 when no connection could
/// be chosen.
pub async fn run(args: &McpArgs) -> Result<i32> {
    let limits = Limits {
        timeout: Duration::from_secs(args.max_time.max(1)),
        ..Limits::default()
    };
    let remote = match client_cli::remote(args.file.as_deref(), args.connection.as_deref(), limits)
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(parley_client::EXIT_USAGE);
        }
    };
    let server = Server::builtin();
    tracing::info!(
        connection = %remote.connection().name,
        "mcp server on standard input and output"
    );
    let mut input = BufReader::new(tokio::io::stdin());
    let mut output = tokio::io::stdout();
    // Requests are answered one at a time, in order: a client of a local process needs no
    // more, and the API's rate limits would hold parallel tools back anyway.
    while let Some(line) = read_line(&mut input, MAX_MESSAGE_BYTES).await? {
        let answer = match line {
            Line::TooLong => Some(mcp::error_response(
                serde_json::Value::Null,
                &mcp::Failure {
                    code: mcp::INVALID_REQUEST,
                    message: format!("the message is larger than {MAX_MESSAGE_BYTES} bytes"),
                },
            )),
            Line::Message(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Message(bytes) => mcp::handle_bytes(&server, &bytes, &remote).await,
        };
        if let Some(answer) = answer {
            // serde_json escapes newlines inside strings: one message is one line.
            let mut text = answer.to_string().into_bytes();
            text.push(b'\n');
            output.write_all(&text).await?;
            output.flush().await?;
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_bounded_and_skipped_whole_when_too_long() {
        let text = b"{\"a\":1}\r\n0123456789abcdef\nok\nlast".to_vec();
        // A tiny buffer: lines arrive in pieces.
        let mut r = BufReader::with_capacity(4, &text[..]);
        let mut lines = Vec::new();
        while let Some(l) = read_line(&mut r, 10).await.unwrap() {
            lines.push(l);
        }
        assert_eq!(
            lines,
            vec![
                Line::Message(b"{\"a\":1}\r".to_vec()),
                Line::TooLong,
                Line::Message(b"ok".to_vec()),
                Line::Message(b"last".to_vec()),
            ]
        );
    }
}
