"""`tenfold identity demo-accounts`: demo residents of a generated country who can sign in,
a parent of a newborn first; their passwords are derived, never stored."""

from __future__ import annotations

from pathlib import Path

import pyotp

from tenfold.country import GenerationRequest, generate
from tenfold.identity import passwords
from tenfold.settings import get_settings


def test_demo_accounts_include_a_parent_of_a_newborn_and_are_stable(var_dir: Path) -> None:
    from tenfold.cli import identity as identity_cli

    generate(get_settings(), GenerationRequest(persons=3000, seed=11), workers=1)
    first = identity_cli.demo_accounts()
    assert first[0]["role"] == "parent of a newborn" and len(first) >= 3
    assert all(a["password"].startswith("demo-") and pyotp.TOTP(a["totpSecret"]).now() for a in first)
    again = identity_cli.demo_accounts()
    assert [(a["personId"], a["password"], a["totpSecret"]) for a in again] == [(a["personId"], a["password"], a["totpSecret"]) for a in first]
    stored = identity_cli.provider().accounts.get(first[0]["personId"])
    assert stored["kind"] == "demo" and first[0]["password"] not in stored["password_hash"]
    assert passwords.verify_password(first[0]["password"], stored["password_hash"])
