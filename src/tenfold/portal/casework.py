"""Caseworkers' decisions on the exception queue: each one with a mandatory reason, recorded in
the portal's own table and audit log; one whose amount at stake is above the threshold waits for
a second caseworker (an approver who is not its author) before it reaches SIB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from tenfold.errors import TenfoldError
from tenfold.portal.config import PortalSettings
from tenfold.portal.tables import case_decisions, staff_audit

OUTCOMES = ("grant", "refuse", "refer")
AWAITING, SENT, REFUSED = "awaiting_approval", "sent", "refused_by_approver"


class SameOfficial(TenfoldError):
    """The second pair of eyes must belong to someone else."""


class NotAwaiting(TenfoldError):
    """The decision is not waiting for approval (approved or refused already)."""


def at_stake(exception: dict[str, Any], decision: dict[str, Any] | None) -> int:
    """Cents a decision on this case may move: one-off amounts plus a year of monthly ones from
    the decision's items (for an overpayment, the amount paid after the death)."""
    if decision:
        items = decision.get("items", [])
        return sum(int(i.get("amount_cents") or 0) * (12 if i.get("kind") == "monthly" else 1) for i in items)
    params = exception.get("params") or {}
    return int(params.get("amount_cents") or 0)


def resolution_text(outcome: str, reason: str, decided_by: str, approved_by: str | None) -> str:
    """What SIB records on the case: the outcome, the reason, who decided (and approved)."""
    signed = f"{decided_by}" + (f", approved by {approved_by}" if approved_by else "")
    return f"{outcome}: {reason} [{signed}]"[:2000]


@dataclass
class Casework:
    engine: Engine
    settings: PortalSettings

    def needs_second_pair(self, amount_cents: int) -> bool:
        return amount_cents > self.settings.four_eyes_cents

    def record(self, exception: dict[str, Any], outcome: str, reason: str, amount_cents: int, staff_id: str) -> dict[str, Any]:
        state = AWAITING if self.needs_second_pair(amount_cents) else SENT
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            decision_id = connection.execute(insert(case_decisions).values(
                exception_id=exception["id"], kind=exception["kind"], reason_code=exception["reasonCode"], outcome=outcome,
                reason=reason, amount_cents=amount_cents, state=state, decided_by=staff_id, created_at=now,
                settled_at=now if state == SENT else None)).inserted_primary_key[0]
            connection.execute(insert(staff_audit).values(at=now, staff_id=staff_id, action="case_decided", target=f"EXC-{exception['id']}",
                                                          detail={"decision": decision_id, "outcome": outcome, "state": state,
                                                                  "amountCents": amount_cents}))
        return {"id": int(decision_id), "state": state}

    def approve(self, decision_id: int, staff_id: str, note: str, approved: bool) -> dict[str, Any]:
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            row = connection.execute(select(case_decisions).where(case_decisions.c.id == decision_id)).first()
            if row is None or row.state != AWAITING:
                raise NotAwaiting(f"decision {decision_id} is not waiting for approval")
            if row.decided_by == staff_id:
                raise SameOfficial("a decision is approved by another caseworker than its author")
            state = SENT if approved else REFUSED
            connection.execute(update(case_decisions).where(case_decisions.c.id == decision_id, case_decisions.c.state == AWAITING).values(
                state=state, approved_by=staff_id, approval_note=note, settled_at=now))
            connection.execute(insert(staff_audit).values(at=now, staff_id=staff_id, action="decision_approved" if approved else "decision_refused",
                                                          target=f"EXC-{row.exception_id}", detail={"decision": decision_id}))
        return {**row._asdict(), "state": state, "approved_by": staff_id}

    def undo(self, decision_id: int) -> None:
        """SIB did not take the resolution: the decision goes back to waiting (or is removed)."""
        with self.engine.begin() as connection:
            connection.execute(update(case_decisions).where(case_decisions.c.id == decision_id).values(state=AWAITING, approved_by=None,
                                                                                                    settled_at=None))

    def of_case(self, exception_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(case_decisions).where(case_decisions.c.exception_id == exception_id)
                                      .order_by(case_decisions.c.id.desc())).all()
        return [r._asdict() for r in rows]

    def awaiting(self) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(case_decisions).where(case_decisions.c.state == AWAITING).order_by(case_decisions.c.id)).all()
        return [r._asdict() for r in rows]

    def audit_trail(self, limit: int = 200) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(staff_audit).order_by(staff_audit.c.id.desc()).limit(limit)).all()
        return [r._asdict() for r in rows]
