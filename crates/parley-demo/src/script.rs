//! Conversations: a call's lines from the exchanges of `data/scripts.toml`, and the
//! WebVTT that lays them over the call.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use parley_domain::Direction;

use crate::data::{Demo, Exchange, Kind, Role, Who};

/// The people of one call, by display name, as the transcript voices them.
pub(crate) struct Cast {
    pub host: String,
    pub colleague: Option<String>,
    pub colleague_role: Option<Role>,
    pub customers: Vec<String>,
    pub stranger: Option<String>,
}

/// The values of the placeholders of `data/scripts.toml`.
pub(crate) struct Vars {
    pub me: String,
    pub c: String,
    pub co: String,
    pub comp: String,
    pub day: String,
    pub price: String,
    pub seats: String,
    pub industry: String,
}

pub(crate) fn fill(template: &str, v: &Vars) -> String {
    template
        .replace("{me}", &v.me)
        .replace("{c}", &v.c)
        .replace("{co}", &v.co)
        .replace("{comp}", &v.comp)
        .replace("{day}", &v.day)
        .replace("{price}", &v.price)
        .replace("{seats}", &v.seats)
        .replace("{industry}", &v.industry)
}

fn first_name(full: &str) -> &str {
    full.split(' ').next().unwrap_or(full)
}

/// A plausible conversation of `kind` with about `target` lines, as (speaker, text).
pub(crate) fn script(
    demo: &Demo,
    rng: &mut StdRng,
    kind: Kind,
    direction: Direction,
    cast: &Cast,
    vars: &Vars,
    target: usize,
) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let speaker = |rng: &mut StdRng, who: Who| -> String {
        match who {
            Who::Host => cast.host.clone(),
            Who::Expert => cast.colleague.clone().unwrap_or_else(|| cast.host.clone()),
            Who::Customer => cast.customers[0].clone(),
            Who::SecondCustomer => cast.customers.get(1).unwrap_or(&cast.customers[0]).clone(),
            Who::AnyCustomer => cast
                .customers
                .choose(rng)
                .expect("calls have customers")
                .clone(),
            Who::Stranger => cast
                .stranger
                .clone()
                .unwrap_or_else(|| cast.customers[0].clone()),
        }
    };
    let say = |rng: &mut StdRng, lines: &mut Vec<(String, String)>, ex: &Exchange| {
        for line in ex {
            let who = speaker(rng, line.who);
            let text = fill(line.say.choose(rng).expect("lines have text"), vars);
            lines.push((who, text));
        }
    };

    // Opening.
    let greeting = match direction {
        Direction::Outbound => &demo.greeting_outbound,
        Direction::Inbound => &demo.greeting_inbound,
        _ => &demo.greeting_video,
    };
    for ex in greeting {
        say(rng, &mut lines, ex);
    }
    if let (Some(name), Some(role)) = (&cast.colleague, cast.colleague_role) {
        let first = first_name(name);
        lines.push((
            cast.host.clone(),
            demo.brought_in.replace("{colleague}", first),
        ));
        lines.push((name.clone(), demo.intro(role).replace("{colleague}", first)));
    }
    if cast.stranger.is_some() {
        for ex in &demo.stranger_joins {
            say(rng, &mut lines, ex);
        }
    }
    if direction == Direction::Conference {
        for ex in &demo.agenda {
            say(rng, &mut lines, ex);
        }
    }

    // Closing, written now so the body knows how much room it has.
    let spec = demo.kind(kind);
    let closing_lines = &demo.closing;
    let mut closing: Vec<(String, String)> = Vec::new();
    let step = fill(spec.next_steps.choose(rng).unwrap(), vars);
    closing.push((cast.host.clone(), step));
    closing.push((
        cast.customers[0].clone(),
        fill(closing_lines.thanks.choose(rng).unwrap(), vars),
    ));
    let group = cast.customers.len()
        + usize::from(cast.colleague.is_some())
        + usize::from(cast.stranger.is_some())
        > 1;
    let bye = if group {
        &closing_lines.bye_group
    } else {
        &closing_lines.bye_one
    };
    closing.push((cast.host.clone(), fill(bye.choose(rng).unwrap(), vars)));
    closing.push((
        cast.customers[0].clone(),
        fill(closing_lines.bye_back.choose(rng).unwrap(), vars),
    ));

    // Body: each exchange at most once, with follow-ups between, the opener first and
    // the closer last.
    let mut middle: Vec<&Exchange> = spec.middle.iter().collect();
    middle.shuffle(rng);
    if cast.stranger.is_some() {
        let at = middle.len() / 2;
        for (k, ex) in demo.stranger_asks.iter().enumerate() {
            middle.insert(at + k, ex);
        }
    }
    let mut follow_ups: Vec<&Exchange> = demo.follow_ups.iter().collect();
    follow_ups.shuffle(rng);
    let mut follow_ups = follow_ups.into_iter().cycle();
    let closer_len = spec.closer.as_ref().map_or(0, Vec::len);
    let room = target.saturating_sub(closing.len() + closer_len);
    say(rng, &mut lines, &spec.opener);
    for ex in middle {
        if lines.len() + ex.len() > room {
            break;
        }
        say(rng, &mut lines, ex);
        if rng.gen_bool(0.2) {
            let f = follow_ups.next().unwrap();
            if lines.len() + f.len() <= room {
                say(rng, &mut lines, f);
            }
        }
    }
    // Short calls with few topics still get a realistic length.
    while lines.len() + 2 <= room && lines.len() + closing.len() + closer_len < 20 {
        say(rng, &mut lines, follow_ups.next().unwrap());
    }
    if let Some(ex) = &spec.closer {
        say(rng, &mut lines, ex);
    }
    lines.extend(closing);
    lines
}

fn vtt_time(ms: i64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn vtt_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Lays the lines over the call: speech starts a few seconds in, ends a few seconds
/// before the end, and each line takes time in proportion to its length.
pub(crate) fn webvtt(rng: &mut StdRng, lines: &[(String, String)], duration_s: i64) -> String {
    let total_ms = duration_s * 1000;
    let lead = rng.gen_range(1_500..6_000);
    let tail = rng.gen_range(2_000..8_000);
    let available = total_ms - lead - tail;
    let weights: Vec<i64> = lines
        .iter()
        .map(|(_, t)| t.split_whitespace().count() as i64 + 3)
        .collect();
    let sum: i64 = weights.iter().sum();
    let mut out = String::from("WEBVTT\n\n");
    let mut at = lead;
    for (i, ((who, text), w)) in lines.iter().zip(&weights).enumerate() {
        let span = available * w / sum;
        let gap = (span / 5).min(rng.gen_range(150..700));
        out.push_str(&format!(
            "{}\n{} --> {}\n<v {}>{}\n\n",
            i + 1,
            vtt_time(at),
            vtt_time(at + span - gap),
            who,
            vtt_escape(text)
        ));
        at += span;
    }
    out
}
