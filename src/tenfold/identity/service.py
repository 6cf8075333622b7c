"""The identity provider: one object that wires its parts (accounts, clients, keys, the OAuth
server, the population register behind it) and offers the use cases the web layer calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Callable

from joserfc import jwt
from sqlalchemy import Engine, select

from tenfold.identity import claims as claim_rules
from tenfold.identity.accounts import Accounts, secret
from tenfold.identity.clients import ACR_VALUES, Clients
from tenfold.identity.config import IdentitySettings
from tenfold.identity.grants import OidcServer, digest
from tenfold.identity.keys import ALG, KeyRing, ensure_current
from tenfold.identity.people import PersonDirectory
from tenfold.identity.tables import tokens
from tenfold.i18n import LANGUAGES
from tenfold.ids import scheme


class InvalidToken(Exception):
    """The bearer token is unknown, expired or revoked (RFC 6750 invalid_token)."""


@dataclass
class IdentityProvider:
    engine: Engine
    settings: IdentitySettings
    issuer: str
    people: PersonDirectory
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        ensure_current(self.engine, self.settings.token_seconds, self.settings.key_rotation_days, self.clock())
        self.keys = KeyRing(self.engine, clock=lambda: self.clock())
        self.accounts = Accounts(self.engine, self.settings, lambda: self.clock())
        self.clients = Clients(self.engine)
        self.server = OidcServer(self)
        self._pairwise_salt = secret(self.engine, "pairwise-subject-salt")
        self._tidied_at = -1e9

    def tidy(self, every: float = 60.0) -> None:
        """Delete expired sign-in state, at most once per ``every`` seconds (called on the token path)."""
        import time

        from tenfold.identity.housekeeping import purge_expired

        if time.monotonic() - self._tidied_at >= every:
            self._tidied_at = time.monotonic()
            purge_expired(self.engine, self.clock(), self.settings.token_seconds)

    def subject(self, person_id: str, client_id: str) -> str:
        return claim_rules.pairwise_subject(self._pairwise_salt, client_id, person_id)

    def discovery(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/oauth/token",
            "userinfo_endpoint": f"{issuer}/oidc/userinfo", "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "end_session_endpoint": f"{issuer}/oidc/logout",
            "scopes_supported": list(claim_rules.SCOPES), "response_types_supported": ["code"], "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"], "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": [ALG], "userinfo_signing_alg_values_supported": [ALG],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
            "claims_supported": ["sub", *claim_rules.CLAIMS], "claims_parameter_supported": True,
            "request_parameter_supported": False, "request_uri_parameter_supported": False,
            "acr_values_supported": list(ACR_VALUES), "ui_locales_supported": list(LANGUAGES),
            "code_challenge_methods_supported": ["S256"], "display_values_supported": ["page"], "claim_types_supported": ["normal"],
        }

    def userinfo(self, access_token: str) -> str:
        """The consented claims as a JWT signed by the provider (eSignet's userinfo)."""
        now = self.clock()
        with self.engine.connect() as connection:
            row = connection.execute(select(tokens).where(tokens.c.token_hash == digest(access_token))).mappings().first()
        if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
            raise InvalidToken("the access token is unknown, expired or revoked")
        moment = int(now.timestamp())
        payload = {"iss": self.issuer, "aud": row["client_id"], "iat": moment, "exp": int(row["expires_at"].timestamp()), **row["claims"]}
        key = self.keys.signing_key
        return jwt.encode({"alg": ALG, "kid": str(key.kid), "typ": "JWT"}, payload, key)

    def sign(self, payload: dict[str, Any]) -> str:
        key = self.keys.signing_key
        return jwt.encode({"alg": ALG, "kid": str(key.kid), "typ": "JWT"}, payload, key)

    def person_claims(self, person_id: str, names: set[str], purpose: str) -> dict[str, Any] | None:
        """Claim values of a person from the population register (None: not a living resident)."""
        person, address = self.people.person(scheme().validate(person_id), purpose)
        if person is None or person.get("status") == "deceased":
            return None
        return claim_rules.values(person, address if "address" in names else None, names)
