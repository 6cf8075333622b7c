"""Signing-key rotation: the new key signs, the old one stays published until every token it
signed has expired; relying parties fetch the JWKS again when a token names a new key."""

from __future__ import annotations

from datetime import timedelta

import pytest
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


def test_expired_sign_in_state_is_deleted_with_the_claims_it_carried(idp: Idp) -> None:
    from sqlalchemy import func, select

    from tenfold.identity.housekeeping import purge_expired
    from tenfold.identity.tables import codes, tokens

    client_id, private = idp.key_client()
    party = RelyingParty(idp.url, client_id, REDIRECT, private_jwk=private)
    resident = idp.resident()
    login = party.login_request()
    party.finish_login(Browser().sign_in(login.url, resident.person_id, resident.password, resident.totp_secret), login)

    def held() -> int:
        with idp.provider.engine.connect() as connection:
            return sum(connection.execute(select(func.count()).select_from(t).where(t.c.person_id == resident.person_id)).scalar_one()
                       for t in (codes, tokens))

    assert held() == 2
    purge_expired(idp.provider.engine, idp.clock(), idp.provider.settings.token_seconds)
    assert held() == 2  # still valid: kept
    later = idp.clock() + timedelta(seconds=2 * idp.provider.settings.token_seconds + idp.provider.settings.code_seconds)
    assert purge_expired(idp.provider.engine, later, idp.provider.settings.token_seconds) >= 2 and held() == 0


def test_passwords_are_salted_scrypt_hashes_whose_cost_can_be_raised() -> None:
    from tenfold.identity.passwords import hash_password, needs_rehash, verify_password

    first, second = hash_password("correct horse", 2**10), hash_password("correct horse", 2**10)
    assert first != second and first.startswith("scrypt$1024$8$1$") and "correct horse" not in first
    assert verify_password("correct horse", first) and not verify_password("correct hors", first)
    assert not verify_password("correct horse", "md5$x") and not verify_password("correct horse", "scrypt$bad")
    assert needs_rehash(first, 2**14) and not needs_rehash(first, 2**10)


def test_the_provider_refuses_a_public_url_that_is_not_https() -> None:
    from tenfold.identity.config import check_public_url, secure_cookies

    check_public_url("https://id.gov.example")
    check_public_url("http://127.0.0.1:7452")
    for url in ("http://id.gov.example", "http://10.0.0.5:7452", "ftp://id.gov.example", "https://"):
        with pytest.raises(ValueError):
            check_public_url(url)
    assert secure_cookies("https://id.gov.example") and not secure_cookies("http://127.0.0.1:7452")
