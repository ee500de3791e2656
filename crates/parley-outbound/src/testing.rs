//! What the request modules' tests share: a one-connection HTTP server on loopback and a
//! policy that lets requests reach it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::{FetchPolicy, HostAllowList};

/// A server on loopback that reads one request (headers, then the body by its length),
/// answers `reply` (status line onwards) and hands back the request it read. Returns the
/// URL of `path` on it.
pub(crate) async fn serve_once(
    path: &str,
    reply: String,
) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if seen.len() >= end + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        socket.write_all(reply.as_bytes()).await.unwrap();
        socket.shutdown().await.ok();
        String::from_utf8_lossy(&seen).to_string()
    });
    (url, task)
}

/// Loopback allowed, small answers, a short deadline.
pub(crate) fn loopback() -> FetchPolicy {
    FetchPolicy {
        allow: HostAllowList::parse(&["127.0.0.1"]).unwrap(),
        total_timeout: Duration::from_secs(10),
        max_bytes: 1024,
        ..FetchPolicy::default()
    }
}
