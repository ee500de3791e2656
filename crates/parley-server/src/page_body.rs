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
        Poll::Ready(this.chunks.pop_front().map(|chunk| {
            this.remaining -= chunk.len() as u64;
            Ok(Frame::data(chunk))
        }))
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
