"""Pages anyone may open: the start page, the resident's sign-in with the identity provider
(and back), signing out, the accessibility statement."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tenfold.i18n import current_language
from tenfold.identity.client import LoginFailed
from tenfold.portal.bootstrap import Portal
from tenfold.portal.context import Redirect, checked_form, ensure_session, safe_next, session_of
from tenfold.portal.sessions import CITIZEN
from tenfold.portal.signin import NotRegistered

log = logging.getLogger("tenfold.portal.signin")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def public_router(portal: Portal) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    pages = portal.pages

    @router.get("/")
    async def start(request: Request) -> Response:
        session = session_of(request)
        return pages.render(request, "public/start.html", signed_in=bool(session and session.citizen))

    @router.get("/accessibility")
    async def accessibility(request: Request) -> Response:
        return pages.render(request, "public/accessibility.html")

    @router.get("/login")
    async def login(request: Request, next: str | None = None) -> Response:
        """Start the sign-in: the browser goes to the identity provider and comes back to /auth/callback."""
        session = session_of(request)
        if session is not None and session.citizen:
            raise Redirect(safe_next(next, "/home"))
        portal.login_limit.check(client_address(request))
        session = await ensure_session(request, portal)
        try:
            kept = await asyncio.to_thread(portal.signin.begin, current_language.get())
        except (NotRegistered, LoginFailed) as error:
            log.warning("sign-in cannot start: %s", type(error).__name__)
            return pages.render(request, "public/signin_unavailable.html", 503)
        session.data["login"] = {"request": kept, "next": safe_next(next, "/home")}
        await asyncio.to_thread(portal.sessions.save, session)
        return RedirectResponse(kept["url"], status_code=303)

    @router.get("/auth/callback")
    async def callback(request: Request) -> Response:
        session = session_of(request)
        pending = session.data.get("login") if session else None
        if session is None or not pending:
            return pages.render(request, "public/signin_failed.html", 400)
        try:
            code, name, id_token = await asyncio.to_thread(portal.signin.finish, request.url.query, pending["request"])
        except LoginFailed as error:
            log.info("sign-in failed: %s", error.error)
            return pages.render(request, "public/signin_failed.html", 400, cancelled=error.error == "access_denied")
        signed_in = await asyncio.to_thread(portal.sessions.sign_in, session, CITIZEN, code, name, [])
        signed_in.data["id_token"] = id_token
        await asyncio.to_thread(portal.sessions.save, signed_in)
        request.state.session = signed_in
        return RedirectResponse(pending.get("next") or "/home", status_code=303)

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        session = session_of(request)
        assert session is not None
        id_token = session.data.get("id_token")
        await asyncio.to_thread(portal.sessions.end, session.token)
        request.state.session, request.state.ended = None, True
        target = (await asyncio.to_thread(portal.signin.logout_url, id_token)) if id_token else None
        return RedirectResponse(target or "/signed-out", status_code=303)

    @router.get("/signed-out")
    async def signed_out(request: Request) -> Response:
        return pages.render(request, "public/signed_out.html")

    return router
