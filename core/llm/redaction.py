"""Replace personal and customer data with typed, numbered placeholders before text leaves the machine.

``redact(text)`` finds e-mail addresses, UPNs, ``DOMAIN\\user`` names, IPv4/IPv6 and MAC addresses, phone numbers,
host names (internal FQDNs, UNC servers, machine names such as ``LAPTOP-7H2K9``) and the customer's company
names, and swaps each distinct value for ``<KIND_n>``. The same value gets the same placeholder within one call (and
across calls when the previous ``mapping`` is passed as ``known``), so a model still sees that "the same user" or
"the same host" recurs. ``restore`` puts the originals back (Script Assist does; flows keep the placeholders).

Public vendor host names (``login.microsoftonline.com``, ``outlook.office365.com`` …) are knowledge, not customer
data, and are left alone; so are file names (``outlook.exe``), version and build numbers (``16.0.17928.20114``),
error codes (``0x80070005``), registry paths (``HKLM\\Software``) and well-known principals (``BUILTIN\\Users``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

PLACEHOLDER_RE = re.compile(r"<([A-Z]+)_(\d+)>")

# Suffixes that mark an address or host as internal to a customer's directory rather than a mailbox on the internet.
_INTERNAL_SUFFIXES = ("local", "lan", "corp", "internal", "intra", "ad", "home", "localdomain", "onmicrosoft.com")
_TLDS = (
    "com|net|org|edu|gov|mil|int|io|co|uk|us|ca|au|nz|de|fr|nl|be|ch|at|se|no|dk|fi|ie|es|it|pt|pl|cz|in|jp|"
    "biz|info|eu|app|dev|cloud|local|lan|corp|internal|intra|ad|home|localdomain"
)
# Hosts of public services: mentioning them is troubleshooting knowledge, not customer data.
_PUBLIC_DOMAINS = (
    "microsoft.com",
    "microsoftonline.com",
    "office.com",
    "office365.com",
    "office.net",
    "outlook.com",
    "live.com",
    "windows.net",
    "windowsupdate.com",
    "azure.com",
    "azure.net",
    "sharepoint.com",
    "onedrive.com",
    "skype.com",
    "lync.com",
    "teams.microsoft.com",
    "msftauth.net",
    "google.com",
    "googleapis.com",
    "gmail.com",
    "apple.com",
    "icloud.com",
    "amazonaws.com",
    "cloudflare.com",
    "github.com",
    "zoom.us",
    "webex.com",
    "adobe.com",
    "dropbox.com",
    "example.com",
    "example.org",
    "example.net",
)
# Left side of "X\\y" that names a registry hive, a well-known principal or a folder, never a user's domain.
_NOT_DOMAINS = {
    "hklm",
    "hkcu",
    "hkcr",
    "hku",
    "hkcc",
    "hkey_local_machine",
    "hkey_current_user",
    "hkey_classes_root",
    "hkey_users",
    "hkey_current_config",
    "builtin",
    "nt",
    "authority",
    "system32",
    "syswow64",
    "windows",
    "users",
    "appdata",
    "programdata",
    "software",
    "system",
    "microsoft",
    "temp",
    "drivers",
    "etc",
    "n",
    "t",
    "r",
}
# Upper-case hyphenated tokens with digits that are standards, not machines.
_NOT_HOSTS = re.compile(
    r"^(?:SHA|AES|UTF|ISO|RFC|TLS|SSL|MD|RSA|DES|IEC|CVE|KB|MS|WPA|WPA2|IPV|X|COVID|HTTP|IEEE|CAT|USB|HDMI|DDR|"
    r"PCI|PCIE|M|AX|AC|IP|TCP|UDP|MP|H|WIN32|WOW|OFFICE|NTFS|FAT|EXFAT|EFI|UEFI|BIOS|TPM|DFS|SMB|RDP|VPN|L2TP|"
    r"GPT|MBR|ID|REQ|INC|CHG|RITM|TASK|PRB|SR|CASE|TICKET)-",
)

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
    r"(?<![\w:-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:-])"
)
_FQDN = re.compile(
    r"(?<![\w@.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:" + _TLDS + r"))(?![\w-]|\.[A-Za-z0-9])",
    re.IGNORECASE,
)
_MACHINE = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![\w-])")
_HOST_CONTEXT = re.compile(
    r"\b(?:host ?name|computer ?name|machine ?name|device ?name|server|workstation|laptop|pc)\s*(?:name)?\s*(?:is|:|=|called)\s*"
    r"([A-Za-z][A-Za-z0-9-]{2,14})\b",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+.:/-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?!\w|[.:/-]\d)"
    r"|(?<![\w+])\+\d{8,15}(?!\w)"
)
_PROFILE_PATH = re.compile(r"(?i)([A-Z]:\\(?:Users|Documents and Settings)\\)([^\\\s<>]+)")
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")

KINDS = ("EMAIL", "UPN", "USER", "IP", "MAC", "PHONE", "HOST", "COMPANY", "PERSON")


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
    return any(host == d or host.endswith("." + d) for d in _PUBLIC_DOMAINS)


def _is_internal(domain: str) -> bool:
    domain = domain.lower()
    return any(domain == s or domain.endswith("." + s) for s in _INTERNAL_SUFFIXES)


def redact(
    text: str,
    *,
    company_names: Sequence[str] = (),
    known: Mapping[str, str] | None = None,
    people: Sequence[str] = (),
) -> Redacted:
    """Replace personal and customer data in ``text`` with typed placeholders such as ``<EMAIL_1>``.

    ``company_names`` (the customer's names, matched case-insensitively as whole words) become ``<COMPANY_n>`` and
    ``people`` (names known to the caller, e.g. the engineer and the end user) ``<PERSON_n>``. ``known`` is a
    ``mapping`` returned by an earlier call: values already in it keep their placeholder and new ones continue its
    numbering, so several fields of one session can be redacted consistently.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() needs a str, got {type(text).__name__}")
    namer = _Namer(known)
    if not text:
        return Redacted("", namer.mapping)

    def sub(pattern: re.Pattern[str], kind_for, source: str) -> str:
        def replace(match: re.Match[str]) -> str:
            kind = kind_for(match)
            if kind is None:
                return match.group(0)
            value = match.group(0)
            return namer.name(kind, value)

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
        if domain.casefold() in _NOT_DOMAINS or domain.casefold().startswith("hkey"):
            return match.group(0)
        if user.casefold() in {"system", "local service", "network service", "administrators", "users"}:
            return match.group(0)
        return namer.name("USER", match.group(0))

    out = _DOMAIN_USER.sub(user_replace, out)
    out = sub(_MAC, lambda m: "MAC", out)
    out = sub(_IPV4, lambda m: "IP", out)
    out = sub(_IPV6, lambda m: "IP" if m.group(0).count(":") >= 2 and m.group(0) != "::" else None, out)

    def fqdn_kind(match: re.Match[str]) -> str | None:
        host = match.group(1)
        if _is_public(host):
            return None
        labels = host.split(".")
        # "outlook.exe" never reaches here (exe is no TLD); "example.co" style two-label names are still hosts.
        return "HOST" if len(labels) >= 2 else None

    out = sub(_FQDN, fqdn_kind, out)

    def machine_kind(match: re.Match[str]) -> str | None:
        token = match.group(0)
        if not any(ch.isdigit() for ch in token) or len(token) < 5 or _NOT_HOSTS.match(token):
            return None
        if re.fullmatch(r"[A-Z]+-\d+", token) and len(token.split("-")[0]) <= 4:
            return None  # "WIN-10", "CAT-6": a name plus a version number
        return "HOST"

    out = sub(_MACHINE, machine_kind, out)

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

    for kind, names in (("COMPANY", company_names), ("PERSON", people)):
        for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
            pattern = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE)
            out = pattern.sub(lambda m, k=kind, n=name: namer.name(k, n), out)
    return Redacted(out, namer.mapping)


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back for every placeholder of ``mapping`` found in ``text``."""
    return PLACEHOLDER_RE.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
