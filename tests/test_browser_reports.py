"""The served Reports page in Debian's chromium: a report file saved on disk shows without touching the page, and a
reload keeps the demo user named in the URL."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from core.db import make_engine, session_scope, upgrade
from tests import browser as harness
from tests.browser import open_page, wait_until_rendered
from tests.factories import make_account, make_session, make_user

browser = harness.browser

pytestmark = pytest.mark.browser

REPORT = """-- title: {title}
-- description: Sessions of the account.
SELECT COUNT(*) AS sessions FROM ai_sessions WHERE account_id = :account_id
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("browser-reports")
    url = f"sqlite:///{folder / 'reports.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(engine) as db:
            contoso = make_account(db, "Contoso MSP")
            make_user(db, contoso, "team_admin", name="Tom Admin")
            analyst = make_user(db, contoso, "analyst", name="Ana Analyst")
            for _ in range(3):
                make_session(db, contoso)
            analyst_id = str(analyst.id)
    finally:
        engine.dispose()
    reports = folder / "reports"
    reports.mkdir()
    (reports / "alpha.sql").write_text(REPORT.format(title="Alpha counts"), encoding="utf-8")
    log = folder / "streamlit.log"
    with harness.app_server(url, env={"FLOWPILOT_REPORTS_DIR": str(reports)}, log_path=log) as base_url:
        yield {"url": base_url, "reports": reports, "analyst": analyst_id}


def test_a_saved_report_file_shows_without_an_interaction(served, browser):
    page = open_page(browser, served["url"], "reports")
    wait_until_rendered(page, "Alpha counts")
    path: Path = served["reports"] / "alpha.sql"
    before = path.stat().st_mtime_ns
    path.write_text(REPORT.format(title="Alpha counts, edited"), encoding="utf-8")
    os.utime(path, ns=(before, before + 1_000_000))  # a save always moves the mtime, whatever the clock's resolution
    # No click, no key: the page's poll (every 2 s) sees the new mtime and reruns.
    page.get_by_text("Alpha counts, edited").first.wait_for(timeout=10_000)
    (served["reports"] / "beta.sql").write_text("-- title: Beta\nSELECT 1\n", encoding="utf-8")
    page.get_by_text("Broken reports (1)").first.wait_for(timeout=10_000)
    page.context.close()


def test_a_reload_keeps_the_demo_user_of_the_url(served, browser):
    page = open_page(browser, served["url"], "reports")
    wait_until_rendered(page, "Tom Admin")
    # The default user is written to the URL as soon as the page signs in.
    page.wait_for_url(re.compile(r"[?&]as=[0-9a-f-]{36}"))
    page.goto(f"{served['url']}/reports?as={served['analyst']}")
    wait_until_rendered(page, "Ana Analyst")
    page.reload()
    wait_until_rendered(page, "Ana Analyst")
    assert f"as={served['analyst']}" in page.url
    assert "Tom Admin" not in page.get_by_test_id("stSidebar").inner_text()
    page.context.close()
