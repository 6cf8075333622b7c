"""Staff sign-in (the portal's staff directory: password and one-time code) and sign-out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tenfold.i18n import gettext
from tenfold.portal.bootstrap import Portal
from tenfold.portal.context import checked_form, ensure_session, safe_next, session_of
from tenfold.portal.public import client_address
from tenfold.portal.sessions import STAFF
from tenfold.portal.staff import StaffSignInFailed, audit


def landing(roles: list[str]) -> str:
    return "/caseworker" if {"caseworker", "approver"} & set(roles) else "/operator"


def staff_router(portal: Portal) -> APIRouter:
    router, pages = APIRouter(include_in_schema=False), portal.pages

    @router.get("/staff/login")
    async def login_page(request: Request, next: str | None = None) -> Response:
        session = session_of(request)
        if session is not None and session.kind == STAFF:
            return RedirectResponse(safe_next(next, landing(session.roles)), status_code=303)
        await ensure_session(request, portal)
        return pages.render(request, "staff/login.html", next=safe_next(next, ""))

    @router.post("/staff/login")
    async def login(request: Request) -> Response:
        await ensure_session(request, portal)
        form = await checked_form(request)
        portal.login_limit.check("staff:" + client_address(request))
        try:
            official = await asyncio.to_thread(portal.staff.authenticate, str(form.get("staff_id", "")), str(form.get("password", "")),
                                               str(form.get("totp", "")))
        except StaffSignInFailed as failed:
            return pages.render(request, "staff/login.html", 401, next=safe_next(form.get("next"), ""), staff_id=str(form.get("staff_id", ""))[:64],
                                errors={"staff_id": gettext(str(failed))})
        old = session_of(request)
        session = await asyncio.to_thread(portal.sessions.sign_in, old, STAFF, official.staff_id, official.name, official.roles)
        session.data["user_id"] = official.user_id
        await asyncio.to_thread(portal.sessions.save, session)
        request.state.session = session
        return RedirectResponse(safe_next(form.get("next"), landing(official.roles)), status_code=303)

    @router.post("/staff/logout")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        session = session_of(request)
        assert session is not None
        await asyncio.to_thread(portal.sessions.end, session.token)
        if session.kind == STAFF:
            await asyncio.to_thread(audit, portal.engine, session.subject, "signed_out")
        request.state.session, request.state.ended = None, True
        return RedirectResponse("/staff/login", status_code=303)

    return router
