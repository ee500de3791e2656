//! The demo company: a fictional software company, Northwind Analytics, with its sales
//! and customer success teams, eleven customer accounts and about fifty recorded calls
//! from the last sixty days, most of them with a transcript.
//!
//! The company, its accounts and what its calls say are data (`data/company.toml`,
//! `data/accounts.toml`, `data/scripts.toml`, embedded); so are its library
//! ([`library`]), permission profiles and call grants ([`permissions`]) and Engage flows
//! ([`flows`]), each planned over the [`Plan`]. This crate turns them into a
//! [`Plan`] of domain values: workspaces, trackers, users with their managers, calls
//! with parties and CRM context, WebVTT transcripts and what the team did with the
//! calls afterwards. Applying the plan to a store is the seeder's job (in the server),
//! through the same operations API clients use.
//!
//! Architecture Invariant: no IO (besides the embedded data), no clock, no store, no
//! server: the same seed and `now` give the same plan. Ids are the store's to mint, so
//! the plan refers to its own workspaces and users by index.

#![forbid(unsafe_code)]

mod calls;
pub mod comments;
mod data;
pub mod flows;
pub mod library;
pub mod permissions;
mod scorecards;
mod script;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use parley_domain::{
    ActivityKind, CrmLink, Direction, NewCall, NewParty, SpokenLanguage, Timestamp, UserId,
    UserSettings, WorkspaceId,
};

use crate::calls::{plan_calls, sf, CallPlan};
pub use crate::comments::PlannedComment;
use crate::data::{Demo, Role};
pub use crate::scorecards::{PlannedAnswer, PlannedReview};
use crate::script::{script, webvtt, Cast, Vars};

/// The seed of the demo the server seeds: the same company, calls and transcripts on
/// every install (for the same `now`).
pub const SEED: u64 = 7;

/// A data file of the demo is broken (the crate's tests load every one of them, so
/// this is a development error).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file}: {source}")]
    Parse {
        file: &'static str,
        #[source]
        source: toml::de::Error,
    },
    #[error("{file}: {message}")]
    Invalid { file: &'static str, message: String },
}

/// Everything the demo puts in a store.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub workspaces: Vec<PlannedWorkspace>,
    /// The keyword trackers every workspace starts with.
    pub trackers: Vec<PlannedTracker>,
    /// Managers before their reports.
    pub users: Vec<PlannedUser>,
    /// In time order.
    pub calls: Vec<PlannedCall>,
    /// The scorecards every workspace starts with (`data/scorecards.toml`).
    pub scorecards: Vec<parley_domain::scorecard::ScorecardDraft>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedWorkspace {
    pub name: String,
    pub description: String,
    /// Where calls without a workspace go.
    pub default: bool,
    pub created: Timestamp,
    /// When the workspace's trackers were made.
    pub trackers_created: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTracker {
    pub name: String,
    pub phrases: Vec<String>,
    /// Also matches other forms of each word.
    pub include_related_forms: bool,
    /// ISO 639-2/B.
    pub language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub title: String,
    pub phone: String,
    /// An index into [`Plan::users`], always of an earlier user.
    pub manager: Option<usize>,
    pub settings: UserSettings,
    pub spoken_languages: Vec<SpokenLanguage>,
    pub created: Timestamp,
}

/// One call, its transcript and what the team did with it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    /// An index into [`Plan::workspaces`].
    pub workspace: usize,
    /// The host, an index into [`Plan::users`].
    pub primary: usize,
    pub client_unique_id: String,
    pub start: Timestamp,
    pub scheduled: Option<(Timestamp, Timestamp)>,
    pub duration_s: i64,
    pub title: String,
    pub purpose: Option<String>,
    pub disposition: Option<String>,
    pub direction: Direction,
    pub provider: String,
    pub meeting_url: Option<String>,
    pub context: Vec<CrmLink>,
    /// Every party but the host: a colleague named by email only, as a client that
    /// does not know Parley's user ids would, and the customer's contacts.
    pub guests: Vec<NewParty>,
    /// WebVTT with one voice per line (`<v Name>`); about four calls in five have one.
    pub transcript: Option<String>,
    /// Recorded only along with the transcript, for a call seeded for the first time.
    pub activity: Vec<PlannedActivity>,
}

/// An activity event of a planned call.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedActivity {
    pub kind: ActivityKind,
    /// Indexes into [`Plan::users`].
    pub actor: usize,
    pub subject: Option<usize>,
    pub at: Timestamp,
    /// What a `scorecard` activity answered.
    pub review: Option<PlannedReview>,
    /// What a `comment` activity wrote.
    pub comment: Option<PlannedComment>,
}

impl PlannedCall {
    /// The call as `POST /v2/calls` takes it, with the ids the store gave the plan's
    /// workspaces and users (in the plan's order).
    pub fn new_call(&self, workspaces: &[WorkspaceId], users: &[UserId]) -> NewCall {
        let host = NewParty {
            user_id: Some(users[self.primary]),
            ..Default::default()
        };
        NewCall {
            client_unique_id: self.client_unique_id.clone(),
            actual_start: self.start,
            workspace_id: Some(workspaces[self.workspace]),
            title: Some(self.title.clone()),
            purpose: self.purpose.clone(),
            scheduled_start: self.scheduled.map(|s| s.0),
            scheduled_end: self.scheduled.map(|s| s.1),
            duration_s: Some(self.duration_s as f64),
            disposition: self.disposition.clone(),
            direction: self.direction,
            primary_user: users[self.primary],
            parties: std::iter::once(host)
                .chain(self.guests.iter().cloned())
                .collect(),
            context: self.context.clone(),
            custom_data: None,
            meeting_url: self.meeting_url.clone(),
            call_provider_code: Some(self.provider.clone()),
            download_media_url: None,
            language_code: None,
            speakers_timeline: None,
        }
    }
}

/// The demo for `now`: [`SEED`]'s plan.
pub fn plan(now: Timestamp) -> Result<Plan, DataError> {
    plan_with_seed(SEED, now)
}

/// The demo a seed gives for `now`: the same seed and `now` give the same plan.
pub fn plan_with_seed(seed: u64, now: Timestamp) -> Result<Plan, DataError> {
    let demo = Demo::embedded()?;
    let scorecards = scorecards::Scorecards::embedded()?;
    let comments = comments::Comments::embedded()?;
    let mut plan = generate(&demo, seed, now);
    plan.scorecards = scorecards.drafts();
    for (i, call) in plan.calls.iter_mut().enumerate() {
        scorecards.review(i + 1, &mut call.activity);
        comments.write(i + 1, call.duration_s, &mut call.activity);
    }
    Ok(plan)
}

fn generate(demo: &Demo, seed: u64, now: Timestamp) -> Plan {
    let mut rng = StdRng::seed_from_u64(seed);

    let workspaces = demo
        .workspaces
        .iter()
        .enumerate()
        .map(|(i, w)| PlannedWorkspace {
            name: w.name.clone(),
            description: w.description.clone(),
            default: w.default,
            created: now - Duration::days(365) + Duration::hours(i as i64),
            trackers_created: now - Duration::days(300) + Duration::hours(i as i64),
        })
        .collect();
    let trackers = demo
        .trackers
        .iter()
        .map(|t| PlannedTracker {
            name: t.name.clone(),
            phrases: t.phrases.clone(),
            include_related_forms: t.related_forms,
            language: "eng".into(),
        })
        .collect();

    // The order of the draws below is the demo: users, then the calls, then each
    // transcript in turn. Drawing in another order changes every call after it.
    let users = demo
        .users
        .iter()
        .map(|u| PlannedUser {
            email: demo.email(u),
            first_name: u.first.clone(),
            last_name: u.last.clone(),
            title: u.title.clone(),
            phone: u.phone.clone(),
            manager: u.manager,
            settings: UserSettings {
                web_conferences_recorded: u.web_conferences_recorded,
                telephony_calls_imported: u.telephony_calls_imported,
                emails_imported: u.emails_imported,
                non_recorded_meetings_imported: u.role == Role::Manager,
                gong_connect_enabled: matches!(
                    u.role,
                    Role::AccountExecutive | Role::SalesDevelopment
                ),
                ..Default::default()
            },
            spoken_languages: SpokenLanguage::in_order(&u.languages),
            created: now - Duration::days(u.created_days_ago)
                + Duration::minutes(rng.gen_range(0..600)),
        })
        .collect();

    let (plans, crm_ids) = plan_calls(demo, &mut rng, now);
    let mut calls = Vec::with_capacity(plans.len());
    for (i, plan) in plans.iter().enumerate() {
        let n = i + 1;
        let account = &demo.accounts[plan.account];
        let mut call = planned_call(demo, n, plan, &crm_ids[plan.account].contacts);
        // About four calls in five have a transcript; the ones with a stranger always do.
        if i % 5 != 4 || plan.stranger.is_some() {
            let cast = Cast {
                host: demo.users[plan.primary].full_name(),
                colleague: plan.colleague.map(|c| demo.users[c].full_name()),
                colleague_role: plan.colleague.map(|c| demo.users[c].role),
                customers: plan
                    .contacts
                    .iter()
                    .map(|c| account.contacts[*c].full_name())
                    .collect(),
                stranger: plan.stranger.clone(),
            };
            let vars = Vars {
                me: demo.users[plan.primary].first.clone(),
                c: account.contacts[plan.contacts[0]].first.clone(),
                co: account.name.clone(),
                comp: account.competitor.clone(),
                day: demo.days.choose(&mut rng).unwrap().clone(),
                price: format!(
                    "${},{:03}",
                    demo.price_per_seat / 1000,
                    demo.price_per_seat % 1000
                ),
                seats: account.seats.to_string(),
                industry: account.industry.to_lowercase(),
            };
            let target = (14 + plan.duration_s / 60).clamp(22, 80) as usize;
            let lines = script(
                demo,
                &mut rng,
                plan.kind,
                plan.direction,
                &cast,
                &vars,
                target,
            );
            call.transcript = Some(webvtt(&mut rng, &lines, plan.duration_s));
            // A generator of its own, so that the transcripts stay as they were.
            call.activity = activity(demo, &mut StdRng::seed_from_u64(n as u64), plan);
        }
        calls.push(call);
    }

    Plan {
        workspaces,
        trackers,
        users,
        calls,
        scorecards: Vec::new(),
    }
}

fn planned_call(demo: &Demo, n: usize, plan: &CallPlan, contact_ids: &[String]) -> PlannedCall {
    let account = &demo.accounts[plan.account];
    let mut guests = Vec::new();
    if let Some(c) = plan.colleague {
        guests.push(NewParty {
            email: Some(demo.email(&demo.users[c])),
            ..Default::default()
        });
    }
    for &ci in &plan.contacts {
        let c = &account.contacts[ci];
        let email = c.email(&account.domain);
        guests.push(NewParty {
            name: Some(c.full_name()),
            email: Some(email.clone()),
            phone: c.phone.clone(),
            title: Some(c.title.clone()),
            context: vec![sf(
                "Contact",
                &contact_ids[ci],
                vec![("Email", json!(email)), ("Title", json!(c.title))],
            )],
            ..Default::default()
        });
    }
    let kind = demo.kind(plan.kind);
    PlannedCall {
        workspace: plan.workspace,
        primary: plan.primary,
        client_unique_id: format!("demo-{n}"),
        start: plan.start,
        scheduled: plan.scheduled,
        duration_s: plan.duration_s,
        title: format!("{} / {} – {}", account.name, demo.company, kind.label),
        purpose: kind.purpose.clone(),
        disposition: plan.disposition.clone(),
        direction: plan.direction,
        provider: plan.provider.to_owned(),
        meeting_url: plan.meeting_url.clone(),
        context: plan.context.clone(),
        guests,
        transcript: None,
        activity: Vec::new(),
    }
}

/// What the team did with a call: the host replays some of their calls, managers
/// listen to and comment on some of their reps' calls and fill a scorecard for a few.
fn activity(demo: &Demo, rng: &mut StdRng, plan: &CallPlan) -> Vec<PlannedActivity> {
    let host = plan.primary;
    let mut events = Vec::new();
    let mut event = |rng: &mut StdRng, kind, actor, subject| {
        events.push(PlannedActivity {
            kind,
            actor,
            subject,
            at: plan.start + Duration::hours(rng.gen_range(2..72)),
            review: None,
            comment: None,
        });
    };
    if rng.gen_bool(0.3) {
        event(rng, ActivityKind::Listen, host, None);
    }
    if let Some(manager) = demo.users[plan.primary].manager {
        if rng.gen_bool(0.4) {
            event(rng, ActivityKind::Listen, manager, None);
            if rng.gen_bool(0.5) {
                event(rng, ActivityKind::Comment, manager, None);
            }
            if rng.gen_bool(0.25) {
                event(rng, ActivityKind::Scorecard, manager, Some(host));
            }
        }
    }
    if rng.gen_bool(0.1) {
        event(rng, ActivityKind::ShareInternal, host, None);
    }
    events
}

#[cfg(test)]
mod tests;
