//! The conformance suite: what every [`Store`] backend must do, as checks any backend's
//! tests run against it (cargo feature `conformance`).
//!
//! A backend implements [`Harness`] (a fresh, migrated, empty store per check, and a way
//! to open a second handle onto the same database) and runs every check with one line:
//!
//! ```ignore
//! parley_store::conformance_suite!(SqliteHarness);
//! ```
//!
//! which expands to one `#[tokio::test]` per check, named `<area>::<check>`, so a failure
//! names the rule that broke. The crate running it needs `tokio` (with its macros and the
//! multi-thread runtime) among its dev-dependencies.
//!
//! Every check is `pub async fn <check>(h: &dyn Harness)` in the module of its area; a
//! new check is listed once, in [`conformance_suite!`](crate::conformance_suite). A check
//! takes its own [`Fixture`], asserts with messages that say which rule broke, and holds
//! a backend only to what the [`Store`] docs promise (its concurrency contract included):
//! orders a method does not promise are compared sorted.
//!
//! The `concurrency` checks start eight tasks together, alternating
//! between the fixture's store and a second handle from [`Fixture::reopen`], so a backend
//! whose guarantees rest on one process (a mutex, a single connection) fails them.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use parley_domain::*;

use crate::{Result, Store, TranscriptWrite};

pub mod access;
pub mod analysis;
pub mod audit;
pub mod automation;
pub mod calls;
pub mod comments;
pub mod concurrency;
pub mod crm;
pub mod crm_write;
pub mod identity;
pub mod jobs;
pub mod library;
pub mod media;
pub mod oauth;
pub mod privacy;
pub mod profiles;
pub mod rate_limits;
pub mod scorecards;
pub mod shares;
pub mod transcripts;

/// A boxed future, as the fixture's closures return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Opens another handle onto a fixture's database.
pub type Reopen = Box<dyn Fn() -> BoxFuture<'static, Arc<dyn Store>> + Send + Sync>;

/// Runs one SQL statement (values written inline, no parameters) on a fixture's database.
pub type Exec = Box<dyn Fn(String) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// Lists every text column of a fixture's schema as (table, column), the migrations'
/// bookkeeping tables left out.
pub type TextColumns =
    Box<dyn Fn() -> BoxFuture<'static, Result<Vec<(String, String)>>> + Send + Sync>;

/// One backend under test.
#[async_trait]
pub trait Harness: Send + Sync + 'static {
    /// A new, empty, migrated store that no other check uses.
    async fn fresh(&self) -> Fixture;
}

/// A store for one check, and what the check needs around it.
pub struct Fixture {
    pub store: Arc<dyn Store>,
    /// Opens another handle with its own connections onto the same database, as another
    /// node of a cluster would: concurrency checks race the two.
    pub reopen: Reopen,
    /// Raw SQL on the same database, for the few checks that plant rows no `Store` method
    /// writes (rows in an older or newer stored format). Both backends share column names
    /// and value formats, so the same statements serve both; `None` skips those checks.
    pub exec: Option<Exec>,
    /// The schema's text columns, for the check that each is classified for data
    /// privacy; `None` skips it.
    pub text_columns: Option<TextColumns>,
    /// Whatever must live as long as the database (a temporary folder, a connection that
    /// drops the database when dropped).
    pub guard: Box<dyn Any + Send + Sync>,
}

impl Fixture {
    /// A second handle onto this fixture's database.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        (self.reopen)().await
    }
}

/// Expands to one test per conformance check, run against `$harness` (an expression
/// whose value implements [`Harness`]). Tests are grouped in a module per area, so they
/// are named `calls::every_call_field_round_trips_through_get_and_list` and so on.
#[macro_export]
macro_rules! conformance_suite {
    ($harness:expr) => {
        $crate::__conformance_tests! { $harness;
            calls {
                every_call_field_round_trips_through_get_and_list,
                parties_and_crm_context_round_trip_in_order,
                a_speakers_timeline_is_stored_with_its_call,
                listings_filter_page_and_count,
                a_taken_client_unique_id_is_a_conflict,
                versions_bump_on_every_change_a_rendering_shows,
                the_generation_moves_on_every_insert,
            }
            identity {
                workspaces_and_the_default_one,
                users_round_trip_filter_and_keep_a_settings_history,
                email_lookup_ignores_case_and_a_taken_email_conflicts,
                api_keys_are_revoked_rotated_and_touched,
                passwords_roles_and_sessions,
                a_password_reset_is_taken_once_and_only_before_it_expires,
                server_secrets_are_made_once,
                activity_events_and_facts,
            }
            transcripts {
                a_long_transcript_is_read_in_chunks_of_at_most_the_limit,
                tallies_summed_in_the_store_are_those_of_the_whole_transcript,
                transcript_detail_keeps_words_and_source_and_new_parties,
                speakers_are_assigned_by_hand_and_voices_learned,
            }
            media {
                recording_and_its_transcription_are_one_write,
                a_recording_replaced_during_its_transcription_is_transcribed_again,
                the_same_bytes_again_keep_the_running_transcription,
                a_recording_without_transcription_keeps_the_transcript,
                a_deleted_call_takes_its_rows_and_queues_its_recordings_deletion,
                a_waveform_is_only_ever_of_the_calls_current_recording,
            }
            jobs {
                a_job_runs_once_and_duplicates_collapse,
                only_a_queued_job_is_cancelled_and_none_takes_it_after,
                a_dead_worker_loses_its_job_and_its_late_result_is_refused,
                failures_retry_with_backoff_until_attempts_run_out,
                engine_crashes_are_counted_and_end_the_job_at_the_limit,
                a_job_whose_worker_dies_on_every_attempt_ends_failed,
                a_call_is_stored_with_its_jobs_or_not_at_all,
                listings_of_jobs_by_state_newest_first,
                workers_report_replace_their_last_report_and_are_forgotten_after_a_day,
            }
            analysis {
                results_for_a_replaced_transcript_are_refused,
                trackers_and_topics_are_kept_per_workspace,
                analysis_rows_in_the_first_format_are_read_and_newer_ones_refused,
                person_stats_and_transcribed_calls,
                a_leased_analysis_is_written_with_its_job_or_not_at_all,
                calls_are_searched_by_text_facts_and_analysis,
            }
            audit {
                single_entries_round_trip,
                key_use_is_counted_in_one_row_per_key_address_outcome_and_hour,
                nodes_adding_to_the_same_hour_at_once_lose_no_count,
                listings_page_by_time_either_way_and_filter_by_log_and_range,
                pruning_removes_only_older_entries_in_batches,
            }
            crm {
                one_integration_per_workspace_with_schemas,
                an_upload_is_stored_with_its_job_and_shows_in_linked_calls,
                manual_associations_relink_calls_and_list_in_time_order,
                manual_associations_list_only_calls_the_caller_may_see,
                a_reassociation_is_one_transaction,
                parallel_dissociations_record_one_removal,
                an_upload_whose_job_fails_for_good_fails_its_request,
            }
            crm_write {
                connectors_round_trip_and_names_are_unique_per_workspace,
                a_write_is_recorded_with_its_job_and_finished_fenced,
                a_generic_objects_field_is_set_and_its_calls_bumped,
            }
            profiles {
                profiles_round_trip_and_names_are_unique_per_workspace,
                assignments_give_call_access_per_workspace_and_filter_listings,
                capabilities_and_the_manager_tree,
            }
            library {
                folders_nest_change_and_go_with_what_they_hold,
                a_folder_is_deleted_only_when_every_folder_inside_may_be,
                a_folder_added_during_a_delete_is_not_deleted_unseen,
                meetings_round_trip_change_and_are_linked_once,
                engagement_events_are_reported_once_and_listed_per_object,
                the_same_engagement_event_in_two_workspaces_is_stored_twice,
            }
            oauth {
                apps_round_trip_and_revoking_one_revokes_its_tokens_and_codes,
                a_code_is_taken_once,
                refresh_tokens_are_spent_once_and_grants_revoked_together,
            }
            automation {
                rules_round_trip_change_and_go,
                a_call_fires_a_rule_once_with_its_analysis,
                attempts_are_fenced_and_move_the_delivery_and_its_job,
            }
            comments {
                comments_round_trip_in_threads_with_their_activity,
                a_call_holds_at_most_its_bound_of_comments,
            }
            shares {
                shares_round_trip_open_by_token_and_revoke,
                a_call_holds_at_most_its_bound_of_shares,
            }
            scorecards {
                definitions_round_trip_and_names_are_unique_per_workspace,
                answered_scorecards_round_trip_filter_page_and_count,
                a_viewer_reads_only_the_private_answers_that_concern_them,
                answered_scorecards_are_edited_in_place_and_deleted,
            }
            access {
                grants_show_calls_to_their_users_and_move_the_generation,
                recordings_are_read_by_call,
                integration_settings_are_kept_per_type,
                flows_and_their_prospects,
            }
            privacy {
                every_source_is_read_and_rewritten,
                sources_are_paged_by_key_and_word_timings_are_not_searched,
                the_erase_commits_its_jobs_and_report_once,
                a_given_up_erasure_forgets_the_address,
                an_erase_job_that_fails_for_good_gives_its_erasure_up,
                every_text_column_is_a_source_or_not_personal,
                erasures_round_trip_newest_first,
            }
            rate_limits {
                a_burst_is_admitted_then_refused_with_the_wait,
                buckets_are_separate,
                buckets_refill_one_interval_at_a_time,
                pruning_removes_only_full_buckets,
            }
            concurrency {
                concurrent_workers_never_share_a_job,
                parallel_claimers_take_every_job_exactly_once,
                parallel_enqueues_of_one_job_make_one_job,
                an_expired_lease_is_taken_over_and_the_old_one_fenced,
                parallel_inserts_each_bump_the_generation,
                parallel_takes_of_a_code_have_one_winner,
                parallel_password_reset_takes_have_one_winner,
                parallel_refreshes_have_one_winner,
                parallel_user_updates_keep_every_settings_change,
                parallel_media_stores_queue_one_transcription,
                parallel_server_secrets_agree,
                stale_failures_racing_takeovers_never_undo_them,
                parallel_rate_takes_admit_exactly_the_burst,
                parallel_assigns_to_exclusive_flows_place_a_prospect_once,
            }
        }
    };
}

/// The expansion behind [`conformance_suite!`]; not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($harness:expr; $($area:ident { $($check:ident),* $(,)? })*) => {
        $(
            mod $area {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
                    async fn $check() {
                        $crate::conformance::$area::$check(&$harness).await;
                    }
                )*
            }
        )*
    };
}

// Fixtures shared by the checks.

/// The instant most checks happen at.
pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .expect("a valid instant")
}

/// A user with every optional field empty.
pub fn a_user(id: UserId, email: &str, now: Timestamp) -> User {
    User {
        id,
        email: email.into(),
        created: now,
        active: true,
        email_aliases: vec![],
        trusted_email: None,
        first_name: "U".into(),
        last_name: "Ser".into(),
        title: None,
        phone: None,
        extension: None,
        personal_meeting_urls: vec![],
        settings: UserSettings::default(),
        manager_id: None,
        meeting_consent_page_url: None,
        spoken_languages: vec![],
    }
}

/// Stores a default workspace and one user created at `now`; returns them.
pub async fn workspace_and_user(
    s: &dyn Store,
    user_id: UserId,
    now: Timestamp,
) -> (Workspace, User) {
    let ws = Workspace {
        id: WorkspaceId::generate(),
        name: "w".into(),
        description: None,
        created: now,
    };
    s.create_workspace(&ws, true)
        .await
        .expect("create the workspace");
    let user = a_user(user_id, "u@northwind.example.com", now);
    s.create_user(&user).await.expect("create the user");
    (ws, user)
}

/// A call with every optional field empty, started and created at `at`.
pub fn bare_call(id: CallId, workspace: WorkspaceId, user: UserId, at: Timestamp) -> Call {
    Call {
        id,
        workspace_id: workspace,
        title: String::new(),
        scheduled: None,
        started: at,
        duration_s: 0,
        primary_user_id: user,
        direction: Direction::Unknown,
        system: None,
        scope: CallScope::Unknown,
        media: MediaKind::Audio,
        language: None,
        sdr_disposition: None,
        client_unique_id: None,
        custom_data: None,
        purpose: None,
        meeting_url: None,
        is_private: false,
        calendar_event_id: None,
        media_source_url: None,
        language_hint: None,
        created: at,
    }
}

/// A workspace, a user and one bare call of theirs at [`t0`]; returns the call. Each
/// call has a workspace and user of its own.
pub async fn a_call(s: &dyn Store) -> Call {
    let ws = Workspace {
        id: WorkspaceId::generate(),
        name: "w".into(),
        description: None,
        created: t0(),
    };
    s.create_workspace(&ws, true)
        .await
        .expect("create the workspace");
    let id = UserId::generate();
    let user = a_user(id, &format!("u{id}@northwind.example.com"), t0());
    s.create_user(&user).await.expect("create the user");
    let call = bare_call(CallId::generate(), ws.id, user.id, t0());
    s.insert_call(&call, &[], &[], &[])
        .await
        .expect("insert the call");
    call
}

/// A one-monologue, one-sentence transcript by speaker `speaker`.
pub fn one_sentence(speaker: i64, text: &str) -> Transcript {
    vec![Monologue {
        speaker_id: SpeakerId(speaker),
        topic: None,
        sentences: vec![Sentence {
            start_ms: 0,
            end_ms: 2000,
            text: text.into(),
            words: vec![],
        }],
    }]
}

/// An imported transcript write (no lease, no recording) of `t` at `at`.
pub fn import<'a>(call: CallId, t: &'a Transcript, at: Timestamp) -> TranscriptWrite<'a> {
    TranscriptWrite {
        call_id: call,
        source: "import:webvtt",
        transcript: t,
        speaking_parties: &[],
        new_parties: &[],
        duration_s: None,
        language: None,
        speakers: &[],
        at,
        lease: None,
        media_sha256: None,
    }
}

/// `text` as an SQL string literal (for [`Fixture::exec`]).
pub fn sql_str(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
