//! Permission profiles (`PermissionProfileDTO`) and their endpoints' envelopes.
//!
//! A profile has some fifty fields, most of them booleans; it is read and written as a
//! JSON object field by field (in Gong's order, which `serde_json`'s `preserve_order`
//! keeps) rather than through a struct of fifty members.
//!
//! Choice: fields this crate does not know are ignored (newer Gong fields sent by a newer
//! client must not fail a request); a known field of the wrong type is a 400 naming it.
//! `null` for a boolean or an access object means "not given".

use std::collections::BTreeMap;

use parley_domain::{
    self as d, Access, AccessArea, AccessLevel, Capability, LibraryAccess, LibraryLevel,
    PermissionProfile, ProfilePatch,
};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Gong's name for an access level.
pub fn level_name(l: AccessLevel) -> &'static str {
    match l {
        AccessLevel::All => "all",
        AccessLevel::ManagersTeam => "managers-team",
        AccessLevel::ReportToThem => "report-to-them",
        AccessLevel::Own => "own",
        AccessLevel::None => "none",
    }
}

fn library_level_name(l: LibraryLevel) -> &'static str {
    match l {
        LibraryLevel::None => "none",
        LibraryLevel::All => "all",
        LibraryLevel::SpecificFolders => "specific-folders",
    }
}

/// The top-level access objects, in Gong's order (the forecast ones sit inside
/// `forecastPermissions`).
const AREA_FIELDS: [(AccessArea, &str); 9] = [
    (AccessArea::Calls, "callsAccess"),
    (AccessArea::Deals, "dealsAccess"),
    (AccessArea::Forecast, "forecastAccess"),
    (
        AccessArea::ForecastEditSubmissions,
        "forecastEditSubmissions",
    ),
    (AccessArea::ForecastEditTargets, "forecastEditTargets"),
    (AccessArea::Coaching, "coachingAccess"),
    (AccessArea::Insights, "insightsAccess"),
    (AccessArea::Usage, "usageAccess"),
    (AccessArea::Emails, "emailsAccess"),
];
const FORECAST: &str = "forecastPermissions";
const LIBRARY: &str = "libraryFolderAccess";

fn is_forecast(area: AccessArea) -> bool {
    matches!(
        area,
        AccessArea::Forecast
            | AccessArea::ForecastEditSubmissions
            | AccessArea::ForecastEditTargets
    )
}

/// Gong's field for each capability, in the order Gong's responses list them.
const CAPABILITY_FIELDS: [(Capability, &str); 43] = [
    (Capability::ScoreCalls, "scoreCalls"),
    (Capability::OverrideScore, "overrideScore"),
    (Capability::DownloadCallMedia, "downloadCallMedia"),
    (
        Capability::ShareCallsWithCustomers,
        "shareCallsWithCustomers",
    ),
    (
        Capability::ManuallyScheduleAndUploadCalls,
        "manuallyScheduleAndUploadCalls",
    ),
    (Capability::PrivateCalls, "privateCalls"),
    (Capability::DeleteCalls, "deleteCalls"),
    (Capability::TrimCalls, "trimCalls"),
    (Capability::ListenInCalls, "listenInCalls"),
    (Capability::DeleteEmails, "deleteEmails"),
    (Capability::CallsAndSearch, "callsAndSearch"),
    (Capability::Library, "library"),
    (Capability::Deals, "deals"),
    (
        Capability::CreateEditAndDeleteDealsBoards,
        "createEditAndDeleteDealsBoards",
    ),
    (Capability::DealsInlineEditing, "dealsInlineEditing"),
    (Capability::Account, "account"),
    (Capability::Coaching, "coaching"),
    (Capability::Usage, "usage"),
    (Capability::TeamStats, "teamStats"),
    (Capability::Initiatives, "initiatives"),
    (Capability::Market, "market"),
    (Capability::Activity, "activity"),
    (Capability::Forecast, "forecast"),
    (Capability::ForecastManage, "forecastManage"),
    (
        Capability::EngageManageCompanyTemplates,
        "engageManageCompanyTemplates",
    ),
    (
        Capability::EngageManageCompanySequences,
        "engageManageCompanySequences",
    ),
    (
        Capability::EngageCreateAndManageRulesets,
        "engageCreateAndManageRulesets",
    ),
    (
        Capability::EngageSnoozeFlowToDosForOthers,
        "engageSnoozeFlowToDosForOthers",
    ),
    (
        Capability::ViewEngageAnalyticsActivity,
        "viewEngageAnalyticsActivity",
    ),
    (
        Capability::ViewEngageAnalyticsPerformance,
        "viewEngageAnalyticsPerformance",
    ),
    (
        Capability::ViewEngageAnalyticsFlows,
        "viewEngageAnalyticsFlows",
    ),
    (
        Capability::ManageGeneralBusinessSettings,
        "manageGeneralBusinessSettings",
    ),
    (Capability::ManageScorecards, "manageScorecards"),
    (
        Capability::ExportCallsAndCoachingDataToCsv,
        "exportCallsAndCoachingDataToCSV",
    ),
    (Capability::CrmDataInlineEditing, "crmDataInlineEditing"),
    (Capability::CrmDataImport, "crmDataImport"),
    (Capability::ViewRevenueAnalytics, "viewRevenueAnalytics"),
    (Capability::ManageRevenueAnalytics, "manageRevenueAnalytics"),
    (
        Capability::EngageAllowCrmFieldsViewChange,
        "engageAllowCrmFieldsViewChange",
    ),
    (
        Capability::EngageReassignFlowToDosToOthers,
        "engageReassignFlowToDosToOthers",
    ),
    (
        Capability::EngageAssignFlowToDosToOthers,
        "engageAssignFlowToDosToOthers",
    ),
    (Capability::DealsDataExport, "dealsDataExport"),
    (Capability::AiBuilder, "aiBuilder"),
];

/// Real responses carry this field, always `null` so far.
const ALWAYS_NULL: &str = "orchestrateCreateAndManagePlays";

fn ids(list: &[impl ToString]) -> Value {
    Value::Array(list.iter().map(|i| Value::String(i.to_string())).collect())
}

fn access_json(a: &Access) -> Value {
    json!({
        "permissionLevel": level_name(a.level),
        "teamLeadIds": if a.team_leads.is_empty() { Value::Null } else { ids(&a.team_leads) },
    })
}

/// A profile as Gong renders it.
pub fn render(p: &PermissionProfile) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(p.id.to_string()));
    m.insert("name".into(), Value::String(p.name.clone()));
    m.insert(
        "description".into(),
        p.description.clone().map_or(Value::Null, Value::String),
    );
    let mut forecast = Map::new();
    for (area, name) in AREA_FIELDS {
        if is_forecast(area) {
            forecast.insert(name.into(), access_json(p.access(area)));
        }
    }
    // Gong's order: calls, library, deals, forecast, then the rest.
    m.insert(
        "callsAccess".into(),
        access_json(p.access(AccessArea::Calls)),
    );
    let lib = &p.library;
    m.insert(
        LIBRARY.into(),
        json!({
            "permissionLevel": library_level_name(lib.level),
            "libraryFolderIds": if lib.folders.is_empty() { Value::Null } else { ids(&lib.folders) },
            "managePublicFolder": lib.manage_public_folder,
            "manageStreams": lib.manage_streams,
            "manageFolderCalls": lib.manage_folder_calls,
            "shareFoldersAndStreams": lib.share_folders_and_streams,
        }),
    );
    m.insert(
        "dealsAccess".into(),
        access_json(p.access(AccessArea::Deals)),
    );
    m.insert(FORECAST.into(), Value::Object(forecast));
    for (area, name) in AREA_FIELDS {
        if !is_forecast(area) && !matches!(area, AccessArea::Calls | AccessArea::Deals) {
            m.insert(name.into(), access_json(p.access(area)));
        }
    }
    for (c, name) in CAPABILITY_FIELDS {
        m.insert(name.into(), Value::Bool(p.capabilities.contains(&c)));
    }
    m.insert(ALWAYS_NULL.into(), Value::Null);
    Value::Object(m)
}

fn parse_level(v: &Value, path: &str, errors: &mut Vec<String>) -> Option<AccessLevel> {
    let found = v
        .as_str()
        .and_then(|s| AccessLevel::ALL.into_iter().find(|l| level_name(*l) == s));
    if found.is_none() {
        errors.push(format!(
            "{path} must be one of all, managers-team, report-to-them, own, none"
        ));
    }
    found
}

/// A list of numeric ids (strings or numbers); `null` is empty.
fn parse_ids(v: &Value, path: &str, errors: &mut Vec<String>) -> Vec<i64> {
    let bad = |errors: &mut Vec<String>| {
        errors.push(format!("{path} must be a list of numeric ids"));
        Vec::new()
    };
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) if items.len() <= d::MAX_PROFILE_LIST => {
            let parsed: Option<Vec<i64>> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.trim().parse().ok(),
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                })
                .collect();
            parsed.unwrap_or_else(|| bad(errors))
        }
        Value::Array(_) => {
            errors.push(format!("{path} names at most {} ids", d::MAX_PROFILE_LIST));
            Vec::new()
        }
        _ => bad(errors),
    }
}

fn parse_access(v: &Value, path: &str, errors: &mut Vec<String>) -> Option<Access> {
    let Value::Object(o) = v else {
        errors.push(format!(
            "{path} must be an object with permissionLevel and teamLeadIds"
        ));
        return None;
    };
    let level = match o.get("permissionLevel") {
        None | Some(Value::Null) => AccessLevel::None,
        Some(l) => parse_level(l, &format!("{path}.permissionLevel"), errors)?,
    };
    let leads = o
        .get("teamLeadIds")
        .map(|l| parse_ids(l, &format!("{path}.teamLeadIds"), errors))
        .unwrap_or_default();
    Some(Access {
        level,
        team_leads: leads.into_iter().map(d::UserId).collect(),
    })
}

/// A boolean field: `None` when absent or `null` (not given), an error naming `path` when
/// not a boolean.
fn opt_bool(v: Option<&Value>, path: &str, errors: &mut Vec<String>) -> Option<bool> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            errors.push(format!("{path} must be true or false"));
            None
        }
    }
}

fn parse_bool(o: &Map<String, Value>, key: &str, path: &str, errors: &mut Vec<String>) -> bool {
    opt_bool(o.get(key), &format!("{path}.{key}"), errors).unwrap_or(false)
}

/// `libraryFolderAccess` read into the domain's library access. What each field opens is
/// `parley_domain::library::LibraryRights::of_profile`: `permissionLevel` which public
/// folders are seen (`specific-folders`: `libraryFolderIds` and what is inside them;
/// `none`: none, and no folder may be made), `managePublicFolder` creating, renaming,
/// deleting and publishing public folders, `manageFolderCalls` filing calls in them.
/// Choice: `manageStreams` and `shareFoldersAndStreams` are kept and rendered but
/// enforce nothing: Parley has no streams and no sharing of folders outside the company.
fn parse_library(v: &Value, errors: &mut Vec<String>) -> Option<LibraryAccess> {
    let Value::Object(o) = v else {
        errors.push(format!("{LIBRARY} must be an object"));
        return None;
    };
    let level = match o.get("permissionLevel") {
        None | Some(Value::Null) => LibraryLevel::None,
        Some(l) => {
            let found = l.as_str().and_then(|s| {
                LibraryLevel::ALL
                    .iter()
                    .copied()
                    .find(|x| library_level_name(*x) == s)
            });
            let Some(found) = found else {
                errors.push(format!(
                    "{LIBRARY}.permissionLevel must be one of none, all, specific-folders"
                ));
                return None;
            };
            found
        }
    };
    Some(LibraryAccess {
        level,
        folders: o
            .get("libraryFolderIds")
            .map(|f| parse_ids(f, &format!("{LIBRARY}.libraryFolderIds"), errors))
            .unwrap_or_default(),
        manage_public_folder: parse_bool(o, "managePublicFolder", LIBRARY, errors),
        manage_streams: parse_bool(o, "manageStreams", LIBRARY, errors),
        manage_folder_calls: parse_bool(o, "manageFolderCalls", LIBRARY, errors),
        share_folders_and_streams: parse_bool(o, "shareFoldersAndStreams", LIBRARY, errors),
    })
}

/// Reads a profile body (whole or partial) as a change: what it names changes.
pub fn parse_patch(body: &Value) -> Result<ProfilePatch, Vec<String>> {
    let Value::Object(o) = body else {
        return Err(vec!["the body must be a permission profile object".into()]);
    };
    let mut errors = Vec::new();
    let mut patch = ProfilePatch::default();
    match o.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => patch.name = Some(s.clone()),
        Some(_) => errors.push("name must be a string".into()),
    }
    match o.get("description") {
        None => {}
        Some(Value::Null) => patch.description = Some(None),
        Some(Value::String(s)) => patch.description = Some(Some(s.clone())),
        Some(_) => errors.push("description must be a string".into()),
    }
    let forecast = match o.get(FORECAST) {
        None | Some(Value::Null) => None,
        Some(Value::Object(f)) => Some(f),
        Some(_) => {
            errors.push(format!("{FORECAST} must be an object"));
            None
        }
    };
    let mut access = BTreeMap::new();
    for (area, name) in AREA_FIELDS {
        let (value, path) = if is_forecast(area) {
            (
                forecast.and_then(|f| f.get(name)),
                format!("{FORECAST}.{name}"),
            )
        } else {
            (o.get(name), name.to_owned())
        };
        match value {
            None | Some(Value::Null) => {}
            Some(v) => {
                if let Some(a) = parse_access(v, &path, &mut errors) {
                    access.insert(area, a);
                }
            }
        }
    }
    patch.access = access;
    match o.get(LIBRARY) {
        None | Some(Value::Null) => {}
        Some(v) => patch.library = parse_library(v, &mut errors),
    }
    for (c, name) in CAPABILITY_FIELDS {
        if let Some(on) = opt_bool(o.get(name), name, &mut errors) {
            patch.capabilities.insert(c, on);
        }
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

/// GET `/v2/all-permission-profiles`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfilesResponse {
    pub request_id: String,
    #[schema(value_type = Vec<PermissionProfileWire>)]
    pub profiles: Vec<Value>,
}

/// GET, POST and PUT `/v2/permission-profile`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileResponse {
    pub request_id: String,
    #[schema(value_type = PermissionProfileWire)]
    pub profile: Value,
}

/// The schema of a profile as [`render`] writes it (`PermissionProfileDTO`), built from
/// the same field tables so the two cannot disagree. Schema only.
pub struct PermissionProfileWire;

/// The schema of a profile body as [`parse_patch`] reads it: every field optional,
/// `null` meaning "not given", unknown fields ignored. Schema only.
pub struct PermissionProfileInput;

mod profile_schema {
    use utoipa::openapi::schema::{
        AdditionalProperties, ArrayBuilder, Object, ObjectBuilder, Schema, SchemaType, Type,
    };
    use utoipa::openapi::RefOr;

    use super::{ALWAYS_NULL, AREA_FIELDS, CAPABILITY_FIELDS, FORECAST, LIBRARY};

    fn ty(t: Type, nullable: bool) -> SchemaType {
        if nullable {
            SchemaType::from_iter([t, Type::Null])
        } else {
            SchemaType::Type(t)
        }
    }

    /// An object whose properties are all required in an answer and all optional (and
    /// nullable) in a request.
    struct Props {
        input: bool,
        b: ObjectBuilder,
    }

    impl Props {
        fn new(input: bool) -> Self {
            Props {
                input,
                b: ObjectBuilder::new().schema_type(ty(Type::Object, false)),
            }
        }
        fn add(mut self, name: &str, schema: impl Into<RefOr<Schema>>) -> Self {
            self.b = self.b.property(name, schema);
            if !self.input {
                self.b = self.b.required(name);
            }
            self
        }
        fn build(self, description: &str) -> Object {
            let b = self.b.description(Some(description));
            if self.input {
                b.additional_properties(Some(AdditionalProperties::FreeForm(true)))
                    .build()
            } else {
                b.build()
            }
        }
    }

    fn boolean(input: bool) -> Object {
        ObjectBuilder::new()
            .schema_type(ty(Type::Boolean, input))
            .build()
    }

    fn ids(input: bool) -> RefOr<Schema> {
        // Answers write ids as strings (or `null` for none); requests may also send
        // numbers.
        let item = if input {
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
                .pattern(Some("^[0-9]{1,19}$"))
                .minimum(Some(0))
                .build()
        } else {
            ObjectBuilder::new()
                .schema_type(ty(Type::String, false))
                .build()
        };
        ArrayBuilder::new()
            .schema_type(ty(Type::Array, true))
            .items(item)
            .build()
            .into()
    }

    fn level(values: &[&str], input: bool) -> Object {
        let mut e: Vec<Option<&str>> = values.iter().copied().map(Some).collect();
        if input {
            e.push(None);
        }
        ObjectBuilder::new()
            .schema_type(ty(Type::String, input))
            .enum_values(Some(e))
            .build()
    }

    const LEVELS: [&str; 5] = ["all", "managers-team", "report-to-them", "own", "none"];

    fn access(input: bool) -> Object {
        Props::new(input)
            .add("permissionLevel", level(&LEVELS, input))
            .add("teamLeadIds", ids(input))
            .build("An access level and, for managers-team, the team leads it covers.")
    }

    fn library(input: bool) -> Object {
        Props::new(input)
            .add(
                "permissionLevel",
                level(&["none", "all", "specific-folders"], input),
            )
            .add("libraryFolderIds", ids(input))
            .add("managePublicFolder", boolean(input))
            .add("manageStreams", boolean(input))
            .add("manageFolderCalls", boolean(input))
            .add("shareFoldersAndStreams", boolean(input))
            .build("Which public library folders the profile's users see and manage.")
    }

    pub(super) fn profile(input: bool) -> Object {
        let text = || {
            ObjectBuilder::new()
                .schema_type(ty(Type::String, input))
                .build()
        };
        let mut p = Props::new(input);
        if !input {
            p = p.add("id", text());
        }
        p = p.add("name", text()).add(
            "description",
            ObjectBuilder::new()
                .schema_type(ty(Type::String, true))
                .build(),
        );
        let mut forecast = Props::new(input);
        for (area, name) in AREA_FIELDS {
            if super::is_forecast(area) {
                forecast = forecast.add(name, access(input));
            }
        }
        p = p
            .add("callsAccess", access(input))
            .add(LIBRARY, library(input))
            .add("dealsAccess", access(input))
            .add(FORECAST, forecast.build("Forecast access levels."));
        for (area, name) in AREA_FIELDS {
            if !super::is_forecast(area)
                && !matches!(
                    area,
                    parley_domain::AccessArea::Calls | parley_domain::AccessArea::Deals
                )
            {
                p = p.add(name, access(input));
            }
        }
        for (_, name) in CAPABILITY_FIELDS {
            p = p.add(name, boolean(input));
        }
        p = p.add(
            ALWAYS_NULL,
            ObjectBuilder::new()
                .schema_type(ty(Type::Null, false))
                .build(),
        );
        p.build(if input {
            "A permission profile, whole or in part: what it names changes; `null` or \
             absent means not given (off, when creating)."
        } else {
            "A permission profile: access levels by area and capabilities."
        })
    }
}

impl utoipa::PartialSchema for PermissionProfileWire {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Schema::Object(profile_schema::profile(false)).into()
    }
}

impl utoipa::ToSchema for PermissionProfileWire {
    fn name() -> std::borrow::Cow<'static, str> {
        "PermissionProfile".into()
    }
}

impl utoipa::PartialSchema for PermissionProfileInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Schema::Object(profile_schema::profile(true)).into()
    }
}

impl utoipa::ToSchema for PermissionProfileInput {
    fn name() -> std::borrow::Cow<'static, str> {
        "PermissionProfileInput".into()
    }
}

/// One user of a profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUserWire {
    pub id: String,
    pub full_name: String,
    pub email_address: String,
}

/// GET `/v2/permission-profile/users`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUsersResponse {
    pub request_id: String,
    pub users: Vec<ProfileUserWire>,
}

impl ProfileUserWire {
    pub fn from_domain(u: &d::User) -> Self {
        ProfileUserWire {
            id: u.id.to_string(),
            full_name: u.full_name(),
            email_address: u.email.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use d::{ProfileId, UserId, WorkspaceId};

    #[test]
    fn every_capability_has_one_field() {
        for c in Capability::ALL {
            let n = CAPABILITY_FIELDS.iter().filter(|(x, _)| x == c).count();
            assert_eq!(n, 1, "{c:?}");
        }
    }

    #[test]
    fn a_profile_renders_in_gongs_shape_and_reads_back() {
        let mut p = PermissionProfile::blank(ProfileId(3843152912968920037), WorkspaceId(7));
        p.apply(
            parse_patch(&json!({
                "id": "1",
                "name": "Team leads",
                "description": "Sees the teams of two leads",
                "callsAccess": {"permissionLevel": "managers-team", "teamLeadIds": ["11", 12]},
                "libraryFolderAccess": {"permissionLevel": "specific-folders",
                    "libraryFolderIds": ["5"], "manageStreams": true},
                "forecastPermissions": {"forecastAccess": {"permissionLevel": "own"}},
                "coachingAccess": {"permissionLevel": "report-to-them", "teamLeadIds": null},
                "scoreCalls": true,
                "exportCallsAndCoachingDataToCSV": true,
                "someFutureField": 3
            }))
            .unwrap(),
        );
        assert_eq!(
            p.access(AccessArea::Calls).team_leads,
            vec![UserId(11), UserId(12)]
        );
        let wire = render(&p);
        insta::assert_json_snapshot!(wire);
        // What is rendered reads back to the same profile.
        let mut again = PermissionProfile::blank(p.id, p.workspace_id);
        again.apply(parse_patch(&wire).unwrap());
        assert_eq!(again, p);
    }

    #[test]
    fn wrong_types_are_named() {
        let errors = parse_patch(&json!({
            "name": 5,
            "callsAccess": {"permissionLevel": "everyone"},
            "forecastPermissions": {"forecastEditTargets": "all"},
            "libraryFolderAccess": {"permissionLevel": "all", "libraryFolderIds": [true]},
            "deleteCalls": "yes"
        }))
        .unwrap_err();
        assert_eq!(
            errors,
            vec![
                "name must be a string",
                "callsAccess.permissionLevel must be one of all, managers-team, report-to-them, own, none",
                "forecastPermissions.forecastEditTargets must be an object with permissionLevel and teamLeadIds",
                "libraryFolderAccess.libraryFolderIds must be a list of numeric ids",
                "deleteCalls must be true or false",
            ]
        );
        assert!(parse_patch(&json!([1])).is_err());
    }
}
