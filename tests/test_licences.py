"""No dependency in the lock file may be AGPL: Tenfold's core is Apache-2.0 and must stay
adoptable by ministries that cannot accept network-copyleft terms."""

import re
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def _locked() -> list[str]:
    names = []
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line)
        if match:
            names.append(match.group(1))
    return names


def _licence_text(name: str) -> str:
    meta = metadata.metadata(name)
    parts = [meta.get("License-Expression") or "", meta.get("License") or ""]
    parts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    return " ".join(parts)


def test_every_locked_dependency_is_installed_at_its_pinned_version() -> None:
    for line in LOCK.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            assert metadata.version(match.group(1)) == match.group(2), match.group(1)


def test_no_locked_dependency_is_agpl() -> None:
    names = _locked()
    assert len(names) > 50
    offenders = [n for n in names if re.search(r"AGPL|Affero", _licence_text(n), re.IGNORECASE)]
    assert offenders == []


def test_the_project_itself_is_apache_2() -> None:
    text = (LOCK.parent / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0" in text
    assert 'license = "Apache-2.0"' in (LOCK.parent / "pyproject.toml").read_text()
