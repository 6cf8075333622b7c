"""Process-wide settings, read from the environment (prefix ``TENFOLD_``).

Only configuration lives here: the embedded default and a production deployment run the same
code and differ only in these values (ARCHITECTURE.md, invariant 6).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_TOPOLOGY = Path(__file__).parent / "topology" / "demo.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENFOLD_", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Where the embedded databases and runtime files live.")
    topology: Path = Field(DEMO_TOPOLOGY, description="The country as data (TOML).")
    database_url_template: str | None = Field(
        None,
        description="URL with a {member} placeholder, e.g. postgresql+psycopg://tenfold@db/tenfold_{member}.",
    )
    id_scheme: Literal["ee", "verhoeff"] = Field("ee", description="National personal-code scheme.")
    lang: Literal["en", "zh-Hant"] = Field("en", description="Language of CLI output.")

    def member_database_url(self, member_code: str) -> str:
        """The database URL of one member: a per-member variable wins over the template.

        ``TENFOLD_DATABASE_URL_POP`` sets POP's database alone; the template sets every member;
        otherwise each member gets its own SQLite file under ``var_dir``.
        """
        code = member_code.upper()
        explicit = os.environ.get(f"TENFOLD_DATABASE_URL_{code}")
        if explicit:
            return explicit
        if self.database_url_template:
            return self.database_url_template.replace("{member}", code.lower())
        return f"sqlite:///{(self.var_dir / f'{code.lower()}.sqlite').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
