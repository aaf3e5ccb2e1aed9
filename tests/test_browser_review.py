"""The Review Queue in real Chromium: open a proposal, see its graph, approve it, see the toast and the count drop.

The app runs as a real Streamlit server on a SQLite file holding the demo workspace (``demo.build_demo``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.auth import default_local_user
from core.config import Settings
from core.db import make_engine, session_scope, upgrade
from core.models import FlowProposal, Tree
from demo.build import build_demo
from tests import browser as harness

browser = harness.browser
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'review.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine, scale=0.2)
    engine.dispose()
    with harness.app_server(url) as base:
        yield base, url


def _pending_new_flow(url: str) -> tuple[str, str, str, int, int]:
    """The newest pending new_flow of the account the demo sign-in opens, its account's pending and flow counts."""
    engine = make_engine(url)
    with session_scope(engine) as db:
        account_id = default_local_user(db, Settings(database_url=url)).account_id
        mine = FlowProposal.account_id == account_id
        proposal = db.execute(
            select(FlowProposal.id, FlowProposal.title, FlowProposal.proposed_flow_data)
            .where(mine, FlowProposal.status == "pending", FlowProposal.proposal_type == "new_flow")
            .order_by(FlowProposal.created_at.desc())
            .limit(1)
        ).one()
        pending = db.scalar(select(func.count()).where(mine, FlowProposal.status == "pending"))
        flows = db.scalar(select(func.count()).select_from(Tree).where(Tree.account_id == account_id))
    engine.dispose()
    flow_name = (proposal.proposed_flow_data or {}).get("title") or proposal.title
    return str(proposal.id), proposal.title, flow_name, pending, flows


def _open_proposal(page, base: str, proposal_id: str, title: str):
    """The Review Queue (the default page, served at the root) with ?proposal= open; returns the main area."""
    from playwright.sync_api import expect

    page.goto(f"{base}/?proposal={proposal_id}", wait_until="domcontentloaded")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
    return main


def test_decision_buttons_and_graph_fit_the_first_screen(served, browser):
    """At 1440×900 a team lead sees the proposal, its decision buttons and the top of its graph without scrolling."""
    from playwright.sync_api import expect

    base, url = served
    proposal_id, title, *_counts = _pending_new_flow(url)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        main = _open_proposal(page, base, proposal_id, title)
        approve = main.get_by_role("button", name="Approve & Publish")
        expect(approve).to_be_visible(timeout=20_000)
        graph = page.locator("iframe[title='streamlit_agraph.agraph']").first
        expect(graph).to_be_visible(timeout=20_000)
        assert page.evaluate("() => window.scrollY") == 0
        button = approve.bounding_box()
        assert button is not None and button["y"] + button["height"] <= 900, button
        for name in ("Edit & Publish", "Dismiss", "Reject"):
            box = main.get_by_role("button", name=name, exact=True).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 900, (name, box)
        if os.environ.get("FLOWPILOT_SCREENSHOT_DIR"):
            page.screenshot(path=str(Path(os.environ["FLOWPILOT_SCREENSHOT_DIR"]) / "review_1440x900.png"))
        top = graph.bounding_box()
        assert top is not None and top["y"] < 900 - 150, top  # at least the graph's first 150 px show
    finally:
        page.close()


def test_approve_in_the_browser(served, browser):
    from playwright.sync_api import expect

    base, url = served
    proposal_id, title, flow_name, pending, flows_before = _pending_new_flow(url)
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    try:
        main = _open_proposal(page, base, proposal_id, title)
        expect(main.get_by_text(f"Pending ({pending})")).to_be_visible(timeout=20_000)
        graph = page.frame_locator("iframe[title='streamlit_agraph.agraph']").first
        expect(graph.locator("canvas").first).to_be_visible(timeout=20_000)
        box = page.locator("iframe[title='streamlit_agraph.agraph']").first.bounding_box()
        assert box is not None and box["height"] > 300

        main.get_by_role("button", name="Approve & Publish").click()
        expect(page.get_by_test_id("stToast")).to_contain_text(
            f"Published '{flow_name}' as a new flow.", timeout=20_000
        )
        expect(main.get_by_text(f"Pending ({pending - 1})")).to_be_visible(timeout=20_000)
        # The decided proposal links to its flow; the link stays in this app session and opens that flow.
        main.get_by_role("link", name=f"Open '{flow_name}' in Flows").click()
        expect(main.get_by_role("heading", name="Flows", exact=True)).to_be_visible(timeout=20_000)
        expect(main.get_by_role("heading", name=flow_name, exact=True)).to_be_visible(timeout=20_000)
        assert "/flows?flow=" in page.url
    finally:
        page.close()

    engine = make_engine(url)
    with session_scope(engine) as db:
        stored = db.get(FlowProposal, uuid.UUID(proposal_id))
        assert stored.status == "approved"
        flow = db.get(Tree, stored.published_flow_id)
        assert flow.origin == "ai_generated"
        assert db.scalar(select(func.count()).select_from(Tree).where(Tree.account_id == stored.account_id)) == (
            flows_before + 1
        )
    engine.dispose()
