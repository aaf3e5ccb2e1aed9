"""Sign-in rules (core.auth), on SQLite and PostgreSQL: who is signed in, and where roles come from."""

from __future__ import annotations

import uuid

import pytest

from core.auth import (
    AuthError,
    PermissionDenied,
    SignInRequired,
    default_local_user,
    local_users,
    require_team_admin,
    sign_in,
)
from core.config import Settings
from core.models import User
from tests.factories import make_account, make_team, make_two_accounts, make_user

SQLITE = Settings(database_url="sqlite:///unused.db")
PG = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:5432/unused")


@pytest.fixture
def people(db):
    """Two accounts; the first (older) one has an engineer, a team admin and an owner."""
    first, second = make_two_accounts(db)
    team = make_team(db, first)
    engineer = make_user(db, first, "engineer", team, name="Eve Engineer", email="eve@contoso.test")
    admin = make_user(db, first, "team_admin", team, name="Tom Admin", email="tom@contoso.test")
    owner = make_user(db, first, "owner", team, name="Olga Owner", email="olga@contoso.test")
    other_admin = make_user(db, second, "team_admin", name="Fay Admin", email="fay@fabrikam.test")
    db.commit()
    return {"engineer": engineer, "admin": admin, "owner": owner, "other_admin": other_admin}


def test_local_mode_opens_as_the_oldest_accounts_team_admin(db, people):
    user = sign_in(db, SQLITE)
    assert (user.email, user.role, user.account_name) == ("tom@contoso.test", "team_admin", "Contoso MSP")
    assert user.is_team_admin


def test_local_mode_keeps_the_user_picked_in_the_switcher(db, people):
    other = people["other_admin"]
    user = sign_in(db, SQLITE, remembered_user_id=str(other.id))
    assert (user.name, user.account_name) == ("Fay Admin", "Fabrikam IT")


def test_local_mode_falls_back_when_the_remembered_user_is_gone_or_malformed(db, people):
    assert sign_in(db, SQLITE, remembered_user_id=uuid.uuid4()).email == "tom@contoso.test"
    assert sign_in(db, SQLITE, remembered_user_id="not-a-uuid").email == "tom@contoso.test"


def test_role_is_read_from_the_database_on_every_sign_in(db, people):
    engineer = people["engineer"]
    assert not sign_in(db, SQLITE, remembered_user_id=engineer.id).is_team_admin
    db.get(User, engineer.id).role = "owner"
    db.commit()
    promoted = sign_in(db, SQLITE, remembered_user_id=engineer.id)
    assert (promoted.role, promoted.is_team_admin) == ("owner", True)


def test_local_mode_is_refused_on_postgresql_unless_allowed(db, people):
    with pytest.raises(AuthError, match="refused on PostgreSQL.*FLOWPILOT_ALLOW_LOCAL_AUTH_ON_POSTGRES=true"):
        sign_in(db, PG, remembered_user_id=people["engineer"].id)
    allowed = Settings(database_url=PG.database_url, allow_local_auth_on_postgres=True)
    assert sign_in(db, allowed).email == "tom@contoso.test"


def test_local_mode_without_any_admin_says_how_to_create_the_demo(db):
    make_user(db, make_account(db), "engineer")
    db.commit()
    with pytest.raises(AuthError, match=r"python -m jobs.setup"):
        default_local_user(db, SQLITE)


def test_header_mode_signs_in_the_user_named_by_the_proxy(db, people):
    cfg = Settings(database_url=SQLITE.database_url, auth="header")
    user = sign_in(db, cfg, headers={"x-forwarded-email": "  Fay@Fabrikam.TEST "})
    assert (user.name, user.role, user.account_name) == ("Fay Admin", "team_admin", "Fabrikam IT")


def test_header_mode_never_falls_back_to_a_default_user(db, people):
    cfg = Settings(database_url=SQLITE.database_url, auth="header")
    with pytest.raises(AuthError, match="The trusted header X-Forwarded-Email is missing"):
        sign_in(db, cfg, headers={"Host": "studio"}, remembered_user_id=people["admin"].id)
    with pytest.raises(AuthError, match="No FlowPilot user has the e-mail 'mallory@evil.test'"):
        sign_in(db, cfg, headers={"X-Forwarded-Email": "mallory@evil.test"})


def test_header_mode_uses_the_configured_header_name(db, people):
    cfg = Settings(database_url=SQLITE.database_url, auth="header", auth_header="X-Auth-Request-Email")
    assert sign_in(db, cfg, headers={"X-Auth-Request-Email": "eve@contoso.test"}).role == "engineer"


def test_oidc_mode_requires_a_signed_in_identity(db, people):
    cfg = Settings(database_url=SQLITE.database_url, auth="oidc")
    with pytest.raises(SignInRequired):
        sign_in(db, cfg, oidc_user={"email": "eve@contoso.test"})
    with pytest.raises(AuthError, match="did not send an e-mail claim"):
        sign_in(db, cfg, oidc_user={"is_logged_in": True, "name": "Eve"})
    # Claims never grant a role: the users row does.
    user = sign_in(db, cfg, oidc_user={"is_logged_in": True, "email": "eve@contoso.test", "role": "owner"})
    assert (user.name, user.role) == ("Eve Engineer", "engineer")


def test_unknown_mode_is_a_clear_error(db, people):
    with pytest.raises(AuthError, match="FLOWPILOT_AUTH='ldap' is not a sign-in mode; use one of local, header, oidc"):
        sign_in(db, Settings(database_url=SQLITE.database_url, auth="ldap"))


def test_switcher_lists_everyone_account_by_account_in_role_order(db, people):
    assert [(u.account_name, u.role, u.name) for u in local_users(db)] == [
        ("Contoso MSP", "engineer", "Eve Engineer"),
        ("Contoso MSP", "team_admin", "Tom Admin"),
        ("Contoso MSP", "owner", "Olga Owner"),
        ("Fabrikam IT", "team_admin", "Fay Admin"),
    ]


def test_require_team_admin(db, people):
    admin = sign_in(db, SQLITE)
    engineer = sign_in(db, SQLITE, remembered_user_id=people["engineer"].id)
    require_team_admin(admin, admin.account_id)
    with pytest.raises(PermissionDenied, match="Eve Engineer has the role engineer; only team admins may do this"):
        require_team_admin(engineer, engineer.account_id)
    with pytest.raises(PermissionDenied, match="another account"):
        require_team_admin(admin, people["other_admin"].account_id)
