#!/usr/bin/env python3
"""Crops the dev conversations into clips of 6.5, 9, 12 and 15 s with trimmed references and adds
them to DATA/manifest.json as the set `short` (dev voices only; re-running replaces them):

    python3 bench/diarization/make_short_crops.py [DATA]

Then `run.sh --sets short`. Tunes how recordings of a few seconds are diarized without
touching the held-out set. Standard library only; the crops are seeded, so the same each time.
"""
import json, os, random, sys, wave
data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('PARLEY_DIAR_DATA', '/var/cache/parley-dev/diar')
man = json.load(open(f'{data}/manifest.json'))
man = [m for m in man if m['set'] != 'short']
os.makedirs(f'{data}/short', exist_ok=True)
rng = random.Random(7)
out = []
for m in man:
    if m['set'] != 'dev': continue
    ref = json.load(open(f"{data}/{m['ref']}"))
    w = wave.open(f"{data}/{m['wav']}"); sr = w.getframerate(); n = w.getnframes(); pcm = w.readframes(n); w.close()
    for k, dur in enumerate((6.5, 9.0, 12.0, 15.0)):
        start = rng.uniform(0, max(0, n / sr - dur))
        segs = [dict(speaker=s['speaker'], start=round(max(s['start'], start) - start, 3), end=round(min(s['end'], start + dur) - start, 3))
                for s in ref['segments'] if s['end'] > start and s['start'] < start + dur]
        segs = [s for s in segs if s['end'] - s['start'] > 0.05]
        spk = sorted({s['speaker'] for s in segs})
        stem = f"short-{len(spk)}spk-{m['id'][4:]}-{k}"
        wav = f"short/{stem}.{m['condition']}.wav"
        a, b = int(start * sr) * 2, int((start + dur) * sr) * 2
        o = wave.open(f'{data}/{wav}', 'wb'); o.setnchannels(1); o.setsampwidth(2); o.setframerate(sr); o.writeframes(pcm[a:b]); o.close()
        rj = f"short/{stem}.{m['condition']}.json"
        json.dump({'segments': segs}, open(f'{data}/{rj}', 'w'))
        out.append(dict(set='short', id=stem, condition=m['condition'], wav=wav, ref=rj, speakers=len(spk), corpus='council', duration=dur))
json.dump(man + out, open(f'{data}/manifest.json', 'w'), indent=1)
from collections import Counter
print(len(out), Counter((o['speakers'], o['duration']) for o in out))
