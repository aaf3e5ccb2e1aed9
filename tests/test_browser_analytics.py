"""The Analytics page in a real browser: its four charts render, and switching the period redraws them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.db import make_engine, session_scope, upgrade
from core.gaps import refresh_all_accounts
from tests.factories import make_account, make_session, make_user

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOMAINS = ["vpn", "printers", "exchange", None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'analytics.db'}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with session_scope(engine) as db:
        account = make_account(db, "Browser MSP")
        make_user(db, account, "team_admin")
        # one resolved session a day for 60 days: 7 trend points in 7 days, 30 in 30 days
        for day in range(60):
            make_session(
                db,
                account,
                created_at=now - timedelta(days=day, hours=1),
                duration_minutes=10 + day,
                problem_domain=DOMAINS[day % 4],
                status="escalated" if day % 5 == 0 else "resolved",
                confidence_tier=("guided", "exploring", "discovery")[day % 3],
                problem_summary=f"Problem number {day}",
            )
    refresh_all_accounts(engine)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "FLOWPILOT_DATABASE_URL": url, "FLOWPILOT_AUTH": "local"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the Streamlit server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def _mttr_points(page) -> int:
    return page.evaluate(
        """() => {
            const plots = [...document.querySelectorAll('.js-plotly-plot')];
            const mttr = plots.find(p => p.layout && p.layout.title && p.layout.title.text.includes('Mean time'));
            return mttr ? mttr.data[0].x.length : -1;
        }"""
    )


def test_analytics_charts_render_and_redraw_on_period_switch(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server}/analytics")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=60000)
            assert page.locator(".js-plotly-plot").count() == 4
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
            assert _mttr_points(page) >= 23  # 30 days, one resolution most days (every fifth is escalated)
            assert page.get_by_test_id("stMetricValue").first.inner_text().strip() == "30"

            page.get_by_text("7 days", exact=True).click()
            page.wait_for_function(
                """() => {
                    const plots = [...document.querySelectorAll('.js-plotly-plot')];
                    const m = plots.find(p => p.layout && p.layout.title && p.layout.title.text.includes('Mean time'));
                    return m && m.data[0].x.length <= 7;
                }""",
                timeout=30000,
            )
            assert 4 <= _mttr_points(page) <= 5  # days 1-4 and 6 resolved
            assert page.locator(".js-plotly-plot").count() == 4
            page.wait_for_function(
                "document.querySelector('[data-testid=stMetricValue]').innerText.trim() === '7'", timeout=30000
            )
        finally:
            browser.close()
