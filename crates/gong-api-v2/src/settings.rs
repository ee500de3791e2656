//! Settings: keyword trackers (`GET /v2/settings/trackers`), and the same shape as the
//! body Parley accepts to create or change a tracker.

use serde::{Deserialize, Serialize};

use parley_analysis::trackers::{Keywords, SaidAt, SaidBy, Stretch, TrackerDef};
use parley_domain as d;

use crate::calls::RenderCtx;
use crate::null_as_default;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LanguageKeywords {
    pub language: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub keywords: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub include_related_forms: bool,
}

/// One element of `keywordTrackers`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeywordTrackerWire {
    pub tracker_id: String,
    pub tracker_name: String,
    pub workspace_id: String,
    pub language_keywords: Vec<LanguageKeywords>,
    pub affiliation: &'static str,
    pub part_of_question: bool,
    /// `Anytime`, `First` or `Last`; the stretch in `saidAtInterval` units of
    /// `saidAtUnit` (`Minutes` or `Percent`; both null for `Anytime`, as Gong shows).
    pub said_at: &'static str,
    pub said_at_interval: Option<u32>,
    pub said_at_unit: Option<&'static str>,
    pub said_in_topics: Vec<String>,
    /// Choice: Gong's spec lists `saidInCallParts` (parts of a call's agenda a tracker is
    /// limited to); Parley's trackers are not limited by call part, which an empty list
    /// says (a strict client finds the field it expects).
    pub said_in_call_parts: Vec<String>,
    /// Choice: Gong's `filterQuery` is the JSON text of the call filter a tracker applies
    /// to. A Parley tracker applies to every call of its workspace, the empty filter `{}`,
    /// which is also what Gong shows for a tracker without one.
    pub filter_query: String,
    pub created: String,
    pub creator_user_id: Option<String>,
    pub updated: String,
    pub updater_user_id: Option<String>,
}

fn affiliation_key(s: SaidBy) -> &'static str {
    match s {
        SaidBy::Anyone => "Anyone",
        SaidBy::Company => "Company",
        SaidBy::NonCompany => "NonCompany",
    }
}

/// `saidAt`, `saidAtInterval` and `saidAtUnit` of a definition.
fn said_at_fields(s: SaidAt) -> (&'static str, Option<u32>, Option<&'static str>) {
    let (at, stretch) = match s {
        SaidAt::Anytime => return ("Anytime", None, None),
        SaidAt::First(stretch) => ("First", stretch),
        SaidAt::Last(stretch) => ("Last", stretch),
    };
    let (n, unit) = match stretch {
        Stretch::Minutes(m) => (m, "Minutes"),
        Stretch::Percent(p) => (p, "Percent"),
    };
    (at, Some(n), Some(unit))
}

/// What Parley knows of a stored tracker beyond its definition.
pub struct TrackerMeta {
    pub workspace_id: d::WorkspaceId,
    pub created: d::Timestamp,
    pub creator: Option<d::UserId>,
    pub updated: d::Timestamp,
    pub updater: Option<d::UserId>,
}

impl KeywordTrackerWire {
    pub fn from_domain(def: &TrackerDef, meta: &TrackerMeta, ctx: &RenderCtx) -> Self {
        let (said_at, said_at_interval, said_at_unit) = said_at_fields(def.said_at);
        KeywordTrackerWire {
            tracker_id: def.id.to_string(),
            tracker_name: def.name.clone(),
            workspace_id: meta.workspace_id.to_string(),
            language_keywords: def
                .keywords
                .iter()
                .map(|k| LanguageKeywords {
                    language: k.language.clone(),
                    keywords: k.phrases.clone(),
                    include_related_forms: k.include_related_forms,
                })
                .collect(),
            affiliation: affiliation_key(def.said_by),
            part_of_question: def.part_of_question,
            said_at,
            said_at_interval,
            said_at_unit,
            said_in_topics: def.said_in_topics.clone(),
            said_in_call_parts: Vec::new(),
            filter_query: "{}".into(),
            created: ctx.time(meta.created),
            creator_user_id: meta.creator.map(|u| u.to_string()),
            updated: ctx.time(meta.updated),
            updater_user_id: meta.updater.map(|u| u.to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackersResponse {
    pub request_id: String,
    pub keyword_trackers: Vec<KeywordTrackerWire>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TrackersQuery {
    /// The workspace's id; every workspace the caller reaches when left out.
    pub workspace_id: Option<String>,
}

/// A tracker as a client sends it to create or replace one: the fields of
/// `keywordTrackers[]` that a user sets. Unknown fields are ignored, so a tracker read
/// from Gong can be posted as it is.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackerInput {
    #[schema(min_length = 1, pattern = "\\S")]
    pub tracker_name: String,
    pub workspace_id: Option<crate::WireId>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub language_keywords: Vec<LanguageKeywords>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(pattern = "^(Anyone|Company|NonCompany)$")]
    pub affiliation: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub part_of_question: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub said_in_topics: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(pattern = "^(Anytime|First|Last)$")]
    pub said_at: Option<String>,
    /// A number; a numeric string is taken too (some clients type it as text).
    #[serde(default, deserialize_with = "null_as_default")]
    pub said_at_interval: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub said_at_unit: Option<String>,
}

impl TrackerInput {
    /// The definition this input describes, or what is wrong with it (field names as
    /// the client sent them).
    pub fn into_def(self, id: d::TrackerId) -> Result<TrackerDef, Vec<String>> {
        let mut errors = Vec::new();
        let said_by = match self.affiliation.as_deref() {
            None | Some("Anyone") => SaidBy::Anyone,
            Some("Company") => SaidBy::Company,
            Some("NonCompany") => SaidBy::NonCompany,
            Some(other) => {
                errors.push(format!(
                    "affiliation: {other:?} is not one of Anyone, Company, NonCompany"
                ));
                SaidBy::Anyone
            }
        };
        let said_at = match self.said_at.as_deref() {
            // A tracker read from Gong may carry a stale interval with Anytime: ignored.
            None | Some("Anytime") => SaidAt::Anytime,
            Some(w @ ("First" | "Last")) => {
                match stretch_of(self.said_at_interval.as_ref(), self.said_at_unit.as_deref()) {
                    Ok(s) if w == "First" => SaidAt::First(s),
                    Ok(s) => SaidAt::Last(s),
                    Err(e) => {
                        errors.push(e);
                        SaidAt::Anytime
                    }
                }
            }
            Some(other) => {
                errors.push(format!(
                    "saidAt: {other:?} is not one of Anytime, First, Last"
                ));
                SaidAt::Anytime
            }
        };
        let def = TrackerDef {
            id,
            name: self.tracker_name.trim().to_owned(),
            keywords: self
                .language_keywords
                .into_iter()
                .map(|k| Keywords {
                    language: k.language.trim().to_ascii_lowercase(),
                    phrases: k.keywords,
                    include_related_forms: k.include_related_forms,
                })
                .collect(),
            said_by,
            part_of_question: self.part_of_question,
            said_in_topics: self.said_in_topics,
            said_at,
        };
        errors.extend(
            parley_analysis::trackers::validate(&def)
                .into_iter()
                .map(wire_field_names),
        );
        if errors.is_empty() {
            Ok(def)
        } else {
            Err(errors)
        }
    }
}

/// The stretch of a `First`/`Last` tracker from `saidAtInterval` and `saidAtUnit`.
fn stretch_of(interval: Option<&serde_json::Value>, unit: Option<&str>) -> Result<Stretch, String> {
    let n = match interval {
        None => return Err("saidAtInterval is required when saidAt is First or Last".into()),
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    }
    .and_then(|n| u32::try_from(n).ok())
    .ok_or_else(|| "saidAtInterval must be a whole number of minutes or percent".to_owned())?;
    match unit.map(|u| u.trim().to_ascii_lowercase()).as_deref() {
        Some("minutes" | "minute") => Ok(Stretch::Minutes(n)),
        Some("percent" | "percentage") => Ok(Stretch::Percent(n)),
        None => Err("saidAtUnit is required when saidAt is First or Last".into()),
        Some(_) => Err(format!(
            "saidAtUnit: {:?} is not one of Minutes, Percent",
            unit.unwrap_or_default()
        )),
    }
}

/// Renames the analysis crate's field paths to the wire's in a validation message.
fn wire_field_names(message: String) -> String {
    message
        .replace("keywords[", "languageKeywords[")
        .replace("].phrases", "].keywords")
        .replace("name ", "trackerName ")
        .replace("said_at: ", "saidAtInterval: ")
}
