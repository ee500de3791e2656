//! Moving a deployment's data: `parley migrate` (database to database, either backend,
//! and media from one store to another), `parley backup` and `parley restore`.
//!
//! A copy reads one consistent snapshot of the source and writes the target a page at a
//! time, each page one transaction, every table in key order (parents first), so an
//! interrupted copy resumes where the target's rows end: running the same command again
//! is the resume. [`verify`] then reads both sides again and compares, per table, the row
//! count and a SHA-256 of the rows in key order. Media objects are copied by key, checked
//! against the SHA-256 the database recorded at upload, and skipped when the target
//! already holds them at their size.
//!
//! The target is written by nobody else while a copy runs: stop the servers (or copy into
//! a fresh database). A backup may be taken from a running server: its snapshot is one
//! read transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use parley_blob::BlobStore;
use parley_store::portable::{
    self, Later, Pages, Portable, RowDigest, Snapshot, Table, Value, TABLES,
};

use crate::{AppError, AppResult};

/// Rows read and written per page (each page is one transaction of the target).
pub const PAGE_ROWS: usize = 2_000;

/// What a long copy reports as it goes; the CLI draws progress bars from it.
pub trait Progress: Send + Sync {
    /// A new stage (a table, the media), of `total` units (rows or bytes).
    fn stage(&self, name: &str, total: u64, bytes: bool);
    fn advance(&self, n: u64);
    fn done(&self);
}

/// Reports nothing (tests, scripts).
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: u64, _: bool) {}
    fn advance(&self, _: u64) {}
    fn done(&self) {}
}

/// One table's copy.
#[derive(Debug, Clone, Serialize)]
pub struct TableCopy {
    pub table: &'static str,
    /// Rows in the source.
    pub rows: u64,
    /// Rows the target held before this run (a resumed copy).
    pub present: u64,
    /// Rows written by this run.
    pub copied: u64,
    /// Count and SHA-256 of the source's rows as this run read them, when it read them
    /// all (not a resumed table): what a backup checks its copy against.
    pub read: Option<TableDigest>,
}

/// Opens the database at `url` for a copy (creating and migrating it when new).
pub async fn open(url: &str) -> AppResult<Arc<dyn Portable>> {
    Ok(crate::storage::open_portable(url).await?)
}

/// Copies every table of `from` into `to`, `page_rows` rows per transaction of the target
/// ([`PAGE_ROWS`] unless a test wants many pages); see the module docs.
pub async fn copy(
    from: &dyn Portable,
    to: &dyn Portable,
    page_rows: usize,
    progress: &dyn Progress,
) -> AppResult<Vec<TableCopy>> {
    let page_rows = page_rows.max(1);
    if from.describe() == to.describe() {
        return Err(AppError::Invalid(vec![
            "the source and the target are the same database".into(),
        ]));
    }
    let mut source = from.snapshot().await?;
    let mut target = to.snapshot().await?;
    // A target that holds rows must be this copy's own, interrupted: each of its tables
    // then starts with the source's first row. Anything else is another deployment's data
    // (ids are random), and merging two deployments is not a copy.
    for table in TABLES {
        let theirs = target.read(table, None, 1).await?;
        let Some(first) = theirs.first() else {
            continue;
        };
        let ours = source.read(table, None, 1).await?;
        if ours.first().map(|r| portable::key_of(table, r)) != Some(portable::key_of(table, first))
        {
            return Err(AppError::Conflict(format!(
                "the target database already holds other data (table {}): copy into an empty \
                 database, or run again the interrupted copy that filled it",
                table.name
            )));
        }
    }
    let mut report = Vec::new();
    for table in TABLES {
        let rows = source.count(table).await?;
        let present = target.count(table).await?;
        progress.stage(table.name, rows, false);
        progress.advance(present);
        let after = to.last_key(table).await?;
        let mut read = after.is_none().then(RowDigest::default);
        let mut copied = 0;
        let mut pages = Pages::new(table, after, page_rows);
        while let Some(mut page) = pages.next(source.as_mut()).await? {
            if let Some(d) = &mut read {
                page.iter().for_each(|r| d.add(r));
            }
            for row in &mut page {
                for (value, column) in row.iter_mut().zip(table.columns) {
                    if column.later == Later::Null {
                        *value = Value::Null;
                    }
                }
            }
            to.insert(table, &page).await?;
            copied += page.len() as u64;
            progress.advance(page.len() as u64);
        }
        progress.done();
        report.push(TableCopy {
            table: table.name,
            rows,
            present,
            copied,
            read: read.map(|d| TableDigest {
                table: table.name.to_owned(),
                rows: d.rows(),
                sha256: d.finish(),
            }),
        });
    }
    drop(target);
    // The columns that could not be final on the first pass: every row's, again (this is
    // idempotent, so a resumed copy simply does it once more).
    for table in TABLES.iter().filter(|t| t.has_later()) {
        let rows = source.count(table).await?;
        progress.stage(&format!("{} (second pass)", table.name), rows, false);
        let mut pages = Pages::new(table, None, page_rows);
        while let Some(page) = pages.next(source.as_mut()).await? {
            to.rewrite(table, &page).await?;
            progress.advance(page.len() as u64);
        }
        progress.done();
    }
    to.finish().await?;
    Ok(report)
}

/// A table's count and digest on both sides.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableCheck {
    pub table: String,
    pub source_rows: u64,
    pub source_sha256: String,
    pub target_rows: u64,
    pub target_sha256: String,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sha256 == self.target_sha256
    }
}

/// Count and digest of every table, read from one snapshot.
pub async fn digests(db: &dyn Portable, progress: &dyn Progress) -> AppResult<Vec<TableDigest>> {
    let mut snap = db.snapshot().await?;
    let mut out = Vec::new();
    for table in TABLES {
        out.push(digest_table(snap.as_mut(), table, progress).await?);
    }
    Ok(out)
}

/// One table's row count and SHA-256 (see [`RowDigest`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableDigest {
    pub table: String,
    pub rows: u64,
    pub sha256: String,
}

async fn digest_table(
    snap: &mut dyn Snapshot,
    table: &'static Table,
    progress: &dyn Progress,
) -> AppResult<TableDigest> {
    let total = snap.count(table).await?;
    progress.stage(&format!("{} (checking)", table.name), total, false);
    let mut digest = RowDigest::default();
    let mut pages = Pages::new(table, None, PAGE_ROWS);
    while let Some(page) = pages.next(snap).await? {
        page.iter().for_each(|r| digest.add(r));
        progress.advance(page.len() as u64);
    }
    progress.done();
    Ok(TableDigest {
        table: table.name.to_owned(),
        rows: digest.rows(),
        sha256: digest.finish(),
    })
}

/// Compares every table of `from` and `to` (see [`TableCheck`]).
pub async fn verify(
    from: &dyn Portable,
    to: &dyn Portable,
    progress: &dyn Progress,
) -> AppResult<Vec<TableCheck>> {
    let source = digests(from, progress).await?;
    let target = digests(to, progress).await?;
    Ok(compare(&source, &target))
}

/// Pairs two digest lists by table.
pub fn compare(source: &[TableDigest], target: &[TableDigest]) -> Vec<TableCheck> {
    source
        .iter()
        .map(|s| {
            let t = target.iter().find(|t| t.table == s.table);
            TableCheck {
                table: s.table.clone(),
                source_rows: s.rows,
                source_sha256: s.sha256.clone(),
                target_rows: t.map_or(0, |t| t.rows),
                target_sha256: t.map(|t| t.sha256.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// A recording the database knows, as the database recorded it at upload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MediaObject {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

/// Every recording `db` refers to (`call_media`), from one snapshot, in call order.
pub async fn media_objects(db: &dyn Portable) -> AppResult<Vec<MediaObject>> {
    let table = Table::by_name("call_media").expect("call_media is copied");
    let col = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name == name)
            .expect("call_media column")
    };
    let (key, size, sha) = (col("key"), col("size_bytes"), col("sha256"));
    let mut snap = db.snapshot().await?;
    let mut out = Vec::new();
    let mut pages = Pages::new(table, None, PAGE_ROWS);
    while let Some(page) = pages.next(snap.as_mut()).await? {
        for row in &page {
            match (&row[key], &row[size], &row[sha]) {
                (Value::Text(k), Value::Int(n), Value::Text(h)) => out.push(MediaObject {
                    key: k.clone(),
                    size: u64::try_from(*n).unwrap_or_default(),
                    sha256: h.clone(),
                }),
                _ => {
                    return Err(AppError::Store(parley_store::StoreError::Corrupt(
                        "a call_media row without key, size or sha256".into(),
                    )))
                }
            }
        }
    }
    Ok(out)
}

/// What a media copy or check found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MediaReport {
    pub objects: u64,
    pub bytes: u64,
    /// Copied by this run.
    pub copied: u64,
    /// Already in the target at the right size (a resumed copy).
    pub present: u64,
    /// Referred to by the database but not in the source store.
    pub missing: Vec<String>,
    /// In the source store but not the bytes the database recorded (size or SHA-256).
    pub damaged: Vec<String>,
}

impl MediaReport {
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.damaged.is_empty()
    }
}

/// Copies the `objects` from one media store to another through a file in `work`,
/// checking each against its recorded size and SHA-256 before it is written. Objects the
/// target already holds at their size are left alone.
pub async fn copy_media(
    objects: &[MediaObject],
    from: &BlobStore,
    to: &BlobStore,
    work: &Path,
    progress: &dyn Progress,
) -> AppResult<MediaReport> {
    let mut report = MediaReport {
        objects: objects.len() as u64,
        bytes: objects.iter().map(|o| o.size).sum(),
        ..MediaReport::default()
    };
    progress.stage("media", report.bytes, true);
    let file = crate::workdir::temp_file(work, "migrate")
        .map_err(|e| AppError::Internal(format!("a work file in {}: {e}", work.display())))?;
    for object in objects {
        if to.size(&object.key).await.map_err(blob_error)? == Some(object.size) {
            report.present += 1;
            progress.advance(object.size);
            continue;
        }
        match from.get_to_file(&object.key, file.path()).await {
            Ok(_) => {}
            Err(parley_blob::BlobError::NotFound(_)) => {
                report.missing.push(object.key.clone());
                continue;
            }
            Err(e) => return Err(blob_error(e)),
        }
        let (size, sha) = file_sha256(file.path()).await?;
        if size != object.size || sha != object.sha256 {
            report.damaged.push(object.key.clone());
            continue;
        }
        to.put_file(&object.key, file.path())
            .await
            .map_err(blob_error)?;
        report.copied += 1;
        progress.advance(object.size);
    }
    progress.done();
    Ok(report)
}

/// Checks that `store` holds every object at its recorded size (a cheap check: the
/// SHA-256 was checked when the object was copied).
pub async fn check_media(objects: &[MediaObject], store: &BlobStore) -> AppResult<MediaReport> {
    let mut report = MediaReport {
        objects: objects.len() as u64,
        bytes: objects.iter().map(|o| o.size).sum(),
        ..MediaReport::default()
    };
    for object in objects {
        match store.size(&object.key).await.map_err(blob_error)? {
            Some(n) if n == object.size => report.present += 1,
            Some(_) => report.damaged.push(object.key.clone()),
            None => report.missing.push(object.key.clone()),
        }
    }
    Ok(report)
}

fn blob_error(e: parley_blob::BlobError) -> AppError {
    AppError::Internal(format!("media store: {e}"))
}

/// The size and SHA-256 of a work file (hashed off the async runtime: recordings run to
/// gigabytes).
async fn file_sha256(path: &Path) -> AppResult<(u64, String)> {
    let owned = path.to_owned();
    let io = |e: std::io::Error| AppError::Internal(format!("reading {}: {e}", path.display()));
    let (size, sha) = tokio::task::spawn_blocking(move || {
        let size = std::fs::metadata(&owned)?.len();
        Ok::<_, std::io::Error>((size, crate::media::sha256_file(&owned)?))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing a work file: {e}")))?
    .map_err(io)?;
    Ok((size, sha))
}

/// The manifest of a backup folder (`manifest.json`): what the database held, table by
/// table, and every recording it refers to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Bumped when the layout of a backup changes.
    pub format: u32,
    pub parley_version: String,
    pub created: String,
    /// Where the backup was taken from, without credentials.
    pub source: String,
    pub media_source: Option<String>,
    pub tables: Vec<TableDigest>,
    pub media: Vec<MediaObject>,
    /// Whether the recordings themselves are in the folder (`media/`).
    pub media_included: bool,
}

pub const MANIFEST_FORMAT: u32 = 1;
pub const BACKUP_DATABASE: &str = "parley.sqlite";
pub const BACKUP_MANIFEST: &str = "manifest.json";
pub const BACKUP_MEDIA: &str = "media";

/// The backup folder's parts.
pub struct BackupPaths {
    pub dir: PathBuf,
}

impl BackupPaths {
    pub fn new(dir: &Path) -> BackupPaths {
        BackupPaths {
            dir: dir.to_owned(),
        }
    }
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.join(BACKUP_DATABASE).display())
    }
    pub fn manifest(&self) -> PathBuf {
        self.dir.join(BACKUP_MANIFEST)
    }
    pub fn media_url(&self) -> String {
        format!("file://{}", self.dir.join(BACKUP_MEDIA).display())
    }
}

/// Reads and checks a backup's manifest.
pub fn read_manifest(paths: &BackupPaths) -> AppResult<Manifest> {
    let path = paths.manifest();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        AppError::NotFound(format!("no backup manifest at {}: {e}", path.display()))
    })?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
        AppError::Invalid(vec![format!(
            "{} is not a backup manifest: {e}",
            path.display()
        )])
    })?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(AppError::Invalid(vec![format!(
            "backup format {} is not one this version reads ({MANIFEST_FORMAT})",
            manifest.format
        )]));
    }
    Ok(manifest)
}

/// Writes a manifest next to the backup's database (through a temporary file, so a
/// folder with a manifest always has a whole one).
pub fn write_manifest(paths: &BackupPaths, manifest: &Manifest) -> AppResult<()> {
    let io = |e: std::io::Error| AppError::Internal(format!("writing the manifest: {e}"));
    let tmp = paths.dir.join(".manifest.json.tmp");
    let text = serde_json::to_string_pretty(manifest).expect("a manifest serialises");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, paths.manifest()).map_err(io)?;
    Ok(())
}
