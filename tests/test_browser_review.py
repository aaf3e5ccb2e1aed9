"""The Review Queue in real Chromium: open a proposal, see its graph, approve it, see the toast and the count drop.

The app runs as a real Streamlit server on a SQLite file holding the demo workspace (``demo.build_demo``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

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


def test_approve_in_the_browser(served, browser):
    from playwright.sync_api import expect

    base, url = served
    proposal_id, title, flow_name, pending, flows_before = _pending_new_flow(url)
    page = browser.new_page(viewport={"width": 1600, "height": 1100})
    try:
        # The Review Queue is the default page (served at the root); ?proposal= opens one proposal.
        page.goto(f"{base}/?proposal={proposal_id}", wait_until="domcontentloaded")
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text(f"Pending ({pending})")).to_be_visible(timeout=30_000)
        expect(main.get_by_role("heading", name=title)).to_be_visible(timeout=20_000)
        graph = page.frame_locator("iframe[title='streamlit_agraph.agraph']").first
        expect(graph.locator("canvas").first).to_be_visible(timeout=20_000)
        box = page.locator("iframe[title='streamlit_agraph.agraph']").first.bounding_box()
        assert box is not None and box["height"] > 300

        main.get_by_role("button", name="Approve & Publish").click()
        expect(page.get_by_test_id("stToast")).to_contain_text(
            f"Published '{flow_name}' as a new flow.", timeout=20_000
        )
        expect(main.get_by_text(f"Pending ({pending - 1})")).to_be_visible(timeout=20_000)
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
