"""Queue listing: tabs, counts, filters, sort, pagination and the stats strip, on hand-built proposals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.review import proposals
from tests.factories import NOW, make_account, make_tree
from tests.review_helpers import enhancement_proposal, new_flow_proposal


@pytest.fixture
def queue(db):
    account = make_account(db)
    other = make_account(db)
    target = make_tree(db, account)
    made = {}
    specs = [
        # title, status, domain, confidence, support, hours ago
        ("A", "pending", "network", 0.9, 1, 1),
        ("B", "pending", "network", 0.5, 7, 2),
        ("C", "pending", "exchange", 0.7, 3, 3),
        ("D", "approved", "network", 0.8, 2, 30),
        ("E", "modified", "exchange", 0.8, 2, 40),
        ("F", "rejected", None, 0.2, 1, 50),
        ("G", "dismissed", "printing", 0.3, 1, 60),
        ("H", "auto_reinforced", "exchange", 1.0, 1, 5),
    ]
    for title, status, domain, conf, support, hours in specs:
        made[title] = new_flow_proposal(
            db,
            account,
            title=title,
            status=status,
            problem_domain=domain,
            confidence_score=conf,
            supporting_session_count=support,
            created_at=NOW - timedelta(hours=hours),
            reviewed_at=(NOW - timedelta(hours=hours - 1)) if status in ("approved", "modified", "rejected") else None,
        )
    made["I"] = enhancement_proposal(
        db,
        account,
        target,
        title="I",
        confidence_score=0.6,
        supporting_session_count=5,
        created_at=NOW - timedelta(hours=4),
    )
    new_flow_proposal(db, other, title="not mine")
    db.commit()
    return account


def titles(page):
    return [row.title for row in page.rows]


def test_tabs_group_statuses_and_count_them(db, queue):
    assert proposals.tab_counts(db, queue.id) == {"pending": 4, "approved": 2, "rejected": 1, "dismissed": 1, "all": 9}
    assert titles(proposals.list_proposals(db, queue.id)) == ["A", "B", "C", "I"]
    assert titles(proposals.list_proposals(db, queue.id, tab="approved")) == ["D", "E"]
    assert titles(proposals.list_proposals(db, queue.id, tab="all")) == ["A", "B", "C", "I", "H", "D", "E", "F", "G"]


def test_filters_narrow_the_list_and_the_counts(db, queue):
    assert titles(proposals.list_proposals(db, queue.id, domain="network")) == ["A", "B"]
    assert titles(proposals.list_proposals(db, queue.id, proposal_type="enhancement")) == ["I"]
    assert titles(proposals.list_proposals(db, queue.id, tab="all", domain=proposals.NO_DOMAIN)) == ["F"]
    assert proposals.tab_counts(db, queue.id, domain="exchange") == {
        "pending": 2,
        "approved": 1,
        "rejected": 0,
        "dismissed": 0,
        "all": 4,
    }
    assert proposals.proposal_domains(db, queue.id) == ["exchange", "network", "printing", "(none)"]


def test_sorts(db, queue):
    assert titles(proposals.list_proposals(db, queue.id, sort="confidence")) == ["A", "C", "I", "B"]
    assert titles(proposals.list_proposals(db, queue.id, sort="support")) == ["B", "I", "C", "A"]
    with pytest.raises(ValueError, match="Unknown sort 'oldest'"):
        proposals.list_proposals(db, queue.id, sort="oldest")
    with pytest.raises(ValueError, match="Unknown tab 'done'"):
        proposals.list_proposals(db, queue.id, tab="done")


def test_pagination_slices_in_the_database_and_clamps_the_page(db, queue):
    first = proposals.list_proposals(db, queue.id, tab="all", page_size=4)
    third = proposals.list_proposals(db, queue.id, tab="all", page_size=4, page=3)
    beyond = proposals.list_proposals(db, queue.id, tab="all", page_size=4, page=99)
    assert (first.total, first.pages, titles(first)) == (9, 3, ["A", "B", "C", "I"])
    assert (third.page, titles(third)) == (3, ["G"])
    assert (beyond.page, titles(beyond)) == (3, ["G"])


def test_a_page_given_the_tab_count_pages_as_if_it_had_counted(db, queue):
    counts = proposals.tab_counts(db, queue.id, domain="network")
    given = proposals.list_proposals(db, queue.id, tab="pending", domain="network", page_size=1, page=5, total=2)
    counted = proposals.list_proposals(db, queue.id, tab="pending", domain="network", page_size=1, page=5)
    assert counts["pending"] == 2
    assert (given.total, given.pages, given.page, titles(given)) == (2, 2, 2, ["B"])
    assert (counted.total, counted.page, titles(counted)) == (2, 2, ["B"])


def test_row_shows_age_and_type(db, queue):
    row = proposals.list_proposals(db, queue.id, proposal_type="enhancement").rows[0]
    assert row.as_dict(now=NOW)["age"] == "4h"
    assert row.as_dict(now=NOW)["type"] == "enhancement"


def test_stats_strip_counts_the_last_seven_days(db, queue):
    stats = proposals.queue_stats(db, queue.id, now=NOW + timedelta(days=1))
    assert stats.pending == 4
    assert stats.approved_week == 2  # approved + modified
    assert stats.rejected_week == 1
    assert stats.auto_reinforced_week == 1
    assert stats.top_domains == [("exchange", 2), ("network", 2)]  # ties by name
    later = proposals.queue_stats(db, queue.id, now=NOW + timedelta(days=8, hours=1))
    assert (later.approved_week, later.rejected_week, later.auto_reinforced_week) == (0, 0, 0)
