"""The provider's HTTP face: OpenID Connect discovery, JWKS, the browser's /authorize pages,
the token and userinfo endpoints, RP-initiated logout and eSignet's client management.

Browsers and relying parties call these directly (not through the exchange). The services the
provider offers through the exchange (event inbox, actions, e-KYC) are in exchange_api.py.
"""

from __future__ import annotations

import secrets as random
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tenfold.i18n import gettext, normalise_language
from tenfold.identity import pages
from tenfold.identity.client_management import client_management_router
from tenfold.identity.config import secure_cookies
from tenfold.identity.errors import PersonUnavailable, SignInFailed, TransactionExpired
from tenfold.identity.exchange_api import exchange_router
from tenfold.identity.flow import Page, Redirect, SignInFlow, ui_language
from tenfold.identity.service import IdentityProvider, InvalidToken
from tenfold.identity.throttle import Throttle
from tenfold.web import FastJSONResponse, create_app
from tenfold.i18n import N_

MAX_FORM_BYTES = 16 * 1024
MAX_QUERY = 8 * 1024
EXPIRED = N_("This sign-in page has expired or was opened in another browser. Go back to the service and start again.")
BAD_REQUEST = N_("The service sent a sign-in request that cannot be accepted.")
UNAVAILABLE = N_("Your data could not be read from the population register just now. Please try again later.")
THROTTLED = N_("Too many attempts from your connection. Wait a minute and try again.")


class Cookies:
    """Cookie names and flags: HttpOnly always; SameSite=Strict for the browser binding, Lax for
    the session; Secure (and the __Host- prefix) unless the provider runs on plain http on a
    loopback address (the demo)."""

    def __init__(self, secure: bool):
        self.secure = secure
        prefix = "__Host-" if secure else ""
        self.browser, self.session = f"{prefix}tenfold-idp-browser", f"{prefix}tenfold-idp-session"

    def same_site(self, name: str) -> str:
        # The session must come along when a relying party sends the browser here (a top-level
        # GET from another site: /authorize, /oidc/logout), so it is Lax; the browser binding is
        # only needed by this site's own forms, so it is Strict.
        return "lax" if name == self.session else "strict"

    def set(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=self.secure, httponly=True,
                            samesite=self.same_site(name))  # type: ignore[arg-type]

    def clear(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite=self.same_site(name))  # type: ignore[arg-type]


async def _form(request: Request) -> list[tuple[str, str]] | None:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        return None


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=pages.SECURITY_HEADERS)


def create_identity_app(provider: IdentityProvider) -> FastAPI:
    app = create_app("Identity provider", description="OpenID Connect provider (eSignet-compatible) with e-KYC claims; "
                     "eSignet client management; the services it offers through the exchange.")
    flow, throttle, cookies = SignInFlow(provider), Throttle(provider.settings.attempts_per_minute), Cookies(secure_cookies(provider.issuer))
    app.state.provider = provider

    def message(language: str, title: str, text: str, status: int, kind: str = "error") -> HTMLResponse:
        return _html(pages.render("message.html", language, title=gettext(title, language), text=gettext(text, language), kind=kind), status)

    def page(step: Page, status: int = 200, error: str | None = None, personal_code: str = "") -> HTMLResponse:
        links = pages.language_links("/authorize/resume", {"transaction": step.transaction}, step.language)
        body = pages.render(f"{step.step}.html", step.language, client_name=step.client.name, transaction=step.transaction,
                            csrf_token=step.csrf_token, requests=step.requests, languages=links, error=error, personal_code=personal_code)
        return _html(body, status)

    def authorize_error(error: OAuth2Error, language: str) -> Response:
        if error.redirect_uri:
            _status, _body, headers = error()
            return RedirectResponse(dict(headers)["Location"], status_code=303, headers={"Cache-Control": "no-store"})
        return message(language, N_("The request cannot be accepted"), BAD_REQUEST, 400)

    @app.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
    async def discovery() -> FastJSONResponse:
        return FastJSONResponse(provider.discovery())

    @app.get("/.well-known/jwks.json", summary="The provider's public signing keys (current and still-valid retired ones)")
    async def jwks() -> FastJSONResponse:
        return FastJSONResponse(provider.keys.jwks(), headers={"Cache-Control": "max-age=60"})

    @app.get("/static/identity.css", include_in_schema=False)
    async def stylesheet() -> PlainTextResponse:
        return PlainTextResponse(pages.STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.get("/authorize", include_in_schema=False)
    async def authorize(request: Request) -> Response:
        if len(request.url.query) > MAX_QUERY:
            return message("en", N_("The request cannot be accepted"), BAD_REQUEST, 400)
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        language = ui_language(dict(pairs))
        browser = request.cookies.get(cookies.browser) or random.token_urlsafe(32)
        try:
            step = await run_in_threadpool(flow.begin, pairs, browser, request.cookies.get(cookies.session))
        except OAuth2Error as error:
            return authorize_error(error, language)
        except ValueError:  # an error description Authlib refuses to carry (odd characters in the request)
            return message(language, N_("The request cannot be accepted"), BAD_REQUEST, 400)
        assert isinstance(step, Page)
        response = page(step)
        cookies.set(response, cookies.browser, browser)
        return response

    @app.get("/authorize/resume", include_in_schema=False)
    async def resume(request: Request, transaction: str = "", lang: str = "en") -> Response:
        try:
            step = await run_in_threadpool(flow.resume, transaction, request.cookies.get(cookies.browser) or "", lang)
        except TransactionExpired:
            return message(normalise_language(lang), N_("Sign-in expired"), EXPIRED, 400)
        return page(step)

    @app.post("/authorize/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = dict(await _form(request) or [])
        browser, transaction = request.cookies.get(cookies.browser) or "", form.get("transaction", "")
        try:
            wait = throttle.allow(request.client.host if request.client else "-")
            if wait is None:
                step, session = await run_in_threadpool(flow.login, transaction, browser, form.get("csrf_token", ""),
                                                         form.get("personal_code", ""), form.get("password", ""), form.get("totp", ""))
                response = page(step)
                cookies.set(response, cookies.session, session, provider.settings.session_seconds)
                return response
            failure = SignInFailed(THROTTLED, retry_after=wait)
        except SignInFailed as error:
            failure = error
        except TransactionExpired:
            return message("en", N_("Sign-in expired"), EXPIRED, 400)
        try:
            step = await run_in_threadpool(flow.resume, transaction, browser, None)
        except TransactionExpired:
            return message("en", N_("Sign-in expired"), EXPIRED, 400)
        text = gettext(str(failure), step.language).format(minutes=max(1, (failure.retry_after or 60) // 60))
        return page(step, 429 if failure.retry_after else 401, text, form.get("personal_code", "")[:20])

    @app.post("/authorize/consent", include_in_schema=False)
    async def consent(request: Request) -> Response:
        pairs = await _form(request) or []
        form = dict(pairs)
        try:
            outcome: Redirect = await run_in_threadpool(
                flow.decide, form.get("transaction", ""), request.cookies.get(cookies.browser) or "", form.get("csrf_token", ""),
                form.get("decision") == "allow", {v for k, v in pairs if k == "claim"})
        except TransactionExpired:
            return message("en", N_("Sign-in expired"), EXPIRED, 400)
        except PersonUnavailable:
            return message("en", N_("Please try again later"), UNAVAILABLE, 503)
        except OAuth2Error as error:
            return authorize_error(error, "en")
        return RedirectResponse(outcome.location, status_code=303, headers={"Cache-Control": "no-store"})

    @app.post("/oauth/token", include_in_schema=False)
    async def token(request: Request) -> Response:
        pairs = await _form(request)
        if pairs is None or len({k for k, _v in pairs}) != len(pairs):
            return _oauth_json(400, {"error": "invalid_request", "error_description": "send one of each parameter as a form"})
        from tenfold.identity.grants import WebRequest

        oauth = WebRequest("POST", provider.issuer + "/oauth/token", request.headers, pairs)  # type: ignore[arg-type]
        try:
            status, body, headers = await run_in_threadpool(provider.server.create_token_response, oauth)
        except ValueError:  # e.g. a key or assertion Authlib cannot describe in an OAuth error
            return _oauth_json(401, {"error": "invalid_client", "error_description": "the client authentication is malformed"})
        return _oauth_json(status, body, headers)

    async def userinfo(request: Request) -> Response:
        scheme_, _space, value = request.headers.get("authorization", "").partition(" ")
        if scheme_.lower() != "bearer" or not value.strip():
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="userinfo"'})
        try:
            signed = await run_in_threadpool(provider.userinfo, value.strip())
        except InvalidToken:
            return Response(status_code=401, headers={
                "WWW-Authenticate": 'Bearer error="invalid_token", error_description="the access token is unknown, expired or revoked"'})
        return Response(signed, media_type="application/jwt", headers={"Cache-Control": "no-store"})

    for method in ("GET", "POST"):
        app.add_api_route("/oidc/userinfo", userinfo, methods=[method], operation_id=f"userinfo_{method.lower()}",
                          summary="The consented claims, as a JWT signed by the provider",
                          responses={200: {"content": {"application/jwt": {}}}, 401: {"description": "no or invalid bearer token"}})

    @app.get("/oidc/logout", include_in_schema=False)
    async def logout(request: Request, id_token_hint: str | None = None, post_logout_redirect_uri: str | None = None,
                     state: str | None = None, ui_locales: str | None = None) -> Response:
        ended, outcome = await run_in_threadpool(flow.logout, request.cookies.get(cookies.session), id_token_hint,
                                                 post_logout_redirect_uri, state)
        language = ui_language({"ui_locales": ui_locales or ""})
        response: Response
        if outcome is not None:
            response = RedirectResponse(outcome.location, status_code=303)
        elif ended:
            response = message(language, N_("Signed out"), N_("You are signed out of the state identity provider."), 200, "notice")
        else:
            return message(language, N_("Not signed out"), N_("Sign out from the service you signed in to."), 400)
        if ended:
            cookies.clear(response, cookies.session)
        return response

    app.include_router(client_management_router(provider))
    app.include_router(exchange_router(provider))
    return app


def _oauth_json(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> JSONResponse:
    extra = {k: v for k, v in (headers or []) if k.lower() != "content-type"}
    extra.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
    return JSONResponse(body if isinstance(body, dict) else {}, status_code=status, headers=extra)
