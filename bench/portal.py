"""The portal's one-click confirmation under load: ``users`` signed-in residents at once open
their offer page and confirm it, against the running country (``tenfold serve``), with SIB's own
application called directly (no portal, no exchange) as the baseline in the same run.

Preparing (not measured): the benchmark plays POP's front office as ``tenfold bench births``
does, registering births to ``users`` women of the country until each has offers waiting at SIB;
each woman is signed in to the portal by creating her session in the portal's session store,
exactly the row its OpenID Connect callback writes (the sign-in itself is ``tenfold bench login``).
Each user's offers are split in two: the first half is confirmed straight at SIB's application
(the baseline), the second through the portal (offer page, then the confirm form, which goes
through the portal's gateway and SIB's to SIB). Every confirmation is a first one (an offer is
confirmed once); the run ends when the offers are used up or ``seconds`` have passed.
"""

from __future__ import annotations

import asyncio
import re
import time
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'name="(recipient|iban)" value="([^"]*)"')


def _quantile(values: list[float], q: float) -> float | None:
    found = sorted(values)
    return round(found[min(len(found) - 1, int(q * len(found)))], 1) if found else None


def _handled(sib: str, after: int, children: set[str], deadline: float) -> int:
    """Wait until SIB has handled every bench birth (an offer, or whatever else it decided)."""
    from tenfold.cli.exchange import http

    done: set[str] = set()
    while time.monotonic() < deadline and len(done) < len(children):
        cursor = after
        while True:
            _status, _h, answer = http("GET", f"{sib}/journeys?after={cursor}&limit=1000")
            done.update(j["subject"] for j in answer["journeys"] if j["state"] == "processed" and j["subject"] in children)
            if len(answer["journeys"]) < 1000:
                break
            cursor = answer["journeys"][-1]["event"]
        time.sleep(0.25)
    return len(done)


def _prepare(pop: str, sib: str, users: int, per_user: int) -> dict[str, list[dict[str, Any]]]:
    """Births for mothers until ``users`` of them have ``per_user`` open offers with a known account.
    One birth a month for each mother (births of one month make one family decision, as twins do)."""
    from tenfold.cli.bench import load
    from tenfold.cli.exchange import http

    births = load("births")
    today = date.fromisoformat(http("GET", sib + "/status")[2]["today"])
    mothers = list(dict.fromkeys(births._mothers(pop, today, users * 3)))[: users + users // 2]
    after, n = births._latest_event(sib), 0
    children: set[str] = set()
    for month in range(per_user):
        for mother in mothers:
            child, _committed = births._register(pop, mother, today - timedelta(days=31 * month), n)
            children.add(child)
            n += 1
    _handled(sib, after, children, time.monotonic() + 300)
    waiting: dict[str, list[dict[str, Any]]] = {}
    for mother in mothers:
        _status, _h, found = http("GET", f"{sib}/offers?personId={mother}")
        for offer in found["offers"]:
            if offer["state"] in ("proposed", "notified") and offer["iban"] and offer["addressee"] == mother:
                waiting.setdefault(mother, []).append(offer)
    chosen = dict(sorted(waiting.items(), key=lambda kv: -len(kv[1]))[:users])
    if len(chosen) < users or min(len(v) for v in chosen.values()) < 2:
        raise RuntimeError(f"only {len(chosen)} residents have two offers or more waiting; is SIB's worker running?")
    return chosen


def _sessions(residents: list[str]) -> dict[str, str]:
    """Each resident signed in to the portal: her session as the OpenID Connect callback writes it."""
    from tenfold.portal import open_portal
    from tenfold.portal.sessions import CITIZEN

    portal = open_portal()
    return {person: portal.sessions.sign_in(None, CITIZEN, person, "Bench Resident", []).token for person in residents}


class Timings:
    def __init__(self) -> None:
        self.page: list[float] = []
        self.confirm: list[float] = []
        self.failures: list[str] = []
        self.requests = 0


async def _direct(http: Any, sib: str, person: str, offers: list[dict[str, Any]], timings: Timings, stop: float) -> None:
    """The baseline: SIB's application read and confirmed directly, as the portal's gateway would forward it."""
    headers = {"X-Road-UserId": person, "X-Road-Client": "DEMO/GOV/PORTAL/portal"}
    for offer in offers:
        if time.monotonic() > stop:
            return
        started = time.perf_counter()
        async with http.get(f"{sib}/offers/{offer['id']}", headers=headers) as response:
            await response.read()
        timings.page.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        async with http.post(f"{sib}/offers/{offer['id']}/confirm", json={"recipient": offer["recipient"], "iban": offer["iban"]},
                             headers={**headers, "Idempotency-Key": f"bench-{offer['id']}"}) as response:
            await response.read()
            ok = response.status == 200
        timings.confirm.append((time.perf_counter() - started) * 1000)
        timings.requests += 2
        if not ok:
            timings.failures.append(f"direct confirm {response.status}")


async def _portal(aiohttp: Any, portal: str, token: str, offers: list[dict[str, Any]], timings: Timings, stop: float) -> None:
    """One signed-in resident: the offer page, then its confirm form (as a browser posts it)."""
    async with aiohttp.ClientSession(cookies={"tenfold-portal": token}, connector=aiohttp.TCPConnector(limit=4)) as http:
        for offer in offers:
            if time.monotonic() > stop:
                return
            started = time.perf_counter()
            async with http.get(f"{portal}/offers/{offer['id']}", allow_redirects=False) as response:
                page, status = await response.text(), response.status
            timings.page.append((time.perf_counter() - started) * 1000)
            token_found, shown = TOKEN.search(page), dict(HIDDEN.findall(page))
            if status != 200 or not token_found:
                timings.failures.append(f"offer page {status}")
                continue
            form = {"csrf_token": token_found.group(1), **shown}
            started = time.perf_counter()
            async with http.post(f"{portal}/offers/{offer['id']}/confirm", data=form, allow_redirects=False,
                                 headers={"Origin": portal}) as response:
                await response.read()
                ok = response.status == 303 and response.headers.get("Location", "").endswith("/confirmed")
            timings.confirm.append((time.perf_counter() - started) * 1000)
            timings.requests += 2
            if not ok:
                timings.failures.append(f"portal confirm {response.status}")


async def _measure(portal: str, sib: str, waiting: dict[str, list[dict[str, Any]]], tokens: dict[str, str], seconds: float) -> dict[str, Any]:
    import aiohttp

    results = {}
    halves = {p: (o[: len(o) // 2], o[len(o) // 2:]) for p, o in waiting.items()}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(waiting) * 2)) as http:
        direct, started = Timings(), time.monotonic()
        await asyncio.gather(*(_direct(http, sib, p, halves[p][0], direct, started + seconds) for p in waiting))
        results["direct"] = (direct, time.monotonic() - started)
    through, started = Timings(), time.monotonic()
    await asyncio.gather(*(_portal(aiohttp, portal, tokens[p], halves[p][1], through, started + seconds) for p in waiting))
    results["portal"] = (through, time.monotonic() - started)
    return results


def run(users: int = 50, seconds: float = 20.0, offers: int | None = None) -> dict[str, Any]:
    from tenfold.cli.bench import load

    per_user = max(2, (offers or users * 4) // users)
    with ExitStack() as stack:
        state = load("births")._country(stack)
        apps = {m["code"]: m["apps"] for m in state["members"]}
        pop, sib, portal = apps["POP"]["registry"], apps["SIB"]["lifeevents"], apps["PORTAL"]["portal"]
        prepared = time.monotonic()
        waiting = _prepare(pop, sib, users, per_user)
        tokens = _sessions(list(waiting))
        prepared = time.monotonic() - prepared
        measured = asyncio.run(_measure(portal, sib, waiting, tokens, seconds))
    (direct, direct_s), (through, through_s) = measured["direct"], measured["portal"]
    return {
        "users": users, "offers": sum(len(o) for o in waiting.values()), "seconds_preparing": round(prepared, 1),
        "confirm_p50_ms": _quantile(through.confirm, 0.5), "confirm_p95_ms": _quantile(through.confirm, 0.95),
        "offer_page_p50_ms": _quantile(through.page, 0.5), "offer_page_p95_ms": _quantile(through.page, 0.95),
        "requests_per_s": round(through.requests / through_s, 1) if through_s else None, "confirmations": len(through.confirm),
        "seconds_measured": round(through_s, 1), "failures": len(through.failures), "failure_kinds": sorted(set(through.failures))[:5],
        "baseline_confirm_p50_ms": _quantile(direct.confirm, 0.5), "baseline_confirm_p95_ms": _quantile(direct.confirm, 0.95),
        "baseline_offer_p95_ms": _quantile(direct.page, 0.95),
        "baseline_requests_per_s": round(direct.requests / direct_s, 1) if direct_s else None,
        "baseline_failures": len(direct.failures), "goal_confirm_p95_ms": 300,
    }
