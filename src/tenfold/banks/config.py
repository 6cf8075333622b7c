"""A simulated bank's settings (environment prefix ``TENFOLD_BANKS_``) and its faults.

Faults are kept in the bank's own database (``tenfold payments banks faults`` sets them), so a
running bank picks a change up on its next cycle.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenfold.errors import InvalidInput
from tenfold.settings import get_settings

# The demo's banks (their national bank codes match the IBANs the country generator gives out).
IDENTITIES = {"BANK1": ("HABAEE2X", "22"), "BANK2": ("EEUHEE2X", "10")}


class BankSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_BANKS_", extra="ignore")

    treasury_client: str = Field("DEMO/GOV/TRE/payments", description="The customer whose files the bank accepts.")
    worker_interval_seconds: float = Field(0.5, gt=0, description="How often the bank looks at its folder and its schedule.")
    statement_interval_seconds: float = Field(30.0, gt=0, description="The length of a simulated business day (camt.053 each).")
    opening_balance_cents: int = Field(10**14, description="The treasury's balance at the bank before any payment.")
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Larger files are refused.")


@lru_cache(maxsize=1)
def bank_settings() -> BankSettings:
    return BankSettings()


@dataclass(frozen=True)
class Identity:
    code: str
    member: str
    bic: str
    national_code: str


def identity(code: str) -> Identity:
    code = code.upper()
    override = os.environ.get(f"TENFOLD_BANKS_BIC_{code}")
    if override:
        bic, national = override.split(":", 1) if ":" in override else (override, "")
        return Identity(code, f"DEMO/COM/{code}", bic, national)
    if code not in IDENTITIES:
        raise InvalidInput(f"{code} is not a simulated bank (set TENFOLD_BANKS_BIC_{code}=BIC:NATIONALCODE)")
    bic, national = IDENTITIES[code]
    return Identity(code, f"DEMO/COM/{code}", bic, national)


def folder(code: str, which: str) -> Path:
    """The bank's ``inbound`` (files from the treasury) or ``outbound`` (its answers) folder;
    ``TENFOLD_BANKS_FOLDER_<CODE>`` moves both."""
    root = os.environ.get(f"TENFOLD_BANKS_FOLDER_{code.upper()}")
    base = Path(root) if root else get_settings().var_dir / "banks" / code.lower()
    return (base / which).resolve()


@dataclass(frozen=True)
class Faults:
    """What a bank can be made to do wrong (or, for returns, what real banks do days later)."""

    silent: bool = False
    insufficient_cover: bool = False
    duplicate_answers: bool = False
    unknown_return: bool = False
    statement_fee: bool = False
    return_share: float = 0.0
    return_delay_seconds: float = 5.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise InvalidInput(f"unknown faults: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        faults = cls(**raw)
        if not 0.0 <= faults.return_share <= 1.0:
            raise InvalidInput("return_share is a share between 0 and 1")
        if faults.return_delay_seconds < 0:
            raise InvalidInput("return_delay_seconds cannot be negative")
        return faults

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
