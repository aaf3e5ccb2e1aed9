"""Human labels: the helpers of ui.labels, and a walk over every page of the demo workspace that fails on any raw
snake_case name (``resolution_rate``, ``active_directory``) in what a person reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.insights.gaps import refresh_all_accounts
from core.models import Account, User
from demo import build_demo
from tests.app_harness import app_for
from tests.factories import make_account, make_user
from ui import labels
from ui.sidebar import SWITCHER_LIMIT, switcher_choices

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Every page in app.py's navigation, read from it so a new page is walked too.
PAGES = re.findall(r'st\.Page\(\s*"(views/\w+\.py)"', (Path(__file__).resolve().parent.parent / "app.py").read_text())
SNAKE = re.compile(r"(?<![\w/.:@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.(-])")
# Directives and links that hold underscores without being labels: :material/account_tree:, ](/sessions?x=…).
NOT_TEXT = re.compile(r":material/[a-z_]+:|\]\([^)]*\)|`[^`]*`")
# Identifiers shown on purpose: the Reports page is the SQL editor, where a report's columns are the names its SQL
# gives them and the schema list names tables and columns as the analyst types them.
ALLOWED = {"views/reports.py": re.compile(r"^\w+$")}


def test_human_names_the_stored_words():
    assert labels.human("active_directory") == "Active Directory"
    assert labels.human("weak_options") == "Weak options"
    assert labels.human("sessions_shown") == "Sessions shown"
    assert labels.human("psa_ticket_id") == "PSA ticket ID"
    assert labels.human("vpn") == "VPN"
    assert labels.human("m365_mfa") == "Microsoft 365 MFA"
    assert labels.human("share %") == "Share %"
    assert labels.human(None) == "—"
    # Text that is already written for people is left alone.
    assert labels.human("Outlook prompts (iOS)") == "Outlook prompts (iOS)"
    assert labels.lower("team_admin") == "team admin"
    assert labels.lower("vpn_drops") == "VPN drops"
    assert labels.lower("active_directory") == "Active Directory"


def test_counts_ratings_and_dates_read_as_a_person_says_them():
    assert [labels.plural(n, "session") for n in (0, 1, 2, 1204)] == [
        "0 sessions",
        "1 session",
        "2 sessions",
        "1,204 sessions",
    ]
    assert labels.plural(3, "match", "matches") == "3 matches"
    assert [labels.rating(v) for v in (None, 4, 3.5, float("nan"))] == ["—", "4", "3.5", "—"]
    assert labels.minute(datetime(2026, 11, 18, 9, 41, 30, 123456, tzinfo=UTC)) == "2026-11-18 09:41 UTC"
    assert labels.minute("2026-11-18T09:41:30.123456+00:00") == "2026-11-18 09:41 UTC"
    assert labels.minute(None) == "—"


def test_gap_evidence_reads_as_text_without_ids():
    evidence = {
        "signature": "q:vpn-error",
        "question": "What error does the VPN client show?",
        "answers": 1204,
        "free_text_rate": 41.5,
        "top_free_text": [{"text": "Error 809", "count": 12}, {"text": "Error 691", "count": 1}],
        "examples": [{"session_id": "abc", "summary": "Hotel Wi-Fi", "resolution": "SSL profile"}],
        "session_ids": ["abc"],
    }
    assert labels.evidence(evidence) == (
        "* Question: What error does the VPN client show?\n"
        "* Answers: 1,204\n"
        "* Free text rate: 41.5 %\n"
        "* Top free text:\n"
        "    * “Error 809”; 12 answers\n"
        "    * “Error 691”; 1 answer\n"
        "* Examples:\n"
        "    * “Hotel Wi-Fi”; fixed by: SSL profile"
    )


def test_switcher_lists_a_limited_search():
    class Person:
        def __init__(self, n: int, account: str = "Northwind") -> None:
            self.id, self.name, self.email = f"id{n}", f"Person {n:04d}", f"p{n}@northwind.example"
            self.role, self.account_name = "engineer" if n else "team_admin", account

    people = [Person(n) for n in range(1445)]
    ids, matched = switcher_choices(people, people[0], "")
    assert (len(ids), matched) == (SWITCHER_LIMIT, 1445)
    ids, matched = switcher_choices(people, people[0], "person 0123")
    # The signed-in person stays in the list so the selectbox can show who is signed in.
    assert (ids, matched) == (["id0", "id123"], 1)
    ids, matched = switcher_choices(people, people[5], "TEAM admin")
    assert (ids, matched) == (["id5", "id0"], 1)


def test_sidebar_switcher_searches_a_long_list(engine, db, monkeypatch):
    account = make_account(db, "Northwind MSP")
    admin = make_user(db, account, "team_admin", name="Grace Admin", email="grace@northwind.test")
    for n in range(40):
        make_user(db, account, "engineer", name=f"Engineer {n:02d}", email=f"e{n:02d}@northwind.test")
    db.commit()
    app = app_for(engine, monkeypatch).run()
    switcher = app.sidebar.selectbox(key="auth_demo_user")
    # Engineers sort before team admins: the first 30 are engineers, and who is signed in is added in front.
    assert len(switcher.options) == SWITCHER_LIMIT + 1
    assert switcher.options[0] == "Grace Admin — team admin · Northwind MSP"
    assert "Showing 30 of 41 matches." in [c.value for c in app.sidebar.caption]
    app.sidebar.text_input(key="auth_demo_filter").input("E3").run()
    switcher = app.sidebar.selectbox(key="auth_demo_user")
    assert switcher.options[0] == "Grace Admin — team admin · Northwind MSP"  # who is signed in stays shown
    assert switcher.options[1:] == [f"Engineer 3{n} — engineer · Northwind MSP" for n in range(10)]
    app.sidebar.text_input(key="auth_demo_filter").input("nobody").run()
    assert "Nobody matches that search." in [c.value for c in app.sidebar.caption]
    assert app.sidebar.selectbox(key="auth_demo_user").value == str(admin.id)


def visible_text(app) -> list[str]:
    """What a person reads on the page: titles, headers, captions, text, alerts, metric and widget labels, the
    options a widget shows, and the column names of every table."""
    texts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown") for e in getattr(app, kind)]
    texts += [e.value for kind in ("info", "warning", "success", "error") for e in getattr(app, kind)]
    texts += [m.label for m in app.metric]
    for kind in ("button", "text_input", "text_area", "number_input", "checkbox", "toggle", "date_input"):
        texts += [w.label for w in getattr(app, kind)]
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(app, kind):
            texts += [widget.label, *widget.options]
    texts += [e.label for e in app.tabs] + [e.label for e in app.expander]
    for frame in app.dataframe:
        texts += [str(c) for c in frame.value.columns]
    return texts


def raw_names(page: str, texts: list[str]) -> set[str]:
    allowed = ALLOWED.get(page)
    found = set()
    for text in texts:
        for name in SNAKE.findall(NOT_TEXT.sub(" ", str(text))):
            if not (allowed and allowed.match(name)):
                found.add(name)
    return found


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from core.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('labels') / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine, now=NOW, scale=0.2)
    # A gap report as the worker stores it every hour: the gap panels and their evidence are walked too.
    refresh_all_accounts(engine, now=NOW)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def admin_id(demo_url) -> str:
    from core.db import make_engine

    engine = make_engine(demo_url)
    with session_scope(engine) as db:
        admin = db.scalar(
            select(User.id)
            .join(Account, Account.id == User.account_id)
            .where(User.role == "team_admin")
            .order_by(Account.created_at, User.name)
            .limit(1)
        )
    engine.dispose()
    return str(admin)


@pytest.mark.parametrize("page", PAGES)
def test_no_page_of_the_demo_shows_a_raw_snake_case_name(page, demo_url, admin_id, monkeypatch):
    from core.db import make_engine

    engine = make_engine(demo_url)
    app = app_for(engine, monkeypatch)
    app.session_state["auth_user_id"] = admin_id
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    texts = visible_text(app)
    # The walk reads the page it meant to, signed in as a team admin.
    assert any("team admin" in m.value for m in app.sidebar.markdown)
    assert len(texts) > 5
    engine.dispose()
    assert raw_names(page, texts) == set()


def test_the_walk_covers_every_page_of_the_navigation():
    assert len(PAGES) == 8 and "views/knowledge_health.py" in PAGES


def test_the_walk_finds_a_raw_name():
    assert raw_names("views/flows.py", ["Domain: active_directory", "Resolution rate"]) == {"active_directory"}
    assert raw_names("views/flows.py", [":material/account_tree: Flows", "[Open](/sessions?session_id=1)"]) == set()
    assert raw_names("views/reports.py", ["closed_sessions"]) == set()
