"""Tests of the conversation splicer, in the bench's light venv (numpy, scipy, soundfile):

    "$(bench/diarization/setup_venv.sh)"/bin/python -m unittest bench/diarization/test_make_conversations.py

A fake SRC of "speakers" made of noise bursts (speech-like on/off energy, each with its own
band) stands in for the real clips, so the test needs no download."""

import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_conversations as mc  # noqa: E402

SR = mc.SR


def fake_voice(rng, seconds, centre_hz):
    """Bursts of band-limited noise, 0.2-0.8 s on, 0.05-0.7 s off."""
    out, t = [], 0
    n = int(seconds * SR)
    while t < n:
        on = int(rng.uniform(0.2, 0.8) * SR)
        off = int(rng.uniform(0.05, 0.7) * SR)
        k = np.arange(on)
        burst = 0.1 * np.sin(2 * np.pi * centre_hz * k / SR) * (0.5 + rng.random(on))
        out += [burst, 0.0005 * rng.standard_normal(off)]
        t += on + off
    return np.concatenate(out)[:n]


class Splice(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.src = Path(cls.tmp.name)
        rng = np.random.default_rng(1)
        # Two council names the plan knows, one meeting each, 40 s in two clips.
        for name, hz in (("lewis", 300.0), ("gonzalez", 900.0)):
            d = cls.src / "council" / "m1" / name
            d.mkdir(parents=True)
            sf.write(d / "0-25000.wav", fake_voice(rng, 25, hz), SR, subtype="PCM_16")
            sf.write(d / "30000-45000.wav", fake_voice(rng, 15, hz), SR, subtype="PCM_16")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def spec(self, seconds=30.0):
        return {"id": "t", "set": "dev", "speakers": ["lewis", "gonzalez"], "seconds": seconds, "meeting": "m1"}

    def test_deterministic(self):
        a, ma = mc.build(self.spec(), self.src, 7)
        b, mb = mc.build(self.spec(), self.src, 7)
        self.assertTrue(np.array_equal(a, b))
        self.assertEqual(ma, mb)
        c, _ = mc.build(self.spec(), self.src, 8)
        self.assertFalse(len(a) == len(c) and np.array_equal(a, c))

    def test_reference_is_consistent(self):
        mix, meta = mc.build(self.spec(), self.src, 3)
        dur = len(mix) / SR
        self.assertAlmostEqual(meta["duration"], dur, places=2)
        self.assertEqual({s["speaker"] for s in meta["segments"]}, {"lewis", "gonzalez"})
        for s in meta["segments"]:
            self.assertLess(s["start"], s["end"])
            self.assertLessEqual(s["end"], dur + 1e-6)
        # Every segment lies inside a turn of the same speaker.
        for s in meta["segments"]:
            self.assertTrue(any(t["speaker"] == s["speaker"] and t["start"] - 1e-3 <= s["start"] and s["end"] <= t["end"] + 1e-3
                                for t in meta["turns"]), s)
        # Reference speech is where the mix is loud; outside it only the noise floor is left.
        frames = mc.frame_energy_db(mix)
        ref = np.zeros(len(frames), bool)
        for s in meta["segments"]:
            ref[int(s["start"] * 100): int(s["end"] * 100)] = True
        self.assertLess(np.percentile(frames[~ref], 90), mc.NOISE_DB + 10)

    def test_no_audio_used_twice(self):
        _, meta = mc.build(self.spec(60.0), self.src, 5)
        spans = {}
        for t in meta["turns"]:
            path, span = t["source"].rsplit("@", 1)
            a, b = map(float, span.split("-"))
            spans.setdefault(path, []).append((a, b))
        for path, ss in spans.items():
            ss.sort()
            for (a, b), (c, d) in zip(ss, ss[1:]):
                self.assertGreaterEqual(c, b - 1e-3, path)

    def test_turn_mix(self):
        _, meta = mc.build(self.spec(40.0), self.src, 11)
        kinds = [t["kind"] for t in meta["turns"]]
        lengths = [t["end"] - t["start"] for t in meta["turns"] if t["kind"] == "turn"]
        self.assertIn("backchannel", kinds)
        self.assertTrue(any(x < 1.0 for x in lengths))
        self.assertTrue(all(x <= 6.5 for x in lengths))
        self.assertGreater(meta["overlap_seconds"], 0.0)

    def test_telephone_channel(self):
        rng = np.random.default_rng(0)
        x = 0.1 * rng.standard_normal(SR * 2)
        y = mc.telephone(x)
        self.assertEqual(len(y), len(x))
        spec = np.abs(np.fft.rfft(y)) ** 2
        f = np.fft.rfftfreq(len(y), 1 / SR)
        inband = spec[(f > 500) & (f < 3000)].mean()
        self.assertLess(spec[f > 4200].mean(), inband * 1e-3)
        self.assertLess(spec[f < 100].mean(), inband * 1e-2)
        # 8-bit mu-law: at most 256 levels, and a small relative error on speech-level signals.
        band = mc.telephone_band(x)
        m = mc.mulaw8(band)
        self.assertLessEqual(len(np.unique(m)), 256)
        self.assertGreater(len(np.unique(m)), 100)
        snr = 10 * np.log10(np.sum(band**2) / np.sum((band - m) ** 2))
        self.assertGreater(snr, 25.0)  # G.711 gives about 35-38 dB
        self.assertLess(snr, 45.0)  # and it is lossy: the step really quantises


if __name__ == "__main__":
    unittest.main()
