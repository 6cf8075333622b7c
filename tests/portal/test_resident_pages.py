"""A resident's other pages: payments, who used my data, consents, messages, social assistance."""

from __future__ import annotations

from datetime import date

from tenfold.ids import isikukood
from tests.portal.conftest import FATHER, MOTHER, sign_in_citizen
from tests.portal.exchange import SIB_SERVICE

BABY = isikukood.generate(date(2026, 1, 10), "M", 57)


def test_payments_list_what_is_planned_after_confirming(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    assert "No payments are planned for you." in client.get("/payments").text
    client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    page = client.get("/payments")
    assert "Childbirth allowance" in page.text and "€320.00" in page.text and "Upcoming" in page.text
    assert "EE38 2200 2210 2014 5685" in page.text


def test_my_data_lists_every_use_newest_first_and_filters_by_reader(portal, client, sib, exchange) -> None:
    sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    client.get("/home")
    client.get("/payments")
    page = client.get("/my-data")
    assert page.status_code == 200
    rows = page.text.split('id="usage-table"')[1]
    assert rows.index("Showing a resident their benefit payments") < rows.index("Showing a resident the benefit offers")
    assert "you" in rows and "State Portal" in rows
    none = client.get("/my-data?reader=DEMO%2FGOV%2FTAX")
    assert "0 uses of your data" in none.text


def test_a_member_that_does_not_answer_is_named_not_left_out(portal, client, exchange) -> None:
    exchange.down.add("DEMO/GOV/TAX/registry/findUsage")
    sign_in_citizen(portal, client)
    page = client.get("/my-data")
    assert page.status_code == 200 and "Not available just now: Tax and Customs Board" in page.text


def test_consents_can_be_given_and_withdrawn(portal, client, exchange) -> None:
    token = sign_in_citizen(portal, client)
    assert "You have not given any consent." in client.get("/consents").text
    assert client.post("/consents/give", data={"csrf_token": token, "agreement": "ekyc-bank-customer"}).status_code == 303
    page = client.get("/consents")
    assert "Know your customer" in page.text and 'href="/consents/CR-1/withdraw"' in page.text
    assert "Withdraw your consent?" in client.get("/consents/CR-1/withdraw").text
    done = client.post("/consents/CR-1/withdraw", data={"csrf_token": token})
    assert done.headers["location"] == "/consents?done=withdrawn"
    assert exchange.consents[0]["optIn"] is False
    assert "Your consent is withdrawn" in client.get("/consents?done=withdrawn").text
    assert client.get("/consents/CR-1/withdraw").status_code == 404
    assert client.post("/consents/give", data={"csrf_token": token, "agreement": "made-up"}).status_code == 404


def test_messages_show_the_offers_notice_in_the_readers_language(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    page = client.get("/notifications")
    assert "A benefits offer for your family" in page.text and f'href="/offers/{offer}"' in page.text


def test_social_assistance_is_applied_for_with_the_personal_code_only(portal, client, exchange) -> None:
    token = sign_in_citizen(portal, client)
    start = client.get("/assistance")
    form = start.text.split('action="/assistance"')[1].split("</form>")[0]
    assert MOTHER in start.text and form.count("<input") == 1 and 'type="hidden" name="csrf_token"' in form  # nothing to fill in
    answer = client.post("/assistance", data={"csrf_token": token})
    # SIB gathers the household through the exchange, which is not reachable in these tests
    assert answer.status_code == 503
    [sent] = exchange.calls_to(SIB_SERVICE, "/assistance/applications")
    assert sent.body == {"personId": MOTHER} and sent.headers["X-Road-UserId"] == "EE" + MOTHER
