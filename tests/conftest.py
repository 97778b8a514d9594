"""Shared test fixtures.

Reference data and real weather files live in ``../shared`` beside the
checkout; tests that need them skip cleanly when that folder is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (reference data) is not beside this checkout")
    return SHARED


@pytest.fixture(scope="session")
def reference_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "reference"


@pytest.fixture(scope="session")
def weather_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "weather"


def load_json(path: Path):
    return json.loads(path.read_text())
