//! Whisper's token vocabulary, read from the model folder's `vocabulary.txt` (one GPT-2
//! byte-level BPE token per line; the line number is the id). Special tokens are looked up
//! by name because their ids differ between English-only and multilingual models.

use std::collections::HashMap;
use std::path::Path;

use crate::AsrError;

pub struct Vocab {
    tokens: Vec<String>,
    by_name: HashMap<String, usize>,
    byte_of: HashMap<char, u8>,
    pub eot: usize,
    pub ts_begin: usize,
}

impl Vocab {
    pub fn load(model_dir: &Path) -> Result<Vocab, AsrError> {
        let path = model_dir.join("vocabulary.txt");
        let text = std::fs::read_to_string(&path).map_err(|e| AsrError::Model {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        Vocab::parse(&text).map_err(|reason| AsrError::Model { path, reason })
    }

    pub fn parse(text: &str) -> Result<Vocab, String> {
        let tokens: Vec<String> = text.lines().map(str::to_owned).collect();
        let by_name: HashMap<String, usize> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| t.starts_with("<|"))
            .map(|(i, t)| (t.clone(), i))
            .collect();
        let find = |t: &str| {
            by_name
                .get(t)
                .copied()
                .ok_or_else(|| format!("vocabulary has no {t} token"))
        };
        // The decode loop writes these by name into every prompt.
        find("<|startoftranscript|>")?;
        find("<|startofprev|>")?;
        Ok(Vocab {
            eot: find("<|endoftext|>")?,
            ts_begin: find("<|0.00|>")?,
            byte_of: gpt2_byte_decoder(),
            by_name,
            tokens,
        })
    }

    pub fn id(&self, token: &str) -> Option<usize> {
        self.by_name.get(token).copied()
    }

    pub fn token(&self, id: usize) -> &str {
        self.tokens.get(id).map_or("", String::as_str)
    }

    pub fn is_timestamp(&self, id: usize) -> bool {
        id >= self.ts_begin
    }

    /// The text of ordinary tokens; special and timestamp tokens are skipped.
    pub fn decode(&self, ids: &[usize]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&i| self.bytes(i)).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The bytes an ordinary token stands for (empty for special and timestamp tokens).
    pub fn bytes(&self, id: usize) -> Vec<u8> {
        if id >= self.eot {
            return Vec::new();
        }
        self.token(id)
            .chars()
            .filter_map(|c| self.byte_of.get(&c).copied())
            .collect()
    }
}

/// The inverse of GPT-2's `bytes_to_unicode`: every byte is written as a printable char.
fn gpt2_byte_decoder() -> HashMap<char, u8> {
    let mut bytes: Vec<u32> = (u32::from(b'!')..=u32::from(b'~'))
        .chain(0xA1..=0xAC)
        .chain(0xAE..=0xFF)
        .collect();
    let mut chars = bytes.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bytes.contains(&b) {
            bytes.push(b);
            chars.push(256 + n);
            n += 1;
        }
    }
    bytes
        .iter()
        .zip(&chars)
        .filter_map(|(&b, &c)| Some((char::from_u32(c)?, u8::try_from(b).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Vocab {
        let mut lines = vec![
            "Hello".to_owned(),
            "Ġworld".to_owned(),
            ",".to_owned(),
            "Ġcaf".to_owned(),
            "Ã©".to_owned(),
        ];
        for t in [
            "<|endoftext|>",
            "<|startoftranscript|>",
            "<|en|>",
            "<|startofprev|>",
            "<|0.00|>",
            "<|0.02|>",
        ] {
            lines.push(t.to_owned());
        }
        Vocab::parse(&lines.join("\n")).unwrap()
    }

    #[test]
    fn decodes_bytes_and_skips_specials() {
        let v = small();
        assert_eq!(v.eot, 5);
        assert_eq!(v.ts_begin, 9);
        assert_eq!(v.decode(&[0, 1, 2, 9, 3, 4, 5]), "Hello world, café");

        assert!(v.is_timestamp(10) && !v.is_timestamp(8));
        assert_eq!(v.id("<|en|>"), Some(7));
    }

    #[test]
    fn missing_special_token_is_an_error() {
        let err = Vocab::parse("a\nb").err().unwrap();
        assert!(err.starts_with("vocabulary has no <|"), "{err}");
    }
}
