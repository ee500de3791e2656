//! Data privacy: whose data a request is about (an e-mail address or a phone number), how
//! that person is recognised in stored text, and the erase report.
//!
//! Recognition rules (`docs/data-privacy.md` says why):
//! - An e-mail address is compared without regard to ASCII case. In free text (transcripts,
//!   CRM fields, the audit log) it must stand on its own: the character before it cannot
//!   belong to an address, the one after cannot continue its domain.
//! - A phone number is compared by its digits. A stored or written number matches when its
//!   digits are the requested number's, or, written without the `+` and country code, when
//!   its digits (leading trunk zeros dropped) are at least [`MIN_NATIONAL_DIGITS`] long and
//!   end the requested number. Spaces, dashes, dots, slashes and brackets may separate
//!   digits anywhere.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::{CallId, Timestamp, UserId};

/// Most characters of an e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Digits of an E.164 number: at most 15.
pub const MAX_PHONE_DIGITS: usize = 15;
/// Fewest digits of a number written without its country code that still count as the
/// requested number (fewer would match other people's extensions and short codes).
pub const MIN_NATIONAL_DIGITS: usize = 8;
/// What replaces the address or number where text around it is kept.
pub const ERASED: &str = "[erased]";

/// The person a data-privacy request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Lowercased.
    Email(String),
    /// The digits, country code first (no `+`).
    Phone(String),
}

/// Why an address or number cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSubject(pub String);

impl Subject {
    /// An e-mail address: one `@`, something before it, a dotted domain after it, no
    /// spaces or control characters, at most [`MAX_EMAIL_CHARS`].
    pub fn email(raw: &str) -> Result<Subject, InvalidSubject> {
        let s = raw.trim();
        let bad = |m: &str| Err(InvalidSubject(m.to_owned()));
        if s.is_empty() {
            return bad("emailAddress is required");
        }
        if s.chars().count() > MAX_EMAIL_CHARS {
            return bad("emailAddress is too long");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return bad("emailAddress is not an e-mail address");
        };
        let ok_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !ok_domain
            || domain.contains('@')
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"<>(),;[]\\".contains(c))
        {
            return bad("emailAddress is not an e-mail address");
        }
        Ok(Subject::Email(s.to_ascii_lowercase()))
    }

    /// A phone number as Gong takes it: `+` and the country code first, other
    /// characters besides digits ignored (`+1 (425) 555-2671`).
    pub fn phone(raw: &str) -> Result<Subject, InvalidSubject> {
        let s = raw.trim();
        let bad = |m: &str| Err(InvalidSubject(m.to_owned()));
        if s.is_empty() {
            return bad("phoneNumber is required");
        }
        if !s.starts_with('+') {
            return bad("phoneNumber must start with + and the country code");
        }
        if s.len() > 64 {
            return bad("phoneNumber is too long");
        }
        if s[1..]
            .chars()
            .any(|c| !(c.is_ascii_digit() || is_phone_separator(c)))
        {
            return bad("phoneNumber may hold only digits, spaces, dashes, dots and brackets");
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if !(MIN_NATIONAL_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len()) {
            return bad("phoneNumber must have 8 to 15 digits");
        }
        Ok(Subject::Phone(digits))
    }

    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Email(_) => SubjectKind::Email,
            Subject::Phone(_) => SubjectKind::Phone,
        }
    }

    /// The canonical text: the lowercased address, or `+` and the digits.
    pub fn canonical(&self) -> String {
        match self {
            Subject::Email(e) => e.clone(),
            Subject::Phone(d) => format!("+{d}"),
        }
    }

    /// Reads back [`Subject::canonical`].
    pub fn parse(kind: SubjectKind, canonical: &str) -> Result<Subject, InvalidSubject> {
        match kind {
            SubjectKind::Email => Subject::email(canonical),
            SubjectKind::Phone => Subject::phone(canonical),
        }
    }

    /// A substring every stored text that holds the person must contain (ASCII case
    /// folded): the store's cheap first filter before [`Subject::mentions`] decides.
    /// For a number, its last four digits, which even a spaced-out number keeps
    /// together unless a separator falls inside them (documented).
    pub fn needle(&self) -> String {
        match self {
            Subject::Email(e) => e.clone(),
            Subject::Phone(d) => d[d.len() - 4..].to_owned(),
        }
    }

    /// Safe to show and store after the erase: `c***@example.com`, `+1•••••••111`.
    pub fn masked(&self) -> String {
        match self {
            Subject::Email(e) => {
                let (local, domain) = e.split_once('@').unwrap_or((e, ""));
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            Subject::Phone(d) => {
                let keep = 3.min(d.len());
                format!("+{}{}", "•".repeat(d.len() - keep), &d[d.len() - keep..])
            }
        }
    }

    /// Whether a field that holds one address or number (a party's e-mail, a user's
    /// phone) is this person's.
    pub fn is_field(&self, value: &str) -> bool {
        let v = value.trim();
        match self {
            Subject::Email(e) => v.eq_ignore_ascii_case(e),
            Subject::Phone(d) => {
                if v.chars()
                    .any(|c| !(c.is_ascii_digit() || c == '+' || is_phone_separator(c)))
                {
                    return false;
                }
                phone_digits_match(d, v.starts_with('+'), &digits_of(v))
            }
        }
    }

    /// Where the address or number occurs in free text (byte ranges, in order).
    pub fn mentions(&self, text: &str) -> Vec<Range<usize>> {
        match self {
            Subject::Email(e) => email_mentions(e, text),
            Subject::Phone(d) => phone_mentions(d, text),
        }
    }

    /// The text with every mention replaced by [`ERASED`]; `None` when it has none.
    pub fn redact(&self, text: &str) -> Option<String> {
        let found = self.mentions(text);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for r in found {
            out.push_str(&text[at..r.start]);
            out.push_str(ERASED);
            at = r.end;
        }
        out.push_str(&text[at..]);
        Some(out)
    }
}

/// Which kind of subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubjectKind {
    Email,
    Phone,
}

impl SubjectKind {
    pub fn key(self) -> &'static str {
        match self {
            SubjectKind::Email => "email",
            SubjectKind::Phone => "phone",
        }
    }

    pub fn from_key(key: &str) -> Option<SubjectKind> {
        match key {
            "email" => Some(SubjectKind::Email),
            "phone" => Some(SubjectKind::Phone),
            _ => None,
        }
    }
}

fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}')
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// `full`: the requested digits; `plus`: the written number started with `+`.
fn phone_digits_match(full: &str, plus: bool, written: &str) -> bool {
    if written == full {
        return true;
    }
    if plus {
        return false;
    }
    let national = written.trim_start_matches('0');
    national.len() >= MIN_NATIONAL_DIGITS && full.ends_with(national)
}

fn is_email_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-'!#$&*=?^`{|}~".contains(c)
}

fn email_mentions(email: &str, text: &str) -> Vec<Range<usize>> {
    // ASCII case folding keeps byte offsets: the same ranges index the original text.
    let folded = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = folded[from..].find(email) {
        let start = from + i;
        let end = start + email.len();
        let before_ok = folded[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !is_email_char(c));
        let rest = &folded[end..];
        let mut next = rest.chars();
        let after_ok = match next.next() {
            None => true,
            Some(c) if c.is_ascii_alphanumeric() || c == '-' || c == '_' => false,
            // A dot ends a sentence unless the domain goes on after it.
            Some('.') => next.next().is_none_or(|c| !c.is_ascii_alphanumeric()),
            Some(_) => true,
        };
        if before_ok && after_ok {
            out.push(start..end);
            from = end;
        } else {
            from = start + 1;
            while !folded.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    out
}

fn phone_mentions(full: &str, text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts = c.is_ascii_digit() || (c == b'+' || c == b'(');
        let prev_digit = i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'+');
        if !starts || prev_digit {
            i += 1;
            continue;
        }
        // A run of digits and separators (ASCII only, so byte offsets are boundaries).
        let mut end = i;
        let mut last_digit = None;
        let mut j = i;
        if bytes[j] == b'+' {
            j += 1;
        }
        while j < bytes.len() {
            let b = bytes[j];
            if b.is_ascii_digit() {
                last_digit = Some(j);
                j += 1;
            } else if matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'/') {
                j += 1;
            } else {
                break;
            }
        }
        if let Some(d) = last_digit {
            end = d + 1;
        }
        if end > i {
            let run = &text[i..end];
            let plus = run.starts_with('+');
            if phone_digits_match(full, plus, &digits_of(run)) {
                out.push(i..end);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Where an erasure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureState {
    /// Asked for; its job has not finished.
    Queued,
    Done,
    Failed,
}

impl ErasureState {
    pub fn key(self) -> &'static str {
        match self {
            ErasureState::Queued => "queued",
            ErasureState::Done => "done",
            ErasureState::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<ErasureState> {
        match key {
            "queued" => Some(ErasureState::Queued),
            "done" => Some(ErasureState::Done),
            "failed" => Some(ErasureState::Failed),
            _ => None,
        }
    }
}

/// One erase request and, once run, its report. The address or number itself is kept only
/// while the erasure is queued (its job needs it); then only [`Subject::masked`] remains.
#[derive(Debug, Clone, PartialEq)]
pub struct Erasure {
    pub id: i64,
    pub kind: SubjectKind,
    /// [`Subject::canonical`] while queued; `None` once run.
    pub subject: Option<String>,
    pub masked: String,
    /// A dry run: the report of what an erase would do; nothing was deleted.
    pub dry_run: bool,
    pub state: ErasureState,
    /// Who asked: `key:<access key>`, `user:<id>` or `cli:<os user>`.
    pub requested_by: String,
    pub requested: Timestamp,
    pub finished: Option<Timestamp>,
    /// The job that runs it (none for a dry run).
    pub job_id: Option<i64>,
    pub report: Option<ErasureReport>,
    pub error: Option<String>,
}

/// What an erase found and did. Ids and counts only: never the address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureReport {
    pub found: Found,
    pub done: Done,
}

/// What references the person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    /// Calls where the person is a party.
    pub calls_as_party: Vec<CallId>,
    /// Calls whose transcript mentions the address or number.
    pub calls_mentioning: Vec<CallId>,
    /// Calls whose own fields (title, purpose, custom data…) hold it.
    pub calls_with_fields: Vec<CallId>,
    pub parties: u64,
    pub transcript_sentences: u64,
    pub users: Vec<UserId>,
    /// CRM objects whose fields hold it.
    pub crm_objects: u64,
    pub audit_entries: u64,
    /// Rows of other tables (a source added later), by table.
    pub other: std::collections::BTreeMap<String, u64>,
}

/// What was (or, in a dry run, would be) done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Done {
    /// Deleted with everything they hold: the person was their only outside party.
    pub calls_deleted: Vec<CallId>,
    /// Recordings deleted from calls that were kept (the person's voice or the spoken
    /// address is in them and cannot be cut out).
    pub recordings_deleted: Vec<CallId>,
    pub parties_removed: u64,
    /// Sentences the person spoke, removed.
    pub sentences_removed: u64,
    /// Sentences that mention the address or number, kept with it replaced by `[erased]`
    /// (and without word timings).
    pub sentences_redacted: u64,
    /// Voice embeddings of the person's speakers.
    pub voices_removed: u64,
    /// Calls whose analysis was deleted and queued again.
    pub calls_reanalysed: Vec<CallId>,
    /// Company users whose address or number was replaced.
    pub users_anonymised: Vec<UserId>,
    /// Rows whose text was redacted, by table.
    pub rows_redacted: std::collections::BTreeMap<String, u64>,
    /// Rows that were the person's own and were deleted, by table (meeting invitees,
    /// CRM objects whose id is the address).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub rows_deleted: std::collections::BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            Subject::email(" Carl@Customer.Example.com ").unwrap(),
            Subject::Email("carl@customer.example.com".into())
        );
        for bad in [
            "",
            "carl",
            "@x.com",
            "carl@",
            "carl@x",
            "a b@x.com",
            "a@x..com",
            "a@b@c.com",
        ] {
            assert!(Subject::email(bad).is_err(), "{bad}");
        }
        assert!(Subject::email(&format!("{}@x.com", "a".repeat(260))).is_err());
    }

    #[test]
    fn phones_need_a_plus_and_keep_digits() {
        assert_eq!(
            Subject::phone("+1(425) 555-2671").unwrap(),
            Subject::Phone("14255552671".into())
        );
        for bad in ["", "4255552671", "+1 425 abc", "+123", "+1234567890123456"] {
            assert!(Subject::phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_mentions_stand_alone_and_ignore_case() {
        let s = Subject::email("carl@customer.example.com").unwrap();
        let t = "Write to CARL@customer.example.com. Or xcarl@customer.example.com, \
                 carl@customer.example.com.au and (carl@customer.example.com)";
        let found: Vec<&str> = s.mentions(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            found,
            ["CARL@customer.example.com", "carl@customer.example.com"]
        );
        assert_eq!(
            s.redact("mail carl@customer.example.com now").unwrap(),
            "mail [erased] now"
        );
        assert_eq!(s.redact("nothing here"), None);
        assert!(s.is_field(" Carl@Customer.example.com"));
        assert!(!s.is_field("carl@customer.example.co"));
    }

    #[test]
    fn phone_mentions_by_digits_with_or_without_the_country_code() {
        let s = Subject::phone("+1 425 555 2671").unwrap();
        let t = "call +1 (425) 555-2671 or 425.555.2671, not 555-2671 nor +44 425 555 2671; 14255552671.";
        let found: Vec<&str> = s.mentions(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(found, ["+1 (425) 555-2671", "425.555.2671", "14255552671"]);
        assert!(s.is_field("+1-425-555-2671"));
        assert!(s.is_field("(425) 555 2671"));
        assert!(!s.is_field("555 2671"));
        assert!(!s.is_field("+44 425 555 2671"));
        let uk = Subject::phone("+44 20 7946 0958").unwrap();
        assert!(uk.is_field("020 7946 0958"));
        assert_eq!(s.needle(), "2671");
    }

    #[test]
    fn masks_keep_no_whole_address() {
        let e = Subject::email("carl@customer.example.com").unwrap();
        assert_eq!(e.masked(), "c***@customer.example.com");
        let p = Subject::phone("+15550001111").unwrap();
        assert_eq!(p.masked(), "+••••••••111");
        assert_eq!(p.canonical(), "+15550001111");
        assert_eq!(
            Subject::parse(SubjectKind::Phone, &p.canonical()).unwrap(),
            p
        );
    }
}
