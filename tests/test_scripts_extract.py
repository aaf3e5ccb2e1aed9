"""Offline suggestion on realistic session texts: the template chosen, each value and the sentence it came from."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from core.scripts.extract import Source, confidence, prefill, rank_templates, sentences, suggest_offline
from core.scripts.library import TEMPLATES

LIBRARY = [
    SimpleNamespace(
        id=f"t{i}",
        usage_count=0,
        **{k: t[k] for k in ("name", "keywords", "problem_domain", "parameters_schema", "description")},
    )
    for i, t in enumerate(TEMPLATES)
]


def suggestion_for(*texts: str, domain: str | None = None):
    return suggest_offline(LIBRARY, [Source("Engineer", t) for t in texts], domain)


@pytest.mark.parametrize(
    ("texts", "template", "values"),
    [
        (
            [
                "User CONTOSO\\jsmith is locked out after changing his password on his phone.",
                "He can't sign in to PC-0042.",
            ],
            "Unlock AD account",
            {"identity": "jsmith"},
        ),
        (
            ['Please add Maria (maria.lopez@contoso.com, logon mlopez) to the "Finance-Share-RW" group.'],
            "Add user to AD group",
            {"identity": "mlopez", "group": "Finance-Share-RW"},
        ),
        (
            ["Sarah needs full access to the shared mailbox sales@contoso.com. Her UPN is sarah.k@contoso.com."],
            "Grant mailbox permission",
            {"mailbox": "sales@contoso.com", "delegate": "sarah.k@contoso.com", "access_rights": "FullAccess"},
        ),
        (
            ["The printer 'HP-4F-Finance' on print server PRN01 has 40 jobs stuck in the queue."],
            "Clear print queue",
            {"computer": "PRN01", "printer": "HP-4F-Finance"},
        ),
        (
            ["Cannot reach \\\\fs02.contoso.local\\projects from LAPTOP-7H2K9; the mapped drive shows disconnected."],
            "Test network path",
            {"share_path": "\\\\fs02.contoso.local\\projects", "server": "fs02.contoso.local"},
        ),
        (
            ["Offboarding: disable user tbrown and move him to OU=Disabled Users, DC=contoso, DC=local today."],
            "Disable departed user and move to OU",
            {"identity": "tbrown", "target_ou": "OU=Disabled Users,DC=contoso,DC=local"},
        ),
        (
            [
                "Give akhan access to the Accounts mailbox",
                "Ayesha Khan (akhan@northwind.example) needs Full Access and Send As on accounts@northwind.example.",
            ],
            "Grant mailbox permission",
            {
                "mailbox": "accounts@northwind.example",
                "delegate": "akhan@northwind.example",
                "access_rights": "FullAccess",
            },
        ),
        (
            ["Service account svc-backup locking", "NORTHWIND\\svc-backup locks every 30 minutes since the rotation."],
            "Unlock AD account",
            {"identity": "svc-backup"},
        ),
        (
            ["RDP to server APP-03 fails.", "Maybe port 3389 is blocked by the firewall."],
            "Test TCP port",
            {"target": "APP-03", "port": 3389},
        ),
    ],
)
def test_offline_suggestion_picks_template_and_values(texts: list[str], template: str, values: dict[str, Any]) -> None:
    suggestion = suggestion_for(*texts)
    assert suggestion is not None
    assert suggestion.template_name == template
    assert suggestion.values == values
    assert suggestion.generator == "offline rules"


def test_each_value_carries_its_source_sentence() -> None:
    suggestion = suggestion_for(
        "Ticket from reception: the user cannot open the finance share.",
        "Her logon is CONTOSO\\akhan and she needs the 'Finance-Share-RW' group added.",
    )
    assert suggestion is not None and suggestion.template_name == "Add user to AD group"
    assert suggestion.sources == {
        "identity": "Her logon is CONTOSO\\akhan and she needs the 'Finance-Share-RW' group added.",
        "group": "Her logon is CONTOSO\\akhan and she needs the 'Finance-Share-RW' group added.",
    }


def test_values_that_fail_their_type_are_not_prefilled() -> None:
    schema = [{"key": "identity", "label": "User", "type": "sam_account_name"}]
    values, sources = prefill(schema, ["The user averyveryverylongusername99 cannot log in."])
    assert values == {} and sources == {}


def test_one_value_is_not_used_for_two_parameters() -> None:
    grant = next(t for t in LIBRARY if t.name == "Grant mailbox permission")
    values, _ = prefill(grant.parameters_schema, ["Give sarah.k@contoso.com access to the mailbox sales@contoso.com."])
    assert values["mailbox"] == "sales@contoso.com"
    assert values["delegate"] == "sarah.k@contoso.com"


def test_domain_breaks_ties_and_unrelated_text_suggests_nothing() -> None:
    assert suggestion_for("The weather is nice and the coffee machine works.") is None
    ranked = rank_templates(LIBRARY, [Source("Summary", "Spooler keeps stopping on PC-0099")], "printers")
    assert ranked[0].template.name == "Restart print spooler"
    assert "same domain (printers)" in ranked[0].reason


def test_sentences_split_on_full_stops_and_lines() -> None:
    assert sentences([Source("x", "First one. Second one!\nThird line")]) == ["First one.", "Second one!", "Third line"]


def test_confidence_grows_with_score_and_is_capped() -> None:
    assert confidence(0) == 0.0
    assert confidence(2) < confidence(6) < confidence(40) == 0.95
