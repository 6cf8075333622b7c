"""Consent enforced by the exchange, end to end: a bank's e-KYC call through two gateways is
refused without the person's consent, released with it (the data tracker records the lawful
basis, the agreement and the consent record), refused again after withdrawal, refused to a bank
the consent was not given to, and refused when the consent service cannot be asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from sqlalchemy import text

from tenfold.exchange import consent as enforcement
from tests.consent.conftest import person_id
from tests.exchange.country import Country

EKYC = "/r1/DEMO/GOV/IDP/identity/ekyc/v1/kyc"
CONSENT = "/r1/DEMO/GOV/CONSENT/consent/consent"
RECORD = "/service/individual/record/data-agreement/ekyc-bank-customer/"
PERSONS = [person_id(31), person_id(32), person_id(33)]


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Country]:
    from tests.consent import country as consent_country

    running = consent_country.start(Path(tmp_path_factory.mktemp("consent-country")), PERSONS)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TENFOLD_EXCHANGE_CONSENT_CACHE_SECONDS", "0")
    enforcement.check_settings.cache_clear()
    enforcement._positive.clear()
    yield
    enforcement.check_settings.cache_clear()


def kyc(country: Country, person: str, bank: str = "BANK1") -> requests.Response:
    return requests.post(country.url(bank) + EKYC, json={"individualId": person}, timeout=30,
                         headers={"X-Road-Client": f"DEMO/COM/{bank}/bank", "X-Road-Purpose": "Opening an account"})


def portal(country: Country, method: str, path: str, person: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, country.url("PORTAL") + CONSENT + path, timeout=30,
                            headers={"X-Road-Client": "DEMO/GOV/PORTAL/portal", "X-ConsentBB-IndividualId": person}, **kwargs)


def test_ekyc_is_refused_released_and_refused_again_as_consent_is_given_and_withdrawn(country: Country) -> None:
    person = PERSONS[0]
    before = kyc(country, person)
    assert before.status_code == 403 and before.headers["X-Road-Error"] == "Server.ServerProxy.ConsentRequired"
    assert "ekyc-bank-customer" in before.json()["message"]
    given = portal(country, "POST", RECORD, person, params={"dataConsumer": "DEMO/COM/BANK1"})
    assert given.status_code == 201, given.text
    record = given.json()["consentRecord"]["id"]
    after = kyc(country, person)
    assert after.status_code == 200 and after.json()["claims"]["individual_id"] == person
    country.settle_logs()
    with country.engine("IDP").connect() as connection:
        row = connection.execute(text("SELECT lawful_basis, data_agreement, consent_record, client FROM exchange_tracker "
                                      "WHERE person_id = :p AND message_id = :m"), {"p": person, "m": after.headers["X-Road-Id"]}).one()
    assert tuple(row) == ("consent", "ekyc-bank-customer", record, "DEMO/COM/BANK1/bank")
    assert portal(country, "PUT", f"/service/individual/record/consent-record/{record}/", person, json={"optIn": False}).status_code == 200
    withdrawn = kyc(country, person)
    assert withdrawn.status_code == 403 and withdrawn.headers["X-Road-Error"] == "Server.ServerProxy.ConsentWithdrawn"


def test_consent_to_one_bank_releases_nothing_to_another(country: Country) -> None:
    person = PERSONS[1]
    assert portal(country, "POST", RECORD, person, params={"dataConsumer": "DEMO/COM/BANK1"}).status_code == 201
    assert kyc(country, person, "BANK1").status_code == 200
    other = kyc(country, person, "BANK2")
    assert other.status_code == 403 and other.headers["X-Road-Error"] == "Server.ServerProxy.ConsentRequired"


def test_a_withdrawal_takes_effect_within_the_cache_bound(country: Country, monkeypatch: pytest.MonkeyPatch) -> None:
    person = PERSONS[2]
    monkeypatch.setenv("TENFOLD_EXCHANGE_CONSENT_CACHE_SECONDS", "5")
    enforcement.check_settings.cache_clear()
    record = portal(country, "POST", RECORD, person, params={"dataConsumer": "DEMO/COM/BANK1"}).json()["consentRecord"]["id"]
    assert kyc(country, person).status_code == 200
    portal(country, "PUT", f"/service/individual/record/consent-record/{record}/", person, json={"optIn": False})
    assert kyc(country, person).status_code == 200  # the gateway's positive answer is still fresh
    later = enforcement._now() + 5.1
    monkeypatch.setattr(enforcement, "_now", lambda: later)
    assert kyc(country, person).status_code == 403


def test_other_lawful_bases_are_recorded_without_asking_for_consent(country: Country) -> None:
    person = PERSONS[0]
    answer = requests.post(country.url("SIB") + "/r1/DEMO/GOV/POP/registry/echo/data/x", json={"query": {"content": {"ID": person}}},
                           headers={"X-Road-Client": "DEMO/GOV/SIB/benefits"}, timeout=30)
    assert answer.status_code == 200
    country.settle_logs()
    with country.engine("POP").connect() as connection:
        basis = connection.execute(text("SELECT lawful_basis, data_agreement FROM exchange_tracker WHERE message_id = :m"),
                                   {"m": answer.headers["X-Road-Id"]}).one()
    assert tuple(basis) == ("public_task", None)


def test_when_the_consent_service_cannot_be_asked_nothing_is_released(country: Country, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENFOLD_EXCHANGE_CONSENT_SERVICE", "DEMO/GOV/CONSENT/consent/nowhere")
    enforcement.check_settings.cache_clear()
    refused = kyc(country, PERSONS[1])
    assert refused.status_code == 503 and refused.headers["X-Road-Error"] == "Server.ServerProxy.ConsentUnavailable"


def test_a_request_naming_no_person_is_refused(country: Country) -> None:
    answer = requests.post(country.url("BANK1") + EKYC, json={"individualId": "not-a-code"}, timeout=30,
                           headers={"X-Road-Client": "DEMO/COM/BANK1/bank"})
    assert answer.status_code == 403 and answer.headers["X-Road-Error"] == "Server.ServerProxy.ConsentRequired"
