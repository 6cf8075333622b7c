"""The browser's way through /authorize: validate the request, sign in, consent, redirect.

A *transaction* holds one validated authorization request. It is bound to the browser (a random
cookie whose hash it keeps) and carries a CSRF token for its forms; it expires after
``transaction_seconds`` and finishes once. A successful sign-in also opens a *session*, which lets
the same browser skip the sign-in form for further requests until it expires or the resident
signs out.
"""

from __future__ import annotations

import secrets as random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from sqlalchemy import select, update

from tenfold.identity import claims as claim_rules
from tenfold.identity.clients import ACR_PASSWORD_TOTP, Client
from tenfold.identity.errors import PersonUnavailable, TransactionExpired
from tenfold.identity.grants import Resident, WebRequest, digest
from tenfold.identity.service import IdentityProvider
from tenfold.identity.tables import sessions, tokens, transactions
from tenfold.i18n import normalise_language


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class Page:
    """A step the browser shows: ``login`` or ``consent``."""

    step: str
    transaction: str
    csrf_token: str
    client: Client
    language: str
    requests: list[claim_rules.ClaimRequest]


def ui_language(params: dict[str, Any]) -> str:
    for tag in str(params.get("ui_locales") or "").split():
        if tag.lower().startswith(("zh", "en")):
            return normalise_language(tag)
    return "en"


class SignInFlow:
    def __init__(self, provider: IdentityProvider):
        self.provider = provider

    # -- /authorize -------------------------------------------------------------------------
    def begin(self, pairs: list[tuple[str, str]], browser: str, session: str | None) -> Page | Redirect:
        """Validate an authorization request; raises OAuth2Error (with ``redirect_uri`` when the
        client and redirect URI are known, so the error may go back to the client)."""
        request = WebRequest("GET", self.provider.issuer + "/authorize", {}, pairs)
        now = self.provider.clock()
        prompts = str(dict(pairs).get("prompt", "")).split()
        signed_in = None if "login" in prompts else self._session(session, now)
        grant = self.provider.server.get_consent_grant(request, end_user=signed_in)
        params = dict(request.payload.data)
        client: Client = grant.request.client
        if "none" in prompts:  # consent is asked every time, so there is nothing to do without a page
            from authlib.oidc.core.errors import ConsentRequiredError

            raise ConsentRequiredError(redirect_uri=grant.redirect_uri, state=params.get("state"))
        transaction, csrf = random.token_urlsafe(24), random.token_urlsafe(24)
        with self.provider.engine.begin() as connection:
            connection.execute(transactions.insert().values(
                id=transaction, client_id=client.client_id, params=params, browser_hash=digest(browser), csrf_hash=digest(csrf),
                person_id=signed_in["person_id"] if signed_in else None, session_hash=signed_in["session_hash"] if signed_in else None,
                auth_time=signed_in["auth_time"] if signed_in else None, created_at=now,
                expires_at=now + timedelta(seconds=self.provider.settings.transaction_seconds)))
        return self._page("consent" if signed_in else "login", transaction, csrf, client, params)

    def _session(self, session: str | None, now: datetime) -> dict[str, Any] | None:
        if not session:
            return None
        with self.provider.engine.connect() as connection:
            row = connection.execute(select(sessions).where(sessions.c.session_hash == digest(session))).mappings().first()
        if row is None or row["ended_at"] is not None or row["expires_at"] <= now:
            return None
        account = self.provider.accounts.get(row["person_id"])
        return dict(row) if account and account["status"] == "active" else None

    def _page(self, step: str, transaction: str, csrf: str, client: Client, params: dict[str, Any], language: str | None = None) -> Page:
        requests = claim_rules.requested(params.get("scope") or "", params.get("claims"), client.claims)
        return Page(step, transaction, csrf, client, language or ui_language(params), requests)

    def _transaction(self, transaction: str, browser: str, csrf: str | None) -> dict[str, Any]:
        with self.provider.engine.connect() as connection:
            row = connection.execute(select(transactions).where(transactions.c.id == transaction[:64])).mappings().first()
        valid = (row is not None and row["finished_at"] is None and row["expires_at"] > self.provider.clock()
                 and row["browser_hash"] == digest(browser) and (csrf is None or row["csrf_hash"] == digest(csrf)))
        if not valid:
            raise TransactionExpired("this sign-in page has expired or belongs to another browser; start again from the service")
        assert row is not None
        return dict(row)

    def resume(self, transaction: str, browser: str, language: str | None) -> Page:
        """The current step again (e.g. in another language), with a fresh CSRF token."""
        row = self._transaction(transaction, browser, None)
        csrf, params = random.token_urlsafe(24), dict(row["params"])
        if language:  # the resident's choice holds for the rest of this sign-in
            params["ui_locales"] = normalise_language(language)
        with self.provider.engine.begin() as connection:
            connection.execute(update(transactions).where(transactions.c.id == row["id"]).values(csrf_hash=digest(csrf), params=params))
        client = self.provider.clients.get(row["client_id"])
        return self._page("consent" if row["person_id"] else "login", row["id"], csrf, client, params)

    # -- the sign-in form -------------------------------------------------------------------
    def login(self, transaction: str, browser: str, csrf: str, person_id: str, password: str, totp: str) -> tuple[Page, str]:
        """Check the credentials (raises SignInFailed); returns the consent page and a new session token."""
        row = self._transaction(transaction, browser, csrf)
        code = self.provider.accounts.authenticate(person_id, password, totp)
        now, session = self.provider.clock(), random.token_urlsafe(32)
        with self.provider.engine.begin() as connection:
            connection.execute(sessions.insert().values(
                session_hash=digest(session), person_id=code, auth_time=now,
                expires_at=now + timedelta(seconds=self.provider.settings.session_seconds)))
            connection.execute(update(transactions).where(transactions.c.id == row["id"]).values(
                person_id=code, session_hash=digest(session), auth_time=now))
        client = self.provider.clients.get(row["client_id"])
        return self._page("consent", row["id"], csrf, client, row["params"]), session

    # -- the consent form -------------------------------------------------------------------
    def decide(self, transaction: str, browser: str, csrf: str, allow: bool, chosen: set[str]) -> Redirect:
        """Finish the transaction: back to the client with a code, or with access_denied."""
        row = self._transaction(transaction, browser, csrf)
        if row["person_id"] is None:
            raise TransactionExpired("sign in first")
        with self.provider.engine.begin() as connection:
            finished = connection.execute(update(transactions).where(transactions.c.id == row["id"], transactions.c.finished_at.is_(None))
                                          .values(finished_at=self.provider.clock()))
        if finished.rowcount != 1:
            raise TransactionExpired("this sign-in was already finished")
        params: dict[str, Any] = row["params"]
        request = WebRequest("GET", self.provider.issuer + "/authorize", {}, list(params.items()))
        grant = self.provider.server.get_consent_grant(request, end_user=None)
        resident = self._resident(row, grant.request.client, params, chosen) if allow else None
        status, _body, headers = self.provider.server.create_authorization_response(request, grant_user=resident, grant=grant)
        return Redirect(dict(headers)["Location"])

    def _resident(self, row: dict[str, Any], client: Client, params: dict[str, Any], chosen: set[str]) -> Resident:
        requests = claim_rules.released(claim_rules.requested(params.get("scope") or "", params.get("claims"), client.claims), chosen)
        names = {r.name for r in requests}
        values: dict[str, Any] = {}
        if names:
            purpose = f"Sign-in: {client.name} receives {', '.join(sorted(names))}"
            found = self.provider.person_claims(row["person_id"], names, purpose)
            if found is None:
                raise PersonUnavailable("the population register has no living resident with this personal code")
            values = found
        userinfo = {r.name: values[r.name] for r in requests if "userinfo" in r.targets and r.name in values}
        id_token = {r.name: values[r.name] for r in requests if "id_token" in r.targets and r.name in values}
        return Resident(row["person_id"], self.provider.subject(row["person_id"], client.client_id), row["auth_time"],
                        row["session_hash"], ACR_PASSWORD_TOTP, userinfo, id_token)

    # -- logout -----------------------------------------------------------------------------
    def logout(self, session: str | None, id_token_hint: str | None, post_logout_redirect_uri: str | None,
               state: str | None) -> tuple[bool, Redirect | None]:
        """End the browser's session and revoke the tokens issued in it, when the request carries an
        ID token of ours issued to this browser's resident (so that a link on another site cannot
        sign anyone out); back to the client when its redirect URI is registered. Returns whether
        the session ended, and where to go."""
        now, hint = self.provider.clock(), self._hint(id_token_hint)
        client = self.provider.clients.find(hint.get("client_id")) if hint else None
        signed_in = self._session(session, now)
        ended = bool(client and signed_in and hint and hint.get("sub") == self.provider.subject(signed_in["person_id"], client.client_id))
        if ended:
            assert session is not None
            with self.provider.engine.begin() as connection:
                connection.execute(update(sessions).where(sessions.c.session_hash == digest(session), sessions.c.ended_at.is_(None))
                                   .values(ended_at=now))
                connection.execute(update(tokens).where(tokens.c.session_hash == digest(session), tokens.c.revoked_at.is_(None))
                                   .values(revoked_at=now))
        if client is not None and post_logout_redirect_uri and client.check_redirect_uri(post_logout_redirect_uri):
            query = urlencode({"state": state}) if state else ""
            return ended, Redirect(post_logout_redirect_uri + (("&" if "?" in post_logout_redirect_uri else "?") + query if query else ""))
        return ended, None

    def _hint(self, id_token_hint: str | None) -> dict[str, Any] | None:
        """The claims of an ID token this provider issued (expired ones too), with its client."""
        from tenfold.errors import InvalidInput
        from tenfold.identity.grants import verify_jwt

        if not id_token_hint or len(id_token_hint) > 8000:
            return None
        try:
            hint = verify_jwt(id_token_hint, self.provider.keys.public)
        except InvalidInput:
            return None
        audience = hint.get("aud")
        client_id = audience[0] if isinstance(audience, list) and audience else audience
        return {**hint, "client_id": client_id} if hint.get("iss") == self.provider.issuer and isinstance(client_id, str) else None


__all__ = ["OAuth2Error", "Page", "Redirect", "SignInFlow", "ui_language"]
