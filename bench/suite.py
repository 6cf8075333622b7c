"""``tenfold bench all``: every registered benchmark in one go, each in its own process
(``tenfold bench NAME --json``), its JSON kept under ``docs/benchmarks/NAME.json``, and a
Markdown report with one table per benchmark (figure, baseline, ratio, goal, met, anchor), the
machine, the date, the commit and the load average, plus matplotlib plots of the latency
distributions and of each figure against its baseline.

A benchmark that fails is reported with its last error line; the others still run. With
``--keep``, the report also shows the benchmarks this run did not choose from their kept JSON,
each section saying when and at which commit it was measured, so that one benchmark can be run
again (after a change that concerns it) without running the rest. The births
and portal benchmarks need a generated country: the suite generates one into a temporary
directory of its own and points them at it (they start and stop it themselves), so a country
somebody runs in ./var is never touched.

The anchors are published figures of other systems (from the issues and ../shared/specs); they
are not measured here and ran on other hardware, so a ratio against them is only a sense of scale.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
ORDER = ("generate", "registry", "reevaluate", "exchange", "payments", "emergency", "login", "births", "portal", "assistant",
         "scaleout")
NEEDS_COUNTRY = ("births", "portal")
COUNTRY_PERSONS = {"full": 100_000, "quick": 20_000}

# Options per benchmark: the goal sizes of the issues (full) and small sizes for a test (quick).
OPTIONS: dict[str, dict[str, list[str]]] = {
    "generate": {"full": ["--persons", "1000000"], "quick": ["--persons", "20000"]},
    "registry": {"full": [], "quick": ["--persons", "1000", "--seconds", "1", "--concurrency", "4"]},
    "reevaluate": {"full": [], "quick": ["--households", "10000", "--sample", "200"]},
    "exchange": {"full": [], "quick": ["--seconds", "1"]},
    "payments": {"full": [], "quick": ["--instructions", "2000"]},
    "emergency": {"full": [], "quick": ["--persons", "20000"]},
    "login": {"full": [], "quick": ["--seconds", "1", "--concurrency", "2"]},
    "births": {"full": ["--count", "200", "--rate", "10"], "quick": ["--count", "10", "--rate", "5"]},
    "portal": {"full": ["--users", "50", "--seconds", "30"], "quick": ["--users", "2", "--seconds", "2", "--think-seconds", "0.2"]},
    "assistant": {"full": [], "quick": ["--synthetic", "200", "--queries", "10"]},
    "scaleout": {"full": [], "quick": ["--births", "20", "--seconds", "2"]},
}
TIMEOUT = {"full": 3 * 3600, "quick": 900}


@dataclass(frozen=True)
class Figure:
    """One row of a benchmark's table."""

    label: str
    value: Callable[[dict[str, Any]], Any]
    unit: str = ""
    baseline: Callable[[dict[str, Any]], Any] | None = None
    baseline_label: str = ""
    goal: float | None = None
    higher_is_better: bool = True
    anchor: str = ""
    throughput: bool = False   # drawn in the throughput chart (figure vs baseline)
    judged: Callable[[dict[str, Any]], bool] = lambda _result: True   # whether the goal applies to this run


def key(name: str) -> Callable[[dict[str, Any]], Any]:
    def get(result: dict[str, Any]) -> Any:
        found: Any = result
        for part in name.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return found
    return get


def first(*names: str) -> Callable[[dict[str, Any]], Any]:
    """The first of ``names`` the result has (a benchmark may rename a key between versions)."""
    def get(result: dict[str, Any]) -> Any:
        return next((found for found in (key(n)(result) for n in names) if found is not None), None)
    return get


def rate(count: str, seconds: str) -> Callable[[dict[str, Any]], Any]:
    def get(result: dict[str, Any]) -> Any:
        n, s = key(count)(result), key(seconds)(result)
        return round(n / s, 1) if isinstance(n, (int, float)) and isinstance(s, (int, float)) and s > 0 else None
    return get


X_ROAD = "X-Road security server: ~110 req/s through two servers (32 cores, 64 GB), ~1,000 req/s to the service directly (nordic-institute/X-Road#1321)"
FIGURES: dict[str, list[Figure]] = {
    "generate": [
        Figure("persons generated per second", key("persons_per_s"), "persons/s", goal=1_000_000 / 60, throughput=True,
               anchor="goal: 1,000,000 persons in 60 s on 2 cores (issue 2)"),
        Figure("records written per second", key("records_per_s"), "records/s"),
    ],
    "registry": [
        Figure("reads through the Data API", key("api_reads_per_s"), "reads/s", key("direct_sql_reads_per_s"), "direct SQL", throughput=True,
               anchor="Estonia's X-tee: 3.87 bn requests in 182 days, ~246 req/s national average (Nortal X-Road Insights, 2025-26)"),
        Figure("API read p99", key("api_p99_ms"), "ms", higher_is_better=False),
        Figure("reads in process (service layer)", key("service_reads_per_s"), "reads/s", key("direct_sql_reads_per_s"), "direct SQL"),
    ],
    "reevaluate": [
        Figure("households re-evaluated per second", key("households_per_s"), "households/s", key("baseline_households_per_s"),
               "one household at a time", goal=100_000, throughput=True,
               anchor="goal: 1,000,000 households in 10 s including loading (issue 5); OpenFisca-style numpy ~5 M/s; "
                      "10 M households in ~2 min on 8 cores (~83,000/s)"),
    ],
    "exchange": [
        Figure("requests through two gateways", key("exchange_rps"), "req/s", key("direct_rps"), "registry called directly", goal=1000,
               throughput=True, anchor=X_ROAD + "; Python ceiling of two signed TLS hops here ~3,000 req/s (performance-ceilings.md)"),
        Figure("added latency p50 (1 connection)", key("added_p50_ms"), "ms", goal=2, higher_is_better=False),
        Figure("added latency p99 (1 connection)", key("added_p99_ms"), "ms", goal=10, higher_is_better=False),
    ],
    "payments": [
        Figure("instructions to pain.001 per second", key("instructions_per_s"), "instructions/s", key("baseline_per_s"), "plain inserts",
               goal=5000, throughput=True,
               anchor="Mojaloop: 650 transfers/s on three 32-vCPU nodes at p99 < 1 s, 1,991/s plaintext; suggested G2P target 2,000/s per node"),
    ],
    "emergency": [
        Figure("whole transfer, every instruction final", key("seconds"), "s", goal=600, higher_is_better=False,
               anchor="goal: a country of 1,000,000 in 10 minutes (issue 6); PM-Kisan: more than 100 M DBT credits in one day"),
        Figure("payments made final per second", rate("instructions", "seconds"), "payments/s", throughput=True,
               anchor="Mojaloop: 650 transfers/s on three 32-vCPU nodes"),
        Figure("with the banks' returns reconciled", key("seconds_with_returns"), "s", higher_is_better=False),
    ],
    "login": [
        Figure("complete logins per second", key("logins_per_second"), "logins/s", key("token_requests_per_second"), "token endpoint alone",
               throughput=True, anchor="eSignet-style login: authorize, form, consent, token (private_key_jwt), userinfo"),
        Figure("login p95", key("login_p95_ms"), "ms", higher_is_better=False),
    ],
    "births": [
        Figure("birth registered to offer stored, p95", key("offer_p95_ms"), "ms", goal=1000, higher_is_better=False,
               anchor="OpenCRVS: ~150 ms to submit a registration; India's births ~0.8/s on average (25 M a year)"),
        Figure("birth to offer p50", key("offer_p50_ms"), "ms", higher_is_better=False),
        Figure("offers per second", key("offers_per_s"), "offers/s", throughput=True),
    ],
    "portal": [
        Figure("confirmation through the portal, p95", key("confirm_p95_ms"), "ms", key("baseline_confirm_p95_ms"), "SIB directly",
               goal=300, higher_is_better=False,
               anchor="goal: p95 <= 300 ms at 50 residents at once (issue 7), each thinking between clicks (think_seconds_mean)"),
        Figure("offer page p95", key("offer_page_p95_ms"), "ms", first("baseline_offer_page_p95_ms", "baseline_offer_p95_ms"), "SIB directly",
               higher_is_better=False),
        Figure("confirmations per second", key("confirmations_per_s"), "confirmations/s", key("baseline_confirmations_per_s"), "SIB directly"),
        Figure("saturation (no think time): confirmation p95", key("saturation.confirm_p95_ms"), "ms",
               key("saturation.baseline_confirm_p95_ms"), "SIB directly", higher_is_better=False,
               anchor="50 requests always in flight: latency = users / throughput on two cores"),
        Figure("saturation: requests per second", key("saturation.requests_per_s"), "req/s", key("saturation.baseline_requests_per_s"),
               "SIB directly", throughput=True),
    ],
    "assistant": [
        Figure("hybrid query p95, synthetic corpus", key("synthetic_hybrid_p95_ms"), "ms", key("synthetic_bm25_p95_ms"), "BM25 only",
               goal=150, higher_is_better=False, anchor="goal: hybrid p95 <= 150 ms at 10,000 passages (issue 8)"),
        Figure("passages indexed per second, synthetic", key("synthetic_index_passages_per_s"), "passages/s", throughput=True),
    ],
    "scaleout": [
        Figure("offers per second, two SIB workers, hosts sharing the machine's cores", key("workers.two_workers_offers_per_s"), "offers/s",
               key("workers.one_worker_offers_per_s"), "one worker", throughput=True),
        Figure("two workers / one, shared cores", key("workers.ratio"), "×", goal=1.6,
               judged=lambda result: key("workers.ratio_with_host_budget")(result) is None,
               anchor="judged only when no host CPU budget could be set: with one worker the journey may already fill both cores"),
        Figure("offers per second, two SIB workers, each worker host with its own CPU budget",
               key("workers.two_budgeted_workers_offers_per_s"), "offers/s", key("workers.one_budgeted_worker_offers_per_s"),
               "one worker", throughput=True, anchor="each worker host limited to workers.worker_host_cpus cores by a control group (see the JSON)"),
        Figure("two workers / one, each host its own CPU", key("workers.ratio_with_host_budget"), "×", goal=1.6,
               anchor="goal: two workers on two hosts double birth-journey throughput within 20% (1.6 to 2.4; issue 9)"),
        Figure("exactly one offer per birth, both phases", key("workers.exactly_one_offer_per_birth")),
        Figure("reads per second, two POP gateways behind the balancer, sharing the machine's cores", key("gateways.two_gateways_rps"),
               "req/s", key("gateways.one_gateway_rps"), "one gateway", goal=None, throughput=True, anchor=X_ROAD.split(" (")[0]),
        Figure("two gateways / one, shared cores", key("gateways.ratio"), "×", goal=1.0,
               judged=lambda result: key("gateways.ratio_with_host_budget")(result) is None,
               anchor="judged only when no host CPU budget could be set: the other processes of the path share the same two cores"),
        Figure("reads per second, two POP gateways, each node with its own CPU budget", key("gateways.two_budgeted_gateways_rps"),
               "req/s", key("gateways.one_budgeted_gateway_rps"), "one gateway", throughput=True,
               anchor="each gateway node limited to gateways.gateway_host_cpus cores by a control group (see the JSON)"),
        Figure("two gateways / one, each node its own CPU", key("gateways.ratio_with_host_budget"), "×", goal=1.0,
               anchor="goal: two gateway processes serve more than one (issue 9)"),
    ],
    "soak": [
        Figure("births registered per second", key("throughput.births_per_s"), "births/s", throughput=True),
        Figure("confirmations per second", key("throughput.confirmations_per_s"), "confirmations/s", throughput=True),
        Figure("payments settled per second", key("throughput.payments_per_s"), "payments/s", throughput=True),
        Figure("portal pages per second", key("throughput.portal_pages_per_s"), "pages/s", throughput=True),
        Figure("birth to offer p99", key("p99_ms.offer"), "ms", higher_is_better=False),
        Figure("confirmation p99", key("p99_ms.confirm"), "ms", higher_is_better=False),
        Figure("portal page p99", key("p99_ms.portal"), "ms", higher_is_better=False),
        Figure("largest memory growth, second half", key("memory.worst_slope_mib_per_hour"), "MiB/h", goal=30, higher_is_better=False,
               anchor="no process may grow faster than the threshold over the second half (see the verdict below)",
               judged=lambda result: not str(key("memory.verdict")(result)).startswith("inconclusive")),
    ],
}


@dataclass
class Outcome:
    name: str
    seconds: float
    result: dict[str, Any] | None = None
    error: str | None = None
    command: list[str] = field(default_factory=list)
    measured: str = ""   # "when, at which commit", for a result kept from an earlier run


def available() -> list[str]:
    """The benchmarks this checkout has (scaleout arrives separately)."""
    return [name for name in ORDER if (ROOT / "bench" / f"{name}.py").is_file()]


def choose(only: list[str], skip: list[str]) -> tuple[list[str], list[str]]:
    """(benchmarks to run, notes on what is left out); an unknown name is a ValueError."""
    unknown = sorted(set(only + skip) - set(ORDER) - {"soak"})
    if unknown:
        raise ValueError(", ".join(unknown))
    present = available()
    chosen = [n for n in ORDER if (not only or n in only) and n not in skip]
    notes = [f"{n}: skipped, bench/{n}.py is not in this checkout" for n in chosen if n not in present]
    return [n for n in chosen if n in present], notes


def command(name: str, size: str, soak_minutes: float | None = None) -> list[str]:
    if name == "soak":
        return [sys.executable, "-m", "tenfold.cli", "bench", "soak", "--minutes", f"{soak_minutes:g}", "--json"]
    return [sys.executable, "-m", "tenfold.cli", "bench", name, *OPTIONS.get(name, {}).get(size, []), "--json"]


def run_one(name: str, argv: list[str], env: dict[str, str], timeout: float, log: Path) -> Outcome:
    """One benchmark in its own process; its stderr goes to ``log``, its JSON comes from stdout."""
    started = time.monotonic()
    try:
        with log.open("wb") as errors:
            done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Outcome(name, time.monotonic() - started, error=f"did not finish within {timeout:g} s", command=argv)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        return Outcome(name, seconds, error=_last_line(log) or f"exit {done.returncode}", command=argv)
    try:
        return Outcome(name, seconds, result=json.loads(done.stdout), command=argv)
    except ValueError:
        return Outcome(name, seconds, error="no JSON on stdout: " + done.stdout.decode(errors="replace")[-200:], command=argv)


def _last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def country_env(directory: Path, size: str) -> dict[str, str]:
    """A generated country in ``directory`` for the benchmarks that drive one (births, portal)."""
    from tenfold.exchange.ports import free_base

    env = {**os.environ, "TENFOLD_VAR_DIR": str(directory / "var"), "TENFOLD_EXCHANGE_BASE_PORT": str(free_base())}
    for name in [k for k in env if k.startswith("TENFOLD_DATABASE_URL")]:
        env.pop(name)   # SQLite under the temporary directory, whatever this shell points at
    subprocess.run([sys.executable, "-m", "tenfold.cli", "country", "generate", "--persons", str(COUNTRY_PERSONS[size]), "--json"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    return env


def with_free_ports(env: dict[str, str]) -> dict[str, str]:
    """A port range nobody holds now (a country started before may have left its range busy)."""
    from tenfold.exchange.ports import free_base

    return {**env, "TENFOLD_EXCHANGE_BASE_PORT": str(free_base())}


def run_all(names: list[str], size: str, out: Path, logs: Path, progress: Any, soak_minutes: float | None = None) -> list[Outcome]:
    """Every chosen benchmark in turn; JSON under ``out`` (``NAME.json``), stderr in ``logs/NAME.log``."""
    out.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    plan = names + (["soak"] if soak_minutes else [])
    task = progress.add_task("", total=len(plan))
    outcomes: list[Outcome] = []
    country: Path | None = None
    country_vars: dict[str, str] | None = None
    try:
        for name in plan:
            progress.update(task, description=name)
            env = dict(os.environ)
            if name in NEEDS_COUNTRY:
                if country is None:
                    country = Path(tempfile.mkdtemp(prefix="tenfold-bench-all-"))
                    try:
                        country_vars = country_env(country, size)
                    except subprocess.CalledProcessError as error:
                        message = (error.stderr or b"").decode(errors="replace").strip().splitlines()
                        outcomes.append(Outcome(name, 0.0, error="generating the country failed: " + (message[-1] if message else "")))
                        progress.advance(task)
                        continue
                if country_vars is None:
                    outcomes.append(Outcome(name, 0.0, error="no generated country (see the benchmark before)"))
                    progress.advance(task)
                    continue
                env = with_free_ports(country_vars)
            argv = command(name, size, soak_minutes)
            outcome = run_one(name, argv, env, TIMEOUT[size] if name != "soak" else (soak_minutes or 0) * 60 + 1800, logs / f"{name}.log")
            if outcome.result is not None:
                outcome.result["suite"] = {"measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": _commit(),
                                           "seconds": round(outcome.seconds, 1), "command": argv[3:]}
                (out / f"{name}.json").write_text(json.dumps(outcome.result, indent=2) + "\n")
            outcomes.append(outcome)
            progress.advance(task)
    finally:
        if country is not None:
            shutil.rmtree(country, ignore_errors=True)
    return outcomes


def kept(out: Path, fresh: list[Outcome]) -> list[Outcome]:
    """The fresh outcomes, and for every other benchmark (soak last) the result an earlier run kept under ``out``."""
    ran = {o.name: o for o in fresh}
    found: list[Outcome] = []
    for name in [*ORDER, "soak"]:
        if name in ran:
            found.append(ran[name])
            continue
        path = out / f"{name}.json"
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        meta = result.get("suite") or {}
        when = meta.get("measured_at") or datetime.fromtimestamp(path.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        command = meta.get("command") or command_of(name)
        found.append(Outcome(name, float(meta.get("seconds") or 0), result, command=[sys.executable, "-m", "tenfold.cli", *command],
                             measured=f"kept from an earlier run: measured {when}" + (f" at commit `{meta['commit']}`" if meta.get("commit") else "")))
    return found


def command_of(name: str) -> list[str]:
    """A benchmark's full-size command line as the suite runs it (without the interpreter)."""
    return command(name, "full", 30)[3:]


# --- the report ---------------------------------------------------------------------------------

def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and abs(value) < 0.005:
        return "0"
    if isinstance(value, int) or (isinstance(value, float) and abs(value) >= 100):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return str(value)


def rows(name: str, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The table of one benchmark: every known figure, or every plain number for one we do not know."""
    figures = FIGURES.get(name) or [Figure(k.replace("_", " "), key(k)) for k, v in result.items()
                                    if isinstance(v, (int, float)) and not isinstance(v, bool)]
    found = []
    for figure in figures:
        value = figure.value(result)
        base = figure.baseline(result) if figure.baseline else None
        ratio = round(value / base, 3) if isinstance(value, (int, float)) and isinstance(base, (int, float)) and base else None
        met = None
        if figure.goal is not None and isinstance(value, (int, float)) and figure.judged(result):
            met = value >= figure.goal if figure.higher_is_better else value <= figure.goal
        found.append({"figure": figure.label, "value": value, "unit": figure.unit, "baseline": base, "baseline_label": figure.baseline_label,
                      "ratio": ratio, "goal": figure.goal, "higher_is_better": figure.higher_is_better, "met": met,
                      "anchor": figure.anchor, "throughput": figure.throughput})
    return found


def _table(found: list[dict[str, Any]]) -> list[str]:
    lines = ["| figure 數據 | value 數值 | baseline 基準 | ratio 比值 | goal 目標 | met 達成 | compared with 比較對象 |",
             "|---|---:|---:|---:|---:|:-:|---|"]
    for row in found:
        unit = f" {row['unit']}" if row["unit"] else ""
        base = f"{_number(row['baseline'])} ({row['baseline_label']})" if row["baseline"] is not None else "–"
        goal = ("≥ " if row["higher_is_better"] else "≤ ") + _number(row["goal"]) if row["goal"] is not None else "–"
        met = {True: "yes", False: "**no**", None: "–"}[row["met"]]
        lines.append(f"| {row['figure']} | {_number(row['value'])}{unit} | {base} | {_number(row['ratio'])} | {goal} | {met} | "
                     f"{row['anchor'] or '–'} |")
    return lines


def _soak_section(result: dict[str, Any]) -> list[str]:
    memory = result.get("memory", {})
    lines = ["", f"Memory verdict: **{memory.get('verdict', '–')}** (threshold {memory.get('threshold_mib_per_hour', '–')} MiB/h "
             f"per process over the second half of {result.get('minutes', '–')} minutes, {result.get('samples', '–')} samples).", "",
             "| process | RSS first (MiB) | RSS last (MiB) | slope, second half (MiB/h) |", "|---|---:|---:|---:|"]
    for process, found in sorted(memory.get("processes", {}).items()):
        lines.append(f"| {process} | {_number(found.get('first_mib'))} | {_number(found.get('last_mib'))} | {_number(found.get('slope_mib_per_hour'))} |")
    if result.get("offers_left_for_the_resident"):
        lines += ["", f"Offers left for the resident to give an account in the portal (none on file to prefill; not errors): "
                      f"{_number(result['offers_left_for_the_resident'])}."]
    invariants = result.get("invariants", {})
    if invariants:
        lines += ["", "Invariants at the end: " + ", ".join(f"{k} = {_number(v)}" for k, v in invariants.items()) + "."]
    return lines


def write_report(path: Path, outcomes: list[Outcome], notes: list[str], size: str, started: datetime) -> list[Path]:
    """The Markdown report and its plots (PNG next to the JSON); returns the plots written."""
    from tenfold.cli.bench import machine

    plots_dir = path.parent / "benchmarks"
    plots_dir.mkdir(parents=True, exist_ok=True)
    plots = draw(outcomes, plots_dir)
    spec = machine()
    load = [round(v, 2) for v in os.getloadavg()]
    lines = [
        "# Benchmarks · 效能測試", "",
        _provenance(outcomes, size, started), "",
        f"Machine: {spec['cpu']}, {spec['cores']} cores, {spec['memory_gib']} GiB, Python {spec['python']}, {spec['os']}. "
        f"Load average at the end: {load[0]} / {load[1]} / {load[2]} (1 / 5 / 15 min); the machine is shared, so figures move with it.", "",
        "Every benchmark runs in its own process with its baseline measured in the same run. The anchors are published figures of "
        "other systems on other hardware: a sense of scale, not a like-for-like comparison.", "",
        f"效能測試報告：{spec['cores']} 核心的機器上由 `tenfold bench all` 產生。每項效能測試在自己的行程中執行，基準在同一次執行中量測；"
        "「比較對象」是其他系統在其他硬體上公布的數據，只用來感受規模，並非同條件比較。標明「kept from an earlier run」的段落保留自較早的執行，"
        "並註明其量測時間與 commit。", "",
    ]
    if "throughput.png" in {p.name for p in plots}:
        lines += [f"![figure against baseline]({plots_dir.name}/throughput.png)", ""]
    for note in notes:
        lines += [f"- {note}"]
    if notes:
        lines.append("")
    for outcome in outcomes:
        took = f" — {outcome.seconds:,.0f} s" if outcome.seconds else ""   # a kept result may not know how long it took
        lines += [f"## {outcome.name}", "", f"`{' '.join(['tenfold', *outcome.command[3:]])}`{took}"
                  + (f"; {outcome.measured}." if outcome.measured else "."), ""]
        if outcome.error or outcome.result is None:
            lines += [f"**Failed:** {outcome.error}", ""]
            continue
        lines += _table(rows(outcome.name, outcome.result))
        if outcome.name == "soak":
            lines += _soak_section(outcome.result)
        lines += [""]
        for plot in plots:
            if plot.stem.startswith(outcome.name + "-"):
                lines += [f"![{plot.stem}]({plots_dir.name}/{plot.name})", ""]
        lines += [f"Full result: [{plots_dir.name}/{outcome.name}.json]({plots_dir.name}/{outcome.name}.json).", ""]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return plots


def _provenance(outcomes: list[Outcome], size: str, started: datetime) -> str:
    """When and from what the report was made: measured now, partly kept, or assembled from kept results only."""
    when, commit = started.strftime('%Y-%m-%d %H:%M UTC'), _run_commit(outcomes)
    if outcomes and all(o.measured for o in outcomes):
        return f"Assembled {when} at commit `{commit}` from kept results: each section says when and at which commit it was measured."
    text = f"Measured {when} at commit `{commit}` with `tenfold bench all"
    text += " --quick` (small sizes: these figures only show that the suite runs, not what the system does)." if size == "quick" else "`."
    return text + (" Sections that say so were kept from an earlier run." if any(o.measured for o in outcomes) else "")


def _run_commit(outcomes: list[Outcome]) -> str:
    """The commit the benchmarks of this run were measured at (asking git again once the run has
    written its own results would call the tree changed)."""
    for outcome in outcomes:
        if not outcome.measured and outcome.result and outcome.result.get("suite", {}).get("commit"):
            return str(outcome.result["suite"]["commit"])
    return _commit()


def _commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT, timeout=30)
        return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --- the plots ----------------------------------------------------------------------------------

def draw(outcomes: list[Outcome], directory: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")   # no display: files only
    written = []
    done = [o for o in outcomes if o.result is not None]
    bars = _throughput(done, directory / "throughput.png")
    if bars:
        written.append(bars)
    for outcome in done:
        assert outcome.result is not None
        curves = {k: v for k, v in (outcome.result.get("latency_percentiles_ms") or {}).items() if v}
        if curves:
            written.append(_latency(outcome.name, curves, directory / f"{outcome.name}-latency.png"))
        if outcome.name == "soak" and outcome.result.get("series"):
            written += _soak(outcome.result, directory)
    return written


def _throughput(outcomes: list[Outcome], path: Path) -> Path | None:
    """One panel per throughput figure: the figure, its baseline and its goal (own scale each)."""
    import matplotlib.pyplot as plt

    found = [(o.name, row) for o in outcomes for row in rows(o.name, o.result or {}) if row["throughput"] and isinstance(row["value"], (int, float))]
    if not found:
        return None
    columns = 3
    lines = (len(found) + columns - 1) // columns
    figure, axes = plt.subplots(lines, columns, figsize=(12, 3.2 * lines), squeeze=False)
    for ax, (name, row) in zip(axes.flat, found):
        labels, values, colours = ["measured"], [row["value"]], ["#2b6cb0"]
        if isinstance(row["baseline"], (int, float)):
            labels.append(row["baseline_label"] or "baseline")
            values.append(row["baseline"])
            colours.append("#a0aec0")
        ax.bar(labels, values, color=colours)
        if row["goal"] is not None:
            ax.axhline(row["goal"], color="#c53030", linestyle="--", linewidth=1, label="goal")
            ax.legend(loc="upper right", fontsize=7)
        ax.set_title(f"{name}: {row['figure']}", fontsize=8)
        ax.set_ylabel(row["unit"], fontsize=8)
        ax.tick_params(labelsize=7)
        for x, v in enumerate(values):
            ax.annotate(_number(v), (x, v), ha="center", va="bottom", fontsize=7)
    for ax in list(axes.flat)[len(found):]:
        ax.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _nines(percentile: float) -> float:
    """Position on a tail axis: 50 -> 0.3, 90 -> 1, 99 -> 2, 99.9 -> 3; the maximum one step further."""
    import math

    return 4.0 if percentile >= 100 else -math.log10(1 - percentile / 100)


def _latency(name: str, curves: dict[str, dict[str, float]], path: Path) -> Path:
    """Latency against percentile, one curve per series, on a tail axis (the tail is the point)."""
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(7, 4))
    for label, points in curves.items():
        xs = [_nines(float(p)) for p in points]
        ys = [max(v, 1e-3) for v in points.values()]
        ax.plot(xs, ys, marker="o", markersize=3, label=label)
    ticks = (10, 50, 90, 99, 99.9, 100)
    ax.set_xticks([_nines(t) for t in ticks], ["p10", "p50", "p90", "p99", "p99.9", "max"])
    ax.set_yscale("log")
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms)")
    ax.set_title(f"{name}: latency distribution", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _soak(result: dict[str, Any], directory: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    series = result["series"]
    minutes = [s["t"] / 60 for s in series]
    memory_path, rate_path = directory / "soak-memory.png", directory / "soak-throughput.png"
    figure, (total, each) = plt.subplots(1, 2, figsize=(11, 4.5))
    total.plot(minutes, [sum(v or 0 for v in s["rss_mib"].values()) for s in series], color="#2b6cb0")
    total.set_title("soak: RSS of the whole country", fontsize=10)
    total.set_xlabel("minutes")
    total.set_ylabel("MiB")
    growth = {p: (series[-1]["rss_mib"].get(p) or 0) - (series[0]["rss_mib"].get(p) or 0) for p in series[0]["rss_mib"]}
    named = sorted(growth, key=lambda p: -growth[p])[:8]   # the rest in grey, without a legend entry
    for process in sorted(growth, key=lambda p: p in named):
        ax_style = {"label": f"{process} (+{growth[process]:.1f})", "linewidth": 1.2} if process in named else {"color": "#cbd5e0", "linewidth": 0.8}
        each.plot(minutes, [s["rss_mib"].get(process) for s in series], **ax_style)
    each.set_title("each process (the eight that grew most named, MiB gained)", fontsize=9)
    each.set_xlabel("minutes")
    each.set_ylabel("RSS (MiB)")
    each.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(memory_path, dpi=100)
    plt.close(figure)
    figure, ax = plt.subplots(figsize=(8, 4))
    for stream in ("births", "offers", "confirmations", "payments", "portal"):
        ax.plot(minutes, [s["per_s"].get(stream) for s in series], label=stream, linewidth=1)
    ax.set_xlabel("minutes")
    ax.set_ylabel("per second")
    ax.set_title("soak: throughput of each stream", fontsize=10)
    ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(rate_path, dpi=100)
    plt.close(figure)
    return [memory_path, rate_path]


def summary(outcomes: list[Outcome], started: datetime) -> dict[str, Any]:
    """What ``--json`` prints: each benchmark's rows (or error) and where its JSON is."""
    from tenfold.cli.bench import machine

    return {"started": started.isoformat(), "finished": datetime.now(UTC).isoformat(), "commit": _run_commit(outcomes), "machine": machine(),
            "load_average": [round(v, 2) for v in os.getloadavg()],
            "benchmarks": {o.name: {"seconds": round(o.seconds, 1), "error": o.error,
                                    "rows": rows(o.name, o.result) if o.result is not None else []} for o in outcomes}}
