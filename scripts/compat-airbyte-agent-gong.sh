#!/usr/bin/env bash
# Runs Airbyte's PyPI Gong connector airbyte-agent-gong (every operation it has, answers
# validated against its own response schemas) against a real `parley serve`:
# compat/airbyte-agent-gong/check.py. `--demo` (default) seeds with the demo company, `--api`
# only over HTTP (scripts/compat-lib.sh).
set -euo pipefail
source "$(dirname "$0")/compat-lib.sh"
mode="$(compat_mode "$@")"
venv="$compat_cache/airbyte-agent-gong-venv"
compat_venv "$venv" "$compat_root/compat/airbyte-agent-gong/requirements.txt" airbyte_agent_gong
compat_serve "$mode"
"$venv/bin/python" "$compat_root/compat/airbyte-agent-gong/check.py"
