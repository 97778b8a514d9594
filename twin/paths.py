"""Where the built-in data lives: ``models/`` and ``sites/`` at the top of a checkout,
installed as ``twin/data/models`` and ``twin/data/sites`` in a wheel.

One resolver for both: an installed package carries the folder under
``twin/data/<name>``; an editable install or a checkout falls back to
``<checkout>/<name>``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """Folder of the built-in data ``name`` ("models", "sites", "media", "weather", ...)."""
    packaged = Path(str(resources.files("twin") / "data" / name))
    if packaged.is_dir():
        return packaged
    return CHECKOUT / name
