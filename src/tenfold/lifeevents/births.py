"""The birth journey: from a registered birth to a prefilled offer (Estonia 2019, Austria 2015).

1. Facts through the exchange only: the child, the household (residence and who lives there) and
   the mother's births (siblings, fathers recorded, multiple births) from POP; the known accounts
   of the possible recipients from TAX; existing enrolments from SIB's own data.
2. Every program applicable to the household decides (``tenfold.rules``), for the month of birth.
3. The offer holds the items not already paid or offered, the prefilled recipient and account.

A case the rules cannot settle (an unknown person, a child who died before the birth was handled,
no living parent with the child, a missing fact) is put in the exception queue with its reason,
never settled by a default.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from tenfold import programs
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.lifeevents.facts import Gatherer, Ledger, account_options
from tenfold.programs.family_benefits.rules import school_year_end
from tenfold.rules import Evaluation, Month, evaluate_household, fact_specs, parse_household

PURPOSE = "Proactive family benefits after a registered birth"
PROPOSED_SOURCE = "offer: the recipient proposed to the family"


class CaseForCaseworker(TenfoldError):
    """The journey cannot decide; the reason goes to the exception queue."""

    def __init__(self, reason_code: str, **params: Any):
        self.reason_code, self.params = reason_code, params
        super().__init__(reason_code)


@dataclass
class BirthFacts:
    event: dict[str, Any]
    child: dict[str, Any]
    household: list[dict[str, Any]]
    births: list[dict[str, Any]]
    accounts: dict[str, list[dict[str, Any]]]
    ledger: Ledger
    sources: dict[str, str]

    @property
    def period(self) -> Month:
        return Month.of(date.fromisoformat(self.event["birthDate"]))


async def gather(gatherer: Gatherer, event: dict[str, Any]) -> BirthFacts:
    """Everything the family programs need, in two rounds of calls through the exchange: the child,
    the mother's births and the parents' known accounts at once; then the child's household."""
    parents_named = [p for p in (event["motherId"], event.get("fatherId")) if p]
    child, births, *found = await asyncio.gather(gatherer.person(event["childId"], "childId"),
                                                 gatherer.births_of_mother(event["motherId"]),
                                                 *(gatherer.accounts(p) for p in parents_named))
    household = await gatherer.household(child["householdId"])
    living = {p["ID"] for p in household}
    if event["motherId"] not in living:
        await gatherer.person(event["motherId"], "motherId")   # unknown mother: PersonUnknown
    accounts = {p: a for p, a in zip(parents_named, found) if p in living}
    child_message = next(e["message_id"] for e in gatherer.ledger.entries if e["fact"] == "person" and e["about"] == event["childId"])
    sources = {"child": child_message, **_last_sources(gatherer.ledger)}
    return BirthFacts(event, child, household, births, accounts, gatherer.ledger, sources)


def _last_sources(ledger: Ledger) -> dict[str, str]:
    sources: dict[str, str] = {}
    for entry in ledger.entries:
        sources.setdefault(f"{entry['fact']}:{entry['about']}", entry["message_id"])
    return sources


@dataclass(frozen=True)
class Family:
    parents: tuple[str, ...]            # living parents who live with the child
    children: tuple[str, ...]           # the mother's children in the household, young enough to count
    recipient: str                      # the recipient proposed
    document: dict[str, Any]            # the household as the rules read it, every fact with its source
    newborns: tuple[str, ...] = ()      # the children born in the month decided (each has a birth event of its own)


def family(facts: BirthFacts, enrolled: dict[str, tuple[str, str]]) -> Family:
    """The household the rules decide for. ``enrolled`` maps a child to the recipient of its
    child allowance at SIB and that enrolment's reference."""
    event, living = facts.event, {p["ID"]: p for p in facts.household}
    living.setdefault(facts.child["ID"], facts.child)
    if facts.child.get("status") == "deceased":
        raise CaseForCaseworker("child_deceased")
    parents = tuple(p for p in (event["motherId"], event.get("fatherId")) if p and p in living and living[p]["status"] == "alive")
    if not parents:
        raise CaseForCaseworker("no_living_parent")
    period = facts.period
    age_limit = programs.load("family_benefits").parameters.at(period.start)["child_allowance.age_limit"]
    births = {b["childId"]: b for b in facts.births}
    births.setdefault(event["childId"], {**event, "ID": event["birthId"]})
    children = tuple(c for c, b in births.items() if c in living and living[c]["status"] == "alive"
                     and period <= school_year_end(Month.of(date.fromisoformat(b["birthDate"])).plus(12 * age_limit), False)
                     and date.fromisoformat(b["birthDate"]) <= period.stop)
    counted = Counter(enrolled[c][0] for c in children if c in enrolled)
    recipient = next((r for r, _n in counted.most_common() if r in parents), parents[0])
    household_source = facts.sources.get("household:None", "")
    births_source = facts.sources.get(f"births:{event['motherId']}", "")
    members = [{"id": p, "role": "parent", "birthdate": {"value": living[p]["birthDate"], "source": household_source}}
               for p in parents]
    for c in children:
        chosen, reference = enrolled.get(c, (recipient, PROPOSED_SOURCE))
        members.append({
            "id": c, "role": "child", "birthdate": {"value": births[c]["birthDate"], "source": births_source},
            "recipient": {"value": chosen, "source": reference},
            "father_known": {"value": bool(births[c].get("fatherId")), "source": births_source},
            "multiple_birth_size": {"value": int(births[c].get("multipleBirthSize") or 1), "source": births_source},
        })
    document = {"id": facts.child["householdId"], "members": members}
    newborns = tuple(c for c in children if period.contains(date.fromisoformat(births[c]["birthDate"])))
    return Family(parents, children, recipient, document, newborns)


def with_recipient(document: dict[str, Any], recipient: str) -> dict[str, Any]:
    """The household again with another recipient for every child whose recipient was proposed
    (not one already fixed by an enrolment): the family chose it when confirming."""
    members = []
    for member in document["members"]:
        proposed = member.get("recipient", {}).get("source") == PROPOSED_SOURCE
        members.append({**member, "recipient": {"value": recipient, "source": "confirmation"}} if proposed else member)
    return {**document, "members": members}


def decide(document: dict[str, Any], period: Month) -> Evaluation:
    """Every program that applies to the household decides the month; a fact the rules find
    missing or contradictory is a case for a caseworker."""
    every = programs.load_all()
    try:
        household = parse_household(document, fact_specs(every))
        return evaluate_household(every, household, period)
    except InvalidInput as error:
        raise CaseForCaseworker("rules_cannot_settle", message=str(error)) from None


def snapshot_document(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A decision's input snapshot back as the input document it was made from."""
    members = [{"id": m["id"], "role": m["role"], **m["facts"]} for m in snapshot["members"]]
    return {"id": snapshot["id"], "members": members, **snapshot.get("facts", {})}


def options(facts: BirthFacts, parents: tuple[str, ...]) -> list[dict[str, Any]]:
    return account_options({p: facts.accounts.get(p, []) for p in parents})


def contact(facts: BirthFacts, person: str) -> str | None:
    for member in facts.household:
        if member["ID"] == person:
            return member.get("email")
    return None
