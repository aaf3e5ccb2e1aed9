"""The template engine without a database: quoting, typed validation, template checks, the header."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.scripts.library import TEMPLATES
from core.scripts.templates import (
    SECRET_MASK,
    InvalidParameters,
    InvalidTemplate,
    check_template,
    ps_literal,
    render,
    script_file_bytes,
    validate_values,
)

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
RESET = next(t for t in TEMPLATES if t["name"] == "Reset AD user password")


def p(key: str, type_: str, **extra: object) -> dict[str, object]:
    return {"key": key, "label": key.title(), "type": type_, **extra}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jsmith", "'jsmith'"),
        ("O'Brien", "'O''Brien'"),
        ("it\u2019s", "'it\u2019\u2019s'"),
        ("\u2018a\u201ab\u201b", "'\u2018\u2018a\u201a\u201ab\u201b\u201b'"),
        ('$(calc) `x` "q"', "'$(calc) `x` \"q\"'"),
    ],
)
def test_text_becomes_single_quoted_with_every_single_quote_character_doubled(text: str, expected: str) -> None:
    assert ps_literal(text) == expected


def test_each_type_reports_a_clear_message_per_field() -> None:
    schema = [
        p("user", "sam_account_name"),
        p("upn", "upn"),
        p("host", "hostname"),
        p("ou", "ou_path"),
        p("group", "group_name"),
        p("count", "int", min=1, max=10),
        p("flag", "bool"),
        p("mode", "choice", choices=["Known", "All"]),
        p("note", "string", max_length=5),
        p("share", "unc_path"),
    ]
    values = {
        "user": "CONTOSO\\jsmith",
        "upn": "jsmith",
        "host": "pc_01",
        "ou": "OU=Staff",
        "group": "Finance;HR",
        "count": "11",
        "flag": "maybe",
        "mode": "all",
        "note": "line one\nline two",
        "share": "C:\\temp",
    }
    with pytest.raises(InvalidParameters) as exc:
        validate_values(schema, values)
    assert exc.value.errors == {
        "user": "User must be the logon name alone, without DOMAIN\\ or @domain (e.g. jsmith).",
        "upn": "Upn must be a user principal name like jane.doe@contoso.com.",
        "host": "Host must be a host name like PC-0042 or fs01.contoso.local (letters, digits, '-' and '.').",
        "ou": "Ou must end with the domain, e.g. ,DC=contoso,DC=local.",
        "group": 'Group must be a group name of up to 64 characters without " / \\ [ ] : ; | = , + * ? < > @.',
        "count": "Count must be between 1 and 10.",
        "flag": "Flag must be yes or no.",
        "mode": "Mode must be one of: Known, All.",
        "note": "Note must be a single line of plain text; it contains a line break (U+000A).",
        "share": "Share must be a UNC path like \\\\fs01\\finance.",
    }


def test_valid_values_are_typed_and_trimmed() -> None:
    schema = [p("user", "sam_account_name"), p("count", "int"), p("flag", "bool"), p("ou", "ou_path")]
    typed = validate_values(
        schema, {"user": " jsmith ", "count": "0042", "flag": "no", "ou": "OU=Sales\\, EMEA,DC=x,DC=com"}
    )
    assert typed == {"user": "jsmith", "count": 42, "flag": False, "ou": "OU=Sales\\, EMEA,DC=x,DC=com"}


def test_required_value_missing_and_default_used() -> None:
    schema = [p("user", "sam_account_name"), p("port", "int", default=443)]
    with pytest.raises(InvalidParameters) as exc:
        validate_values(schema, {})
    assert exc.value.errors == {"user": "User is required."}
    assert validate_values(schema, {"user": "a"}) == {"user": "a", "port": 443}


def test_template_with_unknown_placeholder_or_unused_key_is_refused() -> None:
    errors = check_template("$A = {{ a }}\n$B = {{ b }}", [p("a", "string"), p("c", "string")])
    assert errors == [
        "The placeholder {{ b }} has no parameter in the schema.",
        "The parameter 'c' is never used in the body.",
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('Write-Host "Hello {{ a }}"', "is inside a quoted string"),
        ("Write-Host 'Hello {{ a }}'", "is inside a quoted string"),
        ("# for {{ a }}\n", "is inside a comment"),
        ("<# {{ a }} #>", "is inside a comment"),
        ('@"\n{{ a }}\n"@', "is inside a here-string"),
        ("$x{{ a }}", "is glued to the text before it ('x')"),
        ("Get-X -Name {{ a }}.txt", "is glued to the text after it ('.')"),
    ],
)
def test_placeholder_where_a_value_cannot_stand_alone_is_refused(body: str, reason: str) -> None:
    assert check_template(body, [p("a", "string")]) == [
        f"The placeholder {{{{ a }}}} {reason}; put it where a value stands on its own."
    ]


def test_schema_errors_are_listed() -> None:
    with pytest.raises(InvalidTemplate) as exc:
        render("{{ a }} {{ b }}", [p("a", "colour"), p("b", "choice")], {}, template_name="x")
    assert exc.value.errors == [
        "Parameter 'a': unknown type 'colour' (allowed: string, int, bool, choice, sam_account_name, upn, email, "
        "hostname, ou_path, group_name, unc_path, secure_string).",
        "Parameter 'b': a choice needs a non-empty list of choices.",
    ]


def test_rendered_script_has_header_with_secret_masked_and_no_secret_in_body() -> None:
    rendered = render(
        RESET["body"],
        RESET["parameters_schema"],
        {"identity": "o.brien", "new_password": "Winter2026!", "must_change": "yes"},
        template_name=RESET["name"],
        session_id="6f1c1b8e-3f7a-4d0b-9a55-0d1f7c1e2a10",
        user_name="Jane Admin",
        now=NOW,
    )
    assert rendered.script.splitlines()[:11] == [
        "# " + "-" * 70,
        "# Generated by FlowPilot Script Assist",
        "# Template:   'Reset AD user password'",
        "# Session:    '6f1c1b8e-3f7a-4d0b-9a55-0d1f7c1e2a10'",
        "# User:       'Jane Admin'",
        "# Generated:  2026-11-24 09:30 UTC",
        "# Parameters:",
        "#   identity = 'o.brien'",
        f"#   new_password = {SECRET_MASK}",
        "#   must_change = $true",
        "# " + "-" * 70,
    ]
    assert "Winter2026!" not in rendered.script
    assert "$NewPassword = (Read-Host -AsSecureString -Prompt 'New password')" in rendered.script
    assert "$MustChange = $true" in rendered.script
    assert rendered.parameters == {"identity": "o.brien", "new_password": SECRET_MASK, "must_change": True}


def test_header_stays_comment_when_names_carry_line_breaks() -> None:
    rendered = render(
        "$A = {{ a }}",
        [p("a", "string")],
        {"a": "x"},
        template_name="Evil\n#> Start-Process calc",
        user_name="Mallory\r\nRemove-Item C:\\",
        now=NOW,
    )
    lines = rendered.script.splitlines()
    assert lines[2] == "# Template:   'Evil #> Start-Process calc'"
    assert lines[4] == "# User:       'Mallory  Remove-Item C:\\'"
    assert all(line.startswith("#") for line in lines[:9])
    assert lines[-1] == "$A = 'x'"


def test_downloaded_file_carries_a_bom_so_windows_powershell_reads_utf8() -> None:
    rendered = render("$A = {{ a }}", [p("a", "string")], {"a": "đ; calc; đ"}, template_name="x", now=NOW)
    data = script_file_bytes(rendered.script)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode("utf-8") == rendered.script
    # Without the BOM, the ANSI reading would put a typographic quote into the literal: the reason for the BOM.
    assert "\u2018" in data[3:].decode("cp1252", errors="replace")
