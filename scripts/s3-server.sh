#!/usr/bin/env bash
# A real S3-compatible server for Parley's tests: Garage (https://garagehq.deuxfleurs.fr),
# one node on loopback, one bucket, one key.
#
#   eval "$(scripts/s3-server.sh)"     # install if needed, start if needed, print the variables
#   scripts/s3-server.sh stop          # stop the server this script started
#
# Then `cargo test -p parley-blob` (and the server's media tests) also run against S3.
#
# What it does, each step skipped when already done, so it is safe to run again while the
# server is up:
# 1. Installs Garage $GARAGE_VERSION from crates.io into $PARLEY_GARAGE_ROOT (outside the
#    clone; 7-35 minutes on 2 cores the first time (35 measured under load), nothing after):
#      cargo install garage --version $GARAGE_VERSION --locked --root $PARLEY_GARAGE_ROOT
# 2. Writes a single-node config into $PARLEY_S3_DIR (S3 API on 127.0.0.1:$PARLEY_S3_PORT,
#    RPC on the next port, admin API two above; nothing listens beyond loopback) and starts
#    `garage server` in the background (log: $PARLEY_S3_DIR/garage.log, pid: garage.pid).
# 3. Lays out the node and creates the bucket and a read/write key with the `garage` CLI:
#      garage layout assign -z dc1 -c 10G <node id> && garage layout apply --version 1
#      garage bucket create parley-test
#      garage key import --yes -n parley-test <id> <secret>
#      garage bucket allow --read --write --owner parley-test --key parley-test
# 4. Writes the variables to $PARLEY_S3_DIR/env and prints them on stdout (everything else
#    goes to stderr): AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
#    AWS_ALLOW_HTTP=true (plain http on loopback), AWS_VIRTUAL_HOSTED_STYLE_REQUEST=false
#    (Garage is addressed by path, not by a bucket host name) and PARLEY_TEST_S3_URL.
set -euo pipefail

GARAGE_VERSION="${GARAGE_VERSION:-2.5.0}"
root="${PARLEY_GARAGE_ROOT:-/var/cache/parley-ci/garage}"
dir="${PARLEY_S3_DIR:-/tmp/parley-s3-$(id -u)}"
port="${PARLEY_S3_PORT:-3900}"
rpc_port=$((port + 1))
admin_port=$((port + 3))
bucket=parley-test
garage="$root/bin/garage"

log() { echo "s3-server: $*" >&2; }

running() {
  [ -f "$dir/garage.pid" ] && kill -0 "$(cat "$dir/garage.pid")" 2>/dev/null
}

if [ "${1:-}" = "stop" ]; then
  if running; then
    kill "$(cat "$dir/garage.pid")"
    log "stopped garage (pid $(cat "$dir/garage.pid"))"
  else
    log "not running"
  fi
  rm -f "$dir/garage.pid"
  exit 0
fi

# 1. The binary, built once per version. A separate target folder keeps its 1 GB of
# build output away from Parley's.
if ! { [ -x "$garage" ] && "$garage" --version 2>/dev/null | grep -Eq "[v:]$GARAGE_VERSION( |$)"; }; then
  log "installing garage $GARAGE_VERSION into $root (takes minutes, once)"
  start=$(date +%s)
  CARGO_TARGET_DIR="${PARLEY_GARAGE_TARGET:-/var/cache/parley-ci/garage-build}" \
    cargo install garage --version "$GARAGE_VERSION" --locked --root "$root" >&2
  log "garage built in $(($(date +%s) - start)) s"
fi

mkdir -p "$dir/meta" "$dir/data"
conf="$dir/garage.toml"
g() { "$garage" -c "$conf" "$@"; }
hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# 2. The config and the server. Secrets are made once and kept with the data, so a
# restart over the same folder finds the same cluster, bucket and key.
if [ ! -f "$conf" ]; then
  cat >"$conf" <<EOF
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "sqlite"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$rpc_port"
rpc_public_addr = "127.0.0.1:$rpc_port"
rpc_secret = "$(hex 32)"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$port"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$admin_port"
admin_token = "$(hex 32)"
EOF
fi

if running; then
  log "garage already running (pid $(cat "$dir/garage.pid"))"
else
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    log "something else already answers on 127.0.0.1:$port; set PARLEY_S3_PORT to another port"
    exit 1
  fi
  # setsid: the server outlives this script and the shell that ran it.
  setsid "$garage" -c "$conf" server >"$dir/garage.log" 2>&1 </dev/null &
  echo $! >"$dir/garage.pid"
  log "started garage (pid $!, log $dir/garage.log)"
fi

# The CLI reaches the node over RPC once it is up.
for _ in $(seq 1 100); do
  g status >/dev/null 2>&1 && break
  running || { log "garage exited; its log:"; tail -n 30 "$dir/garage.log" >&2; exit 1; }
  sleep 0.2
done
g status >/dev/null

# 3. Layout, bucket, key.
if g layout show 2>/dev/null | grep -q "Current cluster layout version: 0"; then
  node=$(g node id -q 2>/dev/null | cut -d@ -f1)
  g layout assign -z dc1 -c 10G "$node" >/dev/null
  g layout apply --version 1 >/dev/null
  log "laid out node $node"
fi
# The bucket is usable once the new layout is live; creating it can fail for a moment.
for _ in $(seq 1 50); do
  g bucket info "$bucket" >/dev/null 2>&1 && break
  g bucket create "$bucket" >/dev/null 2>&1 || sleep 0.2
done
g bucket info "$bucket" >/dev/null

if [ ! -f "$dir/key" ]; then
  # Garage's own formats: GK + 24 hex digits, and 64 hex digits.
  printf 'GK%s %s\n' "$(hex 12)" "$(hex 32)" >"$dir/key"
fi
read -r key_id secret <"$dir/key"
if ! g key info "$key_id" >/dev/null 2>&1; then
  g key import --yes -n "$bucket" "$key_id" "$secret" >/dev/null
fi
g bucket allow --read --write --owner "$bucket" --key "$key_id" >/dev/null

# 4. The variables.
cat >"$dir/env" <<EOF
export AWS_ENDPOINT=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=$key_id
export AWS_SECRET_ACCESS_KEY=$secret
export AWS_REGION=garage
export AWS_ALLOW_HTTP=true
export AWS_VIRTUAL_HOSTED_STYLE_REQUEST=false
export PARLEY_TEST_S3_URL=s3://$bucket/tests
EOF
log "ready: s3://$bucket on http://127.0.0.1:$port (variables in $dir/env)"
cat "$dir/env"
