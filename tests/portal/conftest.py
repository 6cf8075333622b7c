"""Fixtures of the portal tests: the portal over a fresh database, with the exchange replaced by
:class:`tests.portal.exchange.InProcessExchange` (SIB's real benefits application in process,
small stand-ins for the others, and the data tracker the gateways would keep)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from tenfold.ids import isikukood
from tenfold.portal import migrate
from tenfold.portal.app import create_portal_app
from tenfold.portal.bootstrap import Portal
from tenfold.portal.config import PortalSettings
from tenfold.portal.sessions import CITIZEN, STAFF
from tenfold.settings import DEMO_TOPOLOGY
from tenfold.storage import make_engine
from tenfold.topology import load
from tests.portal.exchange import InProcessExchange, Sib
from tests.databases import database_url

MOTHER = isikukood.generate(date(1992, 3, 4), "F", 21)
FATHER = isikukood.generate(date(1990, 7, 8), "M", 33)
OFFICIAL = isikukood.generate(date(1984, 3, 12), "F", 12)
OTHER_OFFICIAL = isikukood.generate(date(1979, 11, 2), "M", 7)


@pytest.fixture
def sib(tmp_path: Path) -> Sib:
    return Sib.open(tmp_path / "sib")


@pytest.fixture
def exchange(sib: Sib) -> InProcessExchange:
    return InProcessExchange(sib)


@pytest.fixture
def portal(tmp_path: Path, exchange: InProcessExchange) -> Portal:
    engine = make_engine(database_url(tmp_path, 'portal'))
    migrate(engine)
    settings = PortalSettings(oidc_client_file=tmp_path / "oidc.json", runtime_file=tmp_path / "runtime.json", scrypt_n=2**10,
                              four_eyes_cents=100_000, login_per_minute=5, confirm_per_minute=5)
    return Portal(settings, engine, exchange.as_client("DEMO/GOV/PORTAL/portal"), exchange.as_client("DEMO/GOV/PORTAL/staff"),
                  load(DEMO_TOPOLOGY), "http://testserver", "http://idp.test")


@pytest.fixture
def client(portal: Portal) -> Iterator[TestClient]:
    with TestClient(create_portal_app(portal), follow_redirects=False) as test_client:
        yield test_client


def sign_in_citizen(portal: Portal, client: TestClient, person: str = MOTHER, name: str = "Mari Tamm") -> str:
    session = portal.sessions.sign_in(None, CITIZEN, person, name, [])
    client.cookies.set("tenfold-portal", session.token)
    return session.csrf_token


def sign_in_staff(portal: Portal, client: TestClient, staff_id: str, roles: list[str], personal_code: str = OFFICIAL) -> str:
    portal.staff.add(staff_id, staff_id.title(), personal_code, roles, password="secret-password")
    session = portal.sessions.sign_in(None, STAFF, staff_id, staff_id.title(), roles)
    session.data["user_id"] = "EE" + personal_code
    portal.sessions.save(session)
    client.cookies.set("tenfold-portal", session.token)
    return session.csrf_token


def csrf_of(page: Any) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
