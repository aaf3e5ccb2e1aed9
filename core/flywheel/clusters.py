"""What a cluster of merged sessions teaches its proposal: the union of their paths, a centroid, one meaning.

Pure functions, no database. :func:`merge_path` walks a merged session's path down a proposal's tree and adds
what the tree did not know yet: a branch the first session left as the "not explored" placeholder, an option the
question lacked, another resolution at the same place. Every node the session passed through counts one more
supporting session (``support``). :func:`centroid` keeps a proposal's embedding the mean of its sessions'.
:func:`same_resolution` decides whether two free-text answers at the same node of a flow mean the same thing, so
paraphrases of one new branch merge into one enhancement.

Precision comes first: a wrong merge hides a problem inside another proposal, a missed one only leaves a second
proposal for the reviewer. So a path that disagrees with the tree (another question, another action) leaves the
tree unchanged, and two texts that each name something the other does not ("VPN client" / "Teams client") are
never the same resolution however close their wording.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from core.flywheel.builders import UNEXPLORED, IdMaker, Item, build_chain, path_items, polarity, solution_text
from core.flywheel.facts import SessionFacts
from core.similarity.clustering import identifiers
from core.similarity.embedders import LocalEmbedder
from core.similarity.terms import outcomes_conflict, terms
from core.similarity.tfidf import TfidfEmbedder
from core.text import STOP_WORDS, normalise
from core.trees import (
    LABEL_WORDINGS_KEY,
    MAX_LABEL_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_WORDINGS,
    QUESTION_CHILDREN,
    SUPPORT_KEY,
    WORDINGS_KEY,
    is_procedural,
    iter_nodes,
    node_text,
    validate_tree,
)

# Token-set (Jaccard) similarity at or above which two questions, actions or option labels are one wording:
# "Is the VPN connected?" / "is VPN connected" score 1.0; adding or dropping one content word of four scores 0.75;
# "Is the VPN not connected?" against "Is the VPN connected?" scores 0.67 (negation is never a stop word).
WORDING_THRESHOLD = 0.75
# Cosine of the local embedder at or above which two resolution keys (and two words, in the conflict rule of
# :func:`same_resolution`) are one. Measured on the labelled pairs of tests/test_flywheel_clusters.py: paraphrases
# whose keys still differ score 0.79-1.0; the different pairs score 0.0-0.88, so cosine alone cannot separate
# them ("Turned the printer on" / "off" scores 0.88): the conflict rule rejects all but one different pair before
# the cosine is asked, and that one ("Reinstalled the VPN client" / "VPN") scores 0.53.
RESOLUTION_THRESHOLD = 0.6
# A resolution that differs from the solution already at that place is kept after it, on a line of its own.
ALTERNATIVE = "Also resolved by: "

_APOSTROPHE_S = re.compile(r"['’]s\b")
_NOT = re.compile(r"n['’]t\b")
# "cannot", "can't" and "won't" keep their verb when the negation is split off.
_NOT_WHOLE = ((re.compile(r"\bcannot\b|\bcan['’]t\b"), "can not"), (re.compile(r"\bwon['’]t\b"), "will not"))
# "re-install", "wi-fi" and "e-mail" are one word however they are written.
_JOINED = re.compile(r"\b(re|wi|e)-(?=[a-z])")
_WORD = re.compile(r"[a-z0-9]+")
# (suffix, shortest stem left): one is taken off, the first that fits.
_SUFFIXES = (
    ("ations", 3),
    ("ation", 3),
    ("ments", 3),
    ("ment", 3),
    ("ions", 3),
    ("ion", 3),
    ("ings", 3),
    ("ing", 3),
    ("als", 5),  # renewal -> renew, but portal and manual stay
    ("al", 5),
    ("ed", 3),
    ("es", 3),
    ("s", 3),
    ("e", 3),
)
_IRREGULAR = {"rebuilt": "rebuild", "built": "build", "reran": "rerun", "ran": "run", "licence": "license"}
_NEGATIONS = frozenset(["not", "no", "never", "without"])
# The one stop-word list (core.text), adjusted for answers and steps: the words that decide what an answer means
# stay (negations, on/off, up/down, yes/no, "new", "error", "client": "Turned it off" is not "Turned it on"), and
# the words every resolution says go ("fixed", "resolved", "worked", "engineer").
_DECIDING = """about after before client doesn't down error get gets getting got isn't it's keep keeps more new no
    not off on only out over since than too under up wasn't while won't yes"""
_OUTCOME = """am engineer eventually fail failed failing fails finally fix fixed fixes fixing help helped her his
    issues may might onto problems resolve resolved resolves resolving shall solve solved successfully via where
    whom work worked working works"""
_STOP = (STOP_WORDS - frozenset(_DECIDING.split())) | frozenset(_OUTCOME.split())


# --- wording and meaning ------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    """One light suffix off (reinstalled, reinstalling, reinstallation -> reinstall); doubled ends undone."""
    word = _IRREGULAR.get(word, word)
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, shortest in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            word = word[: -len(suffix)]
            break
    # resetting -> resett -> reset; but install, access and troll keep their double letter.
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


@lru_cache(maxsize=65536)
def tokens(text: str | None) -> frozenset[str]:
    """The content words of ``text``: lower case, stop words out, one suffix stemmed, "re-install" as one word."""
    lowered = normalise(text)
    for pattern, whole in _NOT_WHOLE:
        lowered = pattern.sub(whole, lowered)
    lowered = _JOINED.sub(r"\1", _NOT.sub(" not", _APOSTROPHE_S.sub("", lowered)))
    return frozenset(_stem(word) for word in _WORD.findall(lowered) if word not in _STOP)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def wording_similarity(a: str | None, b: str | None) -> float:
    """1.0 for the same normalised text, else the Jaccard similarity of the content words (0.0 when one has none)."""
    if " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold():
        return 1.0
    ta, tb = tokens(a), tokens(b)
    return _jaccard(ta, tb) if ta and tb else 0.0


def same_wording(a: str | None, b: str | None) -> bool:
    """Whether two questions, actions or option labels are one wording (see ``WORDING_THRESHOLD``)."""
    return wording_similarity(a, b) >= WORDING_THRESHOLD


_TFIDF = TfidfEmbedder()
# TF-IDF cosine (abbreviations folded) at or above which two steps at the same place of a tree ask or do the same
# thing in other words: "Does the web version of Teams work?" / "Does Teams load in the browser?" (0.29). Lower than
# the embedder's duplicate threshold (0.295, calibrated on whole tickets): here the place in the tree (same parent,
# same answer on the way) is most of the evidence, and the guards (negation, names) stay. Two questions that share
# no weighted term score 0.
MEANING_THRESHOLD = 0.2
# The same cosine between two option labels of one question: "Laptop microphone array" / "Built-in laptop mic".
# Options of one question are alternatives, so the highest (untied, conflict-free) score is taken, not any above.
OPTION_MEANING_THRESHOLD = 0.3


@lru_cache(maxsize=65536)
def _meaning_vector(text: str) -> dict[int, float]:
    """The set dimensions of a text's TF-IDF vector (a few dozen of thousands), kept per text: a tree's node is
    compared with every session that comes to it."""
    vector = _TFIDF.embed([text])[0]
    dims = np.flatnonzero(vector)
    return dict(zip(dims.tolist(), vector[dims].tolist(), strict=True))


@lru_cache(maxsize=65536)
def meaning_similarity(a: str, b: str) -> float:
    """TF-IDF cosine of two short texts (the offline default embedder's terms and weights)."""
    va, vb = _meaning_vector(a), _meaning_vector(b)
    if len(va) > len(vb):
        va, vb = vb, va
    return float(sum(weight * vb.get(dim, 0.0) for dim, weight in va.items()))


# A run of capitalised words or acronyms ("Entra ID", "Azure AD", "Print Spooler", "VPN"); a command's switch
# ("-RebootCount", "/SyncFromFlags") names no thing.
_NAMED_RUN = re.compile(r"(?<![-/])\b[A-Z][\w-]*(?:\s+(?![-/])[A-Z][\w-]*)*")


@lru_cache(maxsize=65536)
def term_set(text: str) -> frozenset[str]:
    """The canonical terms of ``text`` (:func:`core.similarity.terms.terms`), kept per text."""
    return frozenset(terms(text))


@lru_cache(maxsize=65536)
def codes(text: str) -> frozenset[str]:
    """The identifiers (error codes, KB numbers, product codes) among a text's terms."""
    return frozenset(identifiers(terms(text)))


@lru_cache(maxsize=65536)
def named_terms(text: str) -> frozenset[str]:
    """The names a text mentions (runs of capitalised words or acronyms, a sentence's first word left out), as
    canonical terms: "Is the VPN client connected?" names ``vpn``; "Is it Azure AD joined?" names ``entra_id``."""
    found: set[str] = set()
    for match in _NAMED_RUN.finditer(text):
        run = match.group(0)
        before = text[: match.start()].rstrip()
        if not before or before[-1] in ".?!:":
            run = run.partition(" ")[2]  # "Is", "Does": capitalised because a sentence starts there
        found.update(terms(run))
    return frozenset(found)


# Share of their other terms two texts that name different things must have in common for the names to be what
# tells them apart ("Restart the Print Spooler service" / "Restart the Windows Search service": all of it).
NAMES_SWAP = 0.5


def names_conflict(a: str, b: str) -> bool:
    """Whether two texts differ by what they name: both name things, neither mentions any name of the other, and the
    rest is largely the same ("Is the Teams client connected?" / "Is the VPN client connected?"). "Sound settings >
    Input" and "the Windows sound input test" share names; "Suspend BitLocker (manage-bde -protectors -disable C:),
    reboot, resume protection" and "Run manage-bde -protectors -disable C: -RebootCount 1" name different things
    but share much else, and the meaning decides."""
    named_a, named_b = named_terms(a), named_terms(b)
    if not named_a or not named_b:
        return False
    terms_a, terms_b = term_set(a), term_set(b)
    if named_a & terms_b or named_b & terms_a:
        return False
    rest_a, rest_b = terms_a - named_a, terms_b - named_b
    return not rest_a or not rest_b or _jaccard(rest_a, rest_b) >= NAMES_SWAP


# Share of the other content words two texts must have in common for a negation on one side only to make them
# opposites: "Is the VPN not connected?" / "Is the VPN connected?" share all; "a file it cannot sync" inside one
# of two differently worded questions says nothing about the other.
NEGATED_OVERLAP = 0.5


def negated_alone(a: str | None, b: str | None) -> bool:
    """Whether one text is the other negated: a negation on one side only, the rest largely the same words."""
    ta, tb = tokens(a), tokens(b)
    if not (ta ^ tb) & _NEGATIONS:
        return False
    return _jaccard(ta - _NEGATIONS, tb - _NEGATIONS) >= NEGATED_OVERLAP


def same_step(a: str | None, b: str | None) -> bool:
    """Whether two questions or actions at the same place of a tree are one step: one wording, or one meaning
    (TF-IDF cosine at :data:`MEANING_THRESHOLD`) when neither is the other negated and their names do not
    conflict."""
    if negated_alone(a, b):
        return False  # "Is the VPN client not connected?" asks the opposite
    if same_wording(a, b):
        return True
    if not a or not b or names_conflict(a, b):
        return False
    return meaning_similarity(a, b) >= MEANING_THRESHOLD


# How far a problem reaches, as an answer says it: one user or device, or many. Troubleshooting asks it all the time
# ("One user or everyone?") and words it every way ("Just him", "Nope - the whole office", "Several / all").
_ONE = frozenset(["one", "single", "only", "just", "alone", "him", "her", "me", "individual"])
_MANY = frozenset(
    [
        "everyone",
        "everybody",
        "all",
        "several",
        "many",
        "multiple",
        "lots",
        "whole",
        "every",
        "entire",
        "others",
        "various",
        "most",
        "widespread",
    ]
)


def scope(text: str | None) -> str | None:
    """ "one" or "many" when an answer says how far the problem reaches and says nothing else about it ("Just one
    user", "Nope - the whole office"); None when it says neither, both, or negates ("not just me")."""
    words = set(_WORD.findall((text or "").lower()))
    if words & _NEGATIONS - {"no"}:
        return None
    one, many = bool(words & _ONE), bool(words & _MANY)
    return "one" if one and not many else "many" if many and not one else None


def resolution_key(text: str | None) -> str:
    """The normalised form of a free-text resolution: its content words, stemmed, sorted, space-separated.

    "Reinstalled the VPN client", "reinstall of vpn client fixed it" and "VPN client reinstall" all give
    ``"client reinstall vpn"``.
    """
    return " ".join(sorted(tokens(text)))


_LOCAL = LocalEmbedder()


# A worker compares the same few options and words again and again.
@lru_cache(maxsize=65536)
def local_similarity(a: str, b: str) -> float:
    """Cosine of the local hashed n-gram embedder (the default ``similar`` of :func:`same_resolution`)."""
    vectors = _LOCAL.embed([a, b])
    return float(vectors[0] @ vectors[1])


def same_resolution(
    a: str | None,
    b: str | None,
    *,
    similar: Callable[[str, str], float] = local_similarity,
    threshold: float = RESOLUTION_THRESHOLD,
) -> bool:
    """Whether two free-text resolutions (or new options) at the same node mean the same thing.

    Rule: the same :func:`resolution_key` is the same resolution; a negation on one side only is another. Otherwise,
    when each text names a word the other
    lacks, every such word must have a counterpart on the other side that ``similar`` scores >= ``threshold``
    (else they are two things: "Reset the user's MFA" / "Reset the user's password"); and then ``similar`` over
    the two keys must reach ``threshold``. ``similar`` is swappable: a better embedder, with its own threshold,
    also relaxes the conflict rule for synonyms it knows.
    """
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return bool(ta == tb and " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold())
    if ta == tb:
        return True
    only_a, only_b = ta - tb, tb - ta
    if (only_a | only_b) & _NEGATIONS:
        return False  # "connects" / "does not connect"
    if only_a and only_b:
        for mine, theirs in ((only_a, only_b), (only_b, only_a)):
            for word in mine:
                if max(similar(word, other) for other in theirs) < threshold:
                    return False
    return similar(" ".join(sorted(ta)), " ".join(sorted(tb))) >= threshold


# --- centroid -----------------------------------------------------------------------------------------------


def unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def centroid(old_vector: np.ndarray | None, old_count: int, new_vector: np.ndarray) -> np.ndarray:
    """The embedding of a cluster after one more session: the mean of its L2-normalised vectors, re-normalised.

    ``old_vector`` stands for ``old_count`` sessions. A missing (or zero) old vector, a count below one or another
    dimension leaves just the new vector; a zero new vector leaves the old one. Returns float32, unit length.
    """
    new = unit(np.asarray(new_vector, dtype=np.float64))
    if old_vector is None or old_count < 1:
        return new.astype(np.float32)
    old = unit(np.asarray(old_vector, dtype=np.float64))
    if old.shape != new.shape or not old.any():
        return new.astype(np.float32)
    if not new.any():
        return old.astype(np.float32)
    return unit(old * old_count + new).astype(np.float32)


def mean_vector(old_mean: np.ndarray | None, old_count: int, new_vector: np.ndarray) -> np.ndarray:
    """The plain mean of a cluster's unit vectors after one more session (not re-normalised).

    Its dot product with a session's unit vector is that session's mean cosine with the members (average linkage),
    the quantity a threshold calibrated on pairs of sessions speaks of. A unit centroid scores higher than its
    members do: with five paraphrases of one new answer, a different answer at the same question that reaches none
    of them above 0.17 reached their unit centroid at 0.21. ``old_mean`` stands for ``old_count`` sessions; a
    missing old mean, a count below one or another dimension leaves the new vector. Returns float32.
    """
    new = unit(np.asarray(new_vector, dtype=np.float64))
    if old_mean is None or old_count < 1 or old_mean.shape != new.shape:
        return new.astype(np.float32)
    return ((np.asarray(old_mean, dtype=np.float64) * old_count + new) / (old_count + 1)).astype(np.float32)


# --- paths --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPath:
    """A session as the builders see it: its useful steps (questions with the option taken, actions) and fix."""

    items: tuple[Item, ...]
    resolution: str


def session_path(facts: SessionFacts) -> SessionPath:
    """The path :func:`core.flywheel.builders.new_flow_data` would turn into a tree."""
    items, step_resolution = path_items(facts.steps)
    return SessionPath(tuple(items), solution_text(facts, step_resolution))


@dataclass(frozen=True)
class PathMerge:
    """What :func:`merge_path` did: the tree (unchanged when ``merged`` is False) and why."""

    tree: dict[str, Any]
    merged: bool
    reason: str


def is_placeholder(node: dict[str, Any]) -> bool:
    """A solution the builders wrote for an option the source session did not explore."""
    return node.get("type") == "solution" and node.get("solution") == UNEXPLORED


def _solutions(node: dict[str, Any]) -> list[str]:
    """The solution's own text and the alternatives appended to it."""
    main, *rest = node_text(node).split("\n" + ALTERNATIVE)
    return [main, *rest]


def _labels(child: dict[str, Any]) -> list[str]:
    """An option's label and the other wordings sessions used for it that match on their own: a bare "Yes" a
    session answered to its own question ("Is it the new Teams?") stays recorded on "New" but matches nothing."""
    label = child.get("label") or ""
    sign = polarity(label)
    return [label, *(w for w in child.get(LABEL_WORDINGS_KEY) or [] if polarity(w) in (None, sign) and tokens(w))]


def _texts(node: dict[str, Any]) -> list[str]:
    """A node's own text and the other wordings sessions used for it."""
    return [node_text(node), *(node.get(WORDINGS_KEY) or [])]


def _options_conflict(a: str, b: str) -> bool:
    """Two option labels that cannot be one answer: one negated alone, opposite yes/no, other codes or names."""
    if negated_alone(a, b):
        return True
    signs = polarity(a), polarity(b)
    if None not in signs and signs[0] != signs[1]:
        return True
    reaches = scope(a), scope(b)
    if None not in reaches and reaches[0] != reaches[1]:
        return True  # "Everyone" / "Just one user"
    codes_a, codes_b = codes(a), codes(b)
    if codes_a != codes_b:
        return True  # "Error 691" / "Other error", "Error 809" / "Error 691"
    if outcomes_conflict(a, b):
        return True  # "Declined: too far in the future" / "Accepted, but the subject is replaced"
    return names_conflict(a, b)


def _steps_conflict(a: str, b: str) -> bool:
    """Two questions that cannot be one: one negated alone, other names, or other codes where both give codes."""
    if negated_alone(a, b) or names_conflict(a, b):
        return True
    codes_a, codes_b = codes(a), codes(b)
    return bool(codes_a and codes_b and codes_a != codes_b)


def _best(scores: list[tuple[float, dict[str, Any]]], floor: float) -> dict[str, Any] | None:
    """The child with the highest score at or above ``floor``, when no other child ties it."""
    ranked = sorted(((score, i) for i, (score, _child) in enumerate(scores) if score >= floor), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    return scores[ranked[0][1]][1]


def _followed(
    children: list[dict[str, Any]], answer: str, went_on: Callable[[dict[str, Any]], bool] | None
) -> dict[str, Any] | None:
    """The one explored option where the session went next (``went_on``), when its label cannot contradict the
    answer (:func:`_options_conflict`): "Works" to "Does the UNC path work?" takes "Yes" when the session then asked
    what the tree asks after "Yes"."""
    if went_on is None:
        return None
    found = [child for child in children if not is_placeholder(child) and went_on(child)]
    if len(found) != 1 or _options_conflict(found[0].get("label") or "", answer):
        return None
    return found[0]


def _option(
    children: list[dict[str, Any]],
    answer: str,
    asked: str | None = None,
    then: str | None = None,
    went_on: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any] | None:
    """The child the answer ``answer`` (to the question ``asked``, in the session's words) leads to, or None.

    In order: the same normalised label or wording (recorded wordings included); else the closest wording
    (:data:`WORDING_THRESHOLD`); else the one option that means the same (TF-IDF cosine at
    :data:`OPTION_MEANING_THRESHOLD`, highest without a tie, never across a negation, yes/no, code or name
    conflict: "Laptop microphone array" takes "Built-in laptop mic", "Error 691" never takes "Other error"); else
    the one option of the same yes/no polarity ("Yes, the level bar moves" takes "Yes"); else, for an answer with
    no yes/no, the one option that says the same about how far the problem reaches (:func:`scope`: "Everyone"
    takes "Lots of users"); else the one explored option whose node is the session's next step (``went_on``, see
    :func:`_followed`); else, when the session
    answered yes or no to a question the tree asks with named options ("Is it the new Teams?" / "Classic or new
    Teams?"), yes takes the option that restates the session's question and no, of two options, the other one,
    of more, the one whose next step is ``then``, the session's next step (or its resolution).
    """
    scores = [(max(wording_similarity(label, answer) for label in _labels(child)), child) for child in children]
    for score, child in scores:
        if score == 1.0:
            return child
    found = _best(scores, WORDING_THRESHOLD)
    if found is not None:
        return found
    meaning = [
        (
            max(
                (meaning_similarity(label, answer) for label in _labels(c) if not _options_conflict(label, answer)),
                default=0.0,
            ),
            c,
        )
        for c in children
    ]
    found = _best(meaning, OPTION_MEANING_THRESHOLD)
    if found is not None:
        return found
    sign = polarity(answer)
    same_sign = [child for child in children if sign is not None and polarity(child.get("label")) == sign]
    if len(same_sign) == 1:
        return same_sign[0]
    reach = scope(answer)
    same_reach = [child for child in children if reach is not None and scope(child.get("label")) == reach]
    if sign is None and len(same_reach) == 1:
        return same_reach[0]  # "Everyone" takes "Lots of users", "only him" "Just one user"
    found = _followed(children, answer, went_on)
    if found is not None or sign is None:
        return found
    named = [child for child in children if polarity(child.get("label")) is None]
    if not asked or same_sign or not named:
        return None
    # The option's own label only: its wordings repeat the topic ("Classic Teams") more than the choice.
    restated = _best([(meaning_similarity(c.get("label") or "", asked), c) for c in named], OPTION_MEANING_THRESHOLD)
    if restated is None:
        return None
    if sign == "yes":
        return restated
    others = [child for child in named if child is not restated]
    if len(others) == 1:
        return others[0]
    if then is None:
        return None
    # Of several other options, the one whose next step is most like the session's next step; of equals, the one
    # more sessions took, then the first.
    ranked = [
        (meaning_similarity(node_text(c), then), int(c.get(SUPPORT_KEY) or 0), -i, c)
        for i, c in enumerate(others)
        if not is_placeholder(c)
    ]
    ranked = [entry for entry in ranked if entry[0] >= MEANING_THRESHOLD]
    return max(ranked, key=lambda entry: entry[:3])[3] if ranked else None


# Offered options two differently worded questions must share, at least, to be read as one question.
SHARED_CHOICES = 2


def same_choices(node: dict[str, Any], item: Item) -> bool:
    """Whether a question of the tree and a session's question offer the same named options, whatever their
    wording: at least :data:`SHARED_CHOICES`, and two of three of the shorter list, each matching a different
    option ("What is the reason shown?" with "Path too long", "File locked", "Invalid characters in the name" and
    "What does OneDrive say about the file?" with "Path too long", "Locked", "Name not allowed"). Yes and no
    say nothing: every closed question offers them."""
    if node.get("type") != "question" or item.kind != "question":
        return False
    children = [child for child in node.get("children") or [] if polarity(child.get("label")) is None]
    offered = [option for option in item.options if polarity(option) is None]
    if min(len(children), len(offered)) < SHARED_CHOICES:
        return False
    matched = {id(child) for option in offered if (child := _option(children, option)) is not None}
    return len(matched) >= max(SHARED_CHOICES, math.ceil(2 * min(len(children), len(offered)) / 3))


# Words of a question that may ask how far the problem reaches, besides those of :func:`scope`: "Has Defender
# flagged the same file on other devices?", "Does Start open for a different user?", "Anyone else affected?", "Do
# colleagues see it too?".
_REACH_WORDS = (
    _ONE
    | _MANY
    | frozenset(["other", "another", "different", "else", "anyone", "affected", "affect", "too", "also"])
    | frozenset(["colleagues", "coworkers", "staff", "people", "team", "everywhere", "elsewhere"])
)


def _asks_reach(options: Iterable[str | None]) -> bool:
    """Whether a question's options are how far the problem reaches: one of them says one, another many ("One
    computer" / "Several / all", "Yep" / "Nope - the whole office" does not: its first option says neither)."""
    return {"one", "many"} <= {scope(option) for option in options}


def _reach_conflict(node: dict[str, Any], item: Item) -> bool:
    """Whether one of two questions asks how far the problem reaches (by its options, :func:`_asks_reach`) and the
    other cannot: its options do not and its words say nothing of one, many or others (:data:`_REACH_WORDS`). "Is it
    one computer or several?" is not "Does the laptop's clock match your phone?", though both name the machine;
    "Only this PC affected?" may be it."""
    if node.get("type") != "question" or item.kind != "question":
        return False
    tree_asks = _asks_reach(child.get("label") for child in node.get("children") or [])
    session_asks = _asks_reach(item.options)
    if tree_asks == session_asks:
        return False
    other = item.text if tree_asks else " ".join(_texts(node))
    return not set(_WORD.findall(other.lower())) & _REACH_WORDS


def _same_step(node: dict[str, Any], item: Item) -> bool:
    """Whether the session's step ``item`` is the tree's ``node``: same kind, and one of the node's wordings is the
    same step (:func:`same_step`) or, for a question, the same choices are offered (:func:`same_choices`); never
    when only one of them asks how far the problem reaches (:func:`_reach_conflict`)."""
    if node.get("type") != item.kind or _reach_conflict(node, item):
        return False
    return any(same_step(text, item.text) for text in _texts(node)) or same_choices(node, item)


def _went_on(items: tuple[Item, ...], index: int, resolution: str) -> Callable[[dict[str, Any]], bool]:
    """Whether a node is where the session went after step ``index``: its next step (same kind, same step), or,
    where the session ended, a solution with its resolution."""

    def went_on(node: dict[str, Any]) -> bool:
        if index + 1 < len(items):
            return _same_step(node, items[index + 1])
        return node.get("type") == "solution" and any(same_resolution(t, resolution) for t in _solutions(node))

    return went_on


def _reworded(node: dict[str, Any], items: tuple[Item, ...], index: int, resolution: str) -> bool:
    """Whether the session's question ``items[index]``, not the same step as the tree's question ``node``, is that
    question in other words: its answer leads (:func:`_option`) to an explored option whose node is the session's
    next step ("Is the exe something the company knowingly installed?" for "Is the quarantined file part of an
    app the business uses?", when both go on to ask whether other devices show it). The next step must be a step:
    a shared resolution alone ("restarted it") says too little. Never when one wording of the node is the session's
    question negated, or names or codes something else ("Is the Teams client connected?" is not "Is the VPN client
    connected?", whatever follows), or only one of them asks how far the problem reaches."""
    item = items[index]
    if node.get("type") != "question" or item.kind != "question" or index + 1 >= len(items):
        return False
    if any(_steps_conflict(text, item.text) for text in _texts(node)) or _reach_conflict(node, item):
        return False
    return _leads_on(node, items, index, resolution)


def _is_step(node: dict[str, Any], items: tuple[Item, ...], index: int, resolution: str) -> bool:
    """Whether the tree's ``node`` is the session's step ``items[index]``: the same step or the same question
    reworded (:func:`_same_step`, :func:`_reworded`)."""
    return _same_step(node, items[index]) or _reworded(node, items, index, resolution)


def _leads_on(node: dict[str, Any], items: tuple[Item, ...], index: int, resolution: str) -> bool:
    """Whether the session's step ``items[index]``, taken at the tree's ``node``, leads where the session went next:
    the action's next node, or the option its answer takes (:func:`_option`), is its next step or its resolution."""
    went_on = _went_on(items, index, resolution)
    children = node.get("children") or []
    if node.get("type") == "action":
        child = children[0] if children else None
        if child is not None and index + 1 == len(items) and child.get("type") == "solution":
            return not is_placeholder(child)  # the session's last step: its fix is the solution's alternative
    else:
        item = items[index]
        child = _option(children, item.answer, item.text, _then(items, index, resolution), went_on)
    return child is not None and not is_placeholder(child) and went_on(child)


def _skipped_to(
    node: dict[str, Any], items: tuple[Item, ...], index: int, resolution: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Where a session that did not take the tree's step ``node`` goes on when it skipped it (or asked in another
    order): the one node below ``node`` that is the session's step ``items[index]`` and from which the session's
    answer leads to its next step (:func:`_leads_on`), with its parent. Two or more such nodes, or none, and the
    session has no place there."""
    found = [
        (below, parent)
        for below, parent, depth in iter_nodes(node)
        if depth > 0
        and not is_placeholder(below)
        and _is_step(below, items, index, resolution)
        and _leads_on(below, items, index, resolution)
    ]
    return found[0] if len(found) == 1 else None


_OTHER = frozenset(["other", "none", "neither", "something", "anything", "unsure", "unknown"])


def _says_none(label: str | None) -> bool:
    """Whether an option's label is the answer on which a check found nothing: "No", "Other error", "None"."""
    return polarity(label) == "no" or bool(set(_WORD.findall((label or "").lower())) & _OTHER)


def _opening_for(node: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Where a session that makes another check than the tree's ``node`` goes on, with the question it hangs from.

    The tree's checks are read as a ladder. A check passed when the tree went on checking after it: its one
    explored answer leads to another question, or, of several, the one that says it found nothing ("No", "Other
    error") does; the place is looked for at that next question, and so on down. At the first check where the tree
    stops, the place is the option no session has explored on which that check found nothing: the other answer of
    a yes/no question, or of more options the one open option that says "no", "other" or "none". None when there is
    no such single place, or ``node`` is not a question."""
    while node.get("type") == "question":
        children = node.get("children") or []
        explored = [child for child in children if not is_placeholder(child)]
        onward = [
            child
            for child in explored
            if child.get("type") == "question" and (len(explored) == 1 or _says_none(child.get("label")))
        ]
        if len(onward) == 1:
            node = onward[0]
            continue
        open_options = [child for child in children if is_placeholder(child)]
        if len(children) > 2:
            open_options = [child for child in open_options if _says_none(child.get("label"))]
        return (open_options[0], node) if len(open_options) == 1 else None
    return None


def _add_alternative(solution: dict[str, Any], fix: str) -> bool | None:
    """Append ``fix`` to ``solution`` as "Also resolved by: …" unless it is one of its resolutions already: True
    when appended, False when known, None when the text would grow past :data:`MAX_TEXT_LENGTH`."""
    if any(same_resolution(text, fix) for text in _solutions(solution)):
        return False
    solution["solution"] = solution["solution"] + "\n" + ALTERNATIVE + " ".join(fix.split())
    return None if len(solution["solution"]) > MAX_TEXT_LENGTH else True


def _other_fix(node: dict[str, Any], rest: tuple[Item, ...], resolution: str) -> str | None:
    """Where the tree's last step before a solution is an action and the session, at that place, did other things
    and asked nothing more, what it did and how it ended, as another fix for that solution ("Fix the app's
    detection rule in Intune: detection rule corrected, app shows installed"); None otherwise."""
    children = node.get("children") or []
    if node.get("type") != "action" or len(children) != 1 or children[0].get("type") != "solution":
        return None
    if is_placeholder(children[0]) or not rest or any(item.kind != "action" for item in rest):
        return None
    did = "; ".join(item.text.strip().rstrip(".") for item in rest)
    return " ".join(f"{did}: {resolution}".split())


def _then(items: tuple[Item, ...], index: int, resolution: str) -> str:
    """What the session did after step ``index``: its next step's text, or its resolution."""
    return items[index + 1].text if index + 1 < len(items) else resolution


def _bare(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _remember(node: dict[str, Any], key: str, wording: str, known: list[str]) -> None:
    """Record ``wording`` among the node's other wordings under ``key`` unless it is one of ``known`` already."""
    wording = " ".join(wording.split())
    if not wording or any(_bare(wording) == _bare(k) for k in known):
        return  # the same words in another case or punctuation teach nothing
    wordings = node.setdefault(key, [])
    if len(wordings) < MAX_WORDINGS and len(wording) <= (
        MAX_LABEL_LENGTH if key == LABEL_WORDINGS_KEY else MAX_TEXT_LENGTH
    ):
        wordings.append(wording)


def _describe(kind: str) -> str:
    return "asked" if kind == "question" else "did" if kind == "action" else "ended with"


def _count(nodes: Iterable[dict[str, Any]], key: str) -> None:
    for node in nodes:
        node[key] = int(node.get(key) or 0) + 1


def _new_nodes(branch: dict[str, Any]) -> list[dict[str, Any]]:
    # Placeholders of the new branch were offered, not taken: no session supports them yet.
    return [node for node, _p, _d in iter_nodes(branch) if not is_placeholder(node)]


def merge_path(tree: dict[str, Any], path: SessionPath, *, support_key: str = SUPPORT_KEY) -> PathMerge:
    """``tree`` with ``path`` merged in: the union of the paths of the sessions a proposal stands for.

    The walk starts at the root and matches each step of the path with the node at that place (same kind, same
    wording) and each answer with an option (same wording). Where the answer leads to a "not explored" placeholder,
    the session's continuation replaces it; where the question lacks the answer and has room (fewer than 5
    options), the answer becomes a new option; where the session ends on another resolution than the solution
    there, it is appended to that solution as an alternative; where the session asked or did one thing more before
    taking the tree's step, that step goes in before the tree's (the session's answer leads on, its other answers
    are left to explore) unless the merge then fails, and then the step is left out. Every node on the session's
    path gains one support; a tree without counts is first read as one session's path (every node but the
    placeholders counts 1).

    Anything else leaves the tree unchanged, with the reason: a step that differs from the node at its place (two
    sessions that ask different things are not one flow), a question with no room, a session that stops where the
    tree goes on, or a result that :func:`core.trees.validate_tree` refuses (depth, node count, text length).
    """
    merged, inserted = _merge(tree, path, support_key, insert_extra=True)
    if merged.merged or not inserted:
        return merged
    return _merge(tree, path, support_key, insert_extra=False)[0]


def _step_before(node: dict[str, Any], item: Item, ids: IdMaker) -> dict[str, Any]:
    """A node for the session's step ``item``, to stand where ``node`` stood: it takes over ``node``'s label (and
    that label's wordings), and the session's answer (an action's outcome) leads on to ``node``."""
    step = build_chain([item], "", ids, node.get("label"))
    if node.get(LABEL_WORDINGS_KEY):
        step[LABEL_WORDINGS_KEY] = node.pop(LABEL_WORDINGS_KEY)
    children = step["children"]
    taken = next(i for i, child in enumerate(children) if not is_placeholder(child))
    node["label"] = children[taken]["label"]
    children[taken] = node
    return step


def _merge(
    tree: dict[str, Any], path: SessionPath, support_key: str, insert_extra: bool
) -> tuple[PathMerge, list[str]]:
    """:func:`merge_path`'s walk and the steps it put in before the tree's; with ``insert_extra`` False, a step the
    session took before the tree's is left out."""
    if not isinstance(tree, dict) or is_procedural(tree) or validate_tree(tree):
        return PathMerge(tree, False, "The proposal's tree is not a valid troubleshooting tree."), []
    result = copy.deepcopy(tree)
    if not any(support_key in node for node, _p, _d in iter_nodes(result)):
        for node, _p, _d in iter_nodes(result):
            if not is_placeholder(node):
                node[support_key] = 1
    ids = IdMaker(node["id"] for node, _p, _d in iter_nodes(result))
    passed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    inserted: list[str] = []
    node, parent = result, None
    items = path.items

    def refuse(reason: str) -> tuple[PathMerge, list[str]]:
        return PathMerge(tree, False, reason), inserted

    def replace(old: dict[str, Any], new: dict[str, Any]) -> None:
        siblings = parent["children"]
        siblings[next(i for i, child in enumerate(siblings) if child is old)] = new

    index = 0
    while True:
        if parent is not None and is_placeholder(node):
            branch = build_chain(list(items[index:]), path.resolution, ids, node["label"])
            if node.get(LABEL_WORDINGS_KEY):
                branch[LABEL_WORDINGS_KEY] = node[LABEL_WORDINGS_KEY]
            replace(node, branch)
            added.extend(_new_nodes(branch))
            reason = f"Explored option '{node['label']}' of '{node_text(parent)}'."
            break
        if index == len(items):
            if node.get("type") != "solution":
                return refuse(f"The session ended where the proposal goes on to '{node_text(node)}'.")
            passed.append(node)
            added_fix = _add_alternative(node, path.resolution)
            if added_fix is None:
                return refuse(f"No room for another resolution in solution '{node['id']}'.")
            reason = f"Added another resolution to solution '{node['id']}'." if added_fix else "Followed a known path."
            break
        item = items[index]
        if not _is_step(node, items, index, path.resolution):
            # A session that skipped steps of the tree goes on at the one step further down that it took; one that
            # asked something the tree does not ask here, and then took this step, leaves its own step out.
            skipped = _skipped_to(node, items, index, path.resolution)
            if skipped is not None:
                node, parent = skipped
                continue
            if (
                index + 1 < len(items)
                and not (node.get("type") == item.kind and _steps_conflict(node_text(node), item.text))
                and _is_step(node, items, index + 1, path.resolution)
            ):
                if insert_extra:
                    # A session that asked (or did) one thing more before the tree's step: its step goes in before
                    # the tree's, the answer it gave leading on to it and its other answers left to explore.
                    step = _step_before(node, item, ids)
                    if parent is None:
                        result = step
                    else:
                        replace(node, step)
                    inserted.append(f"Added '{item.text}' before '{node_text(node)}'.")
                    added.append(step)
                    parent = step
                index += 1
                continue
            opening = (
                None
                if _steps_conflict(node_text(node), item.text)
                or any(_same_step(other, item) for other, _p, _d in iter_nodes(result))
                else _opening_for(node)
            )
            if opening is not None:
                # A session that went on with a check the tree does not make anywhere (nor one that names another
                # thing than the tree's step): its route goes on where the tree's checks from here found nothing,
                # at the first answer no session has followed yet.
                node, parent = opening
                branch = build_chain(list(items[index:]), path.resolution, ids, node["label"])
                replace(node, branch)
                added.extend(_new_nodes(branch))
                reason = (
                    f"The session asked '{items[index].text}', which the proposal does not ask there: its route now "
                    f"follows option '{node['label']}' of '{node_text(parent)}', a check the session did not make."
                )
                break
            other_fix = _other_fix(node, items[index:], path.resolution)
            if other_fix is not None:
                solution = node["children"][0]
                if _add_alternative(solution, other_fix) is None:
                    return refuse(f"No room for another resolution in solution '{solution['id']}'.")
                # The session did not take the tree's action: only the solution it reached in its own way counts it.
                passed.append(solution)
                reason = f"Added another fix to solution '{solution['id']}'."
                break
            refusal = (
                f"The session {_describe(item.kind)} '{item.text}' where the proposal "
                f"{_describe(node.get('type', ''))} '{node_text(node)}'."
            )
            return refuse(refusal)
        passed.append(node)
        _remember(node, WORDINGS_KEY, item.text, _texts(node))
        children = node.get("children") or []
        if node["type"] == "action":
            if not children:
                return refuse(f"Action '{node['id']}' ends the proposal; the session went on.")
            node, parent, index = children[0], node, index + 1
            continue
        went_on = _went_on(items, index, path.resolution)
        child = _option(children, item.answer, item.text, _then(items, index, path.resolution), went_on)
        if child is not None:
            _remember(child, LABEL_WORDINGS_KEY, item.answer_wording or item.answer, _labels(child))
        if child is None:
            if len(children) >= QUESTION_CHILDREN[1]:
                refusal = (
                    f"Question '{node['id']}' already offers {QUESTION_CHILDREN[1]} options; "
                    f"no room for '{item.answer}'."
                )
                return refuse(refusal)
            branch = build_chain(list(items[index + 1 :]), path.resolution, ids, item.out_label)
            children.append(branch)
            added.extend(_new_nodes(branch))
            reason = f"Added option '{item.out_label}' to '{node_text(node)}'."
            break
        node, parent, index = child, node, index + 1
    _count(passed + added, support_key)
    errors = validate_tree(result)
    if errors:
        return refuse("The merged tree would break a rule: " + "; ".join(errors))
    return PathMerge(result, True, " ".join([*inserted, reason])), inserted


def covers(tree: dict[str, Any], path: SessionPath) -> bool:
    """Whether ``tree`` already holds ``path``: every step, every answer and the resolution, no placeholder."""
    if not isinstance(tree, dict) or is_procedural(tree):
        return False
    node = tree
    for index, item in enumerate(path.items):
        if not _same_step(node, item) and not _reworded(node, path.items, index, path.resolution):
            return False
        children = node.get("children") or []
        then = _then(path.items, index, path.resolution)
        went_on = _went_on(path.items, index, path.resolution)
        child = (
            children[0]
            if node["type"] == "action" and children
            else _option(children, item.answer, item.text, then, went_on)
        )
        if child is None:
            return False
        node = child
    return (
        node.get("type") == "solution"
        and not is_placeholder(node)
        and any(same_resolution(text, path.resolution) for text in _solutions(node))
    )
