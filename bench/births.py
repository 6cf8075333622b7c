"""Birth to offer: the time from a birth committed in the population register to the offer
stored at SIB with its notification queued (one transaction), with the whole country running.

The benchmark plays POP's front office: it registers ``count`` births of new children to women
of the country (18 to 45, alive) at ``rate`` births a second, through POP's own registry
application (``POST /population/births``: child, birth record and relations in one transaction,
from up to eight desks at once,
whose outbox raises ``newBirth``). From there everything is the product: POP's gateway publishes
to the room, pushes to SIB's gateway over mutual TLS, SIB's inbox stores the event, its worker
gathers the facts through the exchange (POP, TAX), decides every family program and stores the
offer. The figure per birth is the offer's creation time at SIB minus the birth's ``registeredAt``
at POP (the same machine's clock). Uses the running country (``tenfold serve``) or starts one.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from typing import Any

FRONT_OFFICE = {"Information-Mediator-Client": "DEMO/GOV/POP/registry"}


def _country(stack: ExitStack) -> dict[str, Any]:
    from tenfold.cli.exchange import http, runtime
    from tenfold.cli.serve import running_country
    from tenfold.errors import TenfoldError

    try:
        state = runtime()
        sib = next(m for m in state["members"] if m["code"] == "SIB")["apps"]["lifeevents"]
        if http("GET", sib + "/healthz", timeout=2)[0] == 200:
            return state
    except (TenfoldError, StopIteration, KeyError):
        pass
    return stack.enter_context(running_country())


def _mothers(pop: str, today: date, count: int) -> list[str]:
    from tenfold.cli.exchange import http

    found: list[str] = []
    page = 1
    while len(found) < count:
        status, _h, answer = http("GET", f"{pop}/data/persons/1.0?query.sex=F&query.status=alive&pageSize=1000&page={page}",
                                  headers=FRONT_OFFICE)
        if status != 200 or not answer["results"]:
            break
        for person in answer["results"]:
            age = (today - date.fromisoformat(person["birthDate"])).days // 365
            if 18 <= age <= 45:
                found.append(person["ID"])
        page += 1
    if not found:
        from tenfold.errors import TenfoldError
        from tenfold.i18n import _

        # No woman of 18 to 45 in the register: in practice, no country was generated.
        raise TenfoldError(_("no country has been generated in {place} yet; run: tenfold country generate --persons N").format(place=pop))
    return [found[i % len(found)] for i in range(count)]


def _register(pop: str, mother: str, born: date, n: int) -> tuple[str, datetime]:
    import random

    from tenfold.cli.exchange import http
    from tenfold.ids import isikukood

    for _attempt in range(200):   # a code taken already (by the country or an earlier run) is refused with 409
        child = isikukood.generate(born, "F" if n % 2 else "M", random.randrange(1000))
        body = {"birth": {"motherId": mother, "fatherId": None, "birthDate": born.isoformat(), "place": "Tallinn", "multipleBirthSize": 1},
                "child": {"ID": child, "firstName": "Bench", "lastName": "Birth", "sex": "F" if n % 2 else "M"}}
        status, _h, answer = http("POST", f"{pop}/population/births", body, FRONT_OFFICE)
        if status == 201:
            return child, datetime.fromisoformat(answer["birth"]["registeredAt"].replace("Z", "+00:00"))
        if status != 409:
            raise RuntimeError(f"POP refused a birth: {status} {answer}")
    raise RuntimeError("no free personal code for a bench birth")


def _offers(sib: str, after: int, children: set[str], deadline: float) -> dict[str, dict[str, Any]]:
    """The journeys of the bench's births, once each has its offer (or the deadline passes)."""
    from tenfold.cli.exchange import http

    seen: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline and len(seen) < len(children):
        cursor = after
        while True:
            _status, _h, answer = http("GET", f"{sib}/journeys?after={cursor}&limit=1000")
            for journey in answer["journeys"]:
                if journey["offerMs"] is not None and journey["subject"] in children:
                    seen[journey["subject"]] = journey
            if len(answer["journeys"]) < 1000:
                break
            cursor = answer["journeys"][-1]["event"]
        time.sleep(0.25)
    return seen


def _latest_event(sib: str) -> int:
    from tenfold.cli.exchange import http

    _status, _h, answer = http("GET", f"{sib}/events?limit=1")
    return int(answer["events"][0]["id"]) if answer["events"] else 0


def run(count: int = 50, rate: float = 10.0) -> dict[str, Any]:
    from tenfold.cli.bench import percentiles
    from tenfold.cli.exchange import http

    with ExitStack() as stack:
        state = _country(stack)
        apps = {m["code"]: m["apps"] for m in state["members"]}
        pop, sib = apps["POP"]["registry"], apps["SIB"]["lifeevents"]
        today = date.fromisoformat(http("GET", sib + "/status")[2]["today"])
        mothers = _mothers(pop, today, count)
        after = _latest_event(sib)
        started = time.monotonic()

        def one(n: int) -> tuple[str, datetime]:
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            return _register(pop, mothers[n], today - timedelta(days=n % 28), n)

        with ThreadPoolExecutor(max_workers=8) as pool:   # POP's front office has several desks
            registered = list(pool.map(one, range(count)))
        sent = time.monotonic() - started
        children = {child for child, _committed in registered}
        first_commit = min(committed for _child, committed in registered)
        seen = _offers(sib, after, children, time.monotonic() + 120)
        _status, _h, status = http("GET", sib + "/status")
    if not seen:
        raise RuntimeError("no offer appeared at SIB within 120 s")
    latencies = sorted(j["offerMs"] for j in seen.values())
    stored = [datetime.fromisoformat(j["offerAt"]) for j in seen.values()]
    span = (max(stored) - first_commit).total_seconds() if first_commit else 0.0
    return {
        "births": count, "offers": len(latencies), "rate_per_s": rate, "seconds_registering": round(sent, 2),
        "offer_p50_ms": round(statistics.median(latencies), 1),
        "offer_p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
        "offer_max_ms": round(latencies[-1], 1), "offer_min_ms": round(latencies[0], 1),
        "offers_per_s": round(len(latencies) / span, 1) if span > 0 else None,
        "missing": count - len(latencies), "sib_status": {k: status[k] for k in ("events", "offers", "exceptions")},
        "latency_percentiles_ms": {"birth to offer": percentiles(latencies)},
    }
