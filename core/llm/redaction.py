"""Replace personal and customer data with typed, numbered placeholders before text leaves the machine.

``redact(text)`` finds e-mail addresses, UPNs, ``DOMAIN\\user`` names, IPv4/IPv6 and MAC addresses, phone numbers,
host names in any case (internal FQDNs, UNC servers, machine names such as ``LAPTOP-7H2K9``, ``nw-lt-0519`` or
``Contoso-SQL01``), serial numbers (after ``serial:`` / ``S/N`` / ``service tag``, and the 10-12 character shapes
vendors print), the values of intake fields (``device:``, ``host:``, ``requester:``, ``user:``, ``reported by``,
``customer:``, ``company:`` …) wherever they recur, and the people and companies the caller knows; it swaps each
distinct value for ``<KIND_n>``. The same value gets the same placeholder within one call (and across calls when the
previous ``mapping`` is passed as ``known``), so a model still sees that "the same user" or "the same host" recurs.
``restore`` puts the originals back (Script Assist does; flows keep the placeholders).

Troubleshooting knowledge is left alone: public vendor hosts (``login.microsoftonline.com``), file names
(``outlook.exe``), versions and builds (``16.0.17928.20114``), error codes (``0x80070005``, ``550 5.1.10``), KB
numbers, registry paths (``HKLM\\Software``), well-known principals (``BUILTIN\\Users``), product names (``Windows 11``,
``Office 365``) and hyphenated words (``sign-in``, ``Wi-Fi``). The word lists behind that are in ``redaction_words``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from core.llm import redaction_words as words

PLACEHOLDER_RE = re.compile(r"<([A-Z]+)_(\d+)>")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_UPN_CONTEXT = re.compile(r"\bUPN\b|userprincipalname|user principal name|sign-?in name", re.IGNORECASE)
_DOMAIN_USER = re.compile(r"(?<![\w\\/:.$%-])([A-Za-z][A-Za-z0-9_-]{0,14})\\([A-Za-z][A-Za-z0-9._-]{0,63})(?![\w\\])")
_UNC = re.compile(r"\\\\([A-Za-z0-9][A-Za-z0-9.-]{0,62})(?=\\|\b)")
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
)
_IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,7}:"
    r"|::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4})(?:%\w+)?(?![\w:])"
)
_MAC = re.compile(
    r"(?<![\w:.-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})"
    r"(?![\w:-]|\.\w)"
)
_FQDN = re.compile(
    r"(?<![\w@.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:" + words.TLDS + r"))(?![\w-]|\.[A-Za-z0-9])",
    re.IGNORECASE,
)
_HYPHENATED = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+(?![\w-])")
_GUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
_HOST_CONTEXT = re.compile(
    r"\b(?:host ?name|computer ?name|machine ?name|device ?name|server|workstation|laptop|pc)\s*(?:name)?\s*(?:is|:|=|called)\s*"
    r"([A-Za-z][A-Za-z0-9-]{2,14})\b",
    re.IGNORECASE,
)
_SERIAL_CONTEXT = re.compile(
    r"(?:(?i:\bserial(?:[ \t]*(?:number|no\.?|num|#))?|\bservice[ \t]*tag|\basset[ \t]*tag)|(?<![\w/])(?:S/N|SN|s/n))"
    r"[ \t]*(?:is[ \t]+|[:#=][ \t]*)?([A-Za-z0-9][A-Za-z0-9-]{4,29})(?![\w-])"
)
# HP (5CD1234XYZ), Apple (C02XK0JHJG5J) and similar: 10-12 upper-case letters and digits, both well mixed.
_SERIAL_SHAPE = re.compile(
    r"(?<![\w-])(?=(?:[0-9]*[A-Z]){2})(?=(?:[A-Z]*[0-9]){3})[A-Z0-9]{10,12}(?![\w-])",
)
_PHONE = re.compile(
    r"(?<![\w+.:/-])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}|(?:\(\d{1,4}\)[\s.-]?)?\d{2,4})"
    r"(?:[\s.-]\d{2,4}){1,4}(?!\w|[.:/-]\d)"
    r"|(?<![\w+])\+\d{8,15}(?!\w)"
)
_PROFILE_PATH = re.compile(r"(?i)([A-Z]:\\(?:Users|Documents and Settings)\\)([^\\\s<>]+)")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")

# "label: value" in intake text and tickets. "reported by"/"requested by" also stand without a colon.
_FIELD = re.compile(
    r"(?<![\w/-])(?P<key>(?:device|computer|machine|host)[ \t]?name|hostname|device|computer|machine|host|asset"
    r"|serial(?:[ \t]+(?:number|no\.?))?|service[ \t]+tag|asset[ \t]+tag"
    r"|requester|requested[ \t]+by|reported[ \t]+by|contact|caller|user[ \t]?name|end[ \t]+user|user"
    r"|company|customer|client|organi[sz]ation)"
    r"(?P<sep>[ \t]*[:=#][ \t]*|(?<=by)[ \t]+)(?=(?P<value>[^\n]*))",
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
# Kinds whose values a later call searches for again, because no pattern would recognise them.
_RECURRING = frozenset({"PERSON", "COMPANY", "HOST", "SERIAL", "USER"})

KINDS = ("EMAIL", "UPN", "USER", "IP", "MAC", "PHONE", "HOST", "SERIAL", "COMPANY", "PERSON")


@dataclass
class Redacted:
    """Redacted ``text`` and ``mapping`` placeholder -> original value (enough to restore)."""

    text: str
    mapping: dict[str, str] = field(default_factory=dict)


class _Namer:
    """Hands out one placeholder per distinct (kind, value); numbering continues from ``known``."""

    def __init__(self, known: Mapping[str, str] | None):
        self.mapping: dict[str, str] = dict(known or {})
        self.by_value: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}
        for placeholder, original in self.mapping.items():
            match = PLACEHOLDER_RE.fullmatch(placeholder)
            if not match:
                raise ValueError(f"known: {placeholder!r} is not a placeholder like <EMAIL_1>")
            kind, number = match.group(1), int(match.group(2))
            self.by_value[(kind, original.casefold())] = placeholder
            self.counts[kind] = max(self.counts.get(kind, 0), number)

    def name(self, kind: str, value: str) -> str:
        key = (kind, value.casefold())
        if key not in self.by_value:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            placeholder = f"<{kind}_{self.counts[kind]}>"
            self.by_value[key] = placeholder
            self.mapping[placeholder] = value
        return self.by_value[key]


def _is_public(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in words.PUBLIC_DOMAINS)


def _is_internal(domain: str) -> bool:
    domain = domain.lower()
    return any(domain == s or domain.endswith("." + s) for s in words.INTERNAL_SUFFIXES)


def _numbered_part(part: str) -> bool:
    """A part like ``sql01``, ``lt0519`` or ``7h2k9`` (letters and 2+ digits) or ``0519`` (a zero-padded number)."""
    if re.fullmatch(r"0\d+", part):
        return True
    return (
        len(part) >= 4
        and sum(ch.isdigit() for ch in part) >= 2
        and any(ch.isalpha() for ch in part)
        and not words.NOT_HOST_PART.fullmatch(part)
    )


def _machine_kind(token: str) -> str | None:
    """HOST when a hyphenated token is named like a machine rather than a product, version, date or word."""
    if not any(ch.isdigit() for ch in token) or _GUID.fullmatch(token):
        return None
    if not any(ch.islower() for ch in token):
        if len(token) < 5 or words.NOT_HOSTS.match(token):
            return None
        prefix, _, number = token.partition("-")
        if re.fullmatch(r"[A-Z]+-\d+", token) and len(prefix) <= 4 and not number.startswith("0"):
            return None  # "WIN-10", "CAT-6": a name plus a version number; "SRV-01" is numbered like a machine
        return "HOST"
    parts = token.lower().split("-")
    if parts[0] in words.NOT_HOST_PREFIXES or not parts[0].isalpha() or len(parts[0]) < 2:
        return None
    if any(_numbered_part(p) for p in parts[1:]):
        return "HOST"
    # "lon-dc-1": short site and role codes, then a plain machine number.
    last = parts[-1]
    if len(parts) >= 3 and last.isdigit() and len(last) <= 3 and all(p.isalpha() and len(p) <= 4 for p in parts[:-1]):
        return "HOST"
    return None


def _clause(value: str) -> str:
    return _CLAUSE_END.split(value, maxsplit=1)[0].strip()


def _person_value(clause: str, needs_capitals: bool) -> tuple[str, str] | None:
    tokens = clause.split()
    if not tokens or "@" in tokens[0] or "\\" in tokens[0] or PLACEHOLDER_RE.search(tokens[0]):
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
        return "PERSON", clause
    return None


def _company_value(clause: str) -> str | None:
    tokens = clause.split()
    if not tokens or tokens[0].lower() in words.NOT_NAMES or "@" in tokens[0] or PLACEHOLDER_RE.search(tokens[0]):
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
        return clause
    return None


def _host_values(clause: str) -> list[str]:
    tokens = [t.strip("'\".:") for t in clause.split()]
    if len(tokens) > 1:
        # "Dell Latitude 5420 (NW-LT-0519)": only the parts named like a machine, not the model.
        tokens = [t for t in tokens if len(t) >= 4 and re.search(r"\d", t) and re.search(r"[A-Za-z]", t)]
    return [
        t
        for t in tokens
        if t
        and re.search(r"[A-Za-z]", t)
        and "@" not in t
        and not PLACEHOLDER_RE.search(t)
        and t.lower() not in words.NOT_NAMES
        and not _is_public(t)
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
        clause = _clause(match.group("value"))
        if not clause:
            continue
        kind = _FIELD_KINDS.get(key) or _FIELD_KINDS.get(key.removesuffix("name"), "PERSON")
        if key == "asset" and match.group("key").lower() != "asset":
            kind = "SERIAL"
        if kind == "HOST":
            found.extend(("HOST", value) for value in _host_values(clause))
        elif kind == "SERIAL":
            serial = clause.split()[0].strip("'\".:")
            if len(serial) >= 4 and re.search(r"\d", serial):
                found.append(("SERIAL", serial))
        elif kind == "COMPANY":
            company = _company_value(clause)
            if company:
                found.append(("COMPANY", company))
        else:
            person = _person_value(
                clause, needs_capitals=":" not in match.group("sep") and "=" not in match.group("sep")
            )
            if person:
                found.append(person)
    return found


def _name_variants(kind: str, name: str) -> Iterable[tuple[str, str, bool]]:
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


@lru_cache(maxsize=256)
def _names_pattern(alternatives: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    body = "|".join(re.escape(v) if sensitive else f"(?i:{re.escape(v)})" for v, sensitive in alternatives)
    return re.compile(r"(?<!\w)(?:" + body + r")(?!\w)")


def _replace_names(out: str, names: Iterable[tuple[str, str]], namer: _Namer) -> str:
    """Swap every whole-word occurrence of the known names, longest first, for their placeholder."""
    exact: dict[str, tuple[str, str]] = {}
    folded: dict[str, tuple[str, str]] = {}
    for kind, name in names:
        name = name.strip()
        if len(name) < 2:
            continue
        for variant_kind, value, sensitive in _name_variants(kind, name):
            if value.casefold() in folded or value in exact:
                continue  # the first kind given for a value wins (companies before people)
            (exact if sensitive else folded)[value if sensitive else value.casefold()] = (variant_kind, value)
    if not exact and not folded:
        return out
    alternatives = [(v, True) for v in exact] + [(value, False) for _kind, value in folded.values()]
    pattern = _names_pattern(tuple(sorted(alternatives, key=lambda a: (-len(a[0]), a[0]))))

    def replace(match: re.Match[str]) -> str:
        kind, value = exact.get(match.group(0)) or folded[match.group(0).casefold()]
        return namer.name(kind, value)

    return pattern.sub(replace, out)


def redact(
    text: str,
    *,
    company_names: Sequence[str] = (),
    known: Mapping[str, str] | None = None,
    people: Sequence[str] = (),
) -> Redacted:
    """Replace personal and customer data in ``text`` with typed placeholders such as ``<EMAIL_1>``.

    ``company_names`` (the customer's names, matched case-insensitively as whole words) become ``<COMPANY_n>`` and
    ``people`` (names known to the caller, e.g. the account's users and the requester) ``<PERSON_n>``; a person's
    first or last name written alone is found too, unless it is a common word. ``known`` is a ``mapping`` returned by
    an earlier call: values already in it keep their placeholder, new ones continue its numbering, and the people,
    companies, hosts, serials and users in it are searched for again, so the intake's requester stays hidden in every
    later field of the same session.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() needs a str, got {type(text).__name__}")
    namer = _Namer(known)
    if not text:
        return Redacted("", namer.mapping)
    found = field_values(text)

    def sub(pattern: re.Pattern[str], kind_for, source: str) -> str:
        def replace(match: re.Match[str]) -> str:
            kind = kind_for(match)
            return match.group(0) if kind is None else namer.name(kind, match.group(0))

        return pattern.sub(replace, source)

    # Order matters: e-mails before host names (their domain is a host), UNC before DOMAIN\user, IPs before phones.
    def email_kind(match: re.Match[str]) -> str | None:
        domain = match.group(0).rsplit("@", 1)[1]
        # An address introduced as a UPN / sign-in name is a directory identity, whatever its domain.
        before = match.string[max(0, match.start() - 24) : match.start()]
        return "UPN" if _UPN_CONTEXT.search(before) or _is_internal(domain) else "EMAIL"

    out = sub(_EMAIL, email_kind, text)
    out = _PROFILE_PATH.sub(
        lambda m: (
            m.group(0)
            if m.group(2).casefold() in {"public", "default", "all users", "default user"}
            else m.group(1) + namer.name("USER", m.group(2))
        ),
        out,
    )

    def unc_replace(match: re.Match[str]) -> str:
        host = match.group(1)
        if PLACEHOLDER_RE.fullmatch(host) or _is_public(host):
            return match.group(0)
        kind = "IP" if _IPV4.fullmatch(host) else "HOST"
        return "\\\\" + namer.name(kind, host)

    out = _UNC.sub(unc_replace, out)

    def user_replace(match: re.Match[str]) -> str:
        domain, user = match.group(1), match.group(2)
        if domain.casefold() in words.NOT_DOMAINS or domain.casefold().startswith("hkey"):
            return match.group(0)
        if user.casefold() in {"system", "local service", "network service", "administrators", "users"}:
            return match.group(0)
        return namer.name("USER", match.group(0))

    out = _DOMAIN_USER.sub(user_replace, out)
    out = sub(_MAC, lambda m: "MAC", out)
    out = sub(_IPV4, lambda m: "IP", out)
    out = sub(_IPV6, lambda m: "IP" if m.group(0).count(":") >= 2 and m.group(0) != "::" else None, out)
    # "outlook.exe" never reaches here (exe is no TLD); "example.co" style two-label names are still hosts.
    out = sub(_FQDN, lambda m: None if _is_public(m.group(1)) else "HOST", out)

    def serial_context(match: re.Match[str]) -> str:
        value = match.group(1)
        if not re.search(r"\d", value):
            return match.group(0)  # "serial port", "serial number of the dock"
        start, end = match.span(1)
        whole, offset = match.group(0), match.start(0)
        return whole[: start - offset] + namer.name("SERIAL", value) + whole[end - offset :]

    out = _SERIAL_CONTEXT.sub(serial_context, out)
    out = sub(_SERIAL_SHAPE, lambda m: None if words.NOT_SERIALS.match(m.group(0)) else "SERIAL", out)
    out = sub(_HYPHENATED, lambda m: _machine_kind(m.group(0)), out)

    def host_context(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.lower() in {"the", "not", "down", "offline", "online", "slow", "name", "running", "unreachable"}:
            return match.group(0)
        if not any(ch.isdigit() for ch in name) and not name.isupper():
            return match.group(0)
        start, end = match.span(1)
        offset = match.start(0)
        whole = match.group(0)
        return whole[: start - offset] + namer.name("HOST", name) + whole[end - offset :]

    out = _HOST_CONTEXT.sub(host_context, out)

    def phone_kind(match: re.Match[str]) -> str | None:
        value = match.group(0)
        digits = sum(ch.isdigit() for ch in value)
        if not 9 <= digits <= 15 or _DATE_LIKE.match(value):
            return None
        return "PHONE"

    out = sub(_PHONE, phone_kind, out)
    recurring = [
        (PLACEHOLDER_RE.fullmatch(p).group(1), v)
        for p, v in (known or {}).items()
        if PLACEHOLDER_RE.fullmatch(p).group(1) in _RECURRING
    ]
    names = [("COMPANY", n) for n in company_names if n] + [("PERSON", n) for n in people if n] + recurring + found
    return Redacted(_replace_names(out, names, namer), namer.mapping)


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back for every placeholder of ``mapping`` found in ``text``."""
    return PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
