#!/usr/bin/env bash
# Creates (or reuses) the light venv for the diarization benchmark and prints its path.
#
#   bench/diarization/setup_venv.sh    venv at ${PARLEY_DIAR_VENV:-$HOME/.cache/parley/diar-venv}
#
# Exact pins from requirements.txt, binary wheels only, no dependency resolution (--no-deps:
# the file is the whole closure). Idempotent: a venv whose stamp matches requirements.txt is
# left alone. Progress goes to stderr; stdout is only the venv path.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venv="${PARLEY_DIAR_VENV:-$HOME/.cache/parley/diar-venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"
want="$(sha256sum "$req" | cut -d' ' -f1)"
stamp="$venv/.parley-diar-stamp"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv"
  exit 0
fi

command -v "$python" >/dev/null || { echo "setup_venv: $python not found" >&2; exit 1; }
pyver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[ "$pyver" = "3.11" ] || echo "setup_venv: warning: pins were checked on CPython 3.11, this is $pyver" >&2

echo "setup_venv: creating $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --only-binary=:all: --no-deps -r "$req" >&2
"$venv/bin/python" -c 'import numpy, scipy, soundfile, sys; print("setup_venv: numpy", numpy.__version__, "scipy", scipy.__version__, "soundfile", soundfile.__version__, file=sys.stderr)'
echo "$want" >"$stamp"
echo "$venv"
