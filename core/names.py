"""Stored names as people read them: ``active_directory`` -> "Active Directory", ``weak_options`` -> "Weak options".

Pure functions, shared by the pages (``ui/labels.py`` builds on them) and by the texts core writes for people (a
knowledge gap's title names its domain as "Microsoft 365", not ``m365``).
"""

from __future__ import annotations

import re

# Words kept in capitals (or in their product's spelling) wherever they appear in a name.
WORDS = {
    "ad": "AD",
    "api": "API",
    "csv": "CSV",
    "dhcp": "DHCP",
    "dns": "DNS",
    "id": "ID",
    "ids": "IDs",
    "llm": "LLM",
    "m365": "Microsoft 365",
    "mfa": "MFA",
    "mttr": "MTTR",
    "ndr": "NDR",
    "ost": "OST",
    "p90": "p90",
    "psa": "PSA",
    "sla": "SLA",
    "sql": "SQL",
    "sso": "SSO",
    "url": "URL",
    "utc": "UTC",
    "vpn": "VPN",
}
# Whole names whose label is not their words in sentence case: proper names, and the few the desk says otherwise.
PHRASES = {
    "active_directory": "Active Directory",
    "team_admin": "Team admin",
}
_KEPT_FIRST = {v.split(" ", 1)[0] for v in WORDS.values()}
_SPLIT = re.compile(r"[_\s]+")
DASH = "—"


def human(name: object) -> str:
    """A stored name as a label: ``weak_options`` -> "Weak options", ``psa_ticket_id`` -> "PSA ticket ID",
    ``active_directory`` -> "Active Directory". Text that is not a plain name (has capitals or punctuation other than
    ``_``, ``-`` or ``%``) is returned as it is; None and "" become a dash."""
    if name is None:
        return DASH
    text = str(name).strip()
    if not text:
        return DASH
    if text in PHRASES:
        return PHRASES[text]
    if not re.fullmatch(r"[a-z0-9_ %\-]+", text):
        return text
    words = [w for w in _SPLIT.split(text) if w]
    shown = [WORDS.get(w, w) for w in words]
    first = shown[0]
    shown[0] = first if first in WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(shown)


def lower(name: object) -> str:
    """``human`` inside a sentence: "weak options", but "VPN" and "Active Directory" keep their capitals."""
    label = human(name)
    if label == DASH or label == str(name) or str(name) == "active_directory":
        return label
    if label.split(" ", 1)[0] in _KEPT_FIRST:
        return label
    return label[:1].lower() + label[1:]
