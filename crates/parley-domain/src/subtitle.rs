//! Reading WebVTT and SRT caption files into [`Cue`]s.
//!
//! Customers upload the transcripts their meeting tools export (Zoom, Microsoft Teams,
//! Google Meet, generic caption editors) instead of Gong's transcript JSON. Those files
//! follow the formats loosely, so this parser is strict only where a mistake would
//! silently corrupt the transcript (timing) and forgiving everywhere else. Speakers are
//! recovered from whichever convention the tool uses, because a transcript without
//! voices is of little use for conversation analysis.

use crate::transcript::{Cue, SpeakerLabel};

/// The caption formats meeting tools export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubtitleFormat {
    WebVtt,
    Srt,
}

/// Why a caption file could not be read.
///
/// The line number is given because users fix these files by hand in a text editor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SubtitleError {
    /// 1-based, counting CRLF and lone CR as one line break each.
    pub line: usize,
    /// Lowercase, without a trailing period, so that it reads well after a prefix.
    pub message: String,
}

impl SubtitleError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        SubtitleError {
            line,
            message: message.into(),
        }
    }
}

/// Guesses the format of an upload that came without a trustworthy file name or content
/// type.
///
/// Only the opening of the file is looked at, and only the unambiguous signs count: the
/// `WEBVTT` magic, or an SRT cue number followed by a timing line with comma millis. A
/// numbered file with dot millis could be either, so it gets `None` and the caller has to
/// decide.
pub fn detect_format(text: &str) -> Option<SubtitleFormat> {
    let lines = split_lines(strip_bom(text));
    if lines.first().is_some_and(|l| is_webvtt_header(l)) {
        return Some(SubtitleFormat::WebVtt);
    }
    let first = lines.iter().position(|l| !l.trim().is_empty())?;
    let number = lines[first];
    let timing = lines.get(first + 1)?;
    let (start, _) = timing.split_once("-->")?;
    let start = start.trim();
    (is_cue_number(number) && start.contains(',') && parse_timestamp(start).is_some())
        .then_some(SubtitleFormat::Srt)
}

/// Reads a WebVTT file; see the module documentation for what is tolerated.
///
/// Cues come back in file order, one per voice: a cue in which several people speak is
/// split into cues with the same timing, so that each sentence can be credited.
pub fn parse_webvtt(text: &str) -> Result<Vec<Cue>, SubtitleError> {
    parse(text, SubtitleFormat::WebVtt)
}

/// Reads an SRT file; see [`parse_webvtt`] for the shape of the result.
pub fn parse_srt(text: &str) -> Result<Vec<Cue>, SubtitleError> {
    parse(text, SubtitleFormat::Srt)
}

fn parse(text: &str, format: SubtitleFormat) -> Result<Vec<Cue>, SubtitleError> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(SubtitleError::new(1, "file is empty"));
    }
    let lines = split_lines(text);
    let blocks = blocks(&lines);
    let mut cues = Vec::new();
    let mut rest = blocks.as_slice();
    if format == SubtitleFormat::WebVtt {
        if !is_webvtt_header(lines[0]) {
            return Err(SubtitleError::new(1, "missing webvtt header"));
        }
        // The header ends at the first blank line, but some writers forget that line and
        // start the first cue right away; losing that cue would go unnoticed.
        let (start, header) = blocks[0];
        if let Some(i) = header.iter().skip(1).position(|l| l.contains("-->")) {
            read_block(format, &header[i + 1..], start + i + 1, &mut cues)?;
        }
        rest = &blocks[1..];
    }
    for &(start, block) in rest {
        read_block(format, block, start, &mut cues)?;
    }
    if cues.is_empty() {
        return Err(SubtitleError::new(1, "file has no cues"));
    }
    Ok(cues)
}

/// Reads one blank-line-separated block, which may hold several cues when the writer
/// left out the blank lines between them.
///
/// `start` is the 0-based index of the block's first line.
fn read_block(
    format: SubtitleFormat,
    mut rest: &[&str],
    mut start: usize,
    cues: &mut Vec<Cue>,
) -> Result<(), SubtitleError> {
    while let Some(first) = rest.first() {
        if format == SubtitleFormat::WebVtt && !first.contains("-->") && is_vtt_metadata(first) {
            return Ok(());
        }
        // The timing line is the first line, or the second after a cue identifier/number.
        let Some(timing) = rest.iter().take(2).position(|l| l.contains("-->")) else {
            if let Some(k) = rest.iter().take(2).position(|l| looks_like_timing(l)) {
                return Err(SubtitleError::new(
                    start + k + 1,
                    "timing line is missing \"-->\"",
                ));
            }
            return match format {
                SubtitleFormat::Srt => {
                    Err(SubtitleError::new(start + 1, "block has no timing line"))
                }
                // Unknown WebVTT blocks are reserved for future extensions; skip them.
                SubtitleFormat::WebVtt => Ok(()),
            };
        };
        let (start_ms, end_ms) = parse_timing(rest[timing], start + timing + 1)?;
        let body = &rest[timing + 1..];
        let end = next_cue_start(body).unwrap_or(body.len());
        for (voice, text) in cue_texts(&body[..end]) {
            cues.push(Cue {
                speaker: voice.map(SpeakerLabel::Name),
                start_ms,
                end_ms,
                text,
                topic: None,
            });
        }
        let consumed = timing + 1 + end;
        rest = &rest[consumed..];
        start += consumed;
    }
    Ok(())
}

/// Where a cue that follows without a blank line begins in `body`, bringing its number
/// along when it has one.
fn next_cue_start(body: &[&str]) -> Option<usize> {
    let k = body
        .iter()
        .position(|l| l.contains("-->") && looks_like_timing(l))?;
    Some(if k > 0 && is_cue_number(body[k - 1]) {
        k - 1
    } else {
        k
    })
}

/// Reads `start --> end [settings]`; `line` is 1-based, for errors.
fn parse_timing(text: &str, line: usize) -> Result<(i64, i64), SubtitleError> {
    let (left, right) = text.split_once("-->").unwrap_or((text, ""));
    let start = left.trim();
    // Cue settings (`align:start position:10%`) and SRT coordinates follow the end time;
    // they say how to draw captions, which a transcript does not need.
    let end = right.split_whitespace().next().unwrap_or("");
    let time = |s: &str, which: &str| {
        if s.is_empty() {
            return Err(SubtitleError::new(line, format!("missing {which} time")));
        }
        parse_timestamp(s)
            .ok_or_else(|| SubtitleError::new(line, format!("malformed timestamp \"{s}\"")))
    };
    let start_ms = time(start, "start")?;
    let end_ms = time(end, "end")?;
    if end_ms < start_ms {
        return Err(SubtitleError::new(line, "cue ends before it starts"));
    }
    Ok((start_ms, end_ms))
}

/// A timestamp read from the start of a string.
struct Scanned {
    ms: i64,
    len: usize,
    has_fraction: bool,
}

/// Reads `[h+:]m+:ss[.fff]` at the start of `s`.
///
/// Wider than either specification: hours and minutes of any width, a comma or a dot
/// before the fraction, and one to nine fraction digits, because exporters disagree on
/// all of these and none of it makes the time ambiguous.
fn scan_timestamp(s: &str) -> Option<Scanned> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut fields: Vec<(i64, usize)> = Vec::with_capacity(3);
    loop {
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = i - from;
        if digits == 0 || digits > 10 {
            return None;
        }
        fields.push((s[from..i].parse().ok()?, digits));
        if fields.len() < 3
            && b.get(i) == Some(&b':')
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
        {
            i += 1;
        } else {
            break;
        }
    }
    let (hours, minutes, seconds) = match *fields.as_slice() {
        [(m, _), (s, sd)] if sd <= 2 => (0, m, s),
        [(h, _), (m, md), (s, sd)] if md <= 2 && sd <= 2 && m < 60 => (h, m, s),
        _ => return None,
    };
    if seconds >= 60 {
        return None;
    }
    let mut millis = 0;
    let mut has_fraction = false;
    if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i - from > 9 {
            return None;
        }
        has_fraction = true;
        millis = b[from..i]
            .iter()
            .copied()
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0, |acc, d| acc * 10 + i64::from(d - b'0'));
    }
    let ms = ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
    Some(Scanned {
        ms,
        len: i,
        has_fraction,
    })
}

fn parse_timestamp(s: &str) -> Option<i64> {
    scan_timestamp(s).filter(|t| t.len == s.len()).map(|t| t.ms)
}

/// Whether a line without `-->` was meant as a timing line, so that a broken arrow is
/// reported instead of the cue being dropped. A fraction is required so that text
/// such as "10:30 works for me" is not mistaken for one.
fn looks_like_timing(line: &str) -> bool {
    scan_timestamp(line.trim_start()).is_some_and(|t| t.has_fraction)
}

fn is_cue_number(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
}

fn is_webvtt_header(line: &str) -> bool {
    let line = line.trim_end();
    line.get(..6)
        .is_some_and(|magic| magic.eq_ignore_ascii_case("WEBVTT"))
        && line[6..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

/// Comment, style sheet and region blocks carry nothing a transcript needs.
fn is_vtt_metadata(line: &str) -> bool {
    matches!(
        line.split_whitespace().next(),
        Some("NOTE" | "STYLE" | "REGION")
    )
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Splits on LF, CRLF and lone CR alike: files pass through Windows and old Mac tools.
fn split_lines(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut lines = Vec::new();
    let (mut from, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                lines.push(&text[from..i]);
                i += 1;
                from = i;
            }
            b'\r' => {
                lines.push(&text[from..i]);
                i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                from = i;
            }
            _ => i += 1,
        }
    }
    lines.push(&text[from..]);
    lines
}

/// Groups non-blank lines, with the 0-based index of each group's first line. Lines of
/// only whitespace count as blank, since editors leave stray spaces behind.
fn blocks<'l, 'a>(lines: &'l [&'a str]) -> Vec<(usize, &'l [&'a str])> {
    let mut blocks = Vec::new();
    let mut from = None;
    for (i, line) in lines.iter().enumerate() {
        match (line.trim().is_empty(), from) {
            (false, None) => from = Some(i),
            (true, Some(f)) => {
                blocks.push((f, &lines[f..i]));
                from = None;
            }
            _ => {}
        }
    }
    if let Some(f) = from {
        blocks.push((f, &lines[f..]));
    }
    blocks
}

/// A cue's text split by voice, with markup removed and lines joined by single spaces.
///
/// A voice, once named, carries on to the following lines of the same cue even past
/// `</v>`: Teams closes the tag on every line, and unlabelled continuation text belongs
/// to whoever spoke last far more often than to nobody. It does not carry on to the next
/// cue, because caption tools repeat the name on every cue that has one.
fn cue_texts(lines: &[&str]) -> Vec<(Option<String>, String)> {
    let mut voice: Option<String> = None;
    let mut parts: Vec<(Option<String>, String)> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let pieces = tokenize(line);
        if pieces.iter().any(|p| matches!(p, Piece::Voice(_))) {
            // An explicit voice tag wins over any "Name:" convention in the text.
            for piece in pieces {
                match piece {
                    Piece::Voice(name) => voice = Some(name),
                    Piece::Text(text) => push_text(&mut parts, &voice, &text),
                }
            }
        } else {
            let text: String = pieces
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Text(t) => Some(t),
                    Piece::Voice(_) => None,
                })
                .collect();
            match speaker_prefix(&text, n == 0) {
                Prefix::Speaker(name, rest) => {
                    voice = Some(name.to_owned());
                    push_text(&mut parts, &voice, rest);
                }
                Prefix::Anonymous(rest) => {
                    voice = None;
                    push_text(&mut parts, &voice, rest);
                }
                Prefix::None => push_text(&mut parts, &voice, &text),
            }
        }
        push_text(&mut parts, &voice, " ");
    }

    let mut merged: Vec<(Option<String>, String)> = Vec::new();
    for (voice, text) in parts {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            continue;
        }
        match merged.last_mut() {
            Some((last, so_far)) if *last == voice => {
                so_far.push(' ');
                so_far.push_str(&text);
            }
            _ => merged.push((voice, text)),
        }
    }
    merged
}

fn push_text(parts: &mut Vec<(Option<String>, String)>, voice: &Option<String>, text: &str) {
    match parts.last_mut() {
        Some((last, so_far)) if last == voice => so_far.push_str(text),
        _ => parts.push((voice.clone(), text.to_owned())),
    }
}

enum Piece {
    /// A WebVTT voice tag: who speaks from here on.
    Voice(String),
    /// Text with entities decoded.
    Text(String),
}

/// Splits a line of cue text into voice changes and text, dropping all other markup.
///
/// Besides WebVTT tags this drops SRT's HTML-ish tags (`<i>`, `<font color=..>`) and
/// the ASS override codes (`{\an8}`) that SRT editors leave in. A `<` that cannot start
/// a tag (`a < b`) is kept as text, since SRT does not escape it.
fn tokenize(line: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut raw = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(['<', '{']) {
        let (before, tail) = rest.split_at(i);
        raw.push_str(before);
        let after = &tail[1..];
        let (is_markup, close) = if tail.starts_with('<') {
            (
                after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '/'),
                '>',
            )
        } else {
            (after.starts_with('\\'), '}')
        };
        match after.find(close).filter(|_| is_markup) {
            Some(j) => {
                if close == '>' {
                    if let Some(name) = voice_name(&after[..j]) {
                        pieces.push(Piece::Text(decode_entities(&raw)));
                        raw.clear();
                        pieces.push(Piece::Voice(name));
                    }
                }
                rest = &after[j + 1..];
            }
            None => {
                raw.push_str(&tail[..1]);
                rest = after;
            }
        }
    }
    raw.push_str(rest);
    pieces.push(Piece::Text(decode_entities(&raw)));
    pieces
}

/// The speaker named by a `<v Name>` or `<v.class Name>` tag body, if it names one.
fn voice_name(tag: &str) -> Option<String> {
    let after_v = tag.strip_prefix(['v', 'V'])?;
    if !after_v.starts_with(|c: char| c == '.' || c.is_whitespace()) {
        return None;
    }
    let (_, annotation) = after_v.split_once(char::is_whitespace)?;
    let name = decode_entities(annotation);
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match entity(tail) {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character and byte length of the entity `tail` starts with. Unknown entities
/// stay as they are, because a stray `&` in a caption is far likelier than a typo'd
/// entity.
fn entity(tail: &str) -> Option<(char, usize)> {
    let (end, _) = tail.char_indices().take(12).find(|&(_, c)| c == ';')?;
    let c = match &tail[1..end] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "nbsp" => '\u{a0}',
        "lrm" => '\u{200e}',
        "rlm" => '\u{200f}',
        "quot" => '"',
        "apos" => '\'',
        name => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

enum Prefix<'a> {
    /// The line starts with a speaker's name; the rest of the line follows.
    Speaker(&'a str, &'a str),
    /// A `>>` speaker-change marker without a name: someone else, unknown, speaks.
    Anonymous(&'a str),
    None,
}

/// Finds the "Name: text", "[Name] text" and ">> Name: text" conventions of caption
/// tools that have no voice tags.
///
/// On a cue's first line any plausible name counts, since Zoom and Meet put the
/// speaker there and display names may be lowercase user names. On later lines the
/// name must also be capitalised: wrapped sentence text ("about three things: price")
/// starts lines far more often than a second speaker does.
fn speaker_prefix(text: &str, first_line: bool) -> Prefix<'_> {
    let text = text.trim_start();
    if let Some(after) = text.strip_prefix(">>") {
        let after = after.trim_start();
        return match named_prefix(after, true) {
            Some((name, rest)) => Prefix::Speaker(name, rest),
            None => Prefix::Anonymous(after),
        };
    }
    match named_prefix(text, first_line) {
        Some((name, rest)) => Prefix::Speaker(name, rest),
        None => Prefix::None,
    }
}

fn named_prefix(text: &str, any_case: bool) -> Option<(&str, &str)> {
    let (name, rest, any_case) = if let Some(inner) = text.strip_prefix('[') {
        let (name, rest) = inner.split_once(']')?;
        let rest = rest.trim_start();
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        // "[laughs] right" and "[MUSIC]" are sound descriptions, not speakers; names in
        // brackets are capitalised and followed by what they said.
        if rest.trim().is_empty() || is_sound_description(name) {
            return None;
        }
        (name, rest, false)
    } else {
        let (name, rest) = text.split_once(':')?;
        // "10:30" and "https://" have no space after the colon.
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return None;
        }
        (name, rest, any_case)
    };
    let name = name.trim();
    let capitalised = name.starts_with(char::is_uppercase);
    (is_plausible_name(name) && (any_case || capitalised)).then_some((name, rest))
}

/// Whether a prefix could be a display name rather than the start of a sentence.
///
/// Several words must each be capitalised (bar particles such as "van" or "de"), which
/// is what tells "Jane van Berg:" from "Here's the thing:" at the start of a caption.
/// That loses all-lowercase multi-word display names; they are rare, and crediting
/// speech to "here's the thing" is worse than crediting it to nobody.
fn is_plausible_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    let words = name.split_whitespace().count();
    (1..=5).contains(&words)
        && (words == 1 || name.split_whitespace().all(is_name_word))
        && name.chars().count() <= 60
        && name.chars().any(char::is_alphabetic)
        && !name.contains(['!', '?', ';', '"', '<', '>', '[', ']', '{', '}', '|', '='])
        // "Doe, Jane" is a common directory name; "So, well, then:" is a sentence.
        && name.matches(',').count() <= 1
        && !lower.contains("://")
        && !lower.contains("www.")
}

fn is_name_word(word: &str) -> bool {
    const PARTICLES: &[&str] = &[
        "al", "bin", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du",
        "la", "le", "van", "von", "y",
    ];
    // "(Acme)", "(she/her)" and "2" qualify a name rather than start a sentence.
    word.starts_with('(')
        || PARTICLES.contains(&word)
        || word
            .chars()
            .find(|c| c.is_alphabetic())
            .is_none_or(char::is_uppercase)
}

fn is_sound_description(name: &str) -> bool {
    const SOUNDS: &[&str] = &[
        "applause",
        "background noise",
        "cheering",
        "chuckles",
        "coughs",
        "crosstalk",
        "foreign",
        "inaudible",
        "indistinct",
        "laughing",
        "laughs",
        "laughter",
        "music",
        "no audio",
        "noise",
        "silence",
        "sighs",
        "unintelligible",
    ];
    let lower = name.trim().to_lowercase();
    SOUNDS.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(speaker: Option<&str>, start_ms: i64, end_ms: i64, text: &str) -> Cue {
        Cue {
            speaker: speaker.map(|s| SpeakerLabel::Name(s.to_owned())),
            start_ms,
            end_ms,
            text: text.to_owned(),
            topic: None,
        }
    }

    fn err(line: usize, message: &str) -> SubtitleError {
        SubtitleError {
            line,
            message: message.to_owned(),
        }
    }

    const ZOOM_VTT: &str = "WEBVTT

1
00:00:00.000 --> 00:00:04.230
Jane Doe: All right, thanks everyone for joining today.

2
00:00:04.230 --> 00:00:09.870
Bob Stone: Thanks, Jane. Happy to be here.

3
00:00:09.870 --> 00:00:15.100
Jane Doe: So let's start with pricing. We said 10:30
on Tuesday, right?

4
00:00:15.100 --> 00:00:16.000
Yeah.

5
00:01:02.500 --> 00:01:05.000
jdoe42: Sorry, my video froze.
";

    #[test]
    fn zoom_vtt_takes_speakers_from_name_prefixes() {
        assert_eq!(
            parse_webvtt(ZOOM_VTT).unwrap(),
            vec![
                cue(
                    Some("Jane Doe"),
                    0,
                    4230,
                    "All right, thanks everyone for joining today."
                ),
                cue(
                    Some("Bob Stone"),
                    4230,
                    9870,
                    "Thanks, Jane. Happy to be here."
                ),
                cue(
                    Some("Jane Doe"),
                    9870,
                    15100,
                    "So let's start with pricing. We said 10:30 on Tuesday, right?"
                ),
                cue(None, 15100, 16000, "Yeah."),
                cue(Some("jdoe42"), 62500, 65000, "Sorry, my video froze."),
            ]
        );
    }

    const TEAMS_VTT: &str = "WEBVTT
Kind: captions
Language: en-US

NOTE
Transcript generated by Microsoft Teams.
Times are from the start of the meeting.

STYLE
::cue { color: white }

REGION
id:speaker width:40%

8f3c1c1e-2b1a-4d7e-9c55-0e0f6a1b2c3d/14-0
00:00:03.519 --> 00:00:06.479 align:start position:10%
<v Jane Doe>Good morning, everyone.</v>

8f3c1c1e-2b1a-4d7e-9c55-0e0f6a1b2c3d/18-0
00:00:06.479 --> 00:00:09.120
<v.loud Doe, John>Morning! Q&amp;A is <i>after</i> the demo,
right?</v>

8f3c1c1e-2b1a-4d7e-9c55-0e0f6a1b2c3d/21-0
00:00:09.120 --> 00:00:11.000
<v Jane Doe>Yes.</v>
<v Bob Stone>Sounds good &lt;3&nbsp;&amp; thanks.</v>

8f3c1c1e-2b1a-4d7e-9c55-0e0f6a1b2c3d/25-0
00:00:11.000 --> 00:00:13.250
<v Bob Stone><00:00:11.000><c>So</c> <00:00:11.400><c.yellow>the</c> <b>plan</b> <u>is</u>&lrm;</v>
";

    #[test]
    fn teams_vtt_takes_speakers_from_voice_tags_and_splits_voices() {
        assert_eq!(
            parse_webvtt(TEAMS_VTT).unwrap(),
            vec![
                cue(Some("Jane Doe"), 3519, 6479, "Good morning, everyone."),
                cue(
                    Some("Doe, John"),
                    6479,
                    9120,
                    "Morning! Q&A is after the demo, right?"
                ),
                cue(Some("Jane Doe"), 9120, 11000, "Yes."),
                cue(Some("Bob Stone"), 9120, 11000, "Sounds good <3 & thanks."),
                cue(Some("Bob Stone"), 11000, 13250, "So the plan is\u{200e}"),
            ]
        );
    }

    #[test]
    fn vtt_is_lenient_about_layout() {
        let text =
            "WEBVTT - exported by Google Meet\nX-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:0\n\n\n\n\
                    00:01.000 --> 00:02.500\nNo identifier, no hours.\n   \n\
                    01:02:03.456-->01:02:04.000 line:0\n- Arrow without spaces\n\
                    02:00:00.000 --> 02:00:01.000\nno blank line before me\n\n\
                    SOMETHING-NEW\nwith: content\n\n\
                    note: lowercase\n00:00:00.00 --> 00:00:00.5\nShort fractions\n";
        assert_eq!(
            parse_webvtt(text).unwrap(),
            vec![
                cue(None, 1000, 2500, "No identifier, no hours."),
                cue(None, 3_723_456, 3_724_000, "- Arrow without spaces"),
                cue(None, 7_200_000, 7_201_000, "no blank line before me"),
                cue(None, 0, 500, "Short fractions"),
            ]
        );
    }

    #[test]
    fn vtt_cue_right_after_header_is_kept() {
        let text = "WEBVTT\n00:00:01.000 --> 00:00:02.000\nAda: hi\n";
        assert_eq!(
            parse_webvtt(text).unwrap(),
            vec![cue(Some("Ada"), 1000, 2000, "hi")]
        );
    }

    #[test]
    fn voice_carries_over_lines_but_not_cues() {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>one\ntwo\n\n00:02.000 --> 00:03.000\nthree\n";
        assert_eq!(
            parse_webvtt(text).unwrap(),
            vec![
                cue(Some("Ann"), 1000, 2000, "one two"),
                cue(None, 2000, 3000, "three")
            ]
        );
    }

    #[test]
    fn text_before_a_voice_tag_stays_unattributed() {
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\nhmm <v Ann>yes</v> <v Ben>no\n<v Ann>fine\n";
        assert_eq!(
            parse_webvtt(text).unwrap(),
            vec![
                cue(None, 1000, 2000, "hmm"),
                cue(Some("Ann"), 1000, 2000, "yes"),
                cue(Some("Ben"), 1000, 2000, "no"),
                cue(Some("Ann"), 1000, 2000, "fine"),
            ]
        );
    }

    #[test]
    fn empty_cues_are_dropped() {
        let text =
            "WEBVTT\n\n1\n00:01.000 --> 00:02.000\n\n2\n00:02.000 --> 00:03.000\n<c> </c>\n\n\
                    3\n00:03.000 --> 00:04.000\nkept\n";
        assert_eq!(
            parse_webvtt(text).unwrap(),
            vec![cue(None, 3000, 4000, "kept")]
        );
    }

    const SRT_PLAIN: &str = "1
00:00:01,500 --> 00:00:04,000
Welcome to the quarterly review.

2
00:00:04,000 --> 00:00:07,250
<i>Revenue grew</i> {\\an8}by 12%
over the quarter.

3
01:00:00.000 --> 01:00:02,000 X1:40 X2:600 Y1:20 Y2:50
Dots are tolerated: so are coordinates.
";

    #[test]
    fn srt_without_names() {
        assert_eq!(
            parse_srt(SRT_PLAIN).unwrap(),
            vec![
                cue(None, 1500, 4000, "Welcome to the quarterly review."),
                cue(None, 4000, 7250, "Revenue grew by 12% over the quarter."),
                cue(
                    None,
                    3_600_000,
                    3_602_000,
                    "Dots are tolerated: so are coordinates."
                ),
            ]
        );
    }

    #[test]
    fn srt_with_names_in_every_convention() {
        let text = "1
00:00:01,000 --> 00:00:02,000
Jane Doe: Hi Bob.

2
00:00:02,000 --> 00:00:03,000
[Bob Stone] Hi Jane.

3
00:00:03,000 --> 00:00:04,000
>> Carla Diaz: Hello both.
>> Who is that?

4
00:00:04,000 --> 00:00:05,000
[laughs] Very funny.
[MUSIC]

5
00:00:05,000 --> 00:00:06,000
Jane Doe: We covered
about three things: price, terms
Bob Stone: and dates.

6
00:00:06,000 --> 00:00:07,000
Check https://example.com: it has it.
Meet at 10:30: fine?
";
        assert_eq!(
            parse_srt(text).unwrap(),
            vec![
                cue(Some("Jane Doe"), 1000, 2000, "Hi Bob."),
                cue(Some("Bob Stone"), 2000, 3000, "Hi Jane."),
                cue(Some("Carla Diaz"), 3000, 4000, "Hello both."),
                cue(None, 3000, 4000, "Who is that?"),
                cue(None, 4000, 5000, "[laughs] Very funny. [MUSIC]"),
                cue(
                    Some("Jane Doe"),
                    5000,
                    6000,
                    "We covered about three things: price, terms"
                ),
                cue(Some("Bob Stone"), 5000, 6000, "and dates."),
                cue(
                    None,
                    6000,
                    7000,
                    "Check https://example.com: it has it. Meet at 10:30: fine?"
                ),
            ]
        );
    }

    #[test]
    fn srt_cues_without_blank_lines_between_them_are_separated() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nOne\n2\n00:00:02,000 --> 00:00:03,000\nTwo\n\
                    00:00:03,000 --> 00:00:04,000\nThree\n";
        assert_eq!(
            parse_srt(text).unwrap(),
            vec![
                cue(None, 1000, 2000, "One"),
                cue(None, 2000, 3000, "Two"),
                cue(None, 3000, 4000, "Three")
            ]
        );
    }

    #[test]
    fn implausible_names_stay_in_the_text() {
        let long = "A".repeat(61);
        for text in [
            "One two three four five six: hello".to_owned(),
            format!("{long}: hello"),
            "www.example.com: hello".to_owned(),
            "10: thirty".to_owned(),
            "Really?: yes".to_owned(),
            "So, well, then: yes".to_owned(),
        ] {
            let srt = format!("1\n00:00:01,000 --> 00:00:02,000\n{text}\n");
            assert_eq!(
                parse_srt(&srt).unwrap(),
                vec![cue(None, 1000, 2000, &text)],
                "{text}"
            );
        }
    }

    #[test]
    fn crlf_cr_and_bom_are_accepted() {
        let vtt =
            "\u{feff}WEBVTT\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.000\r\nJane: Hi\r\nthere\r\n";
        assert_eq!(
            parse_webvtt(vtt).unwrap(),
            vec![cue(Some("Jane"), 1000, 2000, "Hi there")]
        );
        let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n";
        assert_eq!(
            parse_srt(srt).unwrap(),
            vec![cue(None, 1000, 2000, "Hello"), cue(None, 3000, 4000, "Bye")]
        );
        let old_mac = "1\r00:00:01,000 --> 00:00:02,000\rHello\r\r2\r00:00:03,000 --> 00:00:0x\r";
        assert_eq!(
            parse_srt(old_mac),
            Err(err(6, "malformed timestamp \"00:00:0x\""))
        );
        let crlf_error = "WEBVTT\r\n\r\n00:01.000 --> 00:00.500\r\n";
        assert_eq!(
            parse_webvtt(crlf_error),
            Err(err(3, "cue ends before it starts"))
        );
    }

    #[test]
    fn empty_files_are_rejected_on_line_one() {
        for text in ["", "\u{feff}", " \r\n\n\t\n"] {
            assert_eq!(parse_webvtt(text), Err(err(1, "file is empty")));
            assert_eq!(parse_srt(text), Err(err(1, "file is empty")));
        }
    }

    #[test]
    fn vtt_needs_its_header_on_line_one() {
        let missing = "1\n00:00:01.000 --> 00:00:02.000\nHi\n";
        assert_eq!(parse_webvtt(missing), Err(err(1, "missing webvtt header")));
        let late = "\nWEBVTT\n\n00:01.000 --> 00:02.000\nHi\n";
        assert_eq!(parse_webvtt(late), Err(err(1, "missing webvtt header")));
        let glued = "WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n";
        assert_eq!(parse_webvtt(glued), Err(err(1, "missing webvtt header")));
    }

    #[test]
    fn malformed_timestamps_name_their_line() {
        let cases = [
            ("00:00:01.000 --> 00:00:02.00x", "00:00:02.00x"),
            ("00:61:01.000 --> 00:62:02.000", "00:61:01.000"),
            ("00:00:60.000 --> 00:01:00.000", "00:00:60.000"),
            ("00:00:01. --> 00:00:02.000", "00:00:01."),
            ("1:2:3:4.000 --> 00:00:02.000", "1:2:3:4.000"),
            (
                "00:00:01.0000000000 --> 00:00:02.000",
                "00:00:01.0000000000",
            ),
        ];
        for (timing, bad) in cases {
            let vtt = format!("WEBVTT\n\nNOTE hi\n\nid\n{timing}\ntext\n");
            assert_eq!(
                parse_webvtt(&vtt),
                Err(err(6, &format!("malformed timestamp \"{bad}\"")))
            );
            let srt = format!("1\n00:00:00,000 --> 00:00:00,500\nok\n\n2\n{timing}\ntext\n");
            assert_eq!(
                parse_srt(&srt),
                Err(err(6, &format!("malformed timestamp \"{bad}\"")))
            );
        }
        let no_end = "WEBVTT\n\n00:01.000 -->  \ntext\n";
        assert_eq!(parse_webvtt(no_end), Err(err(3, "missing end time")));
        let no_start = "1\n --> 00:00:01,000\ntext\n";
        assert_eq!(parse_srt(no_start), Err(err(2, "missing start time")));
    }

    #[test]
    fn cues_may_not_end_before_they_start() {
        let vtt = "WEBVTT\n\n00:05.000 --> 00:04.999\ntext\n";
        assert_eq!(parse_webvtt(vtt), Err(err(3, "cue ends before it starts")));
        let srt = "1\n00:00:05,000 --> 00:00:04,999\ntext\n";
        assert_eq!(parse_srt(srt), Err(err(2, "cue ends before it starts")));
        let zero_length = "1\n00:00:05,000 --> 00:00:05,000\ntext\n";
        assert_eq!(
            parse_srt(zero_length).unwrap(),
            vec![cue(None, 5000, 5000, "text")]
        );
    }

    #[test]
    fn timing_lines_need_an_arrow() {
        let vtt = "WEBVTT\n\nid\n00:00:01.000 00:00:02.000\ntext\n";
        assert_eq!(
            parse_webvtt(vtt),
            Err(err(4, "timing line is missing \"-->\""))
        );
        let vtt_no_id = "WEBVTT\n\n00:00:01.000 - 00:00:02.000\ntext\n";
        assert_eq!(
            parse_webvtt(vtt_no_id),
            Err(err(3, "timing line is missing \"-->\""))
        );
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\ntext\n";
        assert_eq!(
            parse_srt(srt),
            Err(err(6, "timing line is missing \"-->\""))
        );
    }

    #[test]
    fn srt_blocks_need_a_timing_line() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n\n2\nthis block lost its timing\n";
        assert_eq!(parse_srt(text), Err(err(6, "block has no timing line")));
        let stray_text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\nsee you at 10:30 then\n";
        assert_eq!(
            parse_srt(stray_text),
            Err(err(5, "block has no timing line"))
        );
    }

    #[test]
    fn files_without_cues_are_rejected() {
        let vtt = "WEBVTT\nKind: captions\n\nNOTE nothing was said\n\nSTYLE\n::cue {}\n";
        assert_eq!(parse_webvtt(vtt), Err(err(1, "file has no cues")));
        assert_eq!(parse_webvtt("WEBVTT\n"), Err(err(1, "file has no cues")));
        let only_empty = "1\n00:00:01,000 --> 00:00:02,000\n\n";
        assert_eq!(parse_srt(only_empty), Err(err(1, "file has no cues")));
    }

    #[test]
    fn detects_formats_from_content() {
        assert_eq!(detect_format(ZOOM_VTT), Some(SubtitleFormat::WebVtt));
        assert_eq!(detect_format(TEAMS_VTT), Some(SubtitleFormat::WebVtt));
        assert_eq!(
            detect_format("\u{feff}WEBVTT\r\n"),
            Some(SubtitleFormat::WebVtt)
        );
        assert_eq!(detect_format(SRT_PLAIN), Some(SubtitleFormat::Srt));
        assert_eq!(
            detect_format("\u{feff}\r\n1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n"),
            Some(SubtitleFormat::Srt)
        );
        // Numbered cues with dot millis could be either format.
        assert_eq!(
            detect_format("1\n00:00:01.000 --> 00:00:02.000\nHi\n"),
            None
        );
        assert_eq!(detect_format("00:00:01,000 --> 00:00:02,000\nHi\n"), None);
        assert_eq!(detect_format("Jane: hello\n"), None);
        assert_eq!(detect_format(""), None);
        assert_eq!(detect_format("WEBVTTX\n"), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("00:01.000"), Some(1000));
        assert_eq!(parse_timestamp("01:02:03.456"), Some(3_723_456));
        assert_eq!(parse_timestamp("100:00:00,001"), Some(360_000_001));
        assert_eq!(parse_timestamp("0:00:01.5"), Some(1500));
        assert_eq!(parse_timestamp("00:00:01.2345678"), Some(1234));
        assert_eq!(parse_timestamp("00:00:07"), Some(7000));
        assert_eq!(parse_timestamp("75:00.000"), Some(4_500_000));
        assert_eq!(parse_timestamp("00:60.000"), None);
        assert_eq!(parse_timestamp("00:000:01.000"), None);
        assert_eq!(parse_timestamp("1.000"), None);
        assert_eq!(parse_timestamp("-00:01.000"), None);
        assert_eq!(parse_timestamp("00:01.000 "), None);
    }

    #[test]
    fn entities_and_stray_markup() {
        assert_eq!(
            decode_entities("a &amp; b &lt;c&gt; &#65;&#x42; &bogus; & &amp"),
            "a & b <c> AB &bogus; & &amp"
        );
        let text = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann &amp; Bo>x < y and {not ass}</v>\n";
        assert_eq!(
            parse_webvtt(text).unwrap(),
            vec![cue(Some("Ann & Bo"), 1000, 2000, "x < y and {not ass}")]
        );
    }
}
