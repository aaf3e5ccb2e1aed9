"""Shared helpers for browser tests: a real ``streamlit run app.py`` on a free port, driven by Debian's chromium.

Use in a test module (one app server per module at most; the database is built once per module):

    from tests import browser as harness
    from tests.browser import open_page

    browser = harness.browser  # pytest fixtures, bound in the test module
    demo_database = harness.demo_database
    demo_app = harness.demo_app

    pytestmark = pytest.mark.browser

    def test_something(demo_app, browser):
        page = open_page(browser, demo_app, "review")
        ...

``demo_app`` serves the demo workspace (``jobs.demo.build_demo``) from a temporary SQLite file. For other data,
build a database and call ``app_server(database_url)`` yourself. Chromium is never downloaded by Playwright:
``/usr/bin/chromium`` is used (``./run.sh test`` installs it with apt when missing).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FLOWPILOT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 90
RENDER_TIMEOUT_MS = 45_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:  # noqa: S310 - local URL
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


@contextmanager
def app_server(database_url: str, *, env: dict[str, str] | None = None, log_path: Path | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` against ``database_url``; yields the base URL once /_stcore/health says ok."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115 - closed in finally
    child_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLOWPILOT_DATABASE_URL": database_url,
        "FLOWPILOT_AUTH": "local",
        **(env or {}),
    }
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    command += ["--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(base_url):
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {process.returncode} before it was healthy")
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit was not healthy at {base_url} after {START_TIMEOUT_S} s")
            time.sleep(0.25)
        yield base_url
    finally:
        # The server runs in its own process group: stop exactly that group, nothing else.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        log.close()


def build_demo_database(path: Path) -> str:
    """A SQLite file holding the demo workspace; returns its URL."""
    from core.db import make_engine, upgrade
    from jobs.demo import build_demo

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        build_demo(engine)
    finally:
        engine.dispose()
    return url


def launch_browser(playwright):  # -> playwright.sync_api.Browser
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is missing at {CHROMIUM}: install it with `apt-get install chromium`")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite file with a fresh demo workspace, built once per test module."""
    return build_demo_database(tmp_path_factory.mktemp("browser") / "demo.db")


@pytest.fixture(scope="module")
def demo_app(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app serving ``demo_database`` (one server for the whole test module)."""
    log = tmp_path_factory.mktemp("browser-log") / "streamlit.log"
    with app_server(demo_database, log_path=log) as base_url:
        yield base_url


def wait_until_rendered(page, text: str) -> None:
    """Wait for ``text`` in the app and for the script run to finish (Streamlit renders in several passes)."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=RENDER_TIMEOUT_MS
    )


def open_page(browser, base_url: str, path: str = "", *, width: int = 1440, height: int = 900):
    """A new tab at ``base_url/path`` once the sidebar is drawn (sign-in and sidebar ran)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    page.goto(f"{base_url}/{path.lstrip('/')}")
    wait_until_rendered(page, "pending proposal")
    return page
