//! One suite, every backend: `memory://`, a `file://` folder, and a real S3-compatible
//! server when `PARLEY_TEST_S3_URL` names one (`scripts/s3-server.sh` starts Garage and
//! sets it; CI always does, and there a missing server fails these tests).
//!
//! Each check runs once per backend as `<backend>::<check>`, so a failure names both.

use bytes::Bytes;
use parley_blob::{BlobError, BlobStore};

/// One backend under test, at a location no other test uses.
struct Backend {
    url: String,
    store: BlobStore,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    fn memory() -> Option<Backend> {
        Some(Backend {
            url: "memory://".into(),
            store: BlobStore::open("memory://").unwrap(),
            _dir: None,
        })
    }

    fn file() -> Option<Backend> {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("media").display());
        Some(Backend {
            store: BlobStore::open(&url).unwrap(),
            url,
            _dir: Some(dir),
        })
    }

    fn s3() -> Option<Backend> {
        let url = parley_blob::testing::s3_url("blob-conformance")?;
        Some(Backend {
            store: BlobStore::open(&url).unwrap(),
            url,
            _dir: None,
        })
    }

    /// A second store below this one's location (a sub-folder, a longer key prefix).
    fn below(&self, sub: &str) -> BlobStore {
        BlobStore::open(&format!("{}/{sub}", self.url)).unwrap()
    }
}

/// Bytes that differ at every 4-byte offset, so parts stored out of order, twice or
/// truncated cannot compare equal.
fn numbered(len: usize) -> Vec<u8> {
    (0..len.div_ceil(4) as u32)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .take(len)
        .collect()
}

async fn small_objects_round_trip(b: &Backend) {
    let s = &b.store;
    s.put_bytes("calls/1/note", Bytes::from_static(b"first"))
        .await
        .unwrap();
    assert_eq!(s.size("calls/1/note").await.unwrap(), Some(5));
    assert_eq!(s.get_bytes("calls/1/note").await.unwrap(), &b"first"[..]);
    // Overwritten in place: the newer bytes and size, nothing of the old.
    s.put_bytes("calls/1/note", Bytes::from_static(b"2nd"))
        .await
        .unwrap();
    assert_eq!(s.size("calls/1/note").await.unwrap(), Some(3));
    assert_eq!(s.get_bytes("calls/1/note").await.unwrap(), &b"2nd"[..]);
    s.delete("calls/1/note").await.unwrap();
    assert_eq!(s.size("calls/1/note").await.unwrap(), None);
}

/// 20 MiB through `put_file`: three parts of a multipart upload (8 + 8 + 4 MiB), read
/// back whole and streamed to a file.
async fn large_files_go_up_in_parts_and_come_back_whole(b: &Backend) {
    let s = &b.store;
    let dir = tempfile::tempdir().unwrap();
    let data = numbered(20 * 1024 * 1024 + 7);
    let src = dir.path().join("in.bin");
    std::fs::write(&src, &data).unwrap();
    let key = "calls/2/recording.wav";
    assert_eq!(s.put_file(key, &src).await.unwrap(), data.len() as u64);
    assert_eq!(s.size(key).await.unwrap(), Some(data.len() as u64));

    let dst = dir.path().join("out.bin");
    assert_eq!(s.get_to_file(key, &dst).await.unwrap(), data.len() as u64);
    assert!(
        std::fs::read(&dst).unwrap() == data,
        "streamed copy differs"
    );
    assert!(
        s.get_bytes(key).await.unwrap() == data,
        "whole read differs"
    );

    // Replaced by a smaller file: no part of the first upload survives.
    let small = numbered(1000);
    std::fs::write(&src, &small).unwrap();
    assert_eq!(s.put_file(key, &src).await.unwrap(), 1000);
    assert_eq!(s.get_bytes(key).await.unwrap(), small);
    s.delete(key).await.unwrap();
    assert_eq!(s.size(key).await.unwrap(), None);
}

/// Files of exactly one part (one request) and one byte more (a multipart upload whose
/// last part is a single byte).
async fn files_at_the_part_boundary_round_trip(b: &Backend) {
    let s = &b.store;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.bin");
    for len in [8 * 1024 * 1024, 8 * 1024 * 1024 + 1] {
        let data = numbered(len);
        std::fs::write(&src, &data).unwrap();
        assert_eq!(s.put_file("calls/7/rec", &src).await.unwrap(), len as u64);
        assert_eq!(s.size("calls/7/rec").await.unwrap(), Some(len as u64));
        assert!(
            s.get_bytes("calls/7/rec").await.unwrap() == data,
            "{len} bytes differ"
        );
    }
    s.delete("calls/7/rec").await.unwrap();
}

/// An empty file is an object of zero bytes (a multipart upload needs a part, and Garage
/// refuses an empty one).
async fn an_empty_file_is_an_empty_object(b: &Backend) {
    let s = &b.store;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("empty");
    std::fs::write(&src, b"").unwrap();
    assert_eq!(s.put_file("calls/3/empty", &src).await.unwrap(), 0);
    assert_eq!(s.size("calls/3/empty").await.unwrap(), Some(0));
    assert!(s.get_bytes("calls/3/empty").await.unwrap().is_empty());
    s.delete("calls/3/empty").await.unwrap();
}

async fn a_missing_object_is_not_found(b: &Backend) {
    let s = &b.store;
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("out.bin");
    assert_eq!(s.size("calls/4/never").await.unwrap(), None);
    match s.get_bytes("calls/4/never").await {
        Err(BlobError::NotFound(key)) => assert_eq!(key, "calls/4/never"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    match s.get_to_file("calls/4/never", &dst).await {
        Err(BlobError::NotFound(_)) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(!dst.exists(), "no empty file is left for a missing object");
    // Deleting what is not there succeeds: a retried delete job must not fail forever.
    s.delete("calls/4/never").await.unwrap();

    // Deleted objects are missing in the same way.
    s.put_bytes("calls/4/gone", Bytes::from_static(b"x"))
        .await
        .unwrap();
    s.delete("calls/4/gone").await.unwrap();
    s.delete("calls/4/gone").await.unwrap();
    assert!(matches!(
        s.get_bytes("calls/4/gone").await,
        Err(BlobError::NotFound(_))
    ));
}

/// Ranges of an object come back as streams of exactly those bytes; the whole object
/// without a range; a missing object is `NotFound` before any byte.
async fn ranges_are_streamed(b: &Backend) {
    use futures::TryStreamExt;
    let s = &b.store;
    let data = numbered(100_000);
    s.put_bytes("calls/7/rec", Bytes::from(data.clone()))
        .await
        .unwrap();
    let read = |range: Option<std::ops::Range<u64>>| async move {
        let parts: Vec<Bytes> = s
            .get_range_stream("calls/7/rec", range)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        parts.concat()
    };
    assert_eq!(read(None).await, data);
    assert_eq!(read(Some(0..100)).await, data[..100]);
    assert_eq!(read(Some(99_000..100_000)).await, data[99_000..]);
    assert_eq!(read(Some(12_345..67_890)).await, data[12_345..67_890]);
    assert!(matches!(
        s.get_range_stream("calls/7/never", Some(0..1)).await,
        Err(BlobError::NotFound(_))
    ));
    s.delete("calls/7/rec").await.unwrap();
}

/// File names come from uploads: spaces, `+`, `%`, `#`, `?`, non-ASCII. Each key is its
/// own object (a key that looks percent-encoded is not the key it would decode to) and
/// survives the trip.
async fn keys_with_odd_characters_are_distinct_objects(b: &Backend) {
    let s = &b.store;
    let keys = [
        "calls/5/a b.mp3",
        "calls/5/a%20b.mp3",
        "calls/5/a+b.mp3",
        "calls/5/a=b&c;d,e(f)'g'!h~i*j.mp3",
        "calls/5/hash#and?query.mp3",
        "calls/5/ünïcødé 日本語.wav",
        "calls/5/brackets[1]{2}<3>|4^`5`\\.bin",
        "calls/5/..",
    ];
    for key in keys {
        s.put_bytes(key, Bytes::copy_from_slice(key.as_bytes()))
            .await
            .unwrap_or_else(|e| panic!("put {key:?}: {e}"));
    }
    for key in keys {
        assert_eq!(
            s.get_bytes(key)
                .await
                .unwrap_or_else(|e| panic!("get {key:?}: {e}")),
            key.as_bytes(),
            "{key:?}"
        );
        assert_eq!(
            s.size(key).await.unwrap(),
            Some(key.len() as u64),
            "{key:?}"
        );
    }
    for key in keys {
        s.delete(key).await.unwrap();
        assert_eq!(s.size(key).await.unwrap(), None, "{key:?} deleted");
    }
}

/// Two stores under one location (two prefixes of one bucket, two sub-folders) hold the
/// same key apart; the outer store sees each under its prefix.
async fn a_prefix_keeps_two_stores_apart(b: &Backend) {
    let (one, two) = (b.below("one"), b.below("two"));
    one.put_bytes("calls/6/rec", Bytes::from_static(b"one's"))
        .await
        .unwrap();
    two.put_bytes("calls/6/rec", Bytes::from_static(b"two's"))
        .await
        .unwrap();
    assert_eq!(one.get_bytes("calls/6/rec").await.unwrap(), &b"one's"[..]);
    assert_eq!(two.get_bytes("calls/6/rec").await.unwrap(), &b"two's"[..]);
    assert_eq!(b.store.size("calls/6/rec").await.unwrap(), None);
    assert_eq!(
        b.store.get_bytes("one/calls/6/rec").await.unwrap(),
        &b"one's"[..]
    );

    one.delete("calls/6/rec").await.unwrap();
    assert_eq!(one.size("calls/6/rec").await.unwrap(), None);
    assert_eq!(two.size("calls/6/rec").await.unwrap(), Some(5), "untouched");
    two.delete("calls/6/rec").await.unwrap();
}

/// `<backend>::<check>` tests: `open` gives the backend or `None` to skip.
macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                if let Some(b) = open() {
                    super::$check(&b).await;
                    // A passed check leaves nothing behind (a no-op on local folders,
                    // which are temporary anyway).
                    if b.url.starts_with("s3://") {
                        parley_blob::testing::clear(&b.url).await.unwrap();
                    }
                }
            }
        )*
    };
}

macro_rules! backend {
    ($name:ident, $open:expr, [$($extra:ident),*]) => {
        mod $name {
            use super::Backend;

            fn open() -> Option<Backend> {
                $open
            }

            checks!(
                small_objects_round_trip,
                large_files_go_up_in_parts_and_come_back_whole,
                files_at_the_part_boundary_round_trip,
                an_empty_file_is_an_empty_object,
                a_missing_object_is_not_found,
                keys_with_odd_characters_are_distinct_objects,
                ranges_are_streamed,
                $($extra),*
            );
        }
    };
}

// `memory://` has no location below it, so no prefix check.
backend!(memory, Backend::memory(), []);
backend!(file, Backend::file(), [a_prefix_keeps_two_stores_apart]);
backend!(s3, Backend::s3(), [a_prefix_keeps_two_stores_apart]);

#[test]
fn an_s3_url_needs_a_bucket() {
    assert!(matches!(
        BlobStore::open("s3:///prefix"),
        Err(BlobError::UnsupportedUrl(_))
    ));
}
