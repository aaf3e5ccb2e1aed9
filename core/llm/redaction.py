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
``Office 365``) and hyphenated words (``sign-in``, ``Wi-Fi``). The word lists behind that are in ``redaction_words``;
reading fields and searching known names is ``redaction_names``; people, companies and accounts named without a
label, by where they stand (a chat line's speaker, a greeting, a signature, a display name, a title, a possessive,
"Ltd" or "Surgery" after a name, ``/user:`` …), are ``redaction_cues``; the values the columns and keys of pasted
exports name are ``redaction_tables``. Measured with ``python -m benchmarks.pii_probe`` on two corpora written without
looking at any of it: of the second, read only after its first measurement, 71 of 233 planted values were left at
first sight (26 now); of the first, 10 of 267 (names in lower case, initials, a name that is also a word).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.llm import redaction_cues as cues
from core.llm import redaction_words as words
from core.llm.redaction_names import field_values, replace_names
from core.llm.redaction_tables import table_values
from core.similarity.abbreviations import SYNONYMS

PLACEHOLDER_RE = words.PLACEHOLDER_RE

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
# A company named with its legal form: "Greyfriars Books Ltd", "Tailspin Toys, Inc.", "Litware Engineering KK".
_LEGAL_NAME = re.compile(
    r"(?<![\w<])[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*){0,3},?\s+(?:Ltd|Limited|LLC|LLP|Inc|Incorporated|GmbH|AG|plc|PLC|Corp|"
    r"Corporation|Pty|BV|KK|SAS|SARL|Oy|AB|AS)\b\.?"
)
_GUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
_HOST_CONTEXT = re.compile(
    r"\b(?:host ?name|computer ?name|machine ?name|device ?name|server|workstation|laptop|pc)\s*(?:name)?\s*(?:is|:|=|called)\s*"
    r"([A-Za-z][A-Za-z0-9-]{2,14})\b",
    re.IGNORECASE,
)
_SERIAL_CONTEXT = re.compile(
    r"(?:(?i:\bserial(?:[ \t]*(?:number|no\.?|num|#))?|\bservice[ \t]*tag|\basset[ \t]*tag|\btag|"
    r"\bexpress[ \t]*service[ \t]*code)|(?<![\w/])(?:S/N|SN|s/n|sn))"
    r"[ \t]*(?:is[ \t]+|[:#=][ \t]*)?([A-Za-z0-9][A-Za-z0-9-]{4,29})(?![\w-])"
)
# HP (5CD1234XYZ), Apple (C02XK0JHJG5J) and similar: 10-12 upper-case letters and digits, both well mixed.
_SERIAL_SHAPE = re.compile(
    r"(?<![\w-])(?=(?:[0-9]*[A-Z]){2})(?=(?:[A-Z]*[0-9]){3})[A-Z0-9]{10,12}(?![\w-])",
)
_PHONE = re.compile(
    r"(?<![\w+.:/-])(?:\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}|(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}|0\d{3,4})"
    r"(?:[\s.-]\d{2,6}){1,4}(?!\w|[.:/-]\d)"
    r"|(?<![\w+])\+\d{8,15}(?!\w)"
)
# A phone number given with an extension ("555-0147 ext 22", "(555) 0147 x 22"): the extension makes seven digits a
# phone, where a bare seven-digit group could be a version or an order number.
_PHONE_CUE = re.compile(
    r"(?i)\b(?:tel|tél|tlf|telefon|phone|ph|mobile|mob|cell|call|ring|reach|reached|bereikbaar|on|op|på|at|am|no|number|"
    r"nummer|numéro)\b\.?[ \t:]*(?:me[ \t]+)?(?:on|at|op|på)?[ \t:]*$"
)
# Words right before a number that make it an identifier or a version, not a phone.
_NOT_A_PHONE_BEFORE = re.compile(
    r"(?i)\b(?:id|passcode|pin|ticket|order|po|invoice|ref|reference|case|version|ver|build|release|pro|dc|acrobat|"
    r"reader|office|app|agent|client|firmware|driver)\b[\s:#.]*$"
)
_PHONE_EXTENSION = re.compile(
    r"(?<![\w+.:/-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}"
    r"[ \t]*(?i:ext\.?|extension|x)[ \t]*\d{1,6}(?!\w)"
)
# An identifier named right after the device, or the device's model line, it belongs to ("Laptop R91JW7KP", "on PC
# ab12-x7", "her Latitude 9JKL2V3", "her Surface 058213794651"): letters and digits mixed, six characters or more,
# or ten digits or more; error codes, KB numbers and the like are left alone (NOT_SERIALS, hex codes), and so are
# models ("Latitude 7440", "ThinkPad T14s").
_DEVICE_ID = re.compile(
    r"(?i:\b(?:laptop|notebook|desktop|pc|workstation|computer|machine|device|tablet|surface|thinkpad|thinkcentre|"
    r"latitude|optiplex|precision|xps|elitebook|probook|zbook|elitedesk|macbook|imac|ideapad|yoga)\s+"
    r"(?:name\s+|called\s+)?)"
    r"((?=[A-Za-z0-9-]*[0-9])(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9-]{5,29}|[0-9]{10,20}"
    r"|[A-Z]{2,10}(?:-[A-Z0-9]{2,10}){1,3})(?![\w-])"
)
_HEX_CODE = re.compile(r"(?i)^(?:0x)?[0-9a-f]{8}$")
_PROFILE_PATH = re.compile(r"(?i)([A-Z]:\\(?:Users|Documents and Settings)\\)([^\\\s<>]+)")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")

# Every word of the abbreviation table's variants ("defender", "autopilot", "teams"): no part of a person's name.
_VOCABULARY = frozenset(w for variants in SYNONYMS.values() for v in variants for w in re.findall(r"[a-z]+", v))

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


def _ordinary(word: str) -> bool:
    """Whether a lower-cased word is a product's or a vendor's, or one the similarity vocabulary folds (a person's
    name holds none of them)."""
    return word in words.PRODUCT_WORDS or word in _VOCABULARY


# Words right before a dotted number that make it a version, not an address ("agent 4.2.1.9", "firmware 1.0.18.0",
# "driver rolled back to 22.250.1.2").
_VERSION_CUE = re.compile(
    r"(?i)\b(?:version|ver|v|build|firmware|fw|driver|agent|app|client|release|rev|revision|bios|update|patch)\b"
    r"(?:\W+\w+){0,3}\W*$"
)
# Vendors of printers, adapters and peripherals, and laptop model lines (not network gear, whose boxes carry host
# names: "FortiGate KFP-FW-BR2"): a code a few words after one is a model or a part number ("Epson TM-T20III", "Intel(R)
# Ethernet Connection (16) I219-LM", "ThinkPad Universal USB-C Dock 40AY0090UK"), not a machine or a serial; never
# across a sentence ("… off the dock it starts normally. cle-surface-11").
_VENDOR_BEFORE = re.compile(
    r"(?i)\b(?:epson|zebra|brother|canon|ricoh|kyocera|xerox|konica|sharp|lexmark|intel|realtek|broadcom|qualcomm|"
    r"logitech|jabra|poly|plantronics|yealink|samsung|apc|eaton|surface|thinkpad|thinkcentre|latitude|optiplex|"
    r"elitebook|probook|zbook|macbook|dock|docks|model|sku|mtm|p/n|pn|part)\b(?:[ \t(),/-]+[\w()]+){0,4}[ \t(),/-]*$"
)
# A path running up to "X\\y" on its line: a drive, a share or a registry hive, with no break in between.
_PATH_BEFORE = re.compile(r"(?i)(?:[a-z]:\\|\\\\|hk(?:lm|cu|cr|u|cc)\\|hkey_\w+\\)[^\n;,'\"]*$")
_PUBLIC_IPS = frozenset(
    ["8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222", "208.67.220.220"]
)


def _ip_kind(match: re.Match[str]) -> str | None:
    """IP, unless the address is a public resolver or the dotted number is a version by the words before it."""
    if match.group(0) in _PUBLIC_IPS:
        return None
    return None if _VERSION_CUE.search(match.string[max(0, match.start() - 40) : match.start()]) else "IP"


def _after_vendor(match: re.Match[str]) -> bool:
    return bool(_VENDOR_BEFORE.search(match.string[max(0, match.start() - 60) : match.start()]))


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


_DEVICE_SUFFIXES = frozenset(["pc", "laptop", "lt", "nb", "ws", "wks", "desktop", "dt", "mbp", "mba", "nuc"])


def _machine_kind(token: str) -> str | None:
    """HOST when a hyphenated token is named like a machine rather than a product, version, date or word."""
    parts = token.lower().split("-")
    if len(parts) >= 2 and parts[-1] in _DEVICE_SUFFIXES and parts[0].isalpha() and len(parts[0]) >= 2:
        return "HOST"  # "jsmith-pc", "FAlSayed-PC", "reception-laptop": a machine named after its user or place
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
    # "lon-dc-1", "lit-lt-2209", "cle-surface-11", "mdp-x13-219": a short site code, role or model words (a model
    # may carry digits), then a plain machine number.
    last = parts[-1]
    if (
        len(parts) >= 3
        and last.isdigit()
        and len(last) <= 5
        and len(parts[0]) <= 4
        and all(p.isalnum() and any(ch.isalpha() for ch in p) and len(p) <= 8 for p in parts[1:-1])
    ):
        return "HOST"
    return None


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
    found = field_values(text) + cues.people(text, _ordinary) + cues.accounts(text)
    found += cues.organisations(text, _ordinary) + table_values(text)

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
        if PLACEHOLDER_RE.fullmatch(host) or words.is_public_host(host) or host.casefold() in words.EXAMPLE_HOSTS:
            return match.group(0)
        kind = "IP" if _IPV4.fullmatch(host) else "HOST"
        return "\\\\" + namer.name(kind, host)

    out = _UNC.sub(unc_replace, out)

    def user_replace(match: re.Match[str]) -> str:
        domain, user = match.group(1), match.group(2)
        if domain.casefold() in words.NOT_DOMAINS or domain.casefold().startswith("hkey"):
            return match.group(0)
        line = match.string[match.string.rfind("\n", 0, match.start()) + 1 : match.start()]
        if _PATH_BEFORE.search(line):
            return match.group(
                0
            )  # a folder or a registry key of a path ("C:\…\Outlook Files\…", "HKLM\…\Error Reporting\…")
        if user.casefold() in {"system", "local service", "network service", "administrators", "users"}:
            return match.group(0)
        return namer.name("USER", match.group(0))

    out = _DOMAIN_USER.sub(user_replace, out)
    out = sub(_MAC, lambda m: "MAC", out)
    out = sub(_IPV4, _ip_kind, out)
    out = sub(_IPV6, lambda m: "IP" if m.group(0).count(":") >= 2 and m.group(0) != "::" else None, out)
    # "outlook.exe" never reaches here (exe is no TLD); "example.co" style two-label names are still hosts.
    out = sub(_FQDN, lambda m: None if words.is_public_host(m.group(1)) else "HOST", out)

    def serial_context(match: re.Match[str]) -> str:
        value = match.group(1)
        if not re.search(r"\d", value):
            return match.group(0)  # "serial port", "serial number of the dock"
        start, end = match.span(1)
        whole, offset = match.group(0), match.start(0)
        return whole[: start - offset] + namer.name("SERIAL", value) + whole[end - offset :]

    out = _SERIAL_CONTEXT.sub(serial_context, out)

    def device_id(match: re.Match[str]) -> str:
        value = match.group(1)
        if PLACEHOLDER_RE.search(value) or _HEX_CODE.match(value) or words.NOT_SERIALS.match(value.upper()):
            return match.group(0)
        if "-" in value and words.NOT_HOSTS.match(value.upper()):
            return match.group(0)
        start, end = match.span(1)
        whole, offset = match.group(0), match.start(0)
        kind = "HOST" if "-" in value else "SERIAL"
        return whole[: start - offset] + namer.name(kind, value) + whole[end - offset :]

    out = _DEVICE_ID.sub(device_id, out)
    out = sub(
        _SERIAL_SHAPE,
        lambda m: None if words.NOT_SERIALS.match(m.group(0)) or _after_vendor(m) else "SERIAL",
        out,
    )
    out = sub(_HYPHENATED, lambda m: None if _after_vendor(m) else _machine_kind(m.group(0)), out)

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
        if _DATE_LIKE.match(value) or not 7 <= digits <= 15:
            return None
        before = match.string[max(0, match.start() - 40) : match.start()]
        if _NOT_A_PHONE_BEFORE.search(before):
            return None  # "Meeting ID: 381 552 907 114", "Acrobat Pro 2024.001.20643"
        if digits >= 9:
            return "PHONE"
        # Seven or eight digits in three groups or more are a phone where the text says so ("Ring meg på 555 01
        # 234", "tel. 555 01 42"); alone they could be a version or an order number.
        before = match.string[max(0, match.start() - 24) : match.start()]
        return "PHONE" if len(re.split(r"[\s.-]", value)) >= 3 and _PHONE_CUE.search(before) else None

    out = sub(_PHONE_EXTENSION, lambda m: "PHONE", out)
    out = sub(_PHONE, phone_kind, out)
    out = sub(_LEGAL_NAME, lambda m: "COMPANY", out)
    recurring = [
        (PLACEHOLDER_RE.fullmatch(p).group(1), v)
        for p, v in (known or {}).items()
        if PLACEHOLDER_RE.fullmatch(p).group(1) in _RECURRING
    ]
    # Two searches: the caller's names (the same for every field of a batch of sessions: one cached pattern) and
    # the ones found in this text or earlier fields. One pattern of both would be compiled anew for every text.
    known_names = [("COMPANY", n) for n in company_names if n] + [("PERSON", n) for n in people if n]
    out = replace_names(out, recurring + found, namer.name)
    return Redacted(replace_names(out, known_names, namer.name), namer.mapping)


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back for every placeholder of ``mapping`` found in ``text``."""
    return PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
