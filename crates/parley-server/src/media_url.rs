//! Signed, expiring URLs of call recordings (`media.audioUrl` / `videoUrl` of
//! `/v2/calls/extensive`), and the byte ranges a download asks for.
//!
//! A URL is `{public_url}/parley/v1/calls/{id}/media?expires=<unix s>&signature=<tag>`,
//! the tag `base64url(hmac-sha256(key, "parley-media-v1\n{call}\n{media key}\n{expires}"))`.
//! No credential is in it: whoever holds the URL may fetch that recording until it
//! expires, as with Gong's. The key lives in the database (every node signs and checks
//! alike, restarts keep URLs valid); the recording's storage key is signed too, so a URL
//! of a replaced recording stops working.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use parley_domain::CallId;

type HmacSha256 = Hmac<Sha256>;

/// URLs signed within one grid step share their expiry, so a page of calls rendered
/// with them can be served from the call cache until the next step.
const EXPIRY_STEP_SECS: i64 = 600;

/// Signs and checks media URLs.
pub struct MediaSigner {
    key: Vec<u8>,
    /// How long a URL works, at least (`media_url_hours`).
    valid_secs: i64,
    /// `{public_url}/parley/v1/calls/`.
    prefix: String,
}

/// Why a signed URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The signature does not match the call, its recording and the expiry.
    BadSignature,
    /// It did match, but the URL's time is up.
    Expired,
}

impl MediaSigner {
    pub fn new(key: Vec<u8>, valid_hours: u32, public_url: &str) -> MediaSigner {
        MediaSigner {
            key,
            valid_secs: i64::from(valid_hours) * 3600,
            prefix: format!("{}/parley/v1/calls/", public_url.trim_end_matches('/')),
        }
    }

    /// When a URL signed at `now` (unix seconds) expires: `media_url_hours` later,
    /// rounded up to the next grid step (so at most ten minutes more).
    pub fn expiry(&self, now: i64) -> i64 {
        let at = now.saturating_add(self.valid_secs);
        at.div_euclid(EXPIRY_STEP_SECS)
            .saturating_add(1)
            .saturating_mul(EXPIRY_STEP_SECS)
    }

    fn tag(&self, call: CallId, media_key: &str, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("hmac takes any key length");
        mac.update(format!("parley-media-v1\n{call}\n{media_key}\n{expires}").as_bytes());
        mac
    }

    /// The URL of `call`'s recording stored under `media_key`, working until `expires`.
    pub fn url(&self, call: CallId, media_key: &str, expires: i64) -> String {
        let tag = self.tag(call, media_key, expires).finalize().into_bytes();
        format!(
            "{}{call}/media?expires={expires}&signature={}",
            self.prefix,
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// Checks a URL's expiry and signature for `call`'s recording under `media_key`
    /// (in constant time), at `now` (unix seconds).
    pub fn check(
        &self,
        call: CallId,
        media_key: &str,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> Result<(), Refused> {
        let sent = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Refused::BadSignature)?;
        self.tag(call, media_key, expires)
            .verify_slice(&sent)
            .map_err(|_| Refused::BadSignature)?;
        if now >= expires {
            return Err(Refused::Expired);
        }
        Ok(())
    }
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeAsk {
    /// No range, or one this server ignores (several ranges, another unit, bad syntax):
    /// the whole object, 200.
    Whole,
    /// One satisfiable range, as `start..end` (end exclusive): 206.
    Part(std::ops::Range<u64>),
    /// A range that starts past the end (or a zero suffix, or any range of an empty
    /// object): 416.
    Unsatisfiable,
}

/// Reads a `Range` header (RFC 9110 §14.2) for one byte range.
pub fn range_of(header: Option<&str>, size: u64) -> RangeAsk {
    let Some(h) = header else {
        return RangeAsk::Whole;
    };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        // Several ranges would need a multipart answer; serving the whole object is
        // allowed (a server may ignore Range), and media players ask for one.
        return RangeAsk::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let num = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), num(first), num(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(n)) => {
            if n == 0 || size == 0 {
                RangeAsk::Unsatisfiable
            } else {
                RangeAsk::Part(size.saturating_sub(n)..size)
            }
        }
        (false, Some(start), end) => {
            if !last.trim().is_empty() && end.is_none() {
                return RangeAsk::Whole;
            }
            if end.is_some_and(|e| e < start) {
                return RangeAsk::Whole;
            }
            if start >= size {
                return RangeAsk::Unsatisfiable;
            }
            let end = end.map_or(size, |e| e.saturating_add(1).min(size));
            RangeAsk::Part(start..end)
        }
        _ => RangeAsk::Whole,
    }
}

/// The MIME type to serve a recording as, from what probing found (the client's
/// declared type only when it names audio or video and probing found nothing better).
pub fn content_type(container: &str, has_video: bool, declared: Option<&str>) -> String {
    let known = match (container, has_video) {
        ("wav", _) => "audio/wav",
        ("mp3", _) => "audio/mpeg",
        ("flac", _) => "audio/flac",
        ("ogg" | "opus", _) => "audio/ogg",
        ("webm", true) => "video/webm",
        ("webm", false) => "audio/webm",
        ("mkv", true) => "video/x-matroska",
        ("mkv", false) => "audio/x-matroska",
        ("mp4" | "m4a" | "mov", true) => "video/mp4",
        ("mp4" | "m4a", false) => "audio/mp4",
        ("aac" | "adts", _) => "audio/aac",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    match declared {
        Some(d) if d.starts_with("audio/") || d.starts_with("video/") => d.to_owned(),
        _ => "application/octet-stream".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> MediaSigner {
        MediaSigner::new(vec![7; 32], 8, "https://parley.example.com/")
    }

    #[test]
    fn urls_verify_until_they_expire_and_only_for_their_recording() {
        let s = signer();
        let exp = s.expiry(1_000_000);
        assert!((1_000_000 + 8 * 3600..=1_000_000 + 8 * 3600 + 600).contains(&exp));
        assert_eq!(exp % 600, 0);
        let url = s.url(CallId(5), "calls/5/a.wav", exp);
        assert!(url.starts_with(&format!(
            "https://parley.example.com/parley/v1/calls/5/media?expires={exp}&signature="
        )));
        let sig = url.rsplit_once("signature=").unwrap().1;
        assert_eq!(
            s.check(CallId(5), "calls/5/a.wav", exp, sig, exp - 1),
            Ok(())
        );
        assert_eq!(
            s.check(CallId(5), "calls/5/a.wav", exp, sig, exp),
            Err(Refused::Expired)
        );
        for (call, key, e, sig) in [
            (CallId(6), "calls/5/a.wav", exp, sig),
            (CallId(5), "calls/5/b.wav", exp, sig),
            (CallId(5), "calls/5/a.wav", exp + 600, sig),
            (CallId(5), "calls/5/a.wav", exp, "AAAA"),
            (CallId(5), "calls/5/a.wav", exp, "not base64!"),
        ] {
            assert_eq!(
                s.check(call, key, e, sig, 0),
                Err(Refused::BadSignature),
                "{call} {key} {e} {sig}"
            );
        }
        let other = MediaSigner::new(vec![8; 32], 8, "https://parley.example.com");
        assert_eq!(
            other.check(CallId(5), "calls/5/a.wav", exp, sig, 0),
            Err(Refused::BadSignature)
        );
    }

    #[test]
    fn ranges() {
        use RangeAsk::*;
        let cases: &[(Option<&str>, u64, RangeAsk)] = &[
            (None, 10, Whole),
            (Some("bytes=0-3"), 10, Part(0..4)),
            (Some("bytes=2-"), 10, Part(2..10)),
            (Some("bytes=-3"), 10, Part(7..10)),
            (Some("bytes=-30"), 10, Part(0..10)),
            (Some("bytes=5-100"), 10, Part(5..10)),
            (Some("bytes=9-9"), 10, Part(9..10)),
            (Some("bytes=10-"), 10, Unsatisfiable),
            (Some("bytes=10-12"), 10, Unsatisfiable),
            (Some("bytes=-0"), 10, Unsatisfiable),
            (Some("bytes=0-"), 0, Unsatisfiable),
            (Some("bytes=-5"), 0, Unsatisfiable),
            (Some("bytes=4-2"), 10, Whole),
            (Some("bytes=0-1,4-5"), 10, Whole),
            (Some("items=0-1"), 10, Whole),
            (Some("bytes=a-b"), 10, Whole),
            (Some("bytes=1-x"), 10, Whole),
            (Some("bytes=-"), 10, Whole),
            (Some("bytes=99999999999999999999999-"), 10, Whole),
        ];
        for (h, size, want) in cases {
            assert_eq!(range_of(*h, *size), *want, "{h:?} of {size}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("wav", false, None), "audio/wav");
        assert_eq!(content_type("mp4", true, Some("audio/mp4")), "video/mp4");
        assert_eq!(content_type("m4a", false, None), "audio/mp4");
        assert_eq!(
            content_type("xyz", false, Some("audio/x-foo")),
            "audio/x-foo"
        );
        assert_eq!(
            content_type("xyz", false, Some("text/html")),
            "application/octet-stream"
        );
    }
}
