"""The Consent building block over one member's database: its parts wired together, and the
policies and data agreements of a TOML file made at start when they are missing."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable

from pydantic import ValidationError
from sqlalchemy import Engine

from tenfold.consent.chain import RevisionSigner
from tenfold.consent.errors import NotFound
from tenfold.consent.models import DataAgreementIn, PolicyIn
from tenfold.consent.objects import Config
from tenfold.consent.records import Records
from tenfold.errors import InvalidInput

SEEDED_BY = "tenfold consent (agreements file)"


@dataclass
class ConsentService:
    engine: Engine
    signer: RevisionSigner
    member_id: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.config = Config(self.engine, self.signer, lambda: self.clock())
        self.records = Records(self.engine, self.signer, self.config, lambda: self.clock())

    def seed(self, path: Path) -> list[str]:
        """Make the file's policies and agreements that are missing; returns their ids."""
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
            policies = [PolicyIn.model_validate(p) for p in document.get("policies", [])]
            agreements = [DataAgreementIn.model_validate(a) for a in document.get("dataAgreements", [])]
        except (OSError, tomllib.TOMLDecodeError, ValidationError) as error:
            raise InvalidInput(f"{path}: {error}") from None
        made = []
        for policy in policies:
            if not self._exists(self.config.get_policy, policy.id):
                made.append(self.config.create_policy(policy, SEEDED_BY)[0]["id"])
        for agreement in agreements:
            if not self._exists(self.config.get_agreement, agreement.id):
                made.append(self.config.create_agreement(agreement, SEEDED_BY)[0]["id"])
        return made

    @staticmethod
    def _exists(getter: Callable[[str], object], object_id: str | None) -> bool:
        if object_id is None:
            return False
        try:
            getter(object_id)
        except NotFound:
            return False
        return True
