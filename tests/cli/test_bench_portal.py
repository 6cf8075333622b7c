"""The portal benchmark's user model: how it shares residents between phases, how many offers a
phase needs, and that a user's think time never outlasts the phase (the country-driving part is
run by ``tenfold bench portal`` itself, see docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import time

from tenfold.cli.bench import load

portal = load("portal")


def offers(n: int) -> list[dict[str, str]]:
    return [{"id": f"o{i}"} for i in range(n)]


def test_residents_are_shared_in_proportion_to_each_phases_need_and_none_twice() -> None:
    waiting = {f"p{i:03}": offers(1 + i % 3) for i in range(120)}
    phases = portal._split(waiting, [10, 10, 30, 30])
    assert len(phases) == 4
    people = [person for phase in phases for person, _o in phase]
    assert sorted(people) == sorted(waiting) and len(set(people)) == len(people)
    counts = [sum(len(o) for _p, o in phase) for phase in phases]
    total = sum(counts)
    assert abs(counts[0] - total / 8) <= 3 and abs(counts[1] - total / 8) <= 3 and counts[2] > 2 * counts[0]


def test_a_phase_with_think_time_needs_fewer_offers_than_one_without() -> None:
    busy, thinking = portal._needed(50, 10, 0.0), portal._needed(50, 10, 5.0)
    assert busy == 1250                     # 2.5 offers per user-second
    assert thinking == 75                   # one confirmation per two think times, with half again to spare
    assert portal._needed(50, 10, 0.1) == busy   # a short think time is capped at the no-think rate


def test_a_users_pause_is_cut_short_when_the_phase_ends() -> None:
    phase = portal.Phase([], seconds=0.2, think=30.0)
    phase.begin()
    started = time.monotonic()
    assert asyncio.run(phase.pause()) is False
    assert time.monotonic() - started < 1.0


def test_think_times_are_the_same_in_every_run_and_average_the_mean() -> None:
    first, second = portal.Phase([], 1, think=5.0), portal.Phase([], 1, think=5.0)
    draws = [first.random.expovariate(1 / 5.0) for _ in range(2000)]
    assert draws == [second.random.expovariate(1 / 5.0) for _ in range(2000)]
    assert 4.5 < sum(draws) / len(draws) < 5.5
