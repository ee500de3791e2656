//! A real Parley server on port 0 over a real database, and an HTTP client for it.
//!
//! The database is a SQLite file in a temporary folder, or a fresh PostgreSQL database
//! when `PARLEY_TEST_DATABASE=postgres` (CI runs these tests both ways).

#![allow(dead_code)]

use std::sync::Arc;

use parley_server::{AppState, RateLimit, RateLimitScope, ServerConfig};
use parley_store::Store;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub key: String,
    pub secret: String,
    pub store: Arc<dyn Store>,
    /// The database's URL: [`TestServer::another_node`] opens it again.
    pub database_url: String,
    _database: Arc<TestDatabase>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// Keeps a test server's database alive (and drops a PostgreSQL one at the end).
enum TestDatabase {
    Sqlite(tempfile::TempDir),
    Postgres(parley_store_postgres::testing::TestDb),
}

impl TestDatabase {
    /// The backend `PARLEY_TEST_DATABASE` names (`sqlite`, the default, or `postgres`).
    async fn new() -> (TestDatabase, String) {
        match std::env::var("PARLEY_TEST_DATABASE").as_deref() {
            Ok("postgres") => {
                let db = parley_store_postgres::testing::TestDb::new().await;
                let url = db.url.clone();
                (TestDatabase::Postgres(db), url)
            }
            Ok("sqlite") | Ok("") | Err(_) => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("parley.db").display());
                (TestDatabase::Sqlite(dir), url)
            }
            Ok(other) => panic!("PARLEY_TEST_DATABASE={other:?}: expected sqlite or postgres"),
        }
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let (database, url) = TestDatabase::new().await;
        let store = parley_app::storage::open(&url).await.unwrap();
        let key =
            parley_app::keys::create_key(store.as_ref(), &parley_app::keys::KeySpec::full("tests"))
                .await
                .unwrap();
        Self::serve(
            store,
            url,
            Arc::new(database),
            tweak,
            key.access_key,
            key.secret,
        )
        .await
    }

    /// Another node on this server's database: its own store (its own pool, as another
    /// process would have) and its own in-memory state, the same key.
    pub async fn another_node(&self, tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let store = parley_app::storage::open(&self.database_url).await.unwrap();
        Self::serve(
            store,
            self.database_url.clone(),
            self._database.clone(),
            tweak,
            self.key.clone(),
            self.secret.clone(),
        )
        .await
    }

    async fn serve(
        store: Arc<dyn Store>,
        url: String,
        database: Arc<TestDatabase>,
        tweak: impl FnOnce(&mut ServerConfig),
        key: String,
        secret: String,
    ) -> TestServer {
        let mut config = ServerConfig {
            rate_limit: RateLimit::OFF,
            // As the binary chooses: shared on PostgreSQL, so that the throttles every
            // test meets are the shared ones there.
            rate_limit_scope: RateLimitScope::default_for(parley_app::storage::shared_by_nodes(
                &url,
            )),
            key_recheck_secs: 0,
            public_url: "https://parley.test-host.example.com".into(),
            ..ServerConfig::default()
        };
        tweak(&mut config);
        let state = AppState::new(store.clone(), config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(parley_server::serve(listener, state, async {
            let _ = rx.await;
        }));
        TestServer {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            key,
            secret,
            store,
            database_url: url,
            _database: database,
            _shutdown: tx,
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.key, Some(&self.secret));
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Reply {
        Self::reply(req.send().await.unwrap()).await
    }

    pub async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        // A page (the API reference) is its text; anything else must be JSON.
        let html = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        let body = if html {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "non-JSON body ({status}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Creates a user through Parley's API; returns its id.
    pub async fn user(&self, email: &str, first: &str, last: &str) -> String {
        let r = self
            .post(
                "/parley/v1/users",
                json!({"email": email, "firstName": first, "lastName": last}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["userId"].as_str().unwrap().to_owned()
    }

    /// Creates a call through `POST /v2/calls`; returns its id.
    pub async fn call(&self, body: Value) -> String {
        let r = self.post("/v2/calls", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["callId"].as_str().unwrap().to_owned()
    }
}

/// A valid create-call body for `user` starting at `start`.
pub fn call_body(unique: &str, user: &str, start: &str) -> Value {
    json!({
        "clientUniqueId": unique,
        "actualStart": start,
        "direction": "Outbound",
        "primaryUser": user,
        "title": format!("Call {unique}"),
        "parties": [
            {"userId": user},
            {"name": "Carl Customer", "emailAddress": "carl@customer.example.com", "phoneNumber": "+15550001111"}
        ]
    })
}

/// Asserts a Gong error body with this status and first message.
pub fn assert_error(r: &Reply, status: StatusCode, message: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let errors = r.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", r.body));
    assert!(
        errors.iter().any(|e| e.as_str().unwrap().contains(message)),
        "expected {message:?} in {}",
        r.body
    );
    let id = r.body["requestId"].as_str().unwrap();
    assert_eq!(id.len(), 19);
    assert_eq!(r.headers["x-traceid"].to_str().unwrap(), id);
}

impl TestServer {
    /// Runs queued analysis jobs (and the jobs they queue) until none is left; returns
    /// how many ran. The test server itself runs no workers, so tests decide when.
    pub async fn run_analysis_jobs(
        &self,
        llm: Option<Arc<parley_app::analysis::LlmEngine>>,
    ) -> usize {
        let workers = parley_app::worker::Workers {
            store: self.store.clone(),
            blobs: parley_blob::BlobStore::open("memory://").unwrap(),
            transcriber: None,
            config: parley_app::worker::WorkerConfig::default(),
            fetch: None,
            llm,
            webhooks: None,
        };
        let mut n = 0;
        while workers
            .run_next("test", &parley_app::worker::ANALYSIS_KINDS)
            .await
            .unwrap()
        {
            n += 1;
        }
        n
    }

    /// Workers that send webhooks (JWTs signed with the key in `key_file`) and write to
    /// CRMs, both allowed to reach 127.0.0.1 only; a delivery's first retry comes after
    /// 200 ms. The test server runs none itself: tests run them when they choose.
    pub fn outbound_workers(
        &self,
        key_file: std::path::PathBuf,
        disable_after: u32,
    ) -> parley_app::worker::Workers {
        use parley_app::webhooks::{SigningKeys, WebhookConfig, Webhooks};
        use std::time::Duration;
        let policy = parley_outbound::FetchPolicy {
            allow: parley_outbound::HostAllowList::parse(&["127.0.0.1"]).unwrap(),
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(10),
            max_redirects: 0,
            ..parley_outbound::FetchPolicy::default()
        };
        let config = WebhookConfig {
            policy: policy.clone(),
            retry: parley_domain::automation::RetryPolicy {
                first: chrono::Duration::milliseconds(200),
                ..Default::default()
            },
            disable_after,
        };
        parley_app::worker::Workers {
            store: self.store.clone(),
            blobs: parley_blob::BlobStore::open("memory://").unwrap(),
            transcriber: None,
            config: parley_app::worker::WorkerConfig::default(),
            fetch: Some(Arc::new(policy)),
            llm: None,
            webhooks: Some(Arc::new(Webhooks {
                renderer: Arc::new(parley_server::WebhookRenderer {
                    store: self.store.clone(),
                    render: Arc::new(gong_api_v2::calls::RenderCtx {
                        tz: chrono_tz::UTC,
                        call_url_prefix: "https://parley.test-host.example.com/call?id=".into(),
                    }),
                }),
                keys: Arc::new(SigningKeys::new(key_file)),
                config,
            })),
        }
    }

    pub async fn put_transcript(&self, call: &str, format: &str, text: &str) -> Reply {
        self.raw(
            self.client
                .put(format!(
                    "{}/parley/v1/calls/{call}/transcript?format={format}",
                    self.base
                ))
                .basic_auth(&self.key, Some(&self.secret))
                .body(text.to_owned()),
        )
        .await
    }
}

/// A key's credentials.
pub struct Key {
    pub key: String,
    pub secret: String,
}

/// A full-scope key of `owner` (a user id; else the company's), bound to `workspace`
/// when given.
pub async fn key(s: &TestServer, owner: Option<&str>, workspace: Option<&str>) -> Key {
    key_with(
        s,
        parley_app::keys::KeySpec {
            name: "test".into(),
            scopes: parley_domain::ScopeSet::full(),
            workspace: workspace.map(|w| parley_domain::WorkspaceId(w.parse().unwrap())),
            owner: owner.map(|u| parley_domain::UserId(u.parse().unwrap())),
        },
    )
    .await
}

pub async fn key_with(s: &TestServer, spec: parley_app::keys::KeySpec) -> Key {
    let k = parley_app::keys::create_key(s.store.as_ref(), &spec)
        .await
        .unwrap();
    Key {
        key: k.access_key,
        secret: k.secret,
    }
}

/// A request with `k`'s credentials (Basic auth) and an optional JSON body.
pub async fn send_as(
    s: &TestServer,
    k: &Key,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = s
        .client
        .request(method, format!("{}{path}", s.base))
        .basic_auth(&k.key, Some(&k.secret));
    if let Some(b) = body {
        req = req.json(&b);
    }
    s.raw(req).await
}
