"""The country across hosts: ``tenfold cluster up --hosts 3`` on PostgreSQL (its own host), a
generated country, a birth registered at POP's front office on one host and its offer stored at
SIB on another, a person read from SIB's host through both gateways, a member's application
out of reach from another host, and SIB's host cut off for ten seconds while births go on. Then
the demo journeys across the hosts: an offer confirmed through the portal's gateway and paid
once by the treasury through the bank, social assistance decided from a personal code, and a
death acted on by every agency (Tell Us Once) with the funeral grant offered to the spouse.
Needs root and ``ip netns`` (CI runs as root)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from sqlalchemy import text

from tenfold.cluster import netns
from tenfold.cluster.manager import pg_bin
from tenfold.cluster.netns import OnHost
from tenfold.storage import make_engine
from tests.lifeevents.country import FRONT_OFFICE, ROOT, records_in, reduced_topology, until

REASON = netns.unavailable() or (None if (pg_bin() / "initdb").is_file() else f"no PostgreSQL server programs in {pg_bin()}")
pytestmark = [pytest.mark.cluster, pytest.mark.skipif(REASON is not None, reason=f"cluster tests: {REASON}")]
NAME, SUBNET = "tft", "10.78.0.0/24"


def _cli(env: dict[str, str], *arguments: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tenfold.cli", *arguments], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    directory = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "TENFOLD_VAR_DIR": str(directory / "var"), "TENFOLD_TOPOLOGY": str(reduced_topology(directory)),
           "TENFOLD_EXCHANGE_POLL_SECONDS": "0.1", "TENFOLD_LIFE_POLL_SECONDS": "0.2", "TENFOLD_BANKS_STATEMENT_INTERVAL_SECONDS": "1"}
    env.pop("TENFOLD_DATABASE_URL_TEMPLATE", None)
    _cli(env, "cluster", "down", "--name", NAME)   # a run that crashed before may have left it
    started = _cli(env, "cluster", "up", "--hosts", "3", "--name", NAME, "--subnet", SUBNET, "--persons", "2000")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        shown = _cli(env, "cluster", "status", "--json")
        assert shown.returncode == 0, shown.stderr
        state = orjson.loads(shown.stdout)
        yield {"env": env, "state": state, "runtimes": {h["host"]: _runtime(env, h["host"]) for h in state["hosts"] if h["members"]}}
    finally:
        stopped = _cli(env, "cluster", "down")
    assert stopped.returncode == 0, stopped.stderr
    assert not any(netns.exists(f"{NAME}-{h['host']}") for h in state["hosts"]), "down left a namespace"
    assert not netns.link_exists(f"{NAME}-br"), "down left the bridge"
    assert not (Path(env["TENFOLD_VAR_DIR"]) / "cluster").exists(), "down left the state directory"


def _runtime(env: dict[str, str], host: str) -> dict[str, Any]:
    return orjson.loads((Path(env["TENFOLD_VAR_DIR"]) / "cluster" / "hosts" / host / "runtime.json").read_bytes())  # type: ignore[no-any-return]


def _where(cluster: dict[str, Any], code: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The namespace, host and runtime entry of a member."""
    for host in cluster["state"]["hosts"]:
        if code in host["members"]:
            member = next(m for m in cluster["runtimes"][host["host"]]["members"] if m["code"] == code)
            return host["namespace"], host, member
    raise AssertionError(f"{code} is on no host")


def _http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    from tenfold.cli.exchange import http

    return http(method, url, body, headers)


def _mother(pop: str) -> str:
    answer = _http("GET", f"{pop}/data/persons/1.0?query.sex=F&query.status=alive&pageSize=1000", None, FRONT_OFFICE)[2]
    today = date.today()
    return next(p["ID"] for p in answer["results"] if 20 <= (today - date.fromisoformat(p["birthDate"])).days // 365 <= 40)


def test_the_hosts_are_apart_and_postgres_is_on_its_own(cluster: dict[str, Any]) -> None:
    hosts = {h["host"]: h for h in cluster["state"]["hosts"]}
    assert set(hosts) == {"central", "db", "h1", "h2", "h3"}
    assert len({h["address"] for h in hosts.values()}) == 5
    pop_ns, _pop_host, _ = _where(cluster, "POP")
    sib_ns, _sib_host, sib = _where(cluster, "SIB")
    assert pop_ns != sib_ns
    assert hosts["db"]["address"] in cluster["state"]["database"]
    assert all(m["database_url"].startswith("postgresql+psycopg://tenfold@" + hosts["db"]["address"])
               for runtime in cluster["runtimes"].values() for m in runtime["members"])


def test_a_birth_at_pop_becomes_an_offer_at_sib_on_another_host(cluster: dict[str, Any]) -> None:
    pop_ns, _h, pop = _where(cluster, "POP")
    sib_ns, _h, sib = _where(cluster, "SIB")
    with OnHost(pop_ns) as at_pop, OnHost(sib_ns) as at_sib:
        mother = at_pop(_mother, pop["apps"]["registry"])
        born = date.today().isoformat()
        for serial in range(900, 999):
            from tenfold.ids import isikukood

            child = isikukood.generate(date.today(), "M", serial)
            status, _headers, answer = at_pop(_http, "POST", pop["apps"]["registry"] + "/population/births", {
                "birth": {"motherId": mother, "fatherId": None, "birthDate": born, "place": "Tartu", "multipleBirthSize": 1},
                "child": {"ID": child, "firstName": "Cluster", "lastName": "Child", "sex": "M"}}, FRONT_OFFICE)
            if status == 201:
                break
            assert status == 409, answer
        offers = until(lambda: [o for o in at_sib(_http, "GET", f"{sib['apps']['lifeevents']}/offers?personId={mother}")[2]["offers"]
                                if o["subject"] == child], 90, "the offer appears at SIB")
    assert len(offers) == 1


def test_a_person_is_read_from_sib_through_both_gateways(cluster: dict[str, Any]) -> None:
    pop_ns, _h, pop = _where(cluster, "POP")
    sib_ns, _h, sib = _where(cluster, "SIB")
    with OnHost(pop_ns) as at_pop, OnHost(sib_ns) as at_sib:
        person = at_pop(_mother, pop["apps"]["registry"])
        status, headers, answer = at_sib(_http, "GET", sib["gateway_url"] + f"/r1/DEMO/GOV/POP/registry/registry/data/persons/1.0?query.ID={person}",
                                         None, {"X-Road-Client": "DEMO/GOV/SIB/benefits"})
    assert status == 200, answer
    assert [p["ID"] for p in answer["results"]] == [person]
    message = headers["X-Road-Id"]
    template = cluster["state"]["database"]
    for code in ("SIB", "POP"):   # the consumer's gateway and the provider's both logged the message
        engine = make_engine(template.replace("{member}", code.lower()))
        try:
            with engine.connect() as connection:
                logged = connection.execute(text("SELECT count(*) FROM exchange_messagelog WHERE message_id = :m"), {"m": message}).scalar()
        finally:
            engine.dispose()
        assert logged and logged >= 2, f"{code}'s gateway did not log {message}"


def _connects(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(3)
        try:
            probe.connect((address, port))
        except OSError:
            return False
    return True


def test_only_the_exchange_port_of_a_host_is_reachable_from_another(cluster: dict[str, Any]) -> None:
    pop_ns, pop_host, pop = _where(cluster, "POP")
    sib_ns, _h, _sib = _where(cluster, "SIB")
    registry_port = int(pop["apps"]["registry"].rsplit(":", 1)[1])
    gateway_port = int(pop["gateway_url"].rsplit(":", 1)[1])
    exchange_port = int(pop["exchange_url"].rsplit(":", 1)[1])
    with OnHost(sib_ns) as at_sib, OnHost(pop_ns) as at_pop:
        assert at_pop(_connects, "127.0.0.1", registry_port), "the registry is not even up on its own host"
        assert not at_sib(_connects, pop_host["address"], registry_port), "POP's registry is reachable from SIB's host"
        assert not at_sib(_connects, pop_host["address"], gateway_port), "POP's gateway's member side is reachable from SIB's host"
        assert not at_sib(_connects, "127.0.0.1", registry_port), "SIB's host shares POP's loopback"
        assert at_sib(_connects, pop_host["address"], exchange_port), "POP's exchange port is not reachable from SIB's host"


def test_exec_runs_a_command_on_a_host(cluster: dict[str, Any]) -> None:
    done = _cli(cluster["env"], "cluster", "exec", "POP", "--", "ip", "-br", "addr", timeout=60)
    assert done.returncode == 0, done.stderr
    _ns, pop_host, _m = _where(cluster, "POP")
    assert pop_host["address"] + "/24" in done.stdout
    assert cluster["state"]["hosts"][0]["address"] not in done.stdout   # only this host's own address


def test_down_without_its_state_file_removes_what_a_crashed_run_left(tmp_path: Path) -> None:
    """A run killed before it wrote anything useful: a bridge, a namespace with a process in it."""
    prefix = "tfz"
    env = {**os.environ, "TENFOLD_VAR_DIR": str(tmp_path / "var")}
    netns.make_bridge(f"{prefix}-br", "10.76.0.1/24")
    netns.make_host(f"{prefix}-h1", f"{prefix}-br", f"{prefix}-h1", "10.76.0.11/24")
    left = subprocess.Popen(netns.command(f"{prefix}-h1", ["sleep", "300"]), start_new_session=True)
    try:
        done = _cli(env, "cluster", "down", "--name", prefix, timeout=60)
        assert done.returncode == 0, done.stderr
        assert left.wait(timeout=30) is not None
        assert not netns.exists(f"{prefix}-h1") and not netns.link_exists(f"{prefix}-br") and not netns.link_exists(f"{prefix}-h1")
        again = _cli(env, "cluster", "down", "--name", prefix, timeout=60)
        assert again.returncode == 0, again.stderr
    finally:
        if left.poll() is None:
            left.kill()
        netns.remove_host(f"{prefix}-h1", f"{prefix}-h1")
        netns.remove_link(f"{prefix}-br")


def _register_birth(pop: str, mother: str, serials: Iterator[int], born: date | None = None) -> str:
    """A birth at POP's front office: the first free personal code of that day (today unless
    given; 409 means taken)."""
    from tenfold.ids import isikukood

    day = born or date.today()
    for serial in serials:
        child = isikukood.generate(day, "F", serial)
        status, _headers, answer = _http("POST", f"{pop}/population/births", {
            "birth": {"motherId": mother, "fatherId": None, "birthDate": day.isoformat(), "place": "Narva", "multipleBirthSize": 1},
            "child": {"ID": child, "firstName": "Link", "lastName": "Child", "sex": "F"}}, FRONT_OFFICE)
        if status == 201:
            return child
        assert status == 409, answer
    raise AssertionError(f"no free personal code left for {day}")


def _mothers(pop: str, count: int) -> list[str]:
    answer = _http("GET", f"{pop}/data/persons/1.0?query.sex=F&query.status=alive&pageSize=1000", None, FRONT_OFFICE)[2]
    today = date.today()
    found = [p["ID"] for p in answer["results"] if 20 <= (today - date.fromisoformat(p["birthDate"])).days // 365 <= 40]
    assert len(found) > count, "too few mothers in the country"
    return found[1:count + 1]   # not the first: the other birth test takes that one


def _offers(lifeevents: str, child: str, mother: str) -> list[dict[str, Any]]:
    return [o for o in _http("GET", f"{lifeevents}/offers?personId={mother}")[2]["offers"] if o["subject"] == child]


def _link(namespace: str, state: str) -> None:
    netns.ip("-n", namespace, "link", "set", "eth0", state)


def _assert_logs_verify(cluster: dict[str, Any], codes: tuple[str, ...]) -> None:
    from tenfold.exchange.logverify import verify_log
    from tenfold.exchange.pki import Anchor
    from tenfold.topology import load

    anchor = Anchor.load(Path(cluster["env"]["TENFOLD_VAR_DIR"]) / "cluster" / "hosts" / "central" / "pki" / "anchor.json")
    topology = load(Path(cluster["env"]["TENFOLD_TOPOLOGY"]))
    for code in codes:
        engine = make_engine(cluster["state"]["database"].replace("{member}", code.lower()))
        try:
            verdict = verify_log(engine, topology.member(code).id, anchor)
        finally:
            engine.dispose()
        assert verdict.intact and verdict.entries > 0, f"{code}: {verdict.problem} (entry {verdict.bad_seq})"


def test_sib_host_cut_off_for_ten_seconds_gets_one_offer_per_birth(cluster: dict[str, Any]) -> None:
    """SIB's host loses its link (to POP's gateway and to PostgreSQL alike) while births are
    registered at POP; once it is back, every birth has exactly one offer at SIB."""
    pop_ns, pop_host, pop = _where(cluster, "POP")
    sib_ns, _h, sib = _where(cluster, "SIB")
    exchange_port = int(pop["exchange_url"].rsplit(":", 1)[1])
    serials = iter(range(500, 899))
    with OnHost(pop_ns) as at_pop, OnHost(sib_ns) as at_sib:
        mothers = at_pop(_mothers, pop["apps"]["registry"], 6)
        births = [(at_pop(_register_birth, pop["apps"]["registry"], mother, serials), mother) for mother in mothers[:2]]
        _link(sib_ns, "down")
        try:
            assert not at_sib(_connects, pop_host["address"], exchange_port), "SIB's host still reaches POP's gateway"
            for mother in mothers[2:]:   # four births while SIB is unreachable, over about ten seconds
                births.append((at_pop(_register_birth, pop["apps"]["registry"], mother, serials), mother))
                time.sleep(2.5)
        finally:
            _link(sib_ns, "up")
        lifeevents = sib["apps"]["lifeevents"]
        for n, (child, mother) in enumerate(births, 1):
            until(lambda c=child, m=mother: at_sib(_offers, lifeevents, c, m), 60, f"the offer for birth {n} of {len(births)} appears at SIB")
        time.sleep(2)   # a second delivery of any birth, were there one, would have landed by now
        counts = [len(at_sib(_offers, lifeevents, child, mother)) for child, mother in births]
    assert counts == [1] * len(births), f"offers per birth: {counts}"
    _assert_logs_verify(cluster, ("POP", "SIB"))


# ------------------------------------------------------------------ the demo journeys across hosts

class ClusterCountry:
    """What the journey checks of tests/faults read: each member's PostgreSQL database (on the
    database host, reachable from here over the bridge)."""

    def __init__(self, cluster: dict[str, Any]):
        self.template = cluster["state"]["database"]

    def engine(self, code: str) -> Any:
        return make_engine(self.template.replace("{member}", code.lower()))

    def records(self, code: str, registry: str, where: str = "", **params: Any) -> list[dict[str, Any]]:
        return records_in(self.engine(code), registry, where, **params)


def _through_portal(cluster: dict[str, Any], user: str, method: str, path: str, body: Any = None,
                    **headers: str) -> tuple[int, dict[str, str], Any]:
    """The portal calling SIB's benefits service through its own gateway, on its own host."""
    portal_ns, _h, portal = _where(cluster, "PORTAL")
    url = portal["gateway_url"] + "/r1/DEMO/GOV/SIB/benefits/benefits" + path
    with OnHost(portal_ns) as at_portal:
        return at_portal(_http, method, url, body, {"X-Road-Client": "DEMO/GOV/PORTAL/portal", "X-Road-UserId": user, **headers})  # type: ignore[no-any-return]


def _at(cluster: dict[str, Any], code: str, app: str, method: str, path: str, body: Any = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    namespace, _h, member = _where(cluster, code)
    with OnHost(namespace) as on_host:
        return on_host(_http, method, member["apps"][app] + path, body, headers)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def journey_day(cluster: dict[str, Any]) -> ClusterCountry:
    """SIB's business day fixed (as the fault tests fix it), after the tests above ran on today's."""
    from tests.faults.country import TODAY

    status, _h, answer = _at(cluster, "SIB", "lifeevents", "PUT", "/admin/clock", {"today": TODAY})
    assert status == 200, answer
    return ClusterCountry(cluster)


def test_an_offer_confirmed_through_the_portal_is_paid_once_across_hosts(cluster: dict[str, Any], journey_day: ClusterCountry) -> None:
    from tests.faults.country import BORN, assert_paid_once_each, mothers

    mother = mothers(journey_day)[-1]   # none of the tests above took her (they take the first ones)
    pop_ns, _h, pop = _where(cluster, "POP")
    with OnHost(pop_ns) as at_pop:
        child = at_pop(_register_birth, pop["apps"]["registry"], mother["ID"], iter(range(300, 499)), date.fromisoformat(BORN))
    offer = until(lambda: next((o for o in _at(cluster, "SIB", "lifeevents", "GET", f"/offers?personId={mother['ID']}")[2]["offers"]
                                if o["subject"] == child and o["state"] == "notified"), None), 90, "the offer is notified")
    assert offer["iban"] == mother["iban"]
    first = _through_portal(cluster, mother["ID"], "POST", f"/offers/{offer['id']}/confirm", {}, **{"Idempotency-Key": f"cluster-{child}"})
    again = _through_portal(cluster, mother["ID"], "POST", f"/offers/{offer['id']}/confirm", {}, **{"Idempotency-Key": f"cluster-{child}"})
    assert first[0] == again[0] == 200, first[2]
    assert first[2] == again[2] and first[2]["state"] == "confirmed"
    assert_paid_once_each(journey_day, [offer["id"]])   # at the treasury once, settled or explained by the bank; books balanced
    until(lambda: _at(cluster, "SIB", "lifeevents", "GET", f"/offers/{offer['id']}")[2]["state"] == "paid", 60, "SIB sees it paid")


def test_social_assistance_is_decided_from_a_personal_code_across_hosts(cluster: dict[str, Any], journey_day: ClusterCountry) -> None:
    from tests.faults.country import mothers

    person = mothers(journey_day)[-2]["ID"]
    status, _h, decided = _through_portal(cluster, person, "POST", "/assistance/applications", {"personId": person})
    assert status == 201, decided
    assert decided["outcome"] in ("eligible", "not_eligible") and decided["reasons"]
    assert all(r["text"]["en"] and r["text"]["zh-Hant"] for r in decided["reasons"])
    status, _h, explained = _through_portal(cluster, person, "GET", f"/decisions/{decided['decisionId']}")
    assert status == 200, explained
    assert {f["service"] for f in explained["facts"]} >= {"DEMO/GOV/TAX/registry/registry", "DEMO/GOV/LAND/registry/registry",
                                                          "DEMO/GOV/VEH/registry/registry"}


def test_a_death_reaches_every_agency_on_its_host_and_the_spouse_is_offered_the_funeral_grant(
        cluster: dict[str, Any], journey_day: ClusterCountry) -> None:
    from tests.faults.country import BORN

    pensioners = {p["personId"] for p in journey_day.records("PEN", "pensions", "AND data->>'status' = 'active'")}
    alive = {p["ID"] for p in journey_day.records("POP", "persons", "AND data->>'status' = 'alive'")}
    couple = next(((r["fromPersonId"], r["toPersonId"]) for r in journey_day.records("POP", "relations", "AND data->>'kind' = 'spouseOf'")
                   if r["fromPersonId"] in pensioners and r["toPersonId"] in alive and not r.get("validTo")), None)
    assert couple is not None, "no pensioner with a living spouse in the country"
    person, spouse = couple
    status, _h, answer = _at(cluster, "POP", "registry", "POST", "/population/deaths",
                             {"death": {"personId": person, "deathDate": BORN, "place": "Tallinn"}}, FRONT_OFFICE)
    assert status == 201, answer

    def timeline() -> dict[str, Any] | None:
        status, _h, found = _through_portal(cluster, spouse, "GET", f"/timeline?personId={person}")
        return found if status == 200 and len({e["agency"] for e in found["entries"]}) >= 5 else None

    found = until(timeline, 120, "every agency has acted")
    actions = {(e["agency"], e["action"]) for e in found["entries"]}
    assert ("DEMO/GOV/PEN", "pension_stopped") in actions and ("DEMO/GOV/TAX", "tax_year_marked_for_closing") in actions
    assert {"DEMO/GOV/VEH", "DEMO/GOV/LAND", "DEMO/GOV/SIB"} <= {e["agency"] for e in found["entries"]}
    [pension] = journey_day.records("PEN", "pensions", "AND data->>'personId' = :p", p=person)
    assert pension["status"] == "stopped"
    offers = until(lambda: [o for o in _at(cluster, "SIB", "lifeevents", "GET", f"/offers?personId={spouse}")[2]["offers"]
                            if o["program"] == "funeral_grant"] or None, 60, "the funeral grant is offered")
    assert offers[0]["addressee"] == spouse
