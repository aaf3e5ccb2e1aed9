"""The problem text keeps what went wrong and drops who reported it from where."""

from __future__ import annotations

from core.similarity.problem_text import problem_text, problem_text_from, strip_boilerplate

INTAKE = """Requester: Jane Doe
Company: Contoso Ltd
Device: LAPTOP-7F3K2
Phone: +44 20 7946 0018
Ticket #48213
Hi team,
Outlook error 0x800CCC0E when sending, call me on 07946 001 822 or jane.doe@contoso.com (INC0012345)
Thanks"""


def test_intake_lines_greetings_and_contact_fragments_are_dropped_error_codes_kept() -> None:
    assert strip_boilerplate(INTAKE) == "Outlook error 0x800CCC0E when sending, call me on or ( )"


def test_machine_names_urls_and_ticket_numbers_inside_a_sentence_are_dropped() -> None:
    text = "DESKTOP-A1B2C3 shows BSOD, see https://kb.example.com/a and ticket 51877; also WS-0231"
    assert strip_boilerplate(text) == "shows BSOD, see and ; also"


def test_problem_codes_that_look_like_numbers_survive() -> None:
    assert strip_boilerplate("NDR 550 5.1.10 and AADSTS50076, KB5034441") == "NDR 550 5.1.10 and AADSTS50076, KB5034441"


def test_problem_text_orders_the_fields_and_skips_empty_and_repeated_lines() -> None:
    text = problem_text(
        summary="VPN fails with error 809",
        symptoms=["Requester: Rahul Mehta", "Connection drops after 10 s", "", "VPN fails with error 809"],
        error_codes=["809"],
        resolution="Opened UDP 500/4500 on the firewall",
    )
    assert text == "VPN fails with error 809\nConnection drops after 10 s\n809\nOpened UDP 500/4500 on the firewall"


def test_problem_text_from_a_mapping_ignores_every_intake_field() -> None:
    session = {
        "requester": "Jane Doe",
        "device": "LAPTOP-7F3K2",
        "company": "Contoso",
        "phone": "+44 20 7946 0018",
        "ticket_number": "48213",
        "title": "Outlook keeps prompting for password",
        "symptom": "Prompt returns every 5 minutes",
        "solution": "Cleared cached credentials",
    }
    assert problem_text_from(session) == (
        "Outlook keeps prompting for password\nPrompt returns every 5 minutes\nCleared cached credentials"
    )


def test_nothing_but_boilerplate_gives_an_empty_text() -> None:
    assert problem_text(summary="Requester: Jane\nDevice: LAPTOP-1\nThanks") == ""
    assert problem_text_from({"requester": "Jane"}) == ""
