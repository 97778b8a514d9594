"""Fixtures: the demo site with its generated tag map and a day of SYNTHETIC telemetry."""

from __future__ import annotations

import pytest

from twin.site import load_site
from twin.telemetry.synthetic import default_tagmap, synthesize
from twin.telemetry.tagmap import load_tagmap


@pytest.fixture(scope="session")
def demo():
    return load_site("demo")


@pytest.fixture(scope="session")
def demo_map(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "demo_tags.toml"
    path.write_text(default_tagmap(demo))
    return load_tagmap(path, demo)


@pytest.fixture(scope="session")
def demo_day(demo, demo_map):
    """One day of fault-free synthetic telemetry at 1 min with noise, gaps and clock skew."""
    return synthesize(demo, demo_map, days=1.0, seed=3)
