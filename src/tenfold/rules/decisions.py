"""Decision records: what was decided, for whom, from which facts, under which rules and values.

A rule returns :class:`Award`s; the evaluator turns them into :class:`DecisionItem`s (adding the
program, the kind, the confirmation mode and the reason texts) and wraps them in a
:class:`Decision` that holds the input snapshot (each fact with its exchange message id), the rule
version and the parameter version (ARCHITECTURE.md, invariant 4). These are plain data that
serialise to JSON; storing them is the journeys' business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from tenfold.rules.periods import Month
from tenfold.rules.reasons import Reason

KINDS = ("monthly", "one_off")


@dataclass(frozen=True)
class Award:
    """One rule's answer for one person: eligible or not, the amount, and why."""

    benefit: str
    person: str
    recipient: str | None
    amount_cents: int
    eligible: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class DecisionItem:
    program: str
    benefit: str
    person: str
    recipient: str | None
    kind: str
    amount_cents: int
    eligible: bool
    outcome: str                       # eligible, not_eligible or needs_caseworker
    confirmation: str                  # offer or automatic
    reasons: tuple[Reason, ...]        # with their texts in every language

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program, "benefit": self.benefit, "person": self.person, "recipient": self.recipient,
            "kind": self.kind, "amount_cents": self.amount_cents, "eligible": self.eligible, "outcome": self.outcome,
            "confirmation": self.confirmation,
            "reasons": [{"code": r.code, "params": dict(r.params), "text": dict(r.text)} for r in self.reasons],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> DecisionItem:
        reasons = tuple(Reason(r["code"], dict(r["params"]), dict(r["text"])) for r in document["reasons"])
        return cls(**{**document, "reasons": reasons})


@dataclass(frozen=True)
class Decision:
    """Everything needed to explain and reproduce one program's decision for one household."""

    program: str
    household: str
    period: Month
    items: tuple[DecisionItem, ...]
    rule_version: str
    parameter_version: str
    parameters: Mapping[str, Any]      # name -> {value, from, unit, reference} of the values used
    input_snapshot: Mapping[str, Any]  # the household as given, every fact with its source
    outcome: str = field(init=False)

    def __post_init__(self) -> None:
        outcomes = {item.outcome for item in self.items}
        outcome = next((o for o in ("needs_caseworker", "eligible") if o in outcomes), "not_eligible")
        object.__setattr__(self, "outcome", outcome)

    def total(self, kind: str) -> int:
        return sum(item.amount_cents for item in self.items if item.kind == kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "program": self.program, "household": self.household, "period": str(self.period), "outcome": self.outcome,
            "rule_version": self.rule_version, "parameter_version": self.parameter_version,
            "items": [item.to_json() for item in self.items], "parameters": dict(self.parameters),
            "input_snapshot": dict(self.input_snapshot),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Decision:
        return cls(
            program=document["program"], household=document["household"], period=Month.parse(document["period"]),
            items=tuple(DecisionItem.from_json(i) for i in document["items"]), rule_version=document["rule_version"],
            parameter_version=document["parameter_version"], parameters=dict(document["parameters"]),
            input_snapshot=dict(document["input_snapshot"]),
        )


@dataclass(frozen=True)
class Evaluation:
    """Every applicable program's decision for one household and one month."""

    period: Month
    decisions: tuple[Decision, ...]

    @property
    def items(self) -> list[DecisionItem]:
        return [item for decision in self.decisions for item in decision.items]

    def total(self, kind: str) -> int:
        return sum(decision.total(kind) for decision in self.decisions)

    def to_output(self) -> dict[str, Any]:
        """The ``tenfold rules evaluate --json`` document."""
        return {
            "period": str(self.period),
            "items": [_output_item(item) for item in self.items],
            "monthly_total_cents": self.total("monthly"),
            "one_off_total_cents": self.total("one_off"),
            "decisions": [{"program": d.program, "outcome": d.outcome, "rule_version": d.rule_version,
                           "parameter_version": d.parameter_version} for d in self.decisions],
        }


def _output_item(item: DecisionItem) -> dict[str, Any]:
    return {
        "program": item.program, "benefit": item.benefit, "person": item.person, "recipient": item.recipient,
        "kind": item.kind, "amount_cents": item.amount_cents, "eligible": item.eligible, "outcome": item.outcome,
        "confirmation": item.confirmation, "reasons": [r.code for r in item.reasons],
        "texts": {language: [r.text[language] for r in item.reasons] for language in ("en", "zh-Hant")},
    }
