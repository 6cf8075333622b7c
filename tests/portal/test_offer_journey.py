"""A resident's offer journey through the portal, against SIB's real benefits application."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tenfold.ids import isikukood
from tenfold.portal.tables import satisfaction
from tests.portal.conftest import FATHER, MOTHER, csrf_of, sign_in_citizen
from tests.portal.exchange import SIB_SERVICE

BABY = isikukood.generate(date(2026, 1, 10), "M", 57)


def test_the_home_page_lists_the_offer_prepared_after_the_birth_with_its_deadline(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    page = client.get("/home")
    assert page.status_code == 200
    assert f'href="/offers/{offer}"' in page.text
    assert "Confirm by 9 July 2026" in page.text


def test_the_offer_page_shows_the_prefilled_recipient_account_and_each_benefit_with_its_reason(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    page = client.get(f"/offers/{offer}")
    assert page.status_code == 200
    assert "EE38 2200 2210 2014 5685" in page.text and "Mari Tamm" in page.text
    assert "Childbirth allowance" in page.text and "Child allowance" in page.text
    assert "€320.00" in page.text
    assert 'class="portal-reason"' in page.text
    assert page.text.count('action="/offers/' + offer + '/confirm"') == 1


def test_confirming_twice_pays_once_with_one_idempotency_key(portal, client, sib, exchange) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    first = client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    second = client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == f"/offers/{offer}/confirmed"
    sent = exchange.calls_to(SIB_SERVICE, f"/offers/{offer}/confirm")
    assert len(sent) == 2 and sent[0].headers["Idempotency-Key"] == sent[1].headers["Idempotency-Key"]
    assert sent[0].headers["X-Road-UserId"] == "EE" + MOTHER
    with sib.life.engine.connect() as connection:
        from tenfold.lifeevents.tables import enrolments
        assert connection.execute(select(func.count()).select_from(enrolments)).scalar_one() == len(sib.life.offer(offer, None)["items"])
    assert client.get(f"/offers/{offer}/confirmed").status_code == 200


def test_a_settled_offer_can_no_longer_be_changed(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    assert client.post(f"/offers/{offer}/confirm", data={"csrf_token": token}).status_code == 303
    chosen = client.post(f"/offers/{offer}/account", data={"csrf_token": token, "account": "other", "iban": "DE89 3704 0044 0532 0130 00"})
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/offers/{offer}"
    page = client.get(f"/offers/{offer}")
    assert "Confirm and get paid" not in page.text and "You confirmed this offer" in page.text
    assert "DE89" not in page.text


def test_an_offer_answered_differently_elsewhere_is_shown_as_it_stands(portal, client, sib) -> None:
    from tenfold.lifeevents.confirmation import Choice

    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    shown = client.get(f"/offers/{offer}")
    sib.life.confirm(offer, MOTHER, "elsewhere", Choice(iban="DE89370400440532013000"))
    refused = client.post(f"/offers/{offer}/confirm", data={"csrf_token": csrf_of(shown), "recipient": MOTHER, "iban": "EE382200221020145685"})
    assert refused.status_code == 409
    assert "This offer was answered already" in refused.text and "DE89 3704 0044 0532 0130 00" in refused.text


def test_another_account_is_checked_as_an_iban_and_used_for_the_payment(portal, client, sib, exchange) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    wrong = client.post(f"/offers/{offer}/account", data={"csrf_token": token, "account": "other", "iban": "EE38 2200 2210 2014 5686"})
    assert wrong.status_code == 400
    assert "Enter a valid IBAN" in wrong.text and 'href="#iban"' in wrong.text
    empty = client.post(f"/offers/{offer}/account", data={"csrf_token": token, "account": "other", "iban": " "})
    assert empty.status_code == 400 and "Enter the IBAN of the account" in empty.text
    right = client.post(f"/offers/{offer}/account", data={"csrf_token": token, "account": "other", "iban": "de89 3704 0044 0532 0130 00"})
    assert right.status_code == 303 and right.headers["location"] == f"/offers/{offer}"
    assert "DE89 3704 0044 0532 0130 00" in client.get(f"/offers/{offer}").text
    assert client.post(f"/offers/{offer}/confirm", data={"csrf_token": token}).status_code == 303
    [sent] = exchange.calls_to(SIB_SERVICE, f"/offers/{offer}/confirm")
    assert sent.body == {"recipient": MOTHER, "iban": "DE89370400440532013000"}


def test_choosing_the_other_parent_without_a_known_account_asks_for_one(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    page = client.get(f"/offers/{offer}/recipient")
    assert "Jaan Tamm" in page.text  # read from the population register
    moved = client.post(f"/offers/{offer}/recipient", data={"csrf_token": token, "recipient": FATHER})
    assert moved.headers["location"] == f"/offers/{offer}/account"
    refused = client.post(f"/offers/{offer}/recipient", data={"csrf_token": token, "recipient": BABY})
    assert refused.status_code == 400 and "Choose who receives the money" in refused.text


def test_the_survey_after_confirming_is_answered_once_and_carries_no_person(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    assert client.post(f"/offers/{offer}/feedback", data={"csrf_token": token}).status_code == 400
    assert client.post(f"/offers/{offer}/feedback", data={"csrf_token": token, "score": "5"}).status_code == 303
    assert client.post(f"/offers/{offer}/feedback", data={"csrf_token": token, "score": "1"}).status_code == 303
    with portal.engine.connect() as connection:
        rows = connection.execute(select(satisfaction)).all()
    assert [(r.score, r.journey, r.program) for r in rows] == [(5, "birth", "family_benefits")]
    assert MOTHER not in str(rows[0]) and offer not in str(rows[0])
    assert "Thank you for your feedback" in client.get(f"/offers/{offer}/confirmed").text


def test_contesting_the_decision_puts_an_appeal_in_the_caseworkers_queue(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    assert client.post(f"/offers/{offer}/contest", data={"csrf_token": token, "reason": ""}).status_code == 400
    done = client.post(f"/offers/{offer}/contest", data={"csrf_token": token, "reason": "My daughter lives with us"})
    assert done.status_code == 200 and "We have received your appeal" in done.text
    [case] = sib.life.exceptions("open", 10)
    assert case["reasonCode"] == "appeal" and case["offerId"] == offer


def test_another_persons_offer_is_not_shown(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    stranger = isikukood.generate(date(1970, 1, 1), "M", 1)
    sign_in_citizen(portal, client, stranger, "Someone Else")
    assert client.get(f"/offers/{offer}").status_code == 404
    assert offer not in client.get("/home").text
