//! Opaque, tamper-evident paging cursors.
//!
//! A cursor is `base64url(json) "." base64url(hmac-sha256(json))[..16 bytes]`. The JSON
//! carries where the listing stopped, the page number, the total counted on the first
//! page, the endpoint and a digest of the filter. The signing key lives in the database,
//! so any API node accepts any node's cursors and cursors survive restarts. A cursor
//! that was altered, belongs to another endpoint or another filter is a 400.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

const TAG_BYTES: usize = 16;

/// Where a listing continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Endpoint tag: `calls`, `calls-extensive`, `transcripts`, `users`, ...
    #[serde(rename = "e")]
    pub endpoint: String,
    /// Digest of the request's filter.
    #[serde(rename = "f")]
    pub filter: String,
    /// The number of the page this cursor fetches.
    #[serde(rename = "p")]
    pub page: i64,
    #[serde(rename = "t")]
    pub total: i64,
    /// The sort key of the last record returned.
    #[serde(rename = "k")]
    pub last: Vec<i64>,
}

/// A short digest of a filter's canonical text.
pub fn filter_digest(canonical: &str) -> String {
    let d = Sha256::digest(canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(&d[..12])
}

/// The filter a cursor is bound to, in a stable encoding: named fields, in the order
/// given, and absent ones left out. A field added to a filter later is absent from every
/// request made before, so cursors handed out then stay valid across the upgrade (a
/// digest of the filter's `Debug` text changed with every new field). Values are plain
/// numbers and strings: timestamps as UTC microseconds, ids as integers.
#[derive(Debug, Default)]
pub struct FilterKey(Vec<(&'static str, serde_json::Value)>);

impl FilterKey {
    pub fn new() -> FilterKey {
        FilterKey::default()
    }

    /// Adds a field; `None` (or JSON null) leaves it out.
    pub fn field(mut self, name: &'static str, value: impl Serialize) -> FilterKey {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        if !value.is_null() {
            self.0.push((name, value));
        }
        self
    }

    /// The canonical text: `name=json` pairs joined by `&`.
    pub fn canonical(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn digest(&self) -> String {
        filter_digest(&self.canonical())
    }
}

#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl CursorCodec {
    pub fn new(key: Vec<u8>) -> Self {
        CursorCodec { key }
    }

    fn tag(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("hmac takes any key length");
        mac.update(payload);
        mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
    }

    pub fn encode(&self, c: &Cursor) -> String {
        let payload = serde_json::to_vec(c).expect("cursor serialises");
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(self.tag(&payload))
        )
    }

    /// Decodes and checks a cursor presented for `endpoint` with filter digest `filter`.
    pub fn decode(&self, text: &str, endpoint: &str, filter: &str) -> Result<Cursor, ApiError> {
        let invalid = || {
            ApiError::bad_request(
                "cursor is invalid: pass the cursor value from the previous page unchanged",
            )
        };
        let (payload_b64, tag_b64) = text.trim().split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| invalid())?;
        let expected = self.tag(&payload);
        if tag.len() != expected.len()
            || !bool::from(subtle::ConstantTimeEq::ct_eq(&tag[..], &expected[..]))
        {
            return Err(invalid());
        }
        let cursor: Cursor = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        if cursor.endpoint != endpoint {
            return Err(ApiError::bad_request("cursor belongs to another endpoint"));
        }
        if cursor.filter != filter {
            return Err(ApiError::bad_request(
                "cursor belongs to a request with other filters: repeat the same request with the cursor",
            ));
        }
        Ok(cursor)
    }
}

/// Where a requested page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStart {
    pub endpoint: String,
    /// Digest of the filter the listing runs with.
    pub filter: String,
    /// The sort key after which the page begins; `None` on the first page.
    pub after: Option<Vec<i64>>,
    pub page: i64,
    /// The total counted on the first page; `None` when this is the first page.
    pub total: Option<i64>,
}

impl CursorCodec {
    /// Reads the request's cursor (absent or blank: the first page).
    pub fn start(
        &self,
        cursor: Option<&str>,
        endpoint: &str,
        filter: &str,
    ) -> Result<PageStart, ApiError> {
        match cursor.filter(|c| !c.trim().is_empty()) {
            None => Ok(PageStart {
                endpoint: endpoint.to_owned(),
                filter: filter.to_owned(),
                after: None,
                page: 0,
                total: None,
            }),
            Some(text) => {
                let c = self.decode(text, endpoint, filter)?;
                Ok(PageStart {
                    endpoint: c.endpoint,
                    filter: c.filter,
                    after: Some(c.last),
                    page: c.page,
                    total: Some(c.total),
                })
            }
        }
    }

    /// Cuts a page from `items` (fetched with one extra to learn whether more exist) and
    /// builds its `records`, with a cursor only when another page exists.
    pub fn page<T>(
        &self,
        mut items: Vec<T>,
        size: u32,
        start: &PageStart,
        total: i64,
        key_of: impl Fn(&T) -> Vec<i64>,
    ) -> (Vec<T>, gong_api_v2::Records) {
        let more = items.len() > size as usize;
        items.truncate(size as usize);
        let cursor = match items.last() {
            Some(last) if more => Some(self.encode(&Cursor {
                endpoint: start.endpoint.clone(),
                filter: start.filter.clone(),
                page: start.page + 1,
                total,
                last: key_of(last),
            })),
            _ => None,
        };
        let records = gong_api_v2::Records {
            total_records: total.max(items.len() as i64),
            current_page_size: items.len() as i64,
            current_page_number: start.page,
            cursor,
        };
        (items, records)
    }
}

/// An id list as plain integers, for a [`FilterKey`].
pub fn ids_of<T: Copy>(ids: &Option<Vec<T>>, raw: impl Fn(T) -> i64) -> Option<Vec<i64>> {
    ids.as_ref().map(|v| v.iter().map(|&i| raw(i)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor() -> Cursor {
        Cursor {
            endpoint: "calls".into(),
            filter: filter_digest("x"),
            page: 1,
            total: 250,
            last: vec![5, 7],
        }
    }

    #[test]
    fn a_filter_key_leaves_absent_fields_out_and_is_pinned() {
        let ids: Option<Vec<i64>> = Some(vec![3, 1]);
        let key = FilterKey::new()
            .field("from", Some(1_700_000_000_000_000i64))
            .field("to", None::<i64>)
            .field("callIds", &ids);
        assert_eq!(key.canonical(), "from=1700000000000000&callIds=[3,1]");
        // A field that a later version adds, absent from the request: same digest, so
        // a cursor handed out before the upgrade still fits.
        let later = FilterKey::new()
            .field("from", Some(1_700_000_000_000_000i64))
            .field("to", None::<i64>)
            .field("callIds", &ids)
            .field("addedLater", None::<String>);
        assert_eq!(later.digest(), key.digest());
        // Pinned: a change to the encoding invalidates every live cursor, so it must be
        // deliberate.
        assert_eq!(
            key.digest(),
            filter_digest("from=1700000000000000&callIds=[3,1]")
        );
        assert_ne!(
            key.digest(),
            FilterKey::new()
                .field("to", Some(1_700_000_000_000_000i64))
                .field("callIds", &ids)
                .digest()
        );
    }

    #[test]
    fn round_trips() {
        let codec = CursorCodec::new(b"k".to_vec());
        let text = codec.encode(&cursor());
        assert_eq!(
            codec.decode(&text, "calls", &filter_digest("x")).unwrap(),
            cursor()
        );
    }

    #[test]
    fn refuses_tampering_other_keys_endpoints_and_filters() {
        let codec = CursorCodec::new(b"k".to_vec());
        let text = codec.encode(&cursor());
        let (payload, tag) = text.split_once('.').unwrap();
        let mut forged = cursor();
        forged.page = 99;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        for bad in [
            format!("{forged_payload}.{tag}"),
            format!("{payload}.AAAA"),
            "garbage".to_owned(),
            String::new(),
            CursorCodec::new(b"other".to_vec()).encode(&cursor()),
        ] {
            assert!(
                codec.decode(&bad, "calls", &filter_digest("x")).is_err(),
                "{bad}"
            );
        }
        assert!(codec.decode(&text, "users", &filter_digest("x")).is_err());
        assert!(codec.decode(&text, "calls", &filter_digest("y")).is_err());
    }
}
