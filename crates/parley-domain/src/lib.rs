//! Parley's domain model: the things a revenue-intelligence system talks about
//! (workspaces, users, calls, parties, CRM objects, transcripts) and the pure rules
//! over them (validation, speaker-to-party mapping, subtitle parsing).
//!
//! Architecture Invariant: this crate does no IO and knows nothing of HTTP, SQL or
//! Gong's wire names. Other crates convert to and from these types.

#![forbid(unsafe_code)]

pub mod access;
pub mod activity;
pub mod audit;
pub mod automation;
pub mod call;
pub mod comment;
pub mod crm;
pub mod crm_write;
pub mod engagement;
pub mod flow;
pub mod id;
pub mod job;
pub mod lang;
pub mod library;
pub mod meeting;
pub mod privacy;
pub mod profile;
pub mod scorecard;
pub mod search;
pub mod share;
pub mod speaker;
pub mod subtitle;
pub mod timeline;
pub mod tracker;
pub mod transcript;
pub mod user;
pub mod waveform;

pub use access::*;
pub use activity::*;
pub use audit::{Actor, AuditAction, AuditEntry, AuditLogKind, AuditRecord, Outcome, RequestInfo};
pub use call::*;
pub use crm::{
    CrmEntity, CrmFieldType, CrmIntegration, CrmObjectType, CrmRequest, CrmRequestStatus,
    CrmSchemaField, CrmUploadResult, ManualAssociation,
};
pub use flow::*;
pub use id::*;
pub use job::*;
pub use profile::*;
pub use speaker::*;
pub use timeline::{SpeakerTimeline, TimelineSegment};
pub use transcript::*;
pub use user::*;
pub use waveform::Waveform;

/// A point in time. Always stored and compared in UTC; the wire layer renders it in
/// the company time zone.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
