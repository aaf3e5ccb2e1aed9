"""The one tokenizer of free text: normalising, word tokens and content words, with one stop-word list.

Helpdesk text is full of tokens that ordinary word splitting breaks: error codes (``0x80180014``), versions
(``v2.4.1``, ``win11``), products (``c++``, ``c#``, ``office365``), hyphenated names (``e-mail``), contractions
(``can't``). A word here is therefore a run of letters and digits that may carry ``. _ ' + # -`` inside it (and a
trailing ``+``/``#``), so those stay whole; sentence punctuation around a word is not part of it.

Whoever needs another rule builds on these functions (the local embedder adds a plural stem and character
n-grams to :func:`content_words`; clustering keeps content words of three or more characters; the flywheel's step
and answer matching starts from :func:`normalise` and :data:`STOP_WORDS`, keeps the words that decide an answer
and drops outcome words).
"""

from __future__ import annotations

import re
import unicodedata

# Letters and digits of any script; "_" is a word character for \w but not a letter or digit.
_ALNUM = r"[^\W_]"
_WORD = re.compile(rf"{_ALNUM}(?:[\w.'+#-]*(?:{_ALNUM}|[+#]))?")
_SPACE = re.compile(r"\s+")

# Words that say nothing about a problem: function words, and the filler of helpdesk tickets ("user keeps
# getting an error", "customer issue"). One list for everyone who compares texts by their words. "cannot" and
# "can't" are kept: "cannot connect to VPN" and "VPN connects but ..." are different problems, and without them the
# local embedder scores that calibration pair 0.515, above its duplicate threshold.
_STOP_WORD_TEXT = """
    a about after again all also an and any are as at be been before being but by can client could
    customer did do does doesn't done down error for from get gets getting got had has have he here how i if in
    into is isn't issue it it's its just keep keeps me more my new no not now of off on only or our out over
    please problem she should since so some still than that the their them then there these they this those to
    too under up us user users very was wasn't we were what when which while who why will with won't would yes
    you your
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORD_TEXT.split())


def normalise(text: str | None) -> str:
    """``text`` in one canonical form: Unicode NFKC (full-width and ligature forms folded), lower case, runs of
    whitespace collapsed to one space, no leading or trailing space. ``None`` is the empty string."""
    if not text:
        return ""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def words(text: str | None) -> list[str]:
    """The word tokens of ``text``, normalised, in order (repeats kept); see the module docstring for what a
    word is. ``"Error 0x80180014 on Win11 v2.4"`` gives ``["error", "0x80180014", "on", "win11", "v2.4"]``."""
    return _WORD.findall(normalise(text))


def content_words(text: str | None) -> list[str]:
    """:func:`words` without :data:`STOP_WORDS`, in order (repeats kept)."""
    return [word for word in words(text) if word not in STOP_WORDS]
