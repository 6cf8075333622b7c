"""tenfold.identity.client, the relying-party library the portal and other members use."""

from __future__ import annotations

import base64
import json

import pytest

from tenfold.identity.browser import Browser
from tenfold.identity.client import LoginFailed, RelyingParty
from tests.identity.idp import REDIRECT, Idp


def _signed_in(idp: Idp, party: RelyingParty, **request: object):  # type: ignore[no-untyped-def]
    resident = idp.resident()
    login = party.login_request(**request)  # type: ignore[arg-type]
    return login, Browser().sign_in(login.url, resident.person_id, resident.password, resident.totp_secret), resident


def test_the_library_signs_in_with_private_key_jwt_and_verifies_what_it_gets(idp: Idp) -> None:
    client_id, private = idp.key_client(kind="EC")
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    login, callback, resident = _signed_in(idp, party, scope="openid profile address", claims={"id_token": {"individual_id": {"essential": True}}})
    tokens = party.finish_login(callback, login)
    assert tokens.claims["individual_id"] == resident.person_id and tokens.claims["nonce"] == login.nonce
    info = party.userinfo(tokens.access_token)
    assert info["address"]["locality"] == "Tallinn" and info["sub"] == tokens.claims["sub"]
    assert party.logout_url(tokens.id_token, REDIRECT).startswith(idp.url + "/oidc/logout?id_token_hint=")


def test_the_library_also_speaks_client_secret_basic(idp: Idp) -> None:
    client_id, secret = idp.secret_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, client_secret=secret)
    login, callback, _resident = _signed_in(idp, party)
    assert party.finish_login(callback, login).claims["aud"] == [client_id]


def test_a_forged_state_an_error_or_a_tampered_token_fails_the_login(idp: Idp) -> None:
    client_id, private = idp.key_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    login, callback, _resident = _signed_in(idp, party)
    with pytest.raises(LoginFailed) as forged:
        party.finish_login(callback.replace(login.state, "other"), login)
    assert forged.value.error == "state_mismatch"
    with pytest.raises(LoginFailed) as denied:
        party.finish_login({"state": login.state, "error": "access_denied"}, login)
    assert denied.value.error == "access_denied"
    tokens = party.finish_login(callback, login)
    header, payload, signature = tokens.id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["individual_id"] = "38001085718"
    tampered = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode(), signature])
    with pytest.raises(LoginFailed):
        party.verify(tampered, nonce=login.nonce)
    with pytest.raises(LoginFailed):
        party.verify(tokens.id_token, nonce="another sign-in's nonce")
    other = RelyingParty(idp.url, "someone-else", REDIRECT, client_secret="x")
    with pytest.raises(LoginFailed):
        other.verify(tokens.id_token, nonce=login.nonce)


def test_a_provider_that_is_not_the_configured_issuer_is_refused(idp: Idp) -> None:
    party = RelyingParty(idp.url + "/elsewhere", "c", REDIRECT, client_secret="x")
    with pytest.raises(LoginFailed) as refused:
        party.discover()
    assert refused.value.error == "discovery"
    with pytest.raises(ValueError):
        RelyingParty(idp.url, "c", REDIRECT)
