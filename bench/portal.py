"""The portal's one-click confirmation under load: ``users`` signed-in residents at once open
their offer page and confirm it, against the running country (``tenfold serve``), with SIB's own
application called directly (no portal, no exchange) as the baseline in the same run.

Preparing (not measured): the benchmark plays POP's front office as ``tenfold bench births``
does, registering births (from eight desks at once) to women of the country until enough offers
wait at SIB for both phases to run their full time (``--offers``; by default
``users * seconds * OFFERS_PER_USER_SECOND`` for each phase). Offers prepared by an earlier run
and still open are used first (the mothers the bench gave births to are kept in
``var/bench/portal-offers.json``), so repeated runs register only what is missing. Each resident is signed in to the portal by creating her
session in the portal's session store, exactly the row its OpenID Connect callback writes (the
sign-in itself is ``tenfold bench login``).

Measuring: ``users`` workers at once, each taking the next resident from a shared queue and
answering her offers one after the other (the offer page, then the confirm form, as a browser
sends them): the baseline phase confirms straight at SIB's application, the portal phase through
the portal (and the portal's gateway and SIB's). Every confirmation is a first one (an offer is
confirmed once). A phase ends after its seconds, or earlier when its offers run out: then the
result says so (``offers_ran_out``) and its figures cover only ``seconds_measured``.

Users are people: before each page and each click a user thinks for a while, drawn from an
exponential distribution with mean ``think_seconds`` (5 s by default: reading an offer and
deciding takes a person longer than that). The top-level figures are for those users. The run
also measures saturation (``saturation``: the same two phases with no think time at all, so 50
users keep 50 requests in flight): that is a throughput test, where latency is set by how much
CPU a confirmation costs on the machine's two cores (Little's law), not by how a person fares.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'name="(recipient|iban)" value="([^"]*)"')
OFFERS_PER_USER_SECOND = 2.5   # enough for a phase without think time (SIB directly confirmed 2 a user-second on 2 cores); what is left is kept for the next run
SATURATION_SECONDS = 10.0      # the no-think-time phases (a throughput test) need no longer
SPARE = 1.5                    # offers prepared for users who think: half again as many as they can confirm
BIRTHS_PER_MOTHER = 4          # one a month, so that each is a family decision of its own
OPEN = ("proposed", "notified")


def _quantile(values: list[float], q: float) -> float | None:
    found = sorted(values)
    return round(found[min(len(found) - 1, int(q * len(found)))], 1) if found else None


def _kept_file() -> Path:
    from tenfold.settings import get_settings

    return get_settings().var_dir.resolve() / "bench" / "portal-offers.json"


def _kept() -> dict[str, Any]:
    try:
        return dict(orjson.loads(_kept_file().read_bytes()))
    except (OSError, orjson.JSONDecodeError):
        return {"used": []}


def _keep(used: list[str]) -> None:
    path = _kept_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps({"used": used}))


def _handled(sib: str, after: int, children: set[str], deadline: float) -> int:
    """Wait until SIB has handled every bench birth (an offer, or whatever else it decided)."""
    from tenfold.cli.exchange import http

    done: set[str] = set()
    while time.monotonic() < deadline and len(done) < len(children):
        cursor = after
        while True:
            _status, _h, answer = http("GET", f"{sib}/journeys?after={cursor}&limit=1000")
            done.update(j["subject"] for j in answer["journeys"] if j["state"] in ("processed", "error") and j["subject"] in children)
            if len(answer["journeys"]) < 1000:
                break
            cursor = answer["journeys"][-1]["event"]
        time.sleep(0.25)
    return len(done)


def _waiting(sib: str, mothers: list[str], today: date) -> dict[str, list[dict[str, Any]]]:
    """Each mother's offers that she can confirm now (open, before the deadline, an account known)."""
    from tenfold.cli.exchange import http

    def open_offers(mother: str) -> list[dict[str, Any]]:
        _status, _h, found = http("GET", f"{sib}/offers?personId={mother}")
        return [o for o in found["offers"] if o["state"] in OPEN and o["iban"] and o["addressee"] == mother
                and date.fromisoformat(o["deadline"]) >= today]

    with ThreadPoolExecutor(max_workers=8) as pool:
        found = dict(zip(mothers, pool.map(open_offers, mothers)))
    return {m: o for m, o in found.items() if o}


def _register_births(pop: str, sib: str, mothers: list[str], today: date) -> None:
    """``BIRTHS_PER_MOTHER`` births to each mother, 31 days apart (so each in a month of its own),
    spread over four weeks (a day has a thousand personal codes), from eight desks; then wait for SIB."""
    from tenfold.cli.bench import load

    births = load("births")
    after = births._latest_event(sib)
    jobs = [(mother, today - timedelta(days=31 * month + 1 + i % 28)) for month in range(BIRTHS_PER_MOTHER) for i, mother in enumerate(mothers)]

    def register(n: int) -> str | None:
        try:
            return str(births._register(pop, jobs[n][0], jobs[n][1], n)[0])
        except RuntimeError:   # that day's personal codes are taken (earlier runs): one offer fewer
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:   # POP's front office has several desks
        children = {child for child in pool.map(register, range(len(jobs))) if child}
    _handled(sib, after, children, time.monotonic() + 60 + len(children) / 5)


def _prepare(pop: str, sib: str, needed: int) -> dict[str, list[dict[str, Any]]]:
    """Residents with open offers, ``needed`` offers in all: kept ones first, then new births."""
    from tenfold.cli.bench import load
    from tenfold.cli.exchange import http

    today = date.fromisoformat(http("GET", sib + "/status")[2]["today"])
    used = set(_kept()["used"])
    waiting = _waiting(sib, sorted(used), today)   # every mother the bench gave births to: a run cut short loses none
    missing = needed - sum(len(o) for o in waiting.values())
    if missing > 0:
        count = math.ceil(missing / BIRTHS_PER_MOTHER * 1.2)   # a few births end in the exception queue, not an offer
        candidates = load("births")._mothers(pop, today, len(used) + count * 2)
        fresh = [m for m in dict.fromkeys(candidates) if m not in used][:count]
        used.update(fresh)
        _keep(sorted(used))   # before the births: a run cut short half-way never reuses a mother
        _register_births(pop, sib, fresh, today)
        waiting.update(_waiting(sib, fresh, today))
    if sum(len(o) for o in waiting.values()) < min(needed, 2):
        raise RuntimeError("too few offers are waiting at SIB; is SIB's worker running?")
    return waiting


def _split(waiting: dict[str, list[dict[str, Any]]], needs: list[int]) -> list[list[tuple[str, list[dict[str, Any]]]]]:
    """The residents of each phase, in proportion to the offers each phase needs (a resident in one phase only)."""
    residents = sorted(waiting.items())
    total = sum(len(o) for _p, o in residents)
    phases: list[list[tuple[str, list[dict[str, Any]]]]] = []
    for need in needs[:-1]:
        share, taken, phase = total * need / sum(needs), 0, []
        while residents and taken < share:
            person, offers = residents.pop()
            phase.append((person, offers))
            taken += len(offers)
        phases.append(phase)
    return phases + [residents]


def _sessions(residents: list[str]) -> dict[str, str]:
    """Each resident signed in to the portal: her session as the OpenID Connect callback writes it."""
    from tenfold.portal import open_portal
    from tenfold.portal.sessions import CITIZEN

    portal = open_portal()
    return {person: portal.sessions.sign_in(None, CITIZEN, person, "Bench Resident", []).token for person in residents}


class Phase:
    """One phase's queue of residents and what it measured."""

    def __init__(self, residents: list[tuple[str, list[dict[str, Any]]]], seconds: float, think: float = 0.0, seed: int = 2026) -> None:
        self.queue = list(reversed(residents))
        self.seconds = seconds
        self.think = think
        self.random = random.Random(seed)   # the same think times in every run
        self.page: list[float] = []
        self.confirm: list[float] = []
        self.failures: list[str] = []
        self.requests = 0
        self.ran_out = False
        self.started = self.stop = self.ended = 0.0

    def begin(self) -> None:
        self.started = time.monotonic()
        self.stop = self.started + self.seconds

    def next_resident(self) -> tuple[str, list[dict[str, Any]]] | None:
        if time.monotonic() >= self.stop:
            return None
        if not self.queue:
            self.ran_out = True
            return None
        return self.queue.pop()

    def timed_out(self) -> bool:
        return time.monotonic() >= self.stop

    async def pause(self) -> bool:
        """A user's think time before the next page or click; False when the phase ended meanwhile."""
        if self.think > 0:
            await asyncio.sleep(min(self.random.expovariate(1 / self.think), max(0.0, self.stop - time.monotonic())))
        return not self.timed_out()

    def measured(self) -> float:
        return self.ended - self.started


async def _direct(http: Any, sib: str, phase: Phase) -> None:
    """The baseline: SIB's application read and confirmed directly, as the portal's gateway would forward it."""
    while (resident := phase.next_resident()) is not None:
        person, offers = resident
        headers = {"X-Road-UserId": person, "X-Road-Client": "DEMO/GOV/PORTAL/portal"}
        for offer in offers:
            if not await phase.pause():
                return
            started = time.perf_counter()
            async with http.get(f"{sib}/offers/{offer['id']}", headers=headers) as response:
                await response.read()
            phase.page.append((time.perf_counter() - started) * 1000)
            if not await phase.pause():
                return
            started = time.perf_counter()
            async with http.post(f"{sib}/offers/{offer['id']}/confirm", json={"recipient": offer["recipient"], "iban": offer["iban"]},
                                 headers={**headers, "Idempotency-Key": f"bench-{offer['id']}"}) as response:
                await response.read()
                ok = response.status == 200
            phase.confirm.append((time.perf_counter() - started) * 1000)
            phase.requests += 2
            if not ok:
                phase.failures.append(f"direct confirm {response.status}")


async def _portal(aiohttp: Any, portal: str, tokens: dict[str, str], phase: Phase) -> None:
    """One browser after another: a signed-in resident's offer pages, then their confirm forms."""
    while (resident := phase.next_resident()) is not None:
        person, offers = resident
        async with aiohttp.ClientSession(cookies={"tenfold-portal": tokens[person]}, connector=aiohttp.TCPConnector(limit=4)) as http:
            for offer in offers:
                if not await phase.pause():
                    return
                await _portal_offer(http, portal, offer, phase)


async def _portal_offer(http: Any, portal: str, offer: dict[str, Any], phase: Phase) -> None:
    started = time.perf_counter()
    async with http.get(f"{portal}/offers/{offer['id']}", allow_redirects=False) as response:
        page, status = await response.text(), response.status
    phase.page.append((time.perf_counter() - started) * 1000)
    phase.requests += 1
    token_found, shown = TOKEN.search(page), dict(HIDDEN.findall(page))
    if status != 200 or not token_found:
        phase.failures.append(f"offer page {status}")
        return
    form = {"csrf_token": token_found.group(1), **shown}
    if not await phase.pause():
        return
    started = time.perf_counter()
    async with http.post(f"{portal}/offers/{offer['id']}/confirm", data=form, allow_redirects=False,
                         headers={"Origin": portal}) as response:
        await response.read()
        ok = response.status == 303 and response.headers.get("Location", "").endswith("/confirmed")
    phase.confirm.append((time.perf_counter() - started) * 1000)
    phase.requests += 1
    if not ok:
        phase.failures.append(f"portal confirm {response.status}")


async def _measure(portal: str, sib: str, users: int, direct: Phase, through: Phase, tokens: dict[str, str]) -> None:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=users * 2)) as http:
        direct.begin()
        await asyncio.gather(*(_direct(http, sib, direct) for _user in range(users)))
        direct.ended = time.monotonic()
    through.begin()
    await asyncio.gather(*(_portal(aiohttp, portal, tokens, through) for _user in range(users)))
    through.ended = time.monotonic()


def _figures(phase: Phase) -> dict[str, Any]:
    seconds = phase.measured()
    return {
        "confirm_p50_ms": _quantile(phase.confirm, 0.5), "confirm_p95_ms": _quantile(phase.confirm, 0.95),
        "offer_page_p50_ms": _quantile(phase.page, 0.5), "offer_page_p95_ms": _quantile(phase.page, 0.95),
        "requests_per_s": round(phase.requests / seconds, 1) if seconds else None, "confirmations": len(phase.confirm),
        "confirmations_per_s": round(len(phase.confirm) / seconds, 1) if seconds else None,
        "seconds_measured": round(seconds, 1), "offers_ran_out": phase.ran_out,
        "failures": len(phase.failures), "failure_kinds": sorted(set(phase.failures))[:5],
    }


def _needed(users: int, seconds: float, think: float) -> int:
    """Offers to prepare for one phase: a user who thinks confirms one offer per two think times (a
    page, then a click); one who does not, at well over the rates measured so far."""
    rate = OFFERS_PER_USER_SECOND if think <= 0 else min(OFFERS_PER_USER_SECOND, SPARE / (2 * think))
    return math.ceil(users * seconds * rate)


def _compared(through: Phase, direct: Phase) -> dict[str, Any]:
    """A phase through the portal and its baseline, with whether both ran their full time."""
    ours, baseline = _figures(through), _figures(direct)
    return {**ours, **{f"baseline_{k}": v for k, v in baseline.items()}, "complete": not (through.ran_out or direct.ran_out)}


def run(users: int = 50, seconds: float = 20.0, offers: int | None = None, think_seconds: float = 5.0,
        saturation: bool = True) -> dict[str, Any]:
    from tenfold.cli.bench import load

    saturation_seconds = min(seconds, SATURATION_SECONDS)
    needs = [_needed(users, seconds, think_seconds)] * 2 + ([_needed(users, saturation_seconds, 0.0)] * 2 if saturation else [])
    with ExitStack() as stack:
        state = load("births")._country(stack)
        apps = {m["code"]: m["apps"] for m in state["members"]}
        pop, sib, portal = apps["POP"]["registry"], apps["SIB"]["lifeevents"], apps["PORTAL"]["portal"]
        prepared = time.monotonic()
        waiting = _prepare(pop, sib, offers or sum(needs))
        residents = _split(waiting, needs)
        tokens = _sessions([person for phase in residents[1::2] for person, _o in phase])
        prepared = time.monotonic() - prepared
        direct, through = Phase(residents[0], seconds, think_seconds), Phase(residents[1], seconds, think_seconds)
        asyncio.run(_measure(portal, sib, users, direct, through, tokens))
        if saturation:
            busy_direct, busy_through = Phase(residents[2], saturation_seconds), Phase(residents[3], saturation_seconds)
            asyncio.run(_measure(portal, sib, users, busy_direct, busy_through, tokens))
    result = _compared(through, direct)
    return {
        "users": users, "think_seconds_mean": think_seconds, "seconds_requested": seconds,
        "offers_prepared": sum(len(o) for o in waiting.values()), "residents": len(waiting), "seconds_preparing": round(prepared, 1),
        **result, "goal_confirm_p95_ms": 300,
        "note": "measured for the requested seconds" if result["complete"] else
                "offers ran out before the requested seconds: the figures cover seconds_measured only; prepare more with --offers",
        **({"saturation": {"think_seconds_mean": 0, "seconds_requested": saturation_seconds, **_compared(busy_through, busy_direct)}}
           if saturation else {}),
    }
