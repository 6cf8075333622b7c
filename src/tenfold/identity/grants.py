"""The OAuth 2.0 / OpenID Connect machinery, on Authlib's authorization server.

- the authorization code grant, with PKCE (S256 only, always required) and OpenID Connect's code
  flow (nonce required; the ID token is signed RS256 with the current key and names its ``kid``);
- client authentication at the token endpoint with ``private_key_jwt`` (RFC 7523: the assertion's
  audience is the token endpoint or the issuer, its ``jti`` used once, its lifetime at most an
  hour) or ``client_secret_basic``, whichever the client was registered for;
- codes are single use: taking a code marks it used in one atomic update, so a replayed code
  fails (``invalid_grant``) and the tokens issued for it are revoked (RFC 6749 4.1.2).
"""

from __future__ import annotations

import hashlib
import secrets as random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tenfold.errors import InvalidInput
from tenfold.identity import claims as claim_rules
from tenfold.identity.clients import Client
from tenfold.identity.keys import ALG
from tenfold.identity.tables import assertions, codes, tokens

if TYPE_CHECKING:
    from tenfold.identity.service import IdentityProvider

MAX_ASSERTION_SECONDS = 3660  # an hour (what common clients make) and a minute of clock skew


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class _Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]):
        self._list: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._list[key].append(value)
        self._data = {key: values[0] for key, values in self._list.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._list


class WebRequest(OAuth2Request):
    """An OAuth request made from a web request's parameters (query or form)."""

    def __init__(self, method: str, uri: str, headers: dict[str, str], pairs: list[tuple[str, str]]):
        super().__init__(method, uri, headers=headers)
        self.payload = _Payload(pairs)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


@dataclass(frozen=True)
class Resident:
    """Who signed in, and what they allowed to be released (claim values per target)."""

    person_id: str
    subject: str  # the pairwise subject for the client the code is for
    auth_time: datetime
    session_hash: str | None
    acr: str
    userinfo: dict[str, Any]
    id_token: dict[str, Any]


@dataclass(frozen=True)
class IssuedCode:
    """An authorization code as the grant sees it (Authlib's AuthorizationCodeMixin)."""

    code_hash: str
    client_id: str
    resident: Resident
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.resident.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.resident.acr

    def get_amr(self) -> list[str]:
        return ["pwd", "otp"]


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt", "client_secret_basic"]

    @property
    def provider(self) -> IdentityProvider:
        return self.server.provider  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        resident: Resident = request.user
        data = request.payload.data
        now = self.provider.clock()
        with self.provider.engine.begin() as connection:
            connection.execute(codes.insert().values(
                code_hash=digest(code), client_id=request.client.get_client_id(), person_id=resident.person_id,
                session_hash=resident.session_hash, redirect_uri=data["redirect_uri"], scope=request.scope, nonce=data.get("nonce"),
                code_challenge=data["code_challenge"], code_challenge_method=data.get("code_challenge_method", "S256"),
                acr=resident.acr, auth_time=resident.auth_time, claims={"sub": resident.subject, "userinfo": resident.userinfo, "id_token": resident.id_token},
                created_at=now, expires_at=now + timedelta(seconds=self.provider.settings.code_seconds)))

    def query_authorization_code(self, code: str, client: Client) -> IssuedCode | None:
        """Take the code (once): unknown, expired, used or another client's code gives None."""
        if not isinstance(code, str) or len(code) > 200:
            return None
        code_hash, now = digest(code), self.provider.clock()
        with self.provider.engine.begin() as connection:
            taken = connection.execute(update(codes).where(codes.c.code_hash == code_hash, codes.c.used_at.is_(None),
                                                           codes.c.client_id == client.client_id).values(used_at=now))
            row = connection.execute(select(codes).where(codes.c.code_hash == code_hash)).mappings().first()
            if row is not None and taken.rowcount == 0 and row["client_id"] == client.client_id:
                # a replay: the code was used before; whatever it bought is revoked
                connection.execute(update(tokens).where(tokens.c.code_hash == code_hash, tokens.c.revoked_at.is_(None)).values(revoked_at=now))
                return None
        if row is None or taken.rowcount != 1 or row["expires_at"] <= now:
            return None
        released = row["claims"]
        resident = Resident(row["person_id"], released["sub"], row["auth_time"], row["session_hash"], row["acr"] or "",
                            released["userinfo"], released["id_token"])
        return IssuedCode(code_hash, row["client_id"], resident, row["redirect_uri"], row["scope"], row["nonce"],
                          row["code_challenge"], row["code_challenge_method"])

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing to do: the code was marked used when it was taken."""

    def authenticate_user(self, authorization_code: IssuedCode) -> Resident | None:
        account = self.provider.accounts.get(authorization_code.resident.person_id)
        return authorization_code.resident if account and account["status"] == "active" else None


class PkceS256(CodeChallenge):
    """PKCE is required of every client, with the S256 method only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge and code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class OpenIDConnect(OpenIDCode):
    """The ID token: pairwise ``sub`` and the claims released for the ID token."""

    def __init__(self, provider: IdentityProvider):
        super().__init__(require_nonce=True)
        self.provider = provider

    def __call__(self, grant: CodeGrant) -> None:
        super().__call__(grant)
        grant.register_hook("after_validate_authorization_request_payload", self.validate_oidc_parameters)

    def validate_oidc_parameters(self, grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if "openid" not in (data.get("scope") or "").split():
            raise InvalidScopeError("the scope must include openid")
        try:
            claim_rules.requested(data.get("scope") or "", data.get("claims"), grant.request.client.claims)
        except InvalidInput as error:
            raise InvalidRequestError(_ascii(str(error))) from None
        if data.get("request") or data.get("request_uri"):
            raise InvalidRequestError("request objects are not supported")

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        with self.provider.engine.connect() as connection:
            return connection.execute(select(codes.c.code_hash).where(
                codes.c.client_id == request.payload.client_id, codes.c.nonce == nonce).limit(1)).first() is not None

    def resolve_client_private_key(self, client: Client) -> Any:
        return self.provider.keys.signing_key

    def get_client_algorithm(self, client: Client) -> str:
        return ALG

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALG, "kid": str(self.provider.keys.signing_key.kid), "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(self.provider.clock().timestamp())
        return {"iss": self.provider.issuer, "aud": [client.client_id], "iat": now, "exp": now + self.provider.settings.token_seconds}

    def generate_user_info(self, user: Resident, scope: str) -> dict[str, Any]:
        return {"sub": user.subject, **user.id_token}


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, provider: IdentityProvider):
        super().__init__(validate_jti=True, leeway=30)
        self.provider = provider

    def get_audiences(self) -> list[str]:
        return [self.provider.issuer + "/oauth/token", self.provider.issuer]

    def verify_claims(self, claims: Any) -> None:
        super().verify_claims(claims)
        if not isinstance(claims.get("exp"), int) or claims["exp"] > time.time() + MAX_ASSERTION_SECONDS:
            from authlib.oauth2.rfc6749.errors import InvalidClientError

            raise InvalidClientError(description=f"the assertion must expire within {MAX_ASSERTION_SECONDS} seconds")

    def validate_jti(self, claims: Any, jti: Any) -> bool:
        if not isinstance(jti, str) or not 1 <= len(jti) <= 255:
            return False
        expires = datetime.fromtimestamp(min(int(claims["exp"]), int(time.time()) + MAX_ASSERTION_SECONDS), self.provider.clock().tzinfo)
        try:
            with self.provider.engine.begin() as connection:
                connection.execute(assertions.insert().values(client_id=claims["sub"], jti=jti, expires_at=expires))
        except IntegrityError:
            return False
        return True

    def resolve_client_public_key(self, client: Client) -> KeySet:
        return KeySet.import_key_set(client.jwks or {"keys": []})


class OidcServer(AuthorizationServer):
    def __init__(self, provider: IdentityProvider):
        super().__init__(scopes_supported=None)
        self.provider = provider
        self.register_grant(CodeGrant, [PkceS256(required=True), OpenIDConnect(provider)])
        self.register_client_auth_method("private_key_jwt", PrivateKeyJwt(provider))
        self.register_token_generator("default", self._bearer_token)

    def query_client(self, client_id: str) -> Client | None:
        return self.provider.clients.find(client_id)

    def _bearer_token(self, grant_type: str, client: Client, user: Any = None, scope: str | None = None,
                      expires_in: int | None = None, include_refresh_token: bool = True) -> dict[str, Any]:
        return {"token_type": "Bearer", "access_token": random.token_urlsafe(32),
                "expires_in": self.provider.settings.token_seconds, "scope": scope or ""}

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.provider.tidy()
        resident: Resident = request.user
        code: IssuedCode = request.authorization_code
        with self.provider.engine.begin() as connection:
            connection.execute(tokens.insert().values(
                token_hash=digest(token["access_token"]), client_id=request.client.client_id, person_id=resident.person_id,
                code_hash=code.code_hash, session_hash=resident.session_hash, scope=token.get("scope", ""),
                claims={"sub": resident.subject, **resident.userinfo}, expires_at=self.provider.clock() + timedelta(seconds=int(token["expires_in"]))))

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request  # the web layer already made a WebRequest

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals are listened to."""


def _ascii(text: str) -> str:
    """OAuth error descriptions allow printable ASCII without quote and backslash."""
    return "".join(c for c in text if 0x20 <= ord(c) <= 0x7E and c not in '"\\')[:300]


def verify_jwt(value: str, keys: KeySet) -> dict[str, Any]:
    """The claims of a JWT signed with one of ``keys`` (signature only; callers check the rest)."""
    try:
        return dict(jwt.decode(value, keys, algorithms=[ALG]).claims)
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidInput(f"the token cannot be verified: {type(error).__name__}") from None
