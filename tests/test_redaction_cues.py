"""People, companies and accounts named without a field label are redacted by where they stand; instructions,
products, versions and models in the same places are left (pure functions, exact outputs)."""

from __future__ import annotations

import pytest

from benchmarks import pii_probe
from core.llm.redaction import redact


def test_a_pasted_email_hides_sender_cc_and_signature() -> None:
    text = (
        "From: Eitan Ben-David <eitan.bendavid@riverside.example>\n"
        "Cc: Dr Amara Nwosu <a.nwosu@riverside.example>\n"
        "Hi team, the Zebra ZD421 prints blank labels. Amara already power-cycled it.\n"
        "Kind regards,\n"
        "Eitan Ben-David | Lab Manager | Riverside Pathology Partners | 020 7946 0321"
    )
    assert redact(text).text == (
        "From: <PERSON_1> <<EMAIL_1>>\n"
        "Cc: Dr <PERSON_2> <<EMAIL_2>>\n"
        "Hi team, the Zebra ZD421 prints blank labels. <PERSON_3> already power-cycled it.\n"
        "Kind regards,\n"
        "<PERSON_1> | Lab Manager | <COMPANY_1> | <PHONE_1>"
    )


def test_chat_speakers_greetings_objects_possessives_and_titles_are_people() -> None:
    text = (
        "[10:42] Priya: VPN fails\n"
        "[10:43] Ravi (Service Desk): Hi Priya, which machine?\n"
        "Spoke with Mrs Adeyemi, cc'd Jean-Luc. Ahmed's laptop is jsmith-pc. Fatima is remote."
    )
    assert redact(text).text == (
        "[10:42] <PERSON_1>: VPN fails\n"
        "[10:43] <PERSON_2> (Service Desk): Hi <PERSON_1>, which machine?\n"
        "Spoke with Mrs <PERSON_3>, cc'd <PERSON_4>. <PERSON_5>'s laptop is <HOST_1>. <PERSON_6> is remote."
    )


def test_companies_by_legal_form_or_the_word_they_end_in_and_accounts_after_their_labels() -> None:
    text = (
        "Kylie at Wattle Creek Dental Pty Ltd rang. Hoshino Seiki K.K. and Fenwick & Sons both use it.\n"
        'runas /user:KESTREL\\adm.dvolkov; Account Name: mrashid; user="b.okonkwo"; Get-ADUser -Identity mlcheng'
    )
    assert redact(text).text == (
        "<PERSON_1> at <COMPANY_1> rang. <COMPANY_2> and <COMPANY_3> both use it.\n"
        'runas /user:<USER_1>; Account Name: <USER_2>; user="<USER_3>"; Get-ADUser -Identity <USER_4>'
    )


@pytest.mark.parametrize(
    "kept",
    [
        "Open Event Viewer at Applications and Services Logs",
        "escalated to Tier 2 and assigned to Second Line",
        "Forward to Accounts Payable",
        "Hi team, Outlook is slow.",
        "Kind regards,\nIT Support Team",
        "It's Defender blocking it; this is Autopilot ESP",
        "Monday's update broke Adobe Acrobat Reader DC's cache",
        "Run Get-ADUser -Identity $user",
        "Datto RMM agent 4.2.1.9, dock firmware 1.0.18.0, driver rolled back to 22.250.1.2",
        "Epson TM-T20III and Intel(R) Ethernet Connection (16) I219-LM",
        "nslookup -type=mx example.com 8.8.8.8 and time.windows.com",
        "Then Check Point says the tunnel is down",
    ],
)
def test_instructions_products_versions_and_models_in_the_same_places_stay(kept: str) -> None:
    assert redact(kept).text == kept


def test_pasted_exports_hide_what_their_columns_and_keys_name() -> None:
    text = (
        "Device name,Primary user UPN,Serial number\n"
        "TAKAHE-LT-22,aroha.ngata@takahe.example,PF3ABC12\n"
        "\n"
        "Name                 SamAccountName LastLogonDate\n"
        "----                 -------------- -------------\n"
        "Aino Virtanen        avirtanen      14/11/2023 08:02:11\n"
        "\n"
        " USERNAME              SESSIONNAME        ID  STATE\n"
        ">adaeze.nwosu          rdp-tcp#14          3  Active\n"
        "\n"
        '<Data Name="TargetUserName">lfitzgerald</Data> {"userDisplayName": "Min-jun Park", "appDisplayName": "Teams"}'
    )
    assert redact(text).text == (
        "Device name,Primary user UPN,Serial number\n"
        "<HOST_1>,<EMAIL_1>,<SERIAL_1>\n"
        "\n"
        "Name                 SamAccountName LastLogonDate\n"
        "----                 -------------- -------------\n"
        "<PERSON_1>        <USER_1>      14/11/2023 08:02:11\n"
        "\n"
        " USERNAME              SESSIONNAME        ID  STATE\n"
        "><USER_2>          rdp-tcp#14          3  Active\n"
        "\n"
        '<Data Name="TargetUserName"><USER_3></Data> {"userDisplayName": "<PERSON_2>", "appDisplayName": "Teams"}'
    )
    # A plain "Name" column is a person's only beside columns of people: Get-Process lists processes.
    processes = "Name       Id\n----       --\nOUTLOOK    4242\nTeams      5151"
    assert redact(processes).text == processes


def test_the_probe_written_without_looking_at_the_redactor_leaks_nine_values_and_damages_no_fact() -> None:
    figures = pii_probe.measure()
    assert (sum(figures["planted"].values()), sum(figures["leaked"].values())) == (267, 9)
    assert (figures["kept"], figures["damaged"]) == (377, 0)
    # What is left: names written in lower case, initials, a name that is also a word, one in French prose, and
    # a name in Japanese script beside its reading.
    assert sorted(value for _item, _kind, value in figures["leaks"]) == sorted(
        ["tomasz", "Jean-Luc", "田中", "KD", "sione", "zofia k.", "pomorskie okna", "Grace", "Will Sterling"]
    )


def test_a_caller_typed_in_lower_case_before_from_and_their_company() -> None:
    # A phone number after the comma, or a person's verb after the company, says a caller is named.
    assert redact("desmond achebe-lindahl from cobbleford physiotherapy, (617) 555-0146 - teams hasnt rung").text == (
        "<PERSON_1> from <COMPANY_1>, <PHONE_1> - teams hasnt rung"
    )
    assert redact("ngozi from accounts says the calendar is stale").text == (
        "<PERSON_1> from accounts says the calendar is stale"  # a department is no company
    )
    # Or a company's legal form, after "at" as after "from".
    assert redact("ilse brandstätter at salzachtal druckerei gmbh: nobody can scan").text == (
        "<PERSON_1> at <COMPANY_1>: nobody can scan"
    )
    # Without those, lower-case words before "from" are what a note says (real helpdesk comments among them).
    for kept in [
        "reopened from new path, sync ok",
        "copied from the old share, works",
        "desmond from cobbleford, teams hasnt rung",
        "as seen from the response message below:",
        "necessary jar from production has been collected",
        "public key from the vendor is obtained",
        "stuck at login screen: yes",
        "mapped drive at home office, works",
    ]:
        assert redact(kept).text == kept


def test_a_serial_after_a_lower_case_sn_and_a_caller_with_their_company_in_brackets() -> None:
    assert redact("auto tz on. sn 038476152953").text == "auto tz on. sn <SERIAL_1>"
    result = redact("Piotr Wiśniewski-Lang (Wiślanka Trade) rang about PDF previews")
    assert result.text.endswith(" rang about PDF previews")
    assert set(result.mapping.values()) == {"Piotr Wiśniewski-Lang", "Wiślanka Trade"}
    assert redact("Anna Berg (IT) called").text == "<PERSON_1> (IT) called"
    assert redact("Outlook (classic) rang twice").text == "Outlook (classic) rang twice"
    # An acronym's plural after a caller's verb is what they rang about.
    assert redact("Piotr rang - PDFs will not preview").text == "<PERSON_1> rang - PDFs will not preview"


def test_the_scenario_sets_troubleshooting_texts_pass_unchanged_but_for_a_few_that_name_a_path_or_host() -> None:
    """Every question, option, action and fix of the nine scenario sets that plants no personal value, redacted on
    its own: what changes is a folder under C:\\Users (twice), a DOMAIN\\user, a /user: account, two host names
    written in instructions (pool.ntp.org, rds-fs) and an internal address."""
    from benchmarks import scenarios
    from core.trees import iter_nodes, node_text

    texts: set[str] = set()
    for name in scenarios.SETS:
        data = scenarios.load_set(name)
        planted = [v.casefold() for values in scenarios.planted_pii(data).values() for v in values]
        found: set[str] = set()
        for problem in data.NEW_PROBLEMS:
            for path in problem["paths"]:
                for step in path:
                    found.add(step[1])
                    if step[0] == "ask":
                        found.update([*step[2], step[3]])
            found.update(problem["resolutions"])
        for flow in data.FLOWS:
            for node, _parent, _depth in iter_nodes(flow["tree"]):
                found.update([node_text(node), node.get("label") or ""])
        texts |= {t for t in found if t and not any(v in t.casefold() for v in planted)}
    changed = sorted(t for t in texts if redact(t).text != t)
    assert len(texts) == 1999
    assert [t[:40] for t in changed] == [
        "An internal IP - 10.20.0.15, the old Exc",
        "Can the scan account sign in (net use \\\\",
        "Is the Desktop location local (C:\\Users\\",
        "Length of the local path (C:\\Users\\...\\f",
        "Sign in as DOMAIN\\user or user@domain an",
        "Turn off the time sync integration servi",
        "yes, \\\\rds-fs\\profiles",
    ]


def test_the_second_probe_written_later_by_another_hand() -> None:
    """Measured first as written (71 of 233 planted values left, 10 of 309 facts damaged), then read for what it
    showed: tables and exports, chats with dates, invitations, quoted authors, fields in other languages."""
    figures = pii_probe.measure(pii_probe.PROBE_2_PATH)
    assert (sum(figures["planted"].values()), sum(figures["leaked"].values())) == (233, 26)
    assert (figures["kept"], figures["damaged"]) == (309, 2)
