//! The work folder: files in flight (uploads being received, pulls being downloaded,
//! recordings copied for decoding).
//!
//! Every such file is named `.parley-<owner>-<kind>-<random>`, where `<owner>` is a random
//! token of this process, and the process holds an exclusive lock on
//! `.parley-<owner>.lock` in the same folder for as long as it lives. The operating system
//! drops a lock with its process, however the process ends (`kill -9`, a crash, power
//! loss), so a lock that can be taken belongs to a process that is gone, and its files are
//! leftovers. [`prepare`] (run at start, and before the first file in a folder) removes
//! them. Files of a process that is still running are left alone: `parley serve` and
//! `parley worker` may share one folder.
//!
//! Process ids would not do: in a container every restart of Parley has the same pid.
//! Files not named `.parley-…` are never touched, so a shared folder such as `/tmp` is safe.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

const PREFIX: &str = ".parley-";
const LOCK_SUFFIX: &str = ".lock";
/// Older releases named partial pulls `.parley-fetch-…` without an owner; those are
/// removed once no pull could still be writing them (the default total timeout is 30 min).
const LEGACY_FETCH: &str = ".parley-fetch-";
const LEGACY_MAX_AGE: Duration = Duration::from_secs(60 * 60);

/// This process's token: 16 hex digits.
pub fn owner() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| format!("{:016x}", rand::random::<u64>()))
}

/// The locks this process holds, by folder. They live as long as the process.
fn held() -> &'static Mutex<HashMap<PathBuf, File>> {
    static HELD: OnceLock<Mutex<HashMap<PathBuf, File>>> = OnceLock::new();
    HELD.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Creates `dir` when missing, removes what crashed processes left in it, and takes this
/// process's lock there. Returns how many leftover files were removed; later calls for the
/// same folder do nothing and return 0.
pub fn prepare(dir: &Path) -> io::Result<usize> {
    // A poisoned map still holds valid locks.
    let mut held = held().lock().unwrap_or_else(|p| p.into_inner());
    // The path as given first: every temporary file asks, and this spares it the lookups.
    if held.contains_key(dir) {
        return Ok(0);
    }
    std::fs::create_dir_all(dir)?;
    let key = dir.canonicalize()?;
    if let Some(lock) = held.get(&key) {
        let again = lock.try_clone()?;
        held.insert(dir.to_path_buf(), again);
        return Ok(0);
    }
    let removed = sweep(&key, owner())?;
    let lock = take_lock(&key)?;
    held.insert(dir.to_path_buf(), lock.try_clone()?);
    held.insert(key.clone(), lock);
    if removed > 0 {
        tracing::info!(work_dir = %key.display(), removed, "removed files left by a stopped process");
    }
    Ok(removed)
}

/// A new temporary file in `dir` for `kind` (`upload`, `fetch`, `media`), named as this
/// process's. Dropping it deletes it.
pub fn temp_file(dir: &Path, kind: &str) -> io::Result<tempfile::NamedTempFile> {
    prepare(dir)?;
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-{kind}-", owner()))
        .tempfile_in(dir)
}

fn lock_path(dir: &Path, owner: &str) -> PathBuf {
    dir.join(format!("{PREFIX}{owner}{LOCK_SUFFIX}"))
}

fn take_lock(dir: &Path) -> io::Result<File> {
    let path = lock_path(dir, owner());
    // Another process sweeping at this moment could take the new, still unlocked file for
    // a dead one and delete it; the lock then guards nothing, so check and start over.
    for _ in 0..5 {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::other(format!(
                    "{} is locked by another process",
                    path.display()
                )))
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        if same_file(&file, &path) {
            return Ok(file);
        }
    }
    Err(io::Error::other(format!(
        "could not keep a lock file at {}",
        path.display()
    )))
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// What a name in the work folder is.
#[derive(Debug, PartialEq, Eq)]
enum Entry<'a> {
    /// `.parley-<owner>.lock`
    Lock(&'a str),
    /// `.parley-<owner>-…`
    File(&'a str),
    /// `.parley-fetch-…` from an older release.
    Legacy,
    /// Not ours.
    Other,
}

fn classify(name: &str) -> Entry<'_> {
    if name.starts_with(LEGACY_FETCH) {
        return Entry::Legacy;
    }
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return Entry::Other;
    };
    let Some(owner) = rest
        .get(..16)
        .filter(|o| o.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Entry::Other;
    };
    match &rest[16..] {
        LOCK_SUFFIX => Entry::Lock(owner),
        tail if tail.starts_with('-') => Entry::File(owner),
        _ => Entry::Other,
    }
}

/// Removes the files of every owner but `me` whose lock is free or gone.
fn sweep(dir: &Path, me: &str) -> io::Result<usize> {
    let mut files: HashMap<String, Vec<PathBuf>> = HashMap::new();
    let mut locks: Vec<String> = Vec::new();
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        match classify(name) {
            Entry::Lock(owner) if owner != me => locks.push(owner.to_owned()),
            Entry::File(owner) if owner != me => files
                .entry(owner.to_owned())
                .or_default()
                .push(entry.path()),
            Entry::Legacy => {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > LEGACY_MAX_AGE);
                if old && remove(&entry.path()) {
                    removed += 1;
                }
            }
            _ => {}
        }
    }
    for owner in locks {
        let path = lock_path(dir, &owner);
        let Ok(lock) = OpenOptions::new().write(true).open(&path) else {
            continue;
        };
        match lock.try_lock() {
            Ok(()) => {}
            // Its process is alive.
            Err(TryLockError::WouldBlock) => {
                files.remove(&owner);
                continue;
            }
            Err(TryLockError::Error(e)) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot test a work folder lock; leaving its files");
                files.remove(&owner);
                continue;
            }
        }
        // Files first, the lock last: a sweep cut short leaves files whose lock is gone,
        // which the next sweep removes.
        for f in files.remove(&owner).unwrap_or_default() {
            removed += usize::from(remove(&f));
        }
        remove(&path);
        drop(lock);
    }
    // Files whose lock is gone: a process creates its lock before its first file and
    // keeps it, so their owner is gone too. Look again in case the lock appeared since
    // the listing.
    for (owner, paths) in files {
        if lock_path(dir, &owner).exists() {
            continue;
        }
        for f in paths {
            removed += usize::from(remove(&f));
        }
    }
    Ok(removed)
}

/// Removes a file; false when it was not there (another process swept it first) or could
/// not be removed (logged).
fn remove(path: &Path) -> bool {
    match std::fs::remove_file(path) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a leftover work file");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_classified() {
        let owner = "0123456789abcdef";
        assert_eq!(
            classify(&format!(".parley-{owner}.lock")),
            Entry::Lock(owner)
        );
        assert_eq!(
            classify(&format!(".parley-{owner}-media-Xy12")),
            Entry::File(owner)
        );
        assert_eq!(classify(".parley-fetch-abc"), Entry::Legacy);
        for other in [
            "upload-abc",
            ".parley-0123.lock",
            ".parley-0123456789abcdeg-x",
            &format!(".parley-{owner}.lockx"),
            &format!(".parley-{owner}"),
            "parley.db",
        ] {
            assert_eq!(classify(other), Entry::Other, "{other}");
        }
    }

    #[test]
    fn files_of_a_gone_owner_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let live = "aaaaaaaaaaaaaaaa";
        let dead = "bbbbbbbbbbbbbbbb";
        let lockless = "cccccccccccccccc";
        // A live owner: its lock is held (by this test, standing in for another process).
        let held = File::create(lock_path(d, live)).unwrap();
        held.try_lock().unwrap();
        std::fs::write(d.join(format!(".parley-{live}-upload-1")), b"x").unwrap();
        // A dead owner: its lock file is there but nobody holds it.
        File::create(lock_path(d, dead)).unwrap();
        std::fs::write(d.join(format!(".parley-{dead}-media-1")), b"x").unwrap();
        std::fs::write(d.join(format!(".parley-{dead}-fetch-2")), b"x").unwrap();
        // An owner whose lock a cut-short sweep already removed.
        std::fs::write(d.join(format!(".parley-{lockless}-media-1")), b"x").unwrap();
        // Not ours, and a fresh legacy pull.
        std::fs::write(d.join("upload-keep"), b"x").unwrap();
        std::fs::write(d.join(".parley-fetch-recent"), b"x").unwrap();

        assert_eq!(sweep(d, "dddddddddddddddd").unwrap(), 3);
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".parley-aaaaaaaaaaaaaaaa-upload-1",
                ".parley-aaaaaaaaaaaaaaaa.lock",
                ".parley-fetch-recent",
                "upload-keep"
            ]
        );
        // Once the live owner is gone too, its files go.
        drop(held);
        assert_eq!(sweep(d, "dddddddddddddddd").unwrap(), 1);
    }

    #[test]
    fn prepare_locks_and_keeps_own_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = temp_file(dir.path(), "media").unwrap();
        let name = f.path().file_name().unwrap().to_str().unwrap().to_owned();
        assert!(
            name.starts_with(&format!(".parley-{}-media-", owner())),
            "{name}"
        );
        // Another process sweeping sees this one's lock held and leaves the file.
        assert_eq!(sweep(dir.path(), "eeeeeeeeeeeeeeee").unwrap(), 0);
        assert!(f.path().exists());
        assert_eq!(prepare(dir.path()).unwrap(), 0);
    }
}
