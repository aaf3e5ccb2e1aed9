"""The Analytics page in a real browser on the demo workspace: its four charts render, and switching the period
redraws them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core.db import make_engine, upgrade
from core.demo import build_demo
from core.gaps import refresh_all_accounts

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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
    build_demo(engine, seed=7)
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
            monthly_points = _mttr_points(page)
            assert monthly_points >= 25  # the demo resolves sessions nearly every day
            monthly_sessions = int(page.get_by_test_id("stMetricValue").first.inner_text().strip())
            page.get_by_text("7 days", exact=True).click()
            page.wait_for_function(
                """() => {
                    const plots = [...document.querySelectorAll('.js-plotly-plot')];
                    const m = plots.find(p => p.layout && p.layout.title && p.layout.title.text.includes('Mean time'));
                    return m && m.data[0].x.length <= 8;
                }""",
                timeout=30000,
            )
            assert 5 <= _mttr_points(page) <= 8
            assert page.locator(".js-plotly-plot").count() == 4
            weekly_sessions = int(page.get_by_test_id("stMetricValue").first.inner_text().strip())
            assert 0 < weekly_sessions < monthly_sessions
        finally:
            browser.close()
