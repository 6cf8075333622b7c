"""A standard OpenID Connect client that is not ours (Authlib's requests client, with joserfc for
the JOSE work) signs a resident in against the provider in a real HTTP server: discovery, the
code flow with PKCE, token exchange with private_key_jwt and with client_secret_basic, and the
ID token and signed userinfo verified against the published JWKS."""

from __future__ import annotations

import secrets

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet

from tenfold.identity.browser import Browser
from tests.identity.idp import REDIRECT, Idp


def _discover(idp: Idp) -> dict:
    metadata = OpenIDProviderMetadata(requests.get(idp.url + "/.well-known/openid-configuration", timeout=10).json())
    metadata.validate()  # Authlib's own check of the discovery document
    assert metadata["issuer"] == idp.url
    return dict(metadata)


def _sign_in(idp: Idp, session: OAuth2Session, metadata: dict, claims: str | None = None) -> tuple[dict, str]:
    resident = idp.resident()
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    extra = {"claims": claims} if claims else {}
    url, _state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce,
                                                   acr_values="urn:tenfold:acr:password-totp", ui_locales="en", **extra)
    callback = Browser().sign_in(url, resident.person_id, resident.password, resident.totp_secret)
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=metadata["id_token_signing_alg_values_supported"])
    id_token = CodeIDToken(decoded.claims, decoded.header,
                           options={"iss": {"essential": True, "value": idp.url}, "aud": {"essential": True, "value": session.client_id}},
                           params={"nonce": nonce, "access_token": token["access_token"], "client_id": session.client_id})
    id_token.validate(leeway=60)
    assert id_token["acr"] == "urn:tenfold:acr:password-totp"
    answer = session.get(metadata["userinfo_endpoint"])
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/jwt")
    userinfo = jwt.decode(answer.text, keys, algorithms=metadata["userinfo_signing_alg_values_supported"]).claims
    assert userinfo["iss"] == idp.url and userinfo["aud"] == session.client_id and userinfo["sub"] == id_token["sub"]
    return userinfo, resident.person_id


def test_code_flow_with_pkce_and_private_key_jwt(idp: Idp) -> None:
    metadata = _discover(idp)
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    client_id, private = idp.key_client()
    session = OAuth2Session(client_id, private, scope="openid profile", redirect_uri=REDIRECT, code_challenge_method="S256",
                            token_endpoint_auth_method="private_key_jwt")
    session.register_client_auth_method(PrivateKeyJWT(metadata["token_endpoint"], alg="RS256"))
    claims = '{"userinfo": {"individual_id": {"essential": true}, "email": null}}'
    userinfo, person = _sign_in(idp, session, metadata, claims)
    assert userinfo["individual_id"] == person and userinfo["name"] == "Mari Tamm" and userinfo["email"] == "mari@example.test"
    assert userinfo["sub"] != person  # the subject is pairwise, the personal code only a consented claim


def test_code_flow_with_client_secret_basic(idp: Idp) -> None:
    metadata = _discover(idp)
    client_id, secret = idp.secret_client()
    session = OAuth2Session(client_id, secret, scope="openid profile", redirect_uri=REDIRECT, code_challenge_method="S256",
                            token_endpoint_auth_method="client_secret_basic")
    userinfo, person = _sign_in(idp, session, metadata)
    assert userinfo["birthdate"] == "1990-05-17" and userinfo["gender"] == "female"
    assert "individual_id" not in userinfo  # not requested, not released


def test_subjects_are_pairwise_per_relying_party(idp: Idp) -> None:
    resident = idp.resident()
    subjects = []
    for _client in range(2):
        client_id, secret = idp.secret_client()
        subjects.append(idp.provider.subject(resident.person_id, client_id))
    assert subjects[0] != subjects[1]
    assert idp.provider.subject(resident.person_id, "x") == idp.provider.subject(resident.person_id, "x")
