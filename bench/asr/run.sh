#!/usr/bin/env bash
# ASR benchmark: Parley's `parley transcribe` against faster-whisper on a scripted sales call.
#
#   bench/asr/run.sh [--model base|tiny.en] [--threads N] [--minutes 3|30] [--parley PATH]
#                    [--parley-model-arg NAME] [--language en|detect] [--out DIR]
#                    [--no-faster-whisper]
#
#   --model      Whisper model: $PARLEY_MODELS/whisper-<model> (default base)
#   --threads    CPU threads for both engines (default 2)
#   --minutes    call length: 3 = one pass of call_script.txt (~2.7 min), 30 = the script repeated
#                with variations, 0.75 = the script's opening turns that fit in 45 s (default 3)
#   --parley     the parley binary; without it (or if it does not exist) Parley is skipped
#   --parley-model-arg   what to pass to `parley transcribe --asr-model` (default: the --model value)
#   --language   en (default): both engines are told the call is English (faster-whisper
#                language="en", Parley --language en); detect: both detect it (faster-whisper
#                --detect-language, Parley without --language). Never one told and the other not.
#   --out        results directory (default $PARLEY_BENCH_CACHE/results/<UTC time>-<model>-<minutes>m)
#   --no-faster-whisper  skip the reference (e.g. to re-measure only Parley)
#
# Environment: PARLEY_MODELS (default ~/.cache/parley/models), PARLEY_BENCH_VENV (default
# ~/.cache/parley/bench-venv), PARLEY_BENCH_CACHE (default ~/.cache/parley/bench-asr: built calls,
# keyed by a hash of the script, make_call.py, the length and the espeak-ng version).
#
# Steps: build the call (cached) -> venv (cached) -> faster-whisper on stereo (channels split) and
# mono -> Parley on stereo and mono, each under `/usr/bin/time -v` -> score.py -> markdown table
# (printed, and in OUT/results.json with every number). Nothing in the repository is written.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
die() { echo "run.sh: error: $*" >&2; exit 1; }
say() { echo "run.sh: $*" >&2; }

model=base threads=2 minutes=3 parley="" parley_model_arg="" out="" run_fw=1 language=en
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="${2:?--model needs a value}"; shift 2 ;;
    --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
    --minutes) minutes="${2:?--minutes needs a value}"; shift 2 ;;
    --parley) parley="${2:?--parley needs a path}"; shift 2 ;;
    --parley-model-arg) parley_model_arg="${2:?--parley-model-arg needs a value}"; shift 2 ;;
    --language) language="${2:?--language needs en or detect}"; shift 2 ;;
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --no-faster-whisper) run_fw=0; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer, got '$threads'"
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--minutes must be a number, got '$minutes'"
case "$language" in
  en) fw_language_args=() parley_language_args=(--language en) ;;
  detect) fw_language_args=(--detect-language) parley_language_args=() ;;
  *) die "--language must be en or detect, got '$language'" ;;
esac
parley_model_arg="${parley_model_arg:-$model}"

models="${PARLEY_MODELS:-$HOME/.cache/parley/models}"
model_dir="$models/whisper-$model"
[ -f "$model_dir/model.bin" ] || die "no model at $model_dir (run scripts/fetch-models.sh, or set PARLEY_MODELS)"
for tool in espeak-ng python3; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y espeak-ng sox python3)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install -y time)"

cache="${PARLEY_BENCH_CACHE:-$HOME/.cache/parley/bench-asr}"

# ---- 1. the call, cached by content
key="$( { cat "$here/make_call.py" "$here/call_script.txt"; echo "minutes=$minutes"; espeak-ng --version; } \
        | sha256sum | cut -c1-16)"
call="$cache/calls/$key"
if [ -f "$call/call_ref.json" ] && [ -f "$call/call_stereo.wav" ] && [ -f "$call/call_mono.wav" ]; then
  say "call cached in $call"
else
  say "building the ${minutes}-minute call into $call"
  tmp="$cache/calls/.tmp-$key-$$"
  rm -rf "$tmp"
  python3 "$here/make_call.py" "$tmp" --minutes "$minutes" || die "make_call.py failed"
  rm -rf "$call"
  mv "$tmp" "$call"
fi
audio_s="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["duration_ms"] / 1000)' "$call/call_ref.json")"

# ---- results directory
if [ -z "$out" ]; then
  out="$cache/results/$(date -u +%Y%m%dT%H%M%SZ)-$model-${minutes}m"
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
python3 - "$out/context.json" "$repo" "$model" "$threads" "$minutes" "$audio_s" "$call" "$parley" "$language" <<'EOF'
import json, os, platform, subprocess, sys, time
path, repo, model, threads, minutes, audio_s, call, parley, language = sys.argv[1:]
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=repo).stdout.strip()
    except OSError:
        return None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), None)
json.dump({"started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": sh("git", "rev-parse", "--short", "HEAD"),
           "cpu": cpu, "cores": os.cpu_count(), "loadavg_start": os.getloadavg(), "model": model,
           "threads": int(threads), "language": language, "minutes": float(minutes), "audio_s": float(audio_s), "call_dir": call,
           "parley": parley or None, "espeak_ng": sh("espeak-ng", "--version"), "python": platform.python_version()},
          open(path, "w"), indent=1)
EOF
cp "$call/call_ref.json" "$out/call_ref.json"
say "results in $out"

score() {  # name
  python3 "$here/score.py" "$call/call_ref.json" "$out/$1.hyp.json" --json "$out/$1.score.json" --label "$1" >&2 \
    || die "score.py failed on $out/$1.hyp.json"
}

# ---- 2. faster-whisper
if [ "$run_fw" = 1 ]; then
  venv="$("$here/setup_venv.sh")" || die "venv setup failed (bench/asr/setup_venv.sh)"
  for input in stereo mono; do
    name="faster-whisper-$input"
    channels=mix; [ "$input" = stereo ] && channels=split
    say "faster-whisper $model, $input ($threads threads)"
    "$venv/bin/python" "$here/faster_whisper_run.py" "$call/call_$input.wav" --model-dir "$model_dir" \
      --channels "$channels" --threads "$threads" "${fw_language_args[@]}" --out "$out/$name.hyp.json" --metrics "$out/$name.metrics.json" \
      2> >(grep -v -e '^$' -e 'UserWarning' -e 'warnings.warn' >&2) \
      || die "faster-whisper failed on $input"
    score "$name"
  done
fi

# ---- 3. Parley
if [ -z "$parley" ]; then
  say "Parley skipped: no --parley PATH given (e.g. --parley target/release/parley)"
elif [ ! -x "$parley" ]; then
  say "Parley skipped: $parley does not exist or is not executable (build it first: cargo build --release -p parley)"
else
  parley="$(cd "$(dirname "$parley")" && pwd)/$(basename "$parley")"
  for input in stereo mono; do
    name="parley-$input"
    say "parley transcribe --asr-model $parley_model_arg --asr-threads $threads ${parley_language_args[*]}, $input"
    set +e
    PARLEY_MODELS="$models" /usr/bin/time -v -o "$out/$name.time.log" \
      "$parley" transcribe --asr-model "$parley_model_arg" --asr-threads "$threads" "${parley_language_args[@]}" \
      --format json "$call/call_$input.wav" \
      >"$out/$name.hyp.json" 2>"$out/$name.stderr.log"
    rc=$?
    set -e
    python3 "$here/report.py" timev "$out/$name.time.log" --engine parley --input "$input" --model "whisper-$model" \
      --threads "$threads" --audio-s "$audio_s" --out "$out/$name.metrics.json"
    if [ "$rc" != 0 ]; then
      say "Parley failed on $input (exit $rc); last lines of $out/$name.stderr.log:"
      tail -n 15 "$out/$name.stderr.log" >&2 || true
      rm -f "$out/$name.score.json"
      continue
    fi
    if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "segments" in d' "$out/$name.hyp.json" 2>/dev/null; then
      say "Parley's output on $input is not the expected JSON (see $out/$name.hyp.json)"
      python3 - "$out/$name.metrics.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])); m["status"] = "output is not transcript JSON"; json.dump(m, open(sys.argv[1], "w"), indent=1)
EOF
      continue
    fi
    score "$name"
  done
fi

# ---- 4. table
python3 - "$out/context.json" <<'EOF'
import json, os, sys
c = json.load(open(sys.argv[1])); c["loadavg_end"] = os.getloadavg(); json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF
ls "$out"/*.metrics.json >/dev/null 2>&1 || die "nothing was run"
echo
echo "ASR benchmark: whisper-$model, $threads threads, language $language, ${audio_s} s call ($(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print("commit %s, %s, load avg %.1f -> %.1f" % (c["commit"], c["cpu"], c["loadavg_start"][0], c["loadavg_end"][0]))' "$out/context.json"))"
echo
python3 "$here/report.py" table "$out"
echo
echo "All numbers: $out/results.json"
