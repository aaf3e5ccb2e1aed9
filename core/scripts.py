"""The PowerShell template engine: schema checks, typed validation, inert quoting and rendering.

Template format: the body is PowerShell with ``{{ key }}`` placeholders standing where a value goes. Each
placeholder has exactly one entry in ``parameters_schema`` (``key, label, help, type, required, default`` and per
type ``choices``, ``pattern``, ``min``, ``max``, ``max_length``), and each entry is used.

Safety rule: a value never becomes code. Text is emitted as a single-quoted (verbatim) PowerShell string with every
single-quote character doubled, including the typographic ones PowerShell also accepts as quotes (U+2018..U+201B);
line breaks, control and format characters are refused, so nothing can end the literal or the line. Ints and bools
are emitted as typed literals built from the parsed value, never from the text typed. Secrets are never written:
the script prompts for them with ``Read-Host -AsSecureString``. Placeholders are allowed only where a value can
stand on its own (not inside quotes, comments or here-strings, not glued to other tokens), checked when a template
is saved.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ANY_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
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
_HERE_ENDS = {"here_single": "\n'@", "here_double": '\n"@'}


class InvalidTemplate(ValueError):
    """A template body or schema breaks the format rules; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class InvalidParameters(ValueError):
    """Values that fail their parameter types; ``errors`` maps each parameter key to a message for that field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class RenderedScript:
    script: str
    # JSON-safe, secrets replaced by SECRET_MASK: what is stored with the generation and shown in the header.
    parameters: dict[str, Any]
    values: dict[str, Any] = field(repr=False)


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


def _label(param: dict[str, Any]) -> str:
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
            errors[key] = f"{_label(param)} {exc}."
    if errors:
        raise InvalidParameters(errors)
    return result


# ------------------------------------------------------------------------------------------ template checks


def _placeholder_contexts(body: str) -> list[tuple[str, str | None]]:
    """Each placeholder in ``body`` with why its position is unsafe (None when it stands where a value can).

    A small PowerShell scanner: strings (verbatim, expandable, here-strings), comments and backtick escapes.
    It errs on the side of calling a position unsafe.
    """
    found: list[tuple[str, str | None]] = []
    i, n = 0, len(body)
    state = "code"
    while i < n:
        ch = body[i]
        if state == "code":
            match = PLACEHOLDER.match(body, i)
            if match:
                before = body[i - 1] if i else "\n"
                after = body[match.end()] if match.end() < n else "\n"
                reason = None
                if not (before.isspace() or before in "(,=[{;:!"):
                    reason = f"is glued to the text before it ({before!r})"
                elif not (after.isspace() or after in "),;]}|"):
                    reason = f"is glued to the text after it ({after!r})"
                found.append((match.group(1), reason))
                i = match.end()
                continue
            if ch == "`":
                i += 2
                continue
            if body.startswith("<#", i):
                state, i = "block_comment", i + 2
                continue
            if ch == "#":
                state = "line_comment"
            elif body.startswith("@'", i) or body.startswith('@"', i):
                state, i = ("here_single" if body[i + 1] == "'" else "here_double"), i + 2
                continue
            elif ch in SINGLE_QUOTES:
                state = "single"
            elif ch in DOUBLE_QUOTES:
                state = "double"
            i += 1
            continue
        match = PLACEHOLDER.match(body, i)
        if match:
            where = {
                "line_comment": "a comment",
                "block_comment": "a comment",
                "single": "a quoted string",
                "double": "a quoted string",
                "here_single": "a here-string",
                "here_double": "a here-string",
            }[state]
            found.append((match.group(1), f"is inside {where}"))
            i = match.end()
            continue
        if state == "line_comment" and ch == "\n":
            state = "code"
        elif state == "block_comment" and body.startswith("#>", i):
            state, i = "code", i + 1
        elif state == "single" and ch in SINGLE_QUOTES:
            if i + 1 < n and body[i + 1] in SINGLE_QUOTES:
                i += 1
            else:
                state = "code"
        elif state == "double":
            if ch == "`":
                i += 1
            elif ch in DOUBLE_QUOTES:
                if i + 1 < n and body[i + 1] in DOUBLE_QUOTES:
                    i += 1
                else:
                    state = "code"
        elif state in _HERE_ENDS and body.startswith(_HERE_ENDS[state], i):
            state, i = "code", i + 2
        i += 1
    return found


def placeholders(body: str) -> list[str]:
    """Placeholder keys in order of first use."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(body):
        seen.setdefault(match.group(1), None)
    return list(seen)


def _schema_errors(schema: Any) -> list[str]:
    if not isinstance(schema, list):
        return ["The parameters schema must be a list of parameters."]
    errors: list[str] = []
    keys: set[str] = set()
    for index, param in enumerate(schema, start=1):
        if not isinstance(param, dict):
            errors.append(f"Parameter {index} must be an object with key, label and type.")
            continue
        key = param.get("key")
        name = f"Parameter {key!r}" if key else f"Parameter {index}"
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            errors.append(f"{name}: the key must be lower-case letters, digits and _ (starting with a letter).")
        elif key in keys:
            errors.append(f"{name} is defined twice.")
        else:
            keys.add(key)
        for text_field in ("label", "help"):
            text = param.get(text_field, "")
            if not isinstance(text, str) or unsafe_character(text):
                errors.append(f"{name}: the {text_field} must be one line of plain text.")
        if not str(param.get("label") or "").strip():
            errors.append(f"{name}: a label is required.")
        kind = param.get("type")
        if kind not in PARAM_TYPES:
            errors.append(f"{name}: unknown type {kind!r} (allowed: {', '.join(PARAM_TYPES)}).")
            continue
        if kind == "choice":
            choices = param.get("choices")
            if not isinstance(choices, list) or not choices:
                errors.append(f"{name}: a choice needs a non-empty list of choices.")
            elif any(not isinstance(c, str) or not c.strip() or unsafe_character(c) or len(c) > 200 for c in choices):
                errors.append(f"{name}: every choice must be one line of plain text (at most 200 characters).")
            elif len(set(choices)) != len(choices):
                errors.append(f"{name}: the choices must be distinct.")
        if param.get("pattern"):
            try:
                re.compile(str(param["pattern"]))
            except re.error as exc:
                errors.append(f"{name}: the pattern is not a valid regular expression ({exc}).")
        for bound in ("min", "max", "max_length"):
            if param.get(bound) is not None and (isinstance(param[bound], bool) or not isinstance(param[bound], int)):
                errors.append(f"{name}: {bound} must be a whole number.")
        if kind == "secure_string" and param.get("default") not in (None, ""):
            errors.append(f"{name}: a secret cannot have a default value.")
        elif param.get("default") not in (None, "") and not errors:
            try:
                validate_value(param, param["default"])
            except ValueError as exc:
                errors.append(f"{name}: the default value {exc}.")
    return errors


def check_template(body: str, schema: Any) -> list[str]:
    """Every rule the template breaks (empty when it may be saved)."""
    if not isinstance(body, str) or not body.strip():
        return ["The template body is empty."]
    errors = _schema_errors(schema)
    if unsafe_character(body.replace("\n", "").replace("\r", "").replace("\t", "")):
        errors.append("The body contains a control or invisible formatting character.")
    for match in _ANY_BRACES.finditer(body):
        if not PLACEHOLDER.fullmatch(match.group(0)):
            errors.append(f"Malformed placeholder {match.group(0)!r}: use {{{{ key }}}} with a parameter key.")
    schema_keys = [p.get("key") for p in schema if isinstance(p, dict)] if isinstance(schema, list) else []
    used = placeholders(body)
    for key in used:
        if key not in schema_keys:
            errors.append(f"The placeholder {{{{ {key} }}}} has no parameter in the schema.")
    for key in schema_keys:
        if isinstance(key, str) and key not in used:
            errors.append(f"The parameter {key!r} is never used in the body.")
    for key, reason in _placeholder_contexts(body):
        if reason:
            errors.append(f"The placeholder {{{{ {key} }}}} {reason}; put it where a value stands on its own.")
    return errors


def ensure_valid_template(body: str, schema: Any) -> None:
    errors = check_template(body, schema)
    if errors:
        raise InvalidTemplate(errors)


# ------------------------------------------------------------------------------------------------ rendering


def _literal(param: dict[str, Any], value: Any) -> str:
    kind = param["type"]
    if kind == "secure_string":
        return f"(Read-Host -AsSecureString -Prompt {ps_literal(_label(param))})"
    if value is None:
        return "''" if kind == "string" else "$null"
    if kind == "bool":
        return "$true" if value else "$false"
    if kind == "int":
        number = int(value)
        return str(number) if number >= 0 else f"({number})"
    return ps_literal(str(value))


def mask_parameters(schema: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    return {p["key"]: SECRET_MASK if p["type"] == "secure_string" else values.get(p["key"]) for p in schema}


def render(
    body: str,
    schema: list[dict[str, Any]],
    values: dict[str, Any],
    *,
    template_name: str,
    session_id: Any = None,
    user_name: str = "",
    now: datetime | None = None,
) -> RenderedScript:
    """The script with every placeholder replaced by an inert literal, under a comment header.

    Raises InvalidTemplate for a template that breaks the format and InvalidParameters for bad values.
    """
    ensure_valid_template(body, schema)
    typed = validate_values(schema, values)
    by_key = {p["key"]: p for p in schema}
    script_body = PLACEHOLDER.sub(lambda m: _literal(by_key[m.group(1)], typed[m.group(1)]), body)
    masked = mask_parameters(schema, typed)
    when = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # Every header line starts with "# " and a fixed label, and every value in it is a quoted one-line literal:
    # nothing in it can end the comment or read as a #requires directive.
    lines = [
        "# " + "-" * 70,
        "# Generated by FlowPilot Script Assist",
        f"# Template:   {inert_comment_text(template_name)}",
        f"# Session:    {inert_comment_text(str(session_id)) if session_id else '(none)'}",
        f"# User:       {inert_comment_text(user_name)}",
        f"# Generated:  {when}",
        "# Parameters:",
    ]
    for param in schema:
        shown = masked[param["key"]]
        if param["type"] == "secure_string":
            text = SECRET_MASK
        elif param["type"] in ("int", "bool") or shown is None:
            text = _literal(param, shown)
        else:
            text = inert_comment_text(str(shown), limit=400)
        lines.append(f"#   {param['key']} = {text}")
    lines.append("# " + "-" * 70)
    script = "\n".join(lines) + "\n\n" + script_body.rstrip("\n") + "\n"
    return RenderedScript(script=script, parameters=masked, values=typed)


def script_file_bytes(script: str) -> bytes:
    """The .ps1 file: UTF-8 with a byte-order mark.

    Windows PowerShell 5.1 reads a BOM-less script as the ANSI code page, where UTF-8 continuation bytes 0x91-0x94
    are the typographic quotes: "đ" (C4 91) would arrive as "Ä‘" and end a quoted literal. The BOM makes every
    PowerShell read the file as the UTF-8 it is.
    """
    return b"\xef\xbb\xbf" + script.encode("utf-8")
