"""Hostile ingest lines: every kind sits between two good lines, costs only itself and is reported by number.

Each case is the raw bytes of one line and the exact reason the importer gives. The file alternates good and bad
lines, so a bad line that split, swallowed or aborted its neighbours would show up as a missing good session or a
shifted line number. The same file imported twice changes nothing.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from sqlalchemy import func, select

from core.accounts import create_account
from core.models import AISession, AISessionStep
from core.sessions.ingest import ingest_stream
from tests.factories import make_user

LONG = 1_048_576


@pytest.fixture
def north(db):
    account = create_account(db, "Northwind MSP", "northwind-msp")
    make_user(db, account, role="engineer", email="sam@north.example")
    db.commit()
    return account


def record(n: int, **changes) -> dict:
    """A valid resolved session with the string id ``good-<n>`` (``changes`` applied; None deletes a key)."""
    base = {
        "id": f"good-{n:04d}",
        "engineer_email": "sam@north.example",
        "status": "resolved",
        "problem_domain": "vpn",
        "problem_summary": f"VPN error 809 from hotel Wi-Fi, case {n}",
        "intake": {"subject": "VPN", "description": "Error 809", "requester": "Kevin", "device": "NW-LT-0455"},
        "conversation": [{"role": "user", "content": "VPN error 809"}],
        "rating": 4,
        "created_at": "2026-11-18T09:12:00+00:00",
        "resolved_at": "2026-11-18T09:41:30+00:00",
        "ended_at": "2026-11-18T09:41:30+00:00",
        "steps": [
            {"step_type": "question", "content": {"question": "Internet without VPN?"}, "selected_option": "Yes"},
            {"step_type": "resolution", "content": {"solution": "Switched to the SSL VPN profile."}},
        ],
    }
    for key, value in changes.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def raw(data: dict) -> bytes:
    return json.dumps(data).encode()


def spliced(n: int, field: str, json_text: str) -> bytes:
    """A good line whose ``field`` is replaced by literal JSON text (for values json.dumps cannot write)."""
    marker = "@@VALUE@@"
    return json.dumps(record(n, **{field: marker})).replace(f'"{marker}"', json_text).encode()


def deep_content(levels: int, opener: str = "[", closer: str = "]") -> bytes:
    line = raw(record(0, steps=[{"step_type": "note", "content": {"x": "@@"}}]))
    return line.replace(b'"@@"', (opener * levels + closer * levels).encode())


def hostile() -> list[tuple[str, bytes, str]]:
    """(kind, line, reason): 55 kinds of line the importer must refuse without harm."""
    good = raw(record(0))
    step = {"step_type": "note", "content": {}}
    return [
        ("invalid UTF-8 byte", b'{"id": "x\xff"}', "not valid UTF-8: byte 0xff at byte 10"),
        ("overlong UTF-8", b'{"id": "\xc0\xaf"}', "not valid UTF-8: byte 0xc0 at byte 9"),
        ("UTF-8-encoded surrogate", b'{"id": "\xed\xa0\x80"}', "not valid UTF-8: byte 0xed at byte 9"),
        ("truncated UTF-8 sequence", b'{"id": "\xe2\x82"}', "not valid UTF-8: byte 0xe2 at byte 9"),
        ("Latin-1 text", '{"id": "caf\xe9"}'.encode("latin-1"), "not valid UTF-8: byte 0xe9 at byte 12"),
        (
            "UTF-16 line",
            '{"id": 1}'.encode("utf-16-le"),
            "bad JSON: Expecting property name enclosed in double quotes at column 2",
        ),
        (
            "raw NUL byte in a string",
            good.replace(b"case 0", b"case \x000"),
            "bad JSON: Invalid control character at column 164",
        ),
        ("lone NUL byte", b"\x00", "bad JSON: Expecting value at column 1"),
        (
            "escaped NUL in a summary",
            spliced(0, "problem_summary", '"VPN \\u0000 error"'),
            "NUL character (\\u0000) in text at problem_summary",
        ),
        (
            "escaped NUL in a key",
            spliced(0, "intake", '{"sub\\u0000ject": "x"}'),
            "NUL character (\\u0000) in text at intake.sub\\u0000ject",
        ),
        (
            "lone high surrogate",
            spliced(0, "problem_summary", '"VPN \\ud800"'),
            "lone surrogate \\ud800 in text (not a Unicode character) at problem_summary",
        ),
        (
            "lone low surrogate in a step",
            spliced(0, "steps", '[{"step_type": "note", "content": {"t": "\\udfff"}}]'),
            "lone surrogate \\udfff in text (not a Unicode character) at steps[0].content.t",
        ),
        (
            "reversed surrogate pair",
            spliced(0, "resolution_summary", '"\\udc00\\ud800"'),
            "lone surrogate \\udc00 in text (not a Unicode character) at resolution_summary",
        ),
        (
            "NaN",
            spliced(0, "match_score", "NaN"),
            "NaN is not a number a session can hold (JSON has no NaN or Infinity)",
        ),
        (
            "Infinity",
            spliced(0, "match_score", "Infinity"),
            "Infinity is not a number a session can hold (JSON has no NaN or Infinity)",
        ),
        (
            "-Infinity",
            spliced(0, "rating", "-Infinity"),
            "-Infinity is not a number a session can hold (JSON has no NaN or Infinity)",
        ),
        (
            "400-digit decimal",
            spliced(0, "match_score", "1" * 400 + ".5"),
            "number too long: 402 characters (at most 40)",
        ),
        (
            "5,001-digit integer",
            spliced(0, "rating", "9" * 5001),
            "number too large: an integer of 5,001 digits (at most 18)",
        ),
        ("float overflow", spliced(0, "match_score", "1e999"), "number out of range: 1e999"),
        ("20-digit integer", spliced(0, "rating", "1" * 20), "number too large: an integer of 20 digits (at most 18)"),
        ("5,000 nested arrays", deep_content(5000), "nested deeper than 32 levels"),
        (
            "40 nested objects",
            deep_content(40, '{"a":', "}").replace(b'{"a":}', b"{}"),
            "nested deeper than 32 levels at steps[0].content.x" + ".a" * 28,
        ),
        (
            "40 nested arrays",
            deep_content(40),
            "nested deeper than 32 levels at steps[0].content.x" + "[0]" * 20 + "[…",
        ),
        (
            "line over 1 MiB",
            raw(record(0, problem_summary="x" * LONG)),
            f"line is {len(raw(record(0, problem_summary='x' * LONG))) + 1:,} bytes long; at most {LONG:,} are read",
        ),
        (
            "year 9999 at -14:00",
            raw(record(0, ended_at="9999-12-31T23:00:00-14:00")),
            "ended_at is out of range (1970 to 2199): '9999-12-31T23:00:00-14:00'",
        ),
        (
            "year 1 at +14:00",
            raw(record(0, created_at="0001-01-01T00:00:00+14:00")),
            "created_at is out of range (1970 to 2199): '0001-01-01T00:00:00+14:00'",
        ),
        (
            "year 2400",
            raw(record(0, resolved_at="2400-01-01T00:00:00+00:00")),
            "resolved_at is out of range (1970 to 2199): '2400-01-01T00:00:00+00:00'",
        ),
        (
            "month 13",
            raw(record(0, created_at="2026-13-01T00:00:00+00:00")),
            "created_at is not an ISO-8601 timestamp: '2026-13-01T00:00:00+00:00'",
        ),
        (
            "offset +25:00",
            raw(record(0, created_at="2026-11-18T09:12:00+25:00")),
            "created_at is not an ISO-8601 timestamp: '2026-11-18T09:12:00+25:00'",
        ),
        (
            "timestamp as a number",
            raw(record(0, created_at=1763456000)),
            "created_at must be an ISO-8601 string, got number",
        ),
        ("empty object", b"{}", "missing field 'id'"),
        ("top-level array", b"[1, 2]", "a line must be a JSON object, got array"),
        ("top-level string", b'"hello"', "a line must be a JSON object, got string"),
        ("top-level number", b"42", "a line must be a JSON object, got number"),
        ("top-level null", b"null", "a line must be a JSON object, got null"),
        ("truncated JSON", good[:60], "bad JSON: Unterminated string starting at column 60"),
        ("trailing garbage", good + b" x", f"bad JSON: Extra data at column {len(good) + 2}"),
        ("two objects on one line", good + good, f"bad JSON: Extra data at column {len(good) + 1}"),
        ("records split by a bare CR", good + b"\r" + good, f"bad JSON: Extra data at column {len(good) + 2}"),
        (
            "byte-order mark mid-file",
            b"\xef\xbb\xbf" + good,
            "bad JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1",
        ),
        ("duplicate key", good[:-1] + b', "status": "escalated"}', "duplicate key 'status' in one object"),
        ("empty id", raw(record(0, id="")), "id is empty"),
        ("201-character id", raw(record(0, id="i" * 201)), "id is longer than 200 characters (201)"),
        ("id with a newline", raw(record(0, id="INC\n1")), "id contains a control or invisible character"),
        ("id as an object", raw(record(0, id={"n": 1})), "id must be a string, got object"),
        (
            "status as an array",
            raw(record(0, status=["resolved"])),
            "status must be one of active, resolved, escalated, abandoned; got array",
        ),
        (
            "tier as a number",
            raw(record(0, confidence_tier=2)),
            "confidence_tier must be one of guided, exploring, discovery, unknown; got number",
        ),
        (
            "4,001-character summary",
            raw(record(0, problem_summary="s" * 4001)),
            "problem_summary is longer than 4000 characters",
        ),
        ("steps as an object", raw(record(0, steps={"1": step})), "steps must be an array, got object"),
        ("1,001 steps", raw(record(0, steps=[step] * 1001)), "steps has 1,001 entries; at most 1,000"),
        (
            "5,001 messages",
            raw(record(0, conversation=[{"role": "user", "content": ""}] * 5001)),
            "conversation has 5,001 messages; at most 5,000",
        ),
        ("rating 4.5", raw(record(0, rating=4.5)), "rating must be a whole number 1-5, got number"),
        ("unknown field", raw(record(0, priority="P1")), "unknown field 'priority'"),
        (
            "unknown engineer",
            raw(record(0, engineer_email="ghost@north.example")),
            "unknown engineer 'ghost@north.example' in account 'northwind-msp' (--create-users adds them)",
        ),
        (
            "same id, other content",
            raw(record(1, problem_summary="Printer offline")),
            "conflict: id good-0001 was already imported with different content; the first is kept",
        ),
    ]


def good_lines(count: int) -> list[bytes]:
    """Good lines, some with what a careless reader would split or drop on: U+2028, U+0085, CRLF, emoji."""
    lines = []
    for n in range(1, count + 1):
        if n % 4 == 1:
            line = raw(record(n, problem_summary=f"Case {n}\u2028second line\u0085third"))
        elif n % 4 == 2:
            line = json.dumps(record(n, resolution_summary="Done \U0001f600"), ensure_ascii=False).encode() + b"\r"
        elif n % 4 == 3:
            line = raw(record(n, confidence_tier="guided", id=str(uuid.uuid5(uuid.NAMESPACE_URL, str(n)))))
        else:
            line = raw(record(n))
        lines.append(line)
    return lines


def hostile_file() -> tuple[bytes, list[tuple[int, str]], int]:
    """The file (good, bad, good, bad, …, good, then blank and whitespace lines), expected errors, good count."""
    cases = hostile()
    goods = good_lines(len(cases) + 1)
    lines, expected = [goods[0]], []
    for (_kind, bad, reason), after in zip(cases, goods[1:], strict=True):
        lines.append(bad)
        expected.append((len(lines), reason))
        lines.append(after)
    lines += [b"", b"   \t "]
    return b"\n".join(lines) + b"\n", expected, len(goods)


def _counts(db) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(AISession)),
        db.scalar(select(func.count()).select_from(AISessionStep)),
    )


def test_there_are_at_least_forty_kinds():
    kinds = [kind for kind, _line, _reason in hostile()]
    assert len(kinds) == len(set(kinds)) == 55


def test_every_hostile_line_costs_only_itself_and_a_rerun_changes_nothing(db, north):
    data, expected, goods = hostile_file()
    first = ingest_stream(db, io.BytesIO(data), north.id)
    db.commit()
    assert first.errors == expected
    assert (first.imported, first.skipped_duplicates) == (goods, 0)
    assert _counts(db) == (goods, 2 * goods)
    stored = db.get(AISession, uuid.uuid5(uuid.NAMESPACE_URL, "3"))
    assert stored.external_id == str(stored.id) and stored.confidence_tier == "guided"
    wide = db.scalar(select(AISession).where(AISession.external_id == "good-0001"))
    assert wide.problem_summary == "Case 1\u2028second line\u0085third" and wide.confidence_tier == "unknown"
    assert db.scalar(select(AISession.resolution_summary).where(AISession.external_id == "good-0002")) == "Done 😀"

    again = ingest_stream(db, io.BytesIO(data), north.id)
    db.commit()
    assert again.errors == expected
    assert (again.imported, again.skipped_duplicates) == (0, goods)
    assert _counts(db) == (goods, 2 * goods)


def test_the_command_reports_every_bad_line_without_a_traceback(engine, tmp_path, capsys):
    from core.db import session_scope
    from jobs.ingest import main

    with session_scope(engine) as db:
        account = create_account(db, "Northwind MSP", "northwind-msp")
        make_user(db, account, role="engineer", email="sam@north.example")
    data, expected, goods = hostile_file()
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(data)
    url = engine.url.render_as_string(hide_password=False)
    assert main([str(path), "--database-url", url, "--account", "northwind-msp"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err.splitlines() == [f"line {number}: {reason}" for number, reason in expected]
    assert out.strip() == f"imported {goods}, skipped 0 duplicate(s), {len(expected)} bad line(s)"
    assert main([str(path), "--database-url", url, "--account", "northwind-msp"]) == 1
    assert capsys.readouterr().out.strip() == f"imported 0, skipped {goods} duplicate(s), {len(expected)} bad line(s)"


def test_an_unforeseen_error_in_one_line_costs_only_that_line(db, north, monkeypatch, capsys):
    import core.sessions.ingest as ingest_module

    real = ingest_module.validate

    def failing(record, *args):
        if record["id"] == "good-0002":
            raise KeyError("no such rule")
        return real(record, *args)

    monkeypatch.setattr(ingest_module, "validate", failing)
    data = b"\n".join(raw(record(n)) for n in (1, 2, 3))
    report = ingest_stream(db, io.BytesIO(data), north.id)
    assert report.errors == [(2, "could not be read (KeyError: 'no such rule')")]
    assert report.imported == 2
    assert "Traceback" not in capsys.readouterr().err
