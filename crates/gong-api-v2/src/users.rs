//! Users and workspaces.

use serde::{Deserialize, Serialize};

use parley_domain as d;

use crate::calls::RenderCtx;
use crate::{null_as_default, WireId};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSettingsWire {
    pub web_conferences_recorded: bool,
    pub prevent_web_conference_recording: bool,
    pub telephony_calls_imported: bool,
    pub emails_imported: bool,
    pub prevent_email_import: bool,
    pub non_recorded_meetings_imported: bool,
    pub gong_connect_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SpokenLanguageWire {
    pub language: String,
    pub primary: bool,
}

/// `UserMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserWire {
    pub id: String,
    pub email_address: String,
    pub created: String,
    pub active: bool,
    pub email_aliases: Vec<String>,
    pub trusted_email_address: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub phone_number: Option<String>,
    pub extension: Option<String>,
    pub personal_meeting_urls: Vec<String>,
    pub settings: UserSettingsWire,
    pub manager_id: Option<String>,
    pub meeting_consent_page_url: Option<String>,
    /// Choice: real data shows `null` or `[{"provider":"zoom","isDefault":true}]`; Parley
    /// names the providers of the user's personal meeting URLs (by host), the first the
    /// default, and `null` when none is known.
    pub conferencing_providers: Option<Vec<ConferencingProviderWire>>,
    pub spoken_languages: Vec<SpokenLanguageWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConferencingProviderWire {
    pub provider: &'static str,
    pub is_default: bool,
}

impl UserWire {
    pub fn from_domain(u: &d::User, ctx: &RenderCtx) -> Self {
        let s = &u.settings;
        UserWire {
            id: u.id.to_string(),
            email_address: u.email.clone(),
            created: ctx.time(u.created),
            active: u.active,
            email_aliases: u.email_aliases.clone(),
            trusted_email_address: u.trusted_email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            title: u.title.clone(),
            phone_number: u.phone.clone(),
            extension: u.extension.clone(),
            personal_meeting_urls: u.personal_meeting_urls.clone(),
            settings: UserSettingsWire {
                web_conferences_recorded: s.web_conferences_recorded,
                prevent_web_conference_recording: s.prevent_web_conference_recording,
                telephony_calls_imported: s.telephony_calls_imported,
                emails_imported: s.emails_imported,
                prevent_email_import: s.prevent_email_import,
                non_recorded_meetings_imported: s.non_recorded_meetings_imported,
                gong_connect_enabled: s.gong_connect_enabled,
            },
            manager_id: u.manager_id.map(|m| m.to_string()),
            meeting_consent_page_url: u.meeting_consent_page_url.clone(),
            conferencing_providers: Some(
                u.conferencing_providers()
                    .into_iter()
                    .map(|(provider, is_default)| ConferencingProviderWire {
                        provider,
                        is_default,
                    })
                    .collect::<Vec<_>>(),
            )
            .filter(|list| !list.is_empty()),
            spoken_languages: u
                .spoken_languages
                .iter()
                .map(|l| SpokenLanguageWire {
                    language: l.language.clone(),
                    primary: l.primary,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsersResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub users: Vec<UserWire>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub request_id: String,
    pub user: UserWire,
}

/// Query of `GET /v2/users`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListUsersQuery {
    /// The `records.cursor` of the previous page.
    pub cursor: Option<String>,
    /// Accepted for compatibility and ignored: Parley has no avatar users.
    pub include_avatars: Option<String>,
}

/// Body of `POST /v2/users/extensive`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsersExtensiveRequest {
    pub cursor: Option<String>,
    /// Which users; all of them when absent or `null`.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schema(value_type = Option<UsersFilter>)]
    pub filter: UsersFilter,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsersFilter {
    #[schema(format = DateTime)]
    pub created_from_date_time: Option<String>,
    #[schema(format = DateTime)]
    pub created_to_date_time: Option<String>,
    pub include_avatars: Option<bool>,
    pub user_ids: Option<Vec<WireId>>,
}

fn setting_str(s: d::Setting) -> &'static str {
    match s {
        d::Setting::WebConferencesRecorded => "webConferencesRecorded",
        d::Setting::PreventWebConferenceRecording => "preventWebConferenceRecording",
        // Choice: Gong's history enum names telephony imports `callsImported`.
        d::Setting::TelephonyCallsImported => "callsImported",
        d::Setting::EmailsImported => "emailsImported",
        d::Setting::PreventEmailImport => "preventEmailImport",
        d::Setting::NonRecordedMeetingsImported => "nonRecordedMeetingsImported",
        d::Setting::GongConnectEnabled => "gongConnectEnabled",
        d::Setting::Active => "active",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SettingChangeWire {
    pub setting: String,
    pub value: bool,
    pub time: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsHistoryResponse {
    pub request_id: String,
    pub user_settings_history: Vec<SettingChangeWire>,
}

impl SettingChangeWire {
    pub fn from_domain(c: &d::SettingChange, ctx: &RenderCtx) -> Self {
        SettingChangeWire {
            setting: setting_str(c.setting).to_owned(),
            value: c.value,
            time: ctx.time(c.time),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WorkspaceWire {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspacesResponse {
    pub request_id: String,
    pub workspaces: Vec<WorkspaceWire>,
}

impl WorkspaceWire {
    pub fn from_domain(w: &d::Workspace) -> Self {
        WorkspaceWire {
            id: w.id.to_string(),
            name: w.name.clone(),
            description: w.description.clone(),
        }
    }
}
