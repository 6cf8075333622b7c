"""What every schemathesis test of a building block's API shares: the schema (taken from the
ASGI app, or given as a document) with positive and negative cases, a scratch directory for the
app built at import time, and the check that the fuzzing really got through (some answers
accepted, some refused), so that a test run that reached nothing cannot pass."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis


def scratch(prefix: str) -> Path:
    """A directory for an app the schema is taken from (built at import time, before fixtures
    exist: schemathesis needs the document to generate the tests); removed when the run ends."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, directory, True)
    return directory


def schema_of(app: Any) -> Any:
    return _both_modes(schemathesis.openapi.from_asgi("/openapi.json", app))


def schema_from(document: dict[str, Any]) -> Any:
    return _both_modes(schemathesis.openapi.from_dict(document))


def _both_modes(schema: Any) -> Any:
    schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
    return schema


def assert_reached(statuses: list[int]) -> None:
    assert statuses, "the fuzz tests did not run"
    assert any(200 <= s < 300 for s in statuses), "no input was accepted"
    assert any(400 <= s < 500 for s in statuses), "no input was refused"
