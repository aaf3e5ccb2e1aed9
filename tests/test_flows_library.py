"""Flow library service: listing, creating a manual flow, publishing versions, history, refusals."""

from __future__ import annotations

import pytest

from core.auth import PermissionDenied
from core.review import flows
from core.trees import InvalidTree
from tests.factories import NOW, OUTLOOK_TREE, make_account, make_tree, make_user
from tests.review_helpers import VPN_TREE, as_user, outlook_with_branch


def test_library_lists_the_accounts_published_flows_most_used_first(db):
    account, other = make_account(db), make_account(db)
    make_tree(db, account, name="Outlook prompts", times_matched=4, success_rate=0.75, last_matched_at=NOW)
    make_tree(db, account, VPN_TREE, name="VPN", problem_domain="network", origin="ai_generated", times_matched=9)
    make_tree(db, account, name="Draft", is_published=False)
    make_tree(db, other, name="Someone else's")
    db.commit()

    rows = flows.list_flows(db, account.id)
    assert [r.as_dict() | {"id": ""} for r in rows] == [
        {
            "id": "",
            "name": "VPN",
            "domain": "network",
            "origin": "AI generated",
            "version": 1,
            "times matched": 9,
            "success rate": 0.0,
            "last matched": "",
        },
        {
            "id": "",
            "name": "Outlook prompts",
            "domain": "exchange",
            "origin": "Manual",
            "version": 1,
            "times matched": 4,
            "success rate": 0.75,
            "last matched": "2026-11-20 12:00 UTC",
        },
    ]
    assert [r.name for r in flows.list_flows(db, account.id, domain="exchange")] == ["Outlook prompts"]
    assert [r.name for r in flows.list_flows(db, account.id, origin="ai_generated")] == ["VPN"]
    assert flows.flow_domains(db, account.id) == ["exchange", "network"]


def test_create_manual_flow_records_version_1(db):
    account = make_account(db)
    admin = as_user(db, make_user(db, account))
    db.commit()

    flow = flows.create_flow(
        db,
        admin,
        name="  VPN  ",
        tree_structure=VPN_TREE,
        problem_domain="network",
        match_keywords=["vpn", " VPN ", "", "mfa"],
    )
    db.commit()

    assert (flow.name, flow.origin, flow.version, flow.match_keywords) == ("VPN", "manual", 1, ["vpn", "mfa"])
    history = flows.flow_versions(db, account.id, flow.id)
    assert [(v.version, v.origin, v.change_note) for v in history] == [(1, "manual", "First published")]


def test_publish_version_keeps_every_structure(db):
    account = make_account(db)
    admin = as_user(db, make_user(db, account))
    flow = flows.create_flow(db, admin, name="Outlook", tree_structure=OUTLOOK_TREE)
    db.commit()

    flows.publish_version(db, admin, flow.id, outlook_with_branch(), change_note="Phone branch", expected_version=1)
    db.commit()

    history = flows.flow_versions(db, account.id, flow.id)
    assert [(v.version, v.change_note) for v in history] == [(2, "Phone branch"), (1, "First published")]
    assert history[1].tree_structure == OUTLOOK_TREE
    assert history[0].tree_structure == outlook_with_branch()
    with pytest.raises(flows.FlowChanged, match="version 2 now, the editor started from version 1"):
        flows.publish_version(db, admin, flow.id, OUTLOOK_TREE, expected_version=1)


def test_refusals(db):
    account, other = make_account(db), make_account(db)
    engineer = as_user(db, make_user(db, account, role="engineer"))
    admin = as_user(db, make_user(db, account))
    foreign = make_tree(db, other)
    db.commit()

    with pytest.raises(PermissionDenied, match="only team admins"):
        flows.create_flow(db, engineer, name="x", tree_structure=VPN_TREE)
    with pytest.raises(InvalidTree, match="node 'v1': a question needs 2–5 options, it has 0"):
        flows.create_flow(db, admin, name="x", tree_structure={**VPN_TREE, "children": []})
    with pytest.raises(ValueError, match="needs a title"):
        flows.create_flow(db, admin, name="  ", tree_structure=VPN_TREE)
    with pytest.raises(PermissionDenied, match="another account"):
        flows.publish_version(db, admin, foreign.id, VPN_TREE)
    with pytest.raises(flows.FlowNotFound):
        flows.flow_versions(db, account.id, foreign.id)
    db.rollback()
    assert flows.list_flows(db, account.id) == []
    assert db.get(type(foreign), foreign.id).version == 1
