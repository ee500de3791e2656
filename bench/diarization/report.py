#!/usr/bin/env python3
"""The diarization table for BENCHMARKS.md, from one run.sh results folder. Standard library only.

    python3 report.py DATA RESULTS [--json OUT]

DATA is the folder make_conversations.py filled (manifest.json); RESULTS holds, per WAV name
(<ID>.<condition>): <name>.parley.json + <name>.parley.time (from `parley transcribe --format
json` and /usr/bin/time -f '%e %U %S %M'), <name>.rttm + <name>.senko.json (run_senko.py).
A system missing for a file shows "-".

Per file: attribution, (Parley) word attribution, DER and speakers found (score.py), and CPU
seconds (user + sys; wall seconds are in --json). Summary rows per
set x corpus x speaker count x condition: attribution and DER over all the group's reference speech
(each file weighted by its reference speech time), worst file's attribution, and how many
files found the right speaker count.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score  # noqa: E402

SYSTEMS = ("parley", "senko")


def run_result(system: str, results: Path, name: str, ref: list) -> dict | None:
    if system == "parley":
        hyp_path = results / f"{name}.parley.json"
        if not hyp_path.exists() or hyp_path.stat().st_size == 0:
            return None
        r = score.score(ref, score.read_hypothesis(hyp_path))
        t = results / f"{name}.parley.time"
        if t.exists():
            f = t.read_text().split()
            r["seconds"], r["cpu_seconds"], r["peak_rss_mb"] = float(f[0]), float(f[1]) + float(f[2]), int(f[3]) / 1024
        return r
    hyp_path = results / f"{name}.rttm"
    if not hyp_path.exists():
        return None
    r = score.score(ref, score.read_hypothesis(hyp_path))
    meta = results / f"{name}.senko.json"
    if meta.exists():
        m = json.loads(meta.read_text())
        r["seconds"], r["cpu_seconds"] = m["seconds"], m["cpu_seconds"]
    return r


def pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def cells(r: dict | None, words: bool) -> list[str]:
    if r is None:
        return ["-"] * (5 if words else 4)
    # CPU seconds, not wall: the box is shared, so wall time mostly measures the neighbours.
    secs = f"{r['cpu_seconds']:.1f}" if "cpu_seconds" in r else "-"
    out = [pct(r["attribution"])]
    if words:
        out.append(pct(r.get("word_attribution")))
    return out + [pct(r["der"]), str(r["hyp_speakers"]), secs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("results", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    manifest = json.loads((args.data / "manifest.json").read_text())
    rows, everything = [], []
    for m in manifest:
        name = Path(m["wav"]).name.removesuffix(".wav")
        ref = score.read_reference(args.data / m["ref"])
        speech = len(set().union(*score.activity(ref).values()))
        res = {s: run_result(s, args.results, name, ref) for s in SYSTEMS}
        rows.append((m, speech, res))
        everything.append({"file": name, "set": m["set"], "speakers": m["speakers"], "condition": m["condition"],
                           "duration": m["duration"], **{s: res[s] for s in SYSTEMS}})
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1) + "\n")

    head = ("| file | set | spk | condition | s | Parley attr | Parley words | Parley DER | found | Parley CPU s "
            "| senko attr | senko DER | found | senko CPU s |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for m, _, res in rows:
        name = m["id"].split("-", 2)[-1]
        print(f"| {name} | {m['set']} | {m['speakers']} | {m['condition']} | {m['duration']:.0f} | "
              + " | ".join(cells(res["parley"], True)) + " | " + " | ".join(cells(res["senko"], False)) + " |")

    print()
    print("| set | corpus | speakers | condition | files | Parley attr (worst) | Parley DER | Parley count right | senko attr (worst) | senko DER | senko count right |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    groups: dict[tuple, list] = {}
    for m, speech, res in rows:
        groups.setdefault((m["set"], m.get("corpus", "-"), m["speakers"], m["condition"]), []).append((m, speech, res))
    order = {"dev": 0, "check": 1, "real": 2}
    for key in sorted(groups, key=lambda k: (order.get(k[0], 9), k[1], k[2], k[3])):
        g = groups[key]
        out = [key[0], key[1], str(key[2]), key[3], str(len(g))]
        for s in SYSTEMS:
            done = [(m, sp, res[s]) for m, sp, res in g if res[s] is not None]
            if not done:
                out += ["-", "-", "-"]
                continue
            w = sum(sp for _, sp, _ in done)
            attr = sum(sp * r["attribution"] for _, sp, r in done) / w
            der = sum(sp * r["der"] for _, sp, r in done) / w
            worst = min(r["attribution"] for _, _, r in done)
            right = sum(1 for m, _, r in done if r["hyp_speakers"] == m["speakers"])
            out += [f"{pct(attr)} ({pct(worst)})", pct(der), f"{right}/{len(done)}"]
        print("| " + " | ".join(out) + " |")


if __name__ == "__main__":
    main()
