"""A Tell-Us-Once subscriber (UK Tell Us Once, made proactive): a member that acts on a death on
its OWN data and logs what it did, so the family sees it in one timeline.

What a member does follows from the registries it keeps:

- ``pensions`` (PEN): the person's state pension stops from the first day of the next month;
- ``incomes`` (TAX): the tax year of the death is marked for closing (the final assessment);
- ``vehicles`` (VEH), ``parcels`` (LAND): the person's vehicles and parcels are flagged as part
  of the estate.

A death is acted on once: deliveries are deduplicated on (source, event id) and on the death id.
The registry changes come first and are idempotent, the log and the flags after them in one
transaction; a crash in between is repaired by the redelivery.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from tenfold.i18n import N_, gettext
from tenfold.registries import Reader, RegistryService
from tenfold.tellusonce.tables import estate_flags, tax_year_closings, tuo_actions, tuo_deaths
from tenfold.rules import Month

PAGE = 1000
TEXTS = {
    "pension_stopped": N_("The state pension ({amount} a month) stops from {stopped_from}."),
    "no_pension": N_("No state pension was paid; nothing to stop."),
    "tax_year_marked_for_closing": N_("The tax year {year} is marked for closing (the final assessment)."),
    "estate_flagged": N_("{count} record(s) of the {registry} register are flagged as part of the estate."),
    "nothing_in_register": N_("Nothing of the person's is in the {registry} register."),
}


def text(action: str, detail: dict[str, Any], language: str) -> str:
    values = {**detail}
    if "amount_cents" in values:
        values["amount"] = f"€{values['amount_cents'] / 100:,.2f}"
    try:
        return gettext(TEXTS[action], language).format(**values)
    except (KeyError, IndexError):
        return action


class TellUsOnce:
    def __init__(self, engine: Engine, registries: RegistryService, client: str):
        self.engine, self.registries, self.client = engine, registries, client

    def receive(self, source: str, event_id: str, death: dict[str, Any], message_id: str | None) -> tuple[list[dict[str, Any]], bool]:
        """Act on a death once; returns the actions and whether this delivery was a repeat."""
        done = self._actions_of_death(death["deathId"])
        if done:
            return done, True
        reader = Reader(client=self.client, purpose=f"Tell Us Once: death {death['deathId']}", issue=death["deathId"],
                        message_id=message_id)
        planned = self._act(reader, death)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(tuo_deaths).values(
                    source=source[:100], event_id=event_id[:100], death_id=death["deathId"], person_id=death["personId"],
                    death_date=death["deathDate"], message_id=message_id, received_at=_now()))
                for action, detail, flags in planned:
                    self._log(connection, death, action, detail, flags)
        except IntegrityError:
            return self._actions_of_death(death["deathId"]), True
        return self._actions_of_death(death["deathId"]), False

    def _act(self, reader: Reader, death: dict[str, Any]) -> list[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
        kept, planned = self.registries.registries, []
        if "pensions" in kept:
            planned += self._stop_pensions(reader, death)
        if "incomes" in kept:
            year = date.fromisoformat(death["deathDate"]).year
            planned.append(("tax_year_marked_for_closing", {"year": year}, [("tax_year", str(year))]))
        for registry in ("vehicles", "parcels"):
            if registry in kept:
                found = self._owned(reader, registry, death["personId"])
                if found:
                    planned.append(("estate_flagged", {"registry": registry, "count": len(found), "records": found},
                                    [(registry, r) for r in found]))
                else:
                    planned.append(("nothing_in_register", {"registry": registry}, []))
        return planned

    def _stop_pensions(self, reader: Reader, death: dict[str, Any]) -> list[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
        stopped_from = Month.of(date.fromisoformat(death["deathDate"])).plus(1).start.isoformat()
        reason = f"death {death['deathId']}"
        found = self.registries.list(reader, "pensions", "1.0", filters={"personId": death["personId"]}, page_size=PAGE).results
        planned: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = []
        for pension in found:
            if pension["status"] == "active":
                self.registries.update(reader, "pensions", "1.0", {"ID": pension["ID"]},
                                       {"status": "stopped", "stoppedFrom": stopped_from, "stopReason": reason})
            elif pension.get("stopReason") != reason:
                continue
            planned.append(("pension_stopped", {"pension": pension["ID"], "amount_cents": pension["monthlyAmountCents"],
                                                "stopped_from": stopped_from}, []))
        return planned or [("no_pension", {}, [])]

    def _owned(self, reader: Reader, registry: str, person: str) -> list[str]:
        page = self.registries.list(reader, registry, "1.0", filters={"ownerId": person}, page_size=PAGE)
        return sorted(r["ID"] for r in page.results)

    def _log(self, connection: Connection, death: dict[str, Any], action: str, detail: dict[str, Any],
             flags: list[tuple[str, str]]) -> None:
        for registry, record in flags:
            if registry == "tax_year":
                connection.execute(insert(tax_year_closings).values(
                    person_id=death["personId"], year=int(record), death_id=death["deathId"], state="to_close", marked_at=_now()))
            else:
                connection.execute(insert(estate_flags).values(
                    registry=registry, record_id=record, death_id=death["deathId"], person_id=death["personId"], flagged_at=_now()))
        connection.execute(insert(tuo_actions).values(death_id=death["deathId"], person_id=death["personId"], action=action,
                                                      detail=detail, at=_now()))

    def _actions_of_death(self, death_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(tuo_actions).where(tuo_actions.c.death_id == death_id).order_by(tuo_actions.c.id)).all()
        return [view(r) for r in rows]

    def actions(self, person: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(tuo_actions).where(tuo_actions.c.person_id == person).order_by(tuo_actions.c.id)).all()
        return [view(r) for r in rows]


def view(row: Any) -> dict[str, Any]:
    return {"action": row.action, "deathId": row.death_id, "detail": row.detail, "at": row.at.isoformat(),
            "text": {language: text(row.action, row.detail, language) for language in ("en", "zh-Hant")}}


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
