//! The data files of the demo (`data/*.toml`, embedded), parsed and checked: every
//! reference between them resolved to an index, so that the generator never looks a
//! name up.

use std::collections::HashMap;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::DataError;

const COMPANY_FILE: &str = "data/company.toml";
const ACCOUNTS_FILE: &str = "data/accounts.toml";
const SCRIPTS_FILE: &str = "data/scripts.toml";
pub(crate) const COMPANY_TOML: &str = include_str!("../data/company.toml");
pub(crate) const ACCOUNTS_TOML: &str = include_str!("../data/accounts.toml");
pub(crate) const SCRIPTS_TOML: &str = include_str!("../data/scripts.toml");

// ---------------------------------------------------------------------------------------
// The files as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanyFile {
    name: String,
    domain: String,
    price_per_seat: i64,
    window_days: i64,
    webex_url: String,
    workspace: Vec<WorkspaceFile>,
    tracker: Vec<Tracker>,
    user: Vec<UserFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceFile {
    name: String,
    description: String,
    #[serde(default)]
    default: bool,
    time_zone: String,
    serves: Serves,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFile {
    key: String,
    first: String,
    last: String,
    title: String,
    phone: String,
    manager: Option<String>,
    role: Role,
    languages: Vec<String>,
    web_conferences_recorded: bool,
    telephony_calls_imported: bool,
    emails_imported: bool,
    created_days_ago: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    account: Vec<AccountFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountFile {
    name: String,
    domain: String,
    industry: String,
    revenue: i64,
    region: Region,
    competitor: String,
    lead_source: String,
    seats: i64,
    account_executive: String,
    sales_development: Option<String>,
    customer_success: Option<String>,
    customer: bool,
    meetings: Vec<Kind>,
    stranger: Option<StrangerFile>,
    contact: Vec<Contact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrangerFile {
    /// Counted from 1, as a person reading the list counts.
    meeting: usize,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptsFile {
    days: Vec<String>,
    colleague: ColleagueFile,
    closing: Closing,
    kind: HashMap<String, KindFile>,
    exchanges: HashMap<String, Vec<ExchangeFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColleagueFile {
    brought_in: String,
    intro: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    label: String,
    purpose: Option<String>,
    stage: Option<String>,
    probability: Option<i64>,
    #[serde(default)]
    dispositions: Vec<String>,
    next_steps: Vec<String>,
    exchanges: String,
    #[serde(default)]
    closer: bool,
    #[serde(default)]
    also: Vec<Borrow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Borrow {
    from: String,
    #[serde(default)]
    skip: usize,
    take: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeFile {
    line: Vec<Line>,
}

// ---------------------------------------------------------------------------------------
// The data resolved.

/// Which calls a workspace holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Serves {
    NorthAmerica,
    Emea,
    CustomerSuccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Region {
    NorthAmerica,
    Emea,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Role {
    Vp,
    Manager,
    AccountExecutive,
    SalesDevelopment,
    CustomerSuccess,
    SalesEngineer,
}

impl Role {
    const ALL: [Role; 6] = [
        Role::Vp,
        Role::Manager,
        Role::AccountExecutive,
        Role::SalesDevelopment,
        Role::CustomerSuccess,
        Role::SalesEngineer,
    ];

    fn name(self) -> &'static str {
        match self {
            Role::Vp => "vp",
            Role::Manager => "manager",
            Role::AccountExecutive => "account-executive",
            Role::SalesDevelopment => "sales-development",
            Role::CustomerSuccess => "customer-success",
            Role::SalesEngineer => "sales-engineer",
        }
    }
}

/// The kinds of conversation the demo has, in the order a deal goes through them. The
/// planner's rules (who attends, how long, on which tool) are code; what is said is
/// data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    Prospecting,
    Discovery,
    Demo,
    Negotiation,
    Won,
    Lost,
    Kickoff,
    CheckIn,
    Qbr,
    Renewal,
    Escalation,
}

impl Kind {
    pub(crate) const ALL: [Kind; 11] = [
        Kind::Prospecting,
        Kind::Discovery,
        Kind::Demo,
        Kind::Negotiation,
        Kind::Won,
        Kind::Lost,
        Kind::Kickoff,
        Kind::CheckIn,
        Kind::Qbr,
        Kind::Renewal,
        Kind::Escalation,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Prospecting => "prospecting",
            Kind::Discovery => "discovery",
            Kind::Demo => "demo",
            Kind::Negotiation => "negotiation",
            Kind::Won => "won",
            Kind::Lost => "lost",
            Kind::Kickoff => "kickoff",
            Kind::CheckIn => "check-in",
            Kind::Qbr => "qbr",
            Kind::Renewal => "renewal",
            Kind::Escalation => "escalation",
        }
    }

    pub(crate) fn is_customer_success(self) -> bool {
        matches!(
            self,
            Kind::Kickoff | Kind::CheckIn | Kind::Qbr | Kind::Renewal | Kind::Escalation
        )
    }
}

/// Who says a line (see `data/scripts.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Who {
    Host,
    Expert,
    Customer,
    SecondCustomer,
    AnyCustomer,
    Stranger,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Line {
    pub who: Who,
    /// Alternatives, one of which is said.
    pub say: Vec<String>,
}

pub(crate) type Exchange = Vec<Line>;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tracker {
    pub name: String,
    pub phrases: Vec<String>,
    pub related_forms: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Contact {
    pub first: String,
    pub last: String,
    pub title: String,
    pub phone: Option<String>,
}

impl Contact {
    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }

    pub(crate) fn email(&self, domain: &str) -> String {
        format!(
            "{}.{}@{domain}",
            self.first.to_lowercase(),
            self.last.to_lowercase()
        )
    }
}

pub(crate) struct Workspace {
    pub name: String,
    pub description: String,
    pub default: bool,
    pub tz: Tz,
}

pub(crate) struct User {
    pub first: String,
    pub last: String,
    pub title: String,
    pub phone: String,
    pub manager: Option<usize>,
    pub role: Role,
    pub languages: Vec<String>,
    pub web_conferences_recorded: bool,
    pub telephony_calls_imported: bool,
    pub emails_imported: bool,
    pub created_days_ago: i64,
}

impl User {
    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

pub(crate) struct Account {
    pub name: String,
    pub domain: String,
    pub industry: String,
    pub revenue: i64,
    pub region: Region,
    pub competitor: String,
    pub lead_source: String,
    pub seats: i64,
    pub ae: usize,
    pub sdr: Option<usize>,
    pub csm: Option<usize>,
    /// Bought before the demo window: its opportunity is a renewal.
    pub customer: bool,
    pub meetings: Vec<Kind>,
    /// A voice in one meeting's transcript that matches no party: (meeting index, name).
    pub stranger: Option<(usize, String)>,
    pub contacts: Vec<Contact>,
}

pub(crate) struct KindSpec {
    pub label: String,
    pub purpose: Option<String>,
    /// The opportunity's stage and probability while a call of this kind is held.
    pub stage: Option<(String, i64)>,
    pub dispositions: Vec<String>,
    pub next_steps: Vec<String>,
    /// The body's first exchange, the ones shuffled after it, and the one that ends it.
    pub opener: Exchange,
    pub middle: Vec<Exchange>,
    pub closer: Option<Exchange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Closing {
    pub thanks: Vec<String>,
    pub bye_group: Vec<String>,
    pub bye_one: Vec<String>,
    pub bye_back: Vec<String>,
}

/// Everything the generator needs, checked.
pub(crate) struct Demo {
    pub company: String,
    pub domain: String,
    pub price_per_seat: i64,
    pub window_days: i64,
    pub webex_url: String,
    pub workspaces: Vec<Workspace>,
    pub north_america: usize,
    pub emea: usize,
    pub customer_success: usize,
    pub trackers: Vec<Tracker>,
    pub users: Vec<User>,
    /// The sales engineer who joins every demo; the VP over every manager.
    pub sales_engineer: usize,
    pub vp: usize,
    pub accounts: Vec<Account>,
    pub days: Vec<String>,
    pub brought_in: String,
    /// By `Role::ALL` order.
    pub intros: Vec<String>,
    pub closing: Closing,
    /// By `Kind::ALL` order.
    pub kinds: Vec<KindSpec>,
    pub greeting_video: Vec<Exchange>,
    pub greeting_outbound: Vec<Exchange>,
    pub greeting_inbound: Vec<Exchange>,
    pub agenda: Vec<Exchange>,
    pub stranger_joins: Vec<Exchange>,
    pub stranger_asks: Vec<Exchange>,
    pub follow_ups: Vec<Exchange>,
}

impl Demo {
    pub(crate) fn kind(&self, kind: Kind) -> &KindSpec {
        &self.kinds[kind as usize]
    }

    pub(crate) fn intro(&self, role: Role) -> &str {
        &self.intros[role as usize]
    }

    pub(crate) fn email(&self, user: &User) -> String {
        format!(
            "{}.{}@{}",
            user.first.to_lowercase(),
            user.last.to_lowercase(),
            self.domain
        )
    }
}

// ---------------------------------------------------------------------------------------
// Loading.

fn parse<T: serde::de::DeserializeOwned>(file: &'static str, text: &str) -> Result<T, DataError> {
    toml::from_str(text).map_err(|source| DataError::Parse { file, source })
}

fn invalid(file: &'static str, message: String) -> DataError {
    DataError::Invalid { file, message }
}

/// The placeholders a script line may carry.
pub(crate) const PLACEHOLDERS: [&str; 8] = [
    "{me}",
    "{c}",
    "{co}",
    "{comp}",
    "{day}",
    "{price}",
    "{seats}",
    "{industry}",
];

/// Refuses a text with a `{...}` that is not one of `known`.
fn check_placeholders(file: &'static str, text: &str, known: &[&str]) -> Result<(), DataError> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| invalid(file, format!("unclosed placeholder in {text:?}")))?;
        let name = &rest[open..open + close + 1];
        if !known.contains(&name) {
            return Err(invalid(
                file,
                format!("unknown placeholder {name} in {text:?}"),
            ));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

fn check_exchanges(what: &str, exchanges: &[Exchange]) -> Result<(), DataError> {
    if exchanges.is_empty() {
        return Err(invalid(SCRIPTS_FILE, format!("exchanges {what} are empty")));
    }
    for ex in exchanges {
        if ex.is_empty() {
            return Err(invalid(
                SCRIPTS_FILE,
                format!("{what} has an exchange with no line"),
            ));
        }
        for line in ex {
            if line.say.is_empty() {
                return Err(invalid(
                    SCRIPTS_FILE,
                    format!("{what} has a line with nothing to say"),
                ));
            }
            for text in &line.say {
                check_placeholders(SCRIPTS_FILE, text, &PLACEHOLDERS)?;
            }
        }
    }
    Ok(())
}

fn check_texts(what: &str, texts: &[String]) -> Result<(), DataError> {
    if texts.is_empty() {
        return Err(invalid(SCRIPTS_FILE, format!("{what} is empty")));
    }
    for t in texts {
        check_placeholders(SCRIPTS_FILE, t, &PLACEHOLDERS)?;
    }
    Ok(())
}

impl Demo {
    /// The embedded data files, parsed and checked.
    pub(crate) fn embedded() -> Result<Demo, DataError> {
        Demo::parse(COMPANY_TOML, ACCOUNTS_TOML, SCRIPTS_TOML)
    }

    pub(crate) fn parse(company: &str, accounts: &str, scripts: &str) -> Result<Demo, DataError> {
        let company: CompanyFile = parse(COMPANY_FILE, company)?;
        let accounts: AccountsFile = parse(ACCOUNTS_FILE, accounts)?;
        let scripts: ScriptsFile = parse(SCRIPTS_FILE, scripts)?;

        // Workspaces.
        let mut workspaces = Vec::new();
        for w in company.workspace {
            let tz: Tz = w.time_zone.parse().map_err(|_| {
                invalid(COMPANY_FILE, format!("unknown time zone {:?}", w.time_zone))
            })?;
            workspaces.push((
                w.serves,
                Workspace {
                    name: w.name,
                    description: w.description,
                    default: w.default,
                    tz,
                },
            ));
        }
        if workspaces.iter().filter(|(_, w)| w.default).count() != 1 {
            return Err(invalid(
                COMPANY_FILE,
                "exactly one workspace must be the default".into(),
            ));
        }
        let serving = |s: Serves| -> Result<usize, DataError> {
            let mut found = workspaces.iter().enumerate().filter(|(_, (x, _))| *x == s);
            match (found.next(), found.next()) {
                (Some((i, _)), None) => Ok(i),
                _ => Err(invalid(
                    COMPANY_FILE,
                    format!("exactly one workspace must serve {s:?}"),
                )),
            }
        };
        let north_america = serving(Serves::NorthAmerica)?;
        let emea = serving(Serves::Emea)?;
        let customer_success = serving(Serves::CustomerSuccess)?;
        let workspaces: Vec<Workspace> = workspaces.into_iter().map(|(_, w)| w).collect();

        // Users, managers first.
        let mut keys: Vec<String> = Vec::new();
        let mut users = Vec::new();
        for u in company.user {
            if keys.contains(&u.key) {
                return Err(invalid(
                    COMPANY_FILE,
                    format!("user key {:?} is used twice", u.key),
                ));
            }
            let manager = match &u.manager {
                None => None,
                Some(m) => Some(keys.iter().position(|k| k == m).ok_or_else(|| {
                    invalid(
                        COMPANY_FILE,
                        format!("manager {m:?} of {:?} is no user listed before them", u.key),
                    )
                })?),
            };
            keys.push(u.key);
            users.push(User {
                first: u.first,
                last: u.last,
                title: u.title,
                phone: u.phone,
                manager,
                role: u.role,
                languages: u.languages,
                web_conferences_recorded: u.web_conferences_recorded,
                telephony_calls_imported: u.telephony_calls_imported,
                emails_imported: u.emails_imported,
                created_days_ago: u.created_days_ago,
            });
        }
        let only = |role: Role| -> Result<usize, DataError> {
            let mut found = users.iter().enumerate().filter(|(_, u)| u.role == role);
            match (found.next(), found.next()) {
                (Some((i, _)), None) => Ok(i),
                _ => Err(invalid(
                    COMPANY_FILE,
                    format!("the demo needs exactly one {}", role.name()),
                )),
            }
        };
        let vp = only(Role::Vp)?;
        let sales_engineer = only(Role::SalesEngineer)?;
        for u in &users {
            if u.languages.is_empty() {
                return Err(invalid(
                    COMPANY_FILE,
                    format!("{} speaks no language", u.first),
                ));
            }
        }

        // Kinds and their exchanges.
        for name in scripts.kind.keys() {
            if !Kind::ALL.iter().any(|k| k.name() == name) {
                return Err(invalid(SCRIPTS_FILE, format!("unknown kind {name:?}")));
            }
        }
        let exchanges: HashMap<String, Vec<Exchange>> = scripts
            .exchanges
            .into_iter()
            .map(|(name, list)| (name, list.into_iter().map(|e| e.line).collect()))
            .collect();
        for (name, list) in &exchanges {
            check_exchanges(name, list)?;
        }
        let list = |name: &str| {
            exchanges
                .get(name)
                .ok_or_else(|| invalid(SCRIPTS_FILE, format!("no exchanges {name:?}")))
        };
        let mut kinds = Vec::new();
        // The lists the code says by name, and those the kinds name.
        let mut used: Vec<String> = [
            "greeting-video",
            "greeting-outbound",
            "greeting-inbound",
            "agenda",
            "stranger-joins",
            "stranger-asks",
            "follow-ups",
        ]
        .map(String::from)
        .to_vec();
        let mut by_name = scripts.kind;
        for kind in Kind::ALL {
            let k = by_name.remove(kind.name()).ok_or_else(|| {
                invalid(SCRIPTS_FILE, format!("kind {:?} is missing", kind.name()))
            })?;
            let mut own = list(&k.exchanges)?.clone();
            used.push(k.exchanges.clone());
            let closer = if k.closer { own.pop() } else { None };
            if own.is_empty() {
                return Err(invalid(
                    SCRIPTS_FILE,
                    format!("kind {:?} has no exchange to open its body", kind.name()),
                ));
            }
            let opener = own.remove(0);
            let mut middle = own;
            for b in &k.also {
                let from = list(&b.from)?;
                used.push(b.from.clone());
                let end = b.take.map_or(from.len(), |t| b.skip + t);
                let borrowed = from.get(b.skip..end).ok_or_else(|| {
                    invalid(
                        SCRIPTS_FILE,
                        format!(
                            "kind {:?} borrows more of {:?} than it has",
                            kind.name(),
                            b.from
                        ),
                    )
                })?;
                middle.extend(borrowed.iter().cloned());
            }
            let stage = match (k.stage, k.probability) {
                (Some(s), Some(p)) => Some((s, p)),
                (None, None) => None,
                _ => {
                    return Err(invalid(
                        SCRIPTS_FILE,
                        format!(
                            "kind {:?} needs both stage and probability, or neither",
                            kind.name()
                        ),
                    ))
                }
            };
            check_texts(&format!("next steps of {:?}", kind.name()), &k.next_steps)?;
            kinds.push(KindSpec {
                label: k.label,
                purpose: k.purpose,
                stage,
                dispositions: k.dispositions,
                next_steps: k.next_steps,
                opener,
                middle,
                closer,
            });
        }

        if let Some(name) = exchanges.keys().find(|n| !used.contains(n)) {
            return Err(invalid(
                SCRIPTS_FILE,
                format!("no kind uses the exchanges {name:?}"),
            ));
        }

        // Accounts.
        let user = |key: &str, what: &str, account: &str| -> Result<usize, DataError> {
            keys.iter().position(|k| k == key).ok_or_else(|| {
                invalid(
                    ACCOUNTS_FILE,
                    format!("{what} {key:?} of {account:?} is no user of {COMPANY_FILE}"),
                )
            })
        };
        let mut resolved = Vec::new();
        for a in accounts.account {
            let ae = user(&a.account_executive, "account executive", &a.name)?;
            let sdr = a
                .sales_development
                .as_deref()
                .map(|k| user(k, "sales development representative", &a.name))
                .transpose()?;
            let csm = a
                .customer_success
                .as_deref()
                .map(|k| user(k, "customer success manager", &a.name))
                .transpose()?;
            // The planner's rules name the first two contacts (main and senior).
            if a.contact.len() < 2 {
                return Err(invalid(
                    ACCOUNTS_FILE,
                    format!("{:?} needs at least two contacts", a.name),
                ));
            }
            if a.meetings.is_empty() {
                return Err(invalid(
                    ACCOUNTS_FILE,
                    format!("{:?} has no meetings", a.name),
                ));
            }
            let stranger = match a.stranger {
                None => None,
                Some(s) if (1..=a.meetings.len()).contains(&s.meeting) => {
                    Some((s.meeting - 1, s.name))
                }
                Some(s) => {
                    return Err(invalid(
                        ACCOUNTS_FILE,
                        format!(
                            "the stranger of {:?} is in meeting {}, which it does not have",
                            a.name, s.meeting
                        ),
                    ))
                }
            };
            resolved.push(Account {
                name: a.name,
                domain: a.domain,
                industry: a.industry,
                revenue: a.revenue,
                region: a.region,
                competitor: a.competitor,
                lead_source: a.lead_source,
                seats: a.seats,
                ae,
                sdr,
                csm,
                customer: a.customer,
                meetings: a.meetings,
                stranger,
                contacts: a.contact,
            });
        }

        let mut intros = Vec::new();
        let mut intro_of = scripts.colleague.intro;
        for role in Role::ALL {
            let text = intro_of.remove(role.name()).ok_or_else(|| {
                invalid(
                    SCRIPTS_FILE,
                    format!("no colleague intro for {:?}", role.name()),
                )
            })?;
            check_placeholders(SCRIPTS_FILE, &text, &["{colleague}"])?;
            intros.push(text);
        }
        if let Some(role) = intro_of.keys().next() {
            return Err(invalid(
                SCRIPTS_FILE,
                format!("colleague intro for unknown role {role:?}"),
            ));
        }
        check_placeholders(
            SCRIPTS_FILE,
            &scripts.colleague.brought_in,
            &["{colleague}"],
        )?;
        check_texts("days", &scripts.days)?;
        let c = &scripts.closing;
        for (what, texts) in [
            ("closing thanks", &c.thanks),
            ("closing bye_group", &c.bye_group),
            ("closing bye_one", &c.bye_one),
            ("closing bye_back", &c.bye_back),
        ] {
            check_texts(what, texts)?;
        }

        Ok(Demo {
            company: company.name,
            domain: company.domain,
            price_per_seat: company.price_per_seat,
            window_days: company.window_days,
            webex_url: company.webex_url,
            workspaces,
            north_america,
            emea,
            customer_success,
            trackers: company.tracker,
            users,
            sales_engineer,
            vp,
            accounts: resolved,
            days: scripts.days,
            brought_in: scripts.colleague.brought_in,
            intros,
            closing: scripts.closing,
            kinds,
            greeting_video: list("greeting-video")?.clone(),
            greeting_outbound: list("greeting-outbound")?.clone(),
            greeting_inbound: list("greeting-inbound")?.clone(),
            agenda: list("agenda")?.clone(),
            stranger_joins: list("stranger-joins")?.clone(),
            stranger_asks: list("stranger-asks")?.clone(),
            follow_ups: list("follow-ups")?.clone(),
        })
    }
}
