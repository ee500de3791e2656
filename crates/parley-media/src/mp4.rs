//! MP4 edit lists, which symphonia 0.6 does not apply: an AAC track starts with encoder priming
//! (1024 samples from ffmpeg, 2112 from Apple's encoders) and ends with padding, and the `elst`
//! box says which part of the track is the recording. Without it every timestamp is late by the
//! priming (43 ms at 24 kHz) and the file is longer than it should be.
//!
//! Only the `moov` box is read (wherever it is in the file), never the media data.

use std::io::{Read, Seek, SeekFrom};

/// The playable part of one audio track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AudioEdit {
    pub track_id: u32,
    /// Units per second of `skip` and `duration`.
    pub timescale: u32,
    /// Leading media units to drop.
    pub skip: u64,
    /// Media units to keep after that.
    pub duration: u64,
}

/// A `moov` box larger than this is not read (a two-hour call's is a few megabytes).
const MAX_MOOV: u64 = 64 << 20;

/// What the top-level boxes of an MP4 file say.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Edits of the audio tracks.
    pub edits: Vec<AudioEdit>,
    /// A top-level box runs past the end of the file: the file is cut off.
    pub cut_off: bool,
}

/// Walks the top-level boxes in `start..end`, reads the `moov` box and returns the edits of its
/// audio tracks. Any parse problem yields no edits (the file is then decoded without them).
pub(crate) fn layout<R: Read + Seek>(reader: &mut R, start: u64, end: u64) -> Layout {
    let mut cut_off = false;
    let moov = find_moov(reader, start, end, &mut cut_off).ok().flatten();
    Layout {
        edits: moov.map(|moov| parse_moov(&moov)).unwrap_or_default(),
        cut_off,
    }
}

fn find_moov<R: Read + Seek>(
    reader: &mut R,
    start: u64,
    end: u64,
    cut_off: &mut bool,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut pos = start;
    // Bounded: a file has a handful of top-level boxes.
    for _ in 0..1024 {
        if pos.saturating_add(8) > end {
            *cut_off |= pos < end;
            return Ok(None);
        }
        reader.seek(SeekFrom::Start(pos))?;
        let mut header = [0u8; 16];
        reader.read_exact(&mut header[..8])?;
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        let (size, header_len) = match size32 {
            0 => (end - pos, 8),
            1 => {
                reader.read_exact(&mut header[8..16])?;
                let mut large = [0u8; 8];
                large.copy_from_slice(&header[8..16]);
                (u64::from_be_bytes(large), 16)
            }
            n => (u64::from(n), 8),
        };
        if size < header_len {
            return Ok(None);
        }
        if pos.saturating_add(size) > end {
            *cut_off = true;
        }
        if &kind == b"moov" {
            let body = size - header_len;
            if body > MAX_MOOV || pos.saturating_add(size) > end {
                return Ok(None);
            }
            let mut moov = vec![0u8; body as usize];
            reader.read_exact(&mut moov)?;
            return Ok(Some(moov));
        }
        pos = pos.saturating_add(size);
    }
    Ok(None)
}

/// Child boxes of a box body: (type, body).
fn children(mut data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        if data.len() < 8 {
            return None;
        }
        let size32 = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let kind = [data[4], data[5], data[6], data[7]];
        let (size, header) = match size32 {
            0 => (data.len(), 8),
            1 => {
                let large = data.get(8..16)?;
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(large);
                (usize::try_from(u64::from_be_bytes(bytes)).ok()?, 16)
            }
            n => (n, 8),
        };
        if size < header || size > data.len() {
            return None;
        }
        let body = &data[header..size];
        data = &data[size..];
        Some((kind, body))
    })
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    children(data)
        .find(|(k, _)| k == kind)
        .map(|(_, body)| body)
}

fn be_u32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be_u64(data: &[u8], at: usize) -> Option<u64> {
    let b = data.get(at..at + 8)?;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(b);
    Some(u64::from_be_bytes(bytes))
}

/// The timescale of an `mvhd` or `mdhd` body (same layout up to the timescale).
fn header_timescale(body: &[u8]) -> Option<u32> {
    match body.first()? {
        0 => be_u32(body, 12),
        1 => be_u32(body, 20),
        _ => None,
    }
}

fn parse_moov(moov: &[u8]) -> Vec<AudioEdit> {
    let Some(movie_timescale) = child(moov, b"mvhd").and_then(header_timescale) else {
        return Vec::new();
    };
    children(moov)
        .filter(|(kind, _)| kind == b"trak")
        .filter_map(|(_, trak)| parse_trak(trak, movie_timescale))
        .collect()
}

fn parse_trak(trak: &[u8], movie_timescale: u32) -> Option<AudioEdit> {
    let tkhd = child(trak, b"tkhd")?;
    let track_id = match tkhd.first()? {
        0 => be_u32(tkhd, 12)?,
        1 => be_u32(tkhd, 20)?,
        _ => return None,
    };
    let mdia = child(trak, b"mdia")?;
    let handler = child(mdia, b"hdlr")?.get(8..12)?;
    if handler != b"soun" {
        return None;
    }
    let timescale = header_timescale(child(mdia, b"mdhd")?)?;
    let elst = child(child(trak, b"edts")?, b"elst")?;
    let version = *elst.first()?;
    let count = be_u32(elst, 4)? as usize;
    let entry_len = if version == 1 { 20 } else { 12 };
    let mut edit = None;
    for i in 0..count.min(16) {
        let at = 8 + i * entry_len;
        let (segment, media_time) = if version == 1 {
            (be_u64(elst, at)?, be_u64(elst, at + 8)? as i64)
        } else {
            (
                u64::from(be_u32(elst, at)?),
                i64::from(be_u32(elst, at + 4)? as i32),
            )
        };
        if media_time < 0 {
            continue; // an empty edit (presentation delay): nothing to trim
        }
        if edit.is_some() {
            return None; // several media segments: beyond a plain trim, leave the track as is
        }
        let duration =
            u128::from(segment) * u128::from(timescale) / u128::from(movie_timescale.max(1));
        edit = Some(AudioEdit {
            track_id,
            timescale,
            skip: media_time as u64,
            duration: u64::try_from(duration).ok()?,
        });
    }
    edit.filter(|e| e.timescale > 0 && e.duration > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        [&((body.len() + 8) as u32).to_be_bytes()[..], kind, body].concat()
    }

    #[test]
    fn reads_the_audio_edit_of_a_track() {
        let entry: [&[u8]; 5] = [
            &[0, 0, 0, 0],
            &1u32.to_be_bytes(),
            &1600u32.to_be_bytes(),
            &1024u32.to_be_bytes(),
            &[0, 1, 0, 0],
        ];
        let elst = bx(b"elst", &entry.concat());
        let mut mvhd = vec![0u8; 100];
        mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
        let mut mdhd = vec![0u8; 24];
        mdhd[12..16].copy_from_slice(&24_000u32.to_be_bytes());
        let mut tkhd = vec![0u8; 84];
        tkhd[12..16].copy_from_slice(&2u32.to_be_bytes());
        let hdlr = [&[0u8; 8][..], b"soun", &[0u8; 12]].concat();
        let mdia = bx(b"mdia", &[bx(b"mdhd", &mdhd), bx(b"hdlr", &hdlr)].concat());
        let trak = bx(
            b"trak",
            &[bx(b"tkhd", &tkhd), bx(b"edts", &elst), mdia].concat(),
        );
        let moov = bx(b"moov", &[bx(b"mvhd", &mvhd), trak].concat());
        let file = [bx(b"ftyp", b"M4A \0\0\0\0"), bx(b"mdat", &[0u8; 40]), moov].concat();
        let len = file.len() as u64;
        let found = layout(&mut std::io::Cursor::new(&file), 0, len);
        assert_eq!(
            found.edits,
            vec![AudioEdit {
                track_id: 2,
                timescale: 24_000,
                skip: 1024,
                duration: 38_400
            }]
        );
        assert!(!found.cut_off);
        let cut = layout(&mut std::io::Cursor::new(&file[..60]), 0, 60);
        assert!(cut.edits.is_empty());
        assert!(cut.cut_off);
    }

    #[test]
    fn garbage_yields_no_edits() {
        let mut seed = 9u32;
        for len in [0usize, 7, 8, 64, 1000] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (seed >> 24) as u8
                })
                .collect();
            assert!(layout(&mut std::io::Cursor::new(bytes), 0, len as u64)
                .edits
                .is_empty());
        }
    }
}
