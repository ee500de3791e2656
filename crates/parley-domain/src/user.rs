//! Workspaces and the company's users.

use crate::{Timestamp, UserId, WorkspaceId};

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub description: Option<String>,
    pub created: Timestamp,
}

/// Recording and import switches of a user. Every change is kept in the settings
/// history with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UserSettings {
    pub web_conferences_recorded: bool,
    pub prevent_web_conference_recording: bool,
    pub telephony_calls_imported: bool,
    pub emails_imported: bool,
    pub prevent_email_import: bool,
    pub non_recorded_meetings_imported: bool,
    pub gong_connect_enabled: bool,
}

/// A setting whose changes are tracked over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    WebConferencesRecorded,
    PreventWebConferenceRecording,
    TelephonyCallsImported,
    EmailsImported,
    PreventEmailImport,
    NonRecordedMeetingsImported,
    GongConnectEnabled,
    Active,
}

impl Setting {
    pub const ALL: [Setting; 8] = [
        Setting::WebConferencesRecorded,
        Setting::PreventWebConferenceRecording,
        Setting::TelephonyCallsImported,
        Setting::EmailsImported,
        Setting::PreventEmailImport,
        Setting::NonRecordedMeetingsImported,
        Setting::GongConnectEnabled,
        Setting::Active,
    ];

    /// A stable storage key.
    pub fn key(self) -> &'static str {
        match self {
            Setting::WebConferencesRecorded => "web_conferences_recorded",
            Setting::PreventWebConferenceRecording => "prevent_web_conference_recording",
            Setting::TelephonyCallsImported => "telephony_calls_imported",
            Setting::EmailsImported => "emails_imported",
            Setting::PreventEmailImport => "prevent_email_import",
            Setting::NonRecordedMeetingsImported => "non_recorded_meetings_imported",
            Setting::GongConnectEnabled => "gong_connect_enabled",
            Setting::Active => "active",
        }
    }

    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The value of this setting for a user.
    pub fn value_in(self, settings: &UserSettings, active: bool) -> bool {
        match self {
            Setting::WebConferencesRecorded => settings.web_conferences_recorded,
            Setting::PreventWebConferenceRecording => settings.prevent_web_conference_recording,
            Setting::TelephonyCallsImported => settings.telephony_calls_imported,
            Setting::EmailsImported => settings.emails_imported,
            Setting::PreventEmailImport => settings.prevent_email_import,
            Setting::NonRecordedMeetingsImported => settings.non_recorded_meetings_imported,
            Setting::GongConnectEnabled => settings.gong_connect_enabled,
            Setting::Active => active,
        }
    }
}

/// One entry of a user's settings history.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingChange {
    pub setting: Setting,
    pub value: bool,
    pub time: Timestamp,
}

/// A language a user speaks, BCP-47.
#[derive(Debug, Clone, PartialEq)]
pub struct SpokenLanguage {
    pub language: String,
    pub primary: bool,
}

impl SpokenLanguage {
    /// Languages in order of preference: the first is the primary one.
    pub fn in_order(languages: &[String]) -> Vec<SpokenLanguage> {
        languages
            .iter()
            .enumerate()
            .map(|(i, l)| SpokenLanguage {
                language: l.clone(),
                primary: i == 0,
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub created: Timestamp,
    pub active: bool,
    pub email_aliases: Vec<String>,
    pub trusted_email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub personal_meeting_urls: Vec<String>,
    pub settings: UserSettings,
    pub manager_id: Option<UserId>,
    pub meeting_consent_page_url: Option<String>,
    pub spoken_languages: Vec<SpokenLanguage>,
}

impl User {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }

    /// The settings history a freshly created user starts with: one entry per setting.
    pub fn initial_history(&self) -> Vec<SettingChange> {
        Setting::ALL
            .into_iter()
            .map(|setting| SettingChange {
                setting,
                value: setting.value_in(&self.settings, self.active),
                time: self.created,
            })
            .collect()
    }

    /// The history entries needed to go from `self` to `next`, stamped `time`.
    pub fn settings_diff(&self, next: &User, time: Timestamp) -> Vec<SettingChange> {
        Setting::ALL
            .into_iter()
            .filter_map(|setting| {
                let before = setting.value_in(&self.settings, self.active);
                let after = setting.value_in(&next.settings, next.active);
                (before != after).then_some(SettingChange {
                    setting,
                    value: after,
                    time,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_keys_round_trip() {
        for s in Setting::ALL {
            assert_eq!(Setting::from_key(s.key()), Some(s));
        }
        assert_eq!(Setting::from_key("nope"), None);
    }

    #[test]
    fn diff_lists_only_changed_settings() {
        let now = chrono::Utc::now();
        let user = User {
            id: UserId(1),
            email: "a@b.com".into(),
            created: now,
            active: true,
            email_aliases: vec![],
            trusted_email: None,
            first_name: "A".into(),
            last_name: "B".into(),
            title: None,
            phone: None,
            extension: None,
            personal_meeting_urls: vec![],
            settings: UserSettings::default(),
            manager_id: None,
            meeting_consent_page_url: None,
            spoken_languages: vec![],
        };
        let mut next = user.clone();
        next.active = false;
        next.settings.emails_imported = true;
        let diff = user.settings_diff(&next, now);
        let changed: Vec<_> = diff.iter().map(|c| (c.setting, c.value)).collect();
        assert_eq!(
            changed,
            vec![(Setting::EmailsImported, true), (Setting::Active, false)]
        );
        assert_eq!(user.initial_history().len(), Setting::ALL.len());
    }
}
