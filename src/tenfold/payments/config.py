"""The treasury's settings (environment prefix ``TENFOLD_PAYMENTS_``) and its bank directory."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenfold.errors import InvalidInput
from tenfold.ids import xroad
from tenfold.settings import get_settings

DEFAULT_BANKS_FILE = Path(__file__).parent / "banks.toml"


class PaymentsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_PAYMENTS_", extra="ignore")

    member: str = Field("DEMO/GOV/TRE", description="The treasury's X-Road member id.")
    client: str = Field("DEMO/GOV/TRE/payments", description="The subsystem TRE calls other members as.")
    banks_file: Path = Field(DEFAULT_BANKS_FILE, description="The bank directory (TOML).")
    gateway_url: str | None = Field(None, description="TRE's own gateway; default: var/runtime.json of `tenfold serve`.")
    max_batch_instructions: int = Field(10_000, ge=1, le=100_000, description="Largest batch (and pain.001 file).")
    answer_deadline_seconds: float = Field(3600.0, gt=0, description="A payment without a bank answer after this is overdue.")
    worker: bool = Field(True, description="Run the dispatcher inside the payments application.")
    worker_interval_seconds: float = Field(0.5, gt=0, description="How often the dispatcher looks for work.")
    callback_hosts: list[str] = Field(["127.0.0.1", "localhost"], description="Hosts callbacks may be sent to.")
    callback_max_attempts: int = Field(12, ge=1, description="Callbacks are given up after this many failures.")


@lru_cache(maxsize=1)
def payments_settings() -> PaymentsSettings:
    return PaymentsSettings()


class BankConnection(BaseModel):
    """One bank in the directory: how an IBAN is routed to it and how TRE reaches it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    member: str
    bic: str = Field(pattern=r"^[A-Z0-9]{8}([A-Z0-9]{3})?$")
    debtor_iban: str
    debtor_name: str = Field("State Treasury", min_length=1, max_length=140)
    channel: Literal["exchange", "folder"]
    service: str | None = None
    inbound: Path | None = None
    outbound: Path | None = None
    processed: Path | None = None

    @field_validator("member")
    @classmethod
    def _member(cls, value: str) -> str:
        xroad.parse_member(value)
        return value

    @field_validator("debtor_iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        from schwifty import IBAN
        from schwifty.exceptions import SchwiftyException

        try:
            return str(IBAN(value).compact)
        except SchwiftyException as error:
            raise ValueError(f"debtor_iban: {error}") from None

    @model_validator(mode="after")
    def _channel_needs(self) -> BankConnection:
        if self.channel == "exchange" and not self.service:
            raise ValueError(f"{self.member}: an exchange channel names the bank's service (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE)")
        if self.channel == "exchange":
            xroad.parse_service(self.service or "")
        return self

    @property
    def code(self) -> str:
        """The member code (``BANK1``), which names the bank in TRE's tables."""
        return self.member.split("/")[2]

    def folder(self, which: str) -> Path:
        """The inbound, outbound or processed folder (absolute; relative ones are under var_dir)."""
        given = {"inbound": self.inbound, "outbound": self.outbound, "processed": self.processed}[which]
        default = {"inbound": Path("banks") / self.code.lower() / "inbound",
                   "outbound": Path("banks") / self.code.lower() / "outbound",
                   "processed": Path("payments") / "processed" / self.code.lower()}[which]
        path = given or default
        return path if path.is_absolute() else (get_settings().var_dir / path).resolve()


class BankDirectory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    banks: list[BankConnection] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> BankDirectory:
        for attribute in ("code", "bic"):
            values = [getattr(b, attribute) for b in self.banks]
            if len(set(values)) != len(values):
                raise ValueError(f"two banks share a {attribute}")
        return self

    def by_code(self, code: str) -> BankConnection:
        for bank in self.banks:
            if bank.code == code:
                return bank
        raise InvalidInput(f"no bank {code!r} in the bank directory (known: {', '.join(b.code for b in self.banks)})")

    def by_bic(self, bic: str) -> BankConnection | None:
        """The bank a BIC routes to (a BIC8 matches the BIC11 of a branch too)."""
        for bank in self.banks:
            if bank.bic[:8] == bic[:8]:
                return bank
        return None


def load_directory(path: Path | None = None) -> BankDirectory:
    path = Path(path or payments_settings().banks_file)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return BankDirectory.model_validate(raw)
    except OSError as error:
        raise InvalidInput(f"cannot read the bank directory {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"the bank directory {path} is not valid TOML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"the bank directory {path}: {where}: {first['msg']}") from None
