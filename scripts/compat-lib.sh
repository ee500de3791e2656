# Shared by scripts/compat-*.sh (sourced, not run): builds `parley`, starts `parley serve` on
# a free loopback port with a throw-away data folder, seeds it, and exports PARLEY_URL,
# PARLEY_ACCESS_KEY and PARLEY_ACCESS_SECRET for a client check. Two ways to seed:
#   demo  `parley serve --demo` (the demo company) and the demo key it prints;
#   api   a bare `parley serve`, an admin key from `parley keys create`, and data put in
#         only over HTTP by compat/seed/seed.py (Gong's write endpoints, /parley/v1 where
#         Gong has none).
# The mode is the script's first argument (`--demo`, `--api`) or PARLEY_COMPAT_SEED.
# Every cache (venvs, node_modules) lives outside the clone, under /var/cache/parley-ci.

compat_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
compat_cache="${PARLEY_COMPAT_CACHE:-/var/cache/parley-ci/compat}"

# compat_mode ARGS...: prints demo or api.
compat_mode() {
  local mode="${PARLEY_COMPAT_SEED:-demo}"
  case "${1:-}" in
    --demo) mode=demo ;;
    --api) mode=api ;;
    "") ;;
    *) echo "usage: $0 [--demo|--api]" >&2; return 2 ;;
  esac
  case "$mode" in
    demo|api) echo "$mode" ;;
    *) echo "PARLEY_COMPAT_SEED must be demo or api, not $mode" >&2; return 2 ;;
  esac
}

# compat_python313: prints a Python >= 3.13 interpreter (pyenv's 3.13.0 on these machines,
# Debian's python3 otherwise), installing Debian's when there is none.
compat_python313() {
  local candidate
  for candidate in python3.13 /root/.pyenv/versions/3.13.*/bin/python3.13 /usr/bin/python3.13 python3; do
    if PYENV_VERSION=3.13.0 command -v "$candidate" >/dev/null 2>&1 \
      && PYENV_VERSION=3.13.0 "$candidate" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "python 3.13 not found; installing Debian's python3 (needs >= 3.13)" >&2
  apt-get update -qq >&2 && apt-get install -y -qq python3 python3-venv >/dev/null
  echo python3
}

# compat_venv DIR REQUIREMENTS IMPORT: a Python 3.13 venv at DIR with the pinned
# requirements, remade when IMPORT fails or the requirements file changed.
compat_venv() {
  local venv="$1" reqs="$2" module="$3" stamp
  stamp="$(sha256sum "$reqs" | cut -c1-16)"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.compat-reqs" 2>/dev/null)" != "$stamp" ] \
    || ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
    local py
    py="$(compat_python313)"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    PYENV_VERSION=3.13.0 "$py" -m venv "$venv"
    "$venv/bin/pip" install -q --no-deps -r "$reqs"
    "$venv/bin/pip" check >&2
    echo "$stamp" >"$venv/.compat-reqs"
  fi
}

# compat_free_port: a loopback port nothing listens on now.
compat_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# compat_serve MODE: starts the server and seeds it; stops it and removes its data on exit.
compat_serve() {
  local mode="$1" target bin
  target="${CARGO_TARGET_DIR:-$compat_root/target}"
  # PARLEY_COMPAT_BIN: a parley binary already built (skips cargo, for running by hand).
  if [ -z "${PARLEY_COMPAT_BIN:-}" ]; then
    (cd "$compat_root" && cargo build -q -p parley)
  fi
  trap 'compat_stop' EXIT
  trap 'exit 143' INT TERM
  # A copy: other checkouts sharing the target folder may rebuild the binary meanwhile.
  compat_data="$(mktemp -d)"
  bin="$compat_data/parley"
  cp "${PARLEY_COMPAT_BIN:-$target/debug/parley}" "$bin"
  mkdir -p "$compat_data/data"
  local log="$compat_data/serve.log" port global=() serve=()
  if [ "$mode" = api ]; then
    local out
    out="$("$bin" --data-dir "$compat_data/data" keys create --name compat-seed)"
    PARLEY_ACCESS_KEY="$(sed -n 's/^access key: *//p' <<<"$out")"
    PARLEY_ACCESS_SECRET="$(sed -n 's/^secret: *//p' <<<"$out")"
    # Small pages, so that a few seeded calls and users already span several pages.
    global+=(--page-size "${PARLEY_COMPAT_PAGE_SIZE:-3}")
  else
    # The demo's 50 calls and 12 users span several pages too.
    global+=(--page-size "${PARLEY_COMPAT_PAGE_SIZE:-10}")
    serve+=(--demo)
  fi
  local attempt _
  for attempt in 1 2 3; do
    port="$(compat_free_port)"
    "$bin" --data-dir "$compat_data/data" --listen "127.0.0.1:$port" "${global[@]}" \
      serve "${serve[@]}" >"$log" 2>&1 &
    compat_pid=$!
    for _ in $(seq 1 150); do
      grep -q "listening on" "$log" 2>/dev/null && break
      kill -0 "$compat_pid" 2>/dev/null || break
      sleep 0.2
    done
    grep -q "listening on" "$log" && break
    kill "$compat_pid" 2>/dev/null || true; wait "$compat_pid" 2>/dev/null || true
    # Another process may have taken the port between the probe and the bind: try again.
    if grep -q "binding 127.0.0.1:$port" "$log" && [ "$attempt" -lt 3 ]; then continue; fi
    cat "$log" >&2; echo "parley serve did not start" >&2; return 1
  done
  PARLEY_URL="http://127.0.0.1:$port"
  if [ "$mode" = demo ]; then
    PARLEY_ACCESS_KEY=$(sed -n 's/^demo key (shown once): access key \([^ ]*\)  secret \(.*\)$/\1/p' "$log")
    PARLEY_ACCESS_SECRET=$(sed -n 's/^demo key (shown once): access key \([^ ]*\)  secret \(.*\)$/\2/p' "$log")
    grep "^demo:" "$log" || true
  fi
  if [ -z "$PARLEY_ACCESS_KEY" ] || [ -z "$PARLEY_ACCESS_SECRET" ]; then
    cat "$log" >&2; echo "no API key" >&2; return 1
  fi
  export PARLEY_URL PARLEY_ACCESS_KEY PARLEY_ACCESS_SECRET
  if [ "$mode" = api ]; then
    python3 "$compat_root/compat/seed/seed.py" || { tail -n 40 "$log" >&2; return 1; }
  fi
}

compat_stop() {
  if [ -n "${compat_pid:-}" ]; then
    kill "$compat_pid" 2>/dev/null || true
    wait "$compat_pid" 2>/dev/null || true
  fi
  [ -n "${compat_data:-}" ] && rm -rf "$compat_data"
  return 0
}
