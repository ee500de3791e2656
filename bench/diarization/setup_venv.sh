#!/usr/bin/env bash
# The light venv of the diarization benchmark, by bench/setup_venv.sh; prints its path.
#
#   bench/diarization/setup_venv.sh    venv at ${PARLEY_DIAR_VENV:-$HOME/.cache/parley/diar-venv}
# The stamp keeps the name this script gave it before, so existing venvs are reused.
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../setup_venv.sh" --stamp .parley-diar-stamp "$here/requirements.txt" "${PARLEY_DIAR_VENV:-$HOME/.cache/parley/diar-venv}" numpy scipy soundfile
