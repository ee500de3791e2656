//! `parley migrate`, `parley backup` and `parley restore`: the use cases are
//! `parley_app::migrate`; this file reads the flags, draws progress and prints reports.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use parley_app::migrate::{self, BackupPaths, Manifest, MediaReport, Progress, TableCheck};
use parley_blob::BlobStore;

use crate::settings::Settings;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The database to copy into: sqlite://PATH or postgres://… (created and migrated
    /// when new; must be empty, or a copy this command started and was interrupted in).
    #[arg(long)]
    to: String,
    /// The database to copy from [default: the configured --database-url].
    #[arg(long)]
    from: Option<String>,
    /// Copy the recordings too, into this media store (file://PATH or s3://BUCKET/PREFIX).
    #[arg(long)]
    media_to: Option<String>,
    /// The media store to copy recordings from [default: the configured --media-url].
    #[arg(long, requires = "media_to")]
    media_from: Option<String>,
    /// Skip reading both databases again at the end to compare counts and checksums.
    #[arg(long)]
    no_verify: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// A new (or empty) folder for the backup: parley.sqlite, manifest.json, and with
    /// --with-media, media/.
    dir: PathBuf,
    /// Copy the recordings into the folder too (otherwise the manifest lists them).
    #[arg(long)]
    with_media: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A folder written by `parley backup`.
    dir: PathBuf,
    /// The database to restore into [default: the configured --database-url]; must be
    /// empty.
    #[arg(long)]
    to: Option<String>,
    /// The media store to restore recordings into [default: the configured --media-url].
    #[arg(long)]
    media_to: Option<String>,
}

/// Progress bars on a terminal; nothing otherwise (indicatif hides them itself).
struct Bars {
    bar: std::sync::Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            bar: std::sync::Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64, bytes: bool) {
        let bar = ProgressBar::new(total);
        let template = if bytes {
            "{msg:>32} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
        } else {
            "{msg:>32} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(name.to_owned());
        *self.bar.lock().expect("progress lock") = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().expect("progress lock") {
            bar.inc(n);
        }
    }

    fn done(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish();
        }
    }
}

fn app(e: parley_app::AppError) -> anyhow::Error {
    crate::app_error(e)
}

fn open_blobs(url: &str) -> Result<BlobStore> {
    BlobStore::open(url).with_context(|| format!("opening media store {url}"))
}

/// Prints the table checks; fails naming every table that differs.
fn report_checks(checks: &[TableCheck]) -> Result<()> {
    let bad: Vec<&TableCheck> = checks.iter().filter(|c| !c.matches()).collect();
    let rows: u64 = checks.iter().map(|c| c.target_rows).sum();
    if bad.is_empty() {
        println!(
            "verified: {} tables, {rows} rows, counts and SHA-256 checksums equal",
            checks.len()
        );
        return Ok(());
    }
    for c in &bad {
        println!(
            "differs: {}: source {} rows ({}), target {} rows ({})",
            c.table,
            c.source_rows,
            &c.source_sha256[..12.min(c.source_sha256.len())],
            c.target_rows,
            &c.target_sha256[..12.min(c.target_sha256.len())]
        );
    }
    bail!(
        "{} of {} tables differ between source and target (was the source written to during the copy?)",
        bad.len(),
        checks.len()
    )
}

fn report_media(what: &str, media: &MediaReport) -> Result<()> {
    println!(
        "{what}: {} recordings, {} bytes: {} copied, {} already there",
        media.objects, media.bytes, media.copied, media.present
    );
    for key in &media.missing {
        println!("missing: {key}");
    }
    for key in &media.damaged {
        println!("damaged (size or SHA-256 not as recorded): {key}");
    }
    if !media.complete() {
        bail!(
            "{} recordings missing and {} damaged in the source media store",
            media.missing.len(),
            media.damaged.len()
        );
    }
    Ok(())
}

pub async fn migrate(settings: &Settings, args: &MigrateArgs) -> Result<()> {
    let from_url = args.from.clone().unwrap_or_else(|| settings.database_url());
    let from = migrate::open(&from_url).await.map_err(app)?;
    let to = migrate::open(&args.to).await.map_err(app)?;
    println!("copying {} -> {}", from.describe(), to.describe());
    let bars = Bars::new();
    let copied = migrate::copy(from.as_ref(), to.as_ref(), migrate::PAGE_ROWS, &bars)
        .await
        .map_err(app)?;
    let rows: u64 = copied.iter().map(|t| t.copied).sum();
    let present: u64 = copied.iter().map(|t| t.present).sum();
    println!(
        "copied {rows} rows in {} tables ({present} were already there)",
        copied.len()
    );
    if let Some(media_to) = &args.media_to {
        let media_from = args
            .media_from
            .clone()
            .unwrap_or_else(|| settings.media_url());
        let objects = migrate::media_objects(from.as_ref()).await.map_err(app)?;
        let (src, dst) = (open_blobs(&media_from)?, open_blobs(media_to)?);
        if src.describe() == dst.describe() {
            bail!("the media source and target are the same store");
        }
        let work = settings.work_dir()?;
        let media = migrate::copy_media(&objects, &src, &dst, &work, &bars)
            .await
            .map_err(app)?;
        report_media("media", &media)?;
    }
    if !args.no_verify {
        let checks = migrate::verify(from.as_ref(), to.as_ref(), &bars)
            .await
            .map_err(app)?;
        report_checks(&checks)?;
    }
    Ok(())
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

pub async fn backup(settings: &Settings, args: &BackupArgs) -> Result<()> {
    if !is_empty_dir(&args.dir)? {
        bail!(
            "{} is not empty: a backup goes into a new or empty folder",
            args.dir.display()
        );
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    let paths = BackupPaths::new(&args.dir);
    let source_url = settings.database_url();
    let source = migrate::open(&source_url).await.map_err(app)?;
    let copy = migrate::open(&paths.database_url()).await.map_err(app)?;
    println!("backing up {} -> {}", source.describe(), args.dir.display());
    let bars = Bars::new();
    let copied = migrate::copy(source.as_ref(), copy.as_ref(), migrate::PAGE_ROWS, &bars)
        .await
        .map_err(app)?;
    // The backup is checked against the snapshot the copy read (the source may have
    // moved on since: a backup can be taken from a running server).
    let tables = migrate::digests(copy.as_ref(), &bars).await.map_err(app)?;
    let read: Vec<migrate::TableDigest> = copied.iter().filter_map(|t| t.read.clone()).collect();
    report_checks(&migrate::compare(&read, &tables))?;
    let media = migrate::media_objects(copy.as_ref()).await.map_err(app)?;
    let media_source = settings.media_url();
    if args.with_media {
        let dst = open_blobs(&paths.media_url())?;
        let report = migrate::copy_media(
            &media,
            &open_blobs(&media_source)?,
            &dst,
            &settings.work_dir()?,
            &bars,
        )
        .await
        .map_err(app)?;
        report_media("media", &report)?;
    }
    let manifest = Manifest {
        format: migrate::MANIFEST_FORMAT,
        parley_version: env!("CARGO_PKG_VERSION").to_owned(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: source.describe(),
        media_source: Some(media_source),
        tables,
        media,
        media_included: args.with_media,
    };
    migrate::write_manifest(&paths, &manifest).map_err(app)?;
    println!(
        "backup written: {} tables, {} rows, {} recordings{}",
        manifest.tables.len(),
        manifest.tables.iter().map(|t| t.rows).sum::<u64>(),
        manifest.media.len(),
        if args.with_media {
            " (included)"
        } else {
            " (listed)"
        }
    );
    Ok(())
}

pub async fn restore(settings: &Settings, args: &RestoreArgs) -> Result<()> {
    let paths = BackupPaths::new(&args.dir);
    let manifest = migrate::read_manifest(&paths).map_err(app)?;
    let backup_db = paths.dir.join(migrate::BACKUP_DATABASE);
    if !backup_db.is_file() {
        bail!("{} has no {}", args.dir.display(), migrate::BACKUP_DATABASE);
    }
    let bars = Bars::new();
    let backup = migrate::open(&paths.database_url()).await.map_err(app)?;
    // The backup first: a damaged backup is refused before anything is written.
    let found = migrate::digests(backup.as_ref(), &bars)
        .await
        .map_err(app)?;
    let checks = migrate::compare(&manifest.tables, &found);
    if checks.iter().any(|c| !c.matches()) {
        report_checks(&checks).context("the backup's database does not match its manifest")?;
    }
    let to_url = args.to.clone().unwrap_or_else(|| settings.database_url());
    let target = migrate::open(&to_url).await.map_err(app)?;
    println!("restoring {} -> {}", args.dir.display(), target.describe());
    migrate::copy(backup.as_ref(), target.as_ref(), migrate::PAGE_ROWS, &bars)
        .await
        .map_err(app)?;
    let restored = migrate::digests(target.as_ref(), &bars)
        .await
        .map_err(app)?;
    report_checks(&migrate::compare(&manifest.tables, &restored))?;
    let media_to = args
        .media_to
        .clone()
        .unwrap_or_else(|| settings.media_url());
    let dst = open_blobs(&media_to)?;
    let report = if manifest.media_included {
        migrate::copy_media(
            &manifest.media,
            &open_blobs(&paths.media_url())?,
            &dst,
            &settings.work_dir()?,
            &bars,
        )
        .await
        .map_err(app)?
    } else {
        // The recordings were not in the backup: they must already be where the restored
        // database will look for them.
        migrate::check_media(&manifest.media, &dst)
            .await
            .map_err(app)?
    };
    report_media("media", &report)?;
    Ok(())
}
