"""Small helpers for driving the provider by hand in tests (raw HTTP, no relying-party library)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tenfold.identity.browser import Browser
from tests.identity.idp import REDIRECT, Idp


@dataclass
class Authorization:
    url: str
    state: str
    nonce: str
    verifier: str


def authorization(idp: Idp, client_id: str, **overrides: Any) -> Authorization:
    state, nonce, verifier = secrets.token_urlsafe(12), secrets.token_urlsafe(12), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": "openid profile", "state": state,
              "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256", **overrides}
    params = {k: v for k, v in params.items() if v is not None}
    return Authorization(idp.url + "/authorize?" + urlencode(params), state, nonce, verifier)


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def code_for(idp: Idp, client_id: str, **overrides: Any) -> tuple[str, Authorization]:
    resident = idp.resident()
    request = authorization(idp, client_id, **overrides)
    location = Browser().sign_in(request.url, resident.person_id, resident.password, resident.totp_secret)
    return query(location)["code"], request


def assertion(client_id: str, audience: str, key: dict[str, Any], **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": audience, "jti": secrets.token_urlsafe(12), "iat": now, "exp": now + 60, **claims}
    signing = RSAKey.import_key(key) if key["kty"] == "RSA" else ECKey.import_key(key)
    return jwt.encode({"alg": key["alg"], "kid": key["kid"]}, body, signing)


def token_by_assertion(idp: Idp, code: str, verifier: str, signed: str) -> requests.Response:
    return requests.post(idp.url + "/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": signed}, timeout=10)
