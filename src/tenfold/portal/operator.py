"""The operators' dashboards (staff with the operator role) and the public open-data page
(aggregates only, no personal data, as Houston's homelessness response publishes its figures):
charts as SVG, each with its table and a CSV file; the open data also as JSON, which the portal
offers to other members through the exchange (service ``openData``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from tenfold.portal import dashboards
from tenfold.portal.bootstrap import Portal
from tenfold.portal.charts import Chart
from tenfold.portal.context import PageNotFound, require_staff
from tenfold.portal.rendering import translated
from tenfold.web import FastJSONResponse

NAME = Path(..., pattern=r"^[a-z][a-z0-9-]{1,60}$")
DAYS = (7, 30, 90, 365)


def operator_charts(figures: dashboards.Figures, names: dict[str, Any]) -> list[Chart]:
    return [dashboards.journeys_chart(figures), *dashboards.duration_charts(figures), dashboards.exceptions_chart(figures),
            dashboards.payments_chart(figures), dashboards.traffic_chart(figures, names), dashboards.tracker_chart(figures, names),
            dashboards.satisfaction_chart(figures)]


def public_charts(figures: dashboards.Figures) -> list[Chart]:
    return [dashboards.journeys_chart(figures), *dashboards.duration_charts(figures), dashboards.exceptions_chart(figures),
            dashboards.payments_chart(figures), dashboards.satisfaction_chart(figures)]


def _csv(chart: Chart) -> Response:
    return Response(chart.csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{chart.name}.csv"'})


def operator_router(portal: Portal, cached: dashboards.Cached) -> APIRouter:
    router, pages = APIRouter(include_in_schema=False), portal.pages
    names = {m.id: m.name for m in portal.topology.members}

    async def operator_figures(request: Request, days: int) -> dashboards.Figures:
        session = require_staff(request, "operator")
        return await dashboards.gather(portal, session.data.get("user_id"), days if days in DAYS else 30)

    @router.get("/operator")
    async def dashboard(request: Request, days: int = 30) -> Response:
        figures = await operator_figures(request, days)
        return pages.render(request, "operator/dashboard.html", charts=operator_charts(figures, names), headline=dashboards.headline(figures),
                            unavailable=figures.unavailable, days=days, choices=DAYS, translated=translated, names=names)

    @router.get("/operator/data/{name}.csv")
    async def operator_csv(request: Request, name: str = NAME, days: int = 30) -> Response:
        figures = await operator_figures(request, days)
        chart = next((c for c in operator_charts(figures, names) if c.name == name), None)
        if chart is None:
            raise PageNotFound(name)
        return _csv(chart)

    @router.get("/open-data")
    async def open_data(request: Request) -> Response:
        figures = await cached.get(portal)
        return pages.render(request, "public/open_data.html", charts=public_charts(figures), headline=dashboards.headline(figures),
                            unavailable=figures.unavailable)

    return router


def open_data_router(portal: Portal, cached: dashboards.Cached) -> APIRouter:
    """The open data as JSON and CSV: in the portal's OpenAPI document, and offered to other
    members through the exchange (service ``openData``)."""
    router = APIRouter(tags=["open data"])

    @router.get("/open-data/figures.json", summary="The journeys' figures (aggregates only, no personal data)")
    async def open_json() -> Response:
        figures = await cached.get(portal)
        return FastJSONResponse({"headline": dashboards.headline(figures), "journeys": figures.journeys.get("journeysPerDay", []),
                                 "durations": figures.journeys.get("durations", {}),
                                 "exceptionsByReason": figures.journeys.get("exceptionsByReason", {}),
                                 "payments": figures.payments.get("instructions", {}), "satisfaction": figures.satisfaction,
                                 "asOf": figures.journeys.get("asOf")})

    @router.get("/open-data/{name}.csv", summary="One chart's figures as CSV", responses={200: {"content": {"text/csv": {}}}, 404: {}})
    async def open_csv(request: Request, name: str = NAME) -> Response:
        chart = next((c for c in public_charts(await cached.get(portal)) if c.name == name), None)
        if chart is None:
            raise PageNotFound(name)
        return _csv(chart)

    return router
