"""Sessions on the server with safe cookies, CSRF on every form, a Content Security Policy
without 'unsafe-inline', rate limits on sign-in and confirmation, no personal code in addresses
or logs."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tenfold.ids import isikukood
from tenfold.portal.app import create_portal_app
from tenfold.portal.sessions import CITIZEN, Sessions
from tests.portal.conftest import FATHER, MOTHER, csrf_of, sign_in_citizen, sign_in_staff

BABY = isikukood.generate(date(2026, 1, 10), "M", 57)
PAGES = ["/", "/accessibility", "/open-data", "/staff/login", "/home", "/payments", "/my-data", "/consents", "/notifications", "/assistance"]


def test_every_page_has_a_policy_without_inline_scripts_or_styles(portal, client) -> None:
    sign_in_citizen(portal, client)
    for path in PAGES:
        page = client.get(path)
        policy = page.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and " style=" not in page.text and "<style" not in page.text, path
        assert "cdn" not in page.text.lower(), path


def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(portal, client, sib, exchange) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    for form in ({}, {"csrf_token": "forged"}):
        refused = client.post(f"/offers/{offer}/confirm", data=form)
        assert refused.status_code == 403 and "This form has expired" in refused.text
    assert not exchange.calls_to("DEMO/GOV/SIB/benefits/benefits", f"/offers/{offer}/confirm")


def test_a_form_posted_from_another_site_is_refused(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    refused = client.post(f"/offers/{offer}/confirm", data={"csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403


def test_signing_in_gives_a_new_session_and_a_new_token(portal) -> None:
    before = portal.sessions.start()
    after = portal.sessions.sign_in(before, CITIZEN, MOTHER, "Mari", [])
    assert after.token != before.token and after.csrf_token != before.csrf_token
    assert portal.sessions.load(before.token) is None and portal.sessions.load(after.token).citizen == MOTHER


def test_a_session_ends_when_idle_and_at_its_absolute_end(portal) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    sessions = Sessions(portal.engine, 600, 3600, 300, clock=lambda: now[0])
    session = sessions.sign_in(None, CITIZEN, MOTHER, "Mari", [])
    now[0] += timedelta(seconds=590)
    assert sessions.load(session.token) is not None
    now[0] += timedelta(seconds=590)
    assert sessions.load(session.token) is not None
    now[0] += timedelta(seconds=601)
    assert sessions.load(session.token) is None
    kept = sessions.sign_in(None, CITIZEN, MOTHER, "Mari", [])
    for _ in range(7):
        now[0] += timedelta(seconds=550)
        found = sessions.load(kept.token)
    assert found is None  # more than an hour after sign-in, however active


def test_the_session_cookie_is_http_only_same_site_and_secure_on_https(portal, tmp_path) -> None:
    client = TestClient(create_portal_app(portal), follow_redirects=False)
    cookie = client.get("/staff/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    portal.public_url = "https://portal.example"
    secure = TestClient(create_portal_app(portal), base_url="https://portal.example", follow_redirects=False)
    cookie = secure.get("/staff/login").headers["set-cookie"]
    assert cookie.startswith("__Host-tenfold-portal=") and "Secure" in cookie
    assert "max-age=31536000" in secure.get("/").headers["strict-transport-security"]


def test_the_session_lives_on_the_server_the_cookie_holds_only_a_random_token(portal, client) -> None:
    from sqlalchemy import select

    from tenfold.portal.tables import sessions

    token = client.get("/staff/login").headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert MOTHER not in token and len(token) >= 40
    with portal.engine.connect() as connection:
        stored = [r.token_hash for r in connection.execute(select(sessions))]
    assert token not in stored  # only its hash is kept


def test_sign_in_attempts_are_limited_per_address(portal, client) -> None:
    page = client.get("/staff/login")
    answers = [client.post("/staff/login", data={"csrf_token": csrf_of(page), "staff_id": "nobody", "password": "x", "totp": "000000"})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0


def test_confirmations_are_limited_per_session(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    answers = [client.post(f"/offers/{offer}/confirm", data={"csrf_token": token}).status_code for _ in range(6)]
    assert answers == [303] * 5 + [429]


def test_no_personal_code_in_any_address_or_log_line(portal, client, sib, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    addresses = []
    for path in ["/home", f"/offers/{offer}", f"/offers/{offer}/account", f"/offers/{offer}/recipient", "/my-data", "/payments"]:
        page = client.get(path)
        addresses += re.findall(r'(?:href|action|hx-get)="([^"]+)"', page.text)
    done = client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    addresses.append(done.headers["location"])
    assert addresses and not [a for a in addresses if MOTHER in a or FATHER in a or BABY in a]
    # (httpx is this test's stand-in for the gateway, whose log holds message ids only)
    portal_lines = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert MOTHER not in portal_lines and FATHER not in portal_lines


def test_staff_pages_need_the_role(portal, client) -> None:
    assert client.get("/caseworker").headers["location"].startswith("/staff/login?next=/caseworker")
    sign_in_staff(portal, client, "mari", ["operator"])
    assert client.get("/caseworker").status_code == 403
    sign_in_staff(portal, client, "kati", ["caseworker"])
    assert client.get("/operator").status_code == 403
    sign_in_citizen(portal, client)
    assert client.get("/caseworker").status_code == 303


def test_five_failed_staff_sign_ins_lock_the_account_even_for_the_right_code(tmp_path) -> None:
    import pyotp
    from sqlalchemy import select

    from tenfold.portal import migrate
    from tenfold.portal.staff import StaffDirectory, StaffSignInFailed
    from tenfold.portal.tables import staff_audit
    from tenfold.storage import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'portal.sqlite'}")
    migrate(engine)
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    directory = StaffDirectory(engine, 2**10, max_failures=5, lockout_seconds=900, clock=lambda: now[0])
    official = directory.add("kati.tamm", "Kati Tamm", isikukood.generate(date(1980, 1, 8), "F", 3), ["caseworker"])
    for attempt in range(5):
        now[0] += timedelta(seconds=31)
        with pytest.raises(StaffSignInFailed):
            directory.authenticate("kati.tamm", "wrong password", pyotp.TOTP(official.totp_secret).at(now[0]))
    now[0] += timedelta(seconds=31)
    with pytest.raises(StaffSignInFailed, match="Too many"):
        directory.authenticate("kati.tamm", official.password, pyotp.TOTP(official.totp_secret).at(now[0]))
    now[0] += timedelta(seconds=901)
    assert directory.authenticate("kati.tamm", official.password, pyotp.TOTP(official.totp_secret).at(now[0])).roles == ["caseworker"]
    with engine.connect() as connection:
        reasons = [r.detail.get("why") for r in connection.execute(select(staff_audit).where(staff_audit.c.action == "sign_in_failed"))]
    assert reasons.count("credentials") == 4 and reasons.count("locked now") == 1 and reasons.count("locked") == 1


def test_after_sign_in_the_portal_only_goes_to_its_own_pages() -> None:
    from tenfold.portal.context import safe_next

    for target in ("/offers/1?lang=zh-Hant", "/my-data"):
        assert safe_next(target, "/home") == target
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "", None, "/" + "a" * 600):
        assert safe_next(target, "/home") == "/home"
