"""Hypothesis strategies: random but valid household inputs for every program."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from tenfold.rules import Month

months = st.builds(Month.from_index, st.integers(Month(2023, 1).index, Month(2026, 12).index))


def _day_in(month: Month, draw: st.DrawFn) -> date:
    return month.start + timedelta(days=draw(st.integers(0, (month.stop - month.start).days)))


@st.composite
def family_household(draw: st.DrawFn, period: Month) -> dict[str, Any]:
    parents = [{"id": f"p{i}", "role": "parent", "birthdate": date(draw(st.integers(1960, 1998)), 5, 5).isoformat()}
               for i in range(draw(st.integers(1, 2)))]
    children: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 9))):
        if children and draw(st.integers(0, 5)) == 0:        # a twin or triplet of the previous child
            birth = date.fromisoformat(children[-1]["birthdate"])
        else:
            age_months = draw(st.one_of(st.integers(0, 25 * 12), st.integers(0, 20), st.integers(19 * 12 - 2, 20 * 12)))
            birth = _day_in(period.plus(-age_months), draw)
        child = {
            "id": f"c{i}", "role": "child", "birthdate": birth.isoformat(),
            "recipient": draw(st.sampled_from([p["id"] for p in parents])), "father_known": draw(st.booleans()),
            "multiple_birth_size": draw(st.integers(1, 4)), "studying_without_secondary_education": draw(st.booleans()),
        }
        if draw(st.booleans()):
            child["final_year_of_upper_secondary"] = draw(st.booleans())
        children.append(child)
    household: dict[str, Any] = {"members": draw(st.permutations(parents + children))}
    if draw(st.booleans()):
        household["large_family_last_month"] = str(period.plus(-draw(st.integers(1, 14))))
    return household


@st.composite
def social_household(draw: st.DrawFn, period: Month) -> dict[str, Any]:
    means = st.one_of(st.none(), st.integers(0, 10_000_000)) if draw(st.booleans()) else st.integers(0, 10_000_000)
    members = []
    for i in range(draw(st.integers(1, 5))):
        role = "adult" if i == 0 else draw(st.sampled_from(["parent", "child", "adult"]))
        members.append({"id": f"m{i}", "role": role, "birthdate": _day_in(period.plus(-draw(st.integers(0, 80 * 12))), draw).isoformat(),
                        "annual_income_cents": draw(st.one_of(means, st.integers(0, 500_000))),
                        "property_value_cents": draw(means), "vehicle_value_cents": draw(st.one_of(means, st.integers(0, 600_000)))})
    return {"applicant": "m0", "members": members}


@st.composite
def funeral_household(draw: st.DrawFn, period: Month) -> dict[str, Any]:
    died = _day_in(period.plus(-draw(st.integers(0, 2))), draw)
    members: list[dict[str, Any]] = [{"id": "d", "role": "deceased", "birthdate": "1940-02-29", "date_of_death": died.isoformat()}]
    for i in range(draw(st.integers(0, 5))):
        born = died - timedelta(days=draw(st.integers(16 * 365, 19 * 366)) if draw(st.booleans()) else draw(st.integers(0, 80 * 365)))
        member: dict[str, Any] = {"id": f"k{i}", "role": draw(st.sampled_from(["adult", "child", "parent"])), "birthdate": born.isoformat()}
        if draw(st.integers(0, 4)):
            member["relation_to_deceased"] = draw(st.sampled_from(["spouse", "child", "parent", "sibling"]))
        members.append(member)
    return {"members": draw(st.permutations(members))}


HOUSEHOLDS = {"family_benefits": family_household, "social_assistance": social_household, "funeral_grant": funeral_household}
