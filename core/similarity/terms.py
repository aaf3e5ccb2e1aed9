"""The terms a problem text is compared on: canonical words (abbreviations folded, error codes normalised), stems.

Shared by the TF-IDF embedder, its IDF table and the gap clustering, so all three count the same things.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache

from core.similarity.abbreviations import SYNONYMS, canonicalise

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_]*")
# Function words and helpdesk courtesy: they say nothing about which problem it is. Content words that are common
# in helpdesk text ("error", "issue") are not listed here: the IDF table weighs them down instead.
_STOP_WORD_TEXT = """a an the and or but if of to in on at by for with from as is are was were be been being it its this that
    these those i we you he she they them our your their my me us his her him do does did done has have had not no
    yes can could would should will just so than then there here when what which who how why all any some very
    again still also after before into out up down over about please hi hello dear thanks thank regards kind best
    re fw fwd pm am sent would like need needs needed help kindly since isn aren wasn weren hasn haven hadn doesn
    don didn couldn shouldn wouldn"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())


# The stemmer's rules, by number: another number is another vocabulary (see ``vocabulary_digest``).
STEMMER = 2


def _undouble(stem: str) -> str:
    # "dropping" -> "dropp" -> "drop", so it meets "drops" -> "drop"; "ll"/"ss" stay ("installed", "passed").
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


def stem(word: str) -> str:
    """A light suffix stripper: plural ``s``/``ies``, ``ied``, ``ing`` and ``ed`` (with a doubled final consonant
    undone) on words long enough to keep a stem."""
    if word.startswith("err_") or any(ch.isdigit() for ch in word) or "_" in word:
        return word
    if len(word) > 4 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return _undouble(word[:-3])
    if len(word) > 4 and word.endswith("ed"):
        return _undouble(word[:-2])
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return _unsilenced(word)


def _unsilenced(stem: str) -> str:
    # A silent final "e" goes, so that "update" meets "updated" and "updating" ("updat"), "paste" meets "pasted".
    return stem[:-1] if len(stem) > 3 and stem.endswith("e") and not stem.endswith("ee") else stem


@cache
def vocabulary_digest() -> str:
    """A short digest of what decides a text's terms (the synonym table, the stop words, the stemmer's rules): an
    embedder built on terms carries it in its name, so vectors of an older vocabulary are never compared with
    newer ones."""
    vocabulary = {"synonyms": SYNONYMS, "stop_words": sorted(STOP_WORDS), "stemmer": STEMMER}
    return hashlib.sha256(json.dumps(vocabulary, sort_keys=True).encode("utf-8")).hexdigest()[:8]


def terms(text: str) -> list[str]:
    """The canonical, stemmed content words of ``text`` in order (repeats kept: counts matter)."""
    return [stem(t) for t in _TOKEN.findall(canonicalise(text)) if t not in STOP_WORDS and len(t) > 1]


def error_codes(text: str | None) -> frozenset[str]:
    """The error codes ``text`` names, normalised (``0x80070005`` and ``80070005`` are one code)."""
    return frozenset(t for t in terms(text or "") if t.startswith("err_"))


def codes_conflict(a: str | None, b: str | None) -> bool:
    """Whether two texts name error codes and none of them in common: "error 0x80070005 at sign-in" and "sign-in
    fails with 0x8004010F" are two problems however alike the rest reads."""
    codes_a, codes_b = error_codes(a), error_codes(b)
    return bool(codes_a and codes_b and not codes_a & codes_b)


# Outcomes an answer reports, each against its opposite: "Declined - longer than the room allows" and "Accepted,
# but the subject is replaced" are two answers, however much else they share.
OPPOSITE_OUTCOMES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in (
        ("accept accepts accepted accepting", "decline declines declined declining reject rejects rejected"),
        ("allow allows allowed allowing permitted", "block blocks blocked blocking deny denies denied"),
        ("enable enables enabled", "disable disables disabled"),
        ("connect connects connected", "disconnect disconnects disconnected"),
        ("install installs installed", "uninstall uninstalls uninstalled"),
        ("succeed succeeds succeeded success successful", "fail fails failed failing failure"),
        ("online", "offline"),
        ("locked", "unlocked"),
    )
)
_LETTERS = re.compile(r"[a-z]+")


def outcomes_conflict(a: str | None, b: str | None) -> bool:
    """Whether two answers report opposite outcomes (:data:`OPPOSITE_OUTCOMES`): one says one side and not the other,
    the other the reverse ("auto-declines the 2-day workshop" / "accepted fine but the subject gets wiped")."""
    words_a, words_b = set(_LETTERS.findall((a or "").lower())), set(_LETTERS.findall((b or "").lower()))
    for one, other in OPPOSITE_OUTCOMES:
        sides_a = (bool(words_a & one), bool(words_a & other))
        sides_b = (bool(words_b & one), bool(words_b & other))
        if sides_a in ((True, False), (False, True)) and sides_b == sides_a[::-1]:
            return True
    return False
