#!/usr/bin/env python3
"""faster-whisper reference run for the ASR benchmark (run it with the bench venv's python).

    $VENV/bin/python bench/asr/faster_whisper_run.py AUDIO --model-dir DIR [--channels split|mix]
        [--threads N] [--detect-language] [--out HYP.json] [--metrics METRICS.json]

Loads the CTranslate2 Whisper model in DIR (the same files Parley uses, e.g.
$PARLEY_MODELS/whisper-base) with compute_type=int8 on the CPU, and transcribes with
beam_size=5, vad_filter=True, word_timestamps=True and language="en" (--detect-language leaves
the language to Whisper's detection).

--channels split (stereo input): each channel is transcribed on its own, and its segments are
    labelled "channel-K" (K = source channel: rep = 0, customer = 1); the measured time covers
    both channels.
--channels mix: one pass over the file downmixed to mono, segments have "speaker": null
    (faster-whisper does no diarization).

Writes the hypothesis in Parley's `parley transcribe --format json` format to --out (stdout if
absent) and timings to --metrics:
    load_wall_s / load_cpu_s          WhisperModel(...) construction
    transcribe_wall_s / _cpu_s        audio decode + resample + VAD + decoding of all channels,
                                      until every segment generator is exhausted
    total_wall_s / total_cpu_s        load + transcribe (what a whole-process measurement of an
                                      engine that loads its model per call sees, minus interpreter
                                      and import start-up)
    baseline_rss_mb                   resident set after imports, before the model
    peak_rss_mb                       the process's peak resident set (ru_maxrss), which includes
                                      the interpreter and imports (baseline_rss_mb of it)
CPU time is user+sys of this process (CTranslate2's and ONNX Runtime's threads included) plus
any children, from getrusage.
"""
import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: the model is a local dir

import faster_whisper  # noqa: E402
from faster_whisper import WhisperModel, decode_audio  # noqa: E402

ISO639_3 = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld", "pt": "por"}


def cpu_s():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def rss_mb():
    """Current resident set, MB (from /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # KB on Linux


def segments_of(model, audio, speaker, args):
    segments, info = model.transcribe(
        audio,
        language=None if args.detect_language else "en",
        beam_size=5,
        vad_filter=True,
        word_timestamps=True,
    )
    out = []
    for seg in segments:  # the generator does the decoding: consume it inside the timed region
        words = [{"start_ms": round(w.start * 1000), "end_ms": round(w.end * 1000), "word": w.word.strip()}
                 for w in (seg.words or [])]
        # seek (the window's start, in 10 ms frames of the speech-only audio), temperature and
        # avg_logprob are for comparing windows with Parley's debug log; score.py ignores them.
        out.append({"speaker": speaker, "start_ms": round(seg.start * 1000), "end_ms": round(seg.end * 1000),
                    "text": seg.text.strip(), "words": words, "seek": seg.seek,
                    "temperature": seg.temperature, "avg_logprob": round(seg.avg_logprob, 4)})
    return out, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("audio")
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--channels", choices=["split", "mix"], default="mix")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--detect-language", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--metrics")
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.model_dir, "model.bin")):
        sys.exit(f"faster_whisper_run: no CTranslate2 model in {args.model_dir} (model.bin missing)")
    if not os.path.isfile(args.audio):
        sys.exit(f"faster_whisper_run: no such audio file {args.audio}")

    baseline_rss = rss_mb()
    w0, c0 = time.perf_counter(), cpu_s()
    model = WhisperModel(args.model_dir, device="cpu", compute_type="int8", cpu_threads=args.threads, num_workers=1)
    w1, c1 = time.perf_counter(), cpu_s()
    after_load_rss = rss_mb()

    if args.channels == "split":
        channels = decode_audio(args.audio, split_stereo=True)
        audio_s = len(channels[0]) / 16000
        segments, info = [], None
        for k, audio in enumerate(channels):
            segs, info_k = segments_of(model, audio, f"channel-{k}", args)
            segments += segs
            info = info or info_k
        segments.sort(key=lambda s: (s["start_ms"], s["end_ms"]))
    else:
        audio = decode_audio(args.audio)
        audio_s = len(audio) / 16000
        segments, info = segments_of(model, audio, None, args)
    w2, c2 = time.perf_counter(), cpu_s()

    hyp = {
        "language": ISO639_3.get(info.language, info.language),
        "duration_ms": round(audio_s * 1000),
        "model": os.path.basename(os.path.normpath(args.model_dir)),
        "segments": segments,
        "engine": f"faster-whisper {faster_whisper.__version__}",
    }
    metrics = {
        "engine": "faster-whisper",
        "engine_version": faster_whisper.__version__,
        "status": "ok",
        "input": "stereo" if args.channels == "split" else "mono",
        "model": os.path.basename(os.path.normpath(args.model_dir)),
        "model_dir": os.path.abspath(args.model_dir),
        "audio": os.path.abspath(args.audio),
        "channels": args.channels,
        "threads": args.threads,
        "settings": {"compute_type": "int8", "beam_size": 5, "vad_filter": True, "word_timestamps": True,
                     "language": None if args.detect_language else "en"},
        "audio_s": round(audio_s, 3),
        "load_wall_s": round(w1 - w0, 3),
        "load_cpu_s": round(c1 - c0, 3),
        "transcribe_wall_s": round(w2 - w1, 3),
        "transcribe_cpu_s": round(c2 - c1, 3),
        "wall_s": round(w2 - w1, 3),
        "cpu_s": round(c2 - c1, 3),
        "total_wall_s": round(w2 - w0, 3),
        "total_cpu_s": round(c2 - c0, 3),
        "baseline_rss_mb": round(baseline_rss, 1),
        "after_load_rss_mb": round(after_load_rss, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rtf": round((w2 - w1) / audio_s, 4) if audio_s else None,
        "segments": len(segments),
        "words": sum(len(s["words"]) for s in segments),
    }
    text = json.dumps(hyp, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if args.metrics:
        with open(args.metrics, "w", encoding="utf-8") as f:
            json.dump(metrics, f, indent=1)
            f.write("\n")
    print("faster_whisper_run: {channels} {model}: load {load_wall_s}s, transcribe {transcribe_wall_s}s wall "
          "{transcribe_cpu_s}s CPU, peak RSS {peak_rss_mb} MB, {segments} segments".format(
              **metrics), file=sys.stderr)


if __name__ == "__main__":
    main()
