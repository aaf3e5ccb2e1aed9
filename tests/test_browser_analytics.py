"""The Analytics page in a real browser on the demo workspace: its four charts render, and switching the period
redraws them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.db import make_engine, upgrade
from core.insights.gaps import refresh_all_accounts
from demo import build_demo
from tests import browser as harness

browser = harness.browser
pytestmark = pytest.mark.browser
PLOTS = "document.querySelectorAll('.js-plotly-plot')"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'analytics.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine, seed=7)
    refresh_all_accounts(engine)
    engine.dispose()
    with harness.app_server(url) as base:
        yield base


def _mttr_points(page) -> int:
    return page.evaluate(
        """() => {
            const plots = [...document.querySelectorAll('.js-plotly-plot')];
            const mttr = plots.find(p => p.layout && p.layout.title && p.layout.title.text.includes('Mean time'));
            return mttr ? mttr.data[0].x.length : -1;
        }"""
    )


def test_analytics_charts_render_and_redraw_on_period_switch(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/analytics")
        page.wait_for_function(f"[...{PLOTS}].filter(p => p.querySelector('.main-svg')).length === 4", timeout=60000)
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
        page.wait_for_function(f"[...{PLOTS}].filter(p => p.querySelector('.main-svg')).length === 4", timeout=30000)
        weekly_sessions = int(page.get_by_test_id("stMetricValue").first.inner_text().strip())
        assert 0 < weekly_sessions < monthly_sessions
    finally:
        page.close()


def test_a_click_on_a_domain_bar_opens_its_sessions(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/analytics")
        page.wait_for_function(f"[...{PLOTS}].filter(p => p.querySelector('.main-svg')).length === 4", timeout=60000)
        bars = page.locator(".js-plotly-plot", has_text="Resolved vs escalated by domain")
        domain = bars.evaluate("p => p.data[0].x[0]")
        # Plotly's drag layer lies over the bars and takes the click where a person's would land.
        box = bars.locator(".barlayer .trace").first.locator(".point path").first.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url("**/sessions?**", timeout=harness.RENDER_TIMEOUT_MS)
        assert f"domain={domain}" in page.url and "status=resolved" in page.url
        selects = page.get_by_test_id("stMultiSelect")
        selects.filter(has_text="Domain").filter(has_text=domain).wait_for(timeout=harness.RENDER_TIMEOUT_MS)
        selects.filter(has_text="Status").filter(has_text="resolved").wait_for(timeout=harness.RENDER_TIMEOUT_MS)
        page.get_by_text("Showing 1–").wait_for(timeout=harness.RENDER_TIMEOUT_MS)
        shown = page.get_by_test_id("stDataFrame").count()
        assert shown == 1
    finally:
        page.close()
