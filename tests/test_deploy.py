"""The deployment files under deploy/ agree with what the code exposes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import generate_latest

from tenfold.exchange.monitoring import Metrics
from tenfold.web import create_app

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
_METRIC = re.compile(r"\b([a-z]+_[a-z_]+)\s*(?=[{\[])")


def _exposed() -> str:
    gateway = generate_latest(Metrics.create().registry).decode()
    application = generate_latest(create_app("probe").state.metrics).decode()
    return gateway + application


def test_every_alert_watches_a_metric_that_tenfold_exposes() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "tenfold-alerts.yml").read_text())["groups"][0]["rules"]
    exposed = _exposed()
    for rule in rules:
        assert rule["alert"].startswith("Tenfold") and rule["labels"]["severity"] in ("page", "ticket")
        names = set(_METRIC.findall(rule["expr"])) - {"up"}
        for name in names:
            assert re.search(rf"^# TYPE {name.removesuffix('_total')}(_total)? ", exposed, re.M), (rule["alert"], name)


def test_every_host_caps_its_heap_arenas_as_serve_does() -> None:
    from tenfold.exchange.runner import ALLOCATOR_ENV

    for env in ("member.env", "central.env"):
        lines = (DEPLOY / "env" / env).read_text().splitlines()
        assert f"MALLOC_ARENA_MAX={ALLOCATOR_ENV['MALLOC_ARENA_MAX']}" in lines, env
