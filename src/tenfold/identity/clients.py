"""Relying parties: registration (eSignet's client management, and the operator's CLI) and the
client model the OAuth server consults.

A client registered with public keys authenticates at the token endpoint with ``private_key_jwt``
(as eSignet requires); one registered without keys gets a secret (shown once, stored hashed) and
uses ``client_secret_basic``. Redirect URIs are matched exactly; they must be https, or http on a
loopback address (RFC 8252 7.3), without a fragment.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from tenfold.identity.claims import CLAIMS
from tenfold.identity.config import LOOPBACK_HOSTS
from tenfold.identity.errors import ClientExists, InvalidClientMetadata, UnknownClient
from tenfold.identity.tables import clients

CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{2,99}$")
ACR_PASSWORD_TOTP = "urn:tenfold:acr:password-totp"
ACR_VALUES = (ACR_PASSWORD_TOTP,)
AUTH_METHODS = ("private_key_jwt", "client_secret_basic")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_redirect_uri(uri: str) -> str:
    if not isinstance(uri, str) or len(uri) > 500:
        raise InvalidClientMetadata("a redirect URI is a string of at most 500 characters")
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise InvalidClientMetadata(f"{uri!r} is not a URI") from None
    if parts.fragment or "#" in uri:
        raise InvalidClientMetadata(f"{uri!r}: a redirect URI may not have a fragment")
    if parts.scheme == "https" and parts.hostname:
        return uri
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return uri
    raise InvalidClientMetadata(f"{uri!r}: redirect URIs must be https (http only on 127.0.0.1 or localhost)")


def check_jwks(jwks: dict[str, Any]) -> dict[str, Any]:
    """A JWKS (or one JWK) of public signing keys, RSA or EC."""
    document = jwks if isinstance(jwks, dict) and "keys" in jwks else {"keys": [jwks]}
    keys = document.get("keys")
    if not isinstance(keys, list) or not 1 <= len(keys) <= 5:
        raise InvalidClientMetadata("give between one and five public keys")
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC"):
            raise InvalidClientMetadata("each key must be an RSA or EC JWK")
        if any(private in key for private in ("d", "p", "q", "dp", "dq", "qi")):
            raise InvalidClientMetadata("a private key was sent: register only the public key")
    try:
        KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidClientMetadata(f"the keys cannot be read: {error}") from None
    return {"keys": keys}


@dataclass(frozen=True)
class Client:
    """A relying party as the OAuth server sees it (Authlib's ClientMixin)."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    auth_method: str
    jwks: dict[str, Any] | None
    secret_hash: str | None
    claims: tuple[str, ...]
    acr_values: tuple[str, ...]
    logo_uri: str | None
    status: str

    @classmethod
    def of(cls, row: Any) -> Client:
        return cls(row["client_id"], row["name"], tuple(row["redirect_uris"]), row["auth_method"], row["jwks"], row["secret_hash"],
                   tuple(row["claims"]), tuple(row["acr_values"]), row["logo_uri"], row["status"])

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # the redirect URI is always required and matched exactly

    def get_allowed_scope(self, scope: str | None) -> str:
        from tenfold.identity.claims import SCOPES

        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret_hash is not None and hmac.compare_digest(self.secret_hash, _hash(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method == self.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"

    def public(self) -> dict[str, Any]:
        return {"clientId": self.client_id, "clientName": self.name, "redirectUris": list(self.redirect_uris),
                "clientAuthMethods": [self.auth_method], "userClaims": list(self.claims), "authContextRefs": list(self.acr_values),
                "logoUri": self.logo_uri, "status": self.status.upper(), "grantTypes": ["authorization_code"]}


@dataclass(frozen=True)
class Registration:
    client: Client
    client_secret: str | None


class Clients:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._cache: dict[str, tuple[Client, float]] = {}

    def register(self, name: str, redirect_uris: list[str], *, jwks: dict[str, Any] | None = None, client_id: str | None = None,
                 claims: list[str] | None = None, acr_values: list[str] | None = None, logo_uri: str | None = None) -> Registration:
        client_id = client_id or "rp-" + random.token_urlsafe(12)
        values = self._values(name, redirect_uris, jwks, claims, acr_values, logo_uri)
        if not CLIENT_ID.match(client_id):
            raise InvalidClientMetadata("a client id is 3 to 100 letters, digits or . _ ~ -")
        secret = None if jwks else random.token_urlsafe(32)
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as connection:
                connection.execute(clients.insert().values(
                    client_id=client_id, secret_hash=_hash(secret) if secret else None, status="active",
                    created_at=now, updated_at=now, **values))
        except IntegrityError:
            raise ClientExists(f"a client {client_id!r} is already registered") from None
        return Registration(self.get(client_id), secret)

    def update(self, client_id: str, name: str, redirect_uris: list[str], *, jwks: dict[str, Any] | None = None,
               claims: list[str] | None = None, acr_values: list[str] | None = None, logo_uri: str | None = None,
               status: str = "active") -> Client:
        with self.engine.connect() as connection:
            row = connection.execute(select(clients).where(clients.c.client_id == client_id)).mappings().first()
        if row is None:
            raise UnknownClient(f"no client {client_id!r}")
        current = Client.of(row)
        if jwks is None and current.auth_method == "private_key_jwt":
            jwks = current.jwks
        values = self._values(name, redirect_uris, jwks, claims, acr_values, logo_uri)
        if values["auth_method"] != current.auth_method:
            raise InvalidClientMetadata("the client authentication method cannot change; register a new client")
        with self.engine.begin() as connection:
            connection.execute(update(clients).where(clients.c.client_id == client_id).values(
                status=status, updated_at=datetime.now(UTC), **values))
        self._cache.pop(client_id, None)
        with self.engine.connect() as connection:
            return Client.of(connection.execute(select(clients).where(clients.c.client_id == client_id)).mappings().one())

    @staticmethod
    def _values(name: str, redirect_uris: list[str], jwks: dict[str, Any] | None, claims: list[str] | None,
                acr_values: list[str] | None, logo_uri: str | None) -> dict[str, Any]:
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            raise InvalidClientMetadata("a client name has 1 to 200 characters")
        if not redirect_uris or len(redirect_uris) > 10:
            raise InvalidClientMetadata("give between one and ten redirect URIs")
        unknown = set(claims or ()) - set(CLAIMS)
        if unknown:
            raise InvalidClientMetadata(f"unknown claims: {', '.join(sorted(unknown))} (known: {', '.join(CLAIMS)})")
        if set(acr_values or ()) - set(ACR_VALUES):
            raise InvalidClientMetadata(f"unknown authentication context; supported: {', '.join(ACR_VALUES)}")
        return {"name": name.strip(), "redirect_uris": [check_redirect_uri(u) for u in redirect_uris],
                "jwks": check_jwks(jwks) if jwks else None, "auth_method": "private_key_jwt" if jwks else "client_secret_basic",
                "claims": [c for c in CLAIMS if c in (claims if claims is not None else CLAIMS)],
                "acr_values": list(acr_values or ACR_VALUES), "logo_uri": check_redirect_uri(logo_uri) if logo_uri else None}

    def get(self, client_id: str) -> Client:
        found = self.find(client_id)
        if found is None:
            raise UnknownClient(f"no client {client_id!r}")
        return found

    def find(self, client_id: str | None) -> Client | None:
        """An active client, or None (cached a few seconds: the token endpoint asks on every call)."""
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            return None
        cached = self._cache.get(client_id)
        if cached and time.monotonic() - cached[1] < 5:
            return cached[0]
        with self.engine.connect() as connection:
            row = connection.execute(select(clients).where(clients.c.client_id == client_id)).mappings().first()
        client = Client.of(row) if row is not None and row["status"] == "active" else None
        if client is not None:
            self._cache[client_id] = (client, time.monotonic())
        return client


MANAGEMENT_TOKEN = "client-mgmt-token-sha256"


def issue_management_token(engine: Engine) -> str:
    """A new bearer token for the client-management API (replacing any earlier one); only its
    hash is kept, so it is shown once."""
    from tenfold.identity.tables import secrets

    token = "cm-" + random.token_urlsafe(32)
    with engine.begin() as connection:
        connection.execute(secrets.delete().where(secrets.c.name == MANAGEMENT_TOKEN))
        connection.execute(secrets.insert().values(name=MANAGEMENT_TOKEN, value=_hash(token), created_at=datetime.now(UTC)))
    return token


def management_token_valid(engine: Engine, token: str | None) -> bool:
    from tenfold.identity.tables import secrets

    if not token:
        return False
    with engine.connect() as connection:
        stored = connection.execute(select(secrets.c.value).where(secrets.c.name == MANAGEMENT_TOKEN)).scalar()
    return stored is not None and hmac.compare_digest(str(stored), _hash(token))
