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

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.scripts.values import (
    DOUBLE_QUOTES,
    PARAM_TYPES,
    SECRET_MASK,
    SINGLE_QUOTES,
    TYPE_LABELS,
    InvalidParameters,
    inert_comment_text,
    param_label,
    ps_literal,
    unsafe_character,
    validate_value,
    validate_values,
)

__all__ = [
    "PARAM_TYPES",
    "SECRET_MASK",
    "TYPE_LABELS",
    "InvalidParameters",
    "InvalidTemplate",
    "RenderedScript",
    "check_template",
    "ensure_valid_template",
    "inert_comment_text",
    "mask_parameters",
    "placeholders",
    "ps_literal",
    "render",
    "script_file_bytes",
    "unsafe_character",
    "validate_value",
    "validate_values",
]

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ANY_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# PowerShell reads each typographic quote as its ASCII twin everywhere (its tokenizer's IsSingleQuote and
# IsDoubleQuote): a here-string opens at "@" and any quote of a kind, and closes at a line that starts with any quote
# of the same kind followed by "@".
_HERE_QUOTES = {"here_single": SINGLE_QUOTES, "here_double": DOUBLE_QUOTES}
# PowerShell takes the en dash, em dash and horizontal bar for "-", so "–-%" stops parsing as "--%" does.
_DASHES = "-\u2013\u2014\u2015"


class InvalidTemplate(ValueError):
    """A template body or schema breaks the format rules; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RenderedScript:
    script: str
    # JSON-safe, secrets replaced by SECRET_MASK: what is stored with the generation and shown in the header.
    parameters: dict[str, Any]
    values: dict[str, Any] = field(repr=False)


# ------------------------------------------------------------------------------------------ template checks


def _placeholder_contexts(body: str) -> list[tuple[str, str | None]]:
    """Each placeholder in ``body`` with why its position is unsafe (None when it stands where a value can).

    A small PowerShell scanner: strings (verbatim, expandable, here-strings), comments and backtick escapes. Every
    quote PowerShell treats as a quote counts, typographic ones included, in strings, here-string openers and
    closers alike. It errs on the side of calling a position unsafe. Where PowerShell could read the text
    differently from this scanner (a subexpression inside an expandable string, a ``${...}`` name with quotes, a
    ``#`` inside a word, the ``--%`` stop-parsing token, a lone carriage return, a backtick ending a line inside a
    here-string), the scanner stops following the body and every later
    placeholder is unsafe: from there on it cannot tell a string from code. A placeholder the scanner stepped over
    (escaped by a backtick) is unsafe too.
    """
    found: list[tuple[int, str, str | None]] = []
    i, n = 0, len(body)
    state = "code"
    lost: str | None = None
    while i < n:
        ch = body[i]
        if lost:
            match = PLACEHOLDER.match(body, i)
            if match:
                found.append((i, match.group(1), f"comes after {lost}, which this check cannot follow"))
                i = match.end()
            else:
                i += 1
            continue
        if ch == "\r" and not body.startswith("\r\n", i):
            # PowerShell ends a line (a # comment, a here-string) at a lone CR too.
            lost = f"a carriage return without a line feed on line {_line_of(body, i)}"
            continue
        if state in ("code", "double", "here_double") and body.startswith("${", i):
            end = body.find("}", i)
            name = body[i + 2 : end] if end >= 0 else body[i + 2 :]
            if end < 0 or any(c in SINGLE_QUOTES + DOUBLE_QUOTES + "`{$\n" for c in name):
                lost = f"the variable name ${{...}} on line {_line_of(body, i)}"
            else:
                i = end + 1
            continue
        if state in ("double", "here_double") and body.startswith("$(", i):
            lost = f"a $( ) subexpression inside an expandable string on line {_line_of(body, i)}"
            continue
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
                found.append((i, match.group(1), reason))
                i = match.end()
                continue
            if ch == "`":
                i += 2
                continue
            if ch in _DASHES and i + 2 < n and body[i + 1] in _DASHES and body[i + 2] == "%":
                lost = f"the stop-parsing token --% on line {_line_of(body, i)}"
                continue
            # A comment starts only where a token starts; "a#b" is one word to PowerShell.
            starts_comment = ch == "#" or body.startswith("<#", i)
            if starts_comment and i and not (body[i - 1].isspace() or body[i - 1] == ";"):
                lost = f"a # inside a word on line {_line_of(body, i)}"
                continue
            if body.startswith("<#", i):
                state, i = "block_comment", i + 2
                continue
            if ch == "#":
                state = "line_comment"
            elif ch == "@" and i + 1 < n and body[i + 1] in SINGLE_QUOTES + DOUBLE_QUOTES:
                state, i = ("here_single" if body[i + 1] in SINGLE_QUOTES else "here_double"), i + 2
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
            found.append((i, match.group(1), f"is inside {where}"))
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
        elif state == "here_double" and ch == "`":
            if i + 1 < n and body[i + 1] in "\r\n":
                # An escaped line break is no line start for PowerShell, so a closing "@ after it does not close.
                lost = f"a backtick at the end of line {_line_of(body, i)} inside a here-string"
                continue
            i += 1
        elif (
            state in _HERE_QUOTES
            and ch == "\n"
            and i + 2 < n
            and body[i + 1] in _HERE_QUOTES[state]
            and body[i + 2] == "@"
        ):
            state, i = "code", i + 2
        i += 1
    seen = {start for start, _, _ in found}
    for match in PLACEHOLDER.finditer(body):
        if match.start() not in seen:
            found.append((match.start(), match.group(1), "is escaped by the character before it"))
    return [(key, reason) for _, key, reason in sorted(found)]


def _line_of(body: str, index: int) -> int:
    return body.count("\n", 0, index) + 1


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
        return f"(Read-Host -AsSecureString -Prompt {ps_literal(param_label(param))})"
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
