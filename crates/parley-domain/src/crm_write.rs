//! CRM write-back: the "CRM field" action (write the phrases of a tracker that were said
//! in a call to a field of the opportunity the call is linked to), the connectors it
//! writes through, and the record of each write. The value written is computed here, as
//! a pure function of the call's tracker hits and the field's current value; the HTTP
//! exchanges with Salesforce and HubSpot are the application core's.

use serde::{Deserialize, Serialize};

use crate::tracker::TrackerDef;
use crate::{CallId, CrmSystem, Timestamp, TrackerId, WorkspaceId};

/// Longest field name an action may name (Salesforce API names are at most 40
/// characters plus `__c`, HubSpot's internal names 100; a generic CRM field is free).
pub const MAX_FIELD_CHARS: usize = 200;
/// Longest value written: Salesforce's long text area holds 131,072 characters, HubSpot's
/// multi-line text 65,536; a merged value past this is refused rather than cut.
pub const MAX_VALUE_CHARS: usize = 65_536;
/// Longest connector name.
pub const MAX_CONNECTOR_NAME_CHARS: usize = 200;

/// Which tracker an action takes its phrases from: by id, or by name in the call's
/// workspace (a rule shared across workspaces names it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TrackerRef {
    Id(TrackerId),
    Name(String),
}

impl TrackerRef {
    /// Whether `def` is the tracker this names (a name compares without case).
    pub fn names(&self, def: &TrackerDef) -> bool {
        match self {
            TrackerRef::Id(id) => def.id == *id,
            TrackerRef::Name(n) => def.name.trim().eq_ignore_ascii_case(n.trim()),
        }
    }
}

/// The kind of CRM object a write targets: a Salesforce Opportunity or a HubSpot deal
/// (the same thing: what a call's context calls its opportunity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WriteObjectType {
    Opportunity,
    Deal,
}

impl WriteObjectType {
    pub fn key(self) -> &'static str {
        match self {
            WriteObjectType::Opportunity => "Opportunity",
            WriteObjectType::Deal => "Deal",
        }
    }

    /// Case-insensitive.
    pub fn from_key(key: &str) -> Option<WriteObjectType> {
        [WriteObjectType::Opportunity, WriteObjectType::Deal]
            .into_iter()
            .find(|t| t.key().eq_ignore_ascii_case(key.trim()))
    }

    /// Whether a call context object of type `context_type` is one of these. Both kinds
    /// accept both spellings: a HubSpot deal reaches a call's context as an
    /// `Opportunity` (Gong's calls name no other deal type), and a generic CRM `DEAL` is
    /// linked as an `Opportunity` too.
    pub fn matches_context(self, context_type: &str) -> bool {
        ["Opportunity", "Deal"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(context_type.trim()))
    }
}

/// "Write the phrases of tracker T said in the call to field F of its opportunity."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmFieldAction {
    pub tracker: TrackerRef,
    pub object_type: WriteObjectType,
    /// The field's API name in the target CRM (`Main_Competitors__c`,
    /// `main_competitors`), or a generic CRM object's field name.
    pub field: String,
    /// Keep what the field holds and add the phrases it lacks, instead of replacing it.
    pub merge_with_current: bool,
    /// The workspace connector (a [`CrmConnector`] id) the write goes through.
    pub connector: i64,
}

impl CrmFieldAction {
    /// Checks what can be checked without the store; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let field = self.field.trim();
        if field.is_empty() {
            return Err("field must not be empty".into());
        }
        if field.chars().count() > MAX_FIELD_CHARS {
            return Err(format!("field is longer than {MAX_FIELD_CHARS} characters"));
        }
        if field.chars().any(char::is_control) {
            return Err("field must not contain control characters".into());
        }
        if let TrackerRef::Name(n) = &self.tracker {
            if n.trim().is_empty() {
                return Err("tracker must not be empty".into());
            }
        }
        Ok(())
    }
}

/// One phrase of a tracker as the call's analysis found it: the phrase and when it was
/// first said.
#[derive(Debug, Clone, PartialEq)]
pub struct SaidPhrase {
    pub phrase: String,
    /// Milliseconds from the start of the call to its first occurrence.
    pub first_ms: i64,
}

/// The phrases of `def` that were said, distinct (without case), in the order they were
/// first said, spelled as the tracker defines them. `hits` are the call's stored hits of
/// this tracker; a phrase the definition no longer has (the tracker changed after the
/// analysis) keeps the spelling it was found under.
pub fn said_phrases(def: Option<&TrackerDef>, hits: &[SaidPhrase]) -> Vec<String> {
    let mut order: Vec<(i64, usize, &str)> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| (h.first_ms, i, h.phrase.as_str()))
        .collect();
    // By first occurrence; ties (one moment, two phrases) in the order reported, which is
    // the configuration order.
    order.sort_by_key(|&(ms, i, _)| (ms, i));
    let spelled = |p: &str| -> String {
        def.and_then(|d| {
            d.keywords
                .iter()
                .flat_map(|k| &k.phrases)
                .find(|c| c.trim().to_lowercase() == p.trim().to_lowercase())
        })
        .map(|c| c.trim().to_owned())
        .unwrap_or_else(|| p.trim().to_owned())
    };
    let mut out: Vec<String> = Vec::new();
    for (_, _, p) in order {
        let s = spelled(p);
        if !s.is_empty() && !out.iter().any(|o| o.to_lowercase() == s.to_lowercase()) {
            out.push(s);
        }
    }
    out
}

/// What a write should set the field to, or `None` when nothing should be written
/// (nothing was said, or merging adds nothing to what is there). Replacing writes the
/// phrases joined by `", "`; merging keeps the current value's items (split on commas and
/// semicolons, trimmed, duplicates dropped) first and appends the phrases it lacks,
/// comparing without case.
pub fn field_value(said: &[String], current: Option<&str>, merge: bool) -> Option<String> {
    if said.is_empty() {
        return None;
    }
    fn push(s: &str, items: &mut Vec<String>) {
        let s = s.trim();
        if !s.is_empty() && !items.iter().any(|i| i.to_lowercase() == s.to_lowercase()) {
            items.push(s.to_owned());
        }
    }
    let mut items: Vec<String> = Vec::new();
    if merge {
        for part in current.unwrap_or("").split([',', ';']) {
            push(part, &mut items);
        }
    }
    for s in said {
        push(s, &mut items);
    }
    let value = items.join(", ");
    if merge && current.map(str::trim) == Some(value.as_str()) {
        return None;
    }
    Some(value)
}

/// The call-level context object a write goes to: the first of the call's links of
/// `system` whose type is an opportunity (or deal).
pub fn target_object(
    context: &[crate::CrmLink],
    system: CrmSystem,
    object_type: WriteObjectType,
) -> Option<&crate::CrmLink> {
    context
        .iter()
        .find(|l| l.system == system && object_type.matches_context(&l.object_type))
}

/// Which CRM a connector writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectorKind {
    Salesforce,
    HubSpot,
    /// The workspace's own generic CRM objects (uploaded through Gong's CRM API).
    Parley,
}

impl ConnectorKind {
    pub const ALL: [ConnectorKind; 3] = [
        ConnectorKind::Salesforce,
        ConnectorKind::HubSpot,
        ConnectorKind::Parley,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ConnectorKind::Salesforce => "salesforce",
            ConnectorKind::HubSpot => "hubspot",
            ConnectorKind::Parley => "parley",
        }
    }

    pub fn from_key(key: &str) -> Option<ConnectorKind> {
        ConnectorKind::ALL
            .into_iter()
            .find(|k| k.key().eq_ignore_ascii_case(key.trim()))
    }

    /// The system of the call context objects this connector can write to.
    pub fn system(self) -> CrmSystem {
        match self {
            ConnectorKind::Salesforce => CrmSystem::Salesforce,
            ConnectorKind::HubSpot => CrmSystem::HubSpot,
            ConnectorKind::Parley => CrmSystem::Generic,
        }
    }
}

/// A workspace's connection to a CRM. `settings` holds what may be shown (URLs, client
/// id, user name); `secret` the sealed secrets (client secret, private key, token),
/// which the application core encrypts before they reach the store and never renders.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmConnector {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub kind: ConnectorKind,
    pub settings: serde_json::Value,
    /// Encrypted secrets (base64), or empty when the kind has none.
    pub secret: String,
    pub created: Timestamp,
    pub updated: Timestamp,
}

/// How a Salesforce connector gets its access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesforceAuth {
    /// OAuth 2.0 client credentials flow (a connected app's "run as" user).
    ClientCredentials,
    /// OAuth 2.0 JWT bearer flow: an RS256 assertion signed with the connected app's key.
    JwtBearer,
}

/// A connector as an admin describes it. Which fields apply depends on `kind`; the
/// application core checks them (`parley_app::crm_connectors::check`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectorInput {
    pub workspace_id: Option<String>,
    pub name: String,
    pub kind: String,
    /// Salesforce: where tokens come from (`https://login.salesforce.com`, a My Domain,
    /// or `https://test.salesforce.com`).
    pub login_url: Option<String>,
    /// Salesforce: the instance to use when the token answer names none.
    pub instance_url: Option<String>,
    /// Salesforce: `v62.0` by default.
    pub api_version: Option<String>,
    pub auth: Option<SalesforceAuth>,
    /// Salesforce: the connected app's consumer key.
    pub client_id: Option<String>,
    /// Salesforce, client credentials: the consumer secret.
    pub client_secret: Option<String>,
    /// Salesforce, JWT bearer: the user the assertion is for.
    pub username: Option<String>,
    /// Salesforce, JWT bearer: the RSA private key (PEM) whose certificate the connected
    /// app holds.
    pub private_key: Option<String>,
    /// Salesforce, JWT bearer: the assertion's audience (the login URL by default).
    pub audience: Option<String>,
    /// HubSpot: the API's base URL (`https://api.hubapi.com` by default).
    pub base_url: Option<String>,
    /// HubSpot: the private app's access token.
    pub token: Option<String>,
}

/// Where a write is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmWriteState {
    /// Queued or being tried.
    Pending,
    /// The field now holds `value`.
    Written,
    /// Nothing to write: the tracker was not said, or merging added nothing.
    Skipped,
    /// Gave up: a permanent error, or out of attempts.
    Failed,
}

impl CrmWriteState {
    pub const ALL: [CrmWriteState; 4] = [
        CrmWriteState::Pending,
        CrmWriteState::Written,
        CrmWriteState::Skipped,
        CrmWriteState::Failed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CrmWriteState::Pending => "pending",
            CrmWriteState::Written => "written",
            CrmWriteState::Skipped => "skipped",
            CrmWriteState::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<CrmWriteState> {
        CrmWriteState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One run of a CRM field action for one call: what it targets and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmWrite {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub call_id: CallId,
    pub action: CrmFieldAction,
    /// The object the call's context names (its id in the target CRM); `None` when the
    /// call had none (the write is then `Skipped` or `Failed` with the reason).
    pub object_id: Option<String>,
    pub state: CrmWriteState,
    /// Attempts made so far.
    pub attempts: u32,
    /// The value written (or, while pending, the last value tried).
    pub value: Option<String>,
    /// What the field held before, when it was read (merge mode).
    pub previous: Option<String>,
    /// Why the last attempt failed or why it was skipped.
    pub outcome: Option<String>,
    pub created: Timestamp,
    pub updated: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::{Keywords, SaidAt, SaidBy};

    fn def() -> TrackerDef {
        TrackerDef {
            id: TrackerId(1),
            name: "Competitors".into(),
            keywords: vec![Keywords {
                language: "eng".into(),
                phrases: vec!["Acme".into(), "Globex".into(), "Initech Corp".into()],
                include_related_forms: false,
            }],
            said_by: SaidBy::Anyone,
            part_of_question: false,
            said_in_topics: vec![],
            said_at: SaidAt::Anytime,
        }
    }

    fn hit(p: &str, ms: i64) -> SaidPhrase {
        SaidPhrase {
            phrase: p.into(),
            first_ms: ms,
        }
    }

    #[test]
    fn phrases_in_first_said_order_distinct_with_the_definitions_casing() {
        let hits = [
            hit("globex", 9_000),
            hit("ACME", 3_000),
            hit("initech corp", 12_000),
            hit("Acme", 15_000),
        ];
        assert_eq!(
            said_phrases(Some(&def()), &hits),
            vec!["Acme", "Globex", "Initech Corp"]
        );
        // A phrase dropped from the tracker since keeps its found spelling; ties keep the
        // reported order.
        let hits = [hit("Umbrella", 1_000), hit("Acme", 1_000)];
        assert_eq!(said_phrases(Some(&def()), &hits), vec!["Umbrella", "Acme"]);
        assert_eq!(said_phrases(None, &[]), Vec::<String>::new());
    }

    #[test]
    fn replacing_joins_the_phrases() {
        let said = vec!["Acme".to_owned(), "Globex".to_owned()];
        assert_eq!(
            field_value(&said, Some("Old"), false).as_deref(),
            Some("Acme, Globex")
        );
        assert_eq!(field_value(&[], Some("Old"), false), None);
        assert_eq!(field_value(&[], None, true), None);
    }

    #[test]
    fn merging_keeps_the_current_items_first_and_dedupes_without_case() {
        let said = vec!["Acme".to_owned(), "Globex".to_owned()];
        assert_eq!(
            field_value(&said, Some("Initech; acme"), true).as_deref(),
            Some("Initech, acme, Globex")
        );
        assert_eq!(
            field_value(&said, None, true).as_deref(),
            Some("Acme, Globex")
        );
        assert_eq!(
            field_value(&said, Some(" , Hooli,,hooli "), true).as_deref(),
            Some("Hooli, Acme, Globex")
        );
        // Nothing new: nothing to write.
        assert_eq!(field_value(&said, Some("Acme, Globex"), true), None);
        assert_eq!(
            field_value(&said, Some("globex,ACME"), true).as_deref(),
            Some("globex, ACME")
        );
    }

    #[test]
    fn the_target_is_the_first_opportunity_of_the_connectors_system() {
        let link = |system, t: &str, id: &str| crate::CrmLink {
            system,
            object_type: t.into(),
            object_id: id.into(),
            fields: vec![],
        };
        let context = vec![
            link(CrmSystem::Salesforce, "Account", "001"),
            link(CrmSystem::HubSpot, "Opportunity", "55"),
            link(CrmSystem::Salesforce, "Opportunity", "006A"),
        ];
        let t = target_object(
            &context,
            CrmSystem::Salesforce,
            WriteObjectType::Opportunity,
        );
        assert_eq!(t.unwrap().object_id, "006A");
        let t = target_object(&context, CrmSystem::HubSpot, WriteObjectType::Deal);
        assert_eq!(t.unwrap().object_id, "55");
        assert!(target_object(&context, CrmSystem::Generic, WriteObjectType::Deal).is_none());
    }

    #[test]
    fn actions_are_checked_and_read_back() {
        let a = CrmFieldAction {
            tracker: TrackerRef::Name("Competitors".into()),
            object_type: WriteObjectType::Opportunity,
            field: "Main_Competitors__c".into(),
            merge_with_current: true,
            connector: 7,
        };
        assert_eq!(a.validate(), Ok(()));
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["tracker"]["name"], "Competitors");
        assert_eq!(serde_json::from_value::<CrmFieldAction>(json).unwrap(), a);
        let bad = CrmFieldAction {
            field: " ".into(),
            ..a.clone()
        };
        assert_eq!(bad.validate(), Err("field must not be empty".into()));
        assert!(TrackerRef::Name("competitors ".into()).names(&def()));
        assert!(!TrackerRef::Id(TrackerId(2)).names(&def()));
        assert_eq!(
            WriteObjectType::from_key("deal"),
            Some(WriteObjectType::Deal)
        );
        for k in ConnectorKind::ALL {
            assert_eq!(ConnectorKind::from_key(k.key()), Some(k));
        }
        for s in CrmWriteState::ALL {
            assert_eq!(CrmWriteState::from_key(s.key()), Some(s));
        }
    }
}
