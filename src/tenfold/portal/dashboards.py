"""The operator's figures, gathered from where they are kept: SIB's journeys (through the exchange),
the treasury's payment outcomes (through the exchange), every gateway's operational monitoring
and data-tracker volumes (the member-facing listeners in ``runtime.json``: operational data is
the platform operator's, it holds no personal data, and a gateway serves it to its own operator,
as X-Road's monitoring does), and the portal's own satisfaction answers. Each becomes a chart
with its table and CSV."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from tenfold.i18n import N_, gettext
from tenfold.portal.bootstrap import Portal
from tenfold.portal.charts import Chart
from tenfold.portal.rendering import translated
from tenfold.portal.tables import satisfaction
from tenfold.portal.xroad import Acting, ExchangeUnavailable

SIB, TRE = "DEMO/GOV/SIB/benefits/benefits", "DEMO/GOV/TRE/payments/payments"
PURPOSE = "Operator's dashboards: the journeys' figures (aggregates, no person)"
STAGE_TITLES = {"event_to_offer": N_("From the event to the offer"), "offer_to_confirm": N_("From the offer to the confirmation"),
                "confirm_to_paid": N_("From the confirmation to the payment"), "event_to_paid": N_("From the event to the payment")}


def bucket_label(upper: int | None, previous: int | None) -> str:
    def shown(ms: int) -> str:
        for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
            if ms >= size and ms % size == 0:
                return f"{ms // size} {unit}"
        return f"{ms / 1000:g} s"
    return f"> {shown(previous or 0)}" if upper is None else f"≤ {shown(upper)}"


@dataclass
class Figures:
    journeys: dict[str, Any] = field(default_factory=dict)
    payments: dict[str, Any] = field(default_factory=dict)
    traffic: list[dict[str, Any]] = field(default_factory=list)
    tracker: list[dict[str, Any]] = field(default_factory=list)
    satisfaction: dict[int, int] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)


async def _json(portal: Portal, service: str, path: str, acting: Acting, figures: Figures, name: str) -> dict[str, Any]:
    try:
        answer = await portal.staff_exchange.call("GET", service, path, acting)
    except ExchangeUnavailable:
        answer = None
    if answer is None or not answer.ok or not isinstance(answer.body, dict):
        figures.unavailable.append(name)
        return {}
    return answer.body


def _gateways(portal: Portal) -> dict[str, str]:
    try:
        runtime = orjson.loads(portal.settings.runtime().read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return {m["id"]: m["gateway_url"] for m in runtime.get("members", []) if m.get("gateway_url")}


async def _monitoring(session: aiohttp.ClientSession, member: str, url: str) -> tuple[str, list[dict[str, Any]] | None, list[Any] | None]:
    traffic: list[dict[str, Any]] | None = None
    volumes: list[Any] | None = None
    try:
        async with session.get(url + "/metrics") as response:
            if response.status == 200:
                traffic = _traffic(member, await response.text())
        async with session.get(url + "/api/v1/tracker/volumes") as response:
            if response.status == 200:
                volumes = [{**v, "member": member} for v in (await response.json()).get("volumes", [])]
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
        pass
    return member, traffic, volumes


def _traffic(member: str, text: str) -> list[dict[str, Any]]:
    """Exchanges this member's gateway served as provider, by client and service and status."""
    found = []
    for family in text_string_to_metric_families(text):
        if family.name != "exchange_messages":
            continue
        for sample in family.samples:
            labels = sample.labels
            if sample.name.endswith("_total") and labels.get("role") == "provider":
                found.append({"member": member, "client": labels.get("client", "-"), "service": labels.get("service", "-"),
                              "status": labels.get("status", ""), "count": int(sample.value)})
    return found


async def gather(portal: Portal, user: str | None, days: int = 30, with_exchange: bool = True) -> Figures:
    figures = Figures()
    acting = Acting(user, PURPOSE)
    journeys, payments = await asyncio.gather(_json(portal, SIB, f"/figures?days={days}", acting, figures, "SIB"),
                                              _json(portal, TRE, "/status", acting, figures, "TRE"))
    figures.journeys, figures.payments = journeys, payments
    if with_exchange:
        gateways = _gateways(portal)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            answers = await asyncio.gather(*(_monitoring(session, m, u) for m, u in gateways.items()))
        for member, traffic, volumes in answers:
            figures.traffic += traffic or []
            figures.tracker += volumes or []
            if traffic is None:
                figures.unavailable.append(member)
    figures.satisfaction = await asyncio.to_thread(_satisfaction, portal)
    return figures


def _satisfaction(portal: Portal) -> dict[int, int]:
    with portal.engine.connect() as connection:
        return {int(s): int(n) for s, n in connection.execute(select(satisfaction.c.score, func.count()).group_by(satisfaction.c.score))}


class Cached:
    """The public page's figures, gathered at most once a minute whatever the traffic."""

    def __init__(self, seconds: float = 60.0):
        self.seconds, self.kept, self.at, self.lock = seconds, None, -1e9, asyncio.Lock()

    async def get(self, portal: Portal) -> Figures:
        async with self.lock:
            if self.kept is None or time.monotonic() - self.at > self.seconds:
                self.kept, self.at = await gather(portal, None, with_exchange=False), time.monotonic()
            return self.kept


# ---------------------------------------------------------------- the charts
def journeys_chart(figures: Figures) -> Chart:
    days: dict[str, Counter[str]] = {}
    for row in figures.journeys.get("journeysPerDay", []):
        days.setdefault(row["day"], Counter()).update({"without": row["withoutCaseworker"], "with": row["withCaseworker"],
                                                       "open": row["inProgress"]})
    rows = [[day, c["without"], c["with"], c["open"]] for day, c in sorted(days.items())]
    series = [gettext("without a caseworker"), gettext("with a caseworker"), gettext("in progress")]
    return Chart("journeys-per-day", gettext("Journeys per day"),
                 gettext("Births and deaths handled each day, split by whether a caseworker was needed."),
                 [gettext("day"), *series], rows, series=series)


def duration_charts(figures: Figures) -> list[Chart]:
    charts = []
    for stage, found in figures.journeys.get("durations", {}).items():
        previous, rows = None, []
        for upper, count in found["buckets"]:
            rows.append([bucket_label(upper, previous), count])
            previous = upper if upper is not None else previous
        title = gettext(STAGE_TITLES.get(stage, stage))
        description = gettext("How many journeys took how long; median {p50}, 95th percentile {p95}.").format(
            p50=_duration(found["p50"]), p95=_duration(found["p95"]))
        charts.append(Chart(f"duration-{stage.replace('_', '-')}", title, description, [gettext("time taken"), gettext("journeys")], rows,
                            series=[gettext("journeys")]))
    return charts


def _duration(ms: float | None) -> str:
    if ms is None:
        return "–"
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms >= size:
            return f"{ms / size:.1f} {unit}"
    return f"{ms:.0f} ms"


def exceptions_chart(figures: Figures) -> Chart:
    found = figures.journeys.get("exceptionsByReason", {})
    rows = sorted(([code, v["open"] + v["resolved"], v["open"], v["resolved"]] for code, v in found.items()), key=lambda r: -r[1])
    return Chart("exceptions-by-reason", gettext("Exceptions by reason"), gettext("Cases the rules could not settle, by reason code."),
                 [gettext("reason"), gettext("cases"), gettext("open"), gettext("settled")], rows, kind="ranking")


def payments_chart(figures: Figures) -> Chart:
    found = figures.payments.get("instructions", {})
    rows = sorted(([state, v["count"], v["cents"] / 100] for state, v in found.items()), key=lambda r: -r[1])
    return Chart("payment-outcomes", gettext("Payment outcomes"), gettext("Payment instructions at the treasury by state, with their amounts in euros."),
                 [gettext("state"), gettext("instructions"), gettext("euros")], rows, kind="ranking")


def traffic_chart(figures: Figures, names: dict[str, Any]) -> Chart:
    totals: dict[tuple[str, str], list[int]] = {}
    for row in figures.traffic:
        key = (row["member"], row["service"])
        entry = totals.setdefault(key, [0, 0])
        entry[0] += row["count"]
        entry[1] += row["count"] if row["status"][:1] in ("4", "5") else 0
    rows = sorted(([f"{translated(names.get(m, m))}: {s.split('/')[-1]}", n, e, m, s] for (m, s), (n, e) in totals.items()), key=lambda r: -r[1])
    return Chart("exchange-traffic", gettext("Exchange traffic by member and service"),
                 gettext("Requests each member's gateway answered as provider since it started, and how many were errors."),
                 [gettext("service"), gettext("requests"), gettext("errors"), gettext("member"), gettext("service id")], rows, kind="ranking")


def tracker_chart(figures: Figures, names: dict[str, Any]) -> Chart:
    totals: Counter[str] = Counter()
    for row in figures.tracker:
        totals[row["member"]] += int(row.get("count", 0))
    rows = [[translated(names.get(m, m)), n, m] for m, n in totals.most_common()]
    return Chart("data-tracker-volumes", gettext("Data tracker volumes"),
                 gettext("Recorded uses of persons' data, by the member holding the data."),
                 [gettext("member"), gettext("entries"), gettext("member id")], rows, kind="ranking")


def satisfaction_chart(figures: Figures) -> Chart:
    labels = {5: N_("Very satisfied"), 4: N_("Satisfied"), 3: N_("Neither satisfied nor dissatisfied"), 2: N_("Dissatisfied"),
              1: N_("Very dissatisfied")}
    rows = [[gettext(labels[score]), figures.satisfaction.get(score, 0), score] for score in (5, 4, 3, 2, 1)]
    return Chart("satisfaction", gettext("Satisfaction after confirming"), gettext("Answers to the one question asked after each confirmation."),
                 [gettext("answer"), gettext("answers"), gettext("score")], rows, kind="ranking")


def headline(figures: Figures) -> dict[str, Any]:
    journeys = figures.journeys.get("journeys", {})
    processed = journeys.get("processed", 0)
    answers = sum(figures.satisfaction.values())
    durations = figures.journeys.get("durations", {})
    return {"journeys": journeys.get("total", 0), "processed": processed,
            "automatic_share": (journeys.get("withoutCaseworker", 0) / processed) if processed else None,
            "offer_p50": _duration(durations.get("event_to_offer", {}).get("p50")),
            "paid_p50": _duration(durations.get("event_to_paid", {}).get("p50")),
            "satisfaction": (sum(s * n for s, n in figures.satisfaction.items()) / answers) if answers else None, "answers": answers,
            "stuck": figures.journeys.get("stuck", {})}
