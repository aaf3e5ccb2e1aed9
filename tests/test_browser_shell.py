"""The served app in Debian's chromium: the shell, the sidebar and the Sessions page on the demo workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from core.auth import default_local_user
from core.config import Settings
from core.db import make_engine, session_scope
from core.models import AISession, AISessionStep
from core.sessions.browse import list_sessions
from core.workspace import workspace_counts
from tests import browser as harness
from tests.browser import open_page, wait_until_rendered

# The shared fixtures, bound under the names the tests ask for.
browser = harness.browser
demo_database = harness.demo_database
demo_app = harness.demo_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def expected(demo_database: str) -> dict[str, object]:
    """What the pages must show, read from the demo database with the app's own services."""
    engine = make_engine(demo_database)
    try:
        with session_scope(engine) as db:
            user = default_local_user(db, Settings(database_url=demo_database))
            escape_session = db.scalar(
                select(AISession.id)
                .join(AISessionStep, AISessionStep.session_id == AISession.id)
                .where(AISession.account_id == user.account_id, AISessionStep.was_free_text.is_(True))
                .order_by(AISession.created_at.desc())
                .limit(1)
            )
            return {
                "user": user.name,
                "account": user.account_name,
                "pending": workspace_counts(db, user.account_id).pending_proposals,
                "sessions": list_sessions(db, user.account_id, page_size=1).total,
                "escape_session": str(escape_session),
            }
    finally:
        engine.dispose()


def sidebar(page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def test_a_deep_link_as_first_visit_opens_the_session_inside_the_shell(demo_app, browser, expected):
    # Must be the module's first request: a fresh server is where Streamlit would run the page file alone.
    page = open_page(browser, demo_app, f"sessions?session={expected['escape_session']}")
    wait_until_rendered(page, "Free-text escape")
    assert expected["user"] in sidebar(page)
    assert "Flywheel analysis" in page.get_by_test_id("stMain").inner_text()
    page.context.close()


def test_shell_shows_sections_user_and_pending_badge(demo_app, browser, expected):
    page = open_page(browser, demo_app)
    text = sidebar(page)
    for section in ("Knowledge", "Analytics", "Sessions"):
        assert section.upper() in text.upper()
    for title in ("Review Queue", "Flows", "Knowledge Gaps", "Reports", "Script Assist"):
        assert title in text
    assert expected["user"] in text
    assert f"team admin · {expected['account']}" in text
    assert f"{expected['pending']} pending proposals" in text
    page.context.close()


def test_sessions_page_lists_the_accounts_sessions_and_downloads_them(demo_app, browser, expected, tmp_path):
    page = open_page(browser, demo_app, "sessions")
    wait_until_rendered(page, "newest first")
    assert f"Showing 1–50 of {expected['sessions']:,} sessions" in page.get_by_test_id("stMain").inner_text()
    grid = page.get_by_test_id("stDataFrame").bounding_box()
    assert grid is not None and grid["height"] > 300
    for label, rows in (("Download this page (CSV)", 50), (f"Download all {expected['sessions']:,} (CSV)", None)):
        with page.expect_download() as download:
            page.get_by_role("button", name=label).click()
        lines = Path(download.value.path()).read_text().splitlines()
        assert lines[0].startswith("id,created_at,status,confidence_tier,problem_domain,problem_summary")
        assert len(lines) - 1 == (rows or min(expected["sessions"], Settings().report_row_cap))
    target = Path(os.environ.get("FLOWPILOT_SCREENSHOT") or tmp_path / "sessions.png")
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    page.context.close()
