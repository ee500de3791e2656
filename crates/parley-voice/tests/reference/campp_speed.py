"""torch's CAM++ timing for examples/campp_speed.rs (one thread, thread CPU time, mean of the runs).

usage: python campp_speed.py MODEL.pt CLIP.s16   (CLIP: >= 10 s of s16le 16 kHz mono)
"""

import pathlib
import sys
import time

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from campp_reference import embed, fbank, load_model  # noqa: E402


def main():
    torch.set_num_threads(1)
    model = load_model(sys.argv[1])
    wave = np.fromfile(sys.argv[2], dtype="<i2").astype(np.float32) / 32768.0
    for label, secs, reps in [("1.5 s", 1.5, 40), ("10 s", 10.0, 8)]:
        w = wave[: int(secs * 16000)]
        embed(model, fbank(w))
        t0 = time.thread_time()
        for _ in range(reps):
            fbank(w)
        feat = (time.thread_time() - t0) / reps
        t0 = time.thread_time()
        for _ in range(reps):
            embed(model, fbank(w))
        total = (time.thread_time() - t0) / reps
        print(
            f"torch {label:>5} window: {total * 1e3:7.2f} ms per embedding "
            f"(fbank {feat * 1e3:.2f} ms), {reps} runs"
        )


if __name__ == "__main__":
    main()
