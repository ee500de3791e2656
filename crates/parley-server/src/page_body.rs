//! A page of pre-rendered JSON sent as the pieces it was built from.
//!
//! A page of calls or transcripts is rendered call by call (or served from the call
//! cache); joining the pieces into one buffer would hold the page twice for as long as it
//! takes to copy it. The body here sends each piece as it is, with the length known, so
//! the page costs its pieces and nothing more.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gong_api_v2::PageFrame;
use http_body::{Frame, SizeHint};

/// The most bytes of small pieces joined into one frame.
const FRAME_BYTES: usize = 64 * 1024;

/// Pieces of a body, in order, and the bytes left to send.
struct Pieces {
    chunks: VecDeque<Bytes>,
    remaining: u64,
}

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let Some(first) = this.chunks.pop_front() else {
            return Poll::Ready(None);
        };
        // Small pieces (a call's JSON, the commas between) are joined into frames of up to
        // FRAME_BYTES as they are sent: a frame per piece cost hyper a write per handful
        // of pieces (+60% server CPU on a page of 100 calls, BENCHMARKS.md), and joining
        // as we go holds at most one frame beyond the pieces.
        let fits =
            |buf: usize, next: Option<&Bytes>| next.is_some_and(|n| buf + n.len() <= FRAME_BYTES);
        let chunk = if !fits(first.len(), this.chunks.front()) {
            first
        } else {
            let mut buf = Vec::with_capacity(FRAME_BYTES);
            buf.extend_from_slice(&first);
            while fits(buf.len(), this.chunks.front()) {
                if let Some(next) = this.chunks.pop_front() {
                    buf.extend_from_slice(&next);
                }
            }
            Bytes::from(buf)
        };
        this.remaining -= chunk.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// A 200 whose body is `frame` around `items` (each one item's JSON): the bytes the typed
/// response serialises to, with Gong's content type and a `Content-Length`.
pub fn raw_page(frame: PageFrame, items: Vec<Bytes>) -> Response {
    let mut chunks = VecDeque::with_capacity(items.len() * 2 + 2);
    chunks.push_back(Bytes::from(frame.head));
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            chunks.push_back(Bytes::from_static(b","));
        }
        chunks.push_back(item);
    }
    chunks.push_back(Bytes::from_static(frame.tail));
    let remaining = chunks.iter().map(|c| c.len() as u64).sum();
    let mut resp = (StatusCode::OK, Body::new(Pieces { chunks, remaining })).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use http_body::Body as _;

    fn frames(chunks: Vec<Bytes>) -> Vec<Bytes> {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        let mut body = Pieces {
            chunks: chunks.into(),
            remaining,
        };
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
            out.push(frame.into_data().unwrap());
        }
        assert!(body.is_end_stream());
        assert_eq!(body.size_hint().exact(), Some(0));
        out
    }

    /// Small pieces go out joined, in frames of at most FRAME_BYTES; a big piece goes out
    /// as it is; the bytes are the pieces' in order.
    #[test]
    fn small_pieces_are_joined_and_big_ones_sent_as_they_are() {
        let small: Vec<Bytes> = (0..200)
            .map(|i| Bytes::from(format!("{{\"call\":{i}}}").repeat(40)))
            .collect();
        let big = Bytes::from(vec![b'x'; FRAME_BYTES + 1]);
        let mut chunks = small.clone();
        chunks.insert(100, big.clone());
        let out = frames(chunks.clone());
        assert!(out.len() < 12, "{} frames for 201 pieces", out.len());
        assert!(out.iter().all(|f| f.len() <= FRAME_BYTES || *f == big));
        assert!(out.iter().any(|f| f.as_ptr() == big.as_ptr()), "not copied");
        assert_eq!(out.concat(), chunks.concat());
    }

    #[tokio::test]
    async fn a_page_is_its_frame_around_its_items() {
        let frame = PageFrame {
            head: b"{\"calls\":[".to_vec(),
            tail: b"]}",
        };
        let resp = raw_page(frame, vec![Bytes::from("1"), Bytes::from("2")]);
        let body = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&body[..], b"{\"calls\":[1,2]}");
    }
}
