//! `POST /v2/calls/transcript`, and Gong's transcript JSON as an import format.

use serde::{Deserialize, Serialize};

use parley_domain as d;

use crate::calls::CallsFilter;
use crate::null_as_default;

/// Body of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptRequest {
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub filter: CallsFilter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceWire {
    pub start: i64,
    pub end: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonologueWire {
    pub speaker_id: String,
    #[serde(default)]
    pub topic: Option<String>,
    pub sentences: Vec<SentenceWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    pub call_id: String,
    pub transcript: Vec<MonologueWire>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptResponse {
    pub request_id: String,
    pub records: crate::Records,
    pub call_transcripts: Vec<CallTranscript>,
}

impl CallTranscript {
    pub fn from_domain(call: d::CallId, t: &d::Transcript) -> Self {
        CallTranscript {
            call_id: call.to_string(),
            transcript: t
                .iter()
                .map(|m| MonologueWire {
                    speaker_id: m.speaker_id.to_string(),
                    topic: m.topic.clone(),
                    sentences: m
                        .sentences
                        .iter()
                        .map(|s| SentenceWire {
                            start: s.start_ms,
                            end: s.end_ms,
                            text: s.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The shapes of Gong transcript JSON people have on disk: a whole
/// `/v2/calls/transcript` response, one `{callId, transcript}` entry, or the bare
/// monologue list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum GongTranscriptFile {
    Response {
        #[serde(rename = "callTranscripts")]
        call_transcripts: Vec<CallTranscript>,
    },
    One(CallTranscript),
    Bare(Vec<MonologueWire>),
}

/// Reads Gong transcript JSON into cues. When the file holds several calls, the one
/// whose `callId` equals `call_id` is taken, or the only one.
pub fn parse_gong_transcript(bytes: &[u8], call_id: Option<&str>) -> Result<Vec<d::Cue>, String> {
    let file: GongTranscriptFile = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "not Gong transcript JSON ({e}); expected {{\"callTranscripts\":[...]}}, \
             {{\"callId\",\"transcript\":[...]}} or a list of monologues"
        )
    })?;
    let monologues = match file {
        GongTranscriptFile::Bare(m) => m,
        GongTranscriptFile::One(t) => t.transcript,
        GongTranscriptFile::Response { call_transcripts } => {
            let chosen = match call_id {
                Some(id) if call_transcripts.len() > 1 => {
                    call_transcripts.into_iter().find(|t| t.call_id == id)
                }
                _ if call_transcripts.len() == 1 => call_transcripts.into_iter().next(),
                _ => None,
            };
            chosen
                .ok_or_else(|| {
                    "the file holds several calls and none has this call's callId".to_owned()
                })?
                .transcript
        }
    };
    let mut cues = Vec::new();
    for (i, m) in monologues.into_iter().enumerate() {
        for (j, s) in m.sentences.into_iter().enumerate() {
            if s.start < 0 || s.end < s.start {
                return Err(format!(
                    "transcript[{i}].sentences[{j}]: start {} and end {} must satisfy 0 <= start <= end (milliseconds)",
                    s.start, s.end
                ));
            }
            cues.push(d::Cue {
                speaker: Some(d::SpeakerLabel::Id(m.speaker_id.clone())),
                start_ms: s.start,
                end_ms: s.end,
                text: s.text,
                topic: m.topic.clone(),
            });
        }
    }
    Ok(cues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_three_shapes() {
        let mono = r#"[{"speakerId":"11","topic":"Pricing","sentences":[{"start":0,"end":900,"text":"Hi"}]}]"#;
        let one = format!(r#"{{"callId":"5","transcript":{mono}}}"#);
        let resp = format!(r#"{{"requestId":"x","callTranscripts":[{one}]}}"#);
        for body in [mono.to_owned(), one, resp] {
            let cues = parse_gong_transcript(body.as_bytes(), Some("5")).unwrap();
            assert_eq!(cues.len(), 1);
            assert_eq!(cues[0].speaker, Some(d::SpeakerLabel::Id("11".into())));
            assert_eq!(cues[0].topic.as_deref(), Some("Pricing"));
        }
    }

    #[test]
    fn names_the_bad_sentence() {
        let bad = r#"[{"speakerId":"1","sentences":[{"start":0,"end":5,"text":"a"},{"start":9,"end":3,"text":"b"}]}]"#;
        let err = parse_gong_transcript(bad.as_bytes(), None).unwrap_err();
        assert!(err.starts_with("transcript[0].sentences[1]"), "{err}");
        assert!(parse_gong_transcript(b"{\"x\":1}", None).is_err());
    }
}
