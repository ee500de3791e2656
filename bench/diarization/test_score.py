"""Unit tests for score.py:  python3 -m unittest bench/diarization/test_score.py

Every expected number below is worked out by hand from the frames (10 ms each)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score  # noqa: E402

HERE = Path(__file__).resolve().parent


def hyp(*segs, words=None):
    return score.Hypothesis(list(segs), words)


class Frames(unittest.TestCase):
    def test_centre_rule(self):
        # [0.00, 0.10) holds the frames centred at 5, 15, ..., 95 ms: ten of them.
        self.assertEqual(list(score.frame_range(0.0, 0.1)), list(range(10)))
        # A segment from 4 ms to 16 ms only contains the frame centred at 5 ms and 15 ms.
        self.assertEqual(list(score.frame_range(0.004, 0.016)), [0, 1])
        # A frame centre on the start is in, on the end is out.
        self.assertEqual(list(score.frame_range(0.005, 0.015)), [0])
        self.assertEqual(list(score.frame_range(0.5, 0.5)), [])


class Perfect(unittest.TestCase):
    def test_relabelled_hypothesis_is_perfect(self):
        ref = [("alice", 0.0, 2.0), ("bob", 2.0, 3.0), ("alice", 3.5, 4.0)]
        r = score.score(ref, hyp(("speaker-2", 0.0, 2.0), ("speaker-1", 2.0, 3.0), ("speaker-2", 3.5, 4.0)))
        self.assertEqual(r["mapping"], {"speaker-2": "alice", "speaker-1": "bob"})
        self.assertEqual(r["attribution"], 1.0)
        self.assertEqual(r["der"], 0.0)
        self.assertEqual((r["ref_speakers"], r["hyp_speakers"]), (2, 2))


class Errors(unittest.TestCase):
    def test_one_voice_found_for_two(self):
        # 3 s of alice then 1 s of bob, all called one speaker: the mapping gives it alice
        # (300 frames against 100), bob's 100 frames are confusion.
        ref = [("alice", 0.0, 3.0), ("bob", 3.0, 4.0)]
        r = score.score(ref, hyp(("s", 0.0, 4.0)))
        self.assertEqual(r["mapping"], {"s": "alice"})
        self.assertAlmostEqual(r["attribution"], 0.75)
        self.assertAlmostEqual(r["der"], 0.25)
        self.assertAlmostEqual(r["confusion"], 0.25)
        self.assertEqual(r["missed"], 0.0)
        self.assertEqual(r["hyp_speakers"], 1)

    def test_late_change_point(self):
        # The change from alice to bob found 0.2 s late: 20 of 200 frames wrong.
        ref = [("alice", 0.0, 1.0), ("bob", 1.0, 2.0)]
        r = score.score(ref, hyp(("a", 0.0, 1.2), ("b", 1.2, 2.0)))
        self.assertAlmostEqual(r["attribution"], 0.9)
        self.assertAlmostEqual(r["der"], 0.1)

    def test_missed_and_false_alarm(self):
        # ref speech 0-1 s; hyp 0.5-1.5 s. Missed 50 frames, false alarm 50, over 100 frames.
        r = score.score([("alice", 0.0, 1.0)], hyp(("x", 0.5, 1.5)))
        self.assertAlmostEqual(r["missed"], 0.5)
        self.assertAlmostEqual(r["false_alarm"], 0.5)
        self.assertAlmostEqual(r["der"], 1.0)
        self.assertAlmostEqual(r["coverage"], 0.5)
        self.assertAlmostEqual(r["attribution"], 0.5)
        self.assertAlmostEqual(r["attribution_covered"], 1.0)

    def test_overlap_scored(self):
        # alice 0-2 s, bob 1-2 s over her. A one-speaker-at-a-time hypothesis that says
        # alice 0-1.5, bob 1.5-2: reference speaker time 300 frames; hyp gives 200 frames.
        # Per frame: 0-1 s correct; 1-1.5 s alice right, bob missed (50); 1.5-2 s bob right,
        # alice missed (50). DER = 100/300; every speech frame names someone who talks.
        ref = [("alice", 0.0, 2.0), ("bob", 1.0, 2.0)]
        r = score.score(ref, hyp(("h1", 0.0, 1.5), ("h2", 1.5, 2.0)))
        self.assertEqual(r["mapping"], {"h1": "alice", "h2": "bob"})
        self.assertAlmostEqual(r["der"], 100 / 300)
        self.assertAlmostEqual(r["missed"], 100 / 300)
        self.assertEqual(r["attribution"], 1.0)

    def test_extra_hypothesis_speaker_counts_against(self):
        # One voice split in two: 1 s each. Only one can map; the other is confusion.
        r = score.score([("alice", 0.0, 2.0)], hyp(("a", 0.0, 1.0), ("b", 1.0, 2.0)))
        self.assertEqual(len(r["mapping"]), 1)
        self.assertAlmostEqual(r["attribution"], 0.5)
        self.assertAlmostEqual(r["der"], 0.5)
        self.assertEqual(r["hyp_speakers"], 2)

    def test_mapping_prefers_total(self):
        # x meets a 100, b 90; y meets a 80, b 0. Greedy: x->a (100), y->b (0) = 100.
        # Optimal: x->b (90), y->a (80) = 170.
        ref = [("a", 0.0, 1.0), ("b", 1.0, 1.9), ("a", 2.0, 2.8)]
        h = hyp(("x", 0.0, 1.9), ("y", 2.0, 2.8))
        r = score.score(ref, h)
        self.assertEqual(r["mapping"], {"x": "b", "y": "a"})
        # Right frames: b 90 + a 80 = 170 of 270.
        self.assertAlmostEqual(r["attribution"], 170 / 270)


class Words(unittest.TestCase):
    def test_word_attribution(self):
        ref = [("alice", 0.0, 1.0), ("bob", 1.0, 2.0)]
        words = [
            ("A", 0.0, 0.4),  # alice: right
            ("A", 0.5, 0.9),  # alice: right
            ("A", 0.9, 1.3),  # 10 frames alice, 30 bob: bob's word, given to alice: wrong
            ("B", 1.4, 1.8),  # bob: right
            ("B", 2.5, 2.8),  # over no reference speech: not counted
        ]
        r = score.score(ref, hyp(("A", 0.0, 1.3), ("B", 1.4, 1.8), ("B", 2.5, 2.8), words=words))
        self.assertEqual(r["words"], 4)
        self.assertEqual(r["words_outside"], 1)
        self.assertAlmostEqual(r["word_attribution"], 0.75)

    def test_word_in_overlap_may_go_to_either(self):
        ref = [("alice", 0.0, 2.0), ("bob", 1.0, 2.0)]
        words = [("B", 1.2, 1.6)]
        r = score.score(ref, hyp(("A", 0.0, 1.0), ("B", 1.2, 1.6), words=words))
        self.assertEqual(r["word_attribution"], 1.0)


class Readers(unittest.TestCase):
    def test_parley_json_and_rttm_agree(self):
        doc = {
            "language": "eng",
            "duration_ms": 4000,
            "model": "test",
            "segments": [
                {"speaker": "speaker-1", "start_ms": 0, "end_ms": 1500, "text": "hi there",
                 "words": [{"start_ms": 0, "end_ms": 600, "word": "hi"}, {"start_ms": 700, "end_ms": 1500, "word": "there"}]},
                {"speaker": "speaker-2", "start_ms": 1500, "end_ms": 3000, "text": "hello",
                 "words": [{"start_ms": 1600, "end_ms": 3000, "word": "hello"}]},
            ],
        }
        h = score.parley_hypothesis(doc)
        self.assertEqual(h.segments, [("speaker-1", 0.0, 1.5), ("speaker-2", 1.5, 3.0)])
        self.assertEqual(len(h.words), 3)
        hw = score.parley_hypothesis(doc, "words")
        self.assertEqual(hw.segments[1], ("speaker-1", 0.7, 1.5))
        rttm = "SPEAKER f 1 0.000 1.500 <NA> <NA> speaker-1 <NA> <NA>\nSPEAKER f 1 1.500 1.500 <NA> <NA> speaker-2 <NA> <NA>\n"
        self.assertEqual(score.read_rttm(rttm), h.segments)

    def test_bad_rttm_line(self):
        with self.assertRaises(ValueError):
            score.read_rttm("SPEAKER f 1 0.0\n")

    def test_cli_end_to_end(self):
        with tempfile.TemporaryDirectory() as d:
            ref = Path(d) / "ref.json"
            ref.write_text(json.dumps({"segments": [{"speaker": "a", "start": 0.0, "end": 1.0},
                                                    {"speaker": "b", "start": 1.0, "end": 2.0}]}))
            hypf = Path(d) / "hyp.rttm"
            hypf.write_text("SPEAKER x 1 0.0 2.0 <NA> <NA> s0 <NA> <NA>\n")
            out = Path(d) / "out.json"
            p = subprocess.run([sys.executable, str(HERE / "score.py"), str(ref), str(hypf), "--json", str(out)],
                               capture_output=True, text=True, check=True)
            self.assertIn("attribution 50.0%", p.stdout)
            self.assertIn("speakers 1/2", p.stdout)
            self.assertAlmostEqual(json.loads(out.read_text())["der"], 0.5)


class Report(unittest.TestCase):
    def test_table_from_a_results_folder(self):
        with tempfile.TemporaryDirectory() as d:
            data, res = Path(d) / "data", Path(d) / "res"
            (data / "dev").mkdir(parents=True)
            res.mkdir()
            (data / "dev" / "dev-2spk-a-b.json").write_text(json.dumps(
                {"segments": [{"speaker": "a", "start": 0.0, "end": 1.0}, {"speaker": "b", "start": 1.0, "end": 2.0}]}))
            (data / "manifest.json").write_text(json.dumps([
                {"set": "dev", "id": "dev-2spk-a-b", "condition": "clean", "wav": "dev/dev-2spk-a-b.clean.wav",
                 "ref": "dev/dev-2spk-a-b.json", "speakers": 2, "corpus": "council", "duration": 2.0}]))
            (res / "dev-2spk-a-b.clean.parley.json").write_text(json.dumps({"segments": [
                {"speaker": "speaker-1", "start_ms": 0, "end_ms": 1000, "words": [{"start_ms": 0, "end_ms": 900, "word": "x"}]},
                {"speaker": "speaker-2", "start_ms": 1000, "end_ms": 2000, "words": [{"start_ms": 1100, "end_ms": 1900, "word": "y"}]}]}))
            (res / "dev-2spk-a-b.clean.parley.time").write_text("3.5 2.0 0.5 204800\n")
            (res / "dev-2spk-a-b.clean.rttm").write_text("SPEAKER f 1 0.0 2.0 <NA> <NA> 0 <NA> <NA>\n")
            (res / "dev-2spk-a-b.clean.senko.json").write_text(json.dumps({"seconds": 1.25, "cpu_seconds": 1.0}))
            p = subprocess.run([sys.executable, str(HERE / "report.py"), str(data), str(res)],
                               capture_output=True, text=True, check=True)
            row = [line for line in p.stdout.splitlines() if line.startswith("| a-b ")]
            self.assertEqual(len(row), 1, p.stdout)
            cells = [c.strip() for c in row[0].strip("|").split("|")]
            # Parley: perfect, 2 found, 2.5 CPU s (user 2.0 + sys 0.5); senko: one voice for two, 50 %, 1 found.
            self.assertEqual(cells[5:10], ["100.0%", "100.0%", "0.0%", "2", "2.5"])
            self.assertEqual(cells[10:14], ["50.0%", "50.0%", "1", "1.0"])
            summary = [line for line in p.stdout.splitlines() if line.startswith("| dev | council | 2 | clean")]
            cells = [c.strip() for c in summary[0].strip("|").split("|")]
            self.assertEqual(cells[5:], ["100.0% (100.0%)", "0.0%", "1/1", "50.0% (50.0%)", "50.0%", "0/1"])


if __name__ == "__main__":
    unittest.main()
