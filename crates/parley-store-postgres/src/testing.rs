//! Databases for tests: a fresh PostgreSQL database per test, so tests (this crate's, the
//! server's, the binary's) run in parallel without seeing each other's rows.
//!
//! The server is `PARLEY_TEST_POSTGRES_URL` (default: the local superuser over TCP with
//! trust auth, as on the development and CI machines); each test creates
//! `parley_t_<random hex>` and drops it when its [`TestDb`] goes out of scope (best effort,
//! also when the test panics).
//!
//! A test that must do to its server what the shared one may not suffer (a crash, a
//! restart) runs a [`PgServer`] of its own and its [`TestDb`] on it ([`TestDb::on`]).

use sqlx::{Connection, Executor, PgConnection};

use crate::PgStore;

mod server;
pub use server::PgServer;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that lives as long as the value.
pub struct TestDb {
    /// Connects to the test's database.
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDb {
    /// A database on the shared server (`PARLEY_TEST_POSTGRES_URL`).
    pub async fn new() -> TestDb {
        let admin_url =
            std::env::var("PARLEY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        TestDb::on(&admin_url).await
    }

    /// A database on the server of `admin_url` (a superuser's URL).
    pub async fn on(admin_url: &str) -> TestDb {
        let admin_url = admin_url.to_owned();
        let name = format!("parley_t_{:016x}", parley_domain::random_id());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "no PostgreSQL server for the tests at {} ({e}): start one, or name one \
                     with PARLEY_TEST_POSTGRES_URL (a superuser's URL; tests create and drop \
                     their own databases)",
                parley_store::redact(&admin_url)
            )
        });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("a database URL ends in /DBNAME: {admin_url}"),
        };
        TestDb {
            url,
            admin_url,
            name,
        }
    }

    /// Another node on the same database: its own pool.
    pub async fn open(&self) -> PgStore {
        PgStore::open(&self.url).await.expect("open the store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async; a thread with its own runtime may block where the
        // test's runtime may not.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    // FORCE: the test's pools may still hold connections.
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}
