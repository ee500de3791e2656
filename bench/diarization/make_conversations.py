#!/usr/bin/env python3
"""Splice real single-speaker recordings into conversations with exact reference turns.

    python3 make_conversations.py SRC OUT [--seed N] [--only dev|check|real]
    python3 make_conversations.py SRC FIXTURE_DIR --fixtures

SRC is what fetch_sources.py unpacked. OUT gets, per conversation ID:

    OUT/<set>/<ID>.clean.wav   16 kHz mono 16-bit PCM
    OUT/<set>/<ID>.phone.wav   the same through a telephone channel (300-3400 Hz band-pass,
                               8 kHz, 8-bit mu-law), back to 16 kHz 16-bit PCM
    OUT/<set>/<ID>.rttm        reference speech segments (speaker = source person)
    OUT/<set>/<ID>.json        segments (the reference), turns (kind, source clip and span),
                               speakers (gender, gain), duration, speech and overlap seconds
    OUT/manifest.json          every file with its set, speaker count and condition

<set> is `dev` (speakers for tuning) or `check` (other people, held out). Deterministic:
the same SRC and seed give the same bytes. Real recordings that come with their own
reference go to `real` unchanged (condition `recorded`):

    OUT/real/real-2spk-pyannote-sample.recorded.wav   a real 30 s two-party phone call
    OUT/real/real-2spk-pyannote-sample.{rttm,json}    its RTTM; the JSON adds the STM transcript

How a conversation is built (all times drawn from one seeded generator):
- Each person's speech comes from one meeting only (one room, one microphone chain), as a
  caller keeps one phone; when it runs out, the conversation ends there.
- Turn lengths 0.4-6 s: 35 % 0.4-1.0 s, 40 % 1-3 s, 25 % 3-6 s. Each turn is the next stretch
  of that person's own recording (never crossing a clip boundary, never reused within the
  conversation), with its cut points moved to the quietest 10 ms within 120 ms so words are
  rarely cut, then trimmed to speech and faded over 5 ms.
- Between turns: 30 % no pause, 15 % overlap of 0.1-0.4 s, 55 % a pause of 0.05-0.6 s.
- Backchannels: after about one turn in four, another person says a 0.3-0.6 s bit of their
  own speech, either over the middle of the turn (overlap) or in a short gap, after which the
  first person carries on.
- Loudness: each person is levelled to the same speech level, then given a fixed gain of
  -6..+3 dB, plus +-1.5 dB per turn. A -62 dBFS noise floor keeps pauses from being
  digital silence.
- Reference segments are the placed pieces, split where the piece itself has a pause of
  0.5 s or more (energy under the clip's noise floor + 10 dB), so a hypothesis is not asked
  to label the speaker's own long silences.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sources  # noqa: E402

SR = 16000
FRAME = 160  # 10 ms
LEVEL_DB = -26.0  # speech level every person is brought to before their gain
NOISE_DB = -62.0
MEETING_MIN_S = 30  # speech a person should have in one meeting to be drawn from it


@dataclass
class Clip:
    path: str  # relative to SRC
    audio: np.ndarray
    energy_db: np.ndarray  # per 10 ms frame
    silence_db: float  # frames under this are pauses


@dataclass
class Pool:
    """One person's recordings, consumed in order from a seeded starting point."""

    name: str
    clips: list[Clip]
    gain_db: float = 0.0
    level_gain: float = 1.0  # linear factor bringing this person to LEVEL_DB
    clip_i: int = 0
    pos: int = 0  # sample offset inside clips[clip_i]
    used: int = 0  # samples handed out so far
    total: int = field(init=False)

    def __post_init__(self) -> None:
        self.total = sum(len(c.audio) for c in self.clips)


def frame_energy_db(x: np.ndarray) -> np.ndarray:
    n = len(x) // FRAME
    if n == 0:
        return np.full(1, -100.0)
    f = x[: n * FRAME].reshape(n, FRAME)
    return 10.0 * np.log10(np.mean(f * f, axis=1) + 1e-12)


def load_clip(src: Path, rel: str) -> Clip:
    x, sr = sf.read(src / rel, dtype="float64", always_2d=False)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sr != SR:
        g = np.gcd(sr, SR)
        x = signal.resample_poly(x, SR // g, sr // g)
    e = frame_energy_db(x)
    return Clip(rel, x, e, float(np.percentile(e, 5) + 10.0))


def speech_level_db(clips: list[Clip]) -> float:
    e = np.concatenate([c.energy_db[c.energy_db > c.silence_db] for c in clips])
    # Mean power over speech frames, in dB.
    return float(10.0 * np.log10(np.mean(10.0 ** (e / 10.0))))


def load_pools(src: Path, names: list[str], rng: np.random.Generator, order: str | None) -> dict[str, Pool]:
    pools = {}
    for name in names:
        sp = sources.speaker(name)
        if sp.corpus == "council":
            rels = sorted(str(p.relative_to(src)) for p in (src / "council").glob(f"*/{name}/*.wav"))
            clips = [load_clip(src, r) for r in rels]
            clips = [c for c in clips if len(c.audio) >= SR]  # sub-second clips are mostly cut-offs
            # One meeting per person: a real caller keeps one phone and one room for the whole
            # call, so a voice must not change microphone chain mid-file. The conversation's
            # own meeting when the person has enough speech in it, else their largest meeting.
            by_meeting: dict[str, list[Clip]] = {}
            for c in clips:
                by_meeting.setdefault(c.path.split("/")[1], []).append(c)
            size = {m: sum(len(c.audio) for c in cs) for m, cs in by_meeting.items()}
            meeting = order if order in size and size[order] >= MEETING_MIN_S * SR else max(size, key=lambda m: (size[m], m))
            clips = sorted(by_meeting[meeting], key=lambda c: (-len(c.audio), c.path))
        else:
            clips = [load_clip(src, f"libri/{name}.wav")]
        p = Pool(name, clips)
        p.level_gain = 10.0 ** ((LEVEL_DB - speech_level_db(clips)) / 20.0)
        p.gain_db = float(rng.uniform(-6.0, 3.0))
        # Start somewhere inside the first clip so conversations sharing a person differ,
        # without giving away speech the conversation may need.
        spare = p.total - MEETING_MIN_S * SR
        if spare > 0:
            p.pos = int(rng.integers(0, max(1, min(spare, len(p.clips[0].audio) // 3))))
        pools[name] = p
    return pools


def quietest(clip: Clip, at: int, lo: int, hi: int) -> int:
    """The sample index of the quietest 10 ms frame within 120 ms of `at`, kept in [lo, hi]."""
    f0 = max(lo, at - 12 * FRAME) // FRAME
    f1 = min(hi, at + 12 * FRAME) // FRAME
    f1 = min(f1, len(clip.energy_db) - 1)
    if f1 <= f0:
        return min(max(at, lo), hi)
    k = f0 + int(np.argmin(clip.energy_db[f0 : f1 + 1]))
    return min(max(k * FRAME + FRAME // 2, lo), hi)


def take(pool: Pool, seconds: float) -> tuple[np.ndarray, str, list[tuple[float, float]]]:
    """The next stretch of about `seconds` of this person's speech.

    Returns the audio (levelled, not yet gained), where it came from, and the speech
    sub-segments (seconds, relative to the returned audio)."""
    want = int(seconds * SR)
    for _attempt in range(8):
        got = cut(pool, want)
        # A stretch that trims down to a fraction of what was asked was mostly a pause:
        # skip it rather than place a 0.1 s blip as a "turn".
        if len(got[0]) >= min(0.3 * SR, 0.6 * want):
            return got
    return got


def cut(pool: Pool, want: int) -> tuple[np.ndarray, str, list[tuple[float, float]]]:
    while True:
        clip = pool.clips[pool.clip_i]
        # What is left of a clip may be shorter than asked: a shorter turn, not a wasted clip.
        if len(clip.audio) - pool.pos >= min(want, SR // 2):
            break
        pool.clip_i += 1
        pool.pos = 0
        if pool.clip_i == len(pool.clips):
            # Never hand out the same audio twice in one conversation.
            raise Exhausted(pool.name)
    clip = pool.clips[pool.clip_i]
    start = quietest(clip, pool.pos, pool.pos, len(clip.audio))
    end = quietest(clip, start + want, start + min(want, SR // 4), len(clip.audio))
    # Trim to speech: drop quiet frames at both ends.
    fa, fb = start // FRAME, max(start // FRAME + 1, end // FRAME)
    e = clip.energy_db
    while fa < fb - 1 and fa < len(e) and e[fa] <= clip.silence_db:
        fa += 1
    while fb - 1 > fa and fb - 1 < len(e) and e[fb - 1] <= clip.silence_db:
        fb -= 1
    a, b = fa * FRAME, min(fb * FRAME, len(clip.audio))
    if b - a < FRAME * 5:
        a, b = start, max(end, start + FRAME * 5)
        b = min(b, len(clip.audio))
    x = clip.audio[a:b] * pool.level_gain
    fade = min(80, len(x) // 4)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade)
        x[:fade] *= ramp
        x[-fade:] *= ramp[::-1]
    pool.pos = end
    pool.used += b - a
    # Speech sub-segments: split at the piece's own pauses of >= 0.5 s.
    quiet = clip.energy_db[a // FRAME : (b + FRAME - 1) // FRAME] <= clip.silence_db
    segs: list[tuple[float, float]] = []
    run_start, seg_start = None, 0
    for i, q in enumerate(list(quiet) + [False]):
        if q and run_start is None:
            run_start = i
        elif not q and run_start is not None:
            if i - run_start >= 50 and run_start > seg_start:
                segs.append((seg_start * 0.01, run_start * 0.01))
                seg_start = i
            run_start = None
    segs.append((seg_start * 0.01, len(x) / SR))
    segs = [(s, min(t, len(x) / SR)) for s, t in segs if t - s > 0.05]
    return x, f"{clip.path}@{a / SR:.2f}-{b / SR:.2f}", segs


class Exhausted(Exception):
    """A person's recordings are used up: the conversation ends here."""


def turn_seconds(rng: np.random.Generator) -> float:
    u = rng.random()
    if u < 0.35:
        return float(rng.uniform(0.4, 1.0))
    if u < 0.75:
        return float(rng.uniform(1.0, 3.0))
    return float(rng.uniform(3.0, 6.0))


def telephone_band(x: np.ndarray) -> np.ndarray:
    """300-3400 Hz band-pass, then 8 kHz (before the 8-bit mu-law step)."""
    sos = signal.butter(6, [300.0, 3400.0], btype="bandpass", fs=SR, output="sos")
    y = signal.sosfilt(sos, x)
    return np.clip(signal.resample_poly(y, 1, 2), -1.0, 1.0)


def mulaw8(y: np.ndarray) -> np.ndarray:
    """Through 8-bit mu-law (mu = 255) and back: 256 levels, finer near zero."""
    mu = 255.0
    q = np.round((np.sign(y) * np.log1p(mu * np.abs(y)) / np.log1p(mu) + 1.0) * 127.5)
    c = q / 127.5 - 1.0
    return np.sign(c) * (np.expm1(np.abs(c) * np.log1p(mu)) / mu)


def telephone(x: np.ndarray) -> np.ndarray:
    """300-3400 Hz band-pass, 8 kHz, 8-bit mu-law, back to 16 kHz."""
    return signal.resample_poly(mulaw8(telephone_band(x)), 2, 1)


@dataclass
class Placed:
    speaker: str
    start: float
    audio: np.ndarray
    kind: str
    source: str
    segs: list[tuple[float, float]]

    @property
    def end(self) -> float:
        return self.start + len(self.audio) / SR


def converse(names: list[str], target: float, put, rng: np.random.Generator, t: float, prev: str | None) -> None:
    """Places turns until `target` seconds (see the module docstring for the rules)."""
    while t < target:
        if len(names) == 1:
            who = names[0]
        else:
            others = [n for n in names if n != prev]
            who = others[int(rng.integers(len(others)))]
        u = rng.random()
        if prev is None or len(names) == 1:
            gap = float(rng.uniform(0.1, 0.6)) if len(names) == 1 else 0.0
        elif u < 0.30:
            gap = 0.0
        elif u < 0.45:
            gap = -float(rng.uniform(0.1, 0.4))
        else:
            gap = float(rng.uniform(0.05, 0.6))
        p = put(who, t + gap, turn_seconds(rng), "turn")
        t = max(t, p.end)
        prev = who
        if len(names) > 1 and rng.random() < 0.25:
            other = [n for n in names if n != who][int(rng.integers(len(names) - 1))]
            bc = float(rng.uniform(0.3, 0.6))
            if p.end - p.start > 2.0 and rng.random() < 0.5:
                # Over the middle of the turn: a real "mm-hm" while the other talks.
                at = p.start + float(rng.uniform(0.6, p.end - p.start - bc - 0.3))
                put(other, at, bc, "backchannel")
            else:
                # In a short gap, then the first person carries on.
                b = put(other, t + float(rng.uniform(0.05, 0.3)), bc, "backchannel")
                c = put(who, b.end + float(rng.uniform(0.05, 0.3)), turn_seconds(rng), "turn")
                t = c.end


def build(spec: dict, src: Path, seed: int) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    names = spec["speakers"]
    pools = load_pools(src, names, rng, spec.get("meeting"))
    target = spec["seconds"]
    placed: list[Placed] = []

    def put(name: str, start: float, seconds: float, kind: str) -> Placed:
        x, where, segs = take(pools[name], seconds)
        g = 10.0 ** ((pools[name].gain_db + rng.uniform(-1.5, 1.5)) / 20.0)
        p = Placed(name, max(0.0, start), x * g, kind, where, segs)
        placed.append(p)
        return p

    t = 0.3
    prev: str | None = None
    try:
        converse(names, target, put, rng, t, prev)
    except Exhausted as e:
        if len({p.speaker for p in placed}) < len(names):
            raise SystemExit(f"make_conversations: {spec['id']}: {e} has too little speech") from e
    n = int((max(p.end for p in placed) + 0.4) * SR)
    mix = np.zeros(n)
    for p in placed:
        i = int(round(p.start * SR))
        mix[i : i + len(p.audio)] += p.audio
    mix += rng.standard_normal(n) * 10.0 ** (NOISE_DB / 20.0)
    peak = float(np.max(np.abs(mix)))
    if peak > 0.95:
        mix *= 0.95 / peak  # the references are times, so scaling the whole file is free
    segments = []
    for p in placed:
        for s, e in p.segs:
            segments.append({"speaker": p.speaker, "start": round(p.start + s, 3), "end": round(p.start + e, 3)})
    segments.sort(key=lambda s: (s["start"], s["end"]))
    turns = [
        {
            "speaker": p.speaker,
            "start": round(p.start, 3),
            "end": round(p.end, 3),
            "kind": p.kind,
            "source": p.source,
        }
        for p in sorted(placed, key=lambda p: p.start)
    ]
    meta = {
        "id": spec["id"],
        "set": spec["set"],
        "seed": seed,
        "sample_rate": SR,
        "duration": round(n / SR, 3),
        "speakers": [
            {
                "name": nm,
                "gender": sources.speaker(nm).gender,
                "corpus": sources.speaker(nm).corpus,
                "gain_db": round(pools[nm].gain_db, 2),
            }
            for nm in names
        ],
        "turns": turns,
        "segments": segments,
        "speech_seconds": round(sum(s["end"] - s["start"] for s in segments), 3),
        "overlap_seconds": round(overlap_seconds(segments), 3),
    }
    return mix, meta


def overlap_seconds(segments: list[dict]) -> float:
    ev = sorted([(s["start"], 1) for s in segments] + [(s["end"], -1) for s in segments])
    depth, last, total = 0, 0.0, 0.0
    for t, d in ev:
        if depth >= 2:
            total += t - last
        depth += d
        last = t
    return total


def write_rttm(path: Path, rec: str, segments: list[dict]) -> None:
    with path.open("w") as f:
        for s in segments:
            f.write(f"SPEAKER {rec} 1 {s['start']:.3f} {s['end'] - s['start']:.3f} <NA> <NA> {s['speaker']} <NA> <NA>\n")


def plan() -> list[dict]:
    """Every conversation: id, set, speakers, length, and the meeting to draw from first."""
    P = []

    def add(set_: str, kind: str, spk: list[str], seconds: float, meeting: str | None = None) -> None:
        P.append(
            {"id": f"{set_}-{kind}-{'-'.join(spk)}", "set": set_, "speakers": spk, "seconds": seconds, "meeting": meeting}
        )

    # DEV: lewis, pedersen (m); gonzalez, herbold, mosqueda (f).
    for pair in [
        ["lewis", "pedersen"],
        ["gonzalez", "herbold"],
        ["herbold", "mosqueda"],
        ["gonzalez", "mosqueda"],
        ["lewis", "herbold"],
        ["pedersen", "gonzalez"],
        ["pedersen", "mosqueda"],
    ]:
        add("dev", "2spk", pair, 55.0, "6d6702d7b820")
    add("dev", "3spk", ["lewis", "gonzalez", "mosqueda"], 80.0, "9f581faa5ece")
    add("dev", "3spk", ["pedersen", "herbold", "gonzalez"], 80.0, "6d6702d7b820")
    add("dev", "4spk", ["lewis", "pedersen", "herbold", "mosqueda"], 100.0, "9f581faa5ece")
    add("dev", "4spk", ["lewis", "pedersen", "gonzalez", "herbold"], 100.0, "6d6702d7b820")
    add("dev", "1spk", ["herbold"], 45.0, "01e7f8bb1c03")
    add("dev", "1spk", ["lewis"], 45.0, "6d6702d7b820")
    # CHECK: strauss (m); juarez, morales, sawant (f); and LibriSpeech read speech.
    for pair in [
        ["strauss", "sawant"],
        ["juarez", "morales"],
        ["morales", "sawant"],
        ["strauss", "juarez"],
        ["juarez", "sawant"],
    ]:
        add("check", "2spk", pair, 55.0, "9f581faa5ece")
    add("check", "3spk", ["strauss", "juarez", "sawant"], 80.0, "9f581faa5ece")
    add("check", "4spk", ["strauss", "juarez", "morales", "sawant"], 100.0, "6d6702d7b820")
    add("check", "1spk", ["sawant"], 45.0, "9f55f22d8e61")
    # One 4-7 s read clip per LibriSpeech speaker: these end when a clip is used up.
    for pair in [["1089", "1188"], ["121", "1221"], ["1320", "1580"]]:
        add("check", "2spk", pair, 60.0)
    add("check", "3spk", ["1284", "1995", "2094"], 60.0)
    return P


def name_map(segments: list[dict], transcript: list[dict]) -> dict[str, str]:
    shared: dict[tuple[str, str], float] = {}
    for u in transcript:
        for s in segments:
            t = min(u["end"], s["end"]) - max(u["start"], s["start"])
            if t > 0:
                shared[(u["speaker"], s["speaker"])] = shared.get((u["speaker"], s["speaker"]), 0.0) + t
    return {name: max((v, lab) for (n, lab), v in shared.items() if n == name)[1] for name in sorted({n for n, _ in shared})}


def add_real(src: Path, out: Path) -> list[dict]:
    """Real recordings with their own references: copied, never altered."""
    rid = "real-2spk-pyannote-sample"
    d = out / "real"
    d.mkdir(parents=True, exist_ok=True)
    x, sr = sf.read(src / "real/pyannote-sample.wav", dtype="int16")
    if sr != SR or x.ndim != 1:
        raise SystemExit("make_conversations: pyannote-sample.wav is not 16 kHz mono")
    sf.write(d / f"{rid}.recorded.wav", x, SR, subtype="PCM_16")
    segments = []
    for line in (src / "real/pyannote-sample.rttm").read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            a = float(f[3])
            segments.append({"speaker": f[7], "start": a, "end": round(a + float(f[4]), 3)})
    transcript = []
    for line in (src / "real/pyannote-sample.stm").read_text().splitlines():
        f = line.split()
        if len(f) >= 5:
            transcript.append({"speaker": f[2], "start": float(f[3]), "end": float(f[4]), "text": " ".join(f[5:])})
    segments.sort(key=lambda s: (s["start"], s["end"]))
    meta = {
        "id": rid,
        "set": "real",
        "sample_rate": SR,
        "duration": round(len(x) / SR, 3),
        "source": "PyPI pyannote-audio 4.0.7, pyannote/audio/sample/sample.{wav,rttm,stm}",
        "speakers": [{"name": n, "corpus": "telephone"} for n in sorted({s["speaker"] for s in segments})],
        # The RTTM's labels (speaker90/91) and the STM's names (Diane/Sheila) are the same two
        # people; the transcript keeps its names and `transcript_speaker` ties them together
        # (by the most shared time).
        "segments": segments,
        "transcript_speaker": name_map(segments, transcript),
        "transcript": transcript,
        "speech_seconds": round(sum(s["end"] - s["start"] for s in segments), 3),
        "overlap_seconds": round(overlap_seconds(segments), 3),
        "files": {"recorded": f"{rid}.recorded.wav"},
    }
    (d / f"{rid}.json").write_text(json.dumps(meta, indent=1) + "\n")
    write_rttm(d / f"{rid}.rttm", rid, segments)
    return [
        {
            "set": "real",
            "id": rid,
            "condition": "recorded",
            "wav": f"real/{rid}.recorded.wav",
            "ref": f"real/{rid}.json",
            "rttm": f"real/{rid}.rttm",
            "speakers": len(meta["speakers"]),
            "corpus": "telephone",
            "duration": meta["duration"],
        }
    ]


# Small files committed as Rust test fixtures (crates/parley/tests/fixtures/diarization/):
# DEV speakers only, so CHECK stays unseen by anything that is tuned or asserted on.
# "variant" picks the seed (seed + 1000 + index + 100 * variant), chosen by hand among the
# first 12 for many turns under 1 s, backchannels and some overlap in under 30 s.
FIXTURES = [
    {"id": "two-speakers-phone", "speakers": ["lewis", "gonzalez"], "seconds": 22.0,
     "meeting": "6d6702d7b820", "format": "mulaw8k", "variant": 4},
    {"id": "three-speakers", "speakers": ["pedersen", "herbold", "mosqueda"], "seconds": 22.0,
     "meeting": "9f581faa5ece", "format": "flac16k", "variant": 8},
    {"id": "one-voice-phone", "speakers": ["herbold"], "seconds": 16.0,
     "meeting": "01e7f8bb1c03", "format": "mulaw8k", "variant": 0},
]


def write_fixtures(src: Path, out: Path, seed: int) -> None:
    """8 kHz mu-law WAV (through the telephone band) or 16 kHz FLAC, each with its JSON."""
    out.mkdir(parents=True, exist_ok=True)
    for i, spec in enumerate(FIXTURES):
        mix, meta = build({**spec, "set": "fixture"}, src, seed + 1000 + i + 100 * spec["variant"])
        if meta["duration"] > 30.0:
            raise SystemExit(f"make_conversations: fixture {spec['id']} is {meta['duration']} s, over 30 s")
        if spec["format"] == "mulaw8k":
            name = f"{spec['id']}.wav"
            sf.write(out / name, telephone_band(mix), SR // 2, subtype="ULAW")
            meta["condition"] = "phone: 300-3400 Hz band-pass, 8 kHz, G.711 mu-law WAV"
        else:
            name = f"{spec['id']}.flac"
            sf.write(out / name, mix, SR, subtype="PCM_16", format="FLAC")
            meta["condition"] = "clean, 16 kHz 16-bit FLAC"
        meta["files"] = {"audio": name}
        (out / f"{spec['id']}.json").write_text(json.dumps(meta, indent=1) + "\n")
        print(f"fixture {name}: {meta['duration']:.1f} s, {len(meta['turns'])} turns", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--only", choices=["dev", "check", "real"])
    ap.add_argument("--fixtures", action="store_true", help="write only the Rust test fixtures, into OUT")
    args = ap.parse_args()
    if args.fixtures:
        write_fixtures(args.src, args.out, args.seed)
        return
    manifest = []
    if args.only in (None, "real"):
        manifest += add_real(args.src, args.out)
    for i, spec in enumerate(plan()):
        if args.only and spec["set"] != args.only:
            continue
        mix, meta = build(spec, args.src, args.seed + i)
        d = args.out / spec["set"]
        d.mkdir(parents=True, exist_ok=True)
        sf.write(d / f"{spec['id']}.clean.wav", mix, SR, subtype="PCM_16")
        sf.write(d / f"{spec['id']}.phone.wav", telephone(mix), SR, subtype="PCM_16")
        meta["files"] = {"clean": f"{spec['id']}.clean.wav", "phone": f"{spec['id']}.phone.wav"}
        (d / f"{spec['id']}.json").write_text(json.dumps(meta, indent=1) + "\n")
        write_rttm(d / f"{spec['id']}.rttm", spec["id"], meta["segments"])
        for cond in ("clean", "phone"):
            manifest.append(
                {
                    "set": spec["set"],
                    "id": spec["id"],
                    "condition": cond,
                    "wav": f"{spec['set']}/{spec['id']}.{cond}.wav",
                    "ref": f"{spec['set']}/{spec['id']}.json",
                    "rttm": f"{spec['set']}/{spec['id']}.rttm",
                    "speakers": len(spec["speakers"]),
                    "corpus": sources.speaker(spec["speakers"][0]).corpus,
                    "duration": meta["duration"],
                }
            )
        short = sum(1 for t in meta["turns"] if t["end"] - t["start"] < 1.0)
        print(
            f"{spec['id']}: {meta['duration']:.1f} s, {len(meta['turns'])} turns ({short} under 1 s), "
            f"speech {meta['speech_seconds']:.1f} s, overlap {meta['overlap_seconds']:.1f} s",
            file=sys.stderr,
        )
    old = []
    mpath = args.out / "manifest.json"
    if args.only and mpath.exists():
        old = [m for m in json.loads(mpath.read_text()) if m["set"] != args.only]
    mpath.write_text(json.dumps(old + manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
