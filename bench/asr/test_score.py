"""Unit tests for score.py:  python3 -m unittest bench/asr/test_score.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score  # noqa: E402


def ref_of(*turns, speakers=None):
    """turns: (speaker, start_ms, end_ms, text)."""
    return {"speakers": speakers or {"rep": {"channel": 0}, "customer": {"channel": 1}},
            "turns": [{"speaker": s, "start_ms": a, "end_ms": b, "text": t} for s, a, b, t in turns]}


def hyp_of(*segments):
    """segments: (speaker, [(start_ms, end_ms, word), ...])."""
    segs = []
    for speaker, words in segments:
        segs.append({"speaker": speaker, "start_ms": words[0][0], "end_ms": words[-1][1],
                     "text": " ".join(w for _, _, w in words),
                     "words": [{"start_ms": a, "end_ms": b, "word": w} for a, b, w in words]})
    return {"language": "eng", "duration_ms": 10000, "model": "test", "segments": segs}


def timed(start, text, step=100):
    return [(start + i * step, start + (i + 1) * step, w) for i, w in enumerate(text.split())]


class Normalise(unittest.TestCase):
    def test_case_punctuation_apostrophes(self):
        self.assertEqual(score.normalise_text("Hi, Laura! It's “quoted” 'here'. Don’t."),
                         ["hi", "laura", "it's", "quoted", "here", "don't"])

    def test_numbers(self):
        self.assertEqual(score.normalise_text("$60 per user"), ["sixty", "dollars", "per", "user"])
        self.assertEqual(score.normalise_text("about 40, maybe 145."),
                         ["about", "forty", "maybe", "one", "hundred", "forty", "five"])
        self.assertEqual(score.normalise_text("1,200 15% 4.5 2nd 21st"),
                         ["one", "thousand", "two", "hundred", "fifteen", "percent", "four", "point", "five",
                          "second", "twenty", "first"])
        self.assertEqual(score.normalise_text("$1.50"), ["one", "dollars", "fifty", "cents"])

    def test_separators_and_variants(self):
        self.assertEqual(score.normalise_text("a two-year follow-up, OK? Alright"),
                         ["a", "two", "year", "follow", "up", "okay", "all", "right"])
        self.assertEqual(score.normalise_text("send an e-mail or e mail"), ["send", "an", "email", "or", "email"])
        self.assertEqual(score.normalise_text("2-week forty-five"), ["two", "week", "forty", "five"])
        self.assertEqual(score.normalise_text(" -- ... "), [])


class Wer(unittest.TestCase):
    def test_identical_after_normalisation(self):
        ref = ref_of(("rep", 0, 2000, "Okay, it is sixty dollars per user."))
        hyp = hyp_of(("channel-0", timed(0, "OK it is $60 per user")))
        r = score.score(ref, hyp)
        self.assertEqual((r["wer"], r["substitutions"], r["deletions"], r["insertions"], r["n"]), (0.0, 0, 0, 0, 7))

    def test_hand_computed(self):
        # ref: the quick brown fox jumps over the lazy dog   (N = 9)
        # hyp: the quack brown fox jumps over lazy dog today
        #  quick->quack: 1 S; "the" before lazy missing: 1 D; "today": 1 I  => WER = 3/9
        ref = ref_of(("rep", 0, 5000, "The quick brown fox jumps over the lazy dog."))
        hyp = hyp_of(("channel-0", timed(0, "the quack brown fox jumps over lazy dog today")))
        r = score.score(ref, hyp)
        self.assertEqual((r["substitutions"], r["deletions"], r["insertions"], r["n"]), (1, 1, 1, 9))
        self.assertAlmostEqual(r["wer"], 3 / 9)

    def test_empty_hypothesis(self):
        ref = ref_of(("rep", 0, 1000, "one two three"))
        r = score.score(ref, {"segments": []})
        self.assertEqual((r["wer"], r["deletions"]), (1.0, 3))
        self.assertIsNone(r["attribution"])

    def test_insertions_only_wer_above_one(self):
        ref = ref_of(("rep", 0, 1000, "yes"))
        r = score.score(ref, hyp_of(("channel-0", timed(0, "no no no"))))
        self.assertEqual((r["substitutions"], r["insertions"]), (1, 2))
        self.assertAlmostEqual(r["wer"], 3.0)

    def test_segments_without_words_and_time_order(self):
        # segments are given out of time order and without "words": the scorer splits their text
        ref = ref_of(("rep", 0, 1000, "hello there"), ("customer", 1500, 2500, "hi back"))
        hyp = {"segments": [{"speaker": "channel-1", "start_ms": 1500, "end_ms": 2500, "text": "hi back"},
                            {"speaker": "channel-0", "start_ms": 0, "end_ms": 1000, "text": "Hello there."}]}
        r = score.score(ref, hyp)
        self.assertEqual(r["wer"], 0.0)
        self.assertEqual(r["attribution"], 1.0)


class Attribution(unittest.TestCase):
    REF = ref_of(("rep", 0, 1000, "hello there friend"), ("customer", 1200, 2000, "hi back"))

    def test_channels(self):
        # "hi" is transcribed in the rep's channel: 4 of 5 aligned words attributed right
        hyp = hyp_of(("channel-0", timed(0, "hello there friend") + [(1200, 1400, "hi")]),
                     ("channel-1", [(1400, 2000, "back")]))
        r = score.score(self.REF, hyp)
        self.assertEqual(r["wer"], 0.0)
        self.assertEqual(r["label_map"], {"channel-0": "rep", "channel-1": "customer"})
        self.assertAlmostEqual(r["attribution"], 4 / 5)
        # time: rep turn 0-1000 covered 0-300 (right); customer turn 1200-2000: 1200-1400 wrong, 1400-2000 right
        self.assertEqual((r["time_correct_ms"], r["time_covered_ms"], r["time_ref_ms"]), (900, 1100, 1800))
        self.assertEqual(r["per_speaker"]["customer"]["attribution"], 0.5)

    def test_diarization_labels_permuted(self):
        hyp = hyp_of(("speaker-2", timed(0, "hello there friend")), ("speaker-1", timed(1200, "hi back")))
        r = score.score(self.REF, hyp)
        self.assertEqual(r["label_map"], {"speaker-1": "customer", "speaker-2": "rep"})
        self.assertEqual(r["attribution"], 1.0)

    def test_more_labels_than_speakers_one_to_one(self):
        # three clusters for two speakers: the third maps to nobody, its words count as wrong
        hyp = hyp_of(("A", timed(0, "hello there")), ("C", [(200, 300, "friend")]), ("B", timed(1200, "hi back")))
        r = score.score(self.REF, hyp)
        self.assertEqual(r["label_map"], {"A": "rep", "B": "customer", "C": None})
        self.assertAlmostEqual(r["attribution"], 4 / 5)

    def test_no_labels(self):
        hyp = hyp_of((None, timed(0, "hello there friend hi back")))
        r = score.score(self.REF, hyp)
        self.assertEqual(r["wer"], 0.0)
        self.assertIsNone(r["attribution"])
        self.assertIsNone(r["time_attribution"])


class Cli(unittest.TestCase):
    def test_cli_writes_json(self):
        with tempfile.TemporaryDirectory() as d:
            ref, hyp, out = (os.path.join(d, n) for n in ("ref.json", "hyp.json", "out.json"))
            with open(ref, "w") as f:
                json.dump(ref_of(("rep", 0, 1000, "one two")), f)
            with open(hyp, "w") as f:
                json.dump(hyp_of(("channel-0", timed(0, "one 2"))), f)
            p = subprocess.run([sys.executable, score.__file__, ref, hyp, "--json", out, "--label", "t"],
                               capture_output=True, text=True, check=True)
            self.assertIn("t: WER 0.0%", p.stdout)
            with open(out) as f:
                self.assertEqual(json.load(f)["n"], 2)


if __name__ == "__main__":
    unittest.main()
