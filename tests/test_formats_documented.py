"""models/README.md and sites/README.md document the formats the loaders read: their field tables
are generated from the loaders' dataclasses and must be current; every field is named."""

import importlib.util
from dataclasses import fields
from pathlib import Path

import pytest

from twin.catalog import KINDS

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("field_tables", REPO / "docs" / "field_tables.py")
field_tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(field_tables)


@pytest.mark.parametrize("which", ["models", "sites"])
def test_readme_field_tables_are_current(which):
    text = (REPO / which / "README.md").read_text()
    assert field_tables.block(which) in text, f"run: python docs/field_tables.py --write ({which}/README.md is stale)"


def test_every_catalogue_field_is_documented():
    text = (REPO / "models" / "README.md").read_text()
    for kind, cls in KINDS.items():
        assert f"### `{kind}/`" in text
        for f in fields(cls):
            assert f"| `{f.name}` |" in text, (kind, f.name)
    assert "## Your own equipment" in text and "catalogues = [" in text


def test_site_readme_names_every_section():
    from twin.site import _TOP_LEVEL

    text = (REPO / "sites" / "README.md").read_text()
    for key in _TOP_LEVEL:
        assert key in text, key
