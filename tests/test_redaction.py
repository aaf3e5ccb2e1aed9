"""Redaction of personal and customer data (no database)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core.llm.redaction import PLACEHOLDER_RE, Redacted, redact, restore

# The project's shared material lies beside the repository (../shared), on developer machines and in CI.
TICKETS = Path(__file__).resolve().parents[2] / "shared/reference/tickets/it_service_ticket_classification_subset.csv"
# Help-desk comments in which the dataset replaced personal data by ph_name, ph_user, ph_technical ...
UTTERANCES = Path(__file__).resolve().parents[2] / "shared/reference/tickets/mendeley_helpdesk_sample_utterances.csv"

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


def test_on_real_helpdesk_comments_only_the_datasets_own_masks_in_a_field_are_redacted() -> None:
    if not UTTERANCES.exists():
        pytest.skip(f"reference utterances not found at {UTTERANCES}")
    rows = list(csv.DictReader(UTTERANCES.open(encoding="utf-8")))
    assert len(rows) > 30000
    results = [redact(r["actionbody"]) for r in rows]
    tokens = sum(len(PLACEHOLDER_RE.findall(result.text)) for result in results)
    values = [value for result in results for value in result.mapping.values()]
    # "host name: ph_technical", "username: ph_name", "ios customer: ph_link" ...: a field's value, masked already.
    assert (tokens, len(values)) == (8, 7) and all(value.startswith("ph_") for value in values)
    assert [r["actionbody"] for r in rows[:2000] if redact(r["actionbody"]).mapping] == []


@pytest.mark.parametrize(
    ("host", "text"),
    [
        ("nw-lt-0519", "Outlook hangs on nw-lt-0519 after the update"),
        ("NW-LT-0519", "Outlook hangs on NW-LT-0519 after the update"),
        ("Contoso-SQL01", "Outlook hangs on Contoso-SQL01 after the update"),
        ("laptop-7h2k9", "Outlook hangs on laptop-7h2k9 after the update"),
        ("srv-01", "Outlook hangs on srv-01 after the update"),
        ("lon-dc-1", "Outlook hangs on lon-dc-1 after the update"),
        ("lit-lt-2209", "Outlook hangs on lit-lt-2209 after the update"),
        ("cle-surface-11", "Outlook hangs on cle-surface-11 after the update"),
        ("fs01.corp.contoso.local", "Outlook hangs on fs01.corp.contoso.local after the update"),
        ("FS01.CORP.CONTOSO.LOCAL", "Outlook hangs on FS01.CORP.CONTOSO.LOCAL after the update"),
    ],
)
def test_host_names_in_any_case(host: str, text: str) -> None:
    assert redact(text) == Redacted("Outlook hangs on <HOST_1> after the update", {"<HOST_1>": host})


INTAKE = (
    "subject: VPN drops every hour\n"
    "description: Kevin says the VPN drops; kevin-laptop was reimaged. Tailspin Toys has 40 users on it.\n"
    "requester: Kevin Wong <kwong@tailspin.example>\n"
    "device: kevin-laptop\n"
    "customer: Tailspin Toys\n"
    "Serial: 5CD1234XYZ, asset tag: 00456781\n"
    "Reported by Maria Lopez; contact: tom brown; user: jdoe; computer: PC-ANNA, hostname=ws042"
)


def test_intake_fields_name_hosts_people_companies_and_serials_wherever_they_recur() -> None:
    result = redact(INTAKE)
    assert result.text == (
        "subject: VPN drops every hour\n"
        "description: <PERSON_1> says the VPN drops; <HOST_1> was reimaged. <COMPANY_1> has 40 users on it.\n"
        "requester: <PERSON_2> <<EMAIL_1>>\n"
        "device: <HOST_1>\n"
        "customer: <COMPANY_1>\n"
        "Serial: <SERIAL_1>, asset tag: <SERIAL_2>\n"
        "Reported by <PERSON_3>; contact: <PERSON_4>; user: <USER_1>; computer: <HOST_3>, hostname=<HOST_2>"
    )
    assert result.mapping == {
        "<EMAIL_1>": "kwong@tailspin.example",
        "<SERIAL_1>": "5CD1234XYZ",
        "<SERIAL_2>": "00456781",
        "<HOST_1>": "kevin-laptop",
        "<HOST_2>": "ws042",
        "<HOST_3>": "PC-ANNA",
        "<PERSON_1>": "Kevin",
        "<PERSON_2>": "Kevin Wong",
        "<PERSON_3>": "Maria Lopez",
        "<PERSON_4>": "tom brown",
        "<USER_1>": "jdoe",
        "<COMPANY_1>": "Tailspin Toys",
    }
    assert restore(result.text, result.mapping) == INTAKE


def test_a_requester_written_without_a_colon_and_the_company_after_the_name_are_hidden() -> None:
    text = "Requester Yetunde Okafor, Silverpine Pharmacy, 555 218 6650, SPP-DISP-02. Clicking the drive opens it."
    assert redact(text) == Redacted(
        "Requester <PERSON_1>, <COMPANY_1>, <PHONE_1>, <HOST_1>. Clicking the drive opens it.",
        {
            "<PERSON_1>": "Yetunde Okafor",
            "<COMPANY_1>": "Silverpine Pharmacy",
            "<PHONE_1>": "555 218 6650",
            "<HOST_1>": "SPP-DISP-02",
        },
    )
    # Without a capital after it, "requester" is a word of the sentence; "user" never takes a name this way.
    for plain in ["The requester says it fails.", "User Account Control prompts; open Computer Management."]:
        assert redact(plain) == Redacted(plain, {})


def test_field_values_that_are_ordinary_words_are_left() -> None:
    text = (
        "Client: Outlook 2016; User: Please reset my password; Customer: cannot print; Device: laptop; user: admin\n"
        "Mail client: Thunderbird 115; VPN client: AnyConnect; host: smtp.office365.com; Host: localhost"
    )
    assert redact(text) == Redacted(text, {})


def test_known_people_and_companies_with_their_parts_but_not_common_words() -> None:
    text = (
        "Oliver Grant escalated to Marcus; Grant the user Full Access, then Oliver checks. "
        "Wingtip Toys Ltd and Wingtip Toys both call. Ask Reed."
    )
    result = redact(text, company_names=["Wingtip Toys Ltd"], people=["Oliver Grant", "Marcus Reed"])
    # "escalated to Marcus" names him on its own, so he is numbered first.
    assert result.text == (
        "<PERSON_2> escalated to <PERSON_1>; Grant the user Full Access, then <PERSON_3> checks. "
        "<COMPANY_1> and <COMPANY_2> both call. Ask <PERSON_4>."
    )
    assert [result.mapping[f"<PERSON_{n}>"] for n in (1, 2, 3, 4)] == ["Marcus", "Oliver Grant", "Oliver", "Reed"]
    assert (result.mapping["<COMPANY_1>"], result.mapping["<COMPANY_2>"]) == ("Wingtip Toys Ltd", "Wingtip Toys")


def test_a_later_call_with_the_mapping_still_hides_names_found_earlier() -> None:
    intake = redact("requester: Kevin Wong\ndevice: fileserver\ncustomer: Adatum")
    later = redact("Kevin Wong rebooted fileserver for ADATUM", known=intake.mapping)
    assert later.text == "<PERSON_1> rebooted <HOST_1> for <COMPANY_1>"


@pytest.mark.parametrize(
    "text",
    [
        "Outlook, Intune, Autopilot, Windows 11 24H2, Office 365 E3, Microsoft 365 Apps 2408, Teams 24004.1307.2669.7070",
        "Intune enrolment fails with 0x80180014; NDR 550 5.1.10 and 554 5.7.1; AADSTS50076; HRESULT 0x8004010F",
        "KB5034441 and KB5036893 installed; build 10.0.19045.3803; PowerShell 7.4; Chrome 120.0.6099.110",
        "The e-mail sign-in fails; re-install the Wi-Fi driver, check the log-in page and the follow-up",
        "windows-11, covid-19, utf-8, sha-256, x86-64, tls-1.2, aes-256-gcm, win10-x64, wpa2-enterprise, log4j-core",
        "i7-8650U, XPS-13, RJ-45, Cat-6, DDR4-3200, Q1-2024, feb-22, version-22h2, event-1001, room-012",
        "GUID a3f1c2a9-4b7d-4c1e-9a3f-2d5e8b7c1a01, setup-x64.exe, CVE-2024-21413, INC0012345, RITM0012345",
        "Run DISM /Online /Cleanup-Image /RestoreHealth, then Set-MailboxFolderPermission and Get-ADUser",
        "Grant the user Full Access. Will it work? Mark as done in May. White screen after the serial port check.",
        "Open the Admin Center; the Service Desk and FlowPilot Support answer within the hour.",
    ],
)
def test_troubleshooting_knowledge_is_not_redacted(text: str) -> None:
    people = ["Oliver Grant", "Emma White", "Will Turner", "Admin", "Service Desk", "FlowPilot Support"]
    assert redact(text, people=people) == Redacted(text, {})


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Greyfriars Books Ltd, +353 1 555 0142", "Greyfriars Books Ltd"),
        ("We called Tailspin Toys, Inc. about it", "Tailspin Toys, Inc."),
        ("Litware Engineering KK reports the outage", "Litware Engineering KK"),
        ("Fabrikam Legal LLP cannot print", "Fabrikam Legal LLP"),
    ],
)
def test_a_company_named_with_its_legal_form_is_hidden_without_a_field(text: str, company: str) -> None:
    result = redact(text)
    assert company not in result.text and result.mapping["<COMPANY_1>"] == company


def test_example_server_names_in_unc_paths_stay_and_real_ones_go() -> None:
    text = r"Type \\server\share or \\fileserver\finance in Explorer; the real one is \\qgl-fs02\finance."
    result = redact(text)
    assert (
        result.text == r"Type \\server\share or \\fileserver\finance in Explorer; the real one is \\<HOST_1>\finance."
    )
    assert result.mapping == {"<HOST_1>": "qgl-fs02"}


def test_a_phone_with_an_extension_and_an_identifier_named_after_its_device_are_redacted() -> None:
    text = "Phone: 555-0147 ext 22. Laptop R91JW7KP won't sync; on PC ab12-x7 too. Call 555-0147 x22."
    result = redact(text)
    assert result.text == ("Phone: <PHONE_1>. Laptop <SERIAL_1> won't sync; on PC <HOST_1> too. Call <PHONE_2>.")
    assert result.mapping == {
        "<PHONE_1>": "555-0147 ext 22",
        "<SERIAL_1>": "R91JW7KP",
        "<HOST_1>": "ab12-x7",
        "<PHONE_2>": "555-0147 x22",
    }
    assert redact("her Latitude 9JKL2V3, his ThinkPad PF3WD6TB and her Surface 058213794651").text == (
        "her Latitude <SERIAL_1>, his ThinkPad <SERIAL_2> and her Surface <SERIAL_3>"
    )
    # Models, updates, codes and sizes after a device word stay: they are troubleshooting facts.
    for kept in (
        "ThinkPad T14s Gen 3",
        "EliteBook 840 G9",
        "MacBook Air M2",
        "Laptop T14s Gen 3",
        "laptop Latitude 7440",
        "laptop KB5034441 install",
        "device C004F074 error",
        "screen at 1920 x 1080",
        "version 16.0.1234 x64",
    ):
        assert redact(kept).text == kept


def test_people_named_in_ticket_prose_and_model_numbered_hosts_and_service_tags_are_redacted() -> None:
    text = (
        "description: Dashiell Okonkwo-Reyes from Marrowby Dental Partners on mdp-x13-219: Stock.xlsx is locked for "
        "editing by Yevheniia Kovalenko. Latitude, tag 7TRL4Q3."
    )
    result = redact(text)
    assert result.text == (
        "description: <PERSON_1> from <COMPANY_1> on <HOST_1>: Stock.xlsx is locked for editing by <PERSON_2>. "
        "Latitude, tag <SERIAL_1>."
    )
    assert result.mapping == {
        "<PERSON_1>": "Dashiell Okonkwo-Reyes",
        "<COMPANY_1>": "Marrowby Dental Partners",
        "<HOST_1>": "mdp-x13-219",
        "<PERSON_2>": "Yevheniia Kovalenko",
        "<SERIAL_1>": "7TRL4Q3",
    }
    # Products, vendors and screens in the same places name no one; a tag without digits is a word.
    for kept in (
        "File opened by Microsoft Defender during a scan",
        "locked for editing by another user",
        "Windows Update from WSUS fails",
        "Teams Rooms from Logitech on the wall",
        "Tech Support from Dell says the board is faulty",
        "Sent from Outlook on iPhone",
        "tag the mailbox for review",
        "lon-dc-1 and windows-11-23h2",
    ):
        assert redact(kept).text == kept.replace("lon-dc-1", "<HOST_1>")
