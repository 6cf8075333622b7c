"""The caseworkers' console: the queue, a case with its explanation, decisions with a reason,
a second caseworker above the threshold, and every read about a person in that person's tracker."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenfold.ids import isikukood
from tenfold.portal.tables import case_decisions, staff_audit
from tests.portal.conftest import FATHER, MOTHER, OTHER_OFFICIAL, sign_in_citizen, sign_in_staff
from tests.portal.exchange import SIB_SERVICE

BABY = isikukood.generate(date(2026, 1, 10), "M", 57)


def _case(sib) -> int:  # type: ignore[no-untyped-def]
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    return sib.open_case(MOTHER, sib.decision_of(offer))


def test_the_queue_lists_open_cases_and_filters_them(portal, client, sib) -> None:
    case = _case(sib)
    sign_in_staff(portal, client, "kati", ["caseworker"])
    page = client.get("/caseworker")
    assert page.status_code == 200 and f'href="/caseworker/cases/{case}"' in page.text and "needs_caseworker" in page.text
    assert f"/caseworker/cases/{case}" not in client.get("/caseworker?kind=death").text
    assert f"/caseworker/cases/{case}" not in client.get("/caseworker?state=resolved").text


def test_a_case_shows_the_facts_with_their_sources_the_versions_and_the_reason_codes(portal, client, sib) -> None:
    case = _case(sib)
    sign_in_staff(portal, client, "kati", ["caseworker"])
    page = client.get(f"/caseworker/cases/{case}")
    assert page.status_code == 200
    decision = sib.life.decision(sib.decision_of(sib.life.offers_of(MOTHER, None)[0]["id"]), None)
    assert decision["ruleVersion"] in page.text and decision["parameterVersion"] in page.text
    assert "DEMO-1" in page.text  # the message id the fact came in
    assert "childbirth_allowance_per_child" in page.text


def test_opening_a_case_reaches_the_persons_data_tracker_with_the_official(portal, client, sib, exchange) -> None:
    case = _case(sib)
    sign_in_staff(portal, client, "kati", ["caseworker"])
    client.get(f"/caseworker/cases/{case}")
    recorded = [e for e in exchange.tracker["DEMO/GOV/SIB"] if e["person"] == MOTHER]
    assert recorded and all(e["client"] == "DEMO/GOV/PORTAL/staff" for e in recorded)
    assert {e["issue"] for e in recorded} == {f"EXC-{case}"} and recorded[0]["userId"].startswith("EE")
    sign_in_citizen(portal, client)
    mine = client.get("/my-data")
    assert "an official" in mine.text and f"case EXC-{case}" in mine.text


def test_a_decision_needs_a_reason_and_is_recorded_and_audited(portal, client, sib, exchange) -> None:
    case = _case(sib)
    portal.settings.four_eyes_cents = 10**9
    token = sign_in_staff(portal, client, "kati", ["caseworker"])
    refused = client.post(f"/caseworker/cases/{case}/decide", data={"csrf_token": token, "outcome": "grant", "reason": " "})
    assert refused.status_code == 400 and "Enter the reason" in refused.text
    done = client.post(f"/caseworker/cases/{case}/decide", data={"csrf_token": token, "outcome": "grant", "reason": "Both children live at home"})
    assert done.status_code == 303
    [settled] = sib.life.exceptions("resolved", 10)
    assert settled["resolution"].startswith("grant: Both children live at home [kati")
    with portal.engine.connect() as connection:
        assert connection.execute(select(case_decisions.c.state)).scalar_one() == "sent"
        assert "case_decided" in {r.action for r in connection.execute(select(staff_audit))}
    [resolve] = exchange.calls_to(SIB_SERVICE, f"/exceptions/{case}/resolve")
    assert resolve.client == "DEMO/GOV/PORTAL/staff" and resolve.headers["X-Road-Represented-Party"] == MOTHER


def test_above_the_threshold_a_second_caseworker_approves(portal, client, sib) -> None:
    case = _case(sib)
    portal.settings.four_eyes_cents = 100
    token = sign_in_staff(portal, client, "kati", ["caseworker", "approver"])
    client.post(f"/caseworker/cases/{case}/decide", data={"csrf_token": token, "outcome": "grant", "reason": "Entitled"})
    assert sib.life.exceptions("open", 10) and not sib.life.exceptions("resolved", 10)
    with portal.engine.connect() as connection:
        decision_id = connection.execute(select(case_decisions.c.id)).scalar_one()
    own = client.post(f"/caseworker/decisions/{decision_id}/approve", data={"csrf_token": token, "approve": "yes"})
    assert own.status_code == 404 and not sib.life.exceptions("resolved", 10)
    token = sign_in_staff(portal, client, "jaan", ["approver"], OTHER_OFFICIAL)
    assert "Entitled" in client.get("/caseworker/approvals").text
    approved = client.post(f"/caseworker/decisions/{decision_id}/approve", data={"csrf_token": token, "approve": "yes"})
    assert approved.status_code == 303
    [settled] = sib.life.exceptions("resolved", 10)
    assert settled["resolution"] == "grant: Entitled [kati, approved by jaan]"


def test_sib_unreachable_leaves_the_approval_waiting(portal, client, sib, exchange) -> None:
    case = _case(sib)
    portal.settings.four_eyes_cents = 100
    token = sign_in_staff(portal, client, "kati", ["caseworker"])
    client.post(f"/caseworker/cases/{case}/decide", data={"csrf_token": token, "outcome": "refuse", "reason": "Not resident"})
    with portal.engine.connect() as connection:
        decision_id = connection.execute(select(case_decisions.c.id)).scalar_one()
    token = sign_in_staff(portal, client, "jaan", ["approver"], OTHER_OFFICIAL)
    exchange.down.add(SIB_SERVICE)
    assert client.post(f"/caseworker/decisions/{decision_id}/approve", data={"csrf_token": token, "approve": "yes"}).status_code == 503
    exchange.down.clear()
    original = exchange.sib.app
    exchange.sib.app = _failing_resolve(original)
    assert client.post(f"/caseworker/decisions/{decision_id}/approve", data={"csrf_token": token, "approve": "yes"}).status_code == 503
    with portal.engine.connect() as connection:
        assert connection.execute(select(case_decisions.c.state)).scalar_one() == "awaiting_approval"


def _failing_resolve(app):  # type: ignore[no-untyped-def]
    """SIB that answers everything but fails to settle a case (a 503 from its application)."""
    async def wrapped(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and scope["path"].endswith("/resolve"):
            await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"detail": "database is locked"}'})
            return
        await app(scope, receive, send)
    return wrapped
