"""Names in ticket text that no shape gives away: the values of labelled fields, and how a known name is written.

``field_values`` reads "label: value" fields (``device: NW-LT-0519``, ``Requester: Kevin Wong``, ``customer:
Tailspin Toys``, ``serial: 5CD1234XYZ``); ``replace_names`` swaps every whole-word occurrence of known people,
companies, hosts and serials, including a person's first or last name alone and a company without "Ltd".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from core.llm import redaction_words as words

# "label: value" in intake text and tickets. "reported by"/"requested by", and "requester"/"caller" before a capital,
# also stand without a colon; "mail client:" names software, not a customer.
_FIELD = re.compile(
    r"(?<![\w/-])(?P<key>(?:device|computer|machine|host)[ \t]?name|hostname|device|computer|machine|host|asset"
    r"|serial(?:[ \t]+(?:number|no\.?))?|service[ \t]+tag|asset[ \t]+tag"
    r"|requester|requested[ \t]+by|reported[ \t]+by|contact|caller|user[ \t]?name|end[ \t]+user|user"
    r"|company|customer|(?<![A-Za-z][ \t])client|organi[sz]ation)"
    r"(?P<sep>[ \t]*[:=#][ \t]*|(?:(?<=by)|(?<=requester)|(?<=caller))[ \t]+(?=[A-Z]))(?=(?P<value>[^\n]*))",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[<(\[{,;|!?\"]|\s[-–—/]\s|\.(?=\s|$)")
_NAME_WORD = re.compile(r"[A-Z][a-z'’-]+(?:[A-Z][a-z'’-]+)?|[A-Z]\.?")
_COMPANY_WORD = re.compile(r"[A-Z0-9][\w&.'’-]*|&")
_PARTICLES = words.words("van de der von da del le la bin al di du ten ter")
_LEGAL_SUFFIXES = words.words(
    "ltd ltd. limited inc inc. llc gmbh plc corp corp. corporation co co. bv b.v. ag sa s.a. srl pty llp lp"
)
_FIELD_KINDS = {
    "device": "HOST",
    "computer": "HOST",
    "machine": "HOST",
    "host": "HOST",
    "hostname": "HOST",
    "asset": "HOST",
    "serial": "SERIAL",
    "service": "SERIAL",
    "company": "COMPANY",
    "customer": "COMPANY",
    "client": "COMPANY",
    "organisation": "COMPANY",
    "organization": "COMPANY",
}


def clause(value: str) -> str:
    return _CLAUSE_END.split(value, maxsplit=1)[0].strip()


def _person_value(part: str, needs_capitals: bool) -> tuple[str, str] | None:
    tokens = part.split()
    if not tokens or "@" in tokens[0] or "\\" in tokens[0] or words.PLACEHOLDER_RE.search(tokens[0]):
        return None
    if tokens[0].lower() in words.NOT_NAMES:
        return None
    if len(tokens) == 1 and not needs_capitals:
        if not re.fullmatch(r"[A-Za-z][\w.'’-]*", tokens[0]):
            return None
        return ("PERSON" if re.fullmatch(r"[A-Z][a-z'’-]+", tokens[0]) else "USER"), tokens[0]
    taken: list[str] = []
    for token in tokens[:4]:
        if token.lower() in words.NOT_NAMES:
            break
        if _NAME_WORD.fullmatch(token) or (taken and token in _PARTICLES):
            taken.append(token)
        else:
            break
    while taken and taken[-1] in _PARTICLES:
        taken.pop()
    if taken:
        return "PERSON", " ".join(taken)
    # Lower-cased text ("requester: kevin wong"): a short run of plain words that are not ordinary field values.
    if needs_capitals or len(tokens) > 3:
        return None
    if all(re.fullmatch(r"[a-z][a-z'’-]+", t) and t not in words.NOT_NAMES for t in tokens):
        return "PERSON", part
    return None


def company_value(part: str) -> str | None:
    tokens = part.split()
    if not tokens or tokens[0].lower() in words.NOT_NAMES or "@" in tokens[0] or words.PLACEHOLDER_RE.search(tokens[0]):
        return None
    taken: list[str] = []
    for token in tokens[:6]:
        if token.lower() in words.NOT_NAMES and token.lower() not in _LEGAL_SUFFIXES:
            break
        if _COMPANY_WORD.fullmatch(token) or (taken and token.lower() in {"and", "of"}):
            taken.append(token)
        else:
            break
    while taken and taken[-1].lower() in {"&", "and", "of"}:
        taken.pop()
    if taken:
        return " ".join(taken)
    if len(tokens) <= 4 and all(re.fullmatch(r"[a-z0-9][\w&.'’-]*", t) and t not in words.NOT_NAMES for t in tokens):
        return part
    return None


def _host_values(part: str) -> list[str]:
    tokens = [t.strip("'\".:") for t in part.split()]
    if len(tokens) > 1:
        # "Dell Latitude 5420 (NW-LT-0519)": only the parts named like a machine, not the model.
        tokens = [t for t in tokens if len(t) >= 4 and re.search(r"\d", t) and re.search(r"[A-Za-z]", t)]
    return [
        t
        for t in tokens
        if t
        and re.search(r"[A-Za-z]", t)
        and "@" not in t
        and not words.PLACEHOLDER_RE.search(t)
        and t.lower() not in words.NOT_NAMES
        and not words.is_public_host(t)
    ]


def field_values(text: str) -> list[tuple[str, str]]:
    """(kind, value) of every intake field in ``text`` that names a host, serial number, person or company.

    ``device: NW-LT-0519`` gives ``("HOST", "NW-LT-0519")``, ``Requester: Kevin Wong <kwong@…>`` gives
    ``("PERSON", "Kevin Wong")``, ``customer: Tailspin Toys`` gives ``("COMPANY", "Tailspin Toys")``. A value that is an
    ordinary word (``user: admin``, ``client: Outlook``) gives nothing; e-mail addresses and IPs are left to their
    own patterns.
    """
    found: list[tuple[str, str]] = []
    for match in _FIELD.finditer(text):
        key = match.group("key").lower().split()[0]
        part = clause(match.group("value"))
        if not part:
            continue
        kind = _FIELD_KINDS.get(key) or _FIELD_KINDS.get(key.removesuffix("name"), "PERSON")
        if key == "asset" and match.group("key").lower() != "asset":
            kind = "SERIAL"
        if kind == "HOST":
            found.extend(("HOST", value) for value in _host_values(part))
        elif kind == "SERIAL":
            serial = part.split()[0].strip("'\".:")
            if len(serial) >= 4 and re.search(r"\d", serial):
                found.append(("SERIAL", serial))
        elif kind == "COMPANY":
            company = company_value(part)
            if company:
                found.append(("COMPANY", company))
        else:
            person = _person_value(part, needs_capitals=":" not in match.group("sep") and "=" not in match.group("sep"))
            if person:
                found.append(person)
                company = _company_after(match.group("value"), person[1])
                if company:
                    found.append(("COMPANY", company))
    return found


def _company_after(value: str, person: str) -> str | None:
    """The company a person field names right after the person ("Requester: Yetunde Okafor, Silverpine Pharmacy,
    555 218 6650"): the next comma-separated part, when it is capitalised words and no phone, address or sentence."""
    rest = value.split(person, 1)[-1].lstrip()
    if not rest.startswith(","):
        return None
    part = rest[1:].split(",", 1)[0].strip()
    tokens = part.split()
    if not 1 <= len(tokens) <= 5 or any(ch.isdigit() or ch in "@<>()" for ch in part):
        return None
    if not all(_COMPANY_WORD.fullmatch(t) and t[0].isupper() for t in tokens):
        return None
    return company_value(part)


def name_variants(kind: str, name: str) -> Iterable[tuple[str, str, bool]]:
    """(kind, value, case-sensitive) to search for ``name``: the name itself, plus its parts people write alone."""
    yield kind, name, kind == "PERSON" and " " not in name and bool(re.fullmatch(r"[A-Z][a-z'’-]+", name))
    parts = name.split()
    if kind == "COMPANY" and len(parts) > 1 and parts[-1].lower() in _LEGAL_SUFFIXES:
        core = " ".join(parts[:-1]).rstrip(",")
        if len(core) >= 3 and core.lower() not in words.NOT_NAMES:
            yield kind, core, False  # "Contoso Ltd" is also written "Contoso"
    if kind == "PERSON" and len(parts) > 1:
        for part in parts:
            part = part.strip(".")
            # A first or last name alone only as written with its capital, and never when it is a common word.
            if len(part) >= 3 and part.lower() not in words.COMMON_WORDS and part not in _PARTICLES:
                yield kind, part, True


@lru_cache(maxsize=512)
def _search(names: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, tuple[str, str]]] | None:
    """One pattern for every spelling of ``names``, and (kind, value) by exact or case-folded matched text.

    Cached: the fields of a session, and the sessions of an account, are redacted with the same names.
    """
    exact: dict[str, tuple[str, str]] = {}
    folded: dict[str, tuple[str, str]] = {}
    for kind, name in names:
        name = name.strip()
        # A user called "Admin" or "Service Desk" would otherwise take the words out of every sentence.
        if len(name) < 2 or all(w in words.NOT_NAMES or w in words.COMMON_WORDS for w in name.lower().split()):
            continue
        for variant_kind, value, sensitive in name_variants(kind, name):
            if value.casefold() in folded or value in exact:
                continue  # the first kind given for a value wins (companies before people)
            if sensitive:
                exact[value] = (variant_kind, value)
            else:
                folded[value.casefold()] = (variant_kind, value)
    if not exact and not folded:
        return None
    alternatives = [(v, True) for v in exact] + [(value, False) for _kind, value in folded.values()]
    alternatives.sort(key=lambda a: (-len(a[0]), a[0]))  # longest first: "Kevin Wong" before "Kevin"
    body = "|".join(re.escape(v) if sensitive else f"(?i:{re.escape(v)})" for v, sensitive in alternatives)
    return re.compile(r"(?<!\w)(?:" + body + r")(?!\w)"), {**folded, **exact}


def replace_names(out: str, names: Iterable[tuple[str, str]], placeholder: Callable[[str, str], str]) -> str:
    """Swap every whole-word occurrence of the known names, longest first, for their placeholder."""
    search = _search(tuple(names))
    if search is None:
        return out
    pattern, by_text = search

    def replace(match: re.Match[str]) -> str:
        kind, value = by_text.get(match.group(0)) or by_text[match.group(0).casefold()]
        return placeholder(kind, value)

    return pattern.sub(replace, out)
