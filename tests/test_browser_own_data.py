"""Own data in a real browser: an empty database, ``jobs.accounts`` and ``jobs.ingest --create-users`` of tickets with
string ids and no tiers, then the Analytics page in Chromium shows their figures and an "unknown" tier slice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from jobs.accounts import main as accounts
from jobs.ingest import main as ingest
from tests import browser as harness

browser = harness.browser
pytestmark = pytest.mark.browser


def _tickets(now: datetime) -> list[dict]:
    """Five tickets of the last ten days: 3 resolved in 30, 60 and 90 minutes, 1 escalated, 1 abandoned."""
    rows = []
    for n, (status, minutes) in enumerate([("resolved", 30), ("resolved", 60), ("resolved", 90), ("escalated", 45),
                                           ("abandoned", 10)]):  # fmt: skip
        created = (now - timedelta(days=n + 2)).replace(microsecond=0)
        end = (created + timedelta(minutes=minutes)).isoformat()
        row = {"id": f"INC-{n + 1}", "status": status, "problem_summary": f"Ticket {n + 1}", "steps": []}
        row |= {"created_at": created.isoformat(), "ended_at": end, "engineer_email": f"eng{n % 2}@tailspin.example"}
        if status == "resolved":
            row["resolved_at"] = end
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("own-data")
    url = f"sqlite:///{folder / 'own.db'}"
    path = folder / "tickets.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in _tickets(datetime.now(UTC))), encoding="utf-8")
    assert accounts(["--database-url", url, "create", "--name", "Tailspin IT", "--slug", "tailspin"]) == 0
    assert accounts(["--database-url", url, "add-user", "--account", "tailspin", "--email", "lee@tailspin.example",
                     "--name", "Lee Park", "--role", "team_admin"]) == 0  # fmt: skip
    assert ingest([str(path), "--database-url", url, "--account", "tailspin", "--create-users"]) == 0
    with harness.app_server(url) as base:
        yield base


def test_analytics_shows_the_imported_tickets(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/analytics")
        page.wait_for_function(
            "[...document.querySelectorAll('.js-plotly-plot')].some(p => p.layout && p.layout.title && "
            "p.layout.title.text.includes('Confidence tiers'))",
            timeout=harness.RENDER_TIMEOUT_MS,
        )
        values = [v.strip() for v in page.get_by_test_id("stMetricValue").all_inner_texts()]
        # 3 of 5 resolved, in (30 + 60 + 90) / 3 minutes (median 60, p90 60 + 0.8 x 30); 47 min per closed session
        assert values == ["5", "60.0%", "1.0 h", "no ratings", "1.0 h", "1.4 h", "0.0", "47 min", "1", "1"]
        tiers = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')]
                .find(p => p.layout && p.layout.title && p.layout.title.text.includes('Confidence tiers'))
                .data[0].labels"""
        )
        # The tickets came without a tier: their own slice, not discovery.
        assert tiers == [
            "Guided (0% resolved)",
            "Exploring (0% resolved)",
            "Discovery (0% resolved)",
            "Unknown (60% resolved)",
        ]
        assert "Lee Park" in page.get_by_test_id("stSidebar").inner_text()
    finally:
        page.close()
