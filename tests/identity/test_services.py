"""The services the provider offers through the exchange (called here as its gateway would:
with X-Road-Client), and eSignet's client management API."""

from __future__ import annotations

import uuid

import requests

from tenfold.identity.clients import issue_management_token
from tenfold.identity.client import new_client_key
from tests.identity.flows import authorization
from tests.identity.idp import REDIRECT, Idp

ROOM = {"X-Road-Client": "DEMO/GOV/POP/vital-events"}
SIB = {"X-Road-Client": "DEMO/GOV/SIB/benefits"}
BANK = {"X-Road-Client": "DEMO/COM/BANK1/bank"}


def _death(idp: Idp, person: str, event_id: str) -> requests.Response:
    item = {"id": event_id, "sequence": 1, "eventType": "death", "room": "DEMO/GOV/POP/vital-events",
            "event": {"deathId": "D-1", "personId": person, "deathDate": "2026-11-20", "place": "Tallinn"}}
    return requests.post(idp.url + "/tell-us-once/death", json=item, headers=ROOM, timeout=10)


def test_a_death_deactivates_the_credentials_once_and_is_listed_for_the_family_timeline(idp: Idp) -> None:
    from tenfold.identity.browser import Browser, SignInRefused
    from tenfold.identity.client import RelyingParty

    client_id, private = idp.key_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    resident = idp.resident()
    login = party.login_request()
    tokens = party.finish_login(Browser().sign_in(login.url, resident.person_id, resident.password, resident.totp_secret), login)
    event_id = str(uuid.uuid4())
    first, again = _death(idp, resident.person_id, event_id), _death(idp, resident.person_id, event_id)
    assert first.json() == {"eventId": event_id, "action": "credentialsDeactivated"}
    assert again.json() == {"eventId": event_id, "action": "duplicate"}
    listed = requests.get(idp.url + "/tell-us-once/actions", params={"personId": resident.person_id}, headers=SIB, timeout=10).json()
    assert [a["action"] for a in listed["actions"]] == ["credentialsDeactivated"] and listed["actions"][0]["eventId"] == event_id
    assert listed["actions"][0]["detail"]["tokensRevoked"] == 1
    assert requests.get(idp.url + "/oidc/userinfo", headers={"Authorization": "Bearer " + tokens.access_token}, timeout=10).status_code == 401
    try:
        Browser().sign_in(party.login_request().url, resident.person_id, resident.password, resident.totp_secret)
        raise AssertionError("a deactivated account signed in")
    except SignInRefused as refused:
        assert refused.status == 401


def test_a_death_of_someone_without_an_account_is_recorded_as_nothing_to_do(idp: Idp) -> None:
    from tests.identity.idp import new_person_id

    person = new_person_id()
    assert _death(idp, person, str(uuid.uuid4())).json()["action"] == "noCredentialsHeld"


def test_bad_events_and_queries_are_4xx(idp: Idp) -> None:
    assert requests.post(idp.url + "/tell-us-once/death", json={"id": "x", "eventType": "death", "event": {"personId": "nope"}},
                         headers=ROOM, timeout=10).status_code == 400
    assert requests.post(idp.url + "/tell-us-once/death", json={"id": "x", "eventType": "newBirth", "event": {}},
                         headers=ROOM, timeout=10).status_code == 400
    assert requests.post(idp.url + "/tell-us-once/death", json={"id": "x"}, headers=ROOM, timeout=10).status_code == 400
    assert requests.get(idp.url + "/tell-us-once/actions", params={"personId": "123"}, headers=SIB, timeout=10).status_code == 400
    assert requests.get(idp.url + "/tell-us-once/actions", params={"personId": "38001085718"}, timeout=10).status_code == 400


def test_ekyc_returns_signed_claims_for_the_calling_member(idp: Idp) -> None:
    from joserfc import jwt
    from joserfc.jwk import KeySet

    resident = idp.resident()
    answer = requests.post(idp.url + "/ekyc/v1/kyc", json={"individualId": resident.person_id}, headers=BANK, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["claims"]["individual_id"] == resident.person_id and "email" not in body["claims"]
    signed = jwt.decode(body["kycToken"], KeySet.import_key_set(idp.provider.keys.jwks()), algorithms=["RS256"]).claims
    assert signed["aud"] == "DEMO/COM/BANK1" and signed["iss"] == idp.url and signed["name"] == "Mari Tamm"
    from tests.identity.idp import new_person_id

    assert requests.post(idp.url + "/ekyc/v1/kyc", json={"individualId": new_person_id()}, headers=BANK, timeout=10).status_code == 404
    assert requests.post(idp.url + "/ekyc/v1/kyc", json={"individualId": "12"}, headers=BANK, timeout=10).status_code == 400
    assert requests.post(idp.url + "/ekyc/v1/kyc", json={"individualId": resident.person_id, "claims": ["email"]},
                         headers=BANK, timeout=10).status_code == 400


def test_client_management_registers_and_updates_relying_parties(idp: Idp) -> None:
    token = issue_management_token(idp.provider.engine)
    auth = {"Authorization": f"Bearer {token}"}
    _private, public = new_client_key("EC")
    request = {"requestTime": "2026-11-26T10:00:00.000Z", "request": {
        "clientId": "health-portal", "clientName": "Health portal", "publicKey": public, "redirectUris": [REDIRECT],
        "userClaims": ["name", "birthdate"], "authContextRefs": ["urn:tenfold:acr:password-totp"], "grantTypes": ["authorization_code"],
        "clientAuthMethods": ["private_key_jwt"]}}
    made = requests.post(idp.url + "/client-mgmt/oidc-client", json=request, headers=auth, timeout=10)
    assert made.status_code == 200 and made.json()["response"] == {"clientId": "health-portal", "status": "ACTIVE", "issuer": idp.url}
    assert requests.post(idp.url + "/client-mgmt/oidc-client", json=request, headers=auth, timeout=10).status_code == 409
    secret = requests.post(idp.url + "/client-mgmt/oidc-client", json={"request": {"clientName": "Bank", "redirectUris": [REDIRECT]}},
                           headers=auth, timeout=10).json()["response"]
    assert secret["clientSecret"] and secret["clientId"].startswith("rp-")
    update = {"request": {"clientName": "Health portal", "redirectUris": [REDIRECT, "https://health.example/cb"], "status": "INACTIVE"}}
    changed = requests.put(idp.url + "/client-mgmt/oidc-client/health-portal", json=update, headers=auth, timeout=10)
    assert changed.status_code == 200 and changed.json()["response"]["status"] == "INACTIVE"
    assert requests.get(authorization(idp, "health-portal").url, allow_redirects=False, timeout=10).status_code == 400


def test_client_management_refuses_without_the_token_and_bad_metadata(idp: Idp) -> None:
    token = issue_management_token(idp.provider.engine)
    body = {"request": {"clientName": "X", "redirectUris": [REDIRECT]}}
    assert requests.post(idp.url + "/client-mgmt/oidc-client", json=body, timeout=10).status_code == 401
    assert requests.post(idp.url + "/client-mgmt/oidc-client", json=body, headers={"Authorization": "Bearer cm-wrong"}, timeout=10).status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    for bad in ({"clientName": "X", "redirectUris": ["http://example.com/cb"]}, {"clientName": "X", "redirectUris": ["https://a.example/cb#f"]},
                {"clientName": "X", "redirectUris": [REDIRECT], "publicKey": {"kty": "RSA", "n": "x", "e": "AQAB", "d": "secret"}},
                {"clientName": "X", "redirectUris": [REDIRECT], "clientAuthMethods": ["private_key_jwt"]},
                {"clientName": "X", "redirectUris": [REDIRECT], "userClaims": ["shoe_size"]}):
        answer = requests.post(idp.url + "/client-mgmt/oidc-client", json={"request": bad}, headers=auth, timeout=10)
        assert answer.status_code == 400, (bad, answer.text)
    assert requests.put(idp.url + "/client-mgmt/oidc-client/nobody-here", json=body, headers=auth, timeout=10).status_code == 404
