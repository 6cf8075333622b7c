"""Benefit programs, one folder each: rules.py and batch.py (the law as code), parameters.yaml
(dated values), reasons.yaml (reason codes in en and zh-Hant), cases.yaml (golden cases),
program.yaml (names, confirmation mode, payment calendar) and the handbooks."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from tenfold.errors import InvalidInput
from tenfold.i18n import _
from tenfold.rules import Program

NAMES = ("family_benefits", "social_assistance", "funeral_grant")
DIRECTORY = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str) -> Program:
    """The program called ``name``."""
    if name not in NAMES:
        raise InvalidInput(_("unknown program {name!r}; known: {known}").format(name=name, known=", ".join(NAMES)))
    return Program.load(DIRECTORY / name, f"{__name__}.{name}")


def load_all() -> tuple[Program, ...]:
    return tuple(load(name) for name in NAMES)


def select(name: str | None) -> tuple[Program, ...]:
    """One program by name, or every program."""
    return (load(name),) if name else load_all()
