"""Each request's context: its language (``?lang=`` on any page, then the cookie, then the
browser's Accept-Language), its session (from the cookie), the checks every form passes (CSRF
token, same origin) and the guards of the citizen and staff pages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenfold.errors import TenfoldError
from tenfold.i18n import LANGUAGES, current_language, language_from_accept
from tenfold.portal.security import same_origin
from tenfold.portal.sessions import STAFF, Session

if TYPE_CHECKING:
    from tenfold.portal.bootstrap import Portal

LANGUAGE_COOKIE = "tenfold-lang"
MAX_FORM_BYTES = 32 * 1024
SKIP = ("/static/", "/healthz", "/metrics")


class Redirect(Exception):
    """Answer with a 303 to ``location`` (a path of the portal, or the identity provider)."""

    def __init__(self, location: str):
        super().__init__(location)
        self.location = location


class Forbidden(TenfoldError):
    """The form did not come from this portal's page in this session, or the role is missing."""


class PageNotFound(TenfoldError):
    """Nothing here for this person."""


def cookie_name(secure: bool) -> str:
    return "__Host-tenfold-portal" if secure else "tenfold-portal"


def _cookie(name: str, value: str, secure: bool, max_age: int | None) -> bytes:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts).encode()


class RequestContext:
    """Plain ASGI middleware: language and session before the route, cookies after it."""

    def __init__(self, app: ASGIApp, portal: Portal):
        self.app, self.portal = app, portal
        self.secure = portal.public_url.startswith("https://")
        self.cookie = cookie_name(self.secure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(SKIP):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        chosen = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("lang")
        language = chosen if chosen in LANGUAGES else request.cookies.get(LANGUAGE_COOKIE)
        if language not in LANGUAGES:
            language = language_from_accept(request.headers.get("accept-language"))
        current_language.set(language)
        token = request.cookies.get(self.cookie)
        session = await asyncio.to_thread(self.portal.sessions.load, token) if token else None
        state = scope.setdefault("state", {})
        state["session"], state["cookie_token"] = session, token

        async def with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                current: Session | None = state.get("session")
                if current is not None and current.fresh:
                    headers.append((b"set-cookie", _cookie(self.cookie, current.token, self.secure, None)))
                elif current is None and token and state.get("ended"):
                    headers.append((b"set-cookie", _cookie(self.cookie, "", self.secure, 0)))
                if chosen in LANGUAGES:
                    headers.append((b"set-cookie", _cookie(LANGUAGE_COOKIE, chosen, self.secure, 365 * 86400)))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_cookies)


def session_of(request: Request) -> Session | None:
    return getattr(request.state, "session", None)


async def ensure_session(request: Request, portal: Portal) -> Session:
    """The request's session, started (anonymous) when there is none: pages with forms need one."""
    session = session_of(request)
    if session is None:
        session = await asyncio.to_thread(portal.sessions.start)
        request.state.session = session
    return session


def here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def require_citizen(request: Request) -> Session:
    session = session_of(request)
    if session is None or session.citizen is None:
        raise Redirect("/login?next=" + quote(here(request), safe="/"))
    return session


def require_staff(request: Request, role: str) -> Session:
    session = session_of(request)
    if session is None or session.kind != STAFF:
        raise Redirect("/staff/login?next=" + quote(here(request), safe="/"))
    if role not in session.roles:
        raise Forbidden(f"this page needs the role {role}")
    return session


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this portal (never another site: no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return default


async def checked_form(request: Request) -> dict[str, Any]:
    """The posted form, once its CSRF token matches the session's and it came from this origin."""
    session = session_of(request)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise Forbidden("a form is sent as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise Forbidden("the form is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise Forbidden("the form is not UTF-8") from None
    form: dict[str, Any] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if session is None or not session.csrf_ok(form.get("csrf_token")) or not same_origin(
            request.headers.get("origin"), request.headers.get("referer"), own):
        raise Forbidden("the form's security token does not match this session; open the page again")
    return form
