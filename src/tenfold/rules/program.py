"""A program: one folder of rules, dated parameters, reason codes, golden cases and metadata.

``program.yaml`` holds what is not law but administration: the program's name, each benefit's
kind (monthly or one-off) and confirmation mode (``offer``: the citizen confirms a prefilled
offer, as in Estonia; ``automatic``: pay and inform, as in Austria), the payment calendar and
offer deadlines. A benefit may name an environment variable that switches its confirmation
mode (``confirmation_setting: TENFOLD_CHILD_ALLOWANCE_MODE``) for a second demo topology.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping

import yaml

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules.decisions import KINDS
from tenfold.rules.parameters import ParameterSet
from tenfold.rules.reasons import ReasonCatalogue

CONFIRMATIONS = ("offer", "automatic")


@dataclass(frozen=True)
class Benefit:
    name: str
    title: Mapping[str, str]
    kind: str
    confirmation: str
    confirmation_setting: str | None = None
    offer_deadline_months: int | None = None


@dataclass(frozen=True)
class PaymentCalendar:
    monthly_payment_day: int = 8
    one_off: str = "next_run"


@dataclass(frozen=True)
class Program:
    name: str
    title: Mapping[str, str]
    version: str
    confirmation: str
    benefits: Mapping[str, Benefit]
    calendar: PaymentCalendar
    parameters: ParameterSet
    reasons: ReasonCatalogue
    rules: ModuleType
    batch: ModuleType
    directory: Path
    rule_version: str                  # program version + hash of rules.py, batch.py and reasons.yaml

    @classmethod
    def load(cls, directory: Path, package: str) -> Program:
        """The program in ``directory``, whose Python package is ``package`` (rules.py, batch.py)."""
        meta = yaml.safe_load((directory / "program.yaml").read_text(encoding="utf-8"))
        name = meta["name"]
        rules, batch = importlib.import_module(f"{package}.rules"), importlib.import_module(f"{package}.batch")
        digest = hashlib.sha256()
        for module in ("rules.py", "batch.py", "reasons.yaml"):
            digest.update((directory / module).read_bytes())
        confirmation = _confirmation(meta.get("confirmation", "offer"), f"{name}.confirmation")
        benefits = {key: _benefit(key, body, confirmation) for key, body in meta["benefits"].items()}
        return cls(
            name=name, title=dict(meta["title"]), version=str(meta["version"]), confirmation=confirmation,
            benefits=benefits, calendar=PaymentCalendar(**(meta.get("payment_calendar") or {})),
            parameters=ParameterSet.load(directory / "parameters.yaml", name),
            reasons=ReasonCatalogue.load(directory / "reasons.yaml", name),
            rules=rules, batch=batch, directory=directory,
            rule_version=f"{meta['version']}+{digest.hexdigest()[:12]}",
        )

    @property
    def cases_path(self) -> Path:
        return self.directory / "cases.yaml"

    def handbook(self, language: str) -> Path:
        return self.directory / ("handbook.zh-Hant.md" if language == "zh-Hant" else "handbook.en.md")

    def benefit(self, name: str) -> Benefit:
        try:
            return self.benefits[name]
        except KeyError:
            raise InvalidInput(_("{program} has no benefit {name!r}").format(program=self.name, name=name)) from None

    def confirmation_mode(self, benefit: str) -> str:
        """``offer`` or ``automatic``: the benefit's own mode, or its setting when one is set."""
        declared = self.benefit(benefit)
        if declared.confirmation_setting and os.environ.get(declared.confirmation_setting):
            return _confirmation(os.environ[declared.confirmation_setting].strip().lower(), declared.confirmation_setting)
        return declared.confirmation

    def facts(self) -> tuple[Any, ...]:
        return tuple(self.rules.FACTS)


def _confirmation(value: Any, where: str) -> str:
    if value not in CONFIRMATIONS:
        raise InvalidInput(_("{field}: {value!r} is not one of {allowed}").format(field=where, value=value, allowed=", ".join(CONFIRMATIONS)))
    return str(value)


def _benefit(key: str, body: Mapping[str, Any], default_confirmation: str) -> Benefit:
    if body.get("kind") not in KINDS:
        raise InvalidInput(_("{field}: {value!r} is not one of {allowed}").format(field=f"benefits.{key}.kind", value=body.get("kind"), allowed=", ".join(KINDS)))
    return Benefit(
        name=key, title=dict(body["title"]), kind=body["kind"],
        confirmation=_confirmation(body.get("confirmation", default_confirmation), f"benefits.{key}.confirmation"),
        confirmation_setting=body.get("confirmation_setting"), offer_deadline_months=body.get("offer_deadline_months"),
    )
