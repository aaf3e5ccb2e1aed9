"""The demo's flow files: what the loader builds from them, and the errors a bad entry gets."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from demo.flows import Escape, load_catalogue, read_flow

PRINTER = {
    "key": "printer_jam",
    "name": "Printer jam",
    "domain": "printers",
    "description": "Paper jam that comes back.",
    "keywords": ["jam", "paper"],
    "intakes": [{"subject": "Printer jammed", "description": "Tray 2 jams on every job."}],
    "tree": {
        "type": "question",
        "question": "Where does the paper stop?",
        "escapes": [
            {"answer": "It prints blank pages", "actions": ["Replaced the toner"], "resolution": "Toner was empty."}
        ],
        "children": [
            {
                "label": "In the tray",
                "type": "action",
                "action": "Clear the tray and fan the paper.",
                "script": "Clear print queue",
                "children": [{"label": "Prints", "type": "solution", "solution": "Paper was stuck together."}],
            },
            {
                "label": "In the fuser",
                "type": "question",
                "question": "Is the fuser hot?",
                "weak": True,
                "escapes": [
                    {
                        "answer": "There is no fuser door",
                        "actions": ["Called the vendor"],
                        "resolution": "Vendor visit booked.",
                        "free_text": False,
                    }
                ],
                "children": [
                    {"label": "Yes", "type": "solution", "solution": "Let it cool, then open the rear door."},
                    {"label": "No", "type": "solution", "solution": "Fuser fault: call the vendor."},
                ],
            },
        ],
    },
}


def _flow(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(PRINTER)
    data.update(changes)
    return data


def test_a_flow_entry_becomes_a_numbered_tree_with_its_markers_lifted_out() -> None:
    flow = read_flow(_flow(weight=1.5), "printers.json")

    assert flow.tree == {
        "id": "q1",
        "type": "question",
        "question": "Where does the paper stop?",
        "children": [
            {
                "id": "a1",
                "label": "In the tray",
                "type": "action",
                "action": "Clear the tray and fan the paper.",
                "children": [
                    {"id": "s1", "label": "Prints", "type": "solution", "solution": "Paper was stuck together."}
                ],
            },
            {
                "id": "q2",
                "label": "In the fuser",
                "type": "question",
                "question": "Is the fuser hot?",
                "children": [
                    {
                        "id": "s2",
                        "label": "Yes",
                        "type": "solution",
                        "solution": "Let it cool, then open the rear door.",
                    },
                    {"id": "s3", "label": "No", "type": "solution", "solution": "Fuser fault: call the vendor."},
                ],
            },
        ],
    }
    assert list(flow.tree) == ["id", "type", "question", "children"]
    assert list(flow.tree["children"][0]) == ["id", "label", "type", "action", "children"]
    assert flow.escapes == {
        "q1": [Escape("It prints blank pages", ("Replaced the toner",), "Toner was empty.", True)],
        "q2": [Escape("There is no fuser door", ("Called the vendor",), "Vendor visit booked.", False)],
    }
    assert flow.weak_node == "q2"
    assert flow.intakes == [("Printer jammed", "Tray 2 jams on every job.")]
    assert (flow.key, flow.domain, flow.keywords, flow.weight) == ("printer_jam", "printers", ["jam", "paper"], 1.5)


def test_weight_defaults_to_one_and_no_weak_marker_means_no_weak_question() -> None:
    data = _flow()
    del data["tree"]["children"][1]["weak"]

    flow = read_flow(data)

    assert (flow.weight, flow.weak_node) == (1.0, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["tree"]["children"][0].update(scripts="Clear print queue"),
            "printers.json: flow 'printer_jam': node a1: unknown keys ['scripts']",
        ),
        (
            lambda d: d["tree"]["children"][0].update(weak=True),
            "printers.json: flow 'printer_jam': node a1: 'weak' is for question nodes only",
        ),
        (
            lambda d: d["tree"].update(weak=True),
            "printers.json: flow 'printer_jam': one weak question at most, not ['q1', 'q2']",
        ),
        (
            lambda d: d["tree"]["children"][1]["escapes"][0].pop("resolution"),
            "printers.json: flow 'printer_jam': node q2: escape: missing keys ['resolution']",
        ),
        (lambda d: d.pop("intakes"), "printers.json: flow 'printer_jam': missing keys ['intakes']"),
        (
            lambda d: d.update(history="imported"),
            "printers.json: flow 'printer_jam': history must be one of ('enhanced', 'generated'), not 'imported'",
        ),
        (
            lambda d: d["tree"]["children"][1]["children"].pop(),
            "printers.json: flow 'printer_jam' is invalid: [\"node 'q2': a question needs 2–5 options, it has 1\"]",
        ),
    ],
)
def test_a_bad_entry_is_refused_with_where_it_is(change, message: str) -> None:
    data = _flow()
    change(data)

    with pytest.raises(ValueError) as error:
        read_flow(data, "printers.json")

    assert str(error.value) == message


def _write(folder: Path, name: str, flows: list[dict[str, Any]]) -> None:
    (folder / "flows").mkdir(exist_ok=True)
    (folder / "flows" / name).write_text(json.dumps(flows), encoding="utf-8")


def test_the_catalogue_reads_files_in_name_order_with_histories_and_procedures(tmp_path: Path) -> None:
    _write(tmp_path, "b.json", [_flow(key="late", history="generated")])
    _write(tmp_path, "a.json", [_flow(key="first"), _flow(key="second", history="enhanced")])
    procedure = {"key": "p", "name": "P", "domain": "d", "description": "", "keywords": [], "tree": {"steps": []}}
    (tmp_path / "procedures.json").write_text(json.dumps([procedure]), encoding="utf-8")

    cat = load_catalogue(tmp_path)

    assert [f.key for f in cat.flows] == ["first", "second", "late"]
    assert (cat.enhanced, cat.generated, cat.procedures) == (("second",), ("late",), [procedure])


def test_a_key_used_twice_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.json", [_flow()])
    _write(tmp_path, "b.json", [_flow()])
    (tmp_path / "procedures.json").write_text("[]", encoding="utf-8")

    with pytest.raises(ValueError, match=r"^b\.json: flow 'printer_jam' is in the catalogue twice$"):
        load_catalogue(tmp_path)


def test_the_shipped_catalogue() -> None:
    cat = load_catalogue()

    assert len(cat.flows) == 30
    assert [f.key for f in cat.flows][:2] == ["ad_lockout", "ad_password_reset"]
    assert sorted(cat.enhanced) == ["exchange_ost", "m365_onedrive", "net_dns", "vpn_no_resources"]
    assert sorted(cat.generated) == ["backup_restore", "exchange_shared_mailbox", "net_mapped_drive"]
    assert [p["key"] for p in cat.procedures] == ["ad_offboarding"]
    assert all(len(f.escapes) == 1 for f in cat.flows)
    assert [(f.key, f.weak_node) for f in cat.flows if f.weak_node] == [("vpn_client_error", "q2")]
