"""Parameter values of script templates: the types, their validation, and inert PowerShell literals.

Text is emitted as a single-quoted (verbatim) PowerShell string with every single-quote character doubled, including
the typographic ones PowerShell also accepts as quotes (U+2018..U+201B); line breaks, control and format characters
are refused, so nothing can end the literal or the line.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Any

PARAM_TYPES = (
    "string",
    "int",
    "bool",
    "choice",
    "sam_account_name",
    "upn",
    "email",
    "hostname",
    "ou_path",
    "group_name",
    "unc_path",
    "secure_string",
)
TYPE_LABELS = {
    "string": "text",
    "int": "whole number",
    "bool": "yes / no",
    "choice": "one of a list",
    "sam_account_name": "logon name (sAMAccountName)",
    "upn": "user principal name",
    "email": "e-mail address",
    "hostname": "host name",
    "ou_path": "OU distinguished name",
    "group_name": "group name",
    "unc_path": "UNC path",
    "secure_string": "secret (prompted at run time)",
}
SECRET_MASK = "(prompted when the script runs)"
# PowerShell's single-quote characters (about_Quoting_Rules / the language spec's single-quote-character).
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
# Unicode categories refused in any value: controls (incl. CR/LF/NUL), format chars (bidi overrides, zero-width),
# line/paragraph separators, surrogates, private use and unassigned code points.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
DEFAULT_MAX_LENGTH = 256

_SAM_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
_ADDRESS_RE = re.compile(
    r"^(?P<local>[A-Za-z0-9._%+'-]{1,64})@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_GROUP_FORBIDDEN = set('"/\\[]:;|=,+*?<>@')
_PATH_FORBIDDEN = set('<>:"/\\|?*')
_DN_VALUE_FORBIDDEN = set('"+<>;=\\')


class InvalidParameters(ValueError):
    """Values that fail their parameter types; ``errors`` maps each parameter key to a message for that field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --------------------------------------------------------------------------------------------------- quoting


def unsafe_character(text: str) -> str | None:
    """A description of the first character a value may not contain, or None when it has none."""
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            name = unicodedata.name(ch, "control character")
            kind = "a line break" if ch in "\r\n\u0085\u2028\u2029" else f"the character {name}"
            return f"{kind} (U+{ord(ch):04X})"
    return None


def ps_literal(text: str) -> str:
    """``text`` as an inert single-quoted PowerShell string (the caller has refused unsafe characters)."""
    if unsafe_character(text):
        raise ValueError("refusing to quote text with line breaks or control characters")
    return "'" + "".join(ch * 2 if ch in SINGLE_QUOTES else ch for ch in text) + "'"


def inert_comment_text(text: str, limit: int = 200) -> str:
    """Any text made safe for a ``#`` comment line: unsafe characters become spaces, then it is quoted."""
    cleaned = "".join(" " if unicodedata.category(ch) in _REFUSED_CATEGORIES else ch for ch in str(text))
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return ps_literal(cleaned)


# ------------------------------------------------------------------------------------------ value validation


def param_label(param: dict[str, Any]) -> str:
    return str(param.get("label") or param.get("key"))


def _check_dn(value: str) -> str | None:
    parts = re.split(r"(?<!\\),", value)
    seen_dc = False
    for part in parts:
        key, sep, val = part.partition("=")
        key = key.strip().upper()
        if not sep or key not in {"OU", "CN", "DC"}:
            return "must be a distinguished name like OU=Staff,DC=contoso,DC=local (OU=, CN= and DC= parts)"
        val = val.strip()
        if not val:
            return f"has an empty {key}= part"
        if key == "DC":
            seen_dc = True
            if not re.fullmatch(_LABEL, val):
                return f"has an invalid domain component DC={val}"
        elif seen_dc:
            return "must list the OU/CN parts before the DC parts"
        elif any(ch in _DN_VALUE_FORBIDDEN for ch in val.replace("\\,", "")):
            return f"has a character that must be escaped in {key}={val}"
    if not seen_dc:
        return "must end with the domain, e.g. ,DC=contoso,DC=local"
    return None


def _check_text_type(kind: str, value: str, param: dict[str, Any]) -> str | None:
    if kind == "string":
        pattern = param.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            return str(param.get("pattern_help") or "does not have the required format")
        return None
    if kind == "choice":
        choices = [str(c) for c in param.get("choices") or []]
        return None if value in choices else "must be one of: " + ", ".join(choices)
    if kind == "sam_account_name":
        if "\\" in value or "@" in value:
            return "must be the logon name alone, without DOMAIN\\ or @domain (e.g. jsmith)"
        if not _SAM_RE.fullmatch(value) or value.endswith("."):
            return "must be a logon name of 1–20 letters, digits, '.', '_' or '-' (e.g. jsmith)"
        return None
    if kind in ("upn", "email"):
        match = _ADDRESS_RE.fullmatch(value)
        local = match.group("local") if match else ""
        if not match or len(value) > 254 or ".." in local or local.startswith(".") or local.endswith("."):
            what = "a user principal name" if kind == "upn" else "an e-mail address"
            return f"must be {what} like jane.doe@contoso.com"
        return None
    if kind == "hostname":
        try:
            ipaddress.IPv4Address(value)
            return None
        except ValueError:
            pass
        if len(value) > 253 or not _HOST_RE.fullmatch(value):
            return "must be a host name like PC-0042 or fs01.contoso.local (letters, digits, '-' and '.')"
        return None
    if kind == "ou_path":
        return _check_dn(value)
    if kind == "group_name":
        if len(value) > 64 or any(ch in _GROUP_FORBIDDEN for ch in value):
            return 'must be a group name of up to 64 characters without " / \\ [ ] : ; | = , + * ? < > @'
        return None
    if kind == "unc_path":
        if not value.startswith("\\\\"):
            return r"must be a UNC path like \\fs01\finance"
        segments = value[2:].rstrip("\\").split("\\")
        if len(segments) < 2 or not _HOST_RE.fullmatch(segments[0]) and not _is_ip(segments[0]):
            return r"must be a UNC path like \\fs01\finance"
        if any(not s.strip() or any(ch in _PATH_FORBIDDEN for ch in s) for s in segments[1:]):
            return 'has an empty folder name or one of < > : " / | ? *'
        return None
    raise ValueError(f"unknown parameter type {kind!r}")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _max_length(param: dict[str, Any]) -> int:
    kind = param.get("type")
    fixed = {"sam_account_name": 20, "upn": 254, "email": 254, "hostname": 253, "group_name": 64, "unc_path": 260}
    return int(param.get("max_length") or fixed.get(str(kind), DEFAULT_MAX_LENGTH))


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_value(param: dict[str, Any], raw: Any) -> Any:
    """The typed value of one parameter, or ValueError with a message for that field (without its label)."""
    kind = param.get("type")
    if kind == "secure_string":
        return None
    if _empty(raw):
        if param.get("required", True):
            raise ValueError("is required")
        return "" if kind == "string" else None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "yes", "1", "on"}:
            return True
        if text in {"false", "no", "0", "off"}:
            return False
        raise ValueError("must be yes or no")
    if kind == "int":
        if isinstance(raw, bool):
            raise ValueError("must be a whole number")
        if isinstance(raw, int):
            number = raw
        elif isinstance(raw, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", raw.strip()):
            number = int(raw.strip())
        else:
            raise ValueError("must be a whole number")
        low, high = param.get("min"), param.get("max")
        if low is not None and number < int(low) or high is not None and number > int(high):
            raise ValueError(
                f"must be between {low if low is not None else '-∞'} and {high if high is not None else '∞'}"
            )
        return number
    if not isinstance(raw, str):
        raise ValueError("must be text")
    bad = unsafe_character(raw)
    if bad:
        raise ValueError(f"must be a single line of plain text; it contains {bad}")
    value = raw.strip()
    limit = _max_length(param)
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    problem = _check_text_type(str(kind), value, param)
    if problem:
        raise ValueError(problem)
    return value


def validate_values(schema: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    """Every parameter's typed value; InvalidParameters lists each failing field with its label."""
    result: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for param in schema:
        key = param["key"]
        raw = values.get(key)
        if _empty(raw) and param.get("default") not in (None, "") and key not in values:
            raw = param.get("default")
        try:
            result[key] = validate_value(param, raw)
        except ValueError as exc:
            errors[key] = f"{param_label(param)} {exc}."
    if errors:
        raise InvalidParameters(errors)
    return result
