//! The optional LLM summary engine's pure half: the prompt it sends and how its answer
//! becomes a [`Summary`]. The HTTP call to the operator's OpenAI-compatible endpoint lives
//! in the server; nothing here does IO.
//!
//! The model sees the transcript as numbered lines (`[12] 03:25 Customer (Dana): ...`)
//! and answers with line numbers, so every item it returns is tied to a moment of the
//! call; items citing a line that does not exist are dropped.

use serde::Deserialize;

use crate::summary::{EngineInfo, Highlight, Moment, Outcome, Summary};
use crate::CallInput;

pub const LLM_VERSION: &str = "1";

/// Outcomes the model may choose from; the same set as the extractive engine's.
pub const OUTCOMES: &[(&str, &str, &str)] = &[
    ("meeting-scheduled", "Positive", "Meeting Scheduled"),
    ("follow-up-agreed", "Positive", "Follow-up Agreed"),
    ("not-interested", "Negative", "Not Interested"),
    ("voicemail", "No Answer", "Voicemail"),
    ("no-decision", "Neutral", "No Decision"),
];

pub const SYSTEM_PROMPT: &str = "You summarise sales calls for the sales team. Use only what \
the transcript says; never invent names, numbers or dates. Answer with one JSON object and \
nothing else.";

/// One transcript line as the model sees it.
struct Line<'a> {
    start_ms: i64,
    end_ms: i64,
    speaker: parley_domain::SpeakerId,
    text: &'a str,
}

fn lines<'a>(call: &CallInput<'a>) -> Vec<Line<'a>> {
    call.transcript
        .iter()
        .flat_map(|m| {
            m.sentences.iter().map(move |s| Line {
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: m.speaker_id,
                text: s.text.as_str(),
            })
        })
        .collect()
}

fn clock(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// The user prompt for one call. `max_chars` bounds the transcript part (long calls are
/// cut at a line boundary, and the prompt says so).
pub fn prompt(call: &CallInput<'_>, max_chars: usize) -> String {
    let mut transcript = String::new();
    let all = lines(call);
    let mut cut = false;
    for (i, l) in all.iter().enumerate() {
        let side = if call.is_company(l.speaker) {
            "Company"
        } else {
            "Customer"
        };
        let line = format!(
            "[{i}] {} {side} {}: {}\n",
            clock(l.start_ms),
            l.speaker,
            l.text.trim()
        );
        if transcript.len() + line.len() > max_chars {
            cut = true;
            break;
        }
        transcript.push_str(&line);
    }
    let outcomes = OUTCOMES
        .iter()
        .map(|(id, _, name)| format!("\"{id}\" ({name})"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Transcript of a sales call{}. Each line: [line number] time side speaker-id: text.\n\n\
         {transcript}\n\
         Return a JSON object with these keys:\n\
         \"brief\": 2-4 sentences of plain prose: what the call was about and how it ended.\n\
         \"key_points\": up to 7 objects {{\"text\": one short sentence, \"line\": the line number it comes from}}.\n\
         \"next_steps\": the commitments and follow-ups agreed, as objects {{\"text\", \"line\"}}; [] when none.\n\
         \"outcome\": one of {outcomes}.",
        if cut { " (cut short: only its beginning fits)" } else { "" }
    )
}

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    brief: Option<String>,
    #[serde(default)]
    key_points: Vec<Item>,
    #[serde(default)]
    next_steps: Vec<Item>,
    #[serde(default)]
    outcome: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Item {
    text: String,
    line: Option<usize>,
}

/// The JSON object inside a model's reply (models sometimes wrap it in a code fence or
/// a sentence).
fn json_object(reply: &str) -> Option<&str> {
    let start = reply.find('{')?;
    let end = reply.rfind('}')?;
    (end > start).then(|| &reply[start..=end])
}

/// Turns the model's reply into a summary. Outline and the topic highlights come from
/// `base` (the extractive summary, which follows the call's topics); brief, key points,
/// next steps and outcome come from the model.
pub fn parse_reply(call: &CallInput<'_>, reply: &str, base: &Summary) -> Result<Summary, String> {
    let json = json_object(reply).ok_or("the model's reply holds no JSON object")?;
    let answer: Answer = serde_json::from_str(json)
        .map_err(|e| format!("the model's reply is not the JSON asked for: {e}"))?;
    let all = lines(call);
    let moment = |item: &Item| -> Option<Moment> {
        let l = all.get(item.line?)?;
        let text = item.text.trim();
        (!text.is_empty()).then(|| Moment {
            text: text.to_owned(),
            start_ms: l.start_ms,
            end_ms: l.end_ms,
            speaker_id: Some(l.speaker),
        })
    };
    let key_points: Vec<Moment> = answer
        .key_points
        .iter()
        .filter_map(moment)
        .take(7)
        .collect();
    let next_steps: Vec<Moment> = answer.next_steps.iter().filter_map(moment).collect();
    let mut highlights: Vec<Highlight> = base
        .highlights
        .iter()
        .filter(|h| !h.title.eq_ignore_ascii_case("next steps"))
        .cloned()
        .collect();
    if !next_steps.is_empty() {
        highlights.insert(
            0,
            Highlight {
                title: "Next steps".into(),
                items: next_steps.clone(),
            },
        );
    }
    let outcome = answer.outcome.as_deref().and_then(|wanted| {
        OUTCOMES
            .iter()
            .find(|(id, _, name)| *id == wanted || name.eq_ignore_ascii_case(wanted))
            .map(|(id, category, name)| Outcome {
                id: (*id).into(),
                category: (*category).into(),
                name: (*name).into(),
            })
    });
    Ok(Summary {
        brief: answer
            .brief
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty()),
        key_points,
        outline: base.outline.clone(),
        highlights,
        next_steps,
        outcome,
    })
}

/// The engine record of an LLM summary.
pub fn engine(model: &str, prompt: &str) -> EngineInfo {
    EngineInfo {
        engine: "llm".into(),
        version: LLM_VERSION.into(),
        model: Some(model.to_owned()),
        prompt: Some(prompt.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Speaker;
    use parley_domain::{Affiliation, Monologue, Sentence, SpeakerId};

    fn call() -> (Vec<Monologue>, Vec<Speaker>) {
        let s = |start: i64, text: &str| Sentence {
            start_ms: start,
            end_ms: start + 2000,
            text: text.into(),
            words: vec![],
        };
        (
            vec![
                Monologue {
                    speaker_id: SpeakerId(1),
                    topic: None,
                    sentences: vec![
                        s(0, "Thanks for joining."),
                        s(2000, "What do you use today?"),
                    ],
                },
                Monologue {
                    speaker_id: SpeakerId(2),
                    topic: None,
                    sentences: vec![s(5000, "We use spreadsheets. Send me a quote by Friday.")],
                },
            ],
            vec![Speaker {
                speaker_id: SpeakerId(1),
                party_id: None,
                user_id: None,
                affiliation: Affiliation::Internal,
            }],
        )
    }

    #[test]
    fn prompt_numbers_lines_and_names_sides() {
        let (t, sp) = call();
        let input = CallInput {
            transcript: &t,
            speakers: &sp,
            host: None,
            language: None,
            duration_ms: None,
        };
        let p = prompt(&input, 10_000);
        assert!(
            p.contains("[1] 00:02 Company 1: What do you use today?"),
            "{p}"
        );
        assert!(
            p.contains("[2] 00:05 Customer 2: We use spreadsheets."),
            "{p}"
        );
        assert!(!p.contains("cut short"));
        let short = prompt(&input, 60);
        assert!(
            short.contains("cut short") && !short.contains("[1]"),
            "{short}"
        );
    }

    #[test]
    fn reply_items_point_at_their_lines_and_bad_ones_are_dropped() {
        let (t, sp) = call();
        let input = CallInput {
            transcript: &t,
            speakers: &sp,
            host: None,
            language: None,
            duration_ms: None,
        };
        let reply = "Here you go:\n```json\n{\"brief\": \" A first call. \", \
            \"key_points\": [{\"text\": \"They use spreadsheets\", \"line\": 2}, {\"text\": \"ghost\", \"line\": 99}], \
            \"next_steps\": [{\"text\": \"Send a quote by Friday\", \"line\": 2}], \
            \"outcome\": \"follow-up-agreed\"}\n```";
        let s = parse_reply(&input, reply, &Summary::default()).unwrap();
        assert_eq!(s.brief.as_deref(), Some("A first call."));
        assert_eq!(s.key_points.len(), 1);
        assert_eq!(s.key_points[0].start_ms, 5000);
        assert_eq!(s.next_steps[0].speaker_id, Some(SpeakerId(2)));
        assert_eq!(s.highlights[0].title, "Next steps");
        assert_eq!(s.outcome.unwrap().category, "Positive");
        assert!(parse_reply(&input, "no json here", &Summary::default()).is_err());
        assert!(parse_reply(&input, "{\"key_points\": 3}", &Summary::default()).is_err());
    }
}
