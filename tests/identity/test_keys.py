"""Signing-key rotation: the new key signs, the old one stays published until every token it
signed has expired; relying parties fetch the JWKS again when a token names a new key."""

from __future__ import annotations

from datetime import timedelta

import requests

from tenfold.identity.browser import Browser
from tenfold.identity.client import RelyingParty
from tenfold.identity.keys import rotate
from tests.identity.idp import REDIRECT, Idp


def _kids(idp: Idp) -> list[str]:
    return [k["kid"] for k in requests.get(idp.url + "/.well-known/jwks.json", timeout=10).json()["keys"]]


def test_rotation_keeps_the_old_key_published_until_its_tokens_expire(idp: Idp) -> None:
    client_id, private = idp.key_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    resident = idp.resident()
    login = party.login_request()
    before = party.finish_login(Browser().sign_in(login.url, resident.person_id, resident.password, resident.totp_secret), login)
    old = idp.provider.keys.signing_key.kid
    new = rotate(idp.provider.engine, idp.provider.settings.token_seconds, idp.clock())
    idp.provider.keys.reload()
    assert set(_kids(idp)) >= {old, new} and idp.provider.keys.signing_key.kid == new
    assert party.verify(before.id_token, nonce=login.nonce)["sub"]  # a token of the old key still verifies
    second = idp.resident()
    login = party.login_request()
    after = party.finish_login(Browser().sign_in(login.url, second.person_id, second.password, second.totp_secret), login)
    assert after.claims["sub"]  # signed with the new key: the client fetched the JWKS again
    idp.clock.offset = timedelta(seconds=idp.provider.settings.token_seconds + 61)
    idp.provider.keys.reload()
    assert old not in _kids(idp) and new in _kids(idp)
