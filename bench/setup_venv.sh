#!/usr/bin/env bash
# Creates (or reuses) a benchmark's Python venv and prints its path.
#
#   bench/setup_venv.sh [--stamp NAME] REQUIREMENTS VENV_DIR [MODULE...]
#
# Exact pins from REQUIREMENTS, binary wheels only, no dependency resolution (--no-deps:
# the file is the whole closure), then each MODULE imported and its version printed as a
# check. Idempotent: a venv whose stamp (VENV_DIR/NAME, default .parley-venv-stamp) matches
# REQUIREMENTS is left alone; any other is made again from scratch. Progress goes to
# stderr; stdout is only the venv path. bench/asr/setup_venv.sh and
# bench/diarization/setup_venv.sh call this with their own requirements and venv.
set -euo pipefail

stamp_name=.parley-venv-stamp
if [ "${1:-}" = --stamp ]; then
  stamp_name="${2:?--stamp needs a name}"
  shift 2
fi
[ $# -ge 2 ] || { echo "usage: bench/setup_venv.sh [--stamp NAME] REQUIREMENTS VENV_DIR [MODULE...]" >&2; exit 2; }
req="$1"
venv="$2"
shift 2
python="${PYTHON:-python3}"
want="$(sha256sum "$req" | cut -d' ' -f1)"
stamp="$venv/$stamp_name"

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
"$venv/bin/python" - "$@" >&2 <<'PY'
import importlib, sys
mods = [importlib.import_module(m) for m in sys.argv[1:]]
print("setup_venv:", ", ".join(f"{m.__name__} {getattr(m, '__version__', '?')}" for m in mods))
PY
echo "$want" >"$stamp"
echo "$venv"
