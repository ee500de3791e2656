#!/usr/bin/env python3
"""Builds the scripted two-party sales call for the ASR benchmark, deterministically.

    python3 bench/asr/make_call.py OUT_DIR [--minutes M] [--script bench/asr/call_script.txt]

Speaks every turn of call_script.txt with espeak-ng (rep and customer in different voices), lays
the turns out in time with 0.3-0.8 s gaps (seeded, so the same inputs give the same bytes), and
writes into OUT_DIR:

    call_stereo.wav   22.05 kHz, 16-bit, 2 channels: rep LEFT (0), customer RIGHT (1); each
                      channel is digital silence while the other side speaks
    call_mono.wav     22.05 kHz, 16-bit, 1 channel: the sum of both channels (turns never overlap)
    call_ref.json     {"speakers": {"rep": {"channel": 0}, "customer": {"channel": 1}},
                       "turns": [{"speaker", "start_ms", "end_ms", "text"}], ...}

Without --minutes (or when M minutes is shorter than about 1.5 passes) the call is one pass of
the script (~2.5 min). With --minutes M, passes are appended until the call is about M minutes
long (round(M / one pass) passes); pass k fills the script's @var placeholders with value k mod n
and nudges both voices' speed and pitch, so passes do not repeat word for word. When M minutes
is under half a pass (e.g. --minutes 0.75), the call is the script's first turns, as many as
end within M minutes: a short call (the 44 s case of the benchmark).

Needs only the standard library and espeak-ng on PATH.
"""
import argparse
import array
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
RATE = 22050  # espeak-ng's native output rate; the engines resample to 16 kHz themselves
# speaker -> (channel, espeak-ng voice, pitch, words per minute)
VOICES = {
    "rep": (0, "en-us", 40, 165),
    # A voice the speaker encoder can tell from the rep's: en-gb+f3 scored 0.84-0.93 cosine
    # against "en-us", as close as the rep to himself, so no diarizer could split them.
    "customer": (1, "en-us+f4", 80, 150),
}
GAP_S = (0.3, 0.8)        # silence between turns, uniform, seeded
PASS_GAP_S = 2.0          # silence between passes of a long call
LEAD_S = 0.5              # silence before the first turn and after the last
TRIM_LEVEL = 64           # |sample| at or below this counts as silence when trimming espeak's padding
SEED = 20240611


def parse_script(path):
    variables, turns = {}, []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"@var\s+(\w+)\s*=\s*(.+)$", line)
            if m:
                variables[m.group(1)] = [v.strip() for v in m.group(2).split("|")]
                continue
            m = re.match(r"(\w+):\s*(.+)$", line)
            if not m or m.group(1) not in VOICES:
                sys.exit(f"{path}:{lineno}: expected 'rep: ...', 'customer: ...' or '@var NAME = a | b', got {line!r}")
            if re.search(r"\d", m.group(2)):
                sys.exit(f"{path}:{lineno}: digits are not allowed in the script (spell numbers out)")
            turns.append((m.group(1), m.group(2)))
    if not turns:
        sys.exit(f"{path}: no turns")
    return variables, turns


def fill(text, variables, k):
    def sub(m):
        name = m.group(1)
        if name not in variables:
            sys.exit(f"unknown variable {{{name}}} in script")
        values = variables[name]
        return values[k % len(values)]
    return re.sub(r"\{(\w+)\}", sub, text)


def speak(text, voice, pitch, wpm, tmpdir):
    path = os.path.join(tmpdir, "turn.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(wpm), "-w", path, text],
                   check=True, stdout=subprocess.DEVNULL)
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            sys.exit("espeak-ng did not write 16-bit mono audio")
        if w.getframerate() != RATE:
            sys.exit(f"espeak-ng wrote {w.getframerate()} Hz, expected {RATE}")
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    # Trim espeak-ng's leading/trailing padding so start_ms/end_ms bound the speech itself.
    lo, hi = 0, len(samples)
    while lo < hi and abs(samples[lo]) <= TRIM_LEVEL:
        lo += 1
    while hi > lo and abs(samples[hi - 1]) <= TRIM_LEVEL:
        hi -= 1
    return samples[lo:hi]


def write_wav(path, channels, n_channels):
    with wave.open(path, "wb") as w:
        w.setnchannels(n_channels)
        w.setsampwidth(2)
        w.setframerate(RATE)
        data = channels
        if sys.byteorder == "big":
            data = array.array("h", data)
            data.byteswap()
        w.writeframes(data.tobytes())


def espeak_version():
    out = subprocess.run(["espeak-ng", "--version"], check=True, capture_output=True, text=True).stdout
    return out.strip()


def build_pass(k, variables, turns, tmpdir):
    """One pass of the script: list of (speaker, text, samples, gap_before_samples)."""
    rng = random.Random(SEED + k)
    speed_nudge = (0, 8, -8, 4, -4)[k % 5]
    pitch_nudge = (0, -5, 5)[k % 3]
    out = []
    for i, (speaker, text) in enumerate(turns):
        text = fill(text, variables, k)
        _, voice, pitch, wpm = VOICES[speaker]
        samples = speak(text, voice, pitch + pitch_nudge, wpm + speed_nudge, tmpdir)
        gap = 0.0 if i == 0 else rng.uniform(*GAP_S)
        out.append((speaker, text, samples, int(round(gap * RATE))))
    return out


def pass_len(p):
    return sum(len(s) + g for _, _, s, g in p)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--minutes", type=float, default=None,
                    help="build a call of about this many minutes by repeating the script with variations")
    ap.add_argument("--script", default=os.path.join(HERE, "call_script.txt"))
    args = ap.parse_args()

    variables, turns = parse_script(args.script)
    os.makedirs(args.out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        passes = [build_pass(0, variables, turns, tmpdir)]
        if args.minutes and args.minutes * 60 * RATE < pass_len(passes[0]) / 2:
            # A short call: the opening turns that fit, nothing cut mid-turn.
            budget = args.minutes * 60 * RATE - 2 * LEAD_S * RATE
            kept, used = [], 0
            for turn in passes[0]:
                used += len(turn[2]) + turn[3]
                if kept and used > budget:
                    break
                kept.append(turn)
            passes = [kept]
        elif args.minutes:
            n = max(1, round(args.minutes * 60 * RATE / pass_len(passes[0])))
            for k in range(1, n):
                print(f"make_call: pass {k + 1}/{n}", file=sys.stderr)
                passes.append(build_pass(k, variables, turns, tmpdir))

    lead = int(LEAD_S * RATE)
    pass_gap = int(PASS_GAP_S * RATE)
    total = lead + sum(pass_len(p) for p in passes) + pass_gap * (len(passes) - 1) + lead
    left = array.array("h", bytes(2 * total))
    right = array.array("h", bytes(2 * total))
    ref_turns = []
    pos = lead
    for k, p in enumerate(passes):
        if k:
            pos += pass_gap
        for speaker, text, samples, gap in p:
            pos += gap
            target = left if VOICES[speaker][0] == 0 else right
            target[pos:pos + len(samples)] = samples
            ref_turns.append({
                "speaker": speaker,
                "start_ms": round(pos * 1000 / RATE),
                "end_ms": round((pos + len(samples)) * 1000 / RATE),
                "text": text,
            })
            pos += len(samples)
    assert pos + lead == total

    stereo = array.array("h", bytes(4 * total))
    stereo[0::2] = left
    stereo[1::2] = right
    mono = array.array("h", (a + b for a, b in zip(left, right)))  # never both non-zero: no clipping
    write_wav(os.path.join(args.out_dir, "call_stereo.wav"), stereo, 2)
    write_wav(os.path.join(args.out_dir, "call_mono.wav"), mono, 1)

    ref = {
        "speakers": {name: {"channel": v[0]} for name, v in VOICES.items()},
        "turns": ref_turns,
        "duration_ms": round(total * 1000 / RATE),
        "sample_rate": RATE,
        "passes": len(passes),
        "voices": {name: {"espeak_voice": v[1], "pitch": v[2], "wpm": v[3]} for name, v in VOICES.items()},
        "espeak_ng": espeak_version(),
    }
    with open(os.path.join(args.out_dir, "call_ref.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    words = sum(len(t["text"].split()) for t in ref_turns)
    print(f"make_call: {len(ref_turns)} turns, {words} words, {total / RATE:.1f} s, {len(passes)} pass(es) -> {args.out_dir}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
