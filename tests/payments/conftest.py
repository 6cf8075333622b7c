from __future__ import annotations

from pathlib import Path

import pytest

from tests.payments.world import World, build


@pytest.fixture
def world(var_dir: Path) -> World:
    """The treasury and two banks over folder channels; 40 beneficiaries with open accounts."""
    return build(var_dir)
