"""Review Queue and Flows pages through Streamlit's AppTest, on hand-built proposals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.auth import load_user
from core.db import session_scope
from core.models import Account, FlowProposal, Tree, TreeVersion
from core.review import decisions as review
from tests.app_harness import app_for
from tests.factories import NOW, make_account, make_session, make_tree, make_user
from tests.review_helpers import enhancement_proposal, new_flow_proposal, outlook_with_branch


@pytest.fixture
def data(engine):
    with session_scope(engine) as db:
        home = make_account(db, "Contoso MSP")
        home.created_at = NOW - timedelta(days=300)
        other = make_account(db, "Fabrikam IT")
        other.created_at = NOW - timedelta(days=200)
        admin = make_user(db, home, "team_admin", name="Tom Admin", email="tom@contoso.test")
        engineer = make_user(db, home, "engineer", name="Eve Engineer", email="eve@contoso.test")
        make_user(db, other, "team_admin", name="Fay Admin", email="fay@fabrikam.test")
        target = make_tree(db, home, name="Outlook credential prompts")
        source = make_session(db, home, problem_domain="network")
        vpn = new_flow_proposal(
            db,
            home,
            title="VPN authentication failures",
            created_at=NOW - timedelta(hours=1),
            confidence_score=0.7,
            source_session_id=source.id,
        )
        printer = new_flow_proposal(
            db,
            home,
            title="Printer offline after driver update",
            problem_domain="printing",
            created_at=NOW - timedelta(hours=2),
            confidence_score=0.9,
        )
        phone = enhancement_proposal(db, home, target, created_at=NOW - timedelta(hours=3))
        new_flow_proposal(db, home, title="Old rejected idea", status="rejected", created_at=NOW - timedelta(days=3))
        new_flow_proposal(db, other, title="Fabrikam secret proposal")
        return {
            "admin": str(admin.id),
            "engineer": str(engineer.id),
            "vpn": str(vpn.id),
            "printer": str(printer.id),
            "phone": str(phone.id),
            "target": str(target.id),
            "source": str(source.id),
        }


def start(monkeypatch, engine, page="views/review_queue.py", user=None):
    app = app_for(engine, monkeypatch)
    if user:
        app.session_state["auth_user_id"] = user
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def listed(app):
    return [b.label.removeprefix("▶ ") for b in app.button if b.key and b.key.startswith("review_open_")]


def page_text(app):
    return "\n".join(str(m.value) for m in app.markdown) + "\n".join(str(i.value) for i in app.info)


def proposal(engine, pid):
    with session_scope(engine) as db:
        p = db.get(FlowProposal, pid)
        return p.status, p.published_flow_id, p.reviewer_notes, p.reviewed_by


def test_tabs_filters_and_sort_change_the_list(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    assert app.radio(key="review_tab").options == [
        "Pending (3)",
        "Approved (0)",
        "Rejected (1)",
        "Dismissed (0)",
        "All (4)",
    ]
    assert listed(app) == [
        "VPN authentication failures",
        "Printer offline after driver update",
        "Outlook prompts only on the phone",
    ]
    assert [m.value for m in app.metric][:1] == ["3"]
    assert "Fabrikam secret proposal" not in listed(app)

    app.radio(key="review_tab").set_value("rejected").run()
    assert listed(app) == ["Old rejected idea"]
    app.radio(key="review_tab").set_value("pending").run()
    app.selectbox(key="review_sort").set_value("confidence").run()
    assert listed(app)[0] == "Printer offline after driver update"
    app.selectbox(key="review_domain").set_value("printing").run()
    assert listed(app) == ["Printer offline after driver update"]
    assert app.radio(key="review_tab").options[0] == "Pending (1)"
    app.selectbox(key="review_domain").set_value("All").run()
    app.selectbox(key="review_type").set_value("enhancement").run()
    assert listed(app) == ["Outlook prompts only on the phone"]
    # Each row carries its type as a coloured badge: enhancements amber.
    assert ":orange-badge[enhancement] Exchange · confidence 0.60 · 2 sessions · " in page_text(app)


def test_admin_approves_and_the_flow_appears_on_the_flows_page(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['vpn']}").click().run()
    assert app.subheader[0].value == "VPN authentication failures"
    source = [link for link in app.page_link if link.value == "Open source session"]
    # Opened in a new tab, a link stays signed in as the same user (the demo sign-in's ?as=).
    assert [link.proto.query_string for link in source] == [f"session={data['source']}&as={data['admin']}"]
    app.text_area(key="review_notes").input("Clear steps").run()
    app.button(key="review_approve").click().run()
    assert not app.exception

    status, flow_id, notes, reviewer = proposal(engine, data["vpn"])
    assert (status, notes, str(reviewer)) == ("approved", "Clear steps", data["admin"])
    assert [t.value for t in app.toast] == ["Published 'VPN authentication failures' as a new flow."]
    assert app.radio(key="review_tab").options[0] == "Pending (2)"
    assert "VPN authentication failures" not in listed(app)
    # The decided proposal stays open, with a link to the flow it published.
    to_flow = [link for link in app.page_link if link.value == "Open 'VPN authentication failures' in Flows"]
    assert [link.proto.query_string for link in to_flow] == [f"flow={flow_id}&as={data['admin']}"]

    app.query_params["flow"] = str(flow_id)
    app.switch_page("views/flows.py").run()
    assert not app.exception
    names = list(app.dataframe[0].value["Name"])
    assert "VPN authentication failures" in names
    assert list(app.dataframe[0].value["Origin"])[names.index("VPN authentication failures")] == "AI generated"
    # ?flow= opens that flow below the table.
    assert app.subheader[0].value == "VPN authentication failures"
    with session_scope(engine) as db:
        assert db.get(Tree, flow_id).origin == "ai_generated"


def test_edit_and_publish_opens_the_editor_and_returns_a_modified_proposal(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['phone']}").click().run()
    assert not any(b.key == "review_approve" for b in app.button)  # enhancements are never approved blind
    assert "* Added branch 'Only on the phone' under 'Does Outlook prompt for credentials repeatedly?'" in page_text(
        app
    )
    app.text_area(key="review_notes").input("Only the iOS app; checked two sessions").run()
    app.button(key="review_edit").click().run()
    assert not app.exception
    # AppTest reruns the page it was last told to; a browser follows st.switch_page by itself.
    app.switch_page("views/flows.py")
    assert app.title[0].value == "Edit & Publish: Outlook prompts only on the phone"
    # The note typed in the queue comes along and is published as the reviewer notes.
    assert app.text_input(key="flows_editor_notes").label == "Reviewer notes"
    assert app.text_input(key="flows_editor_notes").value == "Only the iOS app; checked two sessions"
    assert (
        '"id": "s4"'
        in app.text_area(key=[t.key for t in app.text_area if t.key.startswith("flows_editor_json_")][0]).value
    )

    app.selectbox(key="flows_editor_node").set_value("s4").run()
    text_key = [t.key for t in app.text_area if t.key.startswith("flows_editor_text_")][0]
    app.text_area(key=text_key).input("Remove and re-add the account in Outlook mobile, then sign in.").run()
    assert "The tree is valid." in [s.value for s in app.success]
    app.button(key="flows_publish").click().run()
    assert not app.exception

    status, flow_id, notes, _reviewer = proposal(engine, data["phone"])
    assert (status, str(flow_id), notes) == ("modified", data["target"], "Only the iOS app; checked two sessions")
    expected = outlook_with_branch()
    expected["children"][2]["solution"] = "Remove and re-add the account in Outlook mobile, then sign in."
    with session_scope(engine) as db:
        flow = db.get(Tree, flow_id)
        assert (flow.version, flow.origin, flow.tree_structure) == (2, "ai_enhanced", expected)
        versions = db.scalars(select(TreeVersion.version).where(TreeVersion.tree_id == flow_id)).all()
        assert sorted(versions) == [1, 2]
    # Back on the Review Queue, with the toast.
    assert app.title[0].value == "Review Queue"
    assert app.radio(key="review_tab").options[0] == "Pending (2)"
    assert [t.value for t in app.toast] == [
        "Published version 2 of 'Outlook credential prompts'; the proposal is marked modified."
    ]


def test_engineer_sees_the_action_bar_disabled_with_the_reason(monkeypatch, engine, data):
    app = start(monkeypatch, engine, user=data["engineer"])
    app.button(key=f"review_open_{data['vpn']}").click().run()
    assert app.subheader[0].value == "VPN authentication failures"
    for key in ("review_approve", "review_edit", "review_dismiss", "review_reject"):
        assert app.button(key=key).disabled, key
    assert app.text_area(key="review_notes").disabled
    assert any("Read-only: you are signed in as engineer. Only team admins" in i.value for i in app.info)
    assert not any(c.key and c.key.startswith("review_pick_") for c in app.checkbox)


def test_dismiss_and_reject_need_confirmation(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['printer']}").click().run()
    app.button(key="review_dismiss").click().run()
    assert proposal(engine, data["printer"])[0] == "pending"
    assert any("Dismiss 'Printer offline after driver update'?" in w.value for w in app.warning)
    app.button(key="review_confirm_yes").click().run()
    assert proposal(engine, data["printer"])[0] == "dismissed"
    assert [t.value for t in app.toast] == ["Dismissed: it comes back if more sessions support it."]

    app.button(key=f"review_open_{data['vpn']}").click().run()
    app.button(key="review_reject").click().run()
    app.text_input(key="review_reject_reason").input("Duplicates the VPN flow").run()
    app.button(key="review_confirm_yes").click().run()
    assert proposal(engine, data["vpn"])[:3:2] == ("rejected", "Duplicates the VPN flow")
    assert app.radio(key="review_tab").options[:4] == ["Pending (1)", "Approved (0)", "Rejected (2)", "Dismissed (1)"]


def test_bulk_dismiss_of_selected_rows(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.checkbox(key=f"review_pick_{data['vpn']}").check().run()
    app.checkbox(key=f"review_pick_{data['printer']}").check().run()
    app.button(key="review_bulk_dismiss").click().run()
    assert any("Dismiss 2 proposals?" in w.value for w in app.warning)
    app.button(key="review_bulk_confirm").click().run()
    assert not app.exception
    assert proposal(engine, data["vpn"])[0] == "dismissed"
    assert proposal(engine, data["printer"])[0] == "dismissed"
    assert proposal(engine, data["phone"])[0] == "pending"
    assert listed(app) == ["Outlook prompts only on the phone"]


def test_deep_link_opens_the_proposal_and_other_accounts_stay_hidden(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.query_params["proposal"] = data["printer"]
    app.run()
    assert app.subheader[0].value == "Printer offline after driver update"
    with session_scope(engine) as db:
        secret = db.scalar(select(FlowProposal.id).where(FlowProposal.title == "Fabrikam secret proposal"))
    app.query_params["proposal"] = str(secret)
    app.run()
    assert "That proposal does not exist in this account." in [w.value for w in app.warning]
    assert "Fabrikam secret proposal" not in page_text(app)


def test_a_joined_proposal_says_where_its_sessions_went_and_offers_no_decision(monkeypatch, engine, data):
    with session_scope(engine) as db:
        printer = db.get(FlowProposal, data["printer"])
        printer.status, printer.supporting_session_count = "merged", 2
        printer.merged_into_id = db.get(FlowProposal, data["vpn"]).id
    app = start(monkeypatch, engine)
    app.query_params["proposal"] = data["printer"]
    app.run()
    assert not app.exception
    assert [i.value for i in app.info][0] == (
        "The flywheel joined this proposal into another of the same problem once their clusters met: its 2 "
        "supporting sessions and their paths are there now. Decide on that one."
    )
    assert not any(b.key == "review_approve" for b in app.button)
    assert "**Merged**" in page_text(app)


def test_decision_taken_meanwhile_is_shown_with_who_and_when(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['vpn']}").click().run()
    with session_scope(engine) as db:
        account = db.get(Account, db.get(FlowProposal, data["vpn"]).account_id)
        other = make_user(db, account, "owner", name="Olga Owner")
        review.reject(db, data["vpn"], load_user(db, other.id), "Duplicate")
    with session_scope(engine) as db:
        decided_at = db.get(FlowProposal, data["vpn"]).reviewed_at
    # The click reruns the page, which reads the proposal afresh: no second decision, the first one is shown.
    app.button(key="review_approve").click().run()
    assert not app.exception
    assert f"Decided: rejected by Olga Owner {decided_at:%Y-%m-%d %H:%M} UTC" in page_text(app)
    assert "Notes: Duplicate" in page_text(app)
    assert not any(b.key == "review_approve" for b in app.button)
    assert proposal(engine, data["vpn"])[:2] == ("rejected", None)


def test_deciding_the_last_rows_of_a_page_goes_back_to_the_last_page(monkeypatch, engine, data):
    with session_scope(engine) as db:
        home = db.get(Account, db.get(FlowProposal, data["vpn"]).account_id)
        for n in range(24):
            new_flow_proposal(db, home, title=f"Older idea {n:02d}", created_at=NOW - timedelta(days=1, minutes=n))
    app = start(monkeypatch, engine)
    assert app.radio(key="review_tab").options[0] == "Pending (27)"
    app.number_input(key="review_page").set_value(2).run()
    assert listed(app) == ["Older idea 22", "Older idea 23"]
    for checkbox in app.checkbox:
        checkbox.check()
    app.run()
    app.button(key="review_bulk_dismiss").click().run()
    app.button(key="review_bulk_confirm").click().run()
    assert not app.exception
    assert app.number_input(key="review_page").value == 1
    assert len(listed(app)) == 25 and listed(app)[0] == "VPN authentication failures"


def _decide_elsewhere(engine, pid: str, name: str) -> str:
    """Another reviewer rejects the proposal now; returns when, as the page shows it."""
    with session_scope(engine) as db:
        account = db.get(Account, db.get(FlowProposal, pid).account_id)
        other = make_user(db, account, "owner", name=name)
        review.reject(db, pid, load_user(db, other.id), "Covered by the VPN flow")
    with session_scope(engine) as db:
        return f"{db.get(FlowProposal, pid).reviewed_at:%Y-%m-%d %H:%M} UTC"


def test_the_loser_of_a_reject_race_sees_who_won_and_keeps_the_reason_typed(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['vpn']}").click().run()
    app.text_area(key="review_notes").input("Checked three sessions").run()
    app.button(key="review_reject").click().run()
    app.text_input(key="review_reject_reason").input("Same fix as the RADIUS flow").run()
    when = _decide_elsewhere(engine, data["vpn"], "Olga Owner")
    app.button(key="review_confirm_yes").click().run()
    assert not app.exception
    assert [w.value for w in app.warning] == [
        f"Not done: This proposal was already decided by Olga Owner at {when} (status: rejected)."
    ]
    assert [c.value for c in app.code] == ["Checked three sessions", "Same fix as the RADIUS flow"]
    assert proposal(engine, data["vpn"])[::2] == ("rejected", "Covered by the VPN flow")
    # Still there on the next run, until another proposal is opened.
    app.run()
    assert [c.value for c in app.code] == ["Checked three sessions", "Same fix as the RADIUS flow"]
    app.button(key=f"review_open_{data['printer']}").click().run()
    assert not app.code and not app.warning


def test_a_decision_lost_inside_the_service_reruns_into_the_same_answer(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['printer']}").click().run()
    app.button(key="review_dismiss").click().run()
    real_dismiss = review.dismiss

    def dismiss_after_someone_else(db, proposal_id, reviewer, notes=None):
        # The other reviewer's decision commits between this page's read and its update.
        when.append(_decide_elsewhere(engine, str(proposal_id), "Rita Rival"))
        return real_dismiss(db, proposal_id, reviewer, notes)

    when: list[str] = []
    monkeypatch.setattr(review, "dismiss", dismiss_after_someone_else)
    app.text_area(key="review_notes").input("Printer fleet is being replaced").run()
    app.button(key="review_confirm_yes").click().run()
    assert not app.exception
    assert [w.value for w in app.warning] == [
        f"Not done: This proposal was already decided by Rita Rival at {when[0]} (status: rejected)."
    ]
    assert [c.value for c in app.code] == ["Printer fleet is being replaced"]
    assert proposal(engine, data["printer"])[0] == "rejected"


def test_a_reviewer_asks_the_model_for_a_new_tree_once(monkeypatch, engine, data):
    app = start(monkeypatch, engine)
    app.button(key=f"review_open_{data['vpn']}").click().run()
    # Without a model there is nothing to ask for, and the page says who built the tree.
    assert not [b for b in app.button if b.key == "review_new_tree"]
    assert "Tree built by the offline rules (no model is configured)." in [c.value for c in app.caption]

    monkeypatch.setenv("FLOWPILOT_ANTHROPIC_API_KEY", "test-key")
    app.run()
    assert any(
        "the model writes it once for the whole cluster at 2 supporting sessions" in c.value for c in app.caption
    )
    app.button(key="review_new_tree").click().run()
    assert [t.value for t in app.toast] == ["Asked: the worker has the model write this tree again on its next pass."]
    with session_scope(engine) as db:
        asked = db.get(FlowProposal, data["vpn"])
        assert (str(asked.regenerate_requested_by), asked.status) == (data["admin"], "pending")
    assert app.button(key="review_new_tree").disabled
    assert any("A new tree from the model was asked for at" in i.value for i in app.info)

    engineer = start(monkeypatch, engine, user=data["engineer"])
    engineer.button(key=f"review_open_{data['printer']}").click().run()
    assert engineer.button(key="review_new_tree").disabled
