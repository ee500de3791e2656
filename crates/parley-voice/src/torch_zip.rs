//! Reader for torch's zip serialization (`torch.save` since 1.6) of a plain state dict.
//!
//! The file is an uncompressed zip archive: `<prefix>/data.pkl` is a pickle of the state
//! dict whose storages are persistent ids, and `<prefix>/data/<key>` holds each storage's
//! raw little-endian elements (no header). Only the zip features torch writes are accepted:
//! stored (method 0) entries, no zip64, a single disk. Everything is bounds-checked so that a
//! truncated or hostile file is an error, never a panic or an unbounded allocation.

use std::collections::HashMap;

use crate::error::VoiceError;
use crate::torch_pickle::{fmt_err, gather, read_state_dict_pickle, Dtype, Tensor};

const EOCD_SIG: u32 = 0x0605_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
/// Fixed part of the end-of-central-directory record; a comment of up to 64 KiB may follow.
const EOCD_LEN: usize = 22;

/// Reads every float32 tensor of a zip-format state dict, in file order. Integer tensors
/// (BatchNorm's `num_batches_tracked`) are skipped.
pub(crate) fn read_state_dict(bytes: &[u8]) -> Result<Vec<(String, Tensor)>, VoiceError> {
    let entries = central_directory(bytes)?;
    let (prefix, pickle) = entries
        .iter()
        .find_map(|(name, data)| name.strip_suffix("data.pkl").map(|p| (p, *data)))
        .ok_or_else(|| fmt_err(0, "no data.pkl in the archive"))?;
    let storages: HashMap<&str, &[u8]> = entries
        .iter()
        .filter_map(|(name, data)| {
            let key = name.strip_prefix(prefix)?.strip_prefix("data/")?;
            Some((key, *data))
        })
        .collect();

    let mut out = Vec::new();
    for (name, t) in read_state_dict_pickle(pickle)? {
        if t.dtype != Dtype::F32 {
            continue;
        }
        let storage = storages
            .get(t.storage_key.as_str())
            .ok_or_else(|| VoiceError::Model(format!("tensor {name} has no storage data")))?;
        if storage.len() != t.storage_numel * Dtype::F32.size() {
            return Err(VoiceError::Model(format!(
                "storage of {name} holds {} bytes, pickle says {} elements",
                storage.len(),
                t.storage_numel
            )));
        }
        let data = gather(storage, &t)
            .ok_or_else(|| VoiceError::Model(format!("tensor {name} overruns its storage")))?;
        out.push((
            name,
            Tensor {
                shape: t.size,
                data,
            },
        ));
    }
    Ok(out)
}

/// Name and data of every entry, from the central directory.
fn central_directory(bytes: &[u8]) -> Result<Vec<(String, &[u8])>, VoiceError> {
    // The end record sits in the last 22 + 65535 bytes; search backwards for its signature.
    let lowest = bytes.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let eocd = (lowest..=bytes.len().saturating_sub(EOCD_LEN))
        .rev()
        .find(|&i| bytes.len() >= EOCD_LEN && u32_at(bytes, i) == Some(EOCD_SIG))
        .ok_or_else(|| {
            fmt_err(
                bytes.len(),
                "not a zip archive (no end-of-directory record)",
            )
        })?;
    let count = u16_at(bytes, eocd + 10).unwrap_or(0);
    let cd_size = u32_at(bytes, eocd + 12).unwrap_or(0) as usize;
    let cd_offset = u32_at(bytes, eocd + 16).unwrap_or(u32::MAX);
    if count == u16::MAX || cd_offset == u32::MAX {
        return Err(fmt_err(eocd, "zip64 archives are not supported"));
    }
    let cd_offset = cd_offset as usize;
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > eocd) {
        return Err(fmt_err(eocd, "central directory lies outside the file"));
    }

    let mut entries = Vec::with_capacity(usize::from(count));
    let mut at = cd_offset;
    for _ in 0..count {
        let field = |off: usize| u32_at(bytes, at + off);
        let short = |off: usize| u16_at(bytes, at + off).map(usize::from);
        if field(0) != Some(CENTRAL_SIG) {
            return Err(fmt_err(at, "bad central-directory entry"));
        }
        let (Some(method), Some(comp), Some(size), Some(name_len), Some(extra), Some(comment)) = (
            short(10),
            field(20),
            field(24),
            short(28),
            short(30),
            short(32),
        ) else {
            return Err(fmt_err(at, "truncated central-directory entry"));
        };
        let local = field(42).ok_or_else(|| fmt_err(at, "truncated central-directory entry"))?;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| fmt_err(at, "truncated entry name"))?;
        let name = std::str::from_utf8(name)
            .map_err(|_| fmt_err(at, "entry name is not utf-8"))?
            .to_owned();
        if method != 0 || comp != size {
            return Err(fmt_err(at, format!("entry {name} is compressed")));
        }
        if size == u32::MAX || local == u32::MAX {
            return Err(fmt_err(at, "zip64 archives are not supported"));
        }
        let data = local_data(bytes, local as usize, size as usize).ok_or_else(|| {
            fmt_err(
                local as usize,
                format!("entry {name} lies outside the file"),
            )
        })?;
        entries.push((name, data));
        at += 46 + name_len + extra + comment;
    }
    Ok(entries)
}

/// The data of the entry whose local header starts at `at`.
fn local_data(bytes: &[u8], at: usize, size: usize) -> Option<&[u8]> {
    if u32_at(bytes, at)? != LOCAL_SIG {
        return None;
    }
    let name_len = usize::from(u16_at(bytes, at + 26)?);
    let extra = usize::from(u16_at(bytes, at + 28)?);
    let start = at.checked_add(30 + name_len + extra)?;
    bytes.get(start..start.checked_add(size)?)
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(i..i.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(i..i.checked_add(4)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::torch_pickle::fixture::{push_str, push_tensor};

    /// A stored zip archive of `files`, laid out as torch writes it.
    fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in files {
            let offset = out.len() as u32;
            out.extend(LOCAL_SIG.to_le_bytes());
            out.extend([0u8; 14]); // version, flags, method 0, time, date, crc
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes());
            out.extend(name.as_bytes());
            out.extend(*data);
            central.extend(CENTRAL_SIG.to_le_bytes());
            central.extend([0u8; 16]); // versions, flags, method 0, time, date, crc
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((name.len() as u16).to_le_bytes());
            central.extend([0u8; 12]); // extra, comment, disk, attributes
            central.extend(offset.to_le_bytes());
            central.extend(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend(&central);
        out.extend(EOCD_SIG.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend((files.len() as u16).to_le_bytes());
        out.extend((files.len() as u16).to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }

    /// `{'w': FloatTensor (1, 2, 2) over storage '0' (transposed view), 'n': LongTensor ()
    /// over storage '1'}`.
    fn checkpoint() -> Vec<u8> {
        let mut p = vec![0x80, 2, b'}', b'('];
        push_str(&mut p, "w");
        push_tensor(&mut p, "FloatStorage", "0", 4, 0, &[1, 2, 2], &[4, 1, 2]);
        push_str(&mut p, "n");
        push_tensor(&mut p, "LongStorage", "1", 1, 0, &[], &[]);
        p.extend([b'u', b'.']);
        let floats: Vec<u8> = [1f32, 2.0, 3.0, 4.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        zip(&[
            ("m/data.pkl", &p),
            ("m/data/0", &floats),
            ("m/data/1", &7i64.to_le_bytes()),
            ("m/version", b"3\n"),
        ])
    }

    #[test]
    fn reads_float_tensors_and_skips_counters() {
        let state = read_state_dict(&checkpoint()).unwrap();
        assert_eq!(state.len(), 1);
        assert_eq!(state[0].0, "w");
        assert_eq!(state[0].1.shape, vec![1, 2, 2]);
        assert_eq!(state[0].1.data, vec![1.0, 3.0, 2.0, 4.0]);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let full = checkpoint();
        for n in 0..full.len() {
            assert!(read_state_dict(&full[..n]).is_err(), "truncated at {n}");
        }
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let full = checkpoint();
        for i in 0..full.len() {
            let mut b = full.clone();
            b[i] ^= 0xa5;
            let _ = read_state_dict(&b);
        }
    }

    #[test]
    fn compressed_entries_are_refused() {
        let mut b = checkpoint();
        // Method field of the first central-directory entry.
        let cd = b
            .windows(4)
            .position(|w| w == CENTRAL_SIG.to_le_bytes())
            .unwrap();
        b[cd + 10] = 8;
        let e = read_state_dict(&b).unwrap_err().to_string();
        assert!(e.contains("compressed"), "{e}");
    }
}
