"""Re-evaluation of the family programs: N households with the vectorised path, and in the same
run the per-household path on a sample, with a check that both give the same items.

The households are synthetic (generated in memory as numpy arrays from a seed: one or two
parents, 0-8 children aged 0-22 with twins and triplets, some children through the other parent,
some without a recorded father, some over 19 and studying). They are written to an uncompressed
``.npz`` file first, and the timed part starts from that file: loading the facts, evaluating every
family benefit for every household, and summing the monthly and one-off totals.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tenfold.programs import load as load_program
from tenfold.rules import HouseholdArrays, Month, compare, decision_rows, evaluate, evaluate_batch, to_households
from tenfold.rules.arrays import ROLE_CODE, Column

CHILDREN = np.arange(9)
CHILDREN_SHARE = np.array([0.12, 0.30, 0.30, 0.16, 0.07, 0.03, 0.012, 0.005, 0.003])
MEMBER_FACTS = ("recipient", "father_known", "multiple_birth_size", "studying_without_secondary_education", "final_year_of_upper_secondary")


def synthesise(households: int, seed: int, period: Month) -> dict[str, np.ndarray]:
    """The facts of ``households`` families as flat arrays (valid input for the family rules)."""
    rng = np.random.default_rng(seed)
    parents = 1 + (rng.random(households) < 0.8)
    children = rng.choice(CHILDREN, p=CHILDREN_SHARE / CHILDREN_SHARE.sum(), size=households)
    size = parents + children
    household = np.repeat(np.arange(households, dtype=np.int64), size)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    position = np.arange(len(household)) - np.repeat(starts, size)
    is_parent = position < np.repeat(parents, size)
    end = int(np.datetime64(period.stop, "D").astype(np.int64))
    age_days = np.where(is_parent, rng.integers(25 * 365, 50 * 365, len(household)), rng.integers(0, 22 * 366, len(household)))
    birth_day = end - age_days
    multiple = np.ones(len(household), dtype=np.int64)
    _multiple_births(rng, birth_day, multiple, is_parent, household)
    mother = np.repeat(starts, size)
    other = np.where(np.repeat(parents, size) == 2, mother + 1, mother)
    recipient = np.where(rng.random(len(household)) < 0.05, other, mother)
    two_parents = np.repeat(parents, size) == 2
    return {
        "household": household, "role": np.where(is_parent, ROLE_CODE["parent"], ROLE_CODE["child"]).astype(np.int8),
        "birth_day": birth_day, "child": ~is_parent,
        "recipient": np.where(is_parent, -1, recipient),
        "father_known": two_parents | (rng.random(len(household)) < 0.5),
        "multiple_birth_size": multiple,
        "studying_without_secondary_education": rng.random(len(household)) < 0.4,
        "final_year_of_upper_secondary": rng.random(len(household)) < 0.3,
    }


def _multiple_births(rng: np.random.Generator, birth_day: np.ndarray, multiple: np.ndarray, is_parent: np.ndarray,
                     household: np.ndarray) -> None:
    """Make some children twins (1.5 %) or triplets (0.05 %) of the child listed before them."""
    for members, share in ((2, 0.015), (3, 0.0005)):
        lead = np.flatnonzero(rng.random(len(birth_day)) < share)
        lead = lead[lead + members - 1 < len(birth_day)]
        span = lead[:, None] + np.arange(members)
        ok = (~is_parent[span]).all(axis=1) & (household[span] == household[lead][:, None]).all(axis=1)
        span = span[ok]
        birth_day[span] = birth_day[span[:, :1]]
        multiple[span] = members


def load_arrays(path: Path) -> HouseholdArrays:
    """The households' facts from the file, as the vectorised path reads them."""
    with np.load(path) as stored:
        facts = {name: stored[name] for name in stored.files}
    child = facts["child"]
    members = {name: Column(facts[name], child, child) for name in MEMBER_FACTS}
    n_households = int(facts["household"][-1]) + 1
    return HouseholdArrays(household=facts["household"], role=facts["role"], birth_day=facts["birth_day"],
                           members=members, households={}, n_households=n_households)


def run(households: int = 1_000_000, seed: int = 1, period: str = "2025-01", sample: int = 2_000) -> dict[str, Any]:
    month = Month.parse(period, "--period")
    program = load_program("family_benefits")
    started = time.perf_counter()
    facts = synthesise(households, seed, month)
    generate_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="tenfold-reevaluate-") as directory:
        path = Path(directory) / "households.npz"
        np.savez(path, **facts)
        del facts
        started = time.perf_counter()
        arrays = load_arrays(path)
        loaded = time.perf_counter()
        result = evaluate_batch(program, arrays, month)
        monthly, one_off = result.total("monthly"), result.total("one_off")
        finished = time.perf_counter()
        file_mib = path.stat().st_size / 2**20
    load_s, evaluate_s = loaded - started, finished - loaded
    baseline = _baseline(program, arrays, month, result, min(sample, households), seed)
    total_s = load_s + evaluate_s
    return {
        "households": households, "members": len(arrays), "period": str(month), "seed": seed,
        "items": result.item_count(), "monthly_total_eur": int(monthly.sum()) // 100, "one_off_total_eur": int(one_off.sum()) // 100,
        "generate_s": round(generate_s, 3), "facts_file_mib": round(file_mib, 1),
        "load_s": round(load_s, 3), "evaluate_s": round(evaluate_s, 3), "total_s": round(total_s, 3),
        "households_per_s": round(households / total_s), **baseline,
        "speedup": round(households / total_s / baseline["baseline_households_per_s"], 1),
        "goal": "1,000,000 households in <= 10 s including loading",
        "goal_met": bool(households >= 1_000_000 and total_s * 1_000_000 / households <= 10),
    }


def _baseline(program, arrays: HouseholdArrays, month: Month, result, sample: int, seed: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The per-household path on a random sample, and whether it agrees with the vectorised one."""
    rng = np.random.default_rng(seed + 1)
    indices = np.sort(rng.choice(arrays.n_households, size=sample, replace=False))
    households = to_households(arrays, indices, program.facts())
    parameters = program.parameters.at(month.start)
    started = time.perf_counter()
    decisions = [evaluate(program, household, month, parameters) for household in households]
    elapsed = time.perf_counter() - started
    differences = compare(decision_rows(decisions, list(indices)), result.rows(arrays, indices))
    return {"baseline_sample": sample, "baseline_s": round(elapsed, 3), "baseline_households_per_s": round(sample / elapsed),
            "agree": not differences, "differences": differences[:5]}
