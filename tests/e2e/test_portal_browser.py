"""The portal in a real browser against the whole country (``tenfold serve``): a parent finds the
offer made after a simulated birth, confirms it, sees the payment after the payment run and the
data-tracker entries the journey produced; the same in Traditional Chinese; a caseworker decides
the parent's appeal (with a second caseworker above the threshold); an operator sees the
journeys. axe-core checks every page type; screenshots go to var/screenshots.

The tests share one country and run in this file's order (the appeal of the first test is the
caseworkers' case)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from tenfold.ids import isikukood
from tests.e2e.browser import ARGS, CHROMIUM, Person, missing
from tests.e2e.country import Country, http_json, poll

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(missing() is not None, reason=missing() or "")]


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Country]:
    running = Country.start(tmp_path_factory.mktemp("portal-country"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def parents(country: Country) -> list[dict[str, Any]]:
    return country.parents_with_offers(2)


@pytest.fixture(scope="module")
def staff(country: Country) -> dict[str, dict[str, Any]]:
    code = lambda born, sex, serial: isikukood.generate(born, sex, serial)  # noqa: E731
    return {"caseworker": country.staff("kati", code(date(1984, 3, 12), "F", 12), "caseworker"),
            "approver": country.staff("jaan", code(date(1979, 11, 2), "M", 7), "caseworker", "approver"),
            "operator": country.staff("mari", code(date(1990, 6, 21), "F", 30), "operator")}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def person(chromium: Any, country: Country, locale: str = "en-GB") -> Person:
    context = chromium.new_context(locale=locale, viewport={"width": 1100, "height": 900})
    return Person(context.new_page(), country.portal)


def test_a_parent_confirms_the_offer_sees_the_payment_and_the_data_tracker(chromium: Any, country: Country, parents: list[dict[str, Any]]) -> None:
    mother, you = parents[0], person(chromium, country)
    page = you.go("/")
    you.check("01-start")
    page.get_by_role("button", name="Start now").click()
    you.sign_in_at_the_identity_provider(mother)
    assert page.url.endswith("/home")
    you.check("02-home")
    page.locator(f"a[href='/offers/{mother['offerId']}']").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Benefits for your new child"
    you.check("03-offer")
    page.get_by_role("link", name="Change the recipient").click()
    you.check("03-recipient")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"**/offers/{mother['offerId']}")
    page.get_by_role("link", name="Change the bank account").click()
    page.locator("label", has_text="Another account").click()  # USWDS draws its own radio: the label is what people click
    page.fill("#iban", "EE38 2200 2210 2014 5686")
    page.get_by_role("button", name="Continue").click()
    assert "Enter a valid IBAN" in page.locator("#error-summary").inner_text()
    you.check("04-account-error")
    page.locator("label[for=account-0]").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm and get paid").dblclick()
    page.wait_for_url(f"**/offers/{mother['offerId']}/confirmed")
    assert page.get_by_role("heading", level=1).inner_text() == "Offer confirmed"
    you.check("05-confirmed")
    page.locator("label[for=score-5]").click()
    page.get_by_role("button", name="Send feedback").click()
    assert page.get_by_text("Thank you for your feedback").is_visible()
    _, offer = http_json("GET", f"{country.sib}/offers/{mother['offerId']}")
    assert offer["state"] == "confirmed" and offer["confirmation"]["by"] == mother["personId"]

    country.payment_run(mother["personId"])
    poll("the payment settled at the bank", lambda: "Paid" in you.go("/payments").locator("main").inner_text(), 90, 1.0)
    assert "Childbirth allowance" in page.locator("main").inner_text()
    you.check("06-payments")

    page = you.go("/my-data")
    table = page.locator("#usage-table").inner_text()
    assert "Proactive family benefits after a registered birth" in table  # SIB's reads when the birth was registered
    assert "Showing a resident the benefit offers prepared for them" in table  # the portal's own reads, as the parent
    you.check("07-my-data")
    page.select_option("#reader", "DEMO/GOV/SIB")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/my-data?*reader=DEMO%2FGOV%2FSIB*")
    assert "Showing a resident" not in page.locator("#usage-table").inner_text()

    _consents(you)
    you.go("/notifications")
    you.check("10-messages")
    page = you.go("/assistance")
    you.check("11-assistance")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/assistance/APP-*")
    assert page.get_by_role("heading", level=1).inner_text() == "Your social assistance decision"
    you.check("11-assistance-decision")
    page = you.go(f"/offers/{mother['offerId']}/contest")
    page.fill("#reason", "The child's father lives with us too; please check the household.")
    page.get_by_role("button", name="Send").click()
    assert page.get_by_role("heading", level=1).inner_text() == "We have received your appeal"
    you.check("12-appeal-received")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signed-out")
    you.check("13-signed-out")
    assert "/authorize?" in you.go("/home").url  # signed out: back to the identity provider's sign-in
    assert not you.violations, you.violations


def _consents(you: Person) -> None:
    page = you.go("/consents")
    page.locator("form[action='/consents/give'] button").first.click()
    page.wait_for_url("**/consents?done=given")
    you.check("08-consents")
    page.locator("a[href$='/withdraw']").first.click()
    you.check("09-withdraw-consent")
    page.get_by_role("button", name="Withdraw consent").click()
    page.wait_for_url("**/consents?done=withdrawn")
    assert "withdrawn" in page.locator("main table").inner_text().lower()


def test_the_same_journey_in_traditional_chinese(chromium: Any, country: Country, parents: list[dict[str, Any]]) -> None:
    father_or_mother, you = parents[1], person(chromium, country, "en-GB")
    page = you.go("/")
    page.get_by_role("link", name="繁體中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hant" and page.url.endswith("/?lang=zh-Hant")
    you.check("21-start-zh")
    page.get_by_role("button", name="立即開始").click()
    assert "登入" in page.content()  # the identity provider speaks the same language (ui_locales)
    you.sign_in_at_the_identity_provider(father_or_mother)
    you.check("22-home-zh")
    page.locator(f"a[href='/offers/{father_or_mother['offerId']}']").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "新生兒的給付"
    you.check("23-offer-zh")
    english = page.get_by_role("link", name="English")
    assert english.get_attribute("href") == f"/offers/{father_or_mother['offerId']}?lang=en"
    page.get_by_role("button", name="確認並領取給付").click()
    page.wait_for_url(f"**/offers/{father_or_mother['offerId']}/confirmed")
    assert page.get_by_role("heading", level=1).inner_text() == "給付提議已確認"
    you.check("24-confirmed-zh")
    country.payment_run(father_or_mother["personId"])
    poll("the payment settled at the bank", lambda: "已付款" in you.go("/payments").locator("main").inner_text(), 90, 1.0)
    you.check("25-payments-zh")
    page = you.go("/my-data")
    assert "社會保險局" in page.locator("#usage-table").inner_text()
    you.check("26-my-data-zh")
    assert not you.violations, you.violations


def test_a_caseworker_decides_the_appeal_and_a_second_caseworker_approves(chromium: Any, country: Country, parents: list[dict[str, Any]],
                                                                         staff: dict[str, dict[str, Any]]) -> None:
    kati = person(chromium, country)
    kati.go("/staff/login")
    kati.check("30-staff-sign-in")
    kati.staff_sign_in(staff["caseworker"])
    page = kati.page
    page.wait_for_url("**/caseworker")
    kati.check("31-queue")
    page.select_option("#kind", "appeal")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/caseworker?*kind=appeal*")
    page.locator("#cases a[href^='/caseworker/cases/']").first.click()
    case_id = re.search(r"/caseworker/cases/(\d+)", page.url).group(1)  # type: ignore[union-attr]
    text = page.locator("main").inner_text()
    assert "Rule version" in text and "Facts and their sources" in text and "DEMO/GOV/TAX/registry/registry" in text
    kati.check("32-case")
    page.get_by_role("button", name="Record the decision").click()
    assert "Enter the reason" in page.locator("#error-summary").inner_text()
    kati.check("33-case-error")
    page.locator("label[for=outcome-refer]").click()
    page.fill("#reason", "The father's residence must be confirmed by the population register.")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(f"**/caseworker/cases/{case_id}?done=*")
    second_pair = "done=awaiting_approval" in page.url
    if second_pair:
        jaan = person(chromium, country)
        jaan.staff_sign_in(staff["approver"])
        page = jaan.go("/caseworker/approvals")
        jaan.check("34-approvals")
        page.locator(f"section:has(a[href='/caseworker/cases/{case_id}']) button[value=yes]").click()
        page.wait_for_url("**/caseworker/approvals?done=approved")
    _, settled = http_json("GET", f"{country.sib}/exceptions/{case_id}")
    assert settled["state"] == "resolved" and settled["resolution"].startswith("refer: The father's residence")
    assert second_pair == ("approved by jaan" in settled["resolution"])
    _, usage = http_json("GET", f"{country.gateway('PORTAL')}/r1/DEMO/GOV/SIB/benefits/findUsage?personId={parents[0]['personId']}",
                         headers={"X-Road-Client": "DEMO/GOV/PORTAL/portal"})
    officials = [u for u in usage["usage"] if u["client"] == "DEMO/GOV/PORTAL/staff" and u["issue"] == f"EXC-{case_id}"]
    assert officials and officials[0]["userId"].startswith("EE")  # the case's reads are in the parent's data tracker
    assert not kati.violations, kati.violations


def test_an_operator_sees_the_journeys_on_the_dashboard_and_the_public_its_open_data(chromium: Any, country: Country,
                                                                                    staff: dict[str, dict[str, Any]]) -> None:
    mari = person(chromium, country)
    mari.staff_sign_in(staff["operator"])
    page = mari.page
    page.wait_for_url("**/operator")
    text = page.locator("main").inner_text()
    journeys = int(re.search(r"([\d,]+)\s*journeys", text).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert journeys >= 2 and "Journeys per day" in text and "From the offer to the confirmation" in text
    assert "Exchange traffic by member and service" in text and "Data tracker volumes" in text
    assert page.locator("svg[role=img]").count() >= 8
    mari.check("41-dashboard")
    csv = page.request.get(country.portal + "/operator/data/duration-offer-to-confirm.csv").text()
    assert sum(int(line.split(",")[1]) for line in csv.strip().splitlines()[1:]) >= 2  # both confirmations
    public = person(chromium, country)
    page = public.go("/open-data")
    assert "Journeys per day" in page.locator("main").inner_text()
    public.check("42-open-data")
    page = public.go("/accessibility")
    public.check("43-accessibility")
    assert "/authorize?" in public.go("/offers/OF-NOT-YOURS").url  # only for the signed-in addressee
    public.go("/no-such-page")
    public.check("44-not-found")
    assert not mari.violations and not public.violations


def test_the_screenshots_cover_every_page_type() -> None:
    from tests.e2e.browser import SCREENSHOTS

    taken = {p.stem for p in Path(SCREENSHOTS).glob("*.png")}
    for name in ("01-start", "03-offer", "05-confirmed", "06-payments", "07-my-data", "08-consents", "23-offer-zh", "32-case", "41-dashboard",
                 "42-open-data"):
        assert name in taken, name
