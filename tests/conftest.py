"""Shared test fixtures.

The reference tables the validation tests read live in ``tests/data`` (sources in
``tests/data/SOURCES.md``); the real TMY3 weather files and the measured H200 trace ship
with the package in ``twin/data``.  No test reads anything outside the checkout.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def weather_dir() -> Path:
    return REPO / "twin" / "data" / "weather"


@pytest.fixture(scope="session")
def gpu_trace_dir() -> Path:
    return REPO / "twin" / "data" / "gpu_trace"


@pytest.fixture(scope="session")
def nomenclature() -> dict[str, dict[str, str]]:
    """docs/nomenclature.md's variable table: name -> units, standard_name, cell_methods, meaning, dims."""
    rows = {}
    for line in (REPO / "docs" / "nomenclature.md").read_text().splitlines():
        m = re.match(r"\| `([^`]+)` \|(.*)\|\s*$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            rows[m.group(1)] = dict(zip(("units", "standard_name", "cell_methods", "meaning", "dims"), cells))
    return rows


def assert_bad_input(result, *words):
    """A CLI result for bad input: exit 2, ``error:`` lines naming ``words``, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert lines, result.output
    for word in words:
        assert word in result.output, (word, result.output)
