"""English and Traditional Chinese: the language link keeps the page (and its query); the choice is
remembered; the browser's language is the default (tests/test_i18n.py checks that every string
has its zh-Hant text)."""

from __future__ import annotations

from datetime import date
from tenfold.ids import isikukood
from tests.portal.conftest import FATHER, MOTHER, sign_in_citizen

BABY = isikukood.generate(date(2026, 1, 10), "M", 57)


def test_the_language_link_keeps_the_page_and_its_filters(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    page = client.get(f"/offers/{offer}")
    assert f'href="/offers/{offer}?lang=zh-Hant"' in page.text
    filtered = client.get("/my-data?reader=DEMO%2FGOV%2FSIB&since=2026-01-01")
    assert 'href="/my-data?reader=DEMO%2FGOV%2FSIB&amp;since=2026-01-01&amp;lang=zh-Hant"' in filtered.text


def test_chinese_is_kept_once_chosen_and_money_and_dates_follow_it(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    sign_in_citizen(portal, client)
    switched = client.get(f"/offers/{offer}?lang=zh-Hant")
    assert '<html lang="zh-Hant"' in switched.text and "兒童津貼" in switched.text and "確認" in switched.text
    assert "tenfold-lang=zh-Hant" in switched.headers["set-cookie"]
    client.cookies.set("tenfold-lang", "zh-Hant")
    home = client.get("/home")
    assert '<html lang="zh-Hant"' in home.text and "2026年7月9日" in home.text
    assert client.get("/home?lang=en").text.count("Confirm by 9 July 2026") == 1


def test_the_browsers_language_is_the_default(client) -> None:
    assert '<html lang="zh-Hant"' in client.get("/", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).text
    assert '<html lang="en"' in client.get("/", headers={"Accept-Language": "fr, en;q=0.8"}).text
