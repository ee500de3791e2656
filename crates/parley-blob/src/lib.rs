//! Where recordings live.
//!
//! [`BlobStore::open`] takes a URL: `file:///var/lib/parley/media` (or a plain path) for
//! local disk, `s3://bucket/prefix` for S3-compatible storage (configured by the usual
//! `AWS_*` variables, e.g. `AWS_ENDPOINT` for MinIO), `memory://` for tests. The
//! `object_store` crate does the work; this crate fixes the few operations Parley needs
//! and streams large files in parts so a 1.5 GB upload never sits in memory.

#![forbid(unsafe_code)]

use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Part size for streamed uploads (S3 needs at least 5 MiB per part).
const PART_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("unsupported storage url {0:?}: expected file://PATH, a path, s3://BUCKET/PREFIX or memory://")]
    UnsupportedUrl(String),
    #[error("no stored object {0}")]
    NotFound(String),
    #[error("storage error: {0}")]
    Store(#[from] object_store::Error),
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = BlobError> = std::result::Result<T, E>;

/// A place to keep media objects under string keys such as `calls/123/recording.mp3`.
#[derive(Debug, Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    description: String,
}

impl BlobStore {
    /// Opens the storage named by `url`; a local folder is created when missing.
    pub fn open(url: &str) -> Result<BlobStore> {
        if url == "memory://" || url == "memory:" {
            return Ok(BlobStore {
                inner: Arc::new(InMemory::new()),
                description: "memory://".into(),
            });
        }
        if url.starts_with("s3://") {
            return Self::open_s3(url);
        }
        let path = match url.strip_prefix("file://") {
            Some(p) => p,
            None if !url.contains("://") => url,
            None => return Err(BlobError::UnsupportedUrl(url.to_owned())),
        };
        std::fs::create_dir_all(path)?;
        let inner = LocalFileSystem::new_with_prefix(path)?;
        Ok(BlobStore {
            inner: Arc::new(inner),
            description: format!("file://{path}"),
        })
    }

    /// An S3 bucket, configured by the `AWS_*` variables. `from_env` is what reads them:
    /// `parse_url_opts` with `std::env::vars()` matched only lowercase option names, so
    /// `AWS_ENDPOINT`, the keys and the region were silently ignored and every request
    /// went to Amazon.
    fn open_s3(url: &str) -> Result<BlobStore> {
        let parsed = url::Url::parse(url).map_err(|_| BlobError::UnsupportedUrl(url.to_owned()))?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(BlobError::UnsupportedUrl(url.to_owned()));
        }
        let store = AmazonS3Builder::from_env().with_url(url).build()?;
        let prefix = Path::from_url_path(parsed.path())
            .map_err(|_| BlobError::UnsupportedUrl(url.to_owned()))?;
        tracing::info!(
            url,
            endpoint = std::env::var("AWS_ENDPOINT")
                .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
                .as_deref()
                .unwrap_or("aws"),
            "media in s3-compatible storage"
        );
        let inner: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::new(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(BlobStore {
            inner,
            description: url.to_owned(),
        })
    }

    /// Where the objects are, for logs (no credentials: those come from the environment).
    pub fn describe(&self) -> &str {
        &self.description
    }

    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.inner.put(&Path::from(key), bytes.into()).await?;
        Ok(())
    }

    /// Copies a local file into the store, in parts when it is larger than one; returns its
    /// size in bytes. A failed upload is aborted so no partial object stays behind.
    pub async fn put_file(&self, key: &str, file: &FsPath) -> Result<u64> {
        let mut f = tokio::fs::File::open(file).await?;
        // A file that fits in one part goes up in one request. Besides saving two round
        // trips, an empty file has to: a multipart upload needs at least one part and
        // Garage refuses the empty part object_store sends for a file with no bytes.
        let mut head = Vec::with_capacity(PART_BYTES + 1);
        (&mut f)
            .take(PART_BYTES as u64 + 1)
            .read_to_end(&mut head)
            .await?;
        if head.len() <= PART_BYTES {
            let total = head.len() as u64;
            self.inner.put(&Path::from(key), head.into()).await?;
            return Ok(total);
        }

        let upload = self.inner.put_multipart(&Path::from(key)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        writer.write(&head);
        let mut total = head.len() as u64;
        drop(head);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match f.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if let Err(e) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
            writer.write(&buf[..n]);
            total += n as u64;
        }
        // `finish` aborts the upload when completing it fails, but not when a part failed
        // before (it returns that error first, and dropping the writer leaves the upload
        // open: S3 keeps and bills its parts until a lifecycle rule removes them). So the
        // parts are awaited here, where a failure can still abort.
        if let Err(e) = writer.wait_for_capacity(0).await {
            let _ = writer.abort().await;
            return Err(e.into());
        }
        writer.finish().await?;
        Ok(total)
    }

    /// Copies an object to a local file; returns its size in bytes.
    pub async fn get_to_file(&self, key: &str, file: &FsPath) -> Result<u64> {
        let got = self
            .inner
            .get(&Path::from(key))
            .await
            .map_err(|e| not_found(e, key))?;
        let mut stream = got.into_stream();
        let mut out = tokio::fs::File::create(file).await?;
        let mut total = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            total += chunk.len() as u64;
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        Ok(total)
    }

    pub async fn get_bytes(&self, key: &str) -> Result<Bytes> {
        let got = self
            .inner
            .get(&Path::from(key))
            .await
            .map_err(|e| not_found(e, key))?;
        Ok(got.bytes().await?)
    }

    /// The bytes `range` of an object (the whole object when `None`) as a stream of parts
    /// read as they are sent: a recording is never held in memory. The range must lie
    /// within the object and not be empty (the caller knows the size).
    pub async fn get_range_stream(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> Result<futures::stream::BoxStream<'static, Result<Bytes>>> {
        let options = object_store::GetOptions {
            range: range.map(object_store::GetRange::Bounded),
            ..Default::default()
        };
        let got = self
            .inner
            .get_opts(&Path::from(key), options)
            .await
            .map_err(|e| not_found(e, key))?;
        Ok(got
            .into_stream()
            .map(|r| r.map_err(BlobError::from))
            .boxed())
    }

    /// The object's size, or `None` when it does not exist.
    pub async fn size(&self, key: &str) -> Result<Option<u64>> {
        match self.inner.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes an object; deleting a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// For tests that need a real S3-compatible server (`scripts/s3-server.sh` starts one).
pub mod testing {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh `s3://` location for one test: `PARLEY_TEST_S3_URL` plus a prefix of its
    /// own, so concurrent tests and runs never see each other's objects. `None` when no
    /// server is configured, after a printed note; when the run must cover S3
    /// (`PARLEY_REQUIRE_S3` set, as `.ci/run` does, or `CI=true`) it panics instead, so a
    /// CI run can never pass by skipping these tests.
    pub fn s3_url(test: &str) -> Option<String> {
        match std::env::var("PARLEY_TEST_S3_URL") {
            Ok(base) if !base.trim().is_empty() => {
                static N: AtomicU32 = AtomicU32::new(0);
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                Some(format!(
                    "{}/{test}-{}-{nanos}-{}",
                    base.trim().trim_end_matches('/'),
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ))
            }
            _ if required() => panic!(
                "PARLEY_TEST_S3_URL is not set but this run must test S3 \
                 (PARLEY_REQUIRE_S3 or CI is set): run `eval \"$(scripts/s3-server.sh)\"` first"
            ),
            _ => {
                eprintln!(
                    "note: {test} skipped its S3 part: PARLEY_TEST_S3_URL is not set \
                     (`eval \"$(scripts/s3-server.sh)\"` starts a local server and sets it)"
                );
                None
            }
        }
    }

    /// Deletes every object of the test location `url` (an `s3_url`): tests call it when
    /// they pass, so runs do not pile objects up in the cached server (a failed test keeps
    /// its objects, to look at). Returns how many were deleted.
    pub async fn clear(url: &str) -> super::Result<usize> {
        use futures::StreamExt;
        let store = super::BlobStore::open(url)?;
        let objects: Vec<_> = store
            .inner
            .list(None)
            .map(|meta| meta.map(|m| m.location))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        for location in &objects {
            store.inner.delete(location).await?;
        }
        Ok(objects.len())
    }

    fn required() -> bool {
        let on =
            |name: &str| std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"));
        on("PARLEY_REQUIRE_S3") || on("CI")
    }
}

fn not_found(e: object_store::Error, key: &str) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::NotFound(key.to_owned()),
        other => BlobError::Store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn story(store: &BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in.bin");
        // Larger than one part, not a multiple of it.
        let data: Vec<u8> = (0..(PART_BYTES + 12_345))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&src, &data).unwrap();
        assert_eq!(
            store.put_file("calls/1/rec.bin", &src).await.unwrap(),
            data.len() as u64
        );
        assert_eq!(
            store.size("calls/1/rec.bin").await.unwrap(),
            Some(data.len() as u64)
        );
        let dst = dir.path().join("out.bin");
        assert_eq!(
            store.get_to_file("calls/1/rec.bin", &dst).await.unwrap(),
            data.len() as u64
        );
        assert_eq!(std::fs::read(&dst).unwrap(), data);
        store
            .put_bytes("calls/1/small", Bytes::from_static(b"hi"))
            .await
            .unwrap();
        assert_eq!(
            store.get_bytes("calls/1/small").await.unwrap(),
            Bytes::from_static(b"hi")
        );
        store.delete("calls/1/rec.bin").await.unwrap();
        store.delete("calls/1/rec.bin").await.unwrap();
        assert_eq!(store.size("calls/1/rec.bin").await.unwrap(), None);
        assert!(matches!(
            store.get_bytes("calls/1/rec.bin").await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn local_folder_and_memory_behave_alike() {
        let dir = tempfile::tempdir().unwrap();
        let local =
            BlobStore::open(&format!("file://{}", dir.path().join("media").display())).unwrap();
        story(&local).await;
        let bare = BlobStore::open(dir.path().join("bare").to_str().unwrap()).unwrap();
        story(&bare).await;
        story(&BlobStore::open("memory://").unwrap()).await;
    }

    /// An object store whose multipart uploads fail every part (a network cut, a full
    /// disk behind S3) and that records whether the failed upload was aborted.
    #[derive(Debug, Default)]
    struct FailingParts {
        inner: InMemory,
        aborted: Arc<std::sync::atomic::AtomicBool>,
    }

    impl std::fmt::Display for FailingParts {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("failing-parts")
        }
    }

    #[derive(Debug)]
    struct FailingUpload(Arc<std::sync::atomic::AtomicBool>);

    #[async_trait::async_trait]
    impl object_store::MultipartUpload for FailingUpload {
        fn put_part(&mut self, _: object_store::PutPayload) -> object_store::UploadPart {
            Box::pin(async {
                Err(object_store::Error::Generic {
                    store: "failing-parts",
                    source: "the connection was cut".into(),
                })
            })
        }
        async fn complete(&mut self) -> object_store::Result<object_store::PutResult> {
            Ok(object_store::PutResult {
                e_tag: None,
                version: None,
            })
        }
        async fn abort(&mut self) -> object_store::Result<()> {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl ObjectStore for FailingParts {
        async fn put_opts(
            &self,
            location: &Path,
            payload: object_store::PutPayload,
            opts: object_store::PutOptions,
        ) -> object_store::Result<object_store::PutResult> {
            self.inner.put_opts(location, payload, opts).await
        }
        async fn put_multipart_opts(
            &self,
            _: &Path,
            _: object_store::PutMultipartOptions,
        ) -> object_store::Result<Box<dyn object_store::MultipartUpload>> {
            Ok(Box::new(FailingUpload(self.aborted.clone())))
        }
        async fn get_opts(
            &self,
            location: &Path,
            options: object_store::GetOptions,
        ) -> object_store::Result<object_store::GetResult> {
            self.inner.get_opts(location, options).await
        }
        async fn delete(&self, location: &Path) -> object_store::Result<()> {
            self.inner.delete(location).await
        }
        fn list(
            &self,
            prefix: Option<&Path>,
        ) -> futures::stream::BoxStream<'static, object_store::Result<object_store::ObjectMeta>>
        {
            self.inner.list(prefix)
        }
        async fn list_with_delimiter(
            &self,
            prefix: Option<&Path>,
        ) -> object_store::Result<object_store::ListResult> {
            self.inner.list_with_delimiter(prefix).await
        }
        async fn copy(&self, from: &Path, to: &Path) -> object_store::Result<()> {
            self.inner.copy(from, to).await
        }
        async fn copy_if_not_exists(&self, from: &Path, to: &Path) -> object_store::Result<()> {
            self.inner.copy_if_not_exists(from, to).await
        }
    }

    #[tokio::test]
    async fn an_upload_whose_parts_fail_is_aborted() {
        let failing = Arc::new(FailingParts::default());
        let store = BlobStore {
            inner: failing.clone(),
            description: "failing-parts".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("big.bin");
        std::fs::write(&src, vec![7u8; PART_BYTES * 2 + 1]).unwrap();
        let err = store.put_file("calls/1/rec.bin", &src).await.unwrap_err();
        assert!(err.to_string().contains("cut"), "{err}");
        assert!(
            failing.aborted.load(std::sync::atomic::Ordering::SeqCst),
            "the open upload was aborted, so its parts do not stay behind"
        );
        assert_eq!(store.size("calls/1/rec.bin").await.unwrap(), None);
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(matches!(
            BlobStore::open("ftp://x/y"),
            Err(BlobError::UnsupportedUrl(_))
        ));
    }
}
