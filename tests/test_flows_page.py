"""Flows page through AppTest: library, version history, and the editor (seeded, new, editing a flow)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.auth import load_user
from core.db import session_scope
from core.models import Account, Tree
from core.review import flows
from core.trees import question_tree
from tests.factories import NOW, OUTLOOK_TREE, make_account, make_tree, make_user
from tests.review_helpers import VPN_TREE, enhancement_proposal, outlook_with_branch
from tests.test_review_page import start

SEED = {
    "title": "Teams calls drop",
    "description": "From the knowledge gap 'teams' (14 unmatched sessions).",
    "problem_domain": "teams",
    "match_keywords": ["teams", "call drops"],
    "tree_structure": question_tree(
        "Do calls drop on Wi-Fi only?", {"Yes": "Move the user to the 5 GHz band.", "No": "Update the Teams client."}
    ),
}


@pytest.fixture
def data(engine):
    with session_scope(engine) as db:
        home = make_account(db, "Contoso MSP")
        home.created_at = NOW - timedelta(days=300)
        admin = make_user(db, home, "team_admin", name="Tom Admin")
        engineer = make_user(db, home, "engineer", name="Eve Engineer")
        outlook = flows.create_flow(
            db,
            load_user(db, admin.id),
            name="Outlook credential prompts",
            tree_structure=OUTLOOK_TREE,
            problem_domain="exchange",
        )
        outlook.times_matched, outlook.success_rate = 12, 0.75
        flows.publish_version(db, load_user(db, admin.id), outlook.id, outlook_with_branch(), change_note="Phone")
        make_tree(db, home, VPN_TREE, name="VPN", problem_domain="network", times_matched=3)
        return {"admin": str(admin.id), "engineer": str(engineer.id), "outlook": str(outlook.id)}


def json_area(app):
    return next(t for t in app.text_area if t.key.startswith("flows_editor_json_"))


def node_text_area(app):
    return next(t for t in app.text_area if t.key.startswith("flows_editor_text_"))


def test_library_lists_flows_and_shows_the_version_history(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py")
    table = app.dataframe[0].value
    assert list(table["Name"]) == ["Outlook credential prompts", "VPN"]
    assert list(table["Version"]) == [2, 1]
    assert list(table["Origin"]) == ["Manual", "Manual"]
    assert list(table["Times matched"]) == [12, 3]
    assert app.selectbox(key="flows_open").value == data["outlook"]
    versions = app.selectbox(key=f"flows_version_{data['outlook']}")
    assert versions.options[0].startswith("v2 · Manual") and versions.options[0].endswith("Phone (current)")
    assert versions.options[1].startswith("v1 · Manual") and "First published" in versions.options[1]
    # Picking version 1 shows its structure (no phone branch) in the node list of the graph.
    versions.set_value(1).run()
    nodes = app.selectbox(key=f"flows_graph_{data['outlook']}_1_node").options
    assert len(nodes) == 6 and not any("Outlook mobile" in n for n in nodes)
    app.selectbox(key="flows_domain").set_value("network").run()
    assert list(app.dataframe[0].value["Name"]) == ["VPN"]


def test_create_flow_from_a_gap_seed_publishes_a_manual_flow(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py")
    app.session_state["flows_editor_seed"] = SEED
    app.run()
    assert app.title[0].value == "New flow from a knowledge gap"
    assert app.text_input(key="flows_editor_title").value == "Teams calls drop"
    assert app.text_input(key="flows_editor_keywords").value == "teams, call drops"
    app.button(key="flows_publish").click().run()
    assert not app.exception
    assert [t.value for t in app.toast] == ["Published 'Teams calls drop' as a new flow."]
    with session_scope(engine) as db:
        flow = db.scalar(select(Tree).where(Tree.name == "Teams calls drop"))
        assert (flow.origin, flow.version, flow.problem_domain) == ("manual", 1, "teams")
        assert flow.tree_structure == SEED["tree_structure"]
        assert flow.match_keywords == ["teams", "call drops"]
    assert "Teams calls drop" in list(app.dataframe[0].value["Name"])


def test_editor_validates_live_and_publishes_nothing_while_invalid(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py")
    app.button(key="flows_new").click().run()
    assert app.title[0].value == "New flow"
    app.text_input(key="flows_editor_title").input("Printer offline").run()
    # Change the first option (a solution) into a question: it now needs options of its own.
    app.selectbox(key="flows_editor_node").set_value("s1").run()
    app.selectbox(key=next(s.key for s in app.selectbox if s.key.startswith("flows_editor_type_"))).set_value(
        "question"
    ).run()
    errors = app.error[0].value
    assert "node 's1': a question needs 2–5 options, it has 0" in errors
    assert app.button(key="flows_publish").disabled
    # Add two options under it: valid again.
    app.button(key="flows_editor_add_option").click().run()
    app.selectbox(key="flows_editor_node").set_value("s1").run()
    app.button(key="flows_editor_add_option").click().run()
    assert [s.value for s in app.success] == ["The tree is valid."]
    assert not app.button(key="flows_publish").disabled
    # Remove one again: invalid; bad JSON is refused with the parser's position.
    app.button(key="flows_editor_remove").click().run()
    assert "node 's1': a question needs 2–5 options, it has 1" in app.error[0].value
    json_area(app).input('{"id": "q1", "type": ').run()
    app.button(key="flows_editor_apply_json").click().run()
    assert any(e.value.startswith("Not valid JSON: Expecting value (line 1") for e in app.error)
    json_area(app).input(json.dumps(VPN_TREE)).run()
    app.button(key="flows_editor_apply_json").click().run()
    assert [s.value for s in app.success] == ["The tree is valid."]
    app.button(key="flows_publish").click().run()
    with session_scope(engine) as db:
        flow = db.scalar(select(Tree).where(Tree.name == "Printer offline"))
        assert flow.tree_structure == VPN_TREE


def test_editing_a_flow_writes_the_next_version(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py")
    app.button(key="flows_edit").click().run()
    assert app.title[0].value == "Edit flow (from version 2)"
    assert app.text_input(key="flows_editor_title").value == "Outlook credential prompts"
    assert app.selectbox(key="flows_editor_domain").value == "exchange"
    node_text_area(app).input("Does Outlook ask for the password again and again?").run()
    app.text_input(key="flows_editor_notes").input("Clearer first question").run()
    app.button(key="flows_publish").click().run()
    assert [t.value for t in app.toast] == ["Published version 3 of 'Outlook credential prompts'."]
    with session_scope(engine) as db:
        account_id = load_user(db, uuid.UUID(data["admin"])).account_id
        history = flows.flow_versions(db, account_id, data["outlook"])
        assert [(v.version, v.change_note) for v in history][0] == (3, "Clearer first question")
        assert history[0].tree_structure["question"] == "Does Outlook ask for the password again and again?"


def test_engineer_can_read_but_not_publish(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py", user=data["engineer"])
    assert not any(b.key in ("flows_new", "flows_edit") for b in app.button)
    app.session_state["flows_editor_seed"] = SEED
    app.run()
    assert app.button(key="flows_publish").disabled
    assert any("only team admins publish flows" in i.value for i in app.info)


def test_editor_domain_is_chosen_from_the_known_ones_or_typed_on_purpose(monkeypatch, engine, data):
    app = start(monkeypatch, engine, page="views/flows.py")
    app.session_state["flows_editor_seed"] = SEED
    app.run()
    picker = app.selectbox(key="flows_editor_domain")
    # The account's flow and proposal domains, the seed's own, no free text until "New domain…" is picked.
    assert picker.options == ["(no domain)", "Exchange", "Network", "Teams", "New domain…"]
    assert picker.value == "teams"
    assert not any(t.key == "flows_editor_domain_new" for t in app.text_input)
    picker.set_value("New domain…").run()
    app.text_input(key="flows_editor_domain_new").input("  Print Servers ").run()
    app.button(key="flows_publish").click().run()
    assert not app.exception
    with session_scope(engine) as db:
        flow = db.scalar(select(Tree).where(Tree.name == "Teams calls drop"))
        assert flow.problem_domain == "print_servers"


def test_stale_enhancement_asks_for_confirmation_in_the_editor(monkeypatch, engine, data):
    with session_scope(engine) as db:
        target = db.get(Tree, uuid.UUID(data["outlook"]))
        # Propose against version 1 (the structure without the phone branch) while the flow is at version 2.
        target.tree_structure = OUTLOOK_TREE
        proposal = enhancement_proposal(db, db.get(Account, target.account_id), target, base_tree_version=1)
        pid = str(proposal.id)
    app = start(monkeypatch, engine, page="views/flows.py")
    app.session_state["flows_editor_proposal_id"] = pid
    app.run()
    assert app.title[0].value == "Edit & Publish: Outlook prompts only on the phone"
    app.button(key="flows_publish").click().run()
    assert any(
        "is at version 2 now, but this enhancement was proposed against version 1" in w.value for w in app.warning
    )
    with session_scope(engine) as db:
        assert db.get(Tree, uuid.UUID(data["outlook"])).version == 2
    app.checkbox(key="flows_confirm_stale").check().run()
    app.button(key="flows_publish").click().run()
    assert not app.exception
    with session_scope(engine) as db:
        assert db.get(Tree, uuid.UUID(data["outlook"])).version == 3


def test_edit_and_publish_of_an_enhancement_keeps_the_flows_description_and_keywords(monkeypatch, engine, data):
    with session_scope(engine) as db:
        target = db.get(Tree, uuid.UUID(data["outlook"]))
        target.tree_structure = OUTLOOK_TREE  # the branch the proposal adds is not there yet
        target.description = "Outlook keeps asking for the password."
        target.match_keywords = ["outlook", "password prompt"]
        proposal = enhancement_proposal(db, db.get(Account, target.account_id), target)
        # As the flywheel writes it: the description says why the branch is proposed, the keywords come from
        # the session.
        proposal.proposed_flow_data = {
            **proposal.proposed_flow_data,
            "description": "Sessions left the flow at 'Does Outlook prompt?' with 'Only on the phone'.",
            "match_keywords": ["Outlook", "mobile app"],
        }
        pid = str(proposal.id)
    app = start(monkeypatch, engine, page="views/flows.py")
    app.session_state["flows_editor_proposal_id"] = pid
    app.run()
    assert app.text_input(key="flows_editor_title").value == "Outlook credential prompts"
    assert app.text_area(key="flows_editor_description").value == "Outlook keeps asking for the password."
    assert app.text_input(key="flows_editor_keywords").value == "outlook, password prompt, mobile app"
    app.button(key="flows_publish").click().run()
    assert not app.exception
    with session_scope(engine) as db:
        flow = db.get(Tree, uuid.UUID(data["outlook"]))
        assert (flow.version, flow.description) == (3, "Outlook keeps asking for the password.")
        assert flow.match_keywords == ["outlook", "password prompt", "mobile app"]
