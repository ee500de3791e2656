#!/usr/bin/env bash
# Runs the PyPI Gong client gongy (strict pydantic models) against a real `parley serve`:
# compat/gongy/check.py. `--demo` (default) seeds with the demo company, `--api` only over
# HTTP (scripts/compat-lib.sh).
set -euo pipefail
source "$(dirname "$0")/compat-lib.sh"
mode="$(compat_mode "$@")"
venv="${PARLEY_COMPAT_VENV:-/var/cache/parley-ci/gongy-venv}"
compat_venv "$venv" "$compat_root/compat/gongy/requirements.txt" gongy
compat_serve "$mode"
"$venv/bin/python" "$compat_root/compat/gongy/check.py"
