"""Residents sign in with the state identity provider (OpenID Connect, code flow with PKCE,
``private_key_jwt``), through :mod:`tenfold.identity.client`.

The portal's client registration (its id and private key) is a file written by
``tenfold portal register-client``; it is read when a sign-in starts, so registering does not
need a restart. The ID token must carry the personal code (``individual_id``): the portal acts
for that person and for no one else.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tenfold.errors import TenfoldError
from tenfold.identity.client import LoginFailed, LoginRequest, RelyingParty
from tenfold.ids import scheme

CLAIMS = {"id_token": {"individual_id": {"essential": True}, "name": {"essential": True}}}
CALLBACK = "/auth/callback"


class NotRegistered(TenfoldError):
    """The portal has no client registration at the identity provider yet."""


class CitizenSignIn:
    def __init__(self, client_file: Path, public_url: str, issuer: str):
        self.client_file, self.public_url, self.issuer = client_file, public_url.rstrip("/"), issuer.rstrip("/")
        self._party: RelyingParty | None = None
        self._loaded_from: float | None = None

    @property
    def redirect_uri(self) -> str:
        return self.public_url + CALLBACK

    def party(self) -> RelyingParty:
        """The relying party, from the registration file (read again when the file changes)."""
        try:
            changed = self.client_file.stat().st_mtime
        except OSError:
            raise NotRegistered(f"no client registration at {self.client_file} (run: tenfold portal register-client)") from None
        if self._party is None or changed != self._loaded_from:
            document = json.loads(self.client_file.read_text(encoding="utf-8"))
            self._party = RelyingParty(document.get("issuer", self.issuer), document["client_id"], self.redirect_uri,
                                       private_jwk=document["private_jwk"])
            self._loaded_from = changed
        return self._party

    def begin(self, language: str) -> dict[str, Any]:
        """A sign-in request (kept in the session until the provider sends the browser back)."""
        request = self.party().login_request(scope="openid", claims=CLAIMS, ui_locales=language)
        return asdict(request)

    def finish(self, query: str, kept: dict[str, Any]) -> tuple[str, str, str]:
        """(personal code, name, ID token) from the provider's redirect back."""
        tokens = self.party().finish_login(query, LoginRequest(**kept))
        code = tokens.claims.get("individual_id")
        if not isinstance(code, str) or not scheme().is_valid(code):
            raise LoginFailed("the identity provider did not give the personal code", "missing_claim")
        return scheme().validate(code), str(tokens.claims.get("name") or ""), tokens.id_token

    def logout_url(self, id_token: str) -> str | None:
        try:
            return self.party().logout_url(id_token, self.public_url + "/signed-out")
        except (NotRegistered, LoginFailed):
            return None
