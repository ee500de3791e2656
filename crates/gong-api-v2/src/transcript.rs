//! `POST /v2/calls/transcript`, and Gong's transcript JSON as an import format.

use serde::{Deserialize, Serialize};

use parley_domain as d;

use crate::calls::CallsFilter;
use crate::null_as_default;

/// Body of `POST /v2/calls/transcript`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptRequest {
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub filter: CallsFilter,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SentenceWire {
    pub start: i64,
    pub end: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonologueWire {
    pub speaker_id: String,
    #[serde(default)]
    pub topic: Option<String>,
    pub sentences: Vec<SentenceWire>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallTranscript {
    pub call_id: String,
    pub transcript: Vec<MonologueWire>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

impl TranscriptResponse {
    /// This page's bytes around its transcripts (see [`crate::PageFrame`]).
    pub fn frame(request_id: &str, records: &crate::Records) -> crate::PageFrame {
        crate::PageFrame::new(request_id, records, "callTranscripts")
    }
}

/// [`SentenceWire`] over borrowed text: the same bytes.
#[derive(Serialize, utoipa::ToSchema)]
struct SentenceRef<'a> {
    start: i64,
    end: i64,
    text: &'a str,
}

/// One call's [`CallTranscript`] JSON written a sentence at a time, so a transcript read
/// in chunks is never held whole: the bytes are those of serialising
/// [`CallTranscript::from_domain`] of the whole transcript.
pub struct TranscriptJson {
    out: Vec<u8>,
    /// The monologue being written (the store's number for it), once one is open.
    monologue: Option<i64>,
}

impl TranscriptJson {
    /// Starts the call's JSON; `capacity` is a guess of its size.
    pub fn new(call: d::CallId, capacity: usize) -> TranscriptJson {
        let mut out = Vec::with_capacity(capacity);
        out.extend_from_slice(b"{\"callId\":\"");
        out.extend_from_slice(call.to_string().as_bytes());
        out.extend_from_slice(b"\",\"transcript\":[");
        TranscriptJson {
            out,
            monologue: None,
        }
    }

    /// Adds the next sentence, in transcript order; a new `monologue` number starts a
    /// monologue, spoken by `speaker` under `topic`.
    pub fn sentence(
        &mut self,
        monologue: i64,
        speaker: d::SpeakerId,
        topic: Option<&str>,
        s: &d::Sentence,
    ) -> Result<(), String> {
        self.sentence_parts(monologue, speaker, topic, s.start_ms, s.end_ms, &s.text)
    }

    /// [`TranscriptJson::sentence`] from the sentence's parts.
    pub fn sentence_parts(
        &mut self,
        monologue: i64,
        speaker: d::SpeakerId,
        topic: Option<&str>,
        start_ms: i64,
        end_ms: i64,
        text: &str,
    ) -> Result<(), String> {
        let failed = |e: serde_json::Error| format!("rendering a transcript: {e}");
        if self.monologue == Some(monologue) {
            self.out.push(b',');
        } else {
            if self.monologue.is_some() {
                self.out.extend_from_slice(b"]},");
            }
            self.monologue = Some(monologue);
            self.out.extend_from_slice(b"{\"speakerId\":\"");
            self.out.extend_from_slice(speaker.to_string().as_bytes());
            self.out.extend_from_slice(b"\",\"topic\":");
            serde_json::to_writer(&mut self.out, &topic).map_err(failed)?;
            self.out.extend_from_slice(b",\"sentences\":[");
        }
        let sentence = SentenceRef {
            start: start_ms,
            end: end_ms,
            text,
        };
        serde_json::to_writer(&mut self.out, &sentence).map_err(failed)
    }

    /// Closes the JSON.
    pub fn finish(mut self) -> Vec<u8> {
        if self.monologue.is_some() {
            self.out.extend_from_slice(b"]}");
        }
        self.out.extend_from_slice(b"]}");
        self.out
    }
}

/// The shapes of Gong transcript JSON people have on disk: a whole
/// `/v2/calls/transcript` response, one `{callId, transcript}` entry, or the bare
/// monologue list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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

    fn transcript() -> d::Transcript {
        let sentence = |start: i64, text: &str| d::Sentence {
            start_ms: start,
            end_ms: start + 900,
            text: text.into(),
            words: vec![],
        };
        vec![
            d::Monologue {
                speaker_id: d::SpeakerId(11),
                topic: Some("Pricing \"Q3\"".into()),
                sentences: vec![sentence(0, "Hi"), sentence(1000, "Tab\there, \u{3000}é?")],
            },
            d::Monologue {
                speaker_id: d::SpeakerId(12),
                topic: None,
                sentences: vec![sentence(2000, "\u{1}control")],
            },
            d::Monologue {
                speaker_id: d::SpeakerId(11),
                topic: None,
                sentences: vec![sentence(3000, "Back")],
            },
        ]
    }

    /// Written a sentence at a time, a transcript is the very bytes of the typed wire
    /// struct, and a page of them those of the typed response.
    #[test]
    fn a_transcript_written_by_sentence_is_the_typed_json() {
        for t in [transcript(), vec![]] {
            let mut w = TranscriptJson::new(d::CallId(7), 0);
            for (i, m) in t.iter().enumerate() {
                for s in &m.sentences {
                    w.sentence(i as i64 * 3, m.speaker_id, m.topic.as_deref(), s)
                        .unwrap();
                }
            }
            let typed = CallTranscript::from_domain(d::CallId(7), &t);
            let written = w.finish();
            assert_eq!(
                String::from_utf8(written.clone()).unwrap(),
                serde_json::to_string(&typed).unwrap()
            );

            for cursor in [None, Some("c".to_owned())] {
                let records = crate::Records {
                    total_records: 3,
                    current_page_size: 2,
                    current_page_number: 0,
                    cursor,
                };
                let whole = TranscriptResponse {
                    request_id: "r".into(),
                    records: records.clone(),
                    call_transcripts: vec![typed.clone(), typed.clone()],
                };
                let frame = TranscriptResponse::frame("r", &records);
                assert_eq!(
                    String::from_utf8(frame.join(&[&written, &written])).unwrap(),
                    serde_json::to_string(&whole).unwrap()
                );
                let none = TranscriptResponse {
                    call_transcripts: vec![],
                    ..whole
                };
                assert_eq!(frame.join::<&[u8]>(&[]), serde_json::to_vec(&none).unwrap());
            }
        }
    }
}
