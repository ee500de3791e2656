//! `parley migrate`, `parley backup` and `parley restore` as an operator runs them: a
//! deployment on SQLite and local media moves to PostgreSQL and S3, is backed up from
//! there, and is restored into a fresh embedded setup; every server along the way answers
//! the API the same, with the same key.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{create_key, parley, serve_cmd, Api, Server};
use parley_store_postgres::testing::TestDb;
use serde_json::{json, Value};

/// One second of a 440 Hz tone, 16 kHz mono 16-bit PCM: a real recording to import.
fn tone(dir: &Path) -> PathBuf {
    let rate = 16_000u32;
    let samples: Vec<i16> = (0..rate)
        .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 8000.0) as i16)
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&s.to_le_bytes());
    }
    let path = dir.join("tone.wav");
    std::fs::write(&path, wav).unwrap();
    path
}

/// `parley` on `data` with the database and media store given (None: the data folder's).
fn at(data: &Path, db: Option<&str>, media: Option<&str>) -> Command {
    let mut cmd = parley(data);
    if let Some(db) = db {
        cmd.args(["--database-url", db]);
    }
    if let Some(media) = media {
        cmd.args(["--media-url", media]);
    }
    cmd
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(!out.status.success(), "{cmd:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

/// A server without workers (nothing changes under the comparison) that names calls
/// with a fixed public URL, so that two servers render the same `url`s.
fn server(data: &Path, db: Option<&str>, media: Option<&str>) -> Server {
    let mut cmd = at(data, db, media);
    cmd.args([
        "--public-url",
        "https://parley.example",
        "serve",
        "--no-workers",
        "--listen",
        "127.0.0.1:0",
    ])
    .stderr(std::process::Stdio::null());
    serve_cmd(cmd)
}

/// What the API shows of every call: the listing and the extensive rendering (parties,
/// CRM context, media, topics, trackers), without the per-request id.
async fn everything(api: &Api) -> Value {
    let mut list = api.get("/v2/calls").await;
    let body = json!({
        "filter": {},
        "contentSelector": {
            "context": "Extended",
            "exposedFields": {
                "parties": true,
                "media": true,
                "content": {"topics": true, "trackers": true, "brief": true},
                "interaction": {"speakers": true}
            }
        }
    });
    let (status, mut extensive) = api
        .send(reqwest::Method::POST, "/v2/calls/extensive", Some(body))
        .await;
    assert_eq!(status, 200, "{extensive}");
    let (status, mut transcripts) = api
        .send(
            reqwest::Method::POST,
            "/v2/calls/transcript",
            Some(json!({"filter": {}})),
        )
        .await;
    assert_eq!(status, 200, "{transcripts}");
    for v in [&mut list, &mut extensive, &mut transcripts] {
        v.as_object_mut().unwrap().remove("requestId");
    }
    json!({"list": list, "extensive": extensive, "transcripts": transcripts})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_moves_to_postgres_and_s3_and_is_restored_from_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("embedded");
    std::fs::create_dir_all(&home).unwrap();
    ok(at(&home, None, None).arg("demo"));
    let recording = tone(dir.path());
    ok(at(&home, None, None)
        .args(["import", "--no-wait"])
        .arg(&recording));
    let key = create_key(at(&home, None, None).args(["keys", "create", "--name", "ops"]));
    let before = {
        let s = server(&home, None, None);
        everything(&Api::with_key(&s.addr, key.clone())).await
    };
    assert!(
        before["list"]["calls"].as_array().unwrap().len() > 10,
        "{}",
        before["list"]
    );

    // Onto PostgreSQL and S3 (a second local folder where no S3 server is configured).
    let db = TestDb::new().await;
    let media = parley_blob::testing::s3_url("migrate")
        .unwrap_or_else(|| format!("file://{}", dir.path().join("moved-media").display()));
    let out = ok(at(&home, None, None).args(["migrate", "--to", &db.url, "--media-to", &media]));
    assert!(out.contains("media: 1 recordings"), "{out}");
    assert!(out.contains("counts and SHA-256 checksums equal"), "{out}");
    // Run again: nothing left to copy, and it still checks out.
    let again = ok(at(&home, None, None).args(["migrate", "--to", &db.url, "--media-to", &media]));
    assert!(again.contains("copied 0 rows"), "{again}");
    assert!(again.contains("0 copied, 1 already there"), "{again}");
    let moved = {
        let s = server(&home, Some(&db.url), Some(&media));
        everything(&Api::with_key(&s.addr, key.clone())).await
    };
    assert_eq!(
        moved, before,
        "the API answers the same on PostgreSQL and S3"
    );

    // A backup of the PostgreSQL deployment, recordings included.
    let backup = dir.path().join("backup");
    let out = ok(at(&home, Some(&db.url), Some(&media))
        .args(["backup", "--with-media"])
        .arg(&backup));
    assert!(out.contains("backup written"), "{out}");
    assert!(backup.join("parley.sqlite").is_file());
    assert!(
        !backup.join("parley.sqlite-wal").exists()
            || std::fs::metadata(backup.join("parley.sqlite-wal"))
                .unwrap()
                .len()
                == 0,
        "the backup's database is whole in its one file"
    );
    let err = fails(
        at(&home, Some(&db.url), Some(&media))
            .arg("backup")
            .arg(&backup),
    );
    assert!(err.contains("not empty"), "{err}");

    // A damaged backup is refused before anything is written.
    let damaged = dir.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    std::fs::copy(backup.join("parley.sqlite"), damaged.join("parley.sqlite")).unwrap();
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    manifest["tables"][9]["rows"] = json!(999_999);
    std::fs::write(damaged.join("manifest.json"), manifest.to_string()).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let err = fails(at(&elsewhere, None, None).arg("restore").arg(&damaged));
    assert!(err.contains("does not match its manifest"), "{err}");
    assert!(
        !elsewhere.join("parley.db").exists(),
        "a refused restore creates no database"
    );

    // Restored into a fresh embedded deployment.
    let fresh = dir.path().join("restored");
    std::fs::create_dir_all(&fresh).unwrap();
    let out = ok(at(&fresh, None, None).arg("restore").arg(&backup));
    assert!(out.contains("media: 1 recordings"), "{out}");
    let restored = {
        let s = server(&fresh, None, None);
        everything(&Api::with_key(&s.addr, key.clone())).await
    };
    assert_eq!(restored, before, "the restored deployment answers the same");
    let stored: Vec<PathBuf> = walk(&fresh.join("media"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        std::fs::read(&stored[0]).unwrap(),
        std::fs::read(&recording).unwrap()
    );
    if media.starts_with("s3://") {
        assert_eq!(parley_blob::testing::clear(&media).await.unwrap(), 1);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
