"""Shared test fixtures.

Reference data and real weather files live in ``../shared`` beside the
checkout; tests that need them skip cleanly when that folder is absent.
"""

from __future__ import annotations

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


def assert_bad_input(result, *words):
    """A CLI result for bad input: exit 2, ``error:`` lines naming ``words``, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert lines, result.output
    for word in words:
        assert word in result.output, (word, result.output)
