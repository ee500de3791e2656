#!/usr/bin/env python3
"""A short three-party mono call for the diarization check: a rep, a customer and a third voice.

    python3 bench/asr/make_three_party.py OUT [-- ESPEAK_VOICE_ARGS...]

Writes OUT/call_mono.wav (16 kHz, the turns 0.5 s apart) and OUT/call_ref.json in the format
score.py reads. The rep and the customer use the bench call's voices; the third voice's
espeak-ng arguments come after `--` (default: -v en-us+m7 -p 90 -s 130). Needs espeak-ng and sox.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import wave

REP = ["-v", "en-us", "-p", "40", "-s", "165"]
CUSTOMER = ["-v", "en-us+f4", "-p", "80", "-s", "150"]
TURNS = [
    ("rep", "Thanks everyone for joining. I brought our solutions engineer along today."),
    ("customer", "Great. I also invited our technical lead, who has questions about security."),
    ("lead", "Yes. Where would the recordings be stored, and who can access them?"),
    ("rep", "Everything stays on your own servers. Nothing leaves your network."),
    ("lead", "Good. Does it work with our single sign on provider?"),
    ("rep", "It does, and we can show that in the pilot."),
    ("customer", "Then let us plan a two week pilot starting next Monday."),
    ("lead", "I will prepare a test server for you by Friday."),
    ("rep", "Perfect. I will send the proposal this afternoon."),
]
RATE = 16000


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    out, third = args[0], args[2:] if args[1:2] == ["--"] else ["-v", "en-us+m7", "-p", "90", "-s", "130"]
    voices = {"rep": REP, "customer": CUSTOMER, "lead": third}
    os.makedirs(out, exist_ok=True)
    audio, ref = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (speaker, text) in enumerate(TURNS):
            raw, trimmed = os.path.join(tmp, f"{i}.wav"), os.path.join(tmp, f"{i}-16k.wav")
            subprocess.run(["espeak-ng", *voices[speaker], "-w", raw, text], check=True)
            # 16 kHz, espeak's leading and trailing silence trimmed so turn times bound speech.
            subprocess.run(["sox", raw, "-r", str(RATE), trimmed, "silence", "1", "0.05", "0.5%",
                            "reverse", "silence", "1", "0.05", "0.5%", "reverse"], check=True)
            with wave.open(trimmed) as w:
                n = w.getnframes()
                samples = struct.unpack("<%dh" % n, w.readframes(n))
            start = len(audio)
            audio.extend(samples)
            ref.append({"speaker": speaker, "start_ms": start * 1000 // RATE,
                        "end_ms": len(audio) * 1000 // RATE, "text": text})
            audio.extend([0] * (RATE // 2))
    with wave.open(os.path.join(out, "call_mono.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack("<%dh" % len(audio), *audio))
    with open(os.path.join(out, "call_ref.json"), "w") as f:
        json.dump({"turns": ref, "duration_ms": len(audio) * 1000 // RATE}, f, indent=1)


if __name__ == "__main__":
    main()
