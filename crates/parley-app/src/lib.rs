//! Parley's application core: the use cases every entry point shares (the HTTP routes,
//! the CLI, the demo seeder, and next the web UI, webhooks and MCP), the background jobs
//! and the workers that run them.
//!
//! Architecture Invariant: nothing here knows HTTP — no status codes, no extractors, no
//! response bodies. A use case takes domain values and returns them or an [`AppError`];
//! each entry point renders that its own way (the HTTP crate as Gong's error body, in one
//! place). Gong's field names stay in `gong-api-v2`; SQL stays in `parley-store`; outbound
//! requests go through `parley-outbound`.

#![forbid(unsafe_code)]

pub mod access;
pub mod analysis;
pub mod audit;
pub mod automation;
pub mod calls;
pub mod coaching;
pub mod comments;
pub mod crm;
pub mod crm_clients;
pub mod crm_connectors;
pub mod crm_demo;
pub mod crm_writeback;
pub mod demo;
mod demo_flows;
pub mod demo_library;
mod demo_permissions;
pub mod demo_recordings;
mod demo_scorecards;
pub mod engagement;
pub mod error;
pub mod flows;
pub mod grants;
pub mod jobs;
pub mod keys;
pub mod library;
pub mod limits;
pub mod media;
pub mod meetings;
pub mod migrate;
pub mod oauth;
pub mod privacy;
pub mod profiles;
pub mod scorecards;
pub mod sessions;
pub mod setup;
pub mod shares;
pub mod speakers;
pub mod storage;
pub mod stored;
pub mod transcripts;
pub mod users;
pub mod webhooks;
pub mod workdir;
pub mod worker;
pub mod workspaces;

pub use error::{AppError, AppResult};
pub use jobs::{enqueue, JobError};
pub use limits::Limits;
pub use parley_domain::JobSpec;
