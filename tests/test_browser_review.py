"""The Review Queue in real Chromium: select a proposal, see its graph, approve it, see the toast and the count drop.

The app runs as a real Streamlit server on a SQLite file built from hand-made proposals.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import make_engine, session_scope, upgrade
from core.models import FlowProposal, Tree
from tests.factories import NOW, make_account, make_tree, make_user
from tests.review_helpers import enhancement_proposal, new_flow_proposal

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed")
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'review.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as db:
        account = make_account(db, "Contoso MSP")
        make_user(db, account, "team_admin", name="Tom Admin", email="tom@contoso.test")
        target = make_tree(db, account, name="Outlook credential prompts")
        new_flow_proposal(db, account, title="VPN authentication failures", created_at=NOW - timedelta(hours=1))
        new_flow_proposal(
            db, account, title="Printer offline", problem_domain="printing", created_at=NOW - timedelta(hours=2)
        )
        enhancement_proposal(db, account, target, created_at=NOW - timedelta(hours=3))
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "FLOWPILOT_DATABASE_URL": url,
        "FLOWPILOT_AUTH": "local",
        "PYTHONPATH": str(ROOT),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {server.stderr.read().decode() if server.stderr else ''}")
            time.sleep(0.5)
        yield base, url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_approve_in_the_browser(served):
    from playwright.sync_api import expect, sync_playwright

    base, url = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            # The Review Queue is the default page, served at the root.
            page.goto(base, wait_until="domcontentloaded")
            main = page.get_by_test_id("stMain")
            expect(main.get_by_text("Pending (3)")).to_be_visible(timeout=30_000)

            main.get_by_role("button", name=re.compile("VPN authentication failures")).click()
            expect(main.get_by_role("heading", name="VPN authentication failures")).to_be_visible(timeout=20_000)
            graph = page.frame_locator("iframe[title='streamlit_agraph.agraph']").first
            expect(graph.locator("canvas").first).to_be_visible(timeout=20_000)
            box = page.locator("iframe[title='streamlit_agraph.agraph']").first.bounding_box()
            assert box is not None and box["height"] > 300

            main.get_by_role("button", name="Approve & Publish").click()
            expect(page.get_by_test_id("stToast")).to_contain_text(
                "Published 'VPN authentication failures' as a new flow.", timeout=20_000
            )
            expect(main.get_by_text("Pending (2)")).to_be_visible(timeout=20_000)
        finally:
            browser.close()

    engine = make_engine(url)
    with session_scope(engine) as db:
        assert db.scalar(select(FlowProposal.status).where(FlowProposal.title == "VPN authentication failures")) == (
            "approved"
        )
        assert db.scalar(select(func.count()).select_from(Tree).where(Tree.origin == "ai_generated")) == 1
    engine.dispose()
