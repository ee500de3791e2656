//! What the tests of the data-management commands share (`scorecards`, `library`,
//! `meetings`, `crm`, `privacy`, `access`, `flows`): a data folder with a real SQLite
//! database, the real binary run on it, and ids read back from the database.
#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// One run of `parley`.
#[derive(Debug)]
pub struct Out {
    pub ok: bool,
    pub out: String,
    pub err: String,
}

impl Out {
    /// Standard output as JSON (for `--json` runs that succeeded).
    pub fn json(&self) -> Value {
        assert!(self.ok, "failed: {}", self.err);
        serde_json::from_str(&self.out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.out))
    }

    /// Asserts the run failed with an error containing every one of `parts`.
    pub fn fails_with(&self, parts: &[&str]) {
        assert!(!self.ok, "should have failed: {}", self.out);
        for p in parts {
            assert!(self.err.contains(p), "{p:?} not in: {}", self.err);
        }
    }
}

/// A data folder of its own (a temporary folder, removed at the end).
pub struct Data {
    pub dir: tempfile::TempDir,
}

impl Data {
    pub fn new() -> Data {
        Data {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A data folder with the demo company seeded.
    pub fn demo() -> Data {
        let d = Data::new();
        let r = d.run(&["demo"]);
        assert!(r.ok, "{}", r.err);
        d
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_parley"));
        for (k, _) in std::env::vars() {
            if k.starts_with("PARLEY_") && k != "PARLEY_MODELS" {
                cmd.env_remove(k);
            }
        }
        // Errors as people see them, without a backtrace.
        cmd.env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE");
        cmd.arg("--data-dir")
            .arg(self.path())
            .env("USER", "tester")
            .current_dir(self.path());
        cmd
    }

    /// `parley ARGS` on this folder.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_with_input(args, "")
    }

    /// `parley ARGS` with `input` on its standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Out {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("parley runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        Out {
            ok: out.status.success(),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Writes a file into the folder and returns its path as text.
    pub fn file(&self, name: &str, content: &str) -> String {
        let p: PathBuf = self.path().join(name);
        std::fs::write(&p, content).unwrap();
        p.to_str().unwrap().to_owned()
    }

    /// The first column of a query's rows, as text.
    pub fn sql(&self, query: &str) -> Vec<String> {
        let url = format!("sqlite://{}", self.path().join("parley.db").display());
        let query = query.to_owned();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sqlx::Row;
                let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                    .await
                    .unwrap();
                sqlx::query(&query)
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| {
                        r.try_get::<String, _>(0)
                            .or_else(|_| r.try_get::<i64, _>(0).map(|n| n.to_string()))
                            .unwrap()
                    })
                    .collect()
            })
    }

    /// The audit log as `parley audit` prints it.
    pub fn audit(&self) -> String {
        let r = self.run(&["audit", "--limit", "200"]);
        assert!(r.ok, "{}", r.err);
        r.out
    }
}
