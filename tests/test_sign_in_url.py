"""Local demo sign-in keeps the chosen user in the URL (``?as=<id>``), so a reload opens as the same user; the user and
role still come from the database, and the other sign-in modes ignore the parameter."""

from __future__ import annotations

import pytest

from tests.app_harness import app_for
from tests.factories import make_account, make_user
from ui.context import with_sign_in


@pytest.fixture
def people(db):
    contoso = make_account(db, "Contoso MSP")
    people = {
        "admin": make_user(db, contoso, "team_admin", name="Tom Admin"),
        "analyst": make_user(db, contoso, "analyst", name="Ana Analyst"),
        "engineer": make_user(db, contoso, "engineer", name="Eve Engineer"),
    }
    db.commit()
    return {name: str(user.id) for name, user in people.items()}


def signed_in(app) -> str:
    return app.sidebar.markdown[0].value.split("**")[1]


def test_the_signed_in_user_is_written_to_the_url(engine, monkeypatch, people):
    app = app_for(engine, monkeypatch).run()
    assert not app.exception
    assert (signed_in(app), app.query_params.get("as")) == ("Tom Admin", people["admin"])
    # A choice made in this browser session (the demo switcher) goes to the URL too.
    app.session_state["auth_user_id"] = people["engineer"]
    app.run()
    assert (signed_in(app), app.query_params.get("as")) == ("Eve Engineer", people["engineer"])


def test_a_reload_opens_as_the_user_in_the_url(engine, monkeypatch, people):
    # A reload is a new browser session: nothing remembered but the URL.
    app = app_for(engine, monkeypatch)
    app.query_params["as"] = people["analyst"]
    app.run()
    assert not app.exception
    assert signed_in(app) == "Ana Analyst"
    assert "analyst · Contoso MSP" in app.sidebar.markdown[0].value
    # The page itself runs as that user: the analyst gets the ad-hoc editor on Reports.
    app.switch_page("views/reports.py").run()
    assert not app.exception
    assert (signed_in(app), app.query_params.get("as")) == ("Ana Analyst", people["analyst"])
    assert [t.key for t in app.text_area] == ["reports_adhoc_sql"]


@pytest.mark.parametrize("value", ["not-a-user", "00000000-0000-0000-0000-000000000000", ""])
def test_an_unknown_user_in_the_url_opens_as_the_default_user(engine, monkeypatch, people, value):
    app = app_for(engine, monkeypatch)
    app.query_params["as"] = value
    app.run()
    assert not app.exception
    assert (signed_in(app), app.query_params.get("as")) == ("Tom Admin", people["admin"])


def test_a_link_to_another_page_carries_the_sign_in_of_the_url():
    signed_in = {"as": "5b0c", "domain": "vpn"}
    assert with_sign_in({"session": "9f1e"}, signed_in) == {"session": "9f1e", "as": "5b0c"}
    assert with_sign_in({"domain": "vpn", "from": "2026-11-01"}, signed_in) == {
        "domain": "vpn",
        "from": "2026-11-01",
        "as": "5b0c",
    }
    # Without a sign-in in the URL (header or OIDC sign-in) the link is left as it is; a link's own ``as`` stays.
    assert with_sign_in({"proposal": "77aa"}, {"domain": "vpn"}) == {"proposal": "77aa"}
    assert with_sign_in({"proposal": "77aa"}, {"as": ""}) == {"proposal": "77aa"}
    assert with_sign_in({"session": "9f1e", "as": "1234"}, signed_in) == {"session": "9f1e", "as": "1234"}


def test_header_sign_in_ignores_the_parameter(engine, monkeypatch, people):
    app = app_for(engine, monkeypatch, auth="header")
    app.query_params["as"] = people["admin"]
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "The trusted header X-Forwarded-Email is missing: sign in through the proxy."
    ]
    assert not app.sidebar.markdown
