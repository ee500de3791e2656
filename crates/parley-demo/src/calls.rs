//! Planning the calls: when each meeting of each account is held, by whom, on which
//! tool, for how long, and the CRM context it carries.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::json;

use parley_domain::{CrmLink, CrmSystem, Direction, Timestamp};

use crate::data::{Demo, Kind, Region};

/// One call as planned, before its parties and transcript.
pub(crate) struct CallPlan {
    pub start: Timestamp,
    pub scheduled: Option<(Timestamp, Timestamp)>,
    pub duration_s: i64,
    pub workspace: usize,
    pub kind: Kind,
    pub account: usize,
    pub primary: usize,
    pub colleague: Option<usize>,
    pub contacts: Vec<usize>,
    pub direction: Direction,
    pub provider: &'static str,
    pub meeting_url: Option<String>,
    pub disposition: Option<String>,
    pub context: Vec<CrmLink>,
    pub stranger: Option<String>,
}

/// The CRM ids of one account, fixed for the whole demo so that calls share objects.
pub(crate) struct AccountIds {
    pub account: String,
    pub opportunity: String,
    pub contacts: Vec<String>,
    /// When the open opportunity is expected to close, days after `now`.
    pub close_in_days: i64,
}

/// A Salesforce-style 18-character id: 3-character key prefix, pod and record part, and
/// the case-encoding suffix Salesforce computes for the 15-character form.
pub(crate) fn salesforce_id(rng: &mut StdRng, prefix: &str) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = format!("{prefix}5e0000");
    while id.len() < 15 {
        id.push(BASE62[rng.gen_range(0..BASE62.len())] as char);
    }
    const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let bytes = id.as_bytes().to_vec();
    for chunk in bytes.chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        id.push(SUFFIX[bits] as char);
    }
    id
}

pub(crate) fn sf(
    object_type: &str,
    object_id: &str,
    fields: Vec<(&str, serde_json::Value)>,
) -> CrmLink {
    CrmLink {
        // The demo company's CRM is a generic integration (`parley_app::crm_demo`
        // uploads these objects), so its calls link to it.
        system: CrmSystem::Generic,
        object_type: object_type.to_owned(),
        object_id: object_id.to_owned(),
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn local_date(now: Timestamp, tz: Tz, days_ago: i64) -> NaiveDate {
    now.with_timezone(&tz).date_naive() - Duration::days(days_ago)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn at_local(tz: Tz, date: NaiveDate, minutes: i64) -> Timestamp {
    let naive = date.and_time(NaiveTime::MIN) + Duration::minutes(minutes);
    let local = tz.from_local_datetime(&naive);
    local
        .earliest()
        .or_else(|| local.latest())
        .expect("business hours exist every day")
        .to_utc()
}

/// How a kind of call is held: direction, provider, whether it was scheduled, minutes.
fn medium(
    rng: &mut StdRng,
    kind: Kind,
    region: Region,
) -> (Direction, &'static str, bool, std::ops::RangeInclusive<i64>) {
    use Kind::*;
    let video = match region {
        Region::NorthAmerica => *["zoom", "zoom", "meet"].choose(rng).unwrap(),
        Region::Emea => *["teams", "teams", "zoom"].choose(rng).unwrap(),
    };
    match kind {
        Prospecting => {
            let dialer = if region == Region::NorthAmerica && rng.gen_bool(0.5) {
                "outreach"
            } else {
                "ringcentral"
            };
            (Direction::Outbound, dialer, false, 5..=14)
        }
        Discovery => (Direction::Conference, video, true, 24..=42),
        Demo => (Direction::Conference, video, true, 40..=60),
        Negotiation if rng.gen_bool(0.4) => (Direction::Outbound, "ringcentral", false, 12..=28),
        Negotiation => (Direction::Conference, video, true, 20..=36),
        Won => (Direction::Conference, video, true, 12..=22),
        Lost => (Direction::Inbound, "ringcentral", false, 6..=12),
        Kickoff => (Direction::Conference, "zoom", true, 45..=60),
        CheckIn => (
            Direction::Conference,
            *["zoom", "meet"].choose(rng).unwrap(),
            true,
            15..=30,
        ),
        Qbr => (
            Direction::Conference,
            *["zoom", "webex"].choose(rng).unwrap(),
            true,
            45..=60,
        ),
        Renewal => (Direction::Conference, "zoom", true, 25..=40),
        Escalation => (Direction::Inbound, "ringcentral", false, 8..=20),
    }
}

fn meeting_url(rng: &mut StdRng, provider: &str, webex_url: &str) -> Option<String> {
    let letters = |rng: &mut StdRng, n: usize| -> String {
        (0..n).map(|_| rng.gen_range(b'a'..=b'z') as char).collect()
    };
    match provider {
        "zoom" => Some(format!(
            "https://zoom.us/j/{}",
            rng.gen_range(81_000_000_000u64..99_999_999_999)
        )),
        "meet" => Some(format!(
            "https://meet.google.com/{}-{}-{}",
            letters(rng, 3),
            letters(rng, 4),
            letters(rng, 3)
        )),
        "teams" => Some(format!(
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0",
            (0..32)
                .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap())
                .collect::<String>()
        )),
        "webex" => Some(format!(
            "{webex_url}{}",
            rng.gen_range(2_000_000_000u64..2_999_999_999)
        )),
        _ => None,
    }
}

/// The calls of the demo in time order, and the CRM ids of each account.
pub(crate) fn plan_calls(
    demo: &Demo,
    rng: &mut StdRng,
    now: Timestamp,
) -> (Vec<CallPlan>, Vec<AccountIds>) {
    use Kind::*;
    let ids: Vec<AccountIds> = demo
        .accounts
        .iter()
        .map(|a| AccountIds {
            account: salesforce_id(rng, "001"),
            opportunity: salesforce_id(rng, "006"),
            contacts: a
                .contacts
                .iter()
                .map(|_| salesforce_id(rng, "003"))
                .collect(),
            close_in_days: rng.gen_range(21..=80),
        })
        .collect();

    // (user, date, half-hour slot) already taken, so nobody is on two calls at once.
    let mut busy: HashSet<(usize, NaiveDate, i64)> = HashSet::new();
    let mut plans = Vec::new();
    for (ai, account) in demo.accounts.iter().enumerate() {
        let home = match account.region {
            Region::NorthAmerica => demo.north_america,
            Region::Emea => demo.emea,
        };
        let home_tz = demo.workspaces[home].tz;
        let weekdays: Vec<i64> = (1..demo.window_days)
            .filter(|d| !is_weekend(local_date(now, home_tz, *d)))
            .collect();
        let mut days: Vec<i64> = weekdays
            .choose_multiple(rng, account.meetings.len())
            .copied()
            .collect();
        days.sort_unstable_by(|a, b| b.cmp(a));
        let mut closed_on: Option<NaiveDate> = None;

        for (mi, (&kind, &days_ago)) in account.meetings.iter().zip(&days).enumerate() {
            let spec = demo.kind(kind);
            let workspace = if kind.is_customer_success() {
                demo.customer_success
            } else {
                home
            };
            let tz = demo.workspaces[workspace].tz;
            let mut days_ago = days_ago;
            while is_weekend(local_date(now, tz, days_ago)) {
                days_ago = if days_ago > 1 {
                    days_ago - 1
                } else {
                    days_ago + 2
                };
            }
            let date = local_date(now, tz, days_ago);

            let primary = match kind {
                Prospecting => account.sdr.unwrap_or(account.ae),
                k if k.is_customer_success() => account.csm.unwrap_or(account.ae),
                _ => account.ae,
            };
            let manager = demo.users[account.ae].manager.unwrap_or(demo.vp);
            let colleague = match kind {
                Prospecting | Lost => None,
                Discovery => match account.sdr {
                    Some(sdr) if rng.gen_bool(0.5) => Some(sdr),
                    _ => rng.gen_bool(0.3).then_some(manager),
                },
                Demo => Some(demo.sales_engineer),
                Negotiation => Some(if account.seats >= 80 {
                    demo.vp
                } else {
                    manager
                }),
                Won => account.csm,
                Kickoff | Renewal => Some(account.ae),
                CheckIn => rng.gen_bool(0.3).then_some(account.ae),
                Qbr => rng.gen_bool(0.6).then_some(account.ae),
                Escalation => rng.gen_bool(0.5).then_some(demo.sales_engineer),
            }
            .filter(|c| *c != primary);

            let n = account.contacts.len();
            let mut contacts = match kind {
                Prospecting | Won | Lost | CheckIn => vec![0],
                Discovery => {
                    if rng.gen_bool(0.5) {
                        vec![0, 1]
                    } else {
                        vec![0]
                    }
                }
                Demo => {
                    let mut c = vec![0, n - 1];
                    if n > 2 && rng.gen_bool(0.4) {
                        c.push(1);
                    }
                    c
                }
                Negotiation => {
                    if rng.gen_bool(0.6) {
                        vec![1, 0]
                    } else {
                        vec![1]
                    }
                }
                Kickoff => (0..n.min(3)).filter(|i| *i != 1).collect(),
                Qbr => {
                    let mut c = vec![0, 1];
                    if n > 2 && rng.gen_bool(0.3) {
                        c.push(2);
                    }
                    c
                }
                Renewal => vec![1, 0],
                Escalation => vec![rng.gen_range(0..n)],
            };
            contacts.dedup();

            let (direction, provider, scheduled, minutes) = medium(rng, kind, account.region);
            let duration_s = rng.gen_range(*minutes.start() * 60..=*minutes.end() * 60);
            let slots = (duration_s + 1799) / 1800;
            let people: Vec<usize> = std::iter::once(primary).chain(colleague).collect();
            // Half-hour slots from 9:00; the call ends by 18:00.
            let mut slot = 18;
            for _ in 0..40 {
                slot = rng.gen_range(18..=(36 - slots));
                let free = people
                    .iter()
                    .all(|p| (slot..slot + slots).all(|s| !busy.contains(&(*p, date, s))));
                if free {
                    break;
                }
            }
            for p in &people {
                for s in slot..slot + slots {
                    busy.insert((*p, date, s));
                }
            }
            let (start, scheduled) = if scheduled {
                let planned = at_local(tz, date, slot * 30);
                let length = Duration::minutes(((duration_s + 899) / 900) * 15);
                let late = Duration::seconds(rng.gen_range(0..=150));
                (planned + late, Some((planned, planned + length)))
            } else {
                let start =
                    at_local(tz, date, slot * 30) + Duration::seconds(rng.gen_range(0..1500));
                (start, None)
            };

            // CRM context as it stood on the day of the call.
            let crm = &ids[ai];
            let mut context = vec![sf(
                "Account",
                &crm.account,
                vec![
                    ("Name", json!(account.name)),
                    ("Website", json!(format!("https://www.{}", account.domain))),
                    ("Industry", json!(account.industry)),
                    ("AnnualRevenue", json!(account.revenue)),
                ],
            )];
            if let Some((stage, probability)) = &spec.stage {
                if matches!(kind, Won | Lost) {
                    closed_on = Some(date);
                }
                let close_date = match closed_on {
                    Some(d) if !account.customer => d,
                    _ => local_date(now, tz, -crm.close_in_days),
                };
                let (name, kind_of_deal, amount) = if account.customer {
                    (
                        format!("{} – Renewal {}", account.name, close_date.year()),
                        "Renewal",
                        account.seats * (demo.price_per_seat - 50),
                    )
                } else {
                    let discount = if matches!(kind, Negotiation | Won | Kickoff) {
                        90
                    } else {
                        100
                    };
                    (
                        format!("{} – Conversation Intelligence", account.name),
                        "New Business",
                        account.seats * demo.price_per_seat * discount / 100,
                    )
                };
                context.push(sf(
                    "Opportunity",
                    &crm.opportunity,
                    vec![
                        ("Name", json!(name)),
                        ("StageName", json!(stage)),
                        ("Amount", json!(amount)),
                        (
                            "CloseDate",
                            json!(close_date.format("%Y-%m-%d").to_string()),
                        ),
                        ("Probability", json!(probability)),
                        ("LeadSource", json!(account.lead_source)),
                        ("Type", json!(kind_of_deal)),
                    ],
                ));
            }

            plans.push(CallPlan {
                start,
                scheduled,
                duration_s,
                workspace,
                kind,
                account: ai,
                primary,
                colleague,
                contacts,
                direction,
                provider,
                meeting_url: meeting_url(rng, provider, &demo.webex_url),
                disposition: spec.dispositions.choose(rng).cloned(),
                context,
                stranger: account
                    .stranger
                    .as_ref()
                    .filter(|(i, _)| *i == mi)
                    .map(|(_, name)| name.clone()),
            });
        }
    }
    plans.sort_by_key(|p| p.start);
    (plans, ids)
}
