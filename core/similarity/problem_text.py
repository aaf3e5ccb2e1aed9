"""The text two sessions are compared on: what went wrong and how it was fixed, never who reported it from where.

A ticket-style intake carries lines such as ``Requester: Jane Doe``, ``Device: LAPTOP-7F3K2``, ``Company: Contoso``,
``Phone: +44 20 7946 0018`` or ``Ticket #48213``. Two different problems reported by the same person from the same
laptop share all of that, and an embedder then finds them closer than two paraphrases of one problem. The problem
text keeps only the problem fields (summary, symptoms, error codes, resolution) and drops, inside them, the lines and
fragments that are intake boilerplate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# A "Label: value" line whose label names the reporter, the machine, the customer or the ticket.
_BOILERPLATE_LABELS = (
    r"requester|requested by|reported by|raised by|submitted by|caller|contact(?: name)?|user(?: ?name)?|name|"
    r"end user|affected user|device(?: name)?|computer(?: name)?|hostname|host|machine(?: name)?|asset(?: tag)?|"
    r"serial(?: number| no)?|company|client|customer|organi[sz]ation|tenant|site|location|office|department|"
    r"phone|telephone|tel|mobile|cell|ext(?:ension)?|e-?mail(?: address)?|ticket(?: number| no| id| #)?|case|"
    r"incident(?: number| no)?|sr(?: number)?|reference|ref|priority|impact|urgency|severity|category|queue|"
    r"assigned to|assignee|technician|engineer|created|opened|submitted|date|time|sla|source|channel"
)
_LABELLED_LINE = re.compile(rf"^\s*(?:{_BOILERPLATE_LABELS})\s*[:#=\-]", re.IGNORECASE)
# Greetings and sign-offs carry no problem either.
_COURTESY_LINE = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon)|thanks|thank you|many thanks|regards|kind regards|"
    r"best regards|cheers|sent from my)\b[^.:]{0,40}$",
    re.IGNORECASE,
)
_FRAGMENTS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"https?://\S+"),
    # Ticket numbers: INC0012345, REQ123456, SR-2231, #48213, ticket 48213.
    re.compile(r"\b(?:inc|req|ritm|chg|sr|tkt|case)[- ]?\d{3,}\b", re.IGNORECASE),
    re.compile(r"(?:\bticket\s*(?:no\.?|number|#)?\s*|#)\d{3,}\b", re.IGNORECASE),
    # Phone numbers: a run of digits with separators or a leading +, at least 7 digits in all.
    re.compile(r"(?<![\w])\+?\(?\d{2,5}\)?(?:[ .-]\d{2,4}){2,4}(?![\w])"),
    # Windows machine names: LAPTOP-7F3K2, DESKTOP-ABC123, CONTOSO-PC-042, WS-0231.
    re.compile(r"\b(?:[A-Z0-9]+-)*(?:LAPTOP|DESKTOP|PC|WS|NB|VM|SRV)-[A-Z0-9-]+\b"),
]


def is_boilerplate_field(key: str) -> bool:
    """Whether an intake field named ``key`` (``Requester``, ``device``, ``Company``...) is boilerplate."""
    return bool(_LABELLED_LINE.match(f"{key}:"))


def strip_boilerplate(text: str) -> str:
    """``text`` without intake lines (``Requester:``, ``Device:``, ``Company:``, ``Phone:``, ``Ticket #``...),
    greetings and sign-offs, e-mail addresses, URLs, ticket numbers, phone numbers and Windows machine names.
    Error codes such as ``0x80180014`` or ``AADSTS50076`` are kept: they are the problem."""
    kept = []
    for line in text.splitlines():
        if _LABELLED_LINE.match(line) or _COURTESY_LINE.match(line):
            continue
        for pattern in _FRAGMENTS:
            line = pattern.sub(" ", line)
        line = " ".join(line.split())
        if line.strip(" .,;:-"):
            kept.append(line)
    return "\n".join(kept)


def _as_lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [str(v) for v in value.values() if v]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v]
    return [str(value)]


def problem_text(
    summary: str | None = None,
    symptoms: str | Iterable[str] | None = None,
    error_codes: str | Iterable[str] | None = None,
    resolution: str | None = None,
) -> str:
    """The comparable text of a problem: summary, symptoms, error codes and resolution, in that order, one per line,
    each without intake boilerplate (:func:`strip_boilerplate`); empty parts and repeated lines are left out."""
    parts: list[str] = []
    seen: set[str] = set()
    for value in (summary, symptoms, error_codes, resolution):
        for line in _as_lines(value):
            cleaned = strip_boilerplate(line)
            key = cleaned.lower()
            if cleaned and key not in seen:
                seen.add(key)
                parts.append(cleaned)
    return "\n".join(parts)


def problem_text_from(fields: Mapping[str, Any]) -> str:
    """:func:`problem_text` of a mapping (a session row or an intake dict). Reads ``summary`` (or ``problem`` /
    ``title``), ``symptoms``, ``error_codes`` (or ``errors``) and ``resolution`` (or ``solution``); every other key
    (requester, device, company, phone, ticket number...) is ignored."""

    def first(*keys: str) -> Any:
        for key in keys:
            if fields.get(key):
                return fields[key]
        return None

    return problem_text(
        summary=first("summary", "problem", "title", "problem_summary"),
        symptoms=first("symptoms", "symptom"),
        error_codes=first("error_codes", "errors", "error_code"),
        resolution=first("resolution", "solution", "resolution_notes"),
    )
