#!/usr/bin/env bash
# Everything Parley needs on a machine before it builds, runs or tests, in one command:
#
#   scripts/setup.sh [MODELS_DIR]
#
# 1. System packages: python3 (the models script and the hub stand-in in the tests),
#    espeak-ng and sox (the speech tests make their audio with them), and PostgreSQL's
#    server programs (initdb, pg_ctl, postgres: the fault-tolerance test crashes and
#    restarts a server of its own), and openssl (the HTTPS test makes a certificate
#    authority and serves with `openssl s_server`). Installed with the machine's package manager when
#    missing: apt-get (Debian, Ubuntu), dnf, or apk, as root or through sudo. Without one of
#    those it stops and names what to install.
#    Chromium too, for the web UI's browser test (crates/parley/tests/ui_e2e.rs).
# 2. The web UI (`web/`, built into web/dist and embedded by `cargo build`) when Node 20.19
#    or later and npm are there: `npm ci && npm run build`, skipped while web/dist is newer
#    than every source file and the lock file. Without Node the server still builds; its
#    `/` then says how to build the UI.
# 3. The speech models and runtimes (`scripts/fetch-models.sh`, pinned and checksummed).
#
# Idempotent: what is already there is left alone, so running it before every build costs
# a second.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

need=()
command -v python3 >/dev/null || need+=(python3)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
command -v openssl >/dev/null || need+=(openssl)
command -v chromium >/dev/null || need+=(chromium)
# The models script downloads wheels with pip.
if command -v python3 >/dev/null && ! python3 -m pip --version >/dev/null 2>&1; then
  need+=(python3-pip)
fi

# Looked for where the test looks (parley_store_postgres::testing::PgServer): pg_config's
# bindir (which may be the client library's alone), Debian's per-version folders, PATH.
has_pg_server() {
  local d
  for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin \
    "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && return 0
  done
  return 1
}
# Its package has another name under each package manager (substituted below).
has_pg_server || need+=(postgresql-server)

if [ "${#need[@]}" -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      echo "setup: missing ${need[*]}; install them as root (no sudo here)" >&2
      exit 1
    fi
  fi
  echo "setup: installing ${need[*]}"
  if command -v apt-get >/dev/null; then
    pkgs=("${need[@]/#postgresql-server/postgresql}")
    [[ " ${need[*]} " == *" python3 "* ]] && pkgs+=(python3-pip)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq "${pkgs[@]}" >/dev/null
  elif command -v dnf >/dev/null; then
    "${sudo[@]}" dnf install -y -q "${need[@]}"
  elif command -v apk >/dev/null; then
    "${sudo[@]}" apk add --quiet "${need[@]/#postgresql-server/postgresql}"
  else
    echo "setup: missing ${need[*]} and no apt-get, dnf or apk to install them with" >&2
    exit 1
  fi
fi

# The web UI. Node's own version check: `engines` says >= 20.19 (Vite 7's floor).
web="$here/../web"
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null \
    && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if node_ok; then
  stale="$(find "$web/src" "$web/static" "$web/package.json" "$web/package-lock.json" \
    "$web"/*.config.* "$web/tsconfig.json" -newer "$web/dist/index.html" -print -quit 2>/dev/null || echo missing)"
  if [ ! -f "$web/dist/index.html" ] || [ -n "$stale" ]; then
    echo "setup: building the web UI (npm ci && npm run build in web/)"
    log="$(mktemp)"
    if ! (cd "$web" && npm ci --no-audit --no-fund --loglevel=error && npm run build) >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      echo "setup: building the web UI failed (above)" >&2
      exit 1
    fi
    rm -f "$log"
  fi
else
  echo "setup: no Node >= 20.19 and npm: the web UI is not built (the server's / will say so)"
fi

exec bash "$here/fetch-models.sh" "$@"
