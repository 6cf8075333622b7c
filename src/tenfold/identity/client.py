"""A relying party of the state identity provider: what the portal and other members use to let
residents sign in. It speaks plain OpenID Connect (the eSignet profile), so it works with any
provider that does the same:

- discovery (``/.well-known/openid-configuration``; the issuer must be the one configured);
- the authorization code flow with PKCE (S256), ``state`` and ``nonce``, ``claims``,
  ``acr_values`` and ``ui_locales``;
- client authentication with ``private_key_jwt`` (or ``client_secret_basic``);
- the ID token and the signed userinfo verified against the provider's JWKS, fetched again when
  a token names a key id not seen before (key rotation);
- RP-initiated logout.

Keep the :class:`LoginRequest` in the user's session between the redirect and the callback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from tenfold.errors import TenfoldError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEEWAY = 60


class LoginFailed(TenfoldError):
    """The sign-in did not complete: an error from the provider, or a token that does not verify."""

    def __init__(self, message: str, error: str = "login_failed"):
        super().__init__(message)
        self.error = error


def new_client_key(kind: str = "RSA") -> tuple[dict[str, Any], dict[str, Any]]:
    """A key pair for ``private_key_jwt``: (private JWK to keep, public JWK to register)."""
    key = RSAKey.generate_key(2048, private=True) if kind == "RSA" else ECKey.generate_key("P-256", private=True)
    kid, alg = key.thumbprint(), "RS256" if kind == "RSA" else "ES256"
    return (dict(key.as_dict(private=True), kid=kid, alg=alg, use="sig"), dict(key.as_dict(private=False), kid=kid, alg=alg, use="sig"))


@dataclass(frozen=True)
class LoginRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    claims: dict[str, Any]  # the verified ID token's claims
    expires_in: int


@dataclass
class RelyingParty:
    issuer: str
    client_id: str
    redirect_uri: str
    private_jwk: dict[str, Any] | None = None
    client_secret: str | None = None
    timeout: float = 10.0
    _metadata: dict[str, Any] | None = field(default=None, repr=False)
    _keys: KeySet | None = field(default=None, repr=False)
    _looked_for: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        if (self.private_jwk is None) == (self.client_secret is None):
            raise ValueError("give either private_jwk (private_key_jwt) or client_secret (client_secret_basic)")

    # -- HTTP -------------------------------------------------------------------------------
    def _http(self, url: str, data: bytes | None = None, headers: Mapping[str, str] | None = None) -> tuple[int, bytes, str]:
        request = urllib.request.Request(url, data=data, headers=dict(headers or {}), method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the configured provider
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")
        except OSError as error:
            raise LoginFailed(f"the identity provider cannot be reached: {error}", "unreachable") from None

    def discover(self) -> dict[str, Any]:
        if self._metadata is None:
            status, body, _type = self._http(self.issuer + "/.well-known/openid-configuration")
            metadata = json.loads(body) if status == 200 else None
            if not isinstance(metadata, dict) or metadata.get("issuer") != self.issuer:
                raise LoginFailed(f"{self.issuer} does not publish a discovery document for itself", "discovery")
            self._metadata = metadata
        return self._metadata

    def keys(self, kid: str | None = None) -> KeySet:
        """The provider's JWKS; fetched again when ``kid`` is not in it (once per unknown kid, so
        that tokens naming made-up key ids cannot make the client fetch without end)."""
        known = self._keys is not None and (kid is None or any(k.kid == kid for k in self._keys.keys))
        if not known and (self._keys is None or kid not in self._looked_for):
            if kid is not None:
                self._looked_for[kid] = time.monotonic()
                while len(self._looked_for) > 100:
                    self._looked_for.pop(next(iter(self._looked_for)))
            status, body, _type = self._http(self.discover()["jwks_uri"])
            if status != 200:
                raise LoginFailed("the provider's keys cannot be fetched", "jwks")
            self._keys = KeySet.import_key_set(json.loads(body))
        if self._keys is None:
            raise LoginFailed("the provider's keys cannot be fetched", "jwks")
        return self._keys

    # -- the flow ---------------------------------------------------------------------------
    def login_request(self, scope: str = "openid profile", claims: dict[str, Any] | None = None, acr_values: str | None = None,
                      ui_locales: str | None = None, prompt: str | None = None) -> LoginRequest:
        state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri, "scope": scope,
                  "state": state, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"}
        optional = {"claims": json.dumps(claims, separators=(",", ":")) if claims else None, "acr_values": acr_values,
                    "ui_locales": ui_locales, "prompt": prompt}
        params.update({k: v for k, v in optional.items() if v})
        return LoginRequest(self.discover()["authorization_endpoint"] + "?" + urlencode(params), state, nonce, verifier, self.redirect_uri)

    def finish_login(self, callback: str | Mapping[str, str], request: LoginRequest) -> Tokens:
        """From the redirect back (its query string or parameters) to verified tokens."""
        params = dict(parse_qsl(callback.split("?", 1)[-1])) if isinstance(callback, str) else dict(callback)
        if params.get("state") != request.state:
            raise LoginFailed("the state does not match this sign-in (a forged or stale redirect)", "state_mismatch")
        if "error" in params:
            raise LoginFailed(params.get("error_description") or params["error"], params["error"])
        if not params.get("code"):
            raise LoginFailed("the provider sent no code", "invalid_response")
        return self.exchange_code(params["code"], request)

    def _client_auth(self, token_endpoint: str) -> tuple[dict[str, str], dict[str, str]]:
        if self.client_secret is not None:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            return {}, {"Authorization": "Basic " + basic}
        assert self.private_jwk is not None
        key = RSAKey.import_key(self.private_jwk) if self.private_jwk["kty"] == "RSA" else ECKey.import_key(self.private_jwk)
        alg = self.private_jwk.get("alg") or ("RS256" if self.private_jwk["kty"] == "RSA" else "ES256")
        now = int(time.time())
        assertion = jwt.encode({"alg": alg, "kid": self.private_jwk.get("kid", "")}, {
            "iss": self.client_id, "sub": self.client_id, "aud": token_endpoint, "jti": secrets.token_urlsafe(16),
            "iat": now, "exp": now + 60}, key)
        return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}, {}

    def exchange_code(self, code: str, request: LoginRequest) -> Tokens:
        endpoint = self.discover()["token_endpoint"]
        form, headers = self._client_auth(endpoint)
        form.update({"grant_type": "authorization_code", "code": code, "redirect_uri": request.redirect_uri,
                     "code_verifier": request.code_verifier})
        status, body, _type = self._http(endpoint, urlencode(form).encode(), {**headers, "Content-Type": "application/x-www-form-urlencoded"})
        answer = json.loads(body or b"{}")
        if status != 200:
            raise LoginFailed(answer.get("error_description") or f"the token endpoint answered {status}", answer.get("error", "token_error"))
        claims = self.verify(answer["id_token"], nonce=request.nonce)
        return Tokens(answer["access_token"], answer["id_token"], claims, int(answer.get("expires_in", 0)))

    # -- verification -----------------------------------------------------------------------
    def verify(self, token: str, nonce: str | None = None, expect_nonce: bool = True) -> dict[str, Any]:
        """The claims of a JWT the provider signed for this client (ID token or userinfo)."""
        try:
            header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
            algorithms = self.discover().get("id_token_signing_alg_values_supported", ["RS256"])
            claims = dict(jwt.decode(token, self.keys(header.get("kid")), algorithms=algorithms).claims)
        except (JoseError, ValueError, IndexError, TypeError) as error:
            raise LoginFailed(f"the token does not verify: {type(error).__name__}", "invalid_token") from None
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        now = time.time()
        problems = [
            (claims.get("iss") != self.issuer, "it was issued by another provider"),
            (self.client_id not in audiences, "it is meant for another client"),
            (not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now - LEEWAY, "it has expired"),
            (isinstance(claims.get("iat"), (int, float)) and claims["iat"] > now + LEEWAY, "it was issued in the future"),
            (expect_nonce and claims.get("nonce") != nonce, "its nonce is not this sign-in's"),
            (not isinstance(claims.get("sub"), str) or not claims["sub"], "it names no subject"),
        ]
        for failed, why in problems:
            if failed:
                raise LoginFailed(f"the token is not valid: {why}", "invalid_token")
        return claims

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """The consented claims, from the provider's signed userinfo JWT (verified)."""
        status, body, content_type = self._http(self.discover()["userinfo_endpoint"], headers={"Authorization": "Bearer " + access_token})
        if status != 200:
            raise LoginFailed(f"the userinfo endpoint answered {status}", "invalid_token" if status == 401 else "userinfo_error")
        if "jwt" in content_type:
            return self.verify(body.decode(), expect_nonce=False)
        raise LoginFailed("the userinfo answer is not a signed JWT", "userinfo_error")

    def logout_url(self, id_token: str, post_logout_redirect_uri: str | None = None, state: str | None = None) -> str:
        params = {"id_token_hint": id_token, "client_id": self.client_id}
        if post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = post_logout_redirect_uri
        if state:
            params["state"] = state
        return self.discover()["end_session_endpoint"] + "?" + urlencode(params)
