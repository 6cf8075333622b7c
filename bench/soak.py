"""Soak: births, confirmations, payments and portal pages together against one running country
for ``minutes``, sampled every ``sample_seconds``: the throughput of each stream, its p99
latency, and the resident memory (RSS) of every process of the country, with a verdict on
memory growth and the journeys' invariants at the end.

A country of ``persons`` is generated into a temporary var directory and run with ``tenfold
serve`` (every member's gateway and applications, each its own process), as ``tenfold bench
emergency`` does. Then, at once:

- births: POP's front office registers ``birth_rate`` births a second (``tenfold bench births``'s
  helpers; each mother once, then again a month earlier);
- offers and payments: SIB's business day is moved to the eve of the next payment run (see
  ``_payment_run_near``); a watcher reads SIB's journeys every second; each new offer is confirmed
  at SIB's own API by its addressee (as the portal's gateway forwards a confirmation); SIB sends
  the instructions to the treasury, which releases pain.001 files to the banks and reconciles
  their answers; an offer counts as paid when SIB marks it so (seen within a second);
- portal: ``portal_users`` signed-in residents (the portal's session rows, as ``tenfold bench
  portal`` makes them) each open a page a second (home, payments, notifications).

The memory verdict is the slope of each process's RSS over the second half of the run (least
squares, MiB per hour): the first half is warm-up (caches, connection pools, SQLite pages).
"""

from __future__ import annotations

import itertools
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tenfold.exchange.ports import free_base

GROWTH_THRESHOLD_MIB_PER_HOUR = 30.0
CONCLUSIVE_MINUTES = 10.0
PORTAL_PAGES = ("/home", "/payments", "/notifications")
STREAMS = ("births", "offers", "confirmations", "payments", "portal")
DRAIN_SECONDS = 180.0


@dataclass
class Stream:
    """Events and latencies of one kind of work, read and reset window by window."""

    done: int = 0
    errors: int = 0
    left: int = 0                        # work left to someone else on purpose, not a failure
    window: list[float] = field(default_factory=list)
    every: list[float] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)


class Load:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stop = threading.Event()     # new work (births, portal pages) stops
        self.finish = threading.Event()   # the watcher and the confirmers stop (after draining)
        self.streams = {name: Stream() for name in STREAMS}

    def record(self, name: str, latency_ms: float | None = None) -> None:
        with self.lock:
            stream = self.streams[name]
            stream.done += 1
            if latency_ms is not None:
                stream.window.append(latency_ms)
                stream.every.append(latency_ms)

    def fail(self, name: str, kind: str) -> None:
        with self.lock:
            stream = self.streams[name]
            stream.errors += 1
            stream.error_kinds[kind] = stream.error_kinds.get(kind, 0) + 1

    def leave(self, name: str) -> None:
        with self.lock:
            self.streams[name].left += 1

    def window(self) -> dict[str, tuple[int, list[float]]]:
        """Counts so far and the latencies since the last call, per stream."""
        with self.lock:
            found = {name: (s.done, s.window) for name, s in self.streams.items()}
            for stream in self.streams.values():
                stream.window = []
        return found


@dataclass
class Birth:
    child: str
    mother: str
    offer: str | None = None
    offers: set[str] = field(default_factory=set)
    confirmed_at: float | None = None
    paid: bool = False


class Journeys:
    """The bench births and what SIB made of them (the watcher's view)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.births: dict[str, Birth] = {}

    def add(self, child: str, mother: str) -> None:
        with self.lock:
            self.births[child] = Birth(child, mother)


# --- the country ------------------------------------------------------------------------------

def run(minutes: float = 30.0, persons: int = 20_000, birth_rate: float = 1.0, portal_users: int = 5,
        sample_seconds: float | None = None, quiet: bool = True) -> dict[str, Any]:
    from tenfold.settings import get_settings

    with tempfile.TemporaryDirectory(prefix="tenfold-bench-soak-") as tmp:
        var = Path(tmp) / "var"
        os.environ.update({"TENFOLD_VAR_DIR": str(var), "TENFOLD_EXCHANGE_BASE_PORT": str(free_base())})
        get_settings.cache_clear()
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "tenfold.cli", "country", "generate", "--persons", str(persons), "--json"],
                       check=True, stdout=subprocess.DEVNULL)
        from tenfold.cli.bench import load

        country = load("emergency")._start(var)
        try:
            prepared = time.monotonic() - started
            state = _runtime(var)
            interval = sample_seconds or min(10.0, max(2.0, minutes * 60 / 12))
            result = _soak(state, minutes, birth_rate, portal_users, interval, quiet)
        finally:
            country.__exit__(None, None, None)
    return {"minutes": minutes, "persons": persons, "birth_rate_per_s": birth_rate, "portal_users": portal_users,
            "seconds_preparing": round(prepared, 1), **result}


def _runtime(var: Path) -> dict[str, Any]:
    import orjson

    return dict(orjson.loads((var / "runtime.json").read_bytes()))


def processes(state: dict[str, Any]) -> dict[str, int]:
    """Every process of the running country by name (member-application), and the supervisor."""
    found = {"supervisor": int(state["supervisor_pid"]), "central": int(state["central"]["pid"])}
    for member in state["members"]:
        for app, pid in (member.get("pids") or {}).items():
            found[f"{member['code'].lower()}-{app}"] = int(pid)
    return found


def rss_mib(pid: int, children: bool = True) -> float | None:
    """Resident memory of one process and its descendants (Linux /proc), MiB."""
    total, found = 0, False
    for one in [pid, *(_descendants(pid) if children else [])]:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    found = True
                    break
        except OSError:
            continue
    return round(total / 1024, 1) if found else None


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(c) for c in children]
    return found + [d for c in found for d in _descendants(c)]


# --- the streams ------------------------------------------------------------------------------

def _soak(state: dict[str, Any], minutes: float, birth_rate: float, portal_users: int, interval: float, quiet: bool) -> dict[str, Any]:
    from tenfold.cli.bench import load

    births = load("births")
    apps = {m["code"]: m["apps"] for m in state["members"]}
    pop, sib, portal, tre = apps["POP"]["registry"], apps["SIB"]["lifeevents"], apps["PORTAL"]["portal"], apps["TRE"]["payments"]
    today = _payment_run_near(sib)
    planned = int(birth_rate * minutes * 60) + 10
    mothers = list(dict.fromkeys(births._mothers(pop, today, planned)))
    tokens = _sessions(mothers[:portal_users])
    work, journeys, confirm = Load(), Journeys(), queue.Queue[Birth]()
    after = births._latest_event(sib)
    threads = [
        threading.Thread(target=_births, args=(work, journeys, births, pop, mothers, today, birth_rate), daemon=True),
        threading.Thread(target=_watch, args=(work, journeys, sib, after, confirm), daemon=True),
        *[threading.Thread(target=_confirm, args=(work, journeys, sib, confirm), daemon=True) for _ in range(2)],
        *[threading.Thread(target=_portal, args=(work, portal, token, n), daemon=True) for n, token in enumerate(tokens.values())],
    ]
    series = _sample(work, state, tre, minutes * 60, interval, threads, quiet)
    work.stop.set()
    drained = _drain(journeys, confirm)
    work.finish.set()
    for thread in threads:
        thread.join(timeout=30)
    return _result(work, journeys, series, minutes, drained, interval)


def _payment_run_near(sib: str) -> date:
    """Move SIB's business day to the eve of the next payment run, so that what residents confirm
    goes to the treasury and the banks now (instructions leave SIB a few days before their run);
    the births stay dated by the wall clock, as POP registers them. Returns that wall-clock day."""
    from tenfold.cli.exchange import http
    from tenfold.rules import next_payment_run

    today = datetime.now(UTC).date()
    status, _h, answer = http("PUT", sib + "/admin/clock", {"today": (next_payment_run(today) - timedelta(days=1)).isoformat()})
    if status != 200:
        raise RuntimeError(f"SIB refused to move its business day: {status} {answer}")
    return today


def _sessions(residents: list[str]) -> dict[str, str]:
    from tenfold.portal import open_portal
    from tenfold.portal.sessions import CITIZEN

    portal = open_portal()
    return {person: portal.sessions.sign_in(None, CITIZEN, person, "Soak Resident", []).token for person in residents}


def _births(work: Load, journeys: Journeys, births: Any, pop: str, mothers: list[str], today: date, rate: float) -> None:
    """POP's front office at ``rate`` births a second (four desks); each mother once, then a month earlier."""
    started, numbers = time.monotonic(), itertools.count()

    def one(n: int) -> None:
        mother, month = mothers[n % len(mothers)], n // len(mothers)
        begun = time.perf_counter()
        try:
            child, _committed = births._register(pop, mother, today - timedelta(days=31 * month + n % 3), n)
        except Exception as error:  # noqa: BLE001 - counted and shown, the soak goes on
            work.fail("births", type(error).__name__)
            return
        journeys.add(child, mother)
        work.record("births", (time.perf_counter() - begun) * 1000)

    with ThreadPoolExecutor(max_workers=4) as desks:
        while not work.stop.is_set():
            n = next(numbers)
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            if work.stop.is_set():
                break
            desks.submit(one, n)


def _watch(work: Load, journeys: Journeys, sib: str, after: int, confirm: "queue.Queue[Birth]") -> None:
    """SIB's journeys of the bench births, every second: new offers to confirm, offers paid. Each
    round reads from the oldest journey still to watch (a birth not yet paid), so what is read stays
    the births in flight, as a real watcher's would, not everything since the start."""
    from tenfold.cli.exchange import http
    from tenfold.errors import TenfoldError

    floor = after
    while not work.finish.is_set():
        cursor, oldest_open, last = floor, None, floor
        try:
            while True:
                _status, _h, answer = http("GET", f"{sib}/journeys?after={cursor}&limit=1000")
                for journey in answer["journeys"]:
                    last = journey["event"]
                    if not _seen(work, journeys, journey, confirm) and oldest_open is None:
                        oldest_open = journey["event"]
                if len(answer["journeys"]) < 1000:
                    break
                cursor = answer["journeys"][-1]["event"]
            floor = oldest_open - 1 if oldest_open is not None else last
        except (TenfoldError, KeyError, TypeError):
            work.fail("offers", "journeys unreadable")
        work.finish.wait(1.0)


def _seen(work: Load, journeys: Journeys, journey: dict[str, Any], confirm: "queue.Queue[Birth]") -> bool:
    """Take note of one journey; True when it needs no more watching (not a bench birth, or paid)."""
    with journeys.lock:
        birth = journeys.births.get(journey["subject"])
        if birth is None:
            return True
        if not journey["offerId"]:
            return journey.get("state") in ("processed", "error")   # handled without an offer: nothing more to see
        new = journey["offerId"] not in birth.offers
        birth.offers.add(journey["offerId"])
        birth.offer = birth.offer or journey["offerId"]
        paid = journey["offerState"] == "paid" and not birth.paid and birth.confirmed_at is not None
        if paid:
            birth.paid = True
    if new:
        work.record("offers", journey["offerMs"])
        confirm.put(birth)
    if paid:
        work.record("payments", (time.monotonic() - birth.confirmed_at) * 1000 if birth.confirmed_at else None)
    return birth.paid


def _confirm(work: Load, journeys: Journeys, sib: str, confirm: "queue.Queue[Birth]") -> None:
    """Each new offer confirmed by its addressee at SIB's API, with the account SIB prefilled."""
    from tenfold.cli.exchange import http
    from tenfold.errors import TenfoldError

    while not work.finish.is_set():
        try:
            birth = confirm.get(timeout=0.5)
        except queue.Empty:
            continue
        try:
            _status, _h, found = http("GET", f"{sib}/offers?personId={birth.mother}")
            offer = next((o for o in found["offers"] if o["id"] == birth.offer), None)
            if offer is None:
                work.fail("confirmations", "offer not listed for its addressee")
                continue
            if not offer.get("iban") or not offer.get("recipient"):
                work.leave("confirmations")   # no account on file: the resident gives one in the portal (a modelled case)
                continue
            headers = {"X-Road-UserId": offer["addressee"], "X-Road-Client": "DEMO/GOV/PORTAL/portal", "Idempotency-Key": f"soak-{offer['id']}"}
            begun = time.perf_counter()
            status, _h, _answer = http("POST", f"{sib}/offers/{offer['id']}/confirm", {"recipient": offer["recipient"], "iban": offer["iban"]},
                                       headers)
        except (TenfoldError, KeyError, TypeError) as error:
            work.fail("confirmations", type(error).__name__)
            continue
        if status != 200:
            work.fail("confirmations", f"HTTP {status}")
            continue
        with journeys.lock:
            birth.confirmed_at = time.monotonic()
        work.record("confirmations", (time.perf_counter() - begun) * 1000)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None   # a redirect (to the sign-in page) is an answer to count, not to follow


def _portal(work: Load, portal: str, token: str, offset: int) -> None:
    """One signed-in resident opening a page a second."""
    opener = urllib.request.build_opener(_NoRedirect)
    for n in itertools.count(offset):
        if work.stop.wait(1.0):
            return
        request = urllib.request.Request(portal + PORTAL_PAGES[n % len(PORTAL_PAGES)], headers={"Cookie": f"tenfold-portal={token}"})
        begun = time.perf_counter()
        try:
            with opener.open(request, timeout=30) as response:  # noqa: S310 - the country's own portal on loopback
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:
            work.fail("portal", type(error).__name__)
            continue
        if status != 200:
            work.fail("portal", f"HTTP {status}")
            continue
        work.record("portal", (time.perf_counter() - begun) * 1000)


# --- sampling, draining, the verdict -------------------------------------------------------------

def _sample(work: Load, state: dict[str, Any], tre: str, seconds: float, interval: float, threads: list[threading.Thread],
            quiet: bool) -> list[dict[str, Any]]:
    pids = processes(state)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    series, previous, settled = [], {name: 0 for name in STREAMS}, _settled(tre)
    deadline, last = started + seconds, started
    while time.monotonic() < deadline:
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
        now, window, settled_now = time.monotonic(), work.window(), _settled(tre)
        span = max(now - last, 1e-6)
        point = {"t": round(now - started, 1),
                 "per_s": {name: round((window[name][0] - previous[name]) / span, 2) for name in STREAMS},
                 "p99_ms": {name: _p99(window[name][1]) for name in STREAMS},
                 "treasury_settled_per_s": round((settled_now - settled) / span, 2) if settled_now is not None and settled is not None else None,
                 "rss_mib": {name: rss_mib(pid, children=name != "supervisor") for name, pid in pids.items()},
                 "load_average": round(os.getloadavg()[0], 2)}
        series.append(point)
        previous, settled, last = {name: window[name][0] for name in STREAMS}, settled_now, now
        if not quiet:
            print(f"{point['t']:>7.0f} s " + " ".join(f"{k}={v}/s" for k, v in point["per_s"].items())
                  + f" rss={sum(v or 0 for v in point['rss_mib'].values()):.0f} MiB load={point['load_average']}", file=sys.stderr)
    return series


def _settled(tre: str) -> int | None:
    from tenfold.cli.exchange import http
    from tenfold.errors import TenfoldError

    try:
        status, _h, answer = http("GET", tre + "/status", timeout=10)
        return int(answer["instructions"].get("settled", {}).get("count", 0)) if status == 200 else None
    except (TenfoldError, KeyError, TypeError, AttributeError):
        return None


def _p99(values: list[float]) -> float | None:
    return round(float(np.percentile(values, 99)), 1) if values else None


def _drain(journeys: Journeys, confirm: "queue.Queue[Birth]") -> float:
    """After the load: wait until every bench birth has its offer and every confirmed offer is paid."""
    begun = time.monotonic()
    while time.monotonic() - begun < DRAIN_SECONDS:
        with journeys.lock:
            open_ = [b for b in journeys.births.values() if not b.offers or (b.confirmed_at is not None and not b.paid)]
        if not open_ and confirm.empty():
            break
        time.sleep(1.0)
    return round(time.monotonic() - begun, 1)


def slope_mib_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MiB) points, in MiB per hour."""
    if len(points) < 3:
        return None
    t, v = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    if np.ptp(t) == 0:
        return None
    return round(float(np.polyfit(t, v, 1)[0]) * 3600, 1)


def memory_verdict(series: list[dict[str, Any]], minutes: float) -> dict[str, Any]:
    if not series:
        return {"verdict": "no samples", "processes": {}, "threshold_mib_per_hour": GROWTH_THRESHOLD_MIB_PER_HOUR}
    half = series[-1]["t"] / 2
    found = {}
    for name in series[0]["rss_mib"]:
        points = [(s["t"], s["rss_mib"][name]) for s in series if s["rss_mib"].get(name) is not None]
        late = [p for p in points if p[0] >= half]
        found[name] = {"first_mib": points[0][1] if points else None, "last_mib": points[-1][1] if points else None,
                       "max_mib": max(p[1] for p in points) if points else None, "slope_mib_per_hour": slope_mib_per_hour(late)}
    slopes = {n: f["slope_mib_per_hour"] for n, f in found.items() if f["slope_mib_per_hour"] is not None}
    growing = sorted(n for n, s in slopes.items() if s > GROWTH_THRESHOLD_MIB_PER_HOUR)
    if minutes < CONCLUSIVE_MINUTES:
        verdict = f"inconclusive: {minutes:g} minutes is too short to tell growth from warm-up (at least {CONCLUSIVE_MINUTES:g})"
    else:
        verdict = "no growth" if not growing else "growth: " + ", ".join(growing)
    worst = max(slopes.items(), key=lambda kv: kv[1]) if slopes else (None, None)
    return {"verdict": verdict, "growing": growing, "threshold_mib_per_hour": GROWTH_THRESHOLD_MIB_PER_HOUR,
            "worst_process": worst[0], "worst_slope_mib_per_hour": worst[1], "processes": found}


def _invariants(journeys: Journeys) -> dict[str, Any]:
    from tenfold.banks import open_bank
    from tenfold.payments import open_payments

    with journeys.lock:
        births = list(journeys.births.values())
    confirmed = [b for b in births if b.confirmed_at is not None]
    service = open_payments()
    banks = [open_bank(code) for code in ("BANK1", "BANK2")]
    found = {
        "births": len(births),
        "births_with_one_offer": sum(1 for b in births if len(b.offers) == 1),
        "births_without_offer": sum(1 for b in births if not b.offers),
        "births_with_several_offers": sum(1 for b in births if len(b.offers) > 1),
        "offers_confirmed": len(confirmed),
        "confirmed_not_paid": sum(1 for b in confirmed if not b.paid),
        "treasury_ledger_balanced": bool(service.check_ledger().ok),
        "repeated_end_to_end_ids": sum(bank.summary()["repeated_end_to_end_ids"] for bank in banks),
    }
    found["ok"] = (found["births_without_offer"] == found["births_with_several_offers"] == found["confirmed_not_paid"] == 0
                   and found["treasury_ledger_balanced"] and found["repeated_end_to_end_ids"] == 0)
    return found


def _result(work: Load, journeys: Journeys, series: list[dict[str, Any]], minutes: float, drained: float,
            interval: float) -> dict[str, Any]:
    from tenfold.cli.bench import percentiles

    seconds = series[-1]["t"] if series else minutes * 60
    streams = work.streams
    mean = {name: round(streams[name].done / seconds, 2) if seconds else None for name in STREAMS}
    settled = [s["treasury_settled_per_s"] for s in series if s["treasury_settled_per_s"] is not None]
    return {
        "seconds_measured": seconds, "sample_seconds": round(interval, 1), "samples": len(series), "seconds_draining": drained,
        "throughput": {"births_per_s": mean["births"], "offers_per_s": mean["offers"], "confirmations_per_s": mean["confirmations"],
                       "payments_per_s": mean["payments"], "portal_pages_per_s": mean["portal"],
                       "treasury_settled_per_s": round(sum(settled) / len(settled), 2) if settled else None},
        "counts": {name: streams[name].done for name in STREAMS},
        "errors": {name: streams[name].errors for name in STREAMS},
        "offers_left_for_the_resident": streams["confirmations"].left,   # no account on file to prefill
        "error_kinds": {name: dict(sorted(streams[name].error_kinds.items())[:5]) for name in STREAMS if streams[name].error_kinds},
        "p99_ms": {"birth_registration": _p99(streams["births"].every), "offer": _p99(streams["offers"].every),
                   "confirm": _p99(streams["confirmations"].every), "payment": _p99(streams["payments"].every),
                   "portal": _p99(streams["portal"].every)},
        "latency_percentiles_ms": {"birth registration": percentiles(streams["births"].every),
                                   "birth to offer": percentiles(streams["offers"].every),
                                   "confirmation": percentiles(streams["confirmations"].every),
                                   "confirmation to paid (1 s resolution)": percentiles(streams["payments"].every),
                                   "portal page": percentiles(streams["portal"].every)},
        "memory": memory_verdict(series, minutes),
        "invariants": _invariants(journeys),
        "series": series,
    }
