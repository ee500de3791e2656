#!/usr/bin/env python3
"""Helpers for run.sh (standard library only).

    report.py timev TIME_LOG --engine E --input I --model M --threads N --audio-s S --out METRICS.json
        turn `/usr/bin/time -v -o TIME_LOG ...` output into a metrics file
    report.py table OUT_DIR
        read OUT_DIR/*.metrics.json and *.score.json, print the markdown table, write OUT_DIR/results.json

Metrics files (one per engine x input) hold, in seconds and MB:
    engine, input, model, threads, audio_s, status ("ok" or an error message),
    wall_s / cpu_s        the transcription (faster-whisper: model load excluded; Parley: the
                          whole `parley transcribe` process, model load included)
    load_wall_s           faster-whisper only: model load
    total_wall_s / total_cpu_s   load + transcription (faster-whisper) or the whole process
                          (Parley): the Parley/faster-whisper ratios compare these
    peak_rss_mb           peak resident set of the process (faster-whisper's includes the Python
                          interpreter and its imports, baseline_rss_mb of it)
"""
import argparse
import glob
import json
import os
import re
import sys


def parse_timev(path):
    fields = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if ":" in line:
                k, _, v = line.strip().rpartition(": ")
                fields[k.strip()] = v.strip()
    try:
        wall = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"]
        parts = [float(p) for p in wall.split(":")]
        wall_s = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
        return {
            "wall_s": round(wall_s, 3),
            "user_s": float(fields["User time (seconds)"]),
            "sys_s": float(fields["System time (seconds)"]),
            "cpu_s": round(float(fields["User time (seconds)"]) + float(fields["System time (seconds)"]), 3),
            "peak_rss_mb": round(int(fields["Maximum resident set size (kbytes)"]) / 1e3, 1),
            "exit_status": int(fields.get("Exit status", "0")),
        }
    except (KeyError, ValueError) as e:
        sys.exit(f"report: cannot read /usr/bin/time -v output in {path}: {e}")


def cmd_timev(args):
    t = parse_timev(args.log)
    m = {"engine": args.engine, "input": args.input, "model": args.model, "threads": args.threads,
         "audio_s": args.audio_s, "status": "ok" if t["exit_status"] == 0 else f"exit status {t['exit_status']}",
         **t, "total_wall_s": t["wall_s"], "total_cpu_s": t["cpu_s"],
         "rtf": round(t["wall_s"] / args.audio_s, 4) if args.audio_s else None}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(m, f, indent=1)
        f.write("\n")


def pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def num(x, fmt="{:.1f}"):
    return "—" if x is None else fmt.format(x)


def ratio(a, b):
    return "—" if a is None or not b else f"{a / b:.2f}×"


def cmd_table(args):
    out = args.out_dir
    rows = []
    for mpath in sorted(glob.glob(os.path.join(out, "*.metrics.json"))):
        with open(mpath, encoding="utf-8") as f:
            m = json.load(f)
        spath = mpath.replace(".metrics.json", ".score.json")
        s = None
        if os.path.exists(spath):
            with open(spath, encoding="utf-8") as f:
                s = json.load(f)
        rows.append({"metrics": m, "score": s, "name": os.path.basename(mpath)[: -len(".metrics.json")]})
    if not rows:
        sys.exit(f"report: no *.metrics.json in {out}")
    order = {"faster-whisper": 0, "parley": 1}
    inputs = {"stereo": 0, "mono": 1}
    rows.sort(key=lambda r: (inputs.get(r["metrics"]["input"], 9), order.get(r["metrics"]["engine"], 9)))
    fw = {r["metrics"]["input"]: r["metrics"] for r in rows
          if r["metrics"]["engine"] == "faster-whisper" and r["metrics"].get("status") == "ok"}

    lines = ["| engine | input | WER | S / D / I / N | attribution (words) | attribution (time) | load s | wall s "
             "| CPU s | peak RSS MB | RTF | wall vs fw | CPU vs fw | RSS vs fw |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        m, s = r["metrics"], r["score"]
        if m.get("status") != "ok":
            lines.append(f"| {m['engine']} | {m['input']} | failed: {m.get('status')} |" + " |" * 11)
            continue
        ref = fw.get(m["input"]) if m["engine"] != "faster-whisper" else None
        lines.append("| " + " | ".join([
            m["engine"], m["input"],
            pct(s["wer"]) if s else "—",
            f"{s['substitutions']} / {s['deletions']} / {s['insertions']} / {s['n']}" if s else "—",
            pct(s["attribution"]) if s else "—",
            pct(s.get("time_attribution")) if s else "—",
            num(m.get("load_wall_s"), "{:.2f}") if m.get("load_wall_s") is not None else "incl.",
            num(m["wall_s"]), num(m["cpu_s"]), num(m["peak_rss_mb"], "{:.0f}"),
            num(m["wall_s"] / m["audio_s"] if m.get("audio_s") else None, "{:.3f}"),
            ratio(m["total_wall_s"], ref["total_wall_s"]) if ref else "—",
            ratio(m["total_cpu_s"], ref["total_cpu_s"]) if ref else "—",
            ratio(m["peak_rss_mb"], ref["peak_rss_mb"]) if ref else "—",
        ]) + " |")
    table = "\n".join(lines)
    print(table)
    print()
    print("wall/CPU: faster-whisper = transcription only (model load in 'load s'); Parley = the whole "
          "`parley transcribe` process.\nRatios compare Parley's whole process with faster-whisper's load + "
          "transcription. CPU = user + sys. RTF = wall / audio length.\nfaster-whisper's peak RSS includes "
          "the Python interpreter and imports (see baseline_rss_mb in results.json).")
    results = {"runs": [{"name": r["name"], "metrics": r["metrics"],
                         "score": {k: v for k, v in (r["score"] or {}).items() if k != "errors"} or None}
                        for r in rows],
               "table_markdown": table}
    ctx = os.path.join(out, "context.json")
    if os.path.exists(ctx):
        with open(ctx, encoding="utf-8") as f:
            results["context"] = json.load(f)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("timev")
    t.add_argument("log")
    t.add_argument("--engine", required=True)
    t.add_argument("--input", required=True)
    t.add_argument("--model", required=True)
    t.add_argument("--threads", type=int, required=True)
    t.add_argument("--audio-s", type=float, required=True)
    t.add_argument("--out", required=True)
    b = sub.add_parser("table")
    b.add_argument("out_dir")
    args = ap.parse_args()
    {"timev": cmd_timev, "table": cmd_table}[args.cmd](args)


if __name__ == "__main__":
    main()
