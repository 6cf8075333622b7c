"""The portal's web application: pages for residents, caseworkers and operators, the public
open-data page, the browser assets from npm under /static, and one place where errors become
pages in the reader's language."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from tenfold.errors import InvalidInput
from tenfold.portal.bootstrap import Portal
from tenfold.portal.context import Forbidden, PageNotFound, Redirect, RequestContext
from tenfold.portal.security import SecurityHeaders, Throttled, content_security_policy, origin_of
from tenfold.portal.xroad import ExchangeUnavailable
from tenfold.web import create_app

STATIC = __import__("pathlib").Path(__file__).parent / "static"


def _errors(app: FastAPI, portal: Portal) -> None:
    pages = portal.pages

    @app.exception_handler(Redirect)
    async def redirect(_request: Request, error: Redirect) -> Response:
        return RedirectResponse(error.location, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return pages.render(request, "public/error.html", 403, kind="forbidden")

    @app.exception_handler(PageNotFound)
    async def not_found(request: Request, error: PageNotFound) -> Response:
        return pages.render(request, "public/error.html", 404, kind="not_found")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        kind = {404: "not_found", 405: "not_found"}.get(error.status_code, "bad_request")
        return pages.render(request, "public/error.html", error.status_code, kind=kind)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        return pages.render(request, "public/error.html", 404, kind="not_found")

    @app.exception_handler(InvalidInput)
    async def refused(request: Request, error: InvalidInput) -> Response:
        return pages.render(request, "public/error.html", 400, kind="bad_request")

    @app.exception_handler(ExchangeUnavailable)
    async def unavailable(request: Request, error: ExchangeUnavailable) -> Response:
        return pages.render(request, "public/error.html", 503, kind="unavailable")

    @app.exception_handler(Throttled)
    async def throttled(request: Request, error: Throttled) -> Response:
        response = pages.render(request, "public/error.html", 429, kind="throttled")
        response.headers["Retry-After"] = str(error.retry_after)
        return response


def _static(app: FastAPI, portal: Portal) -> None:
    uswds, htmx = portal.assets / "@uswds" / "uswds" / "dist", portal.assets / "htmx.org" / "dist"
    app.mount("/static/portal", StaticFiles(directory=STATIC), name="portal-static")
    app.mount("/static/uswds", StaticFiles(directory=uswds, check_dir=False), name="uswds")
    app.mount("/static/htmx", StaticFiles(directory=htmx, check_dir=False), name="htmx")


def create_portal_app(portal: Portal) -> FastAPI:
    from tenfold.portal.caseworker import caseworker_router
    from tenfold.portal.citizen import citizen_router
    from tenfold.portal.citizen_more import more_router
    from tenfold.portal.dashboards import Cached
    from tenfold.portal.operator import open_data_router, operator_router
    from tenfold.portal.public import public_router
    from tenfold.portal.staff_pages import staff_router

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        import asyncio

        await asyncio.to_thread(portal.sessions.sweep)
        try:
            yield
        finally:
            await portal.exchange.close()
            await portal.staff_exchange.close()

    app = create_app("Tenfold portal", description="The state portal: residents' self-service, the caseworkers' console, "
                     "the operators' dashboards and the public open-data page (server-rendered HTML).")
    app.router.lifespan_context = lifespan
    app.state.portal = portal
    _errors(app, portal)
    _static(app, portal)
    for router in (public_router, citizen_router, more_router, staff_router, caseworker_router):
        app.include_router(router(portal))
    cached = Cached()
    app.include_router(operator_router(portal, cached))
    app.include_router(open_data_router(portal, cached))
    app.add_middleware(RequestContext, portal=portal)
    policy = content_security_policy((origin_of(portal.issuer),))
    app.add_middleware(SecurityHeaders, policy=policy, secure=portal.public_url.startswith("https://"))
    return app


def application(member_code: str) -> FastAPI:
    """The portal over PORTAL's own database and gateway (``tenfold serve``)."""
    from tenfold.portal import open_portal, portal_settings

    settings = portal_settings()
    if member_code.upper() != settings.member.split("/")[2]:
        settings = settings.model_copy(update={"member": f"{settings.member.rsplit('/', 1)[0]}/{member_code.upper()}"})
    return create_portal_app(open_portal(settings=settings))
