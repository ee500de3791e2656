//! A look at the first bytes of a file, independent of symphonia: it names the container for
//! error messages, tells a damaged known container (Corrupt) from something that is not media at
//! all (NotMedia), and recognises containers Parley does not read (Unsupported).

/// What the first bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// A container symphonia reads.
    Container(&'static str),
    /// A media container Parley does not read.
    UnsupportedContainer(&'static str),
    /// A well-known non-media file type, e.g. "a pdf document".
    Document(&'static str),
    /// Printable text.
    Text,
    /// Nothing recognised.
    Unknown,
}

/// How many bytes [`sniff`] wants to see.
pub(crate) const SNIFF_LEN: usize = 512;

pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);

    if at(0, b"RIFF") || at(0, b"RIFX") || at(0, b"RF64") {
        if at(8, b"WAVE") {
            return Sniffed::Container("wav");
        }
        if at(8, b"AVI ") {
            return Sniffed::UnsupportedContainer("avi");
        }
        return Sniffed::UnsupportedContainer("riff");
    }
    if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return Sniffed::Container("aiff");
    }
    if at(0, b"fLaC") {
        return Sniffed::Container("flac");
    }
    if at(0, b"OggS") {
        return Sniffed::Container("ogg");
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        let doc = &head[..head.len().min(64)];
        let is_webm = doc.windows(4).any(|w| w == b"webm");
        return Sniffed::Container(if is_webm { "webm" } else { "mkv" });
    }
    if at(4, b"ftyp") {
        if at(8, b"3gp") || at(8, b"3g2") {
            return Sniffed::Container("3gp");
        }
        if at(8, b"qt  ") {
            return Sniffed::Container("mov");
        }
        if at(8, b"M4A ") || at(8, b"M4B ") {
            return Sniffed::Container("m4a");
        }
        return Sniffed::Container("mp4");
    }
    if at(4, b"moov") || at(4, b"mdat") || at(4, b"wide") || at(4, b"free") {
        return Sniffed::Container("mp4");
    }
    if at(0, b"caff") {
        return Sniffed::Container("caf");
    }
    if at(0, b"ID3") {
        return Sniffed::Container("mp3");
    }
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 {
        // MPEG audio frame sync; layer bits 00 are ADTS (AAC).
        return Sniffed::Container(if head[1] & 0x06 == 0 { "aac" } else { "mp3" });
    }
    if at(0, &[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) {
        return Sniffed::UnsupportedContainer("wma/asf");
    }
    if at(0, b"#!AMR") {
        return Sniffed::UnsupportedContainer("amr");
    }
    if at(0, b".snd") {
        return Sniffed::UnsupportedContainer("au");
    }
    if at(0, b"MAC ") {
        return Sniffed::UnsupportedContainer("monkey's audio");
    }
    if at(0, b"wvpk") {
        return Sniffed::UnsupportedContainer("wavpack");
    }
    if at(0, &[0x00, 0x00, 0x01, 0xBA]) {
        return Sniffed::UnsupportedContainer("mpeg program stream");
    }
    if head.len() > 188 && head[0] == 0x47 && head[188] == 0x47 {
        return Sniffed::UnsupportedContainer("mpeg transport stream");
    }
    if at(0, b"%PDF") {
        return Sniffed::Document("a pdf document");
    }
    if at(0, b"PK\x03\x04") {
        return Sniffed::Document("a zip archive or office document");
    }
    if at(0, b"\x89PNG") {
        return Sniffed::Document("a png image");
    }
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Document("a jpeg image");
    }
    if at(0, b"GIF8") {
        return Sniffed::Document("a gif image");
    }
    if is_text(head) {
        return Sniffed::Text;
    }
    Sniffed::Unknown
}

/// Printable UTF-8 (a cut-off multi-byte character at the end is allowed).
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(err) if err.error_len().is_none() => {
            // Only the last character is incomplete.
            match std::str::from_utf8(&head[..err.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

/// The name of a WAVE format tag, for "wav file uses ... audio" messages.
pub(crate) fn wav_codec_name(head: &[u8]) -> Option<String> {
    // Walk the RIFF chunks after "RIFF<size>WAVE" looking for "fmt ".
    let mut pos = 12usize;
    while let Some(chunk) = head.get(pos..pos + 8) {
        let len = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
        if &chunk[..4] == b"fmt " {
            let tag = head.get(pos + 8..pos + 10)?;
            let tag = u16::from_le_bytes([tag[0], tag[1]]);
            return Some(wav_format_tag_name(tag));
        }
        pos = pos.checked_add(8)?.checked_add(len.checked_add(len & 1)?)?;
    }
    None
}

fn wav_format_tag_name(tag: u16) -> String {
    let name = match tag {
        0x0001 => "pcm",
        0x0002 => "ms adpcm",
        0x0003 => "float pcm",
        0x0006 => "a-law",
        0x0007 => "mu-law",
        0x0011 => "ima adpcm",
        0x0022 => "truespeech",
        0x0031 => "gsm 6.10",
        0x0040 | 0x0045 | 0x0064 => "g.726 adpcm",
        0x0042 => "g.723.1",
        0x0050 => "mpeg audio",
        0x0055 => "mp3",
        0x0065 => "g.722",
        0x0130 => "acelp.net",
        0x0160..=0x0163 => "windows media audio",
        0x1600..=0x1604 | 0x706D => "aac",
        0xFFFE => "extensible",
        _ => return format!("format tag {tag:#06x}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_containers_and_non_media() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Sniffed::Container("wav"));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0"), Sniffed::Container("m4a"));
        assert_eq!(
            sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm']),
            Sniffed::Container("webm")
        );
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), Sniffed::Container("mp3"));
        assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80]), Sniffed::Container("aac"));
        assert_eq!(sniff(b"%PDF-1.7"), Sniffed::Document("a pdf document"));
        assert_eq!(sniff("Notes: café\n".as_bytes()), Sniffed::Text);
        assert_eq!(sniff(&[0x00, 0x01, 0x02, 0x9F]), Sniffed::Unknown);
    }

    #[test]
    fn names_wav_format_tags() {
        let mut wav = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        wav.extend_from_slice(&0x31u16.to_le_bytes());
        assert_eq!(wav_codec_name(&wav).as_deref(), Some("gsm 6.10"));
        assert_eq!(
            wav_codec_name(b"RIFF\0\0\0\0WAVEjunk\xff\xff\xff\xff"),
            None
        );
    }
}
