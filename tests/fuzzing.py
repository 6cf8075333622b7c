"""What every schemathesis test of a building block's API shares: the schema taken from the
ASGI app with positive and negative cases, and the check that the fuzzing really got through
(some answers accepted, some refused), so that a test run that reached nothing cannot pass."""

from __future__ import annotations

from typing import Any

import schemathesis


def schema_of(app: Any) -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
    return schema


def assert_reached(statuses: list[int]) -> None:
    assert statuses, "the fuzz tests did not run"
    assert any(200 <= s < 300 for s in statuses), "no input was accepted"
    assert any(400 <= s < 500 for s in statuses), "no input was refused"
