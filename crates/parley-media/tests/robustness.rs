//! No input may panic: random bytes, every fixture cut at many offsets, valid headers followed by
//! garbage, and flipped bytes in the middle of valid files. Each case must return (Ok or a
//! classified error). A panic inside a decoder that the crate catches still counts as a failure
//! here (a panic hook counts them), so a new upstream panic is noticed rather than hidden.

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use parley_media::{decode, probe, DecodeOptions, MediaErrorKind};

static PANICS: AtomicUsize = AtomicUsize::new(0);
static HOOK: Once = Once::new();

fn count_panics() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const MEDIA: &[&str] = &[
    "stereo_44k.wav",
    "telephony_8k_ulaw.wav",
    "speech.mp3",
    "speech.flac",
    "speech.ogg",
    "speech.opus",
    "browser_stereo.webm",
    "speech.m4a",
    "video.mp4",
    "screen.mkv",
    "dialer_identical_stereo.mp3",
];

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// Runs probe and decode on `bytes`, which must return without panicking, and returns the
/// decode result's error kind (None for success).
fn survive(label: &str, bytes: &[u8], hint: Option<&str>) -> Option<MediaErrorKind> {
    let before = PANICS.load(Ordering::SeqCst);
    let opts = DecodeOptions::default();
    let _ = probe(Cursor::new(bytes), hint);
    let result = decode(Cursor::new(bytes), hint, &opts);
    let after = PANICS.load(Ordering::SeqCst);
    assert_eq!(
        before, after,
        "{label}: a decoder panicked (caught) on this input"
    );
    result.err().map(|e| e.kind())
}

#[test]
fn random_bytes() {
    count_panics();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for round in 0..300 {
        let len = match round % 4 {
            0 => (rng.next() % 16) as usize,
            1 => (rng.next() % 512) as usize,
            2 => (rng.next() % 8192) as usize,
            _ => (rng.next() % 65_536) as usize,
        };
        let bytes = rng.bytes(len);
        let kind = survive(&format!("random #{round} ({len} bytes)"), &bytes, None);
        if len == 0 {
            assert_eq!(kind, Some(MediaErrorKind::Empty));
        }
    }
}

#[test]
fn truncated_at_many_offsets() {
    count_panics();
    for name in MEDIA {
        let bytes = read_fixture(name);
        let ext = name.rsplit('.').next();
        let steps = 40;
        for i in 0..steps {
            let cut = bytes.len() * i / steps + (i * 7) % 13;
            let cut = cut.min(bytes.len());
            survive(&format!("{name} cut at {cut}"), &bytes[..cut], ext);
        }
    }
}

#[test]
fn valid_header_then_garbage() {
    count_panics();
    let mut rng = Rng(0xfeed_beef_0000_0042);
    for name in MEDIA {
        let bytes = read_fixture(name);
        let ext = name.rsplit('.').next();
        for keep in [4usize, 12, 44, 64, 200, 600, 2000, bytes.len() / 2] {
            let keep = keep.min(bytes.len());
            let mut mangled = bytes[..keep].to_vec();
            mangled.extend(rng.bytes(bytes.len() - keep));
            survive(
                &format!("{name}: {keep} good bytes then garbage"),
                &mangled,
                ext,
            );
        }
    }
}

#[test]
fn damaged_bytes_in_the_middle() {
    count_panics();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    for name in MEDIA {
        let bytes = read_fixture(name);
        let ext = name.rsplit('.').next();
        for round in 0..25 {
            let mut mangled = bytes.clone();
            // Flip a few bytes, or zero a run, somewhere after the first 64 bytes.
            let span = mangled.len().saturating_sub(64).max(1);
            if round % 2 == 0 {
                for _ in 0..1 + round % 5 {
                    let at = 64 + (rng.next() as usize % span);
                    if let Some(b) = mangled.get_mut(at) {
                        *b ^= 1 << (rng.next() % 8);
                    }
                }
            } else {
                let at = 64 + (rng.next() as usize % span);
                let len = (rng.next() % 400) as usize;
                let end = (at + len).min(mangled.len());
                mangled
                    .get_mut(at..end)
                    .into_iter()
                    .flatten()
                    .for_each(|b| *b = 0);
            }
            survive(&format!("{name}: damage round {round}"), &mangled, ext);
        }
    }
}
