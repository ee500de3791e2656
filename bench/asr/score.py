#!/usr/bin/env python3
"""Scores an ASR hypothesis against the scripted call's reference. Standard library only.

    python3 bench/asr/score.py REF.json HYP.json [--json OUT.json] [--label NAME]

REF is make_call.py's call_ref.json:
    {"speakers": {"rep": {"channel": 0}, ...},
     "turns": [{"speaker": "rep", "start_ms": .., "end_ms": .., "text": ".."}]}
HYP is what `parley transcribe FILE --format json` prints (faster_whisper_run.py writes the same):
    {"language": "eng", "duration_ms": .., "model": "..",
     "segments": [{"speaker": "channel-0", "start_ms": .., "end_ms": .., "text": "..",
                   "words": [{"start_ms": .., "end_ms": .., "word": "Hi,"}]}]}

Prints one summary line; --json writes every number.

Word sequences
  ref: the turns' words, turns sorted by start time.
  hyp: every segment's words (a segment without "words" has its text split on whitespace, the
       words spread evenly over the segment's time), each carrying its segment's speaker, then
       stably sorted by word start time (so the two channels of a stereo call interleave as they
       were spoken).

Normalisation (applied to ref and hyp words alike; one written word may become 0..n tokens)
  N1  Unicode NFKC; curly apostrophes (U+2018, U+2019, U+02BC) and backtick become "'".
  N2  lowercase.
  N3  numbers to words, so Whisper's digits meet the script's spelled-out numbers:
        "40" -> "forty", "1,200" -> "one thousand two hundred", "145" -> "one hundred forty five"
        (American style, no "and"), "$60" -> "sixty dollars", "$1.50" -> "one dollars fifty cents",
        "15%" -> "fifteen percent", "4.5" -> "four point five", ordinals "1st" "22nd" ->
        "first" "twenty second". Only whole tokens that are numbers (after stripping punctuation
        around them) are converted.
  N4  hyphens, en/em dashes and slashes separate words: "follow-up" -> "follow up",
      "two-year" -> "two year".
  N5  every character that is not a letter, digit or apostrophe is dropped; apostrophes are kept
      only inside a word ("don't" stays, "'quoted'" -> "quoted").
  N6  variant spellings, whole tokens: "ok" -> "okay", "alright" -> "all right",
      "email"/"e mail" -> "email", "percent"/"per cent" -> "percent".
  Whitespace collapses; empty tokens vanish.

WER = (S + D + I) / N from a Levenshtein alignment (unit costs; ties prefer match/substitution,
then deletion, then insertion) of the whole normalised sequences; N = number of ref tokens.

Speaker attribution (from the same alignment)
  Label map: a hyp label "channel-K" maps to the ref speaker whose "channel" is K; every other
  label (speaker-1, a party name, ...) maps by the one-to-one assignment of labels to ref speakers
  that maximises the number of aligned (correct or substituted) words whose labels agree (all
  permutations; more than 6 labels fall back to greedy). A null label maps to nobody.
  word attribution = share of aligned ref tokens (C + S) whose hyp token's label maps to the ref
  token's speaker. n/a (null) when no hyp word carries a label.
  time attribution = over the ref turns' time that hyp words cover, the share where every hyp word
  covering that instant maps to the turn's speaker; time coverage = that covered time / all ref
  turn time. Hyp words outside every ref turn are ignored here (they still count as insertions).
"""
import argparse
import itertools
import json
import re
import sys
import unicodedata

# ---------------------------------------------------------------- normalisation

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SCALES = [(10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")]
ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
           "twelve": "twelfth"}


def int_words(n):
    """Cardinal number words, American style without "and": 145 -> one hundred forty five."""
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + ([ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [ONES[n // 100], "hundred"] + (int_words(n % 100) if n % 100 else [])
    for value, name in SCALES:
        if n >= value:
            return int_words(n // value) + [name] + (int_words(n % value) if n % value else [])
    raise AssertionError(n)


def ordinal_words(n):
    words = int_words(n)
    last = words[-1]
    if last in ORDINAL:
        words[-1] = ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return words


NUMBER = re.compile(r"^(\$)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(%|st|nd|rd|th)?$")


def number_words(token):
    """Words for a token that is a number (N3), or None."""
    m = NUMBER.match(token)
    if not m:
        return None
    dollar, whole, frac, suffix = m.groups()
    n = int(whole.replace(",", ""))
    if suffix in ("st", "nd", "rd", "th"):
        return None if (dollar or frac) else ordinal_words(n)
    if dollar:
        words = int_words(n) + ["dollars"]
        if frac:
            words += int_words(int(frac)) + ["cents"]
        return words
    words = int_words(n)
    if frac:
        words += ["point"] + [ONES[int(d)] for d in frac]
    if suffix == "%":
        words.append("percent")
    return words


VARIANTS = {"ok": ["okay"], "alright": ["all", "right"], "e-mail": ["email"], "per-cent": ["percent"]}
PAIR_VARIANTS = {("e", "mail"): "email", ("per", "cent"): "percent"}
APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})
SEPARATORS = re.compile(r"[-\u2010\u2011\u2012\u2013\u2014\u2015/]+")
NOT_WORD = re.compile(r"[^\w']+")


def normalise_word(word):
    """One written word -> list of normalised tokens (N1-N6, except the two-token variants)."""
    w = unicodedata.normalize("NFKC", word).translate(APOSTROPHES).lower()   # N1, N2
    out = []
    for raw in w.split():
        if raw.strip(".,;:!?\"'()[]") in VARIANTS:                           # N6 (before N4 splits e-mail)
            out += VARIANTS[raw.strip(".,;:!?\"'()[]")]
            continue
        for part in SEPARATORS.split(raw):                                    # N4
            core = part.strip(".,;:!?\"'()[]{}")
            nums = number_words(core)                                         # N3
            if nums is not None:
                out += nums
                continue
            for tok in NOT_WORD.split(part.replace("_", " ")):                # N5
                tok = tok.strip("'")
                if tok:
                    out += VARIANTS.get(tok, [tok])                           # N6
    return out


def merge_pairs(tokens):
    """N6 for two-token variants ("e mail" -> "email"), on a list of (token, payload)."""
    out, i = [], 0
    while i < len(tokens):
        if i + 1 < len(tokens) and (tokens[i][0], tokens[i + 1][0]) in PAIR_VARIANTS:
            out.append((PAIR_VARIANTS[(tokens[i][0], tokens[i + 1][0])], tokens[i][1]))
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


def normalise_text(text):
    """Convenience: a whole string -> list of normalised tokens."""
    toks = [(t, None) for w in text.split() for t in normalise_word(w)]
    return [t for t, _ in merge_pairs(toks)]


# ---------------------------------------------------------------- word sequences

def ref_tokens(ref):
    """[(token, {"speaker", "turn"})] in time order."""
    turns = sorted(enumerate(ref["turns"]), key=lambda it: (it[1]["start_ms"], it[0]))
    toks = []
    for idx, turn in turns:
        for w in turn["text"].split():
            for t in normalise_word(w):
                toks.append((t, {"speaker": turn["speaker"], "turn": idx}))
    return merge_pairs(toks)


def hyp_words(hyp):
    """[(word, speaker, start_ms, end_ms)] from segments, stably sorted by start time."""
    words = []
    for seg in hyp.get("segments", []):
        speaker = seg.get("speaker")
        ws = seg.get("words")
        if ws:
            for w in ws:
                words.append((w.get("word", ""), speaker, w.get("start_ms", seg.get("start_ms", 0)),
                              w.get("end_ms", seg.get("end_ms", 0))))
        else:
            parts = (seg.get("text") or "").split()
            s, e = seg.get("start_ms", 0), seg.get("end_ms", 0)
            for i, p in enumerate(parts):
                words.append((p, speaker, s + (e - s) * i // len(parts), s + (e - s) * (i + 1) // len(parts)))
    words.sort(key=lambda w: w[2])
    return words


def hyp_tokens(hyp):
    toks = []
    for word, speaker, start, end in hyp_words(hyp):
        for t in normalise_word(word):
            toks.append((t, {"speaker": speaker, "start_ms": start, "end_ms": end}))
    return merge_pairs(toks)


# ---------------------------------------------------------------- alignment

MATCH, SUB, DEL, INS = "C", "S", "D", "I"


def align(ref, hyp):
    """Levenshtein alignment of two token lists -> [(op, i, j)] with i/j indexes or None.

    Exact, computed in a diagonal band |i - j| <= w that doubles until the distance found is <= w:
    any path leaving the band needs more than w insertions/deletions, so it cannot be cheaper.
    """
    n, m = len(ref), len(hyp)
    w = max(64, abs(n - m) + 16, (n + m) // 20)  # ~10 % WER fits the first band
    while True:
        cost, back = _banded(ref, hyp, w)
        if cost <= w or w >= max(n, m):
            break
        w *= 2
    ops = []
    i, j = n, m
    while i > 0 or j > 0:
        lo, bp = back[i]
        b = bp[j - lo] if i > 0 else 2
        if i > 0 and j > 0 and b == 0:
            ops.append((MATCH if ref[i - 1] == hyp[j - 1] else SUB, i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and (b == 1 or j == 0):
            ops.append((DEL, i - 1, None))
            i -= 1
        else:
            ops.append((INS, None, j - 1))
            j -= 1
    ops.reverse()
    return ops


def _banded(ref, hyp, w):
    """Edit distance within |i - j| <= w, and per row (first j, backpointers: 0 diag, 1 del, 2 ins)."""
    n, m = len(ref), len(hyp)
    big = n + m + 1
    hi0 = min(m, w)
    prev = list(range(hi0 + 1))  # row 0, j = 0..hi0
    prev_lo = 0
    back = [(0, bytearray([2]) * (hi0 + 1))]
    for i in range(1, n + 1):
        lo, hi = max(0, i - w), min(m, i + w)
        cur = [big] * (hi - lo + 1)
        bp = bytearray(hi - lo + 1)
        r = ref[i - 1]
        prev_hi = prev_lo + len(prev) - 1
        left = big
        for j in range(lo, hi + 1):
            if j == 0:
                best, b = i, 1
            else:
                diag = prev[j - 1 - prev_lo] + (r != hyp[j - 1]) if prev_lo <= j - 1 <= prev_hi else big
                dele = prev[j - prev_lo] + 1 if j <= prev_hi else big
                ins = left + 1
                if diag <= dele and diag <= ins:
                    best, b = diag, 0
                elif dele <= ins:
                    best, b = dele, 1
                else:
                    best, b = ins, 2
            cur[j - lo] = best
            bp[j - lo] = b
            left = best
        back.append((lo, bp))
        prev, prev_lo = cur, lo
    cost = prev[m - prev_lo] if prev_lo <= m <= prev_lo + len(prev) - 1 else big
    return cost, back


# ---------------------------------------------------------------- attribution

CHANNEL_LABEL = re.compile(r"^channel-(\d+)$")


def label_map(ref, pairs):
    """hyp label -> ref speaker (or None). pairs: [(ref_speaker, hyp_label)] of aligned words."""
    by_channel = {spec.get("channel"): name for name, spec in ref.get("speakers", {}).items()}
    labels = sorted({lab for _, lab in pairs if lab is not None} , key=str)
    mapping, free = {}, []
    for lab in labels:
        m = CHANNEL_LABEL.match(str(lab))
        if m:
            mapping[lab] = by_channel.get(int(m.group(1)))
        else:
            free.append(lab)
    if not free:
        return mapping
    speakers = sorted({s for s, _ in pairs} | set(ref.get("speakers", {})))
    counts = {}
    for s, lab in pairs:
        counts[(s, lab)] = counts.get((s, lab), 0) + 1
    if len(free) <= 6 and len(speakers) <= 6:
        pool = speakers + [None] * len(free)
        best, best_score = None, -1
        for perm in itertools.permutations(pool, len(free)):
            score = sum(counts.get((s, lab), 0) for lab, s in zip(free, perm))
            if score > best_score:
                best, best_score = perm, score
        mapping.update(zip(free, best))
    else:  # greedy: largest co-occurrence first
        used = set()
        for (s, lab), _ in sorted(counts.items(), key=lambda kv: -kv[1]):
            if lab in free and lab not in mapping and s not in used:
                mapping[lab] = s
                used.add(s)
        for lab in free:
            mapping.setdefault(lab, None)
    return mapping


def time_attribution(ref, htoks, mapping):
    """(correct_ms, covered_ms, total_ms) over ref turn time; see the module doc."""
    words = {}
    for _, p in htoks:  # one entry per hyp word (tokens of a word share their payload)
        words[id(p)] = p
    words = sorted(words.values(), key=lambda p: p["start_ms"])
    starts = [p["start_ms"] for p in words]
    correct = covered = total = 0
    import bisect
    for turn in ref["turns"]:
        ts, te = turn["start_ms"], turn["end_ms"]
        total += max(0, te - ts)
        # words overlapping [ts, te): a word starting before ts may still overlap, so scan back a bit
        lo = bisect.bisect_left(starts, ts - 30000)
        hi = bisect.bisect_left(starts, te)
        ivs = []
        for p in words[lo:hi]:
            s, e = max(ts, p["start_ms"]), min(te, p["end_ms"])
            if e > s:
                ivs.append((s, e, mapping.get(p["speaker"]) == turn["speaker"] if p["speaker"] is not None else False))
        if not ivs:
            continue
        points = sorted({x for s, e, _ in ivs for x in (s, e)})
        for a, b in zip(points, points[1:]):
            cover = [ok for s, e, ok in ivs if s <= a and e >= b]
            if cover:
                covered += b - a
                if all(cover):
                    correct += b - a
    return correct, covered, total


# ---------------------------------------------------------------- scoring

def score(ref, hyp):
    rtoks, htoks = ref_tokens(ref), hyp_tokens(hyp)
    ops = align([t for t, _ in rtoks], [t for t, _ in htoks])
    c = sum(1 for o, _, _ in ops if o == MATCH)
    s = sum(1 for o, _, _ in ops if o == SUB)
    d = sum(1 for o, _, _ in ops if o == DEL)
    ins = sum(1 for o, _, _ in ops if o == INS)
    n = len(rtoks)
    result = {
        "wer": (s + d + ins) / n if n else None,
        "n": n, "correct": c, "substitutions": s, "deletions": d, "insertions": ins,
        "hyp_tokens": len(htoks),
    }

    pairs = [(rtoks[i][1]["speaker"], htoks[j][1]["speaker"]) for o, i, j in ops if o in (MATCH, SUB)]
    labelled = any(p["speaker"] is not None for _, p in htoks)
    per_speaker = {}
    for o, i, j in ops:
        if i is None:
            continue
        sp = rtoks[i][1]["speaker"]
        st = per_speaker.setdefault(sp, {"n": 0, "correct": 0, "substitutions": 0, "deletions": 0,
                                         "aligned": 0, "attributed": 0})
        st["n"] += 1
        st[{MATCH: "correct", SUB: "substitutions", DEL: "deletions"}[o]] += 1
    if labelled:
        mapping = label_map(ref, pairs)
        right = 0
        for o, i, j in ops:
            if o in (MATCH, SUB):
                sp = rtoks[i][1]["speaker"]
                lab = htoks[j][1]["speaker"]
                ok = lab is not None and mapping.get(lab) == sp
                right += ok
                per_speaker[sp]["aligned"] += 1
                per_speaker[sp]["attributed"] += ok
        tc, tcov, ttot = time_attribution(ref, htoks, mapping)
        result.update({
            "label_map": {str(k): v for k, v in mapping.items()},
            "attribution": right / len(pairs) if pairs else None,
            "attributed_words": right, "aligned_words": len(pairs),
            "time_attribution": tc / tcov if tcov else None,
            "time_coverage": tcov / ttot if ttot else None,
            "time_correct_ms": tc, "time_covered_ms": tcov, "time_ref_ms": ttot,
        })
    else:
        result.update({"label_map": None, "attribution": None, "time_attribution": None, "time_coverage": None})
    for st in per_speaker.values():
        st["wer_without_insertions"] = (st["substitutions"] + st["deletions"]) / st["n"] if st["n"] else None
        if labelled:
            st["attribution"] = st["attributed"] / st["aligned"] if st["aligned"] else None
        else:
            del st["aligned"], st["attributed"]
    result["per_speaker"] = per_speaker
    result["errors"] = error_examples(ops, rtoks, htoks)
    return result


def error_examples(ops, rtoks, htoks, limit=40):
    """Most frequent error pairs, for reading: "ref -> hyp" (with "" for deletions/insertions)."""
    counts = {}
    for o, i, j in ops:
        if o == MATCH:
            continue
        key = f"{rtoks[i][0] if i is not None else ''} -> {htoks[j][0] if j is not None else ''}"
        counts[key] = counts.get(key, 0) + 1
    return [{"error": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def fmt_pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def summary_line(label, r):
    line = (f"{label}: WER {fmt_pct(r['wer'])} (S={r['substitutions']} D={r['deletions']} I={r['insertions']} "
            f"N={r['n']}), attribution {fmt_pct(r['attribution'])}")
    if r.get("time_attribution") is not None:
        line += f", time attribution {fmt_pct(r['time_attribution'])} (coverage {fmt_pct(r['time_coverage'])})"
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref")
    ap.add_argument("hyp")
    ap.add_argument("--json", help="write all numbers here")
    ap.add_argument("--label", default=None, help="name for the summary line (default: HYP path)")
    args = ap.parse_args()
    try:
        with open(args.ref, encoding="utf-8") as f:
            ref = json.load(f)
        with open(args.hyp, encoding="utf-8") as f:
            hyp = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"score: {e}")
    if "turns" not in ref:
        sys.exit(f"score: {args.ref} has no 'turns'")
    if "segments" not in hyp:
        sys.exit(f"score: {args.hyp} has no 'segments' (not `--format json` output?)")
    r = score(ref, hyp)
    r["ref"], r["hyp"] = args.ref, args.hyp
    print(summary_line(args.label or args.hyp, r))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(r, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
