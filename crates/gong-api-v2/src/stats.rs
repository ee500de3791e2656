//! Stats: `/v2/stats/interaction` and the three `/v2/stats/activity/*` listings.

use serde::{Deserialize, Serialize};

use parley_analysis::interaction::{PersonAggregate, TeamAverage};
use parley_domain::Counter;

use crate::null_as_default;

/// `filter` of every stats request (`MultipleUsersWithDates`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsFilter {
    /// The first day (`YYYY-MM-DD`, company time zone).
    #[schema(value_type = String, format = Date)]
    pub from_date: Option<String>,
    /// The day after the last one (`YYYY-MM-DD`, exclusive).
    #[schema(value_type = String, format = Date)]
    pub to_date: Option<String>,
    /// Only users created from this time on (ISO-8601).
    #[schema(format = DateTime)]
    pub created_from_date_time: Option<String>,
    /// Only users created before this time (ISO-8601).
    #[schema(format = DateTime)]
    pub created_to_date_time: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_ids: Option<Vec<crate::WireId>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsRequest {
    pub cursor: Option<String>,
    /// The users and dates (required).
    #[schema(value_type = StatsFilter)]
    pub filter: Option<StatsFilter>,
    /// Only `aggregate-by-period`: `DAY`, `WEEK`, `MONTH`, `QUARTER` or `YEAR`.
    pub aggregation_period: Option<String>,
}

/// The wire name of each activity counter.
pub fn counter_name(c: Counter) -> &'static str {
    match c {
        Counter::CallsAsHost => "callsAsHost",
        Counter::CallsGaveFeedback => "callsGaveFeedback",
        Counter::CallsRequestedFeedback => "callsRequestedFeedback",
        Counter::CallsReceivedFeedback => "callsReceivedFeedback",
        Counter::OwnCallsListenedTo => "ownCallsListenedTo",
        Counter::OthersCallsListenedTo => "othersCallsListenedTo",
        Counter::CallsSharedInternally => "callsSharedInternally",
        Counter::CallsSharedExternally => "callsSharedExternally",
        Counter::CallsScorecardsFilled => "callsScorecardsFilled",
        Counter::CallsScorecardsReceived => "callsScorecardsReceived",
        Counter::CallsAttended => "callsAttended",
        Counter::CallsCommentsGiven => "callsCommentsGiven",
        Counter::CallsCommentsReceived => "callsCommentsReceived",
        Counter::CallsMarkedAsFeedbackGiven => "callsMarkedAsFeedbackGiven",
        Counter::CallsMarkedAsFeedbackReceived => "callsMarkedAsFeedbackReceived",
    }
}

/// The fifteen counters as a JSON object in Gong's order, each value made by `value`
/// (a count, or a list of call ids).
pub fn counters_object(
    mut value: impl FnMut(Counter) -> serde_json::Value,
) -> serde_json::Map<String, serde_json::Value> {
    Counter::ALL
        .into_iter()
        .map(|c| (counter_name(c).to_owned(), value(c)))
        .collect()
}

/// The fifteen activity counters of a user over the range (schema of the object
/// [`counters_object`] builds for `/v2/stats/activity/aggregate`): calls counted.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityCounts {
    pub calls_as_host: i64,
    pub calls_gave_feedback: i64,
    pub calls_requested_feedback: i64,
    pub calls_received_feedback: i64,
    pub own_calls_listened_to: i64,
    pub others_calls_listened_to: i64,
    pub calls_shared_internally: i64,
    pub calls_shared_externally: i64,
    pub calls_scorecards_filled: i64,
    pub calls_scorecards_received: i64,
    pub calls_attended: i64,
    pub calls_comments_given: i64,
    pub calls_comments_received: i64,
    pub calls_marked_as_feedback_given: i64,
    pub calls_marked_as_feedback_received: i64,
}

/// One period of `/v2/stats/activity/aggregate-by-period`: the fifteen counters (calls
/// counted) and the period's dates. Schema only.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeriodActivityCounts {
    #[serde(flatten)]
    pub counts: ActivityCounts,
    /// The period's first day (midnight, company time zone).
    pub from_date: String,
    /// The day after the period (exclusive).
    pub to_date: String,
}

/// One day of `/v2/stats/activity/day-by-day`: for each of the fifteen counters the ids
/// of the calls it counts, and the day's dates. Schema only.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DailyActivityCalls {
    pub calls_as_host: Vec<String>,
    pub calls_gave_feedback: Vec<String>,
    pub calls_requested_feedback: Vec<String>,
    pub calls_received_feedback: Vec<String>,
    pub own_calls_listened_to: Vec<String>,
    pub others_calls_listened_to: Vec<String>,
    pub calls_shared_internally: Vec<String>,
    pub calls_shared_externally: Vec<String>,
    pub calls_scorecards_filled: Vec<String>,
    pub calls_scorecards_received: Vec<String>,
    pub calls_attended: Vec<String>,
    pub calls_comments_given: Vec<String>,
    pub calls_comments_received: Vec<String>,
    pub calls_marked_as_feedback_given: Vec<String>,
    pub calls_marked_as_feedback_received: Vec<String>,
    /// The period's first day (midnight, company time zone).
    pub from_date: String,
    /// The day after the period (exclusive).
    pub to_date: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAggregateActivity {
    pub user_id: String,
    pub user_email_address: String,
    #[schema(value_type = ActivityCounts)]
    pub user_aggregate_activity_stats: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AggregateResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub time_zone: String,
    pub from_date_time: String,
    pub to_date_time: String,
    pub users_aggregate_activity_stats: Vec<UserAggregateActivity>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserActivityByPeriod {
    pub user_id: String,
    pub user_email_address: String,
    /// Each element: the fifteen counters plus `fromDate` and `toDate`.
    #[schema(value_type = Vec<PeriodActivityCounts>)]
    pub user_aggregate_activity: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AggregateByPeriodResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub users_aggregate_activity: Vec<UserActivityByPeriod>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDailyActivity {
    pub user_id: String,
    pub user_email_address: String,
    /// Each element: the fifteen counters as lists of call ids plus `fromDate`/`toDate`.
    #[schema(value_type = Vec<DailyActivityCalls>)]
    pub user_daily_activity_stats: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayByDayResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub users_detailed_activities: Vec<UserDailyActivity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NamedStat {
    pub name: &'static str,
    pub value: f64,
}

/// The six interaction stats of a person or a team, in Gong's order.
const INTERACTION_STATS: [&str; 6] = [
    "Talk Ratio",
    "Longest Monologue",
    "Longest Customer Story",
    "Interactivity",
    "Patience",
    "Question Rate",
];

fn named(values: [f64; 6]) -> Vec<NamedStat> {
    INTERACTION_STATS
        .into_iter()
        .zip(values)
        .map(|(name, value)| NamedStat { name, value })
        .collect()
}

/// The person stats of `/v2/stats/interaction`, in Gong's order.
pub fn person_interaction_stats(a: &PersonAggregate) -> Vec<NamedStat> {
    named([
        a.talk_ratio,
        a.longest_monologue_s,
        a.longest_customer_story_s,
        a.interactivity,
        a.patience_s,
        a.question_rate,
    ])
}

/// A team's averages, named as a person's stats are (`/parley/v1/stats/interaction/averages`).
pub fn team_interaction_stats(t: &TeamAverage) -> Vec<NamedStat> {
    named([
        t.talk_ratio,
        t.longest_monologue_s,
        t.longest_customer_story_s,
        t.interactivity,
        t.patience_s,
        t.question_rate,
    ])
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonInteraction {
    pub user_id: String,
    pub user_email_address: String,
    pub person_interaction_stats: Vec<NamedStat>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub time_zone: String,
    pub from_date_time: String,
    pub to_date_time: String,
    pub people_interaction_stats: Vec<PersonInteraction>,
}
