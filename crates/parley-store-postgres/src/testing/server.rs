//! A private PostgreSQL server for one test: for what a test may not do to the machine's
//! shared server, which every other test uses at the same time (restart it, crash it).
//!
//! [`PgServer::start`] runs `initdb` into a fresh folder under the temp dir and starts
//! `postgres` on a free port of 127.0.0.1, its unix socket in that folder, trust auth,
//! with the durable defaults (fsync, synchronous commit, full page writes) kept: a test of
//! what survives a crash must not run on a server that would lose what it acknowledged.
//! [`PgServer::restart`] is a crash and a recovery: an immediate shutdown (no checkpoint;
//! every backend killed in whatever it was doing) and a start that replays the WAL, on the
//! same port. Dropping the value stops the server and removes the folder.
//!
//! The server binaries (`initdb`, `pg_ctl`, `postgres`) are looked for in `pg_config
//! --bindir`, then the newest `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), then `PATH`.
//! Without them `start` prints a note and returns `None`, or panics when the run must cover
//! this (`PARLEY_REQUIRE_POSTGRES_SERVER` set, as `.ci/run` does, or `CI=true`), so a CI
//! run can never pass by skipping. PostgreSQL refuses to run as root: as root the tools run
//! as the `postgres` OS user (`runuser`, else `setpriv`), which owns the folder.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A running private server; stopped, and its folder removed, when dropped.
#[derive(Debug)]
pub struct PgServer {
    /// Holds the data folder (`data/`), the socket and the server's log (`server.log`).
    dir: PathBuf,
    bin: PathBuf,
    /// The OS user the tools run as, when not this process's own (as root).
    user: Option<String>,
    port: u16,
}

impl PgServer {
    /// A fresh server for `test` (named in the note printed when it cannot be had).
    pub fn start(test: &str) -> Option<PgServer> {
        let Some(bin) = server_bindir() else {
            if required() {
                panic!(
                    "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in `pg_config \
                     --bindir`, /usr/lib/postgresql/*/bin or PATH, but this run must test a \
                     private server (PARLEY_REQUIRE_POSTGRES_SERVER or CI is set): run \
                     scripts/setup.sh, which installs them"
                );
            }
            eprintln!(
                "note: {test} skipped its private PostgreSQL server part: no server binaries \
                 (initdb, pg_ctl, postgres) found; scripts/setup.sh installs them"
            );
            return None;
        };
        let user = running_as_root().then(|| "postgres".to_owned());
        let dir = std::env::temp_dir().join(format!(
            "parley-pg-{}-{:016x}",
            std::process::id(),
            parley_domain::random_id()
        ));
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("create {} ({e})", dir.display()));
        let mut server = PgServer {
            dir,
            bin,
            user,
            port: 0,
        };
        if let Some(user) = &server.user {
            // The data folder must be the server's own; the socket and log go beside it.
            run_ok(
                Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(&server.dir),
            )
            .unwrap_or_else(|e| {
                panic!(
                    "running as root, the private PostgreSQL server runs as the `{user}` OS \
                         user (PostgreSQL refuses root), but {} cannot be given to it: {e}",
                    server.dir.display()
                )
            });
        }
        let data = server.data();
        server
            .tool("initdb")
            .arg("-D")
            .arg(&data)
            // The superuser keeps the shared server's name, whoever runs the test; a C
            // locale exists on every system.
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .output_ok()
            .unwrap_or_else(|e| panic!("initdb of the private PostgreSQL server: {e}"));
        // The settings of this test's server live beside the data, rewritten with each
        // port tried; initdb's own file takes them in.
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("open the server's postgresql.conf");
        writeln!(
            conf,
            "include = '{}'",
            server.dir.join("parley.conf").display()
        )
        .expect("extend the server's postgresql.conf");
        // A free port is found by binding it and letting it go; another process can take
        // it in between, so a start that cannot bind tries another.
        for attempt in 1..=5 {
            server.port = free_port();
            std::fs::write(
                server.dir.join("parley.conf"),
                format!(
                    "listen_addresses = '127.0.0.1'\n\
                     port = {}\n\
                     unix_socket_directories = '{}'\n\
                     fsync = on\n\
                     synchronous_commit = on\n\
                     full_page_writes = on\n",
                    server.port,
                    server.dir.display()
                ),
            )
            .expect("write the server's settings");
            match server.pg_ctl_start() {
                Ok(()) => return Some(server),
                Err(e) if attempt < 5 && server.log().contains("could not bind") => {
                    eprintln!(
                        "private PostgreSQL server: port {} taken ({e})",
                        server.port
                    )
                }
                Err(e) => panic!("the private PostgreSQL server did not start: {e}"),
            }
        }
        unreachable!("the loop returns or panics on its last attempt")
    }

    /// A superuser's URL of the server's `postgres` database, for [`super::TestDb::on`].
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A crash: every backend is killed wherever it is (`pg_ctl stop -m immediate`, no
    /// checkpoint); returns once the server is gone. Clients get errors and refused
    /// connections until [`PgServer::start_again`].
    pub fn stop_immediately(&self) {
        self.pg_ctl()
            .args(["stop", "-m", "immediate", "-w", "-t", "60"])
            .output_ok()
            .unwrap_or_else(|e| {
                panic!(
                    "immediate stop of the private PostgreSQL server: {e}\n{}",
                    self.log()
                )
            });
    }

    /// Starts the stopped server on the same port; returns once it accepts connections,
    /// after recovering from its WAL.
    pub fn start_again(&self) {
        self.pg_ctl_start().unwrap_or_else(|e| {
            panic!(
                "the private PostgreSQL server did not start again: {e}\n{}",
                self.log()
            )
        });
    }

    /// [`PgServer::stop_immediately`] then [`PgServer::start_again`].
    pub fn restart(&self) {
        self.stop_immediately();
        self.start_again();
    }

    /// The server's log so far, for a failing test's report.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = self.tool("pg_ctl");
        cmd.arg("-D").arg(self.data()).arg("-s");
        cmd
    }

    /// `pg_ctl start`, waiting until the server accepts connections (60 s at most: a
    /// recovery fsyncs the data folder first, seconds on a busy disk).
    fn pg_ctl_start(&self) -> Result<(), String> {
        self.pg_ctl()
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-t", "60", "start"])
            .output_ok()
    }

    /// One of the server's programs, run as the server's OS user.
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        let mut cmd = match &self.user {
            None => Command::new(program),
            Some(user) if on_path("runuser") => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            Some(user) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={user}"))
                    .arg(format!("--regid={user}"))
                    .args(["--init-groups", "--"])
                    .arg(program);
                c
            }
        };
        // A folder the server's user can enter (the test's may not be).
        cmd.current_dir(&self.dir).stdin(Stdio::null());
        cmd
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.port != 0 {
            let _ = self
                .pg_ctl()
                .args(["stop", "-m", "immediate", "-w", "-t", "60"])
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

trait OutputOk {
    /// Runs to success; the error names the command and has its output.
    fn output_ok(&mut self) -> Result<(), String>;
}

impl OutputOk for Command {
    fn output_ok(&mut self) -> Result<(), String> {
        run_ok(self)
    }
}

fn run_ok(cmd: &mut Command) -> Result<(), String> {
    match cmd.output() {
        Ok(Output { status, .. }) if status.success() => Ok(()),
        Ok(out) => Err(format!(
            "{cmd:?}: {}: {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!("{cmd:?} did not start: {e}")),
    }
}

/// A folder with `initdb`, `pg_ctl` and `postgres`.
fn server_bindir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    // pg_config may come with the client library alone (libpq-dev): its bindir then lacks
    // the server, and the other places are tried.
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    // Debian and Ubuntu keep each major version apart; the newest is taken.
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    debian.sort();
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.join("initdb").is_file())
        .filter_map(|d| {
            d.join("initdb")
                .canonicalize()
                .ok()?
                .parent()
                .map(Path::to_owned)
        });
    from_pg_config
        .into_iter()
        .chain(debian.into_iter().rev().map(|(_, d)| d))
        .chain(on_path)
        .find(|d| complete(d))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Whether this run must not skip the private server (as `parley_blob::testing`'s S3).
fn required() -> bool {
    let on =
        |name: &str| std::env::var(name).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"));
    on("PARLEY_REQUIRE_POSTGRES_SERVER") || on("CI")
}
