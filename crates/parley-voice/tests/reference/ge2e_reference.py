#!/usr/bin/env python3
"""Reference forward pass of Resemblyzer's GE2E speaker encoder, in numpy (no torch).

Writes the golden fixtures that tests/parity.rs compares the Rust encoder against:
  parity_mel.f32        power mel spectrogram of the volume-normalised, zero-padded clip,
                        frames x 40, float32 little-endian (librosa, pad_mode='reflect')
  parity_embedding.f32  the 256-d utterance embedding (Resemblyzer embed_utterance, rate 1.3,
                        min_coverage 0.75), float32 little-endian

Follows resemblyzer 0.1.4 (audio.py, voice_encoder.py) step by step, except that
trim_long_silences (webrtcvad) is skipped: the Rust encoder expects speech-only input.

Usage: python ge2e_reference.py WEIGHTS.pt CLIP.s16 OUT_DIR
CLIP.s16 is raw signed 16-bit little-endian mono PCM at 16 kHz.
"""
import io
import pickle
import struct
import sys

import librosa
import numpy as np

SR = 16000
HOP = 160
N_FFT = 400
N_MELS = 40
PARTIAL = 160


class _Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None):
    return _Tensor(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("torch", "FloatStorage"):
            return "FloatStorage"
        if (module, name) == ("collections", "OrderedDict"):
            import collections

            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        assert pid[0] == "storage" and pid[1] == "FloatStorage"
        return _Storage(pid[2], pid[4])


def load_state(path):
    f = open(path, "rb")
    for _ in range(3):  # magic, protocol version, sys info
        pickle.load(f)
    checkpoint = _Unpickler(f).load()
    keys = pickle.load(f)
    storages = {}
    for key in keys:
        (numel,) = struct.unpack("<q", f.read(8))
        storages[key] = np.frombuffer(f.read(4 * numel), dtype="<f4")
    assert f.read() == b""
    state = {}
    for name, t in checkpoint["model_state"].items():
        data = storages[t.storage.key]
        state[name] = np.lib.stride_tricks.as_strided(
            data[t.offset :], shape=t.size, strides=[4 * s for s in t.stride]
        ).copy()
    return state


def normalize_volume(wav, target_dbfs=-30):
    int16_max = (2**15) - 1
    rms = np.sqrt(np.mean((wav * int16_max) ** 2))
    wave_dbfs = 20 * np.log10(rms / int16_max)
    change = target_dbfs - wave_dbfs
    if change < 0:
        return wav
    return wav * (10 ** (change / 20))


def compute_partial_slices(n_samples, rate=1.3, min_coverage=0.75):
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    frame_step = int(np.round((SR / rate) / HOP))
    wav_slices, mel_slices = [], []
    steps = max(1, n_frames - PARTIAL + frame_step + 1)
    for i in range(0, steps, frame_step):
        mel_slices.append(slice(i, i + PARTIAL))
        wav_slices.append(slice(i * HOP, (i + PARTIAL) * HOP))
    last = wav_slices[-1]
    coverage = (n_samples - last.start) / (last.stop - last.start)
    if coverage < min_coverage and len(mel_slices) > 1:
        mel_slices, wav_slices = mel_slices[:-1], wav_slices[:-1]
    return wav_slices, mel_slices


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_embed(state, mels):
    """mels: (batch, frames, 40) -> (batch, 256) L2-normalised partial embeddings."""
    x = mels.astype(np.float64)
    batch, frames, _ = x.shape
    for layer in range(3):
        w_ih = state[f"lstm.weight_ih_l{layer}"].astype(np.float64)
        w_hh = state[f"lstm.weight_hh_l{layer}"].astype(np.float64)
        b = (state[f"lstm.bias_ih_l{layer}"] + state[f"lstm.bias_hh_l{layer}"]).astype(np.float64)
        h = np.zeros((batch, 256))
        c = np.zeros((batch, 256))
        out = np.zeros((batch, frames, 256))
        pre = x @ w_ih.T + b
        for t in range(frames):
            g = pre[:, t] + h @ w_hh.T
            i, f, gg, o = np.split(g, 4, axis=1)  # PyTorch gate order
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(gg)
            h = sigmoid(o) * np.tanh(c)
            out[:, t] = h
        x = out
    lin = h @ state["linear.weight"].astype(np.float64).T + state["linear.bias"]
    e = np.maximum(lin, 0)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def main():
    weights, clip, out_dir = sys.argv[1:4]
    state = load_state(weights)
    for k, v in state.items():
        print(k, v.shape)
    wav = np.fromfile(clip, dtype="<i2").astype(np.float32) / 32768.0
    wav = normalize_volume(wav).astype(np.float32)
    wav_slices, mel_slices = compute_partial_slices(len(wav))
    if wav_slices[-1].stop >= len(wav):
        wav = np.pad(wav, (0, wav_slices[-1].stop - len(wav)), "constant")
    # Resemblyzer relied on librosa's old default pad_mode='reflect' (0.10 changed it to 'constant').
    mel = librosa.feature.melspectrogram(
        y=wav, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, pad_mode="reflect"
    ).astype(np.float32).T
    mels = np.array([mel[s] for s in mel_slices])
    partials = lstm_embed(state, mels)
    raw = partials.mean(axis=0)
    embed = (raw / np.linalg.norm(raw)).astype("<f4")
    print("partials", len(mel_slices), "mel frames", mel.shape, "embedding[:8]", embed[:8])
    mel.astype("<f4").tofile(f"{out_dir}/parity_mel.f32")
    embed.tofile(f"{out_dir}/parity_embedding.f32")


if __name__ == "__main__":
    main()
