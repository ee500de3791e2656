//! Per-user call access (`/v2/calls/users-access`) and integration settings
//! (`/v2/integration-settings`).

use parley_domain::{CallId, IntegrationSetting, IntegrationType, UserId};
use serde::{Deserialize, Serialize};

use crate::{null_as_default, WireId};

/// One call and users, in a grant or a revocation.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessEntry {
    pub call_id: WireId,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_ids: Vec<WireId>,
}

/// The body of `PUT` and `DELETE /v2/calls/users-access`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessChange {
    pub call_access_list: Vec<CallAccessEntry>,
}

/// Why a list of a change cannot name calls and users.
pub const SOME_CALLS_NOT_FOUND: &str = "Some calls not found";
pub const SOME_USERS_NOT_FOUND: &str = "Some users not found";

impl CallAccessChange {
    /// The calls and users named. Choice: an id that is not a number cannot name a call
    /// or user, so it gets the same 400 an unknown one does (Gong's `Some calls not
    /// found`).
    pub fn into_domain(self) -> Result<Vec<(CallId, Vec<UserId>)>, &'static str> {
        self.call_access_list
            .into_iter()
            .map(|e| {
                let call = e.call_id.numeric().ok_or(SOME_CALLS_NOT_FOUND)?;
                let users = e
                    .user_ids
                    .iter()
                    .map(|u| u.numeric().map(UserId).ok_or(SOME_USERS_NOT_FOUND))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((CallId(call), users))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessFilter {
    pub call_ids: Vec<WireId>,
}

/// The answer to a change of `/v2/calls/users-access` or `/v2/integration-settings`:
/// the request id alone.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeAccepted {
    pub request_id: String,
}

/// The body of `POST /v2/calls/users-access` (the read).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessQuery {
    pub filter: CallAccessFilter,
}

impl CallAccessQuery {
    pub fn call_ids(&self) -> Result<Vec<CallId>, &'static str> {
        self.filter
            .call_ids
            .iter()
            .map(|c| c.numeric().map(CallId).ok_or(SOME_CALLS_NOT_FOUND))
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessUser {
    pub user_id: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessItem {
    pub call_id: String,
    pub users: Vec<CallAccessUser>,
}

/// The answer of `POST /v2/calls/users-access`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallAccessResponse {
    pub request_id: String,
    pub call_access_list: Vec<CallAccessItem>,
}

impl CallAccessResponse {
    pub fn from_domain(request_id: String, grants: &[(CallId, Vec<UserId>)]) -> Self {
        CallAccessResponse {
            request_id,
            call_access_list: grants
                .iter()
                .map(|(c, users)| CallAccessItem {
                    call_id: c.to_string(),
                    users: users
                        .iter()
                        .map(|u| CallAccessUser {
                            user_id: u.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Gong's name of an integration type.
pub fn integration_type_name(t: IntegrationType) -> &'static str {
    match t {
        IntegrationType::EmailComposer => "EMAIL_COMPOSER",
        IntegrationType::AccountPages => "ACCOUNT_PAGES",
        IntegrationType::Dialer => "DIALER",
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationTypeSetting {
    /// `EMAIL_COMPOSER`, `ACCOUNT_PAGES` or `DIALER`.
    #[schema(pattern = "^(EMAIL_COMPOSER|ACCOUNT_PAGES|DIALER)$")]
    pub integration_type: String,
    /// The origin the integration runs at, such as `https://app.example.com`.
    #[schema(pattern = "^https?://[^/?#\\s]+$")]
    pub allowed_origin: String,
}

/// The body of `POST /v2/integration-settings`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationSettingsRequest {
    #[schema(min_items = 1, max_items = 16)]
    pub integration_type_settings: Vec<IntegrationTypeSetting>,
}

impl IntegrationSettingsRequest {
    /// Choice: integration types are read in any case (`dialer`, `DIALER`); an unknown
    /// one is a 400 naming the entry.
    pub fn into_domain(self) -> Result<Vec<(IntegrationType, String)>, String> {
        self.integration_type_settings
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let kind = IntegrationType::ALL
                    .iter()
                    .copied()
                    .find(|t| integration_type_name(*t).eq_ignore_ascii_case(s.integration_type.trim()))
                    .ok_or_else(|| {
                        format!(
                            "integrationTypeSettings[{i}].integrationType must be EMAIL_COMPOSER, ACCOUNT_PAGES or DIALER"
                        )
                    })?;
                Ok((kind, s.allowed_origin))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationTypeSettingWire {
    pub integration_type: &'static str,
    pub allowed_origin: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationSettingsWire {
    pub id: String,
    pub integration_type_settings: Vec<IntegrationTypeSettingWire>,
}

/// The answer of `GET /v2/integration-settings`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationSettingsResponse {
    pub request_id: String,
    pub integration_settings: IntegrationSettingsWire,
}

impl IntegrationSettingsResponse {
    /// Choice: Gong's real answer carries only an opaque `id` (base64 of 32 bytes);
    /// Parley's is a digest of the settings (`id`, made by the caller: it changes when
    /// they do), and the settings themselves follow in `integrationTypeSettings`, in the
    /// request's shape.
    pub fn from_domain(request_id: String, id: String, settings: &[IntegrationSetting]) -> Self {
        IntegrationSettingsResponse {
            request_id,
            integration_settings: IntegrationSettingsWire {
                id,
                integration_type_settings: settings
                    .iter()
                    .map(|s| IntegrationTypeSettingWire {
                        integration_type: integration_type_name(s.integration_type),
                        allowed_origin: s.allowed_origin.clone(),
                    })
                    .collect(),
            },
        }
    }
}
