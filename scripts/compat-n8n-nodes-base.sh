#!/usr/bin/env bash
# Runs n8n's Gong node (npm n8n-nodes-base, executed by n8n-core's engine) against a real
# `parley serve`: compat/n8n-nodes-base/check.js. `--demo` (default) seeds with the demo
# company, `--api` only over HTTP (scripts/compat-lib.sh). The packages (pinned by
# package-lock.json) are installed once under /var/cache/parley-ci/compat, outside the clone.
set -euo pipefail
source "$(dirname "$0")/compat-lib.sh"
mode="$(compat_mode "$@")"
src="$compat_root/compat/n8n-nodes-base"
modules="$compat_cache/n8n-nodes-base"
stamp="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)"
if [ "$(cat "$modules/.compat-lock" 2>/dev/null)" != "$stamp" ] || [ ! -d "$modules/node_modules/n8n-core" ]; then
  command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
  rm -rf "$modules"
  mkdir -p "$modules"
  cp "$src/package.json" "$src/package-lock.json" "$modules/"
  # Scripts skipped: they only build native modules of other nodes (isolated-vm, kafka, …).
  (cd "$modules" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$stamp" >"$modules/.compat-lock"
fi
compat_serve "$mode"
NODE_PATH="$modules/node_modules" node "$src/check.js"
