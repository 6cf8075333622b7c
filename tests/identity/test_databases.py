"""The provider's storage on both backends: a sign-in from authorize to userinfo, the single use
of codes and assertion ids, and the idempotent death inbox (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import requests

from tenfold.identity.browser import Browser
from tenfold.identity.client import RelyingParty
from tests.identity.flows import assertion, code_for, token_by_assertion
from tests.identity.idp import REDIRECT, Idp, start_idp


@pytest.fixture
def idp_on(any_database_url: str) -> Iterator[Idp]:
    running = start_idp(any_database_url)
    yield running
    running.stop()


def test_a_sign_in_and_its_single_use_parts_on_either_database(idp_on: Idp) -> None:
    client_id, private = idp_on.key_client()
    party = RelyingParty(idp_on.url, client_id, REDIRECT, private_jwk=private)
    resident = idp_on.resident()
    login = party.login_request("openid profile", claims={"userinfo": {"individual_id": {"essential": True}}})
    tokens = party.finish_login(Browser().sign_in(login.url, resident.person_id, resident.password, resident.totp_secret), login)
    assert party.userinfo(tokens.access_token)["individual_id"] == resident.person_id
    code, request = code_for(idp_on, client_id)
    signed = assertion(client_id, idp_on.url + "/oauth/token", private)
    assert token_by_assertion(idp_on, code, request.verifier, signed).status_code == 200
    other_code, other = code_for(idp_on, client_id)
    assert token_by_assertion(idp_on, other_code, other.verifier, signed).json()["error"] == "invalid_client"  # jti used
    assert token_by_assertion(idp_on, code, request.verifier, assertion(client_id, idp_on.url + "/oauth/token", private)).json()["error"] == "invalid_grant"


def test_the_death_inbox_is_idempotent_on_either_database(idp_on: Idp) -> None:
    resident, event_id = idp_on.resident(), str(uuid.uuid4())
    item = {"id": event_id, "eventType": "death", "event": {"deathId": "D-9", "personId": resident.person_id, "deathDate": "2026-11-01",
                                                             "place": "Tartu"}}
    headers = {"X-Road-Client": "DEMO/GOV/POP/vital-events"}
    actions = [requests.post(idp_on.url + "/tell-us-once/death", json=item, headers=headers, timeout=10).json()["action"] for _ in range(3)]
    assert actions == ["credentialsDeactivated", "duplicate", "duplicate"]
    assert idp_on.provider.accounts.get(resident.person_id)["status"] == "deactivated"
