#!/usr/bin/env python3
"""How to spend 2 cores on Whisper windows: one model with intra-op threads, batched or not,
against models side by side, on the same windows (CTranslate2 as faster-whisper ships it).

    $VENV/bin/python bench/asr/decode_layouts.py LAYOUT AUDIO [WINDOWS] [--model-dir DIR]

LAYOUT is one<T>b<B> (one model, T intra-op threads, B windows per generate call) or
two<T>b<B> (two models of T threads each, every other window, in two Python threads;
CTranslate2 releases the GIL). Each window is encoded, decoded (beam 5, scores and
no-speech probability, as the engines do) and aligned for word timings; no prompt, no
fallback, so every layout does the same work. Prints load and decode wall time, CPU time of
the process (user + sys), peak RSS and the tokens per window (equal across layouts).
Run it in bench/asr's venv (setup_venv.sh); BENCHMARKS.md 2026-12-04 has the figures.
"""
import argparse
import os
import resource
import threading
import time

import ctranslate2
import numpy as np
from faster_whisper.audio import decode_audio
from faster_whisper.feature_extractor import FeatureExtractor

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("layout")
ap.add_argument("audio")
ap.add_argument("windows", type=int, nargs="?", default=4)
ap.add_argument("--model-dir", default=os.path.join(
    os.environ.get("PARLEY_MODELS", os.path.expanduser("~/.cache/parley/models")), "whisper-base"))
args = ap.parse_args()

WINDOW = 30 * 16000
audio = decode_audio(args.audio, sampling_rate=16000)
fe = FeatureExtractor(feature_size=80)
feats = []
for i in range(args.windows):
    chunk = audio[i * WINDOW:(i + 1) * WINDOW]
    feats.append(fe(np.pad(chunk, (0, WINDOW - len(chunk))))[:, :3000].astype(np.float32))
PROMPT = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>"]
SOT_IDS = [50258, 50259, 50359]
EOT = 50257


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(model, fs):
    x = ctranslate2.StorageView.from_array(np.stack(fs))
    enc = model.encode(x, to_cpu=False)
    res = model.generate(enc, [PROMPT] * len(fs), beam_size=5, return_scores=True, return_no_speech_prob=True)
    toks = [[t for t in r.sequences_ids[0] if t < EOT] for r in res]
    model.align(enc, SOT_IDS, toks, [3000] * len(fs), median_filter_width=7)
    return [len(r.sequences_ids[0]) for r in res]


kind, spec = args.layout[:3], args.layout[3:]
threads, batch = (int(v) for v in spec.split("b"))
load = lambda: ctranslate2.models.Whisper(args.model_dir, device="cpu", compute_type="int8", intra_threads=threads)
t0, c0 = time.perf_counter(), cpu()
if kind == "one":
    model = load()
    t1, c1 = time.perf_counter(), cpu()
    out = []
    for i in range(0, len(feats), batch):
        out += run(model, feats[i:i + batch])
elif kind == "two":
    models = [load(), load()]
    t1, c1 = time.perf_counter(), cpu()
    out = [None, None]

    def work(k):
        part, o = feats[k::2], []
        for i in range(0, len(part), batch):
            o += run(models[k], part[i:i + batch])
        out[k] = o

    workers = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
else:
    raise SystemExit(f"layout must be one<T>b<B> or two<T>b<B>, got {args.layout!r}")
t2, c2 = time.perf_counter(), cpu()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{args.layout}: load {t1 - t0:.2f} s, decode wall {t2 - t1:.2f} s, CPU {c2 - c1:.2f} s, "
      f"peak RSS {rss:.0f} MB, tokens {out}, load average {os.getloadavg()[0]:.1f}")
