#!/usr/bin/env bash
# The faster-whisper venv of the ASR benchmark, by bench/setup_venv.sh; prints its path.
#
#   bench/asr/setup_venv.sh            venv at ${PARLEY_BENCH_VENV:-$HOME/.cache/parley/bench-venv}
# The stamp keeps the name this script gave it before, so existing venvs are reused.
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../setup_venv.sh" --stamp .parley-bench-stamp "$here/requirements.txt" "${PARLEY_BENCH_VENV:-$HOME/.cache/parley/bench-venv}" faster_whisper ctranslate2
