#!/usr/bin/env bash
# Starts `parley serve --demo` on a free port with a throw-away data folder and runs the
# PyPI Gong client gongy (strict pydantic models) against it: compat/gongy/check.py.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

# gongy requires Python >= 3.13.
py=""
for candidate in python3.13 /root/.pyenv/versions/3.13.*/bin/python3.13 /usr/bin/python3.13; do
  if PYENV_VERSION=3.13.0 command -v "$candidate" >/dev/null 2>&1 && PYENV_VERSION=3.13.0 "$candidate" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
    py="$candidate"; break
  fi
done
if [ -z "$py" ]; then
  echo "python 3.13 not found; installing Debian's python3 (needs >= 3.13)" >&2
  apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
  py=python3
fi
venv="${PARLEY_COMPAT_VENV:-/var/cache/parley-ci/gongy-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import gongy' 2>/dev/null; then
  rm -rf "$venv"
  PYENV_VERSION=3.13.0 "$py" -m venv "$venv"
  "$venv/bin/pip" install -q -r compat/gongy/requirements.txt
fi

cargo build -q -p parley
data="$(mktemp -d)"
log="$data/serve.log"
port=$(( 20000 + RANDOM % 20000 ))
"$target/debug/parley" --data-dir "$data" serve --demo --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "parley serve exited" >&2; exit 1; }
  sleep 0.2
done
grep -q "listening on" "$log" || { cat "$log"; echo "parley serve did not start" >&2; exit 1; }
key=$(sed -n 's/^demo key (shown once): access key \([^ ]*\)  secret \(.*\)$/\1/p' "$log")
secret=$(sed -n 's/^demo key (shown once): access key \([^ ]*\)  secret \(.*\)$/\2/p' "$log")
grep "^demo:" "$log" || true
PARLEY_URL="http://127.0.0.1:$port" PARLEY_ACCESS_KEY="$key" PARLEY_ACCESS_SECRET="$secret" \
  "$venv/bin/python" compat/gongy/check.py
