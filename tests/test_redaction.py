"""Redaction of personal and customer data (no database)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.llm.redaction import Redacted, redact, restore

# The project's shared material lies beside the repository (../shared), on developer machines and in CI.
TICKETS = Path(__file__).resolve().parents[2] / "shared/reference/tickets/it_service_ticket_classification_subset.csv"

TICKET = (
    "Hi team, jane.doe@contoso.com (UPN j.doe@contoso.onmicrosoft.com) cannot sign in to Outlook on LAPTOP-7H2K9 "
    "(10.20.30.41, MAC 00-1A-2B-3C-4D-5E). CONTOSO\\jdoe gets 0x80070005 when opening \\\\FS01.contoso.local\\share. "
    "Outlook 16.0.17928.20114, Windows 10 build 19045. Checked HKLM\\Software\\Microsoft\\Office and "
    "login.microsoftonline.com. Please call her on +44 20 7946 0958 or (555) 123-4567. "
    "Contoso Ltd approved; server name is SRV-DC01. Profile in C:\\Users\\jdoe\\AppData."
)


def test_realistic_ticket_is_fully_redacted_with_typed_placeholders() -> None:
    result = redact(TICKET, company_names=["Contoso Ltd"])
    assert result.text == (
        "Hi team, <EMAIL_1> (UPN <UPN_1>) cannot sign in to Outlook on <HOST_2> "
        "(<IP_1>, MAC <MAC_1>). <USER_2> gets 0x80070005 when opening \\\\<HOST_1>\\share. "
        "Outlook 16.0.17928.20114, Windows 10 build 19045. Checked HKLM\\Software\\Microsoft\\Office and "
        "login.microsoftonline.com. Please call her on <PHONE_1> or <PHONE_2>. "
        "<COMPANY_1> approved; server name is <HOST_3>. Profile in C:\\Users\\<USER_1>\\AppData."
    )
    assert result.mapping["<EMAIL_1>"] == "jane.doe@contoso.com"
    assert result.mapping["<UPN_1>"] == "j.doe@contoso.onmicrosoft.com"
    assert result.mapping["<USER_2>"] == "CONTOSO\\jdoe"
    assert result.mapping["<IP_1>"] == "10.20.30.41"
    assert result.mapping["<MAC_1>"] == "00-1A-2B-3C-4D-5E"
    assert result.mapping["<PHONE_1>"] == "+44 20 7946 0958"
    assert result.mapping["<HOST_3>"] == "SRV-DC01"
    assert restore(result.text, result.mapping) == TICKET


def test_same_value_gets_same_placeholder_and_known_mapping_continues_numbering() -> None:
    first = redact("Ping 192.168.1.10 then 192.168.1.10 again, then 192.168.1.11")
    assert first.text == "Ping <IP_1> then <IP_1> again, then <IP_2>"
    second = redact("Now 192.168.1.11 and 172.16.0.5 and bob@fabrikam.com", known=first.mapping)
    assert second.text == "Now <IP_2> and <IP_3> and <EMAIL_1>"
    assert second.mapping["<IP_1>"] == "192.168.1.10"


@pytest.mark.parametrize(
    "text",
    [
        "Error 0x80070005 in outlook.exe after KB5034441, TLS-1.2 and SHA-256",
        "Office build 16.0.17928.20114 on 2024-01-15 10:30, ticket 211718014",
        "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook and BUILTIN\\Administrators",
        "Go to https://outlook.office365.com and admin.microsoft.com",
        "Run ipconfig /flushdns then gpupdate /force on Windows 11",
    ],
)
def test_technical_knowledge_is_left_alone(text: str) -> None:
    assert redact(text) == Redacted(text, {})


def test_ipv6_phone_company_and_people() -> None:
    result = redact(
        "Fabrikam user Ann Lee on fe80::1ff:fe23:4567:890a calls 555-123-4567; FABRIKAM ok",
        company_names=["Fabrikam"],
        people=["Ann Lee"],
    )
    assert result.text == "<COMPANY_1> user <PERSON_1> on <IP_1> calls <PHONE_1>; <COMPANY_1> ok"


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="needs a str"):
        redact(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a placeholder"):
        redact("x", known={"EMAIL": "a@b.com"})


def test_no_false_positives_on_real_helpdesk_text() -> None:
    if not TICKETS.exists():
        pytest.skip(f"reference tickets not found at {TICKETS}")
    rows = list(csv.DictReader(TICKETS.open(encoding="utf-8")))
    assert len(rows) > 3000
    redacted = [r["Document"] for r in rows if redact(r["Document"]).mapping]
    assert redacted == []
