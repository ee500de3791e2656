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

    /// The conferencing providers of the user's personal meeting URLs, in the order the
    /// URLs are listed, each once; the first is the default. Known by the URL's host;
    /// a URL on another host names none.
    pub fn conferencing_providers(&self) -> Vec<(&'static str, bool)> {
        let mut out: Vec<(&'static str, bool)> = Vec::new();
        for url in &self.personal_meeting_urls {
            if let Some(p) = conferencing_provider(url) {
                if !out.iter().any(|(q, _)| *q == p) {
                    out.push((p, out.is_empty()));
                }
            }
        }
        out
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

/// Hosts of the web conferencing services (the host or a subdomain of it) and the
/// provider each is.
const CONFERENCING_HOSTS: &[(&str, &str)] = &[
    ("zoom.us", "zoom"),
    ("zoomgov.com", "zoom"),
    ("teams.microsoft.com", "msteams"),
    ("teams.live.com", "msteams"),
    ("meet.google.com", "googlemeet"),
    ("webex.com", "webex"),
    ("gotomeeting.com", "gotomeeting"),
    ("gotomeet.me", "gotomeeting"),
    ("bluejeans.com", "bluejeans"),
    ("chime.aws", "chime"),
    ("whereby.com", "whereby"),
];

/// The provider of a meeting URL, by its host.
pub fn conferencing_provider(url: &str) -> Option<&'static str> {
    let rest = url.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    CONFERENCING_HOSTS.iter().find_map(|(h, p)| {
        (host == *h || host.strip_suffix(h).is_some_and(|pre| pre.ends_with('.'))).then_some(*p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conferencing_providers_come_from_meeting_url_hosts() {
        assert_eq!(
            conferencing_provider("https://acme.zoom.us/j/123"),
            Some("zoom")
        );
        assert_eq!(conferencing_provider("zoom.us/my/jane"), Some("zoom"));
        assert_eq!(
            conferencing_provider("https://teams.microsoft.com/l/meetup-join/x"),
            Some("msteams")
        );
        assert_eq!(
            conferencing_provider("https://meet.google.com/abc-defg-hij"),
            Some("googlemeet")
        );
        assert_eq!(
            conferencing_provider("https://user@ACME.webex.com:443/meet/j"),
            Some("webex")
        );
        // Look-alike hosts and paths name no provider.
        assert_eq!(conferencing_provider("https://notzoom.us/j/1"), None);
        assert_eq!(
            conferencing_provider("https://evil.example.com/zoom.us"),
            None
        );
        assert_eq!(conferencing_provider(""), None);
        let mut u = User {
            id: UserId(1),
            email: "j@acme.example.com".into(),
            created: Timestamp::default(),
            active: true,
            email_aliases: vec![],
            trusted_email: None,
            first_name: "J".into(),
            last_name: "D".into(),
            title: None,
            phone: None,
            extension: None,
            personal_meeting_urls: vec![
                "https://example.com/me".into(),
                "https://meet.google.com/a".into(),
                "https://acme.zoom.us/j/1".into(),
                "https://meet.google.com/b".into(),
            ],
            settings: UserSettings::default(),
            manager_id: None,
            meeting_consent_page_url: None,
            spoken_languages: vec![],
        };
        assert_eq!(
            u.conferencing_providers(),
            [("googlemeet", true), ("zoom", false)]
        );
        u.personal_meeting_urls.clear();
        assert!(u.conferencing_providers().is_empty());
    }

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
