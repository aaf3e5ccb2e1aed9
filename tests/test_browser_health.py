"""Knowledge health in a real browser on the demo workspace: the page's measures and charts, a flow's Impact, and
the drifting flow's re-review in the queue."""

from __future__ import annotations

import pytest

from tests import browser as harness
from tests.browser import open_page

browser = harness.browser
demo_database = harness.demo_database
demo_app = harness.demo_app
pytestmark = pytest.mark.browser
RENDERED_PLOTS = "[...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg')).length"


def test_knowledge_health_page_shows_the_measures_and_two_charts(demo_app, browser):
    page = open_page(browser, demo_app, "health")
    try:
        page.get_by_role("heading", name="Knowledge Health").wait_for()
        for label in ("Link rate", "Reuse rate", "Time to publish", "Review backlog"):
            page.get_by_test_id("stMetricLabel").filter(has_text=label).wait_for()
        page.wait_for_function(f"{RENDERED_PLOTS} >= 2", timeout=60000)
        page.get_by_text("carry 80 % of the reuse", exact=False).wait_for()
    finally:
        page.close()


def test_a_flow_page_shows_its_impact_before_and_after(demo_app, browser):
    page = open_page(browser, demo_app, "flows")
    try:
        page.get_by_role("heading", name="Impact").wait_for()
        page.get_by_text("days before vs the", exact=False).wait_for()
        assert "resolution change" in page.inner_text("body")
        page.get_by_test_id("stMetricLabel").filter(has_text="Resolution rate").wait_for()
    finally:
        page.close()


def test_the_drifting_flow_waits_for_re_review_in_the_queue(demo_app, browser):
    page = open_page(browser, demo_app)
    try:
        page.get_by_text("Flow drifting: resolution", exact=False).first.wait_for()
        assert "Impact of publishes:" in page.inner_text("body")
    finally:
        page.close()
