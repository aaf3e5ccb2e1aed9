"""Reading JSON Lines safely: one record per ``\\n``-terminated line, each decoded and parsed on its own.

Nothing in one line can cost another line or stop the file:

* the file is read as bytes and split on ``\\n`` only, so U+2028, U+0085 or a stray ``\\r`` inside a JSON string
  never splits a record, and a line is at most :data:`MAX_LINE_BYTES` long (a longer one is skipped to its end
  without being held in memory);
* each line is decoded as UTF-8 on its own: an invalid byte makes that line bad, not the file;
* parsing refuses what JSON allows in theory but no database column can hold: NaN and Infinity, numbers too long
  to be meant (a 5,000-digit integer, a float that overflows), nesting deeper than :data:`MAX_DEPTH`, duplicate
  keys (which value was meant?), NUL characters and lone surrogates in any string or key.

Every refusal is a :class:`BadLine` whose message names the problem; the caller reports it as ``line N: reason``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

MAX_LINE_BYTES = 1_048_576
MAX_DEPTH = 32
MAX_INTEGER_DIGITS = 18
MAX_NUMBER_CHARS = 40
BOM = b"\xef\xbb\xbf"
_UNSAFE_CHAR = re.compile("[\x00\ud800-\udfff]")


class BadLine(ValueError):
    """One reason a line cannot be imported."""


class TooLong:
    """Stands for a line longer than the limit (its bytes were skipped, not kept)."""

    def __init__(self, size: int):
        self.size = size


def read_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | TooLong]]:
    """``(line number, bytes)`` for every line of a binary stream, 1-based, without its terminator and without the
    UTF-8 byte-order mark.

    Memory stays bounded by ``max_bytes`` whatever the file holds: a longer line is read through in chunks and
    yielded as :class:`TooLong`.
    """
    number = 0
    while True:
        chunk = stream.readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        if number == 1 and chunk.startswith(BOM):
            chunk = chunk[len(BOM) :]
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            size = len(chunk)
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(max_bytes)
                size += len(chunk)
            yield number, TooLong(size)
            continue
        # The terminator is not part of the record ("\r\n" from Windows editors included).
        yield number, chunk.removesuffix(b"\n").removesuffix(b"\r")


def decode_line(data: bytes | str | TooLong) -> str:
    """The text of one line; invalid UTF-8 or an oversize line is a :class:`BadLine`."""
    if isinstance(data, TooLong):
        raise BadLine(f"line is {data.size:,} bytes long; at most {MAX_LINE_BYTES:,} are read")
    if isinstance(data, str):
        if len(data) > MAX_LINE_BYTES:
            raise BadLine(f"line is {len(data):,} characters long; at most {MAX_LINE_BYTES:,} are read")
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadLine(f"not valid UTF-8: byte 0x{data[exc.start]:02x} at byte {exc.start + 1}") from None


def parse_record(text: str) -> dict[str, Any]:
    """The JSON object on one line, checked for everything a database cannot store (see the module docstring)."""
    try:
        record = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_int=_integer,
            parse_float=_float,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        # Some of json's messages end in "at" themselves ("Invalid control character at").
        raise BadLine(f"bad JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}") from None
    except RecursionError:
        raise BadLine(f"nested deeper than {MAX_DEPTH} levels") from None
    if not isinstance(record, dict):
        raise BadLine(f"a line must be a JSON object, got {kind(record)}")
    # Escapes are the only way a NUL or a lone surrogate gets into a parsed string, and a line with fewer brackets
    # than the depth limit cannot nest past it: most lines skip the walk.
    escapes = "\\u" in text
    if not escapes and text.count("{") + text.count("[") <= MAX_DEPTH:
        return record
    try:
        _check(record, 1, escapes)
    except _Found as found:
        where = "".join(reversed(found.path)).lstrip(".")
        where = where if len(where) <= 80 else where[:79] + "…"
        raise BadLine(f"{found.reason} at {where}" if where else found.reason) from None
    return record


def kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _refuse_constant(name: str) -> Any:
    raise BadLine(f"{name} is not a number a session can hold (JSON has no NaN or Infinity)")


def _integer(literal: str) -> int:
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        raise BadLine(f"number too large: an integer of {digits:,} digits (at most {MAX_INTEGER_DIGITS})")
    return int(literal)


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise BadLine(f"number too long: {len(literal):,} characters (at most {MAX_NUMBER_CHARS})")
    value = float(literal)
    if not math.isfinite(value):
        raise BadLine(f"number out of range: {literal}")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise BadLine(f"duplicate key '{_shown(key)}' in one object")
            seen.add(key)
    return record


class _Found(Exception):
    """A problem deep inside a record; each level it passes adds its key to ``path``."""

    def __init__(self, reason: str):
        self.reason = reason
        self.path: list[str] = []


def _check(value: Any, depth: int, escapes: bool) -> None:
    if isinstance(value, str):
        _check_text(value)
        return
    if depth > MAX_DEPTH:
        raise _Found(f"nested deeper than {MAX_DEPTH} levels")
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        try:
            if escapes and isinstance(key, str):
                _check_text(key)
            if isinstance(item, dict | list) or (escapes and isinstance(item, str)):
                _check(item, depth + 1, escapes)
        except _Found as found:
            found.path.append(f".{_shown(key)}" if isinstance(key, str) else f"[{key}]")
            raise


def _check_text(text: str) -> None:
    bad = _UNSAFE_CHAR.search(text)
    if bad is None:
        return
    char = bad.group()
    if char == "\x00":
        raise _Found("NUL character (\\u0000) in text")
    raise _Found(f"lone surrogate \\u{ord(char):04x} in text (not a Unicode character)")


def _shown(key: str) -> str:
    """A key as it can be printed in a message: unsafe characters escaped, at most 40 characters."""
    safe = _UNSAFE_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", key)
    return safe if len(safe) <= 40 else safe[:39] + "…"
